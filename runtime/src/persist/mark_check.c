/* mark_check.c: what the commit mark (mark.h) says about a journal at open,
 * and making the mark once the journal has been accepted.
 *
 * The check only reads: a journal refused here is left as it was, its mark
 * too. The rule (PERSIST.md, "The commit mark"): the journal's log must
 * hold every row the mark says was acknowledged, if the mark was written
 * since the machine last booted (the WAL's unsynced pages then survived in
 * the page cache as well), else every row the mark says was on disk. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mark.h"

#include "persist_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void side_path(char *out, size_t cap, const char *path, const char *suffix) {
  snprintf(out, cap, "%s%s", path, suffix);
}

/* "X-wal is missing" or "X-wal (N bytes) ends early or is damaged": what
 * SQLite read instead of the commits the mark counts. */
static const char *wal_state(char *buf, size_t cap, const char *path) {
  char wal[PATH_MAX + 8];
  struct stat st;
  side_path(wal, sizeof wal, path, "-wal");
  if (stat(wal, &st) != 0 || st.st_size == 0)
    snprintf(buf, cap, "%s is missing or empty", wal);
  else
    snprintf(buf, cap, "%s (%lld bytes) ends early or is damaged", wal,
             (long long)st.st_size);
  return buf;
}

int act__jmark_check(act_journal_t *j, const char *path, int64_t have, bool has_jid,
                     uint64_t jid, const char *boot, int *fd, act__jmark_t *m,
                     act_journal_err_t *err) {
  char mp[PATH_MAX + 8], ws[PATH_MAX + 64];
  side_path(mp, sizeof mp, path, "-mark");
  memset(m, 0, sizeof *m);
  *fd = open(mp, O_RDWR | O_CLOEXEC);
  if (*fd < 0) {
    if (errno != ENOENT)
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: cannot open its mark %s: %s", path,
                       mp, strerror(errno));
    /* No mark: a journal made before marks existed (no journal_id), or one
     * whose creation stopped before its first open finished (no events).
     * Anything else lost its mark, and with it the means to tell whether
     * acknowledged events are missing. */
    if (has_jid && have > 0)
      return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s: its mark %s is missing, so it cannot be checked for "
                       "lost acknowledged events (it holds %lld events); restore %s",
                       path, mp, (long long)have, mp);
    return ACT_JOURNAL_OK;
  }
  struct stat st;
  if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode))
    return act__jerr(err, ACT_JOURNAL_ECORRUPT, "journal %s: its mark %s is not a regular file",
                     path, mp);
  if (act__jmark_read(*fd, m) != 0)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s: its mark %s is damaged (%lld bytes, no copy passes its "
                     "checksum), so it cannot be checked for lost acknowledged events",
                     path, mp, (long long)st.st_size);
  if (has_jid && m->journal != jid)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s: its mark %s belongs to another journal (journal id "
                     "%016llx, not %016llx)",
                     path, mp, (unsigned long long)m->journal, (unsigned long long)jid);
  bool same = false;
  int64_t need = act__jmark_needed(m, boot, &same);
  if (have < need)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is missing %lld acknowledged events: it holds %lld events, "
                     "its mark %s counts %lld%s; %s",
                     path, (long long)(need - have), (long long)have, mp, (long long)need,
                     same ? "" : " written to disk", wal_state(ws, sizeof ws, path));
  /* A mark but no id recorded: the first open (which makes the mark, then
   * records its id) stopped in between. What the mark counts is there, so
   * the caller adopts its id. */
  if (!same && have < m->acked)
    act__jwarn(j,
               "journal %s: the last %lld events acknowledged before the machine "
               "restarted are not in it (they were not on disk yet: see "
               "--act-journal-sync full); it continues after event %lld",
               path, (long long)(m->acked - have), (long long)have);
  return ACT_JOURNAL_OK;
}

int act__jmark_seal(const char *path, int *fd, act__jmark_t *m, unsigned mode,
                    act_journal_err_t *err) {
  char mp[PATH_MAX + 8];
  side_path(mp, sizeof mp, path, "-mark");
  if (*fd >= 0) {
    int e = act__jmark_write(*fd, m);
    if (!e && fsync(*fd) != 0) e = errno;
    if (e)
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: cannot write its mark %s: %s",
                       path, mp, strerror(e));
    return ACT_JOURNAL_OK;
  }
  /* A new mark is written in full under a temporary name and renamed into
   * place: a crash never leaves a mark that is there but unreadable. */
  char tmp[PATH_MAX + 48];
  snprintf(tmp, sizeof tmp, "%s.creating-%ld", mp, (long)getpid());
  int nfd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)(mode & 0666));
  int e = nfd < 0 ? errno : act__jmark_write(nfd, m);
  if (!e && fsync(nfd) != 0) e = errno;
  if (!e && rename(tmp, mp) != 0) e = errno;
  if (!e && act__jfsync_dir(mp) != 0) e = errno;
  if (e) {
    if (nfd >= 0) close(nfd);
    unlink(tmp);
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: cannot create its mark %s: %s", path,
                     mp, strerror(e));
  }
  *fd = nfd;
  return ACT_JOURNAL_OK;
}

int act__jmark_orphan(const char *path, act_journal_err_t *err) {
  char mp[PATH_MAX + 8];
  side_path(mp, sizeof mp, path, "-mark");
  int fd = open(mp, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ACT_JOURNAL_OK;
  act__jmark_t m;
  bool ok = act__jmark_read(fd, &m) == 0;
  close(fd);
  if (ok && m.acked == 0) {   /* it never counted an event: a stale leftover */
    unlink(mp);
    return ACT_JOURNAL_OK;
  }
  char what[64] = "is damaged";
  if (ok) snprintf(what, sizeof what, "counts %lld acknowledged events", (long long)m.acked);
  return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                   "journal %s does not exist but its mark %s %s (was the journal "
                   "deleted?); restore the journal, or remove %s to start a new one",
                   path, mp, what, mp);
}
