/* dq.c: the journal in the embedded coordination store (dqlite), so that
 * the persistent virtual actors of a cluster without PostgreSQL journal
 * where every node can read them, fenced as in pg.c. Location:
 * "dqlite://HOST:PORT,...[/DB]" (DB: the database, default "journal" — not
 * the store's own "act", so that a batch never holds the write lock the
 * leases need). `--act-journal store` on a node names its own store
 * (persist/actor.c).
 *
 * Tables, as in pg.c:
 *   act_journal_meta(key, value)          format, checksum, program
 *   act_journal_types(id, kind, name, fingerprint)
 *   act_journal_events(pid, seq, type, crc, data)    PRIMARY KEY (pid, seq)
 *   act_journal_snapshots(pid, seq, type, fingerprint, crc, data)  two per pid
 *   act_journal_fences(pid, epoch)
 *
 * Writes. dqlite runs one statement per request, and a transaction open
 * across requests would hold the database's write lock for every other
 * node; so each write of a batch is ONE conditional statement: a write of
 * events is an INSERT ... SELECT of all its rows WHERE the pid's fence is
 * the write's epoch AND its highest seq is the write's seq - 1, both read
 * in that statement, so it commits whole or not at all, and only under
 * its fence (a successor's fence() is a write of its own, ordered by the
 * leader before or after it). A statement that changed nothing is asked
 * why (EFENCED or ECONFLICT). The writes of a batch commit one by one: a
 * batch the store fails halfway has its first writes committed; each
 * write's status says which (the writer answers each request by it), and
 * append returns the first error. At most ROWS events go in one statement
 * (dqlite takes 255 parameters); a longer write is split, and is then
 * atomic per part only.
 *
 * Durability: the leader answers once the write is replicated to a
 * majority (Raft), which is what the store's own rows rely on.
 *
 * No journal-wide lock: a dqlite database has no session to hold one, so
 * an exclusive open does not keep others out (EBUSY is never answered).
 * Nothing is cached between calls: heads and fences are read in the
 * statements themselves, so several nodes (or programs) may write at once
 * and a seq written twice is refused (ECONFLICT). */
#include "persist_int.h"
#include "persist/dqcall.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DQ_FORMAT 1
#define DQ_PAGE 1000   /* events per replay query */
#define ROWS 200       /* events per statement: one parameter each (data) */
#define GROUP_BYTES (1u << 20)   /* and at most this much data in one */
/* How long an open waits for a store that has no leader yet (the seeds of
 * a new cluster elect one while their programs start). */
#define OPEN_WAIT_MS 60000

/* SQLite's primary-key and unique violations (extended codes of 19). */
#define IS_CONSTRAINT(code) (((code)&0xff) == 19)

typedef struct dq_journal {
  act_journal_t base;
  char *where;           /* the location, for messages */
  act_dqcall_t *c;
  act__jtypes_t types;
  char takeover[400];
  bool store_failed;     /* the last error was the store's, not the journal's */
  pthread_mutex_t wmu;   /* appends (the statement buffers below) */
  char *sql;             /* the statement being built */
  size_t sql_len, sql_cap;
  act_dq_val_t *params;
  size_t params_cap;
} dq_journal;

static const char DQ_CREATE[] =
    "CREATE TABLE IF NOT EXISTS act_journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS act_journal_types(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
    " name TEXT NOT NULL, fingerprint INTEGER NOT NULL, UNIQUE(kind, name));"
    "CREATE TABLE IF NOT EXISTS act_journal_events(pid BLOB NOT NULL, seq INTEGER NOT NULL,"
    " type INTEGER NOT NULL, crc INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(pid, seq));"
    "CREATE TABLE IF NOT EXISTS act_journal_snapshots(pid BLOB NOT NULL, seq INTEGER NOT NULL,"
    " type INTEGER NOT NULL, fingerprint INTEGER NOT NULL, crc INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY(pid, seq));"
    "CREATE TABLE IF NOT EXISTS act_journal_fences(pid BLOB PRIMARY KEY, epoch INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO act_journal_meta VALUES ('format', '1'), ('checksum', 'crc32c');";

/* The pid's fence (0: none) and highest seq, as one statement reads them. */
#define FENCE_OF_1 "coalesce((SELECT epoch FROM act_journal_fences WHERE pid = ?1), 0)"
#define HEAD_OF_1 "coalesce((SELECT max(seq) FROM act_journal_events WHERE pid = ?1), 0)"

/* ---- statements ---- */

static int dq_fail(dq_journal *s, act_journal_err_t *err, const act_dqans_t *a,
                   const char *what) {
  s->store_failed = true;
  return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: %s failed: %s", s->where, what, a->error);
}

