/* pg.c: the journal in PostgreSQL (act_journal_pg_ops), one statement
 * at a time on the calling thread: the writer thread is the only caller
 * of append, and reads come from threads that may wait (recovery). Each
 * statement is waited for by pgwait.c, which gives up one the server has
 * been silent on for 5 s and drops its connection (made again at the
 * next use), so that no thread waits for ever on a server that stopped
 * answering without closing.
 *
 * Tables, in the schema the URL's search_path names (so one database can
 * hold several programs' journals):
 *
 *   act_journal_meta(key, value)          format, checksum, created, program
 *   act_journal_types(id, kind, name, fingerprint)   see act/persist.h
 *   act_journal_events(pid, seq, type, crc, data)    PRIMARY KEY (pid, seq)
 *   act_journal_snapshots(pid, seq, type, fingerprint, crc, data)  two per pid
 *   act_journal_fences(pid, epoch)        fenced pids (virtual actors)
 *
 * Durability: append returns OK only after COMMIT returned with
 * synchronous_commit = on (set on every connection, whatever the database's
 * default): the commit is in the server's WAL, flushed as its fsync setting
 * says, before the writer acknowledges any of it. A kill -9 of the program
 * cannot lose it; nothing like SQLite's lost -wal exists to be checked (see
 * PERSIST.md).
 *
 * Group commit: one batch is one transaction of a handful of statements,
 * whatever its size: the heads and fences not known yet (a shared journal:
 * all, its fence rows locked FOR SHARE), one INSERT of every event from
 * arrays (unnest of binary arrays: no text escaping, no statement per
 * event), then the snapshots. Sequence numbers
 * are checked here against the heads, so a refused write does not abort
 * the others; the primary key is the backstop.
 *
 * Ownership: an ordinary journal is held by one process: the writer
 * connection holds a session advisory lock on it, so a second program gets
 * EBUSY (as SQLite's flock), and the heads it learnt stay true between
 * transactions. A `shared` journal takes the lock shared (so it excludes an
 * exclusive holder) and reads the heads of every batch afresh: several
 * nodes write it, each pid only under its fence. The fence row is read FOR
 * SHARE in the writing transaction, and fence() updates it, so a successor's
 * fence waits for a stale owner's commit in flight, and a stale owner's
 * later transaction sees the new epoch and is refused: at most one owner
 * writes a pid, with no clock involved.
 *
 * Opening never changes a journal it refuses: the lock is tried first, then
 * one transaction creates (if absent) and checks the tables, the format,
 * the program and the types, and records new types only if all passed.
 * Messages name the URL without its password. */
#include "persist_int.h"
#include "persist/pgwait.h"
#include "rt/pgparams.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_FORMAT 1
#define PG_LOCK_CLASS 1097036874   /* "ActJ": advisory lock class of journals
                                      (+ 1: of their opening transactions) */
#define PG_PAGE 1000               /* events per replay query */

enum { OID_BYTEA = 17, OID_INT8 = 20, OID_INT4 = 23 };
enum { OID_BYTEA_ARR = 1001, OID_INT4_ARR = 1007, OID_INT8_ARR = 1016 };

/* What the writer knows of a pid (if known): seq, its highest committed
 * event, and fence, its epoch (0: none); pend: seq in the open transaction. */
typedef struct pg_head {
  char *pid;
  size_t len;
  uint64_t hash;
  int64_t seq, pend, fence;
  uint64_t batch;                /* the transaction that last used it */
  bool known;
} pg_head;

typedef struct pg_reader {
  PGconn *c;
  struct pg_reader *next;
} pg_reader;

/* A binary array parameter (PostgreSQL's array_recv format). */
typedef struct pg_arr {
  char *p;
  size_t len, cap;
  uint32_t n;
  bool oom;
} pg_arr;

enum { A_PID, A_SEQ, A_TYPE, A_CRC, A_DATA, A_FP, A_N };

typedef struct pg_journal {
  act_journal_t base;
  char *url;                     /* to connect */
  char *where;                   /* the URL without its password: for messages */
  bool shared;
  int sync;
  act__jtypes_t types;
  char takeover[400];            /* a warning for once the open succeeded */
  /* the writer connection and what only it touches, under wmu */
  pthread_mutex_t wmu;
  PGconn *w;
  pg_head **heads;               /* open addressing by pid; never removed */
  size_t heads_cap, nheads;
  pg_head **batch, **look;       /* the open transaction's pids; to read */
  size_t nbatch, nlook, batch_cap, look_cap;
  act_journal_write_t **snaps;
  size_t nsnaps, snaps_cap;
  uint64_t gen;
  pg_arr a[A_N];
  /* readers */
  pthread_mutex_t rmu;
  pg_reader *free_readers;
} pg_journal;

/* ---- binary values -------------------------------------------------------- */

static void put(pg_arr *a, const void *d, size_t n) {
  if (a->oom) return;
  if (a->len + n > a->cap) {
    size_t cap = a->cap ? a->cap : 4096;
    while (cap < a->len + n) cap *= 2;
    char *p = realloc(a->p, cap);
    if (!p) {
      a->oom = true;
      return;
    }
    a->p = p;
    a->cap = cap;
  }
  if (n) memcpy(a->p + a->len, d, n);
  a->len += n;
}

static void be32(unsigned char *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void be64(unsigned char *b, uint64_t v) {
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (56 - 8 * i));
}

static void put32(pg_arr *a, uint32_t v) {
  unsigned char b[4];
  be32(b, v);
  put(a, b, 4);
}

/* ndim 1, no nulls, the element type, a count patched by arr_params, lower bound 1 */
static void arr_begin(pg_arr *a, uint32_t elem) {
  a->len = 0;
  a->n = 0;
  a->oom = false;
  put32(a, 1);
  put32(a, 0);
  put32(a, elem);
  put32(a, 0);
  put32(a, 1);
}

static void arr_bytes(pg_arr *a, const void *d, size_t n) {
  put32(a, (uint32_t)n);
  put(a, d, n);
  a->n++;
}

static void arr_int8(pg_arr *a, int64_t v) {
  unsigned char b[8];
  be64(b, (uint64_t)v);
  arr_bytes(a, b, 8);
}

static void arr_int4(pg_arr *a, int32_t v) {
  unsigned char b[4];
  be32(b, (uint32_t)v);
  arr_bytes(a, b, 4);
}

static int64_t get64(const PGresult *r, int row, int col) {
  const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
  if (PQgetlength(r, row, col) != 8) return INT64_MIN;   /* never from our queries */
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return (int64_t)v;
}

