/* sqlite.c: the embedded SQLite journal backend (act_journal_sqlite_ops).
 *
 * One file in WAL mode, recognised by its application_id ("ActJ") and
 * user_version (the journal format). Tables:
 *
 *   meta(key, value)           format, checksum, creation time, heads_mark
 *   types(id, kind, name, fingerprint)       the schema, see act/persist.h
 *   log(id, pid, seq, prev, type, crc, data) every event, in commit order
 *   heads(pid, id, seq)        each pid's newest event (see below)
 *   snapshots(pid, seq, type, fingerprint, crc, data)   two per pid
 *
 * Write path. Events are appended to `log`, whose rowid grows: a
 * transaction of a thousand events from a thousand actors fills a few
 * adjacent pages instead of touching a page per actor, which is what makes
 * group commit pay (an index on (pid, seq) costs one random page per actor
 * per commit: 25,000 events/s instead of 700,000 on the machine it was
 * measured on). Each event links to its pid's previous one (`prev`), and
 * the head of every pid lives in memory: sequence numbers are checked
 * against it, and `heads` is brought up to date at most once a second, in
 * the same transaction as a batch. heads_mark says up to which log row
 * `heads` is exact; opening reads the log after it to rebuild the heads.
 *
 * Read path. A replay takes the pid's head (the committed one, from memory,
 * else from `heads`), walks `prev` back to the first wanted event, then
 * reads the events forward. crc (CRC-32C of the payload, seq, prev, pid and
 * type) is checked on every event read, the chain's pid and seq too.
 *
 * Threads. Writes go through one connection under a mutex; reads through a
 * pool of connections, so recovery on worker threads runs beside the
 * writer and sees only committed events.
 *
 * Opening never changes a file it refuses: the header is read and checked
 * before SQLite sees the file, and SQLite opens it without CREATE. A new
 * journal is built under a temporary name and moved into place with
 * renameat2(RENAME_NOREPLACE), so a crash during creation never leaves a
 * half-made journal at the path. The file is flock()ed while open: a second
 * program on the same journal is refused (EBUSY).
 *
 * The commit mark (mark.h, "<journal>-mark") is written after each commit,
 * before the writer acknowledges it, and checked at open before anything is
 * written: SQLite takes a lost or damaged WAL for the end of the log, the
 * mark says how far the log must reach. meta also records the journal's id
 * (the mark's) and the program that uses it (cfg->program).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ckpt.h"
#include "mark.h"
#include "persist_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQ_APPLICATION_ID 0x4163744A   /* "ActJ" */
#define SQ_FORMAT 1                    /* user_version */

static const char SQ_MAGIC[16] = "SQLite format 3";   /* with its NUL */

/* A pid's newest event. id/seq: as written in the open transaction (the
 * writer's); cid/cseq: as committed (readers', under hmu). */
typedef struct sq_head {
  char *pid;
  size_t len;
  uint64_t hash;
  int64_t id, seq;
  int64_t cid, cseq;
  int64_t undo_id, undo_seq;   /* before the open transaction */
  bool touched;                /* written in the open transaction */
  bool dirty;                  /* `heads` does not have cid/cseq yet */
} sq_head;

typedef struct sq_reader {
  sqlite3 *db;
  sqlite3_stmt *begin, *end, *walk, *get, *snap, *head;
  struct sq_reader *next;
} sq_reader;

typedef struct sq_journal {
  act_journal_t base;
  char *path;
  int lock_fd;
  int sync;
  /* writer connection */
  pthread_mutex_t wmu;
  sqlite3 *db;
  sqlite3_stmt *begin, *commit, *rollback, *ins, *head_get, *head_put, *mark_put,
      *snap_ins, *snap_prune;
  int64_t last_id;             /* the newest log row */
  int64_t last_flush_ns;       /* of `heads` */
  /* heads: open addressing by pid; entries are never removed */
  pthread_mutex_t hmu;         /* the table's shape and cid/cseq */
  sq_head **heads;
  size_t heads_cap, nheads;
  sq_head **touched;           /* in the open transaction */
  size_t ntouched, touched_cap;
  sq_head **dirty;
  size_t ndirty, dirty_cap;
  /* readers */
  pthread_mutex_t rmu;
  sq_reader *free_readers;
  act__jtypes_t types;         /* the journal's and the program's (types.c) */
  char takeover[400];          /* a warning for once the open succeeded */
  /* the commit mark (mark.h): written after every commit that adds events */
  int mark_fd;
  act__jmark_t mark;
  char boot[40];
  uint64_t jid;                /* meta 'journal_id' */
  bool has_jid;
  bool write_program;          /* record cfg->program in meta at the seal */
  bool mark_warned;            /* a failed mark write was reported */
  int64_t ckpt_row;            /* a full checkpoint ran: rows up to it on disk */
  act_ckpt_t *ckpt;            /* the checkpointer thread (ckpt.h), or NULL */
  unsigned mode;               /* the journal file's permissions */
} sq_journal;

#define SQ_FLUSH_NS 1000000000   /* `heads` at most this old */
#define SQ_FLUSH_DIRTY 65536     /* ... or this many pids behind */

/* ---- errors -------------------------------------------------------------- */

static int sq_fail(sq_journal *s, act_journal_err_t *err, sqlite3 *db, int rc,
                   const char *what) {
  const char *path = s->path;
  const char *m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return act__jerr(err, ACT_JOURNAL_ECORRUPT, "journal %s is damaged: %s (SQLite: %s)",
                     path, what, m);
  case SQLITE_FULL:
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s: the disk is full", path, what);
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return act__jerr(err, ACT_JOURNAL_EBUSY, "journal %s: %s: the database is locked (%s)",
                     path, what, m);
  case SQLITE_CANTOPEN:
  case SQLITE_PERM:
  case SQLITE_READONLY:
  case SQLITE_IOERR:
  default:
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s failed: %s", path, what, m);
  }
}

/* ---- opening ---------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool file_exists(const char *path, off_t *size) {
  struct stat st;
  if (stat(path, &st) != 0) return false;
  if (size) *size = st.st_size;
  return true;
}

static int exec1(sqlite3 *db, const char *sql) {
  return sqlite3_exec(db, sql, NULL, NULL, NULL);
}



static int step0(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *SQ_SCHEMA =
    "PRAGMA page_size=4096;"
    "PRAGMA application_id=1097036874;"   /* 0x4163744A */
    "PRAGMA user_version=1;"
    "BEGIN;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE types(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
    " name TEXT NOT NULL, fingerprint INTEGER NOT NULL, UNIQUE(kind, name));"
    "CREATE TABLE log(id INTEGER PRIMARY KEY, pid TEXT NOT NULL,"
    " seq INTEGER NOT NULL, prev INTEGER NOT NULL, type INTEGER NOT NULL,"
    " crc INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE heads(pid TEXT PRIMARY KEY, id INTEGER NOT NULL,"
    " seq INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE snapshots(pid TEXT NOT NULL, seq INTEGER NOT NULL,"
    " type INTEGER NOT NULL, fingerprint INTEGER NOT NULL, crc INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY(pid, seq)) WITHOUT ROWID;"
    "INSERT INTO meta VALUES('format', 1), ('checksum', 'crc32c'), ('heads_mark', 0),"
    " ('created', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));"
    "COMMIT;"
    "PRAGMA journal_mode=WAL;";