/* Runs a statement: OK with *a (the caller frees it), or the error. */
static int run(dq_journal *s, int query, const char *sql, const act_dq_val_t *p, int n,
               act_dqans_t *a, const char *what, act_journal_err_t *err) {
  act__dqcall(s->c, query, sql, p, n, a);
  if (a->ok) return ACT_JOURNAL_OK;
  int code = dq_fail(s, err, a, what);
  act__dqans_free(a);
  return code;
}

static int64_t ival(const act_dqans_t *a, size_t row, size_t col) {
  const act_dq_val_t *v = &a->v[row * a->ncols + col];
  return v->type == ACT_DQ_INT ? v->i : 0;
}

static const act_dq_val_t *val(const act_dqans_t *a, size_t row, size_t col) {
  return &a->v[row * a->ncols + col];
}

static act_dq_val_t blob(const char *p, size_t n) { return act__dq_blob(p ? p : "", n); }

/* The statement buffer (false: out of memory). */
static bool sql_add(dq_journal *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sql_add(dq_journal *s, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = s->sql_cap - s->sql_len;
    int n = vsnprintf(s->sql ? s->sql + s->sql_len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if ((size_t)n < room) {
      s->sql_len += (size_t)n;
      return true;
    }
    size_t cap = s->sql_cap ? s->sql_cap * 2 : 4096;
    while (cap < s->sql_len + (size_t)n + 1) cap *= 2;
    char *p = realloc(s->sql, cap);
    if (p == NULL) return false;
    s->sql = p;
    s->sql_cap = cap;
  }
}

/* ---- opening ---- */

static int dq_meta(dq_journal *s, const char *key, char *out, size_t cap, bool *found,
                   act_journal_err_t *err) {
  act_dqans_t a;
  act_dq_val_t p[1] = {act__dq_text(key)};
  int code = run(s, 1, "SELECT value FROM act_journal_meta WHERE key = ?1", p, 1, &a,
                 "reading act_journal_meta", err);
  if (code) return code;
  *found = a.nrows == 1 && val(&a, 0, 0)->type == ACT_DQ_TEXT;
  snprintf(out, cap, "%s", *found ? val(&a, 0, 0)->s : "");
  act__dqans_free(&a);
  return ACT_JOURNAL_OK;
}

static int dq_tables(dq_journal *s, const act_journal_config_t *cfg, act_journal_err_t *err) {
  act_dqans_t a;
  int code = run(s, 1,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                 "('act_journal_meta', 'act_journal_types', 'act_journal_events', "
                 "'act_journal_snapshots', 'act_journal_fences')",
                 NULL, 0, &a, "looking for its tables", err);
  if (code) return code;
  int64_t have = a.nrows == 1 ? ival(&a, 0, 0) : 0;
  act__dqans_free(&a);
  if (have == 0 && cfg->no_create)
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s does not exist (no act_journal tables)",
                     s->where);
  if (have != 5) {   /* none (new), or a first open elsewhere made only some so far */
    if ((code = run(s, 0, DQ_CREATE, NULL, 0, &a, "creating its tables", err))) return code;
    act__dqans_free(&a);
  }
  char v[64];
  bool found;
  if ((code = dq_meta(s, "format", v, sizeof v, &found, err))) return code;
  if (!found && have == 5 && !cfg->no_create) {
    /* DQ_CREATE's statements commit one by one: a first open on another
     * node may have made all five tables and not yet the format row
     * (seeds that start together open the journal at once). Its statements
     * are idempotent: finish them, then read again. */
    if ((code = run(s, 0, DQ_CREATE, NULL, 0, &a, "creating its tables", err))) return code;
    act__dqans_free(&a);
    if ((code = dq_meta(s, "format", v, sizeof v, &found, err))) return code;
  }
  return act__jformat_check(err, s->where, v, found, DQ_FORMAT);
}

/* A new type's row: made unless another open made it meanwhile, whose
 * fingerprint must then be the same. */