static int64_t get32(const PGresult *r, int row, int col) {
  const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
  if (PQgetlength(r, row, col) != 4) return INT64_MIN;
  return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* ---- errors ---------------------------------------------------------------- */

static int pg_fail(pg_journal *s, act_journal_err_t *err, PGconn *c, const PGresult *r,
                   const char *what) {
  char m[300];
  const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  snprintf(m, sizeof m, "%s", primary ? primary : c ? act__pgw_error(c) : "out of memory");
  m[strcspn(m, "\n")] = 0;
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!state) state = "";
  if (strcmp(state, "23505") == 0)   /* unique_violation: another writer had that seq */
    return act__jerr(err, ACT_JOURNAL_ECONFLICT,
                     "journal %s: %s: another process wrote the same event (%s)", s->where,
                     what, m);
  if (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0 ||
      strcmp(state, "55P03") == 0)
    return act__jerr(err, ACT_JOURNAL_EBUSY, "journal %s: %s: %s", s->where, what, m);
  if (strncmp(state, "XX", 2) == 0)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT, "journal %s is damaged: %s (PostgreSQL: %s)",
                     s->where, what, m);
  if (strcmp(state, "53100") == 0)
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s: the server's disk is full",
                     s->where, what);
  return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s failed: %s", s->where, what, m);
}

/* r is the result of `what`: OK if it succeeded, else the error (r cleared). */
static int pg_check(pg_journal *s, act_journal_err_t *err, PGconn *c, PGresult *r,
                    const char *what) {
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return ACT_JOURNAL_OK;
  int code = pg_fail(s, err, c, r, what);
  PQclear(r);
  return code;
}

/* Runs sql (no parameters) and discards its result. */
static int pg_do(pg_journal *s, PGconn *c, const char *sql, const char *what,
                 act_journal_err_t *err) {
  PGresult *r = act__pgw_exec(c, sql);
  int code = pg_check(s, err, c, r, what);
  if (code == ACT_JOURNAL_OK) PQclear(r);
  return code;
}

/* The URL for messages: user:password@ loses the password, password=...
 * its value. */
static char *redact(const char *url) {
  size_t n = strlen(url);
  char *o = malloc(n + 4);
  if (!o) return NULL;
  const char *p = url, *auth = strstr(url, "://");
  size_t k = 0;
  if (auth) {
    auth += 3;
    const char *end = auth + strcspn(auth, "/?");
    const char *at = memchr(auth, '@', (size_t)(end - auth));
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
      memcpy(o, url, (size_t)(colon - url));
      k = (size_t)(colon - url);
      p = at;
    }
  }
  while (*p) {
    bool param = (p == url || p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0;
    if (param) {
      memcpy(o + k, "password=", 9);
      k += 9;
      p += 9;
      p += strcspn(p, "&");
      continue;
    }
    o[k++] = *p++;
  }
  o[k] = 0;
  return o;
}

/* ---- the SQL ------------------------------------------------------------------ */

static const char PG_CREATE[] =
    "CREATE TABLE act_journal_meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE act_journal_types(id serial PRIMARY KEY, kind integer NOT NULL,"
    " name text NOT NULL, fingerprint bigint NOT NULL, UNIQUE(kind, name));"
    "CREATE TABLE act_journal_events(pid bytea NOT NULL, seq bigint NOT NULL,"
    " type integer NOT NULL, crc bigint NOT NULL, data bytea NOT NULL,"
    " PRIMARY KEY(pid, seq));"
    "CREATE TABLE act_journal_snapshots(pid bytea NOT NULL, seq bigint NOT NULL,"
    " type integer NOT NULL, fingerprint bigint NOT NULL, crc bigint NOT NULL,"
    " data bytea NOT NULL, PRIMARY KEY(pid, seq));"
    "CREATE TABLE act_journal_fences(pid bytea PRIMARY KEY, epoch bigint NOT NULL);"
    "INSERT INTO act_journal_meta VALUES ('format', '1'), ('checksum', 'crc32c'),"
    " ('created', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'));";

static const char *const PG_TABLES[] = {"act_journal_meta", "act_journal_types",
                                        "act_journal_events", "act_journal_snapshots",
                                        "act_journal_fences"};

/* Durable at COMMIT whatever the database's default; quiet notices. The
 * keepalives let the server see within ~25 s that a writer's machine is
 * gone (over TCP), which ends its session and so frees the journal's lock;
 * a killed process's session ends at once. */
static const char PG_WRITER_SETUP[] =
    "SET client_min_messages = warning; SET synchronous_commit = on;"
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5;"
    "SET tcp_keepalives_count = 3";
static const char PG_READER_SETUP[] =
    "SET client_min_messages = warning; SET default_transaction_read_only = on";

/* The writer's statements, prepared on its connection. */
enum { P_FENCES, P_HEADS, P_EVENTS, P_SNAPS, P_PRUNE, P_FENCE, P_N };
static const char *const PG_NAMES[P_N] = {"act_fences", "act_heads", "act_events",
                                          "act_snaps",  "act_prune", "act_fence"};
static const char *const PG_SQL[P_N] = {
    [P_FENCES] = "SELECT 1 FROM act_journal_fences WHERE pid = ANY($1::bytea[]) FOR SHARE",
    [P_HEADS] = "SELECT p.i, coalesce((SELECT max(e.seq) FROM act_journal_events e "
                "WHERE e.pid = p.pid), 0), coalesce((SELECT f.epoch FROM act_journal_fences f "
                "WHERE f.pid = p.pid), 0) FROM unnest($1::bytea[]) WITH ORDINALITY AS p(pid, i)",
    [P_EVENTS] = "INSERT INTO act_journal_events(pid, seq, type, crc, data) SELECT * FROM "
                 "unnest($1::bytea[], $2::int8[], $3::int4[], $4::int8[], $5::bytea[])",
    [P_SNAPS] = "INSERT INTO act_journal_snapshots AS s (pid, seq, type, fingerprint, crc, "
                "data) SELECT * FROM unnest($1::bytea[], $2::int8[], $3::int4[], "
                "$4::int8[], $5::int8[], $6::bytea[]) ON CONFLICT (pid, seq) DO UPDATE SET "
                "type = EXCLUDED.type, fingerprint = EXCLUDED.fingerprint, "
                "crc = EXCLUDED.crc, data = EXCLUDED.data",
    [P_PRUNE] = "DELETE FROM act_journal_snapshots s USING unnest($1::bytea[]) AS p(pid) "
                "WHERE s.pid = p.pid AND s.seq < (SELECT t.seq FROM act_journal_snapshots t "
                "WHERE t.pid = p.pid ORDER BY t.seq DESC OFFSET 1 LIMIT 1)",
    /* won, epoch: 1 and ours if raised (or equal), else 0 and the newer one */
    [P_FENCE] = "WITH up AS (INSERT INTO act_journal_fences AS f (pid, epoch) "
                "VALUES ($1, $2) ON CONFLICT (pid) DO UPDATE SET epoch = EXCLUDED.epoch "
                "WHERE f.epoch <= EXCLUDED.epoch RETURNING epoch) "
                "SELECT 1::int4, epoch FROM up UNION ALL SELECT 0::int4, epoch FROM "
                "act_journal_fences WHERE pid = $1 AND NOT EXISTS (SELECT 1 FROM up)",
};