static int sq_create(sq_journal *s, act_journal_err_t *err) {
  size_t n = strlen(s->path) + 64;
  char *tmp = malloc(n);
  if (!tmp) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->path);
  snprintf(tmp, n, "%s.creating-%ld", s->path, (long)getpid());
  char side[PATH_MAX + 16];
  snprintf(side, sizeof side, "%s-wal", s->path);
  if (file_exists(side, NULL)) {
    free(tmp);
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s does not exist but %s does (left from a deleted "
                     "journal?); remove it to start a new journal",
                     s->path, side);
  }
  int orphan = act__jmark_orphan(s->path, err);
  if (orphan != ACT_JOURNAL_OK) {
    free(tmp);
    return orphan;
  }
  unlink(tmp);
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(tmp, &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           NULL);
  if (rc == SQLITE_OK) rc = exec1(db, SQ_SCHEMA);
  int code = ACT_JOURNAL_OK;
  if (rc != SQLITE_OK) {
    code = act__jerr(err, ACT_JOURNAL_EIO, "cannot create journal %s: %s", s->path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  }
  if (db && sqlite3_close(db) != SQLITE_OK && code == ACT_JOURNAL_OK)
    code = act__jerr(err, ACT_JOURNAL_EIO, "cannot create journal %s: close failed",
                     s->path);
  if (code == ACT_JOURNAL_OK) {
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0)
      code = act__jerr(err, ACT_JOURNAL_EIO, "cannot create journal %s: %s", s->path,
                       strerror(errno));
    if (fd >= 0) close(fd);
  }
  if (code == ACT_JOURNAL_OK) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, s->path, RENAME_NOREPLACE) != 0) {
      int e = errno;
      if (e == EINVAL || e == ENOSYS) {   /* no RENAME_NOREPLACE here: link */
        if (link(tmp, s->path) != 0) e = errno;
        else e = 0;
      }
      if (e && e != EEXIST)
        code = act__jerr(err, ACT_JOURNAL_EIO, "cannot create journal %s: %s", s->path,
                         strerror(e));
    }
    act__jfsync_dir(s->path);
  }
  unlink(tmp);
  snprintf(side, sizeof side, "%s-wal", tmp);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", tmp);
  unlink(side);
  free(tmp);
  return code;
}

/* Check the first 100 bytes (the SQLite header) and the file's size. */
static int sq_check_header(sq_journal *s, act_journal_err_t *err) {
  struct stat st;
  if (fstat(s->lock_fd, &st) != 0)
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s", s->path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return act__jerr(err, ACT_JOURNAL_EFOREIGN, "journal %s is not a regular file",
                     s->path);
  if (st.st_size == 0)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is empty (0 bytes): not an Act journal, or one "
                     "truncated to nothing; remove it to start a new journal",
                     s->path);
  unsigned char h[100];
  ssize_t got = pread(s->lock_fd, h, sizeof h, 0);
  if (got < 0)
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: read failed: %s", s->path,
                     strerror(errno));
  if ((size_t)got < sizeof SQ_MAGIC || memcmp(h, SQ_MAGIC, sizeof SQ_MAGIC) != 0) {
    if ((size_t)got < sizeof SQ_MAGIC && memcmp(h, SQ_MAGIC, (size_t)got) == 0)
      return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s is truncated (%lld bytes, shorter than its header)",
                       s->path, (long long)st.st_size);
    return act__jerr(err, ACT_JOURNAL_EFOREIGN,
                     "journal %s is not an Act journal: it is not a SQLite database "
                     "(or its header is damaged)",
                     s->path);
  }
  if (got < 100)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is truncated (%lld bytes, shorter than its header)",
                     s->path, (long long)st.st_size);
  uint32_t app = be32(h + 68), ver = be32(h + 60);
  if (app != SQ_APPLICATION_ID)
    return act__jerr(err, ACT_JOURNAL_EFOREIGN,
                     "journal %s is a SQLite database but not an Act journal "
                     "(application_id 0x%08" PRIx32 ", expected 0x%08x)",
                     s->path, app, SQ_APPLICATION_ID);
  if (ver > SQ_FORMAT)
    return act__jerr(err, ACT_JOURNAL_EVERSION,
                     "journal %s was written by a newer Act (journal format %" PRIu32
                     "; this program reads format %d)",
                     s->path, ver, SQ_FORMAT);
  if (ver < 1)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: its header has journal format 0", s->path);
  uint32_t ps = (uint32_t)h[16] << 8 | h[17];
  if (ps == 1) ps = 65536;
  if (ps < 512 || ps > 65536 || (ps & (ps - 1)))
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: its header has page size %" PRIu32, s->path,
                     ps);
  /* Size checks hold only while no WAL file carries pages of the database. */
  char wal[PATH_MAX + 8];
  off_t wsize = 0;
  snprintf(wal, sizeof wal, "%s-wal", s->path);
  if (file_exists(wal, &wsize) && wsize > 32) return ACT_JOURNAL_OK;
  if (st.st_size % ps)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is truncated or damaged: %lld bytes is not a whole "
                     "number of %" PRIu32 "-byte pages",
                     s->path, (long long)st.st_size, ps);
  uint32_t pages = be32(h + 28);
  if (pages && memcmp(h + 24, h + 92, 4) == 0 && (uint64_t)st.st_size < (uint64_t)pages * ps)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is truncated: it has %lld bytes, its header says %llu",
                     s->path, (long long)st.st_size, (unsigned long long)pages * ps);
  return ACT_JOURNAL_OK;
}

static int sq_prepare(sq_journal *s, sqlite3 *db, sqlite3_stmt **st, const char *sql,
                      act_journal_err_t *err) {
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, db, rc, "reading the tables");
  return ACT_JOURNAL_OK;
}

static int sq_open_db(sq_journal *s, sqlite3 **out, act_journal_err_t *err) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    int code = sq_fail(s, err, db, rc, "opening");
    sqlite3_close(db);
    return code;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  *out = db;
  return ACT_JOURNAL_OK;
}