static int dq_add_type(dq_journal *s, act__jtype_t *t, act_journal_err_t *err) {
  act_dqans_t a;
  act_dq_val_t p[3] = {act__dq_int(t->kind), act__dq_text(t->name), act__dq_int((int64_t)t->fp)};
  int code = run(s, 0,
                 "INSERT INTO act_journal_types(kind, name, fingerprint) VALUES (?1, ?2, ?3) "
                 "ON CONFLICT (kind, name) DO NOTHING",
                 p, 3, &a, "recording the types", err);
  if (code) return code;
  act__dqans_free(&a);
  code = run(s, 1, "SELECT id, fingerprint FROM act_journal_types WHERE kind = ?1 AND name = ?2",
             p, 2, &a, "recording the types", err);
  if (code) return code;
  if (a.nrows != 1)
    code = act__jerr(err, ACT_JOURNAL_EIO, "journal %s: the type %s was not recorded", s->where,
                     t->name);
  else if ((uint64_t)ival(&a, 0, 1) != t->fp)
    code = act__jerr(err, ACT_JOURNAL_ESCHEMA,
                     "journal %s: another program recorded %s %s with another definition just "
                     "now",
                     s->where, act__jkind_word(t->kind), t->name);
  else
    t->id = ival(&a, 0, 0);
  act__dqans_free(&a);
  return code;
}