/* Runs a writer statement with binary parameters and results. */
static PGresult *pg_run(pg_journal *s, int stmt, int n, const char *const *v,
                        const int *lens) {
  static const int bin[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  return act__pgw_prepared(s->w, PG_NAMES[stmt], n, v, lens, bin, 1);
}

/* One array parameter from s->a[k]. */
static PGresult *pg_run_arrays(pg_journal *s, int stmt, const int *which, int n) {
  const char *v[A_N];
  int lens[A_N];
  for (int i = 0; i < n; i++) {
    pg_arr *a = &s->a[which[i]];
    unsigned char b[4];
    be32(b, a->n);
    memcpy(a->p + 12, b, 4);   /* the count, now known */
    v[i] = a->p;
    lens[i] = (int)a->len;
  }
  return pg_run(s, stmt, n, v, lens);
}

/* ---- connections ----------------------------------------------------------------- */

static int pg_connect(pg_journal *s, PGconn **out, bool reader, act_journal_err_t *err) {
  const char *keys[ACT_PG_NPARAMS + 1], *vals[ACT_PG_NPARAMS + 1];
  act__pg_params(s->url, keys, vals);
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  *out = NULL;
  if (!c || PQstatus(c) != CONNECTION_OK) {
    char m[300];
    snprintf(m, sizeof m, "%s", c ? PQerrorMessage(c) : "out of memory");
    m[strcspn(m, "\n")] = 0;
    PQfinish(c);
    return act__jerr(err, ACT_JOURNAL_EIO, "cannot connect to journal %s: %s", s->where, m);
  }
  int code = pg_do(s, c, reader ? PG_READER_SETUP : PG_WRITER_SETUP,
                   "setting up the connection", err);
  if (code) {
    PQfinish(c);
    return code;
  }
  *out = c;
  return ACT_JOURNAL_OK;
}

/* The journal-wide lock (exclusive, or shared for a shared journal) and
 * the prepared statements, on a new or re-made writer connection. */
static int pg_session(pg_journal *s, bool prepare, act_journal_err_t *err) {
  /* Waits a moment: the session of a program killed just now may not have
   * ended yet on the server (its lock goes with it). */
  char sql[300];
  snprintf(sql, sizeof sql,
           "BEGIN; SET LOCAL lock_timeout = '1s'; "
           "SELECT pg_advisory_lock%s(%d, hashtext(coalesce(current_schema(), ''))); COMMIT",
           s->shared ? "_shared" : "", PG_LOCK_CLASS);
  PGresult *r = act__pgw_exec(s->w, sql);
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (state && strcmp(state, "55P03") == 0) {   /* lock_not_available */
    PQclear(r);
    PQclear(act__pgw_exec(s->w, "ROLLBACK"));
    return act__jerr(err, ACT_JOURNAL_EBUSY, "journal %s is in use by another program%s",
                     s->where, s->shared ? " that holds it alone" : " (or already open)");
  }
  int code = pg_check(s, err, s->w, r, "locking the journal");
  if (code) {
    PQclear(act__pgw_exec(s->w, "ROLLBACK"));
    return code;
  }
  PQclear(r);
  for (int i = 0; prepare && i < P_N; i++) {
    r = act__pgw_prepare(s->w, PG_NAMES[i], PG_SQL[i]);
    if ((code = pg_check(s, err, s->w, r, "preparing statements"))) return code;
    PQclear(r);
  }
  return ACT_JOURNAL_OK;
}

/* An idle connection the server ended (a restart: 57P01, then EOF) is
 * known to be so only once its input is read; libpq's socket never blocks. */
static bool pg_alive(PGconn *c) {
  if (PQstatus(c) == CONNECTION_OK) PQconsumeInput(c);
  return PQstatus(c) == CONNECTION_OK;
}

/* The connection made again, on the calling thread (the writer, or a
 * reader, which may wait): tried PG_RESET_FIRST_MS apart, doubling to 0.5 s,
 * for PG_RESET_WAIT_MS at most (as the coordination store waits), so that
 * a server restarted in a moment is waited for instead of failing writes.
 * The attempts count in the wait: one to a server that takes connections
 * but never answers (a stopped postmaster) lasts connect_timeout (2 s,
 * rt/pgparams.c), so the whole wait is at most about 3 + 2 s. */
#define PG_RESET_FIRST_MS 50
#define PG_RESET_WAIT_MS 3000
static bool pg_reset(PGconn *c) {
  int64_t t0 = act__pgw_now_ms();
  long pause = PG_RESET_FIRST_MS;
  for (;;) {
    PQreset(c);
    if (PQstatus(c) == CONNECTION_OK) return true;
    if (act__pgw_now_ms() - t0 + pause > PG_RESET_WAIT_MS) return false;
    struct timespec ts = {pause / 1000, (pause % 1000) * 1000000};
    nanosleep(&ts, NULL);
    pause = pause * 2 > 500 ? 500 : pause * 2;
  }
}

/* The writer connection works, or is made again (the server restarted):
 * what was cached about heads is forgotten. */
static int pg_ready(pg_journal *s, act_journal_err_t *err) {
  if (pg_alive(s->w)) return ACT_JOURNAL_OK;
  if (!pg_reset(s->w)) {
    char m[300];
    snprintf(m, sizeof m, "%s", PQerrorMessage(s->w));
    m[strcspn(m, "\n")] = 0;
    return act__jerr(err, ACT_JOURNAL_EIO,
                     "journal %s: the connection to PostgreSQL was lost and cannot be made "
                     "again: %s",
                     s->where, m);
  }
  for (size_t i = 0; i < s->heads_cap; i++)
    if (s->heads[i]) s->heads[i]->known = false;
  int code = pg_do(s, s->w, PG_WRITER_SETUP, "setting up the connection", err);
  if (code == ACT_JOURNAL_OK) code = pg_session(s, true, err);
  if (code == ACT_JOURNAL_EBUSY)   /* most likely our own session before, still alive */
    code = act__jerr(err, ACT_JOURNAL_EIO,
                     "journal %s: the connection to PostgreSQL was made again, but the "
                     "journal's lock is still held (by the connection before, if the server "
                     "stopped answering it, until its session ends)",
                     s->where);
  /* Without its lock and statements, the connection must not serve the
   * next batch: it is made again then. */
  if (code) act__pgw_cut(s->w);
  return code;
}

/* A reader's first statement failed: if the server had ended the idle
 * connection (nothing ran), it is made again for one more try. */
static bool again(PGconn *c) {
  return PQstatus(c) != CONNECTION_OK && pg_reset(c);
}

static int reader_get(pg_journal *s, pg_reader **out, act_journal_err_t *err) {
  pthread_mutex_lock(&s->rmu);
  pg_reader *r = s->free_readers;
  if (r) s->free_readers = r->next;
  pthread_mutex_unlock(&s->rmu);
  if (r && !pg_alive(r->c)) pg_reset(r->c);   /* if it fails, the query says why */
  if (r) {
    *out = r;
    return ACT_JOURNAL_OK;
  }
  r = calloc(1, sizeof *r);
  if (!r) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
  int code = pg_connect(s, &r->c, true, err);
  if (code) {
    free(r);
    return code;
  }
  *out = r;
  return ACT_JOURNAL_OK;
}

static void reader_put(pg_journal *s, pg_reader *r);

/* A query of one pid on a reader taken from the pool, binary results: OK
 * with *rd and *out (the caller clears it and puts the reader back), or
 * the error (nothing to give back). */
static int reader_pid_query(pg_journal *s, const char *sql, const char *pid, size_t pid_len,
                            const char *what, pg_reader **rd, PGresult **out,
                            act_journal_err_t *err) {
  act__jerr_ok(err);
  int code = reader_get(s, rd, err);
  if (code) return code;
  const char *v[1] = {pid ? pid : ""};
  int lens[1] = {(int)pid_len}, fmt[1] = {1};
  Oid types[1] = {OID_BYTEA};
  *out = act__pgw_params((*rd)->c, sql, 1, types, v, lens, fmt, 1);
  if (PQresultStatus(*out) != PGRES_TUPLES_OK && again((*rd)->c)) {
    PQclear(*out);
    *out = act__pgw_params((*rd)->c, sql, 1, types, v, lens, fmt, 1);
  }
  if ((code = pg_check(s, err, (*rd)->c, *out, what))) reader_put(s, *rd);
  return code;
}

static void reader_put(pg_journal *s, pg_reader *r) {
  if (PQtransactionStatus(r->c) != PQTRANS_IDLE) PQclear(act__pgw_exec(r->c, "ROLLBACK"));
  pthread_mutex_lock(&s->rmu);
  r->next = s->free_readers;
  s->free_readers = r;
  pthread_mutex_unlock(&s->rmu);
}

/* ---- opening ------------------------------------------------------------------------ */

/* The value of meta's key into out; *found false if absent. */
static int meta_get(pg_journal *s, const char *key, char *out, size_t cap, bool *found,
                    act_journal_err_t *err) {
  const char *v[1] = {key};
  PGresult *r = act__pgw_params(s->w, "SELECT value FROM act_journal_meta WHERE key = $1", 1,
                             NULL, v, NULL, NULL, 0);
  int code = pg_check(s, err, s->w, r, "reading act_journal_meta");
  if (code) return code;
  *found = PQntuples(r) == 1;
  snprintf(out, cap, "%s", *found ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return ACT_JOURNAL_OK;
}

/* The tables exist (made here if none does), and hold an Act journal of
 * a format this program reads. */
static int pg_tables(pg_journal *s, const act_journal_config_t *cfg, act_journal_err_t *err) {
  PGresult *r = act__pgw_exec(s->w,
                       "SELECT to_regclass('act_journal_meta') IS NOT NULL, "
                       "to_regclass('act_journal_types') IS NOT NULL, "
                       "to_regclass('act_journal_events') IS NOT NULL, "
                       "to_regclass('act_journal_snapshots') IS NOT NULL, "
                       "to_regclass('act_journal_fences') IS NOT NULL");
  int code = pg_check(s, err, s->w, r, "looking for its tables");
  if (code) return code;
  int have = 0, missing = -1;
  for (int i = 0; i < 5; i++) {
    if (strcmp(PQgetvalue(r, 0, i), "t") == 0)
      have++;
    else if (missing < 0)
      missing = i;
  }
  PQclear(r);
  if (have == 0) {
    if (cfg->no_create)
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s does not exist (no act_journal tables)",
                       s->where);
    return pg_do(s, s->w, PG_CREATE, "creating its tables", err);
  }
  if (missing >= 0)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT, "journal %s is damaged: its table %s is missing",
                     s->where, PG_TABLES[missing]);
  char v[64];
  bool found;
  if ((code = meta_get(s, "format", v, sizeof v, &found, err))) return code;
  return act__jformat_check(err, s->where, v, found, PG_FORMAT);
}