/* The tables are there and have the expected columns. */
static int sq_check_tables(sq_journal *s, act_journal_err_t *err) {
  static const char *want[] = {"meta", "types", "log", "heads", "snapshots"};
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema WHERE type='table' "
                              "AND name IN ('meta','types','log','heads','snapshots')",
                              -1, &st, NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the tables");
  rc = sqlite3_step(st);
  int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return sq_fail(s, err, s->db, rc, "reading the tables");
  if (n != 5) {
    for (int i = 0; i < 5; i++) {
      char q[96];
      snprintf(q, sizeof q, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name='%s'",
               want[i]);
      rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);
      int found = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
      sqlite3_finalize(st);
      if (!found)
        return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: its table `%s` is missing", s->path,
                         want[i]);
    }
  }
  rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='format'", -1, &st, NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the tables");
  rc = sqlite3_step(st);
  int64_t fmt = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return sq_fail(s, err, s->db, rc, "reading the tables");
  if (fmt != SQ_FORMAT)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: its header and its meta table disagree on "
                     "the journal format",
                     s->path);
  return ACT_JOURNAL_OK;
}

/* The journal's types as stored (read only). */
static int sq_load_types(sq_journal *s, act_journal_err_t *err) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, "SELECT id, kind, name, fingerprint FROM types", -1,
                              &st, NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the types");
  int code = ACT_JOURNAL_OK;
  while (code == ACT_JOURNAL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    code = act__jtypes_add(&s->types, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                           (const char *)sqlite3_column_text(st, 2),
                           (uint64_t)sqlite3_column_int64(st, 3), s->path, err);
  sqlite3_finalize(st);
  if (code == ACT_JOURNAL_OK && rc != SQLITE_DONE)
    code = sq_fail(s, err, s->db, rc, "reading the types");
  return code;
}

/* Compare the program's types with the journal's, record the new ones. */
static int sq_schema(sq_journal *s, const act_journal_config_t *cfg,
                     act_journal_err_t *err) {
  act__jtypes_t *t = &s->types;
  int code = act__jtypes_merge(t, cfg, s->path, err);
  if (code != ACT_JOURNAL_OK) return code;
  if (t->n > t->njournal) {
    sqlite3_stmt *st = NULL;
    int rc = exec1(s->db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "recording the types");
    rc = sqlite3_prepare_v2(s->db, "INSERT INTO types(kind, name, fingerprint) VALUES(?,?,?)",
                            -1, &st, NULL);
    for (size_t i = t->njournal; rc == SQLITE_OK && i < t->n; i++) {
      sqlite3_bind_int(st, 1, t->v[i].kind);
      sqlite3_bind_text(st, 2, t->v[i].name, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, (int64_t)t->v[i].fp);
      rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
        t->v[i].id = sqlite3_last_insert_rowid(s->db);
      }
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) rc = exec1(s->db, "COMMIT");
    if (rc != SQLITE_OK) {
      int c = sq_fail(s, err, s->db, rc, "recording the types");
      exec1(s->db, "ROLLBACK");
      return c;
    }
  }
  return act__jtypes_index(t, s->path, err);
}
/* ---- heads ------------------------------------------------------------------ */

static uint64_t pid_hash(const char *pid, size_t len) {
  return act_journal_fingerprint(pid, len) | 1;
}

/* Find under hmu (readers) or from the writer (the only one that adds). */
static sq_head *head_find(sq_journal *s, const char *pid, size_t len, uint64_t h) {
  if (!s->heads_cap) return NULL;
  size_t m = s->heads_cap - 1, i = h & m;
  for (sq_head *e; (e = s->heads[i]); i = (i + 1) & m)
    if (e->hash == h && e->len == len && memcmp(e->pid, pid, len) == 0) return e;
  return NULL;
}

/* Add a head (the writer, holding wmu); NULL when out of memory. */
static sq_head *head_add(sq_journal *s, const char *pid, size_t len, uint64_t h,
                         int64_t id, int64_t seq) {
  sq_head *e = calloc(1, sizeof *e);
  char *p = malloc(len ? len : 1);
  if (!e || !p) {
    free(e);
    free(p);
    return NULL;
  }
  memcpy(p, pid, len);
  e->pid = p;
  e->len = len;
  e->hash = h;
  e->id = e->cid = id;
  e->seq = e->cseq = seq;
  pthread_mutex_lock(&s->hmu);
  if (2 * (s->nheads + 1) > s->heads_cap) {
    size_t cap = s->heads_cap ? 2 * s->heads_cap : 1024;
    sq_head **t = calloc(cap, sizeof *t);
    if (!t) {
      pthread_mutex_unlock(&s->hmu);
      free(p);
      free(e);
      return NULL;
    }
    for (size_t i = 0; i < s->heads_cap; i++) {
      sq_head *x = s->heads[i];
      if (!x) continue;
      size_t k = x->hash & (cap - 1);
      while (t[k]) k = (k + 1) & (cap - 1);
      t[k] = x;
    }
    free(s->heads);
    s->heads = t;
    s->heads_cap = cap;
  }
  size_t m = s->heads_cap - 1, i = h & m;
  while (s->heads[i]) i = (i + 1) & m;
  s->heads[i] = e;
  s->nheads++;
  pthread_mutex_unlock(&s->hmu);
  return e;
}

static bool push_ptr(sq_head ***v, size_t *n, size_t *cap, sq_head *e) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 256;
    sq_head **nv = realloc(*v, c * sizeof *nv);
    if (!nv) return false;
    *v = nv;
    *cap = c;
  }
  (*v)[(*n)++] = e;
  return true;
}

/* The writer's head of pid: from memory, else from `heads` (exact for any
 * pid not in memory). SQLite error code, or SQLITE_NOMEM. */