static int dq_schema(dq_journal *s, const act_journal_config_t *cfg, act_journal_err_t *err) {
  act_dqans_t a;
  int code = run(s, 1, "SELECT id, kind, name, fingerprint FROM act_journal_types", NULL, 0, &a,
                 "reading the types", err);
  if (code) return code;
  for (size_t i = 0; code == ACT_JOURNAL_OK && i < a.nrows; i++) {
    const act_dq_val_t *name = val(&a, i, 2);
    code = act__jtypes_add(&s->types, ival(&a, i, 0), (int)ival(&a, i, 1),
                           name->type == ACT_DQ_TEXT ? name->s : "", (uint64_t)ival(&a, i, 3),
                           s->where, err);
  }
  act__dqans_free(&a);
  if (code) return code;
  char owner[256];
  bool found, record;
  if ((code = dq_meta(s, "program", owner, sizeof owner, &found, err)) ||
      (code = act__jcheck_program(s->where, found ? owner : NULL, &s->types, cfg, &record,
                                  s->takeover, sizeof s->takeover, err)) ||
      (code = act__jtypes_merge(&s->types, cfg, s->where, err)))
    return code;
  for (size_t i = s->types.njournal; i < s->types.n; i++)
    if ((code = dq_add_type(s, &s->types.v[i], err))) return code;
  if (record) {
    act_dq_val_t p[1] = {act__dq_text(cfg->program)};
    code = run(s, 0,
               "INSERT INTO act_journal_meta VALUES ('program', ?1) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               p, 1, &a, "recording the program", err);
    if (code) return code;
    act__dqans_free(&a);
  }
  return act__jtypes_index(&s->types, s->where, err);
}

static void dq_free(dq_journal *s) {
  act__dqcall_close(s->c);
  act__jtypes_free(&s->types);
  free(s->sql);
  free(s->params);
  free(s->where);
  pthread_mutex_destroy(&s->wmu);
  free(s);
}

static int dq_open(const act_journal_config_t *cfg, act_journal_t **out,
                   act_journal_err_t *err) {
  act__jerr_ok(err);
  *out = NULL;
  const char *loc = cfg && cfg->location ? cfg->location : "";
  if (strncmp(loc, "dqlite://", 9) != 0)
    return act__jerr(err, ACT_JOURNAL_EINVAL, "journal: `%.200s` is not a dqlite:// location",
                     loc);
  const char *servers = loc + 9;
  size_t slen = strcspn(servers, "/");
  const char *db = servers[slen] == '/' ? servers + slen + 1 : "journal";
  char list[ACT_DQ_SERVERS_MAX * 64];
  if (slen >= sizeof list)
    return act__jerr(err, ACT_JOURNAL_EINVAL, "journal %.200s: too many servers", loc);
  memcpy(list, servers, slen);
  list[slen] = 0;
  dq_journal *s = calloc(1, sizeof *s);
  if (s == NULL || (s->where = strdup(loc)) == NULL) {
    free(s);
    return act__jerr(err, ACT_JOURNAL_EIO, "journal: out of memory");
  }
  pthread_mutex_init(&s->wmu, NULL);
  s->base.ops = &act_journal_dqlite_ops;
  s->base.location = s->where;
  char m[256];
  s->c = act__dqcall_open(list, db, m, sizeof m);
  int code;
  if (s->c == NULL) {
    code = act__jerr(err, ACT_JOURNAL_EINVAL, "journal %s: %s", s->where, m);
    goto fail;
  }
  /* Every step is idempotent (CREATE IF NOT EXISTS, types made unless
   * there), so an open the store failed (no leader yet, or a new one
   * being elected) starts over, with what it read forgotten. */
  uint64_t until = uv_hrtime() / 1000000u + OPEN_WAIT_MS;
  for (;;) {
    s->store_failed = false;
    act__jtypes_free(&s->types);
    memset(&s->types, 0, sizeof s->types);
    s->takeover[0] = 0;
    code = dq_tables(s, cfg, err);
    if (code == ACT_JOURNAL_OK) code = dq_schema(s, cfg, err);
    if (code == ACT_JOURNAL_OK || !s->store_failed || uv_hrtime() / 1000000u >= until) break;
    usleep(200000);
  }
  if (code) goto fail;
  if (s->takeover[0]) act__jwarn(&s->base, "%s", s->takeover);
  *out = &s->base;
  return ACT_JOURNAL_OK;
fail:
  dq_free(s);
  return code;
}

static void dq_close(act_journal_t *j) {
  if (j) dq_free((dq_journal *)j);
}

/* ---- writing ---- */

static bool params_room(dq_journal *s, size_t n) {
  if (n <= s->params_cap) return true;
  act_dq_val_t *p = realloc(s->params, n * sizeof *p);
  if (p == NULL) return false;
  s->params = p;
  s->params_cap = n;
  return true;
}

/* Why a conditional write of pid changed nothing: EFENCED if its fence is
 * not epoch, else `otherwise`; or the error of asking. */
static int why_refused(dq_journal *s, const act_journal_write_t *w, int otherwise,
                       act_journal_err_t *err) {
  act_dqans_t a;
  act_dq_val_t p[1] = {blob(w->pid, w->pid_len)};
  int code = run(s, 1, "SELECT " FENCE_OF_1, p, 1, &a, "reading the fence", err);
  if (code) return code;
  int64_t fence = a.nrows == 1 ? ival(&a, 0, 0) : 0;
  act__dqans_free(&a);
  return fence != w->epoch ? ACT_JOURNAL_EFENCED : otherwise;
}

/* Events w->events[from, from + n) in one statement. Returns OK or the
 * store's error; w->status says whether the write was taken (OK) or
 * refused (EFENCED, ECONFLICT). */
static int write_rows(dq_journal *s, act_journal_write_t *w, size_t from, size_t n,
                      act_journal_err_t *err) {
  const char *pid = w->pid ? w->pid : "";
  int64_t first = w->seq + (int64_t)from;
  s->sql_len = 0;
  bool ok = params_room(s, n + 2) &&
            sql_add(s, "INSERT INTO act_journal_events(pid, seq, type, crc, data) "
                       "SELECT ?1, column1, column2, column3, column4 FROM (VALUES ");
  s->params[0] = blob(pid, w->pid_len);
  s->params[1] = act__dq_int(w->epoch);
  for (size_t i = 0; ok && i < n; i++) {
    const act_journal_event_t *ev = &w->events[from + i];
    int64_t seq = first + (int64_t)i;
    int64_t tid = act__jtypes_find(&s->types, ACT_JOURNAL_EVENT, ev->type)->id;
    uint32_t crc = act__jrec_crc(ev->data ? ev->data : "", ev->len, seq, 0, pid, w->pid_len,
                                 (uint64_t)tid);
    s->params[2 + i] = blob(ev->data, ev->len);
    ok = sql_add(s, "%s(%" PRId64 ", %" PRId64 ", %" PRIu32 ", ?%zu)", i ? ", " : "", seq, tid,
                 crc, i + 3);
  }
  ok = ok && sql_add(s, ") WHERE " FENCE_OF_1 " = ?2 AND " HEAD_OF_1 " = %" PRId64, first - 1);
  if (!ok) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
  act_dqans_t a;
  act__dqcall(s->c, 0, s->sql, s->params, (int)n + 2, &a);
  int code = ACT_JOURNAL_OK;
  if (!a.ok && IS_CONSTRAINT(a.code))   /* another writer took that seq just now */
    w->status = ACT_JOURNAL_ECONFLICT;
  else if (!a.ok)
    code = dq_fail(s, err, &a, "appending events");
  else if (a.changes != n) {
    int why = why_refused(s, w, ACT_JOURNAL_ECONFLICT, err);
    if (why == ACT_JOURNAL_EFENCED || why == ACT_JOURNAL_ECONFLICT)
      w->status = why;
    else
      code = why;
  }
  act__dqans_free(&a);
  return code;
}

static int write_events(dq_journal *s, act_journal_write_t *w, act_journal_err_t *err) {
  if (!act__jwrite_ok(&s->types, w)) return ACT_JOURNAL_OK;   /* refused: w->status says so */
  for (size_t from = 0; from < w->nevents && w->status == ACT_JOURNAL_OK; from += ROWS) {
    size_t n = w->nevents - from < ROWS ? w->nevents - from : ROWS;
    int code = write_rows(s, w, from, n, err);
    if (code != ACT_JOURNAL_OK) return code;
  }
  return ACT_JOURNAL_OK;
}

/* ---- group commit ---- */

/* A pid as an SQL blob literal (pids are short: no parameter spent). */
static bool sql_pid(dq_journal *s, const char *pid, size_t len) {
  static const char hex[] = "0123456789abcdef";
  if (!sql_add(s, "X'")) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char b = (unsigned char)pid[i];
    if (!sql_add(s, "%c%c", hex[b >> 4], hex[b & 15])) return false;
  }
  return sql_add(s, "'");
}