static int pg_schema(pg_journal *s, const act_journal_config_t *cfg, act_journal_err_t *err) {
  PGresult *r = act__pgw_exec(s->w, "SELECT id, kind, name, fingerprint FROM act_journal_types");
  int code = pg_check(s, err, s->w, r, "reading the types");
  if (code) return code;
  for (int i = 0; code == ACT_JOURNAL_OK && i < PQntuples(r); i++)
    code = act__jtypes_add(&s->types, strtoll(PQgetvalue(r, i, 0), NULL, 10),
                           (int)strtol(PQgetvalue(r, i, 1), NULL, 10), PQgetvalue(r, i, 2),
                           (uint64_t)strtoll(PQgetvalue(r, i, 3), NULL, 10), s->where, err);
  PQclear(r);
  if (code) return code;
  char owner[256];
  bool found, record;
  if ((code = meta_get(s, "program", owner, sizeof owner, &found, err)) ||
      (code = act__jcheck_program(s->where, found ? owner : NULL, &s->types, cfg, &record,
                                  s->takeover, sizeof s->takeover, err)) ||
      (code = act__jtypes_merge(&s->types, cfg, s->where, err)))
    return code;
  act__jtypes_t *t = &s->types;
  for (size_t i = t->njournal; i < t->n; i++) {
    char kind[16], fp[24];
    snprintf(kind, sizeof kind, "%d", t->v[i].kind);
    snprintf(fp, sizeof fp, "%" PRId64, (int64_t)t->v[i].fp);
    const char *v[3] = {kind, t->v[i].name, fp};
    r = act__pgw_params(s->w,
                     "INSERT INTO act_journal_types(kind, name, fingerprint) VALUES "
                     "($1, $2, $3) RETURNING id",
                     3, NULL, v, NULL, NULL, 0);
    if ((code = pg_check(s, err, s->w, r, "recording the types"))) return code;
    t->v[i].id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
  }
  if (record) {
    const char *v[1] = {cfg->program};
    r = act__pgw_params(s->w,
                     "INSERT INTO act_journal_meta VALUES ('program', $1) "
                     "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                     1, NULL, v, NULL, NULL, 0);
    if ((code = pg_check(s, err, s->w, r, "recording the program"))) return code;
    PQclear(r);
  }
  return act__jtypes_index(t, s->where, err);
}

static void pg_free(pg_journal *s) {
  for (pg_reader *r = s->free_readers, *nx; r; r = nx) {
    nx = r->next;
    PQfinish(r->c);
    free(r);
  }
  PQfinish(s->w);   /* ends the session: the advisory lock goes with it */
  act__jtypes_free(&s->types);
  for (size_t i = 0; i < s->heads_cap; i++)
    if (s->heads[i]) {
      free(s->heads[i]->pid);
      free(s->heads[i]);
    }
  free(s->heads);
  free(s->batch);
  free(s->look);
  free(s->snaps);
  for (int i = 0; i < A_N; i++) free(s->a[i].p);
  free(s->url);
  free(s->where);
  pthread_mutex_destroy(&s->wmu);
  pthread_mutex_destroy(&s->rmu);
  free(s);
}

/* A journal not yet connected (NULL: out of memory). */
static pg_journal *pg_new(const act_journal_config_t *cfg) {
  pg_journal *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  pthread_mutex_init(&s->wmu, NULL);
  pthread_mutex_init(&s->rmu, NULL);
  s->base.ops = &act_journal_pg_ops;
  s->url = strdup(cfg->location);
  s->where = redact(cfg->location);
  s->base.location = s->where;
  s->shared = cfg->shared;
  s->sync = cfg->sync;
  if (s->url && s->where) return s;
  pg_free(s);
  return NULL;
}

static int pg_open(const act_journal_config_t *cfg, act_journal_t **out,
                   act_journal_err_t *err) {
  act__jerr_ok(err);
  *out = NULL;
  pg_journal *s = cfg && cfg->location && *cfg->location ? pg_new(cfg) : NULL;
  if (!s)
    return cfg && cfg->location && *cfg->location
               ? act__jerr(err, ACT_JOURNAL_EIO, "journal: out of memory")
               : act__jerr(err, ACT_JOURNAL_EINVAL, "journal: no URL given");
  int code;
  if ((code = pg_connect(s, &s->w, false, err)) ||
      (code = pg_session(s, false, err)) ||
      (code = pg_do(s, s->w, "BEGIN", "starting a transaction", err)))
    goto fail;
  /* Opens of one journal one after the other: two first opens create once. */
  char sql[160];
  snprintf(sql, sizeof sql,
           "SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))",
           PG_LOCK_CLASS + 1);
  if ((code = pg_do(s, s->w, sql, "locking the journal", err)) ||
      (code = pg_tables(s, cfg, err)) || (code = pg_schema(s, cfg, err)) ||
      (code = pg_do(s, s->w, "COMMIT", "recording the types", err)))
    goto fail;   /* PQfinish rolls the transaction back: nothing is changed */
  for (int i = 0; i < P_N; i++) {
    PGresult *r = act__pgw_prepare(s->w, PG_NAMES[i], PG_SQL[i]);
    if ((code = pg_check(s, err, s->w, r, "preparing statements"))) goto fail;
    PQclear(r);
  }
  if (cfg->sync == ACT_JOURNAL_SYNC_FULL) {
    PGresult *r = act__pgw_exec(s->w, "SHOW fsync");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
        strcmp(PQgetvalue(r, 0, 0), "off") == 0)
      act__jwarn(&s->base, "journal %s: the server runs with fsync=off: a power loss may "
                 "lose acknowledged events", s->where);
    PQclear(r);
  }
  if (s->takeover[0]) act__jwarn(&s->base, "%s", s->takeover);
  *out = &s->base;
  return ACT_JOURNAL_OK;
fail:
  pg_free(s);
  return code;
}