static int head_load(sq_journal *s, const char *pid, size_t len, sq_head **out) {
  uint64_t h = pid_hash(pid, len);
  sq_head *e = head_find(s, pid, len, h);
  if (e) {
    *out = e;
    return SQLITE_OK;
  }
  sqlite3_bind_text(s->head_get, 1, pid, (int)len, SQLITE_STATIC);
  int rc = sqlite3_step(s->head_get);
  int64_t id = 0, seq = 0;
  if (rc == SQLITE_ROW) {
    id = sqlite3_column_int64(s->head_get, 0);
    seq = sqlite3_column_int64(s->head_get, 1);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_reset(s->head_get);
  sqlite3_clear_bindings(s->head_get);
  if (rc != SQLITE_OK) return rc;
  e = head_add(s, pid, len, h, id, seq);
  if (!e) return SQLITE_NOMEM;
  *out = e;
  return SQLITE_OK;
}

/* The committed head of pid for a reader (its own connection r). */
static int head_committed(sq_journal *s, sqlite3 *db, sqlite3_stmt *get, const char *pid,
                          size_t len, int64_t *id, int64_t *seq) {
  uint64_t h = pid_hash(pid, len);
  pthread_mutex_lock(&s->hmu);
  sq_head *e = head_find(s, pid, len, h);
  if (e) {
    *id = e->cid;
    *seq = e->cseq;
  }
  pthread_mutex_unlock(&s->hmu);
  if (e) return SQLITE_OK;
  (void)db;
  sqlite3_bind_text(get, 1, pid, (int)len, SQLITE_STATIC);
  int rc = sqlite3_step(get);
  *id = *seq = 0;
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(get, 0);
    *seq = sqlite3_column_int64(get, 1);
  }
  sqlite3_reset(get);
  sqlite3_clear_bindings(get);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Rebuild the heads of the events after heads_mark (written since `heads`
 * was last brought up to date), and find the newest log row. */
static int sq_load_tail(sq_journal *s, act_journal_err_t *err) {
  sqlite3_stmt *st = NULL;
  int64_t mark = 0;
  int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='heads_mark'", -1, &st,
                              NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the heads");
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) mark = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE
               ? act__jerr(err, ACT_JOURNAL_ECORRUPT,
                           "journal %s is damaged: its meta table has no heads_mark", s->path)
               : sq_fail(s, err, s->db, rc, "reading the heads");
  rc = sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM log", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    s->last_id = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the log");
  if (mark > s->last_id)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: its heads go up to event row %lld but its log "
                     "ends at %lld",
                     s->path, (long long)mark, (long long)s->last_id);
  rc = sqlite3_prepare_v2(s->db, "SELECT id, pid, seq, prev FROM log WHERE id > ? ORDER BY id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) return sq_fail(s, err, s->db, rc, "reading the log");
  sqlite3_bind_int64(st, 1, mark);
  int code = ACT_JOURNAL_OK;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0), seq = sqlite3_column_int64(st, 2),
            prev = sqlite3_column_int64(st, 3);
    const char *pid = (const char *)sqlite3_column_blob(st, 1);
    size_t len = (size_t)sqlite3_column_bytes(st, 1);
    sq_head *e;
    if ((rc = head_load(s, pid ? pid : "", len, &e)) != SQLITE_OK) break;
    if (e->id != prev || e->seq + 1 != seq) {
      char pb[96];
      code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s is damaged: event %lld of `%s` (row %lld) does not follow "
                       "event %lld (row %lld)",
                       s->path, (long long)seq, act__jpid(pb, sizeof pb, pid, len),
                       (long long)id, (long long)e->seq, (long long)e->id);
      break;
    }
    e->id = e->cid = id;
    e->seq = e->cseq = seq;
    if (!e->dirty) {
      e->dirty = true;
      if (!push_ptr(&s->dirty, &s->ndirty, &s->dirty_cap, e)) {
        rc = SQLITE_NOMEM;
        break;
      }
    }
  }
  sqlite3_finalize(st);
  if (code != ACT_JOURNAL_OK) return code;
  if (rc != SQLITE_DONE) return sq_fail(s, err, s->db, rc, "reading the log");
  return ACT_JOURNAL_OK;
}

/* ---- the commit mark and the program's identity --------------------------------- */

/* meta's value for key as an integer or text (*found false if absent). */
static int meta_get(sq_journal *s, const char *key, int64_t *num, char *text, size_t cap,
                    bool *found, act_journal_err_t *err) {
  sqlite3_stmt *st = NULL;
  *found = false;
  int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *found = true;
      if (num) *num = sqlite3_column_int64(st, 0);
      if (text) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(text, cap, "%s", t ? t : "");
      }
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_fail(s, err, s->db, rc, "reading meta");
  return ACT_JOURNAL_OK;
}

/* Before anything is written: is the log behind what its mark says was
 * acknowledged? Reads only (SQLite reads the WAL as it finds it). */
static int sq_check_mark(sq_journal *s, act_journal_err_t *err) {
  int64_t jid = 0, have = 0;
  int code = meta_get(s, "journal_id", &jid, NULL, 0, &s->has_jid, err);
  if (code) return code;
  s->jid = (uint64_t)jid;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM log", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) have = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return sq_fail(s, err, s->db, rc, "reading the log");
  act__jmark_boot_id(s->boot);
  return act__jmark_check(&s->base, s->path, have, s->has_jid, s->jid, s->boot, &s->mark_fd,
                          &s->mark, err);
}

/* A journal recorded for another program is refused, unless this program
 * declares one of its persistent actors (then it was renamed). */
static int sq_check_program(sq_journal *s, const act_journal_config_t *cfg,
                            act_journal_err_t *err) {
  if (!cfg->program) return ACT_JOURNAL_OK;
  char owner[256];
  bool found;
  int code = meta_get(s, "program", NULL, owner, sizeof owner, &found, err);
  if (code) return code;
  return act__jcheck_program(s->path, found ? owner : NULL, &s->types, cfg, &s->write_program,
                             s->takeover, sizeof s->takeover, err);
}

/* A full checkpoint: every commit so far is in the database file, which
 * SQLite fsync'd (and the WAL before it). */
static bool sq_checkpoint(sq_journal *s) {
  int log = -1, done = -1;
  int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
  return rc == SQLITE_OK && log >= 0 && log == done;
}

/* Replaces SQLite's auto-checkpoint (same threshold, same PASSIVE mode) to
 * learn when commits reached the disk under synchronous=NORMAL. Runs in
 * the writer's COMMIT, after the commit: it only kicks the checkpointer
 * thread (ckpt.h), or, without one, checkpoints here. */
static int sq_wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)db;
  (void)name;
  sq_journal *s = arg;
  if (frames < 1000) return SQLITE_OK;
  if (s->ckpt) act__ckpt_kick(s->ckpt, s->last_id);
  else if (sq_checkpoint(s)) s->ckpt_row = s->last_id;
  return SQLITE_OK;
}

/* The journal is accepted. Order matters for a crash in between: the mark
 * (naming the journal's id) exists before the id is recorded, so a journal
 * with an id always had a mark; then the id and the program are recorded,
 * checkpointed (the id must not live only in the WAL), and the mark counts
 * what the log holds now. */