static bool same_pid(const act_journal_write_t *a, const act_journal_write_t *b) {
  return a->pid_len == b->pid_len && (!a->pid_len || memcmp(a->pid, b->pid, a->pid_len) == 0);
}

/* The write before w in g[0, n) of the same pid, or NULL. */
static act_journal_write_t *prev_of(act_journal_write_t **g, size_t n,
                                    const act_journal_write_t *w) {
  for (size_t i = n; i-- > 0;)
    if (same_pid(g[i], w)) return g[i];
  return NULL;
}

/* w can join the group g[0, n): its events follow the group's last write
 * of its pid (if any), at the same epoch, and the rows fit. */
static size_t write_bytes(const act_journal_write_t *w) {
  size_t b = 0;
  for (size_t i = 0; i < w->nevents; i++) b += w->events[i].len;
  return b;
}

static bool joins(act_journal_write_t **g, size_t n, size_t rows, const act_journal_write_t *w) {
  if (rows + w->nevents > ROWS) return false;
  size_t bytes = write_bytes(w);
  for (size_t i = 0; i < n && bytes <= GROUP_BYTES; i++) bytes += write_bytes(g[i]);
  if (bytes > GROUP_BYTES) return false;
  act_journal_write_t *p = prev_of(g, n, w);
  return p == NULL || (p->seq + (int64_t)p->nevents == w->seq && p->epoch == w->epoch);
}

/* After a group statement that did not insert every row: which writes are
 * in (their last event is there with their checksum), and why not. */
static int group_statuses(dq_journal *s, act_journal_write_t **g, size_t n,
                          act_journal_err_t *err) {
  for (size_t i = 0; i < n; i++) {
    act_journal_write_t *w = g[i];
    const act_journal_event_t *ev = &w->events[w->nevents - 1];
    int64_t seq = w->seq + (int64_t)w->nevents - 1;
    int64_t tid = act__jtypes_find(&s->types, ACT_JOURNAL_EVENT, ev->type)->id;
    uint32_t crc = act__jrec_crc(ev->data ? ev->data : "", ev->len, seq, 0, w->pid ? w->pid : "",
                                 w->pid_len, (uint64_t)tid);
    act_dq_val_t p[2] = {blob(w->pid, w->pid_len), act__dq_int(seq)};
    act_dqans_t a;
    int code = run(s, 1, "SELECT crc FROM act_journal_events WHERE pid = ?1 AND seq = ?2", p, 2,
                   &a, "reading events", err);
    if (code) return code;
    bool in = a.nrows == 1 && (uint32_t)ival(&a, 0, 0) == crc;
    act__dqans_free(&a);
    if (in) continue;
    code = why_refused(s, w, ACT_JOURNAL_ECONFLICT, err);
    if (code != ACT_JOURNAL_EFENCED && code != ACT_JOURNAL_ECONFLICT) return code;
    w->status = code;
  }
  return ACT_JOURNAL_OK;
}

/* The event writes g[0, n) (rows events in all) in ONE statement: each
 * row is inserted only if its pid's fence is its write's epoch and the
 * pid's highest seq is still what it was before the group's first write
 * of it, both read before any row goes in (SQLite materialises a SELECT
 * that reads the table it inserts into), so each pid's writes go in
 * whole or not at all. A seq another writer took meanwhile fails the
 * whole statement: then each write is tried alone. */