static void pg_close(act_journal_t *j) {
  if (j) pg_free((pg_journal *)j);
}

/* ---- heads ----------------------------------------------------------------------------- */

static bool grow(void *vp, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *p = realloc(*(void **)vp, c * size);
  if (!p) return false;
  *(void **)vp = p;
  *cap = c;
  return true;
}

static uint64_t pid_hash(const char *pid, size_t len) {
  return act_journal_fingerprint(pid ? pid : "", len) | 1;
}

static pg_head *head_find(pg_journal *s, const char *pid, size_t len) {
  uint64_t h = pid_hash(pid, len);
  if (!s->heads_cap) return NULL;
  size_t m = s->heads_cap - 1, i = h & m;
  for (pg_head *e; (e = s->heads[i]); i = (i + 1) & m)
    if (e->hash == h && e->len == len && memcmp(e->pid, pid, len) == 0) return e;
  return NULL;
}

/* pid's entry, made if new (NULL: out of memory). */
static pg_head *head_get(pg_journal *s, const char *pid, size_t len) {
  pg_head *e = head_find(s, pid, len);
  if (e) return e;
  if (2 * (s->nheads + 1) > s->heads_cap) {
    size_t cap = s->heads_cap ? 2 * s->heads_cap : 1024;
    pg_head **t = calloc(cap, sizeof *t);
    if (!t) return NULL;
    for (size_t i = 0; i < s->heads_cap; i++)
      if (s->heads[i]) {
        size_t k = s->heads[i]->hash & (cap - 1);
        while (t[k]) k = (k + 1) & (cap - 1);
        t[k] = s->heads[i];
      }
    free(s->heads);
    s->heads = t;
    s->heads_cap = cap;
  }
  e = calloc(1, sizeof *e);
  if (!e || !(e->pid = malloc(len ? len : 1))) {
    free(e);
    return NULL;
  }
  memcpy(e->pid, pid, len);
  e->len = len;
  e->hash = pid_hash(pid, len);
  size_t k = e->hash & (s->heads_cap - 1);
  while (s->heads[k]) k = (k + 1) & (s->heads_cap - 1);
  s->heads[k] = e;
  s->nheads++;
  return e;
}

