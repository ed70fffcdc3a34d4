/* mark.h: the journal's commit mark, a small file beside the journal
 * ("<journal>-mark") that says how far the journal's log must reach.
 *
 * SQLite treats a missing WAL file, or a WAL frame that fails its checksum,
 * as the end of the log: commits after it vanish without an error. The mark
 * lives outside the WAL, so a journal that is behind what was acknowledged
 * can be told apart from one that is merely behind its mark (which may lag,
 * never lead: it is written after each commit, before the commit's writes
 * are acknowledged). See PERSIST.md, "The commit mark".
 *
 * The file holds two copies (slots) of one 128-byte record, at offsets 0
 * and 4096, written alternately: a write torn by a crash or power loss
 * damages only the slot being written, and the newest slot whose checksum
 * holds is the mark. */
#ifndef ACT_PERSIST_MARK_H
#define ACT_PERSIST_MARK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct act__jmark {
  uint64_t journal;   /* the journal's id (meta 'journal_id'): the mark is its */
  uint64_t gen;       /* slot generation: the newer valid slot wins */
  int64_t acked;      /* log rows up to here were acknowledged */
  int64_t synced;     /* log rows up to here were on disk (fsync'd) */
  char boot[40];      /* the kernel's boot id when written ("" if unknown) */
} act__jmark_t;

/* The record's size and the slots' spacing (separate disk blocks). */
#define ACT_JMARK_REC 128
#define ACT_JMARK_SLOT 4096

/* Read the mark from fd into out. Returns 0, or -1 when neither slot is a
 * valid mark (out->gen then says how many bytes the file has, for the
 * message). */
int act__jmark_read(int fd, act__jmark_t *out);

/* Write m into the slot after the current one (m->gen is incremented).
 * One pwrite, no fsync. Returns 0 or an errno value. */
int act__jmark_write(int fd, act__jmark_t *m);

/* The running kernel's boot id into out ("" if it cannot be read). Marks
 * written since the last boot survived in the page cache together with the
 * WAL, so their `acked` can be held against the journal; after a reboot
 * only `synced` can. */
void act__jmark_boot_id(char out[40]);

/* The log row the journal must reach, given a mark read at open and this
 * boot's id: `acked` if the mark was written in this boot, else `synced`. */
int64_t act__jmark_needed(const act__jmark_t *m, const char *boot, bool *same_boot);

/* ---- mark_check.c: the mark and the journal ---- */

typedef struct act_journal act_journal_t;
typedef struct act_journal_err act_journal_err_t;

/* At open, before anything is written: the journal at path holds `have`
 * log rows and records journal id jid (has_jid false: none, a journal made
 * before marks). Opens "<path>-mark" into *fd (-1 if missing and the
 * journal may go without one until act__jmark_seal makes it) and reads it
 * into *m. ECORRUPT, naming both files, when the journal is behind what
 * the mark says was acknowledged, or the mark is missing, damaged or
 * another journal's; warns through j when a reboot legitimately lost
 * commits that were not on disk yet. A mark found while no id is recorded
 * (a first open stopped between making the mark and recording its id) is
 * accepted if nothing it counts is missing: the caller adopts m->journal. */
int act__jmark_check(act_journal_t *j, const char *path, int64_t have, bool has_jid,
                     uint64_t jid, const char *boot, int *fd, act__jmark_t *m,
                     act_journal_err_t *err);

/* Once the journal is accepted: write m and fsync it; if *fd < 0, create
 * the file (the journal's mode) whole under a temporary name and rename it
 * into place. */
int act__jmark_seal(const char *path, int *fd, act__jmark_t *m, unsigned mode,
                    act_journal_err_t *err);

/* Before creating a journal at path: a mark left there that counted events
 * means the journal was deleted (ECORRUPT); one that never did is removed. */
int act__jmark_orphan(const char *path, act_journal_err_t *err);

#endif