static int write_group(dq_journal *s, act_journal_write_t **g, size_t n, size_t rows,
                       act_journal_err_t *err) {
  if (n == 1) return write_events(s, g[0], err);
  s->sql_len = 0;
  bool ok = params_room(s, rows) &&
            sql_add(s, "INSERT INTO act_journal_events(pid, seq, type, crc, data) SELECT "
                       "v.column1, v.column2, v.column3, v.column4, v.column5 FROM (VALUES ");
  size_t k = 0;
  for (size_t i = 0; ok && i < n; i++) {
    act_journal_write_t *w = g[i];
    const char *pid = w->pid ? w->pid : "";
    int64_t base = w->seq - 1;   /* the pid's head before the group's first write of it */
    for (size_t q = i; q-- > 0;)
      if (same_pid(g[q], w)) base = g[q]->seq - 1;
    for (size_t e = 0; ok && e < w->nevents; e++, k++) {
      const act_journal_event_t *ev = &w->events[e];
      int64_t seq = w->seq + (int64_t)e;
      int64_t tid = act__jtypes_find(&s->types, ACT_JOURNAL_EVENT, ev->type)->id;
      uint32_t crc = act__jrec_crc(ev->data ? ev->data : "", ev->len, seq, 0, pid, w->pid_len,
                                   (uint64_t)tid);
      s->params[k] = blob(ev->data, ev->len);
      ok = sql_add(s, "%s(", k ? ", " : "") && sql_pid(s, pid, w->pid_len) &&
           sql_add(s, ", %" PRId64 ", %" PRId64 ", %" PRIu32 ", ?%zu, %" PRId64 ", %" PRId64 ")",
                   seq, tid, crc, k + 1, w->epoch, base);
    }
  }
  ok = ok && sql_add(s, ") AS v WHERE coalesce((SELECT f.epoch FROM act_journal_fences f WHERE "
                        "f.pid = v.column1), 0) = v.column6 AND coalesce((SELECT max(e.seq) "
                        "FROM act_journal_events e WHERE e.pid = v.column1), 0) = v.column7");
  if (!ok) return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
  act_dqans_t a;
  act__dqcall(s->c, 0, s->sql, s->params, (int)rows, &a);
  int code = ACT_JOURNAL_OK;
  if (!a.ok && IS_CONSTRAINT(a.code)) {
    for (size_t i = 0; i < n && code == ACT_JOURNAL_OK; i++) code = write_events(s, g[i], err);
  } else if (!a.ok) {
    code = dq_fail(s, err, &a, "appending events");
  } else if (a.changes != rows) {
    code = group_statuses(s, g, n, err);
  }
  act__dqans_free(&a);
  return code;
}

/* A snapshot, under its fence and only of events that exist; then all but
 * the two newest of its pid go. */
static int write_snapshot(dq_journal *s, act_journal_write_t *w, act_journal_err_t *err) {
  if (!act__jwrite_ok(&s->types, w)) return ACT_JOURNAL_OK;
  act__jtype_t *t = act__jtypes_find(&s->types, ACT_JOURNAL_STATE, w->type);
  const char *pid = w->pid ? w->pid : "";
  act_dq_val_t p[7] = {
      blob(pid, w->pid_len),
      act__dq_int(w->epoch),
      act__dq_int(w->seq),
      act__dq_int(t->id),
      act__dq_int((int64_t)t->fp),
      act__dq_int(act__jrec_crc(w->data ? w->data : "", w->len, w->seq, 0, pid, w->pid_len,
                                t->fp ^ (uint64_t)t->id)),
      blob(w->data, w->len)};
  act_dqans_t a;
  int code = run(s, 0,
                 "INSERT INTO act_journal_snapshots(pid, seq, type, fingerprint, crc, data) "
                 "SELECT ?1, ?3, ?4, ?5, ?6, ?7 WHERE " FENCE_OF_1 " = ?2 AND " HEAD_OF_1
                 " >= ?3 ON CONFLICT (pid, seq) DO UPDATE SET type = excluded.type, "
                 "fingerprint = excluded.fingerprint, crc = excluded.crc, data = excluded.data",
                 p, 7, &a, "saving a snapshot", err);
  if (code) return code;
  uint64_t changed = a.changes;
  act__dqans_free(&a);
  if (changed == 0) {   /* a snapshot covers events that exist */
    code = why_refused(s, w, ACT_JOURNAL_EINVAL, err);
    if (code != ACT_JOURNAL_EFENCED && code != ACT_JOURNAL_EINVAL) return code;
    w->status = code;
    return ACT_JOURNAL_OK;
  }
  code = run(s, 0,
             "DELETE FROM act_journal_snapshots WHERE pid = ?1 AND seq < (SELECT seq FROM "
             "act_journal_snapshots WHERE pid = ?1 ORDER BY seq DESC LIMIT 1 OFFSET 1)",
             p, 1, &a, "removing old snapshots", err);
  if (code) return code;
  act__dqans_free(&a);
  return ACT_JOURNAL_OK;
}