static bool pid_array(pg_journal *s, pg_head *const *v, size_t n) {
  arr_begin(&s->a[A_PID], OID_BYTEA);
  for (size_t i = 0; i < n; i++) arr_bytes(&s->a[A_PID], v[i]->pid, v[i]->len);
  return !s->a[A_PID].oom;
}

/* The pids of the batch, with their heads and fences: read where not
 * known, which for a shared journal is always. */
static int pg_batch_pids(pg_journal *s, act_journal_write_t *const *ws, size_t n,
                         act_journal_err_t *err) {
  s->gen++;
  s->nbatch = s->nlook = 0;
  for (size_t i = 0; i < n; i++) {
    act_journal_write_t *w = ws[i];
    if ((w->kind != ACT_JOURNAL_W_EVENTS && w->kind != ACT_JOURNAL_W_SNAPSHOT) ||
        (!w->pid && w->pid_len))
      continue;
    pg_head *e = head_get(s, w->pid ? w->pid : "", w->pid_len);
    if (!e || !grow(&s->batch, &s->batch_cap, s->nbatch + 1, sizeof *s->batch) ||
        !grow(&s->look, &s->look_cap, s->nlook + 1, sizeof *s->look))
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
    if (e->batch == s->gen) continue;
    e->batch = s->gen;
    s->batch[s->nbatch++] = e;
    if (!e->known || s->shared) s->look[s->nlook++] = e;
  }
  static const int one[1] = {A_PID};
  PGresult *r;
  int code;
  /* Shared: the fence rows stay locked until the commit, so no fence()
   * passes this transaction. Held alone, no other process can fence. */
  if (s->shared && s->nbatch) {
    if (!pid_array(s, s->batch, s->nbatch))
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
    r = pg_run_arrays(s, P_FENCES, one, 1);
    if ((code = pg_check(s, err, s->w, r, "reading the fences"))) return code;
    PQclear(r);
  }
  if (s->nlook) {
    if (!pid_array(s, s->look, s->nlook))
      return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
    r = pg_run_arrays(s, P_HEADS, one, 1);
    if ((code = pg_check(s, err, s->w, r, "reading the heads"))) return code;
    for (int k = 0; k < PQntuples(r); k++) {
      int64_t i = get64(r, k, 0);
      if (i < 1 || (size_t)i > s->nlook) continue;
      s->look[i - 1]->seq = get64(r, k, 1);
      s->look[i - 1]->fence = get64(r, k, 2);
      s->look[i - 1]->known = true;
    }
    PQclear(r);
  }
  for (size_t i = 0; i < s->nbatch; i++) s->batch[i]->pend = s->batch[i]->seq;
  return ACT_JOURNAL_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* The pid of w, which pg_batch_pids saw. */
static pg_head *head_of(pg_journal *s, const act_journal_write_t *w) {
  const char *pid = w->pid ? w->pid : "";
  return head_find(s, pid, w->pid_len);
}

static void pg_write_events(pg_journal *s, act_journal_write_t *w) {
  if (!act__jwrite_ok(&s->types, w)) return;
  pg_head *e = head_of(s, w);
  if (w->epoch != e->fence) {
    w->status = ACT_JOURNAL_EFENCED;
    return;
  }
  if (e->pend + 1 != w->seq) {
    w->status = ACT_JOURNAL_ECONFLICT;
    return;
  }
  const char *pid = w->pid ? w->pid : "";
  for (size_t i = 0; i < w->nevents; i++) {
    const act_journal_event_t *ev = &w->events[i];
    const void *data = ev->data ? ev->data : "";
    int64_t seq = w->seq + (int64_t)i;
    int64_t tid = act__jtypes_find(&s->types, ACT_JOURNAL_EVENT, ev->type)->id;
    arr_bytes(&s->a[A_PID], pid, w->pid_len);
    arr_int8(&s->a[A_SEQ], seq);
    arr_int4(&s->a[A_TYPE], (int32_t)tid);
    arr_int8(&s->a[A_CRC], act__jrec_crc(data, ev->len, seq, 0, pid, w->pid_len, (uint64_t)tid));
    arr_bytes(&s->a[A_DATA], data, ev->len);
  }
  e->pend += (int64_t)w->nevents;
}

/* The arrays were built whole, and fit in one parameter each. */
static int arrays_ok(pg_journal *s, act_journal_err_t *err) {
  for (int i = 0; i < A_N; i++) {
    if (s->a[i].oom) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
    if (s->a[i].len > INT_MAX)
      return act__jerr(err, ACT_JOURNAL_EINVAL,
                       "journal %s: a batch of %zu bytes is over PostgreSQL's limit of one "
                       "value (events and snapshots over 1 GiB cannot be written)",
                       s->where, s->a[i].len);
  }
  return ACT_JOURNAL_OK;
}

/* Checks a snapshot and keeps it for pg_write_snapshots (false: no memory). */
static bool pg_check_snapshot(pg_journal *s, act_journal_write_t *w) {
  if (!act__jwrite_ok(&s->types, w)) return true;
  pg_head *e = head_of(s, w);
  if (w->epoch != e->fence) {
    w->status = ACT_JOURNAL_EFENCED;
    return true;
  }
  if (w->seq > e->pend) {   /* a snapshot covers events that exist */
    w->status = ACT_JOURNAL_EINVAL;
    return true;
  }
  if (!grow(&s->snaps, &s->snaps_cap, s->nsnaps + 1, sizeof *s->snaps)) return false;
  s->snaps[s->nsnaps++] = w;
  return true;
}

/* The batch's snapshots in one statement (the last of a pid and seq wins:
 * one INSERT may not touch a row twice), then the older ones pruned. */
static int pg_write_snapshots(pg_journal *s, act_journal_err_t *err) {
  pg_arr *a = s->a;
  int code;
  arr_begin(&a[A_PID], OID_BYTEA);
  arr_begin(&a[A_SEQ], OID_INT8);
  arr_begin(&a[A_TYPE], OID_INT4);
  arr_begin(&a[A_FP], OID_INT8);
  arr_begin(&a[A_CRC], OID_INT8);
  arr_begin(&a[A_DATA], OID_BYTEA);
  for (size_t i = 0; i < s->nsnaps; i++) {
    act_journal_write_t *w = s->snaps[i];
    bool later = false;
    for (size_t k = i + 1; k < s->nsnaps && !later; k++)
      later = s->snaps[k]->seq == w->seq && s->snaps[k]->pid_len == w->pid_len &&
              (!w->pid_len || memcmp(s->snaps[k]->pid, w->pid, w->pid_len) == 0);
    if (later) continue;
    act__jtype_t *t = act__jtypes_find(&s->types, ACT_JOURNAL_STATE, w->type);
    const char *pid = w->pid ? w->pid : "";
    const void *data = w->data ? w->data : "";
    arr_bytes(&a[A_PID], pid, w->pid_len);
    arr_int8(&a[A_SEQ], w->seq);
    arr_int4(&a[A_TYPE], (int32_t)t->id);
    arr_int8(&a[A_FP], (int64_t)t->fp);
    arr_int8(&a[A_CRC], act__jrec_crc(data, w->len, w->seq, 0, pid, w->pid_len,
                                      t->fp ^ (uint64_t)t->id));
    arr_bytes(&a[A_DATA], data, w->len);
  }
  if ((code = arrays_ok(s, err))) return code;
  static const int cols[6] = {A_PID, A_SEQ, A_TYPE, A_FP, A_CRC, A_DATA};
  PGresult *r = pg_run_arrays(s, P_SNAPS, cols, 6);
  if ((code = pg_check(s, err, s->w, r, "saving snapshots"))) return code;
  PQclear(r);
  r = pg_run_arrays(s, P_PRUNE, cols, 1);
  if ((code = pg_check(s, err, s->w, r, "removing old snapshots"))) return code;
  PQclear(r);
  return ACT_JOURNAL_OK;
}

/* The batch in the open transaction; the first error that ends it. */
static int pg_write_batch(pg_journal *s, act_journal_write_t *const *ws, size_t n,
                          act_journal_err_t *err) {
  int code = pg_batch_pids(s, ws, n, err);
  if (code) return code;
  pg_arr *a = s->a;
  arr_begin(&a[A_PID], OID_BYTEA);
  arr_begin(&a[A_SEQ], OID_INT8);
  arr_begin(&a[A_TYPE], OID_INT4);
  arr_begin(&a[A_CRC], OID_INT8);
  arr_begin(&a[A_DATA], OID_BYTEA);
  arr_begin(&a[A_FP], OID_INT8);   /* snapshots' only: empty, checked all the same */
  s->nsnaps = 0;
  for (size_t i = 0; i < n; i++) {
    act_journal_write_t *w = ws[i];
    switch (w->kind) {
    case ACT_JOURNAL_W_EVENTS: pg_write_events(s, w); break;
    case ACT_JOURNAL_W_SNAPSHOT:
      if (!pg_check_snapshot(s, w))
        return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
      break;
    case ACT_JOURNAL_W_BARRIER: break;
    default: w->status = ACT_JOURNAL_EINVAL;
    }
  }
  if ((code = arrays_ok(s, err))) return code;
  if (a[A_SEQ].n) {
    static const int cols[5] = {A_PID, A_SEQ, A_TYPE, A_CRC, A_DATA};
    PGresult *r = pg_run_arrays(s, P_EVENTS, cols, 5);
    if ((code = pg_check(s, err, s->w, r, "appending events"))) return code;
    PQclear(r);
  }
  return s->nsnaps ? pg_write_snapshots(s, err) : ACT_JOURNAL_OK;
}

static bool batch_writes(act_journal_write_t *const *ws, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ws[i]->kind != ACT_JOURNAL_W_BARRIER) return true;
  return false;
}

