/* persist_int.h: shared by the journal's sources (runtime/src/persist). */
#ifndef ACT_PERSIST_INT_H
#define ACT_PERSIST_INT_H

#include "act/persist.h"

#include <stdbool.h>

/* Fill err (if not NULL) with code and a formatted message; returns code. */
int act__jerr(act_journal_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear err to OK. */
void act__jerr_ok(act_journal_err_t *err);
/* The format a journal's meta row gives (v; found: whether it had one),
 * against the newest this backend reads: OK, or EFOREIGN, ECORRUPT or
 * EVERSION with the message naming the journal (where). */
int act__jformat_check(act_journal_err_t *err, const char *where, const char *v, bool found,
                       int readable);
/* Report a warning through j->warn (stderr if unset). */
void act__jwarn(act_journal_t *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print at most max bytes of a pid for a message: into buf (cap >= 80). */
const char *act__jpid(char *buf, size_t cap, const char *pid, size_t len);

/* fsync the directory that holds path (after creating or renaming a file
 * there); 0 or -1 with errno. */
int act__jfsync_dir(const char *path);

/* ---- types.c: the table of types, the program check, record checksums ---- */

/* One type the journal knows or the program declares. */
typedef struct act__jtype {
  int64_t id;                  /* the journal's number; 0: new, not yet stored */
  int kind;                    /* act_journal_kind_t */
  char *name;
  uint64_t fp;                 /* the journal's (== the program's if both) */
  bool in_program;
} act__jtype_t;

typedef struct act__jtypes {
  act__jtype_t *v;             /* v[0..njournal): stored; v[njournal..n): new */
  size_t n, cap, njournal;
  act__jtype_t **by_name;      /* open addressing by (kind, name) */
  size_t name_cap;
  act__jtype_t **by_id;
  size_t nby_id;
} act__jtypes_t;

/* A stored row (ECORRUPT for a bad id or kind). */
int act__jtypes_add(act__jtypes_t *t, int64_t id, int kind, const char *name, uint64_t fp,
                    const char *path, act_journal_err_t *err);
/* After the stored rows: compare the program's types (ESCHEMA naming the
 * first changed one), append the new ones with id 0. */
int act__jtypes_merge(act__jtypes_t *t, const act_journal_config_t *cfg, const char *path,
                      act_journal_err_t *err);
/* Once the new ones have their ids: the by-id index; all count as stored. */
int act__jtypes_index(act__jtypes_t *t, const char *path, act_journal_err_t *err);
act__jtype_t *act__jtypes_find(const act__jtypes_t *t, int kind, const char *name);
/* The type of a stored event / snapshot, or the error that replay reports
 * (ECORRUPT unknown, ESCHEMA not declared or, for a state, changed). */
int act__jtypes_event(const act__jtypes_t *t, int64_t tid, const char *path, const char *pid,
                      size_t pid_len, int64_t seq, const act__jtype_t **out,
                      act_journal_err_t *err);
int act__jtypes_state(const act__jtypes_t *t, int64_t tid, uint64_t fp, const char *path,
                      const char *pid, size_t pid_len, int64_t seq, const act__jtype_t **out,
                      act_journal_err_t *err);
void act__jtypes_free(act__jtypes_t *t);
const char *act__jkind_word(int kind);

/* cfg->program against the recorded owner (NULL: none recorded) and the
 * journal's stored types: EFOREIGN, or OK; *record: the program must be
 * recorded; takeover: "" or the warning to give once the open succeeded (a
 * renamed program takes the journal over). */
int act__jcheck_program(const char *path, const char *owner, const act__jtypes_t *t,
                        const act_journal_config_t *cfg, bool *record, char *takeover,
                        size_t cap, act_journal_err_t *err);

/* save_snapshot through j->ops->append (one write), with a message that
 * says why a refused one was refused. */
int act__jsave_snapshot(act_journal_t *j, const act__jtypes_t *t, const char *pid,
                        size_t pid_len, int64_t seq, const char *type, const void *data,
                        size_t len, act_journal_err_t *err);

/* What a write of events or a snapshot must be whatever is stored: a pid,
 * a seq (>= 1, a snapshot's >= 0), declared types, data where a length
 * says so. false with w->status = EINVAL if not. */
bool act__jwrite_ok(const act__jtypes_t *t, act_journal_write_t *w);

/* One stored snapshot row. */
typedef struct act__jsnap {
  int64_t seq, tid;
  uint64_t fp;
  uint32_t crc;
  const void *data;
  size_t len;
} act__jsnap_t;

/* load_snapshot's rows of pid, newest first, one at a time (row 0, 1):
 * NOTFOUND to go on to the next (this one fails its checksum: warned and
 * counted in *damaged), else the outcome (the type's error, or fn's). */
int act__jsnap_try(act_journal_t *j, const act__jtypes_t *t, const char *pid, size_t pid_len,
                   int row, const act__jsnap_t *x, act_journal_snapshot_fn fn, void *arg,
                   int *damaged, act_journal_err_t *err);
/* No row was taken: NOTFOUND, or ECORRUPT if every one was damaged. */
int act__jsnap_none(act_journal_t *j, const char *pid, size_t pid_len, int damaged,
                    act_journal_err_t *err);

/* CRC-32C of a record: payload, seq, prev, a tag (the type), pid. */
uint32_t act__jrec_crc(const void *data, size_t len, int64_t seq, int64_t prev,
                       const char *pid, size_t pid_len, uint64_t tag);

#endif