static int dq_append(act_journal_t *j, act_journal_write_t *const *ws, size_t n,
                     act_journal_err_t *err) {
  dq_journal *s = (dq_journal *)j;
  act__jerr_ok(err);
  for (size_t i = 0; i < n; i++) ws[i]->status = ACT_JOURNAL_OK;
  act_journal_write_t **g = n ? malloc(n * sizeof *g) : NULL;
  if (n && g == NULL) {
    for (size_t i = 0; i < n; i++) ws[i]->status = ACT_JOURNAL_EIO;
    return act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", s->where);
  }
  pthread_mutex_lock(&s->wmu);
  size_t ng = 0, rows = 0, i = 0;
  int code = ACT_JOURNAL_OK;
  /* Event writes gather in g until one cannot join; a snapshot waits for
   * the events before it, so the group is written first. */
  for (; i <= n && code == ACT_JOURNAL_OK; i++) {
    act_journal_write_t *w = i < n ? ws[i] : NULL;
    bool event = w && w->kind == ACT_JOURNAL_W_EVENTS;
    if (event && !act__jwrite_ok(&s->types, w)) continue;   /* refused: its status says so */
    if (event && w->nevents == 0) continue;
    if (ng && !(event && joins(g, ng, rows, w))) {
      code = write_group(s, g, ng, rows, err);
      for (size_t k = 0; code && k < ng; k++)
        if (g[k]->status == ACT_JOURNAL_OK) g[k]->status = code;
      ng = rows = 0;
      if (code) break;
    }
    if (w == NULL) break;
    if (event) {
      g[ng++] = w;
      rows += w->nevents;
      if (rows > ROWS) {   /* alone, too long for one statement */
        code = write_events(s, w, err);
        ng = rows = 0;
      }
    } else if (w->kind == ACT_JOURNAL_W_SNAPSHOT) {
      code = write_snapshot(s, w, err);
    } else if (w->kind != ACT_JOURNAL_W_BARRIER) {
      w->status = ACT_JOURNAL_EINVAL;
    }
  }
  pthread_mutex_unlock(&s->wmu);
  free(g);
  /* The store failed: the outcome of the writes in flight is unknown, and
   * the rest were not tried (they would most likely fail the same way);
   * those committed before stay OK. */
  for (size_t k = i; code != ACT_JOURNAL_OK && k < n; k++)
    if (ws[k]->status == ACT_JOURNAL_OK) ws[k]->status = code;
  return code;
}

static int dq_save_snapshot(act_journal_t *j, const char *pid, size_t pid_len, int64_t seq,
                            const char *type, const void *data, size_t len,
                            act_journal_err_t *err) {
  return act__jsave_snapshot(j, &((dq_journal *)j)->types, pid, pid_len, seq, type, data, len,
                             err);
}

static int dq_fence(act_journal_t *j, const char *pid, size_t pid_len, int64_t epoch,
                    act_journal_err_t *err) {
  dq_journal *s = (dq_journal *)j;
  char pb[96];
  act__jerr_ok(err);
  if (epoch < 1 || (!pid && pid_len))
    return act__jerr(err, ACT_JOURNAL_EINVAL, "journal %s: a fence needs an epoch of 1 or more",
                     s->where);
  act_dq_val_t p[2] = {blob(pid, pid_len), act__dq_int(epoch)};
  act_dqans_t a;
  int code = run(s, 0,
                 "INSERT INTO act_journal_fences(pid, epoch) VALUES (?1, ?2) ON CONFLICT (pid) "
                 "DO UPDATE SET epoch = excluded.epoch WHERE act_journal_fences.epoch <= excluded.epoch",
                 p, 2, &a, "fencing", err);
  if (code) return code;
  uint64_t changed = a.changes;
  act__dqans_free(&a);
  if (changed == 1) return ACT_JOURNAL_OK;
  if ((code = run(s, 1, "SELECT " FENCE_OF_1, p, 1, &a, "fencing", err))) return code;
  int64_t now = a.nrows == 1 ? ival(&a, 0, 0) : 0;
  act__dqans_free(&a);
  if (now <= epoch) return ACT_JOURNAL_OK;
  return act__jerr(err, ACT_JOURNAL_EFENCED,
                   "journal %s: `%s` is fenced at epoch %" PRId64 ", newer than this owner's %"
                   PRId64 ": another node owns it now",
                   s->where, act__jpid(pb, sizeof pb, pid, pid_len), now, epoch);
}

/* ---- reading ---- */