static int pg_append(act_journal_t *j, act_journal_write_t *const *ws, size_t n,
                     act_journal_err_t *err) {
  pg_journal *s = (pg_journal *)j;
  act__jerr_ok(err);
  for (size_t i = 0; i < n; i++) ws[i]->status = ACT_JOURNAL_OK;
  if (!batch_writes(ws, n)) return ACT_JOURNAL_OK;   /* barriers write nothing */
  pthread_mutex_lock(&s->wmu);
  int code = pg_ready(s, err);
  if (code == ACT_JOURNAL_OK) {
    PGresult *r = act__pgw_exec(s->w, "BEGIN");
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQstatus(s->w) != CONNECTION_OK) {
      /* the server went away since the last batch: nothing was sent, try once more */
      PQclear(r);
      code = pg_ready(s, err);
      r = code ? NULL : act__pgw_exec(s->w, "BEGIN");
    }
    if (code == ACT_JOURNAL_OK) code = pg_check(s, err, s->w, r, "starting a transaction");
    if (code == ACT_JOURNAL_OK) {
      PQclear(r);
      code = pg_write_batch(s, ws, n, err);
    }
  }
  if (code == ACT_JOURNAL_OK) code = pg_do(s, s->w, "COMMIT", "committing", err);
  if (code == ACT_JOURNAL_OK) {
    for (size_t i = 0; i < s->nbatch; i++) s->batch[i]->seq = s->batch[i]->pend;
  } else {
    /* Nothing of it counts (a lost COMMIT may have committed: the heads are read again). */
    if (PQtransactionStatus(s->w) != PQTRANS_IDLE) PQclear(act__pgw_exec(s->w, "ROLLBACK"));
    for (size_t i = 0; i < s->nbatch; i++) s->batch[i]->known = false;
    for (size_t i = 0; i < n; i++) ws[i]->status = code;
  }
  pthread_mutex_unlock(&s->wmu);
  return code;
}

static int pg_save_snapshot(act_journal_t *j, const char *pid, size_t pid_len, int64_t seq,
                            const char *type, const void *data, size_t len,
                            act_journal_err_t *err) {
  return act__jsave_snapshot(j, &((pg_journal *)j)->types, pid, pid_len, seq, type, data, len,
                             err);
}