static int sq_seal(sq_journal *s, const act_journal_config_t *cfg, act_journal_err_t *err) {
  s->mark.acked = s->last_id;
  if (s->mark.synced > s->last_id) s->mark.synced = s->last_id;
  memcpy(s->mark.boot, s->boot, sizeof s->boot);
  bool record_id = !s->has_jid;
  if (record_id) {
    uint64_t id = s->mark_fd >= 0 ? s->mark.journal : 0;   /* adopted, see mark.h */
    if (!id && getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
      id = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^ (uint64_t)mono_ns();
    s->jid = s->mark.journal = id;
    int code = act__jmark_seal(s->path, &s->mark_fd, &s->mark, s->mode, err);
    if (code) return code;
  }
  if (record_id || s->write_program) {
    sqlite3_stmt *st = NULL;
    int rc = exec1(s->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
      rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES(?1, ?2)", -1, &st, NULL);
    if (rc == SQLITE_OK && record_id) {
      sqlite3_bind_text(st, 1, "journal_id", -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, (int64_t)s->jid);
      rc = step0(st);
    }
    if (rc == SQLITE_OK && s->write_program) {
      sqlite3_bind_text(st, 1, "program", -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, cfg->program, -1, SQLITE_STATIC);
      rc = step0(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) rc = exec1(s->db, "COMMIT");
    if (rc != SQLITE_OK) {
      int code = sq_fail(s, err, s->db, rc, "recording its identity");
      exec1(s->db, "ROLLBACK");
      return code;
    }
    s->has_jid = true;
  }
  if (sq_checkpoint(s)) s->mark.synced = s->last_id;
  s->ckpt_row = -1;
  s->mark.journal = s->jid;
  return act__jmark_seal(s->path, &s->mark_fd, &s->mark, s->mode, err);
}

/* After a commit, before its writes are acknowledged: the mark counts it.
 * A failed write is reported (once) and leaves the mark behind, which is
 * safe: a mark may lag the journal, never lead it. */
static void sq_mark_commit(sq_journal *s) {
  if (s->mark_fd < 0) return;
  int64_t synced = s->sync == ACT_JOURNAL_SYNC_FULL ? s->last_id
                   : s->ckpt_row >= 0                ? s->ckpt_row
                                                     : s->mark.synced;
  s->ckpt_row = -1;
  if (s->ckpt && s->sync != ACT_JOURNAL_SYNC_FULL) {
    int64_t bg = act__ckpt_synced(s->ckpt);
    if (bg > synced) synced = bg;
  }
  if (s->mark.acked == s->last_id && s->mark.synced == synced) return;
  s->mark.acked = s->last_id;
  s->mark.synced = synced;
  int e = act__jmark_write(s->mark_fd, &s->mark);
  if (e && !s->mark_warned)
    act__jwarn(&s->base,
               "journal %s: cannot update its mark %s-mark (%s): a damaged WAL would not "
               "be noticed",
               s->path, s->path, strerror(e));
  s->mark_warned = e != 0;
}

/* ---- open and close ------------------------------------------------------------ */

static void reader_free(sq_reader *r) {
  sqlite3_stmt *st[] = {r->begin, r->end, r->walk, r->get, r->snap, r->head};
  for (size_t i = 0; i < sizeof st / sizeof *st; i++) sqlite3_finalize(st[i]);
  sqlite3_close(r->db);
  free(r);
}

static void sq_free(sq_journal *s) {
  sqlite3_stmt *stmts[] = {s->begin,    s->commit,   s->rollback, s->ins,      s->head_get,
                           s->head_put, s->mark_put, s->snap_ins, s->snap_prune};
  for (size_t i = 0; i < sizeof stmts / sizeof *stmts; i++) sqlite3_finalize(stmts[i]);
  act__ckpt_stop(s->ckpt);
  for (sq_reader *r = s->free_readers, *nx; r; r = nx) {
    nx = r->next;
    reader_free(r);
  }
  if (s->db) sqlite3_close(s->db);
  if (s->lock_fd >= 0) close(s->lock_fd);   /* after SQLite let go of the file */
  if (s->mark_fd >= 0) close(s->mark_fd);
  act__jtypes_free(&s->types);
  for (size_t i = 0; i < s->heads_cap; i++)
    if (s->heads[i]) {
      free(s->heads[i]->pid);
      free(s->heads[i]);
    }
  free(s->heads);
  free(s->touched);
  free(s->dirty);
  pthread_mutex_destroy(&s->wmu);
  pthread_mutex_destroy(&s->hmu);
  pthread_mutex_destroy(&s->rmu);
  free(s->path);
  free(s);
}

static int sq_open(const act_journal_config_t *cfg, act_journal_t **out,
                   act_journal_err_t *err) {
  *out = NULL;
  act__jerr_ok(err);
  if (!cfg || !cfg->location || !*cfg->location)
    return act__jerr(err, ACT_JOURNAL_EINVAL, "journal: no file name given");
  if (cfg->shared)
    return act__jerr(err, ACT_JOURNAL_EINVAL,
                     "journal %s: a SQLite journal belongs to one process and cannot be "
                     "shared (fenced journals need PostgreSQL)",
                     cfg->location);
  sq_journal *s = calloc(1, sizeof *s);
  if (!s) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", cfg->location);
  s->base.ops = &act_journal_sqlite_ops;
  s->path = strdup(cfg->location);
  s->base.location = s->path;
  s->lock_fd = -1;
  s->mark_fd = -1;
  s->ckpt_row = -1;
  s->sync = cfg->sync;
  pthread_mutex_init(&s->wmu, NULL);
  pthread_mutex_init(&s->hmu, NULL);
  pthread_mutex_init(&s->rmu, NULL);
  int code = ACT_JOURNAL_OK;
  int had_wal = 0;
  if (!s->path) {
    code = act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", cfg->location);
    goto fail;
  }
  {
    char walpath[4200];
    struct stat wst;
    snprintf(walpath, sizeof walpath, "%s-wal", s->path);
    had_wal = stat(walpath, &wst) == 0 && wst.st_size > 0;
  }

  for (int attempt = 0;; attempt++) {
    s->lock_fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (s->lock_fd >= 0) break;
    if (errno != ENOENT || attempt > 0) {
      code = act__jerr(err, ACT_JOURNAL_EIO, "cannot open journal %s: %s", s->path,
                       strerror(errno));
      goto fail;
    }
    if (cfg->no_create) {
      code = act__jerr(err, ACT_JOURNAL_EIO, "journal %s does not exist", s->path);
      goto fail;
    }
    if ((code = sq_create(s, err)) != ACT_JOURNAL_OK) goto fail;
  }
  if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      code = act__jerr(err, ACT_JOURNAL_EBUSY,
                       "journal %s is in use by another program (or already open)",
                       s->path);
    else
      code = act__jerr(err, ACT_JOURNAL_EIO, "cannot lock journal %s: %s", s->path,
                       strerror(errno));
    goto fail;
  }
  if ((code = sq_check_header(s, err)) != ACT_JOURNAL_OK) goto fail;
  {
    struct stat jst;
    s->mode = fstat(s->lock_fd, &jst) == 0 ? (unsigned)jst.st_mode & 0666 : 0644;
  }
  if ((code = sq_open_db(s, &s->db, err)) != ACT_JOURNAL_OK) goto fail;
  sqlite3_wal_hook(s->db, sq_wal_hook, s);
  if ((code = sq_check_tables(s, err)) != ACT_JOURNAL_OK) goto fail;
  if ((code = sq_check_mark(s, err)) != ACT_JOURNAL_OK) goto fail;
  if ((code = sq_load_types(s, err)) != ACT_JOURNAL_OK) goto fail;
  if ((code = sq_check_program(s, cfg, err)) != ACT_JOURNAL_OK) goto fail;

  /* The file is ours. */
  {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL);
    const char *mode = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW
                           ? (const char *)sqlite3_column_text(st, 0)
                           : NULL;
    bool wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal && (rc = exec1(s->db, "PRAGMA journal_mode=WAL")) != SQLITE_OK) {
      code = sq_fail(s, err, s->db, rc, "switching to WAL mode");
      goto fail;
    }
  }
  if ((code = sq_schema(s, cfg, err)) != ACT_JOURNAL_OK) goto fail;
  {
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA synchronous=%s; PRAGMA cache_size=-32768;"
             "PRAGMA journal_size_limit=67108864; PRAGMA temp_store=MEMORY;",
             cfg->sync == ACT_JOURNAL_SYNC_FULL ? "FULL" : "NORMAL");
    int rc = exec1(s->db, pragmas);
    if (rc != SQLITE_OK) {
      code = sq_fail(s, err, s->db, rc, "setting it up");
      goto fail;
    }
  }
  if ((code = sq_prepare(s, s->db, &s->begin, "BEGIN IMMEDIATE", err)) ||
      (code = sq_prepare(s, s->db, &s->commit, "COMMIT", err)) ||
      (code = sq_prepare(s, s->db, &s->rollback, "ROLLBACK", err)) ||
      (code = sq_prepare(s, s->db, &s->ins,
                         "INSERT INTO log(pid, seq, prev, type, crc, data) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                         err)) ||
      (code = sq_prepare(s, s->db, &s->head_get, "SELECT id, seq FROM heads WHERE pid = ?1",
                         err)) ||
      (code = sq_prepare(s, s->db, &s->head_put,
                         "INSERT OR REPLACE INTO heads(pid, id, seq) VALUES(?1, ?2, ?3)", err)) ||
      (code = sq_prepare(s, s->db, &s->mark_put,
                         "UPDATE meta SET value = ?1 WHERE key = 'heads_mark'", err)) ||
      (code = sq_prepare(s, s->db, &s->snap_ins,
                         "INSERT OR REPLACE INTO snapshots(pid, seq, type, fingerprint, "
                         "crc, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                         err)) ||
      (code = sq_prepare(s, s->db, &s->snap_prune,
                         "DELETE FROM snapshots WHERE pid = ?1 AND seq < (SELECT seq FROM "
                         "snapshots WHERE pid = ?1 ORDER BY seq DESC LIMIT 1 OFFSET 1)",
                         err)))
    goto fail;
  if ((code = sq_load_tail(s, err)) != ACT_JOURNAL_OK) goto fail;
  if ((code = sq_seal(s, cfg, err)) != ACT_JOURNAL_OK) goto fail;
  /* With FULL every commit is fsync'd: checkpoints add no promise, and
   * SQLite's own in the writer are cheap after synced commits. */
  if (s->sync != ACT_JOURNAL_SYNC_FULL) s->ckpt = act__ckpt_start(s->path, "NORMAL");
  if (s->takeover[0]) act__jwarn(&s->base, "%s", s->takeover);
  *out = &s->base;
  return ACT_JOURNAL_OK;
fail:
  /* Closing a refused journal must not write either: a WAL that held
   * commits is not checkpointed into the main file (an empty one SQLite
   * made itself is removed as usual), so both stay as they were. */
  if (s->db && had_wal) sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sq_free(s);
  return code;
}

static void sq_close(act_journal_t *j) {
  if (!j) return;
  sq_journal *s = (sq_journal *)j;
  /* Bring `heads` up to date, so that the next open has no log to read. */
  if (s->ndirty) {
    act_journal_err_t err;
    j->ops->append(j, NULL, 0, &err);
  }
  /* Everything into the database file, fsync'd: the mark may claim it all
   * as on disk, and is fsync'd itself. The checkpointer goes first: two
   * checkpoints at once, and the second gives up (SQLITE_BUSY). */
  act__ckpt_stop(s->ckpt);
  s->ckpt = NULL;
  if (s->mark_fd >= 0 && sq_checkpoint(s)) {
    s->ckpt_row = s->last_id;
    sq_mark_commit(s);
    fsync(s->mark_fd);
  }
  sq_free(s);
}

/* ---- readers ------------------------------------------------------------------ */

static int reader_get(sq_journal *s, sq_reader **out, act_journal_err_t *err) {
  pthread_mutex_lock(&s->rmu);
  sq_reader *r = s->free_readers;
  if (r) s->free_readers = r->next;
  pthread_mutex_unlock(&s->rmu);
  if (r) {
    *out = r;
    return ACT_JOURNAL_OK;
  }
  r = calloc(1, sizeof *r);
  if (!r) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->path);
  int code = sq_open_db(s, &r->db, err);
  if (code == ACT_JOURNAL_OK && exec1(r->db, "PRAGMA query_only=1") != SQLITE_OK)
    code = sq_fail(s, err, r->db, sqlite3_errcode(r->db), "opening a reader");
  if (code == ACT_JOURNAL_OK &&
      ((code = sq_prepare(s, r->db, &r->begin, "BEGIN", err)) ||
       (code = sq_prepare(s, r->db, &r->end, "COMMIT", err)) ||
       (code = sq_prepare(s, r->db, &r->walk, "SELECT pid, seq, prev FROM log WHERE id = ?1",
                          err)) ||
       (code = sq_prepare(s, r->db, &r->get,
                          "SELECT seq, prev, type, crc, data FROM log WHERE id = ?1", err)) ||
       (code = sq_prepare(s, r->db, &r->snap,
                          "SELECT seq, type, fingerprint, crc, data FROM snapshots WHERE "
                          "pid = ?1 ORDER BY seq DESC LIMIT 2",
                          err)) ||
       (code = sq_prepare(s, r->db, &r->head, "SELECT id, seq FROM heads WHERE pid = ?1",
                          err)))) {
  }
  if (code != ACT_JOURNAL_OK) {
    reader_free(r);
    return code;
  }
  *out = r;
  return ACT_JOURNAL_OK;
}

static void reader_put(sq_journal *s, sq_reader *r) {
  if (!sqlite3_get_autocommit(r->db)) exec1(r->db, "ROLLBACK");
  pthread_mutex_lock(&s->rmu);
  r->next = s->free_readers;
  s->free_readers = r;
  pthread_mutex_unlock(&s->rmu);
}


static int sq_replay(act_journal_t *j, const char *pid, size_t pid_len, int64_t from,
                     int64_t to, act_journal_event_fn fn, void *arg,
                     act_journal_err_t *err) {
  sq_journal *s = (sq_journal *)j;
  sq_reader *r;
  char pb[96];
  act__jerr_ok(err);
  if (to < 0) to = INT64_MAX;
  if (from < 1) from = 1;
  int code = reader_get(s, &r, err);
  if (code) return code;
  int64_t *ids = NULL;
  size_t nids = 0, cap = 0;
  int64_t id = 0, seq = 0;
  /* The head first: its commit is then inside the snapshot begun next. */
  int rc = head_committed(s, r->db, r->head, pid, pid_len, &id, &seq);
  if (rc == SQLITE_OK) rc = step0(r->begin);
  const char *what = "reading events";
  /* back from the head to `from` */
  while (rc == SQLITE_OK && id != 0 && seq >= from) {
    sqlite3_bind_int64(r->walk, 1, id);
    rc = sqlite3_step(r->walk);
    if (rc != SQLITE_ROW) {
      if (rc == SQLITE_DONE)
        code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: event %lld of `%s` (row %lld) is missing",
                         s->path, (long long)seq, act__jpid(pb, sizeof pb, pid, pid_len),
                         (long long)id);
      sqlite3_reset(r->walk);
      break;
    }
    const void *rp = sqlite3_column_blob(r->walk, 0);
    size_t rl = (size_t)sqlite3_column_bytes(r->walk, 0);
    int64_t rs = sqlite3_column_int64(r->walk, 1), prev = sqlite3_column_int64(r->walk, 2);
    bool same = rl == pid_len && (!rl || memcmp(rp, pid, rl) == 0);
    sqlite3_reset(r->walk);
    rc = SQLITE_OK;
    if (!same || rs != seq) {
      code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s is damaged: the chain of events of `%s` is broken at "
                       "event %lld (row %lld)",
                       s->path, act__jpid(pb, sizeof pb, pid, pid_len), (long long)seq,
                       (long long)id);
      break;
    }
    if (seq <= to) {
      if (nids == cap) {
        cap = cap ? 2 * cap : 64;
        int64_t *n = realloc(ids, cap * sizeof *n);
        if (!n) {
          rc = SQLITE_NOMEM;
          break;
        }
        ids = n;
      }
      ids[nids++] = id;
    }
    id = prev;
    seq--;
  }
  if (code == ACT_JOURNAL_OK && rc == SQLITE_OK &&
      ((id == 0 && seq != 0 && seq >= from) || (id != 0 && seq == 0)))
    code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                     "journal %s is damaged: the chain of events of `%s` breaks below event %lld",
                     s->path, act__jpid(pb, sizeof pb, pid, pid_len), (long long)seq + 1);
  /* then forward */
  for (size_t k = nids; code == ACT_JOURNAL_OK && rc == SQLITE_OK && k-- > 0;) {
    sqlite3_stmt *g = r->get;
    sqlite3_bind_int64(g, 1, ids[k]);
    rc = sqlite3_step(g);
    if (rc != SQLITE_ROW) {
      if (rc == SQLITE_DONE) rc = SQLITE_CORRUPT;
      sqlite3_reset(g);
      break;
    }
    rc = SQLITE_OK;
    int64_t es = sqlite3_column_int64(g, 0), prev = sqlite3_column_int64(g, 1),
            tid = sqlite3_column_int64(g, 2);
    uint32_t crc = (uint32_t)sqlite3_column_int64(g, 3);
    const void *data = sqlite3_column_blob(g, 4);
    size_t len = (size_t)sqlite3_column_bytes(g, 4);
    const act__jtype_t *t;
    if (act__jrec_crc(data, len, es, prev, pid, pid_len, (uint64_t)tid) != crc)
      code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s is damaged: event %lld of `%s` fails its checksum",
                       s->path, (long long)es, act__jpid(pb, sizeof pb, pid, pid_len));
    else if ((code = act__jtypes_event(&s->types, tid, s->path, pid, pid_len, es, &t, err)) ==
             ACT_JOURNAL_OK)
      code = fn(arg, pid, pid_len, es, t->name, data ? data : "", len);
    sqlite3_reset(g);
  }
  if (code == ACT_JOURNAL_OK && rc != SQLITE_OK) code = sq_fail(s, err, r->db, rc, what);
  free(ids);
  if (!sqlite3_get_autocommit(r->db)) step0(r->end);
  reader_put(s, r);
  return code;
}