static int dq_replay(act_journal_t *j, const char *pid, size_t pid_len, int64_t from, int64_t to,
                     act_journal_event_fn fn, void *arg, act_journal_err_t *err) {
  dq_journal *s = (dq_journal *)j;
  char pb[96];
  act__jerr_ok(err);
  if (to < 0) to = INT64_MAX;
  if (from < 1) from = 1;
  int64_t next = from;
  int code = ACT_JOURNAL_OK;
  bool more = true;
  while (more && code == ACT_JOURNAL_OK && next <= to) {
    act_dq_val_t p[3] = {blob(pid, pid_len), act__dq_int(next), act__dq_int(to)};
    act_dqans_t a;
    code = run(s, 1,
               "SELECT seq, type, crc, data FROM act_journal_events WHERE pid = ?1 AND "
               "seq >= ?2 AND seq <= ?3 ORDER BY seq LIMIT 1000",
               p, 3, &a, "reading events", err);
    if (code) break;
    more = a.nrows == DQ_PAGE;
    for (size_t i = 0; i < a.nrows && code == ACT_JOURNAL_OK; i++) {
      int64_t seq = ival(&a, i, 0), tid = ival(&a, i, 1);
      uint32_t crc = (uint32_t)ival(&a, i, 2);
      const act_dq_val_t *d = val(&a, i, 3);
      const char *data = d->type == ACT_DQ_BLOB ? d->s : "";
      size_t len = d->type == ACT_DQ_BLOB ? d->n : 0;
      const act__jtype_t *t;
      if (seq != next)
        code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: event %lld of `%s` is missing", s->where,
                         (long long)next, act__jpid(pb, sizeof pb, pid, pid_len));
      else if (d->type != ACT_DQ_BLOB ||
               act__jrec_crc(data, len, seq, 0, pid, pid_len, (uint64_t)tid) != crc)
        code = act__jerr(err, ACT_JOURNAL_ECORRUPT,
                         "journal %s is damaged: event %lld of `%s` fails its checksum",
                         s->where, (long long)seq, act__jpid(pb, sizeof pb, pid, pid_len));
      else if ((code = act__jtypes_event(&s->types, tid, s->where, pid, pid_len, seq, &t, err)) ==
               ACT_JOURNAL_OK)
        code = fn(arg, pid, pid_len, seq, t->name, data, len);
      next++;
    }
    act__dqans_free(&a);
  }
  return code;
}

static int dq_load_snapshot(act_journal_t *j, const char *pid, size_t pid_len,
                            act_journal_snapshot_fn fn, void *arg, act_journal_err_t *err) {
  dq_journal *s = (dq_journal *)j;
  act__jerr_ok(err);
  act_dq_val_t p[1] = {blob(pid, pid_len)};
  act_dqans_t a;
  int code = run(s, 1,
                 "SELECT seq, type, fingerprint, crc, data FROM act_journal_snapshots WHERE "
                 "pid = ?1 ORDER BY seq DESC LIMIT 2",
                 p, 1, &a, "reading snapshots", err);
  if (code) return code;
  int damaged = 0;
  code = ACT_JOURNAL_NOTFOUND;
  for (size_t i = 0; i < a.nrows && code == ACT_JOURNAL_NOTFOUND; i++) {
    const act_dq_val_t *d = val(&a, i, 4);
    act__jsnap_t x = {ival(&a, i, 0), ival(&a, i, 1), (uint64_t)ival(&a, i, 2),
                      (uint32_t)ival(&a, i, 3), d->type == ACT_DQ_BLOB ? d->s : "",
                      d->type == ACT_DQ_BLOB ? d->n : 0};
    code = act__jsnap_try(j, &s->types, pid, pid_len, (int)i, &x, fn, arg, &damaged, err);
  }
  act__dqans_free(&a);
  if (code == ACT_JOURNAL_NOTFOUND) code = act__jsnap_none(j, pid, pid_len, damaged, err);
  return code;
}

static int dq_highest_seq(act_journal_t *j, const char *pid, size_t pid_len, int64_t *out,
                          act_journal_err_t *err) {
  dq_journal *s = (dq_journal *)j;
  act__jerr_ok(err);
  *out = 0;
  act_dq_val_t p[1] = {blob(pid, pid_len)};
  act_dqans_t a;
  int code = run(s, 1, "SELECT " HEAD_OF_1, p, 1, &a, "reading the heads", err);
  if (code) return code;
  *out = a.nrows == 1 ? ival(&a, 0, 0) : 0;
  act__dqans_free(&a);
  return ACT_JOURNAL_OK;
}

const act_journal_ops_t act_journal_dqlite_ops = {
    .name = "dqlite",
    .open = dq_open,
    .close = dq_close,
    .append = dq_append,
    .replay = dq_replay,
    .save_snapshot = dq_save_snapshot,
    .load_snapshot = dq_load_snapshot,
    .highest_seq = dq_highest_seq,
    .fence = dq_fence,
};