static int pg_fence(act_journal_t *j, const char *pid, size_t pid_len, int64_t epoch,
                    act_journal_err_t *err) {
  pg_journal *s = (pg_journal *)j;
  char pb[96];
  act__jerr_ok(err);
  if (epoch < 1 || (!pid && pid_len))
    return act__jerr(err, ACT_JOURNAL_EINVAL, "journal %s: a fence needs an epoch of 1 or more",
                     s->where);
  unsigned char eb[8];
  be64(eb, (uint64_t)epoch);
  const char *v[2] = {pid ? pid : "", (const char *)eb};
  int lens[2] = {(int)pid_len, 8};
  pthread_mutex_lock(&s->wmu);
  int code = pg_ready(s, err);
  PGresult *r = code ? NULL : pg_run(s, P_FENCE, 2, v, lens);
  if (code == ACT_JOURNAL_OK && (code = pg_check(s, err, s->w, r, "fencing")) == ACT_JOURNAL_OK) {
    if (PQntuples(r) != 1)
      code = act__jerr(err, ACT_JOURNAL_EIO, "journal %s: fencing `%s` gave no answer", s->where,
                       act__jpid(pb, sizeof pb, pid, pid_len));
    else if (get32(r, 0, 0) != 1)
      code = act__jerr(err, ACT_JOURNAL_EFENCED,
                       "journal %s: `%s` is fenced at epoch %" PRId64 ", newer than this "
                       "owner's %" PRId64 ": another node owns it now",
                       s->where, act__jpid(pb, sizeof pb, pid, pid_len), get64(r, 0, 1), epoch);
    PQclear(r);
  }
  /* what the writer knew of the pid's fence is read again */
  pg_head *e = head_find(s, pid ? pid : "", pid_len);
  if (e) e->known = false;
  pthread_mutex_unlock(&s->wmu);
  return code;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int pg_replay(act_journal_t *j, const char *pid, size_t pid_len, int64_t from,
                     int64_t to, act_journal_event_fn fn, void *arg, act_journal_err_t *err) {
  pg_journal *s = (pg_journal *)j;
  char pb[96];
  act__jerr_ok(err);
  if (to < 0) to = INT64_MAX;
  if (from < 1) from = 1;
  pg_reader *rd;
  int code = reader_get(s, &rd, err);
  if (code) return code;
  /* one snapshot of the journal for every page */
  static const char begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  code = pg_do(s, rd->c, begin, "reading events", err);
  if (code && again(rd->c)) code = pg_do(s, rd->c, begin, "reading events", err);
  int64_t next = from;
  bool more = code == ACT_JOURNAL_OK;
  while (more && code == ACT_JOURNAL_OK && next <= to) {
    unsigned char fb[8], tb[8];
    be64(fb, (uint64_t)next);
    be64(tb, (uint64_t)to);
    const char *v[3] = {pid ? pid : "", (const char *)fb, (const char *)tb};
    static const int fmt[3] = {1, 1, 1};
    static const Oid types[3] = {OID_BYTEA, OID_INT8, OID_INT8};
    int lens[3] = {(int)pid_len, 8, 8};
    PGresult *r = act__pgw_params(rd->c,
                               "SELECT seq, type, crc, data FROM act_journal_events WHERE "
                               "pid = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT 1000",
                               3, types, v, lens, fmt, 1);
    if ((code = pg_check(s, err, rd->c, r, "reading events"))) break;
    int rows = PQntuples(r);
    more = rows == PG_PAGE;
    for (int i = 0; i < rows && code == ACT_JOURNAL_OK; i++) {
      int64_t seq = get64(r, i, 0), tid = get32(r, i, 1);
      uint32_t crc = (uint32_t)get64(r, i, 2);
      const char *data = PQgetvalue(r, i, 3);
      size_t len = (size_t)PQgetlength(r, i, 3);
      const act__jtype_t *t;
      if (seq != next)
        code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: event %lld of `%s` is missing", s->where,
                         (long long)next, act__jpid(pb, sizeof pb, pid, pid_len));
      else if (act__jrec_crc(data, len, seq, 0, pid, pid_len, (uint64_t)tid) != crc)
        code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: event %lld of `%s` fails its checksum",
                         s->where, (long long)seq, act__jpid(pb, sizeof pb, pid, pid_len));
      else if ((code = act__jtypes_event(&s->types, tid, s->where, pid, pid_len, seq, &t,
                                         err)) == ACT_JOURNAL_OK)
        code = fn(arg, pid, pid_len, seq, t->name, data, len);
      next++;
    }
    PQclear(r);
  }
  reader_put(s, rd);
  return code;
}

static int pg_load_snapshot(act_journal_t *j, const char *pid, size_t pid_len,
                            act_journal_snapshot_fn fn, void *arg, act_journal_err_t *err) {
  pg_journal *s = (pg_journal *)j;
  pg_reader *rd;
  PGresult *r;
  int code = reader_pid_query(s,
                              "SELECT seq, type, fingerprint, crc, data FROM "
                              "act_journal_snapshots WHERE pid = $1 ORDER BY seq DESC LIMIT 2",
                              pid, pid_len, "reading snapshots", &rd, &r, err);
  if (code) return code;
  int damaged = 0;
  code = ACT_JOURNAL_NOTFOUND;
  for (int i = 0; i < PQntuples(r) && code == ACT_JOURNAL_NOTFOUND; i++) {
    act__jsnap_t x = {get64(r, i, 0), get32(r, i, 1), (uint64_t)get64(r, i, 2),
                      (uint32_t)get64(r, i, 3), PQgetvalue(r, i, 4),
                      (size_t)PQgetlength(r, i, 4)};
    code = act__jsnap_try(j, &s->types, pid, pid_len, i, &x, fn, arg, &damaged, err);
  }
  PQclear(r);
  if (code == ACT_JOURNAL_NOTFOUND) code = act__jsnap_none(j, pid, pid_len, damaged, err);
  reader_put(s, rd);
  return code;
}

static int pg_highest_seq(act_journal_t *j, const char *pid, size_t pid_len, int64_t *out,
                          act_journal_err_t *err) {
  pg_reader *rd;
  PGresult *r;
  *out = 0;
  int code = reader_pid_query((pg_journal *)j,
                              "SELECT coalesce(max(seq), 0) FROM act_journal_events WHERE "
                              "pid = $1",
                              pid, pid_len, "reading the heads", &rd, &r, err);
  if (code) return code;
  *out = get64(r, 0, 0);
  PQclear(r);
  reader_put((pg_journal *)j, rd);
  return ACT_JOURNAL_OK;
}

const act_journal_ops_t act_journal_pg_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .append = pg_append,
    .replay = pg_replay,
    .save_snapshot = pg_save_snapshot,
    .load_snapshot = pg_load_snapshot,
    .highest_seq = pg_highest_seq,
    .fence = pg_fence,
};