static int sq_load_snapshot(act_journal_t *j, const char *pid, size_t pid_len,
                            act_journal_snapshot_fn fn, void *arg, act_journal_err_t *err) {
  sq_journal *s = (sq_journal *)j;
  sq_reader *r;
  act__jerr_ok(err);
  int code = reader_get(s, &r, err);
  if (code) return code;
  sqlite3_stmt *st = r->snap;
  sqlite3_bind_text(st, 1, pid, (int)pid_len, SQLITE_STATIC);
  int rc = SQLITE_ROW, rows = 0, damaged = 0;
  code = ACT_JOURNAL_NOTFOUND;
  while (code == ACT_JOURNAL_NOTFOUND && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    act__jsnap_t x = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      (uint64_t)sqlite3_column_int64(st, 2),
                      (uint32_t)sqlite3_column_int64(st, 3), sqlite3_column_blob(st, 4),
                      (size_t)sqlite3_column_bytes(st, 4)};
    code = act__jsnap_try(j, &s->types, pid, pid_len, rows++, &x, fn, arg, &damaged, err);
  }
  if (code == ACT_JOURNAL_NOTFOUND && rc != SQLITE_DONE)
    code = sq_fail(s, err, r->db, rc, "reading snapshots");
  else if (code == ACT_JOURNAL_NOTFOUND)
    code = act__jsnap_none(j, pid, pid_len, damaged, err);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  reader_put(s, r);
  return code;
}

static int sq_highest_seq(act_journal_t *j, const char *pid, size_t pid_len, int64_t *out,
                          act_journal_err_t *err) {
  sq_journal *s = (sq_journal *)j;
  sq_reader *r;
  act__jerr_ok(err);
  *out = 0;
  int code = reader_get(s, &r, err);
  if (code) return code;
  int64_t id;
  int rc = head_committed(s, r->db, r->head, pid, pid_len, &id, out);
  if (rc != SQLITE_OK) code = sq_fail(s, err, r->db, rc, "reading the heads");
  reader_put(s, r);
  return code;
}

/* ---- writing ------------------------------------------------------------------- */

static void bind_blob(sqlite3_stmt *st, int i, const void *data, size_t len) {
  sqlite3_bind_blob64(st, i, len ? data : "", len, SQLITE_STATIC);
}

/* Note e as written by the open transaction (to undo it if it fails) and as
 * behind `heads` (flushing it before the commit is harmless). */
static int touch(sq_journal *s, sq_head *e) {
  if (e->touched) return SQLITE_OK;
  if (!e->dirty) {
    if (!push_ptr(&s->dirty, &s->ndirty, &s->dirty_cap, e)) return SQLITE_NOMEM;
    e->dirty = true;
  }
  if (!push_ptr(&s->touched, &s->ntouched, &s->touched_cap, e)) return SQLITE_NOMEM;
  e->touched = true;
  e->undo_id = e->id;
  e->undo_seq = e->seq;
  return SQLITE_OK;
}

/* One write inside the open transaction. Returns a SQLite error that ends
 * the whole transaction, else SQLITE_OK with w->status set. */
static int sq_write_events(sq_journal *s, act_journal_write_t *w) {
  if (!act__jwrite_ok(&s->types, w)) return SQLITE_OK;
  if (w->epoch != 0) {   /* no pid of a SQLite journal is fenced */
    w->status = ACT_JOURNAL_EFENCED;
    return SQLITE_OK;
  }
  int64_t tids[8];
  int64_t *tid = w->nevents <= 8 ? tids : malloc(w->nevents * sizeof *tid);
  if (!tid) return SQLITE_NOMEM;
  int rc = SQLITE_OK;
  for (size_t i = 0; i < w->nevents; i++)
    tid[i] = act__jtypes_find(&s->types, ACT_JOURNAL_EVENT, w->events[i].type)->id;
  const char *pid = w->pid ? w->pid : "";
  sq_head *e;
  if ((rc = head_load(s, pid, w->pid_len, &e)) != SQLITE_OK) goto out;
  if (e->seq + 1 != w->seq) {
    w->status = ACT_JOURNAL_ECONFLICT;
    goto out;
  }
  if ((rc = touch(s, e)) != SQLITE_OK) goto out;
  for (size_t i = 0; i < w->nevents; i++) {
    const act_journal_event_t *ev = &w->events[i];
    const void *data = ev->data ? ev->data : "";
    int64_t seq = w->seq + (int64_t)i;
    sqlite3_stmt *st = s->ins;
    sqlite3_bind_text(st, 1, pid, (int)w->pid_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, e->id);
    sqlite3_bind_int64(st, 4, tid[i]);
    sqlite3_bind_int64(st, 5, act__jrec_crc(data, ev->len, seq, e->id, pid, w->pid_len,
                                      (uint64_t)tid[i]));
    bind_blob(st, 6, data, ev->len);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) break;   /* the transaction is lost: undone by the caller */
    rc = SQLITE_OK;
    e->id = s->last_id = sqlite3_last_insert_rowid(s->db);
    e->seq = seq;
  }
out:
  if (tid != tids) free(tid);
  return rc;
}

static int sq_write_snapshot(sq_journal *s, act_journal_write_t *w) {
  if (!act__jwrite_ok(&s->types, w)) return SQLITE_OK;
  act__jtype_t *t = act__jtypes_find(&s->types, ACT_JOURNAL_STATE, w->type);
  if (w->epoch != 0) {
    w->status = ACT_JOURNAL_EFENCED;
    return SQLITE_OK;
  }
  const char *pid = w->pid ? w->pid : "";
  sq_head *e;
  int rc = head_load(s, pid, w->pid_len, &e);
  if (rc != SQLITE_OK) return rc;
  if (w->seq > e->seq) {   /* a snapshot covers events that exist */
    w->status = ACT_JOURNAL_EINVAL;
    return SQLITE_OK;
  }
  const void *data = w->data ? w->data : "";
  sqlite3_stmt *st = s->snap_ins;
  sqlite3_bind_text(st, 1, pid, (int)w->pid_len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, w->seq);
  sqlite3_bind_int64(st, 3, t->id);
  sqlite3_bind_int64(st, 4, (int64_t)t->fp);
  sqlite3_bind_int64(st, 5, act__jrec_crc(data, w->len, w->seq, 0, pid, w->pid_len,
                                    t->fp ^ (uint64_t)t->id));
  bind_blob(st, 6, data, w->len);
  rc = step0(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(s->snap_prune, 1, pid, (int)w->pid_len, SQLITE_STATIC);
  rc = step0(s->snap_prune);
  sqlite3_clear_bindings(s->snap_prune);
  return rc;
}

/* Write the heads of the pids behind `heads` (as of the open transaction)
 * and move heads_mark to the newest log row. */
static int sq_flush_heads(sq_journal *s) {
  int rc = SQLITE_OK;
  for (size_t i = 0; i < s->ndirty && rc == SQLITE_OK; i++) {
    sq_head *e = s->dirty[i];
    sqlite3_bind_text(s->head_put, 1, e->pid, (int)e->len, SQLITE_STATIC);
    sqlite3_bind_int64(s->head_put, 2, e->id);
    sqlite3_bind_int64(s->head_put, 3, e->seq);
    rc = step0(s->head_put);
  }
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(s->mark_put, 1, s->last_id);
    rc = step0(s->mark_put);
  }
  return rc;
}


static int sq_append(act_journal_t *j, act_journal_write_t *const *ws, size_t n,
                     act_journal_err_t *err) {
  sq_journal *s = (sq_journal *)j;
  act__jerr_ok(err);
  for (size_t i = 0; i < n; i++) ws[i]->status = ACT_JOURNAL_OK;
  pthread_mutex_lock(&s->wmu);
  int64_t last_id = s->last_id;
  int rc = step0(s->begin), code = ACT_JOURNAL_OK;
  const char *what = "starting a transaction";
  for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
    act_journal_write_t *w = ws[i];
    switch (w->kind) {
    case ACT_JOURNAL_W_EVENTS:
      rc = sq_write_events(s, w);
      what = "appending events";
      break;
    case ACT_JOURNAL_W_SNAPSHOT:
      rc = sq_write_snapshot(s, w);
      what = "saving a snapshot";
      break;
    case ACT_JOURNAL_W_BARRIER:
      break;
    default:
      w->status = ACT_JOURNAL_EINVAL;
    }
  }
  bool flush = false;
  if (rc == SQLITE_OK) {
    int64_t now = mono_ns();
    flush = s->ndirty && (n == 0 || s->ndirty >= SQ_FLUSH_DIRTY ||
                          now - s->last_flush_ns >= SQ_FLUSH_NS);
    if (flush) {
      what = "updating the heads";
      rc = sq_flush_heads(s);
      s->last_flush_ns = now;
    }
  }
  if (rc == SQLITE_OK) {
    what = "committing";
    rc = step0(s->commit);
  }
  if (rc != SQLITE_OK) {
    code = sq_fail(s, err, s->db, rc, what);
    if (!sqlite3_get_autocommit(s->db)) step0(s->rollback);
    for (size_t i = 0; i < n; i++) ws[i]->status = code;
    for (size_t i = 0; i < s->ntouched; i++) {
      sq_head *e = s->touched[i];
      e->id = e->undo_id;
      e->seq = e->undo_seq;
      e->touched = false;
    }
    s->last_id = last_id;
  } else {
    sq_mark_commit(s);
    /* publish the committed heads */
    pthread_mutex_lock(&s->hmu);
    for (size_t i = 0; i < s->ntouched; i++) {
      sq_head *e = s->touched[i];
      e->cid = e->id;
      e->cseq = e->seq;
      e->touched = false;
    }
    pthread_mutex_unlock(&s->hmu);
    if (flush) {
      for (size_t i = 0; i < s->ndirty; i++) s->dirty[i]->dirty = false;
      s->ndirty = 0;
    }
  }
  s->ntouched = 0;
  pthread_mutex_unlock(&s->wmu);
  return code;
}

static int sq_save_snapshot(act_journal_t *j, const char *pid, size_t pid_len, int64_t seq,
                            const char *type, const void *data, size_t len,
                            act_journal_err_t *err) {
  return act__jsave_snapshot(j, &((sq_journal *)j)->types, pid, pid_len, seq, type, data, len,
                             err);
}

const act_journal_ops_t act_journal_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .append = sq_append,
    .replay = sq_replay,
    .save_snapshot = sq_save_snapshot,
    .load_snapshot = sq_load_snapshot,
    .highest_seq = sq_highest_seq,
};
