/* coord_pg.c: the coordination store in PostgreSQL, through libpq's
 * asynchronous API driven by a uv_poll on the connection's socket — the
 * loop never blocks on the database.
 *
 * One statement is in flight at a time; calls queue behind it in order.
 * Leases are measured by the server's now(), the one clock every node
 * shares (a row is live until `expires`, and may be taken over from
 * `takeover` = expires + margin on); each call is a single statement, so
 * each is atomic, and the
 * conflicting ones (two joins of a name, two claims of a shard) are
 * serialised by the row lock of INSERT ... ON CONFLICT DO UPDATE.
 *
 * A connection that breaks (the server restarted, 57P01, a socket error)
 * is closed and made again on the loop, PG_BACKOFF_MIN_MS after the loss,
 * doubling to PG_BACKOFF_MAX_MS between attempts, so that a restart of
 * the server shorter than a lease is invisible to the lease loop. Queued
 * calls wait for it, each at most PG_WAIT_MS (then ACT_COORD_ERROR: the
 * lease loop's fence timer, not this file, decides when a node stops).
 * The statement in flight when the connection broke has an unknown
 * outcome: it is sent again only where sending it twice gives the answer
 * that sending it once would (AGAIN below), else answered
 * ACT_COORD_ERROR — never success.
 *
 * A server that stops answering without closing (its process stopped, a
 * host gone without a reset) is seen as a broken connection too: a
 * statement that has heard nothing for answer_ms (a quarter of the lease)
 * is given up, its connection closed and made again as above. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "act/cluster.h"
#include "rt/pgparams.h"
#include "rt/rt.h"

enum { Q_SCHEMA, Q_JOIN, Q_RENEW, Q_LEAVE, Q_MEMBERS, Q_REG, Q_LOOKUP, Q_UNREG, Q_CLAIM, Q_OWNER,
       Q_RELEASE, Q_FENCE, Q_APPEND, Q_READ, Q_CLAIMS };

/* Live: the member row of (node, incarnation) has a lease in the future. */
#define LIVE(n, i) \
  "EXISTS (SELECT 1 FROM act_members m WHERE m.node = " n " AND m.incarnation = " i \
  " AND m.expires > now())"
/* Held: not to be taken over yet — until lease + margin after the last
 * renewal (the row's takeover time), as in every backend. */
#define HELD(n, i) \
  "EXISTS (SELECT 1 FROM act_members m WHERE m.node = " n " AND m.incarnation = " i \
  " AND m.takeover > now())"

static const char *const SQL[] = {
    [Q_SCHEMA] =
        "SET client_min_messages = warning; BEGIN; SELECT pg_advisory_xact_lock(7317);"
        "CREATE TABLE IF NOT EXISTS act_members (node text PRIMARY KEY, incarnation bigint NOT "
        "NULL, addr text NOT NULL, expires timestamptz NOT NULL, takeover timestamptz NOT NULL);"
        "CREATE TABLE IF NOT EXISTS act_names (name text PRIMARY KEY, node text NOT NULL, "
        "incarnation bigint NOT NULL, actor bigint NOT NULL);"
        "CREATE TABLE IF NOT EXISTS act_shards (shard integer PRIMARY KEY, node text NOT NULL, "
        "incarnation bigint NOT NULL, epoch bigint NOT NULL);"
        "CREATE TABLE IF NOT EXISTS act_heads (key text PRIMARY KEY, epoch bigint NOT NULL);"
        "CREATE TABLE IF NOT EXISTS act_journal (key text NOT NULL, seq bigint NOT NULL, "
        "epoch bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (key, seq)); COMMIT",
    [Q_JOIN] = "INSERT INTO act_members AS r (node, incarnation, addr, expires, takeover) "
               "VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond', "
               "now() + ($4 + $5) * interval '1 millisecond') "
               "ON CONFLICT (node) DO UPDATE SET incarnation = EXCLUDED.incarnation, "
               "addr = EXCLUDED.addr, expires = EXCLUDED.expires, takeover = EXCLUDED.takeover "
               "WHERE r.takeover <= now() OR r.incarnation = EXCLUDED.incarnation RETURNING node",
    [Q_RENEW] = "UPDATE act_members SET expires = now() + $3 * interval '1 millisecond', "
                "takeover = now() + ($3 + $4) * interval '1 millisecond' "
                "WHERE node = $1 AND incarnation = $2 AND expires > now() RETURNING node",
    [Q_LEAVE] = "DELETE FROM act_members WHERE node = $1 AND incarnation = $2",
    [Q_MEMBERS] = "SELECT node, incarnation, addr, "
                  "(extract(epoch FROM expires - now()) * 1000)::bigint FROM act_members "
                  "WHERE expires > now() ORDER BY node",
    /* A row from `ins`: registered; else the live holder: taken; nothing:
     * the caller is not a live member. */
    [Q_REG] = "WITH ins AS (INSERT INTO act_names AS r (name, node, incarnation, actor) "
              "SELECT $1, $2, $3, $4 WHERE " LIVE("$2", "$3") " "
              "ON CONFLICT (name) DO UPDATE SET node = EXCLUDED.node, incarnation = "
              "EXCLUDED.incarnation, actor = EXCLUDED.actor "
              "WHERE NOT " HELD("r.node", "r.incarnation") " OR (r.node = EXCLUDED.node AND "
              "r.incarnation = EXCLUDED.incarnation AND r.actor = EXCLUDED.actor) "
              "RETURNING node, incarnation, actor) "
              "SELECT node, incarnation, actor, 1 FROM ins UNION ALL "
              "SELECT n.node, n.incarnation, n.actor, 0 FROM act_names n WHERE n.name = $1 "
              "AND NOT EXISTS (SELECT 1 FROM ins) AND " LIVE("$2", "$3"),
    [Q_LOOKUP] = "SELECT n.node, n.incarnation, n.actor FROM act_names n WHERE n.name = $1 AND "
                 LIVE("n.node", "n.incarnation"),
    [Q_UNREG] = "DELETE FROM act_names WHERE name = $1 AND node = $2 AND incarnation = $3 AND "
                "actor = $4 RETURNING name",
    [Q_CLAIM] = "WITH up AS (INSERT INTO act_shards AS s (shard, node, incarnation, epoch) "
                "SELECT $1, $2, $3, 1 WHERE " LIVE("$2", "$3") " "
                "ON CONFLICT (shard) DO UPDATE SET node = EXCLUDED.node, incarnation = "
                "EXCLUDED.incarnation, epoch = CASE WHEN s.node = EXCLUDED.node AND "
                "s.incarnation = EXCLUDED.incarnation THEN s.epoch ELSE s.epoch + 1 END "
                "WHERE (s.node = EXCLUDED.node AND s.incarnation = EXCLUDED.incarnation) OR NOT "
                HELD("s.node", "s.incarnation") " RETURNING node, incarnation, epoch) "
                "SELECT node, incarnation, epoch, 1 FROM up UNION ALL "
                "SELECT s.node, s.incarnation, s.epoch, 0 FROM act_shards s WHERE s.shard = $1 "
                "AND NOT EXISTS (SELECT 1 FROM up) AND " LIVE("$2", "$3"),
    /* Q_CLAIM for many shards in one statement: the shards, claimants and
     * incarnations as three arrays; a row per shard written, or per shard
     * left as it was (its holder, 0, and the ms until its takeover time),
     * none for a claimant that is no live member. Each row is decided under
     * its own row lock, as in Q_CLAIM. */
    [Q_CLAIMS] = "WITH q AS (SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[]) AS q(shard, node, incarnation)), "
                 "up AS (INSERT INTO act_shards AS s (shard, node, incarnation, epoch) "
                 "SELECT q.shard, q.node, q.incarnation, 1 FROM q WHERE " LIVE("q.node", "q.incarnation") " "
                 "ON CONFLICT (shard) DO UPDATE SET node = EXCLUDED.node, incarnation = "
                 "EXCLUDED.incarnation, epoch = CASE WHEN s.node = EXCLUDED.node AND "
                 "s.incarnation = EXCLUDED.incarnation THEN s.epoch ELSE s.epoch + 1 END "
                 "WHERE (s.node = EXCLUDED.node AND s.incarnation = EXCLUDED.incarnation) OR NOT "
                 HELD("s.node", "s.incarnation") " RETURNING shard, node, incarnation, epoch) "
                 "SELECT shard, node, incarnation, epoch, 1, -1::bigint FROM up UNION ALL "
                 "SELECT s.shard, s.node, s.incarnation, s.epoch, 0, COALESCE((SELECT (extract(epoch FROM "
                 "m.takeover - now()) * 1000)::bigint FROM act_members m WHERE m.node = s.node AND "
                 "m.incarnation = s.incarnation), -1) FROM act_shards s JOIN q ON s.shard = q.shard "
                 "WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.shard = s.shard) AND " LIVE("q.node", "q.incarnation"),
    [Q_OWNER] = "SELECT s.node, s.incarnation, s.epoch, CASE WHEN s.node <> '' AND "
                LIVE("s.node", "s.incarnation") " THEN 1 ELSE 0 END FROM act_shards s "
                "WHERE s.shard = $1",
    /* The row stays, with its epoch, so the next claim still raises it. */
    [Q_RELEASE] = "UPDATE act_shards SET node = '', incarnation = 0 WHERE shard = $1 AND "
                  "node = $2 AND incarnation = $3 RETURNING shard",
    /* The head's epoch after the call: raised to $2, or already past it. */
    [Q_FENCE] = "WITH up AS (INSERT INTO act_heads AS h (key, epoch) VALUES ($1, $2) "
                "ON CONFLICT (key) DO UPDATE SET epoch = EXCLUDED.epoch "
                "WHERE h.epoch < EXCLUDED.epoch RETURNING epoch) "
                "SELECT epoch FROM up UNION ALL SELECT epoch FROM act_heads WHERE key = $1 "
                "AND NOT EXISTS (SELECT 1 FROM up)",
    /* FOR SHARE waits for a fence in progress and then reads the epoch it
     * committed, so an append and a fence of the same key are ordered. */
    [Q_APPEND] = "WITH h AS (SELECT epoch FROM act_heads WHERE key = $1 FOR SHARE), "
                 "ins AS (INSERT INTO act_journal (key, seq, epoch, data) "
                 "SELECT $1, $2, $3, $4::bytea FROM h WHERE h.epoch = $3 "
                 "ON CONFLICT DO NOTHING RETURNING 1) "
                 "SELECT (SELECT count(*) FROM ins), COALESCE((SELECT epoch FROM h), 0)",
    [Q_READ] = "SELECT seq, epoch, data FROM act_journal WHERE key = $1 AND seq > $2 "
               "ORDER BY seq LIMIT 1000",
};

/* Sent again after the connection broke with it in flight (committed or
 * not, unknown): a second run finds its own first one and answers the
 * same — join and renew by the same incarnation, register of the same
 * actor, a claim (or a batch of them) of the same owner (its epoch
 * unchanged), a fence to the same epoch, deletes without RETURNING,
 * reads. Not so: unregister and
 * release (RETURNING: the second finds nothing, NOTFOUND) and append (the
 * second finds its own row, TAKEN); those are answered ACT_COORD_ERROR. */
static const unsigned char AGAIN[] = {
    [Q_SCHEMA] = 1, [Q_JOIN] = 1,  [Q_RENEW] = 1, [Q_LEAVE] = 1, [Q_MEMBERS] = 1, [Q_REG] = 1,
    [Q_LOOKUP] = 1, [Q_CLAIM] = 1, [Q_OWNER] = 1, [Q_FENCE] = 1, [Q_READ] = 1, [Q_CLAIMS] = 1,
};

/* Reconnection. A call waits for a connection at most PG_WAIT_MS (as the
 * dqlite client's ACT_DQ_WAIT_MS); attempts start PG_BACKOFF_MIN_MS after
 * a loss and double to PG_BACKOFF_MAX_MS; an attempt that has not
 * connected within PG_ATTEMPT_MS (a host that does not answer) is given up. */
#define PG_WAIT_MS 3000
#define PG_BACKOFF_MIN_MS 50
#define PG_BACKOFF_MAX_MS 500
#define PG_ATTEMPT_MS 2000

/* A statement in flight that has heard nothing from the server for a
 * quarter of the lease (that of the last join or renewal; before any, the
 * default 10 s lease's) is taken for a broken connection. A quarter: a
 * renewal sent into such a connection, given up and sent again on a new
 * one, is answered within lease/3 (the renewal's period) + lease/4 + the
 * reconnection, before the fence at 4/5 of the lease, with a margin of
 * about a fifth of the lease for the new connection. Never under
 * PG_ANSWER_MIN_MS, so that a statement a loaded server takes some time
 * for is not given up and sent again without end. */
#define PG_ANSWER_MIN_MS 500
#define PG_ANSWER_FIRST_MS 2500
static int answer_ms_for(int64_t lease_ms) {
  int64_t q = lease_ms / 4;
  return q < PG_ANSWER_MIN_MS ? PG_ANSWER_MIN_MS : q > INT_MAX ? INT_MAX : (int)q;
}

#define MAXP 5

typedef struct req {
  struct req *next;
  int kind;
  uint64_t epoch;       /* fence, append: the caller's */
  int again;            /* register, claim: sent a second time */
  uint64_t deadline;    /* ms: answered ACT_COORD_ERROR if still unsent, with no connection */
  act_coord_claim_t *cl;   /* claims: the shards, answered in place */
  size_t ncl;
  int nparams;
  char *params[MAXP];   /* malloc'd text */
  act_coord_cb cb;
  void *arg;
} req_t;

typedef struct pg {
  act_coord_t base;
  uv_loop_t *loop;
  char *url;
  PGconn *conn;        /* NULL between a loss and the next attempt */
  uv_poll_t *poll;     /* on PQsocket(conn); replaced if libpq changes sockets */
  uv_timer_t *timer;   /* the next attempt, an attempt's end, a waiting call's deadline */
  int fd, connected, closing;
  int ever;            /* was connected once: later connections are logged */
  uint64_t lost_at;    /* ms: when the connection broke (0: not broken) */
  uint64_t retry_at;   /* ms: the next attempt (conn == NULL) or when this one ends */
  int backoff_ms;
  int answer_ms;       /* a statement that hears nothing this long: the connection is dropped */
  uint64_t heard_at;   /* ms: the statement in flight was sent or last heard from */
  char error[256];
  req_t *head, *tail;  /* head is in flight once sent */
  int sent;
  PGresult *last;      /* the last result of the statement in flight */
} pg_t;

static void on_poll(uv_poll_t *h, int status, int events);
static void on_timer(uv_timer_t *t);

static uint64_t now_ms(void) { return uv_hrtime() / 1000000u; }

static void free_handle(uv_handle_t *h) { free(h); }

static void unwatch(pg_t *p) {
  if (p->poll == NULL) return;
  uv_poll_stop(p->poll);
  uv_close((uv_handle_t *)p->poll, free_handle);
  p->poll = NULL;
}

static void watch(pg_t *p, int events) {
  int fd = PQsocket(p->conn);
  if (p->poll && fd != p->fd) unwatch(p);   /* libpq moved to another socket */
  if (fd < 0) return;
  if (p->poll == NULL) {
    p->poll = malloc(sizeof *p->poll);
    if (p->poll == NULL || uv_poll_init(p->loop, p->poll, fd) != 0) {
      free(p->poll);
      p->poll = NULL;
      return;
    }
    p->poll->data = p;
    p->fd = fd;
  }
  uv_poll_start(p->poll, events, on_poll);
}

static void answer(req_t *r, act_coord_result_t *res) {
  if (r->cb) r->cb(r->arg, res);
  for (int i = 0; i < r->nparams; i++) free(r->params[i]);
  free(r->cl);
  free(r);
}

/* p->error: "coordination store: " and libpq's first line (the rest is
 * detail: CONTEXT, hints). */
static void set_error(pg_t *p, const char *why) {
  snprintf(p->error, sizeof p->error, "coordination store: %s", why);
  p->error[strcspn(p->error, "\n")] = 0;
}

/* Takes r out of the queue (not the one in flight). */
static void unlink_req(pg_t *p, req_t *r) {
  req_t **at = &p->head, *prev = NULL;
  while (*at != r) prev = *at, at = &(*at)->next;
  *at = r->next;
  if (p->tail == r) p->tail = prev;
}

/* With no connection: the calls past their deadline are answered with the
 * last error (the schema waits for as long as the store is open). */
static void expire(pg_t *p) {
  uint64_t now = now_ms();
  for (;;) {
    req_t *r = p->head;
    while (r && (r->kind == Q_SCHEMA || r->deadline > now)) r = r->next;
    if (r == NULL) return;
    unlink_req(p, r);
    char why[400];
    snprintf(why, sizeof why, "coordination store: no connection to PostgreSQL within %d ms (%s)",
             PG_WAIT_MS, p->error + strlen("coordination store: "));
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = why};
    answer(r, &res);
  }
}

/* The timer's next moment: an attempt's start or end, or the first
 * deadline of a waiting call; while connected, when the statement in
 * flight will have heard nothing for answer_ms (on_poll only moves
 * heard_at: the timer, when it fires early, is set again from it). */
static void rearm(pg_t *p) {
  if (p->closing) return;
  if (p->connected) {
    if (!p->sent) {
      uv_timer_stop(p->timer);
      return;
    }
    uint64_t at = p->heard_at + (uint64_t)p->answer_ms, now = now_ms();
    uv_timer_start(p->timer, on_timer, at > now ? at - now : 0, 0);
    return;
  }
  uint64_t at = p->retry_at;
  for (req_t *r = p->head; r; r = r->next)
    if (r->kind != Q_SCHEMA && r->deadline < at) at = r->deadline;
  uint64_t now = now_ms();
  uv_timer_start(p->timer, on_timer, at > now ? at - now : 0, 0);
}

/* One attempt to connect, driven by on_poll through PQconnectPoll. */
static void attempt(pg_t *p) {
  const char *keys[ACT_PG_NPARAMS + 1], *vals[ACT_PG_NPARAMS + 1];
  act__pg_params(p->url, keys, vals);
  p->conn = PQconnectStartParams(keys, vals, 1);
  p->retry_at = now_ms() + PG_ATTEMPT_MS;
  if (p->conn == NULL || PQstatus(p->conn) == CONNECTION_BAD) {
    set_error(p, p->conn ? PQerrorMessage(p->conn) : "out of memory");
    PQfinish(p->conn);
    p->conn = NULL;
    p->retry_at = now_ms() + (uint64_t)p->backoff_ms;
    if (p->backoff_ms < PG_BACKOFF_MAX_MS) p->backoff_ms *= 2;
    return;
  }
  watch(p, UV_WRITABLE);   /* libpq's rule: start by waiting to write */
}

/* The connection broke, or an attempt failed: close it and try again
 * after the backoff. The statement in flight has an unknown outcome: sent
 * again only if AGAIN says it may be, else answered ACT_COORD_ERROR. */
static void lost(pg_t *p, const char *why) {
  uint64_t now = now_ms();
  set_error(p, why);
  if (p->connected) {
    /* Each queued call gets its full wait from now on. */
    for (req_t *r = p->head; r; r = r->next) r->deadline = now + PG_WAIT_MS;
    p->lost_at = now;
    p->backoff_ms = PG_BACKOFF_MIN_MS;
    act__logf("act: cluster: the coordination store's connection broke (%s); connecting again\n",
              p->error + strlen("coordination store: "));
  }
  unwatch(p);   /* before PQfinish closes the socket it watches */
  PQclear(p->last);
  p->last = NULL;
  PQfinish(p->conn);
  p->conn = NULL;
  p->connected = 0;
  p->retry_at = now + (uint64_t)p->backoff_ms;
  if (p->backoff_ms < PG_BACKOFF_MAX_MS) p->backoff_ms *= 2;
  if (p->sent) {
    p->sent = 0;
    req_t *r = p->head;
    if (!AGAIN[r->kind]) {
      unlink_req(p, r);
      char e[400];
      snprintf(e, sizeof e, "coordination store: the connection broke with the statement in "
               "flight, whose outcome is unknown (%s)", p->error + strlen("coordination store: "));
      act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = e};
      answer(r, &res);
    }
  }
  expire(p);
  rearm(p);
}

static int readable_now(int fd) {
  struct pollfd q = {fd, POLLIN, 0};
  return fd >= 0 && poll(&q, 1, 0) > 0;
}

static void on_timer(uv_timer_t *t) {
  pg_t *p = t->data;
  if (p->closing) return;
  if (p->connected) {
    /* Timers run before the loop reads its sockets: an answer that came
     * while this process was not scheduled (a loaded machine, a pause) is
     * not silence; on_poll reads it in this same turn of the loop. */
    if (p->sent && readable_now(PQsocket(p->conn))) p->heard_at = now_ms();
    if (p->sent && now_ms() - p->heard_at >= (uint64_t)p->answer_ms) {
      char why[96];
      snprintf(why, sizeof why, "no answer to a statement within %d ms: the connection is dropped",
               p->answer_ms);
      lost(p, why);
    } else {
      rearm(p);
    }
    return;
  }
  expire(p);
  if (now_ms() >= p->retry_at && p->conn == NULL) {
    attempt(p);
  } else if (now_ms() >= p->retry_at) {   /* the attempt in progress took too long */
    char why[64];
    snprintf(why, sizeof why, "no connection within %d ms", PG_ATTEMPT_MS);
    lost(p, why);
  }
  rearm(p);
}

/* A failed statement that says the connection is gone (the server shut
 * down: 57P01..57P03; class 08: connection exceptions). */
static int connection_gone(pg_t *p, const PGresult *res) {
  if (PQstatus(p->conn) != CONNECTION_OK) return 1;
  const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  return st && (strncmp(st, "57P0", 4) == 0 || strncmp(st, "08", 2) == 0);
}

static uint64_t u64(const PGresult *r, int row, int col) {
  return (uint64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void owner(const PGresult *r, int row, act_coord_owner_t *o) {
  snprintf(o->node, sizeof o->node, "%s", PQgetvalue(r, row, 0));
  o->incarnation = u64(r, row, 1);
  o->actor = u64(r, row, 2);
}

/* Journal entries from (seq, epoch, data as bytea text). */
static int read_entries(const PGresult *res, int rows, act_coord_result_t *out,
                        act_coord_entry_t **entries) {
  act_coord_entry_t *e = calloc(rows ? (size_t)rows : 1, sizeof *e);
  if (e == NULL) return -1;
  *entries = e;
  for (int i = 0; i < rows; i++) {
    e[i].seq = u64(res, i, 0);
    e[i].epoch = u64(res, i, 1);
    e[i].data = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 2), &e[i].len);
    out->nentries = (size_t)i + 1;
    if (e[i].data == NULL) return -1;
  }
  out->entries = e;
  return 0;
}

/* Q_CLAIMS' rows into its claims. A shard without a row, its claimant
 * live, was written by another claim that committed after the
 * statement's snapshot (as for Q_CLAIM): the statement runs once more,
 * and then a shard without a row has a claimant that is no member.
 * 1: sent again. */
static int claims_rows(pg_t *p, req_t *r, PGresult *res, int rows) {
  int missing = 0;
  for (size_t i = 0; i < r->ncl; i++) {
    act_coord_claim_t *cl = &r->cl[i];
    cl->status = ACT_COORD_LOST;
    cl->takeover_ms = -1;
    for (int k = 0; k < rows; k++) {
      if ((uint32_t)u64(res, k, 0) != cl->shard) continue;
      snprintf(cl->owner.node, sizeof cl->owner.node, "%s", PQgetvalue(res, k, 1));
      cl->owner.incarnation = u64(res, k, 2);
      cl->epoch = u64(res, k, 3);
      cl->status = strcmp(PQgetvalue(res, k, 4), "1") == 0 ? ACT_COORD_OK : ACT_COORD_TAKEN;
      cl->takeover_ms = (int64_t)u64(res, k, 5);
    }
    missing += cl->status == ACT_COORD_LOST;
  }
  if (!missing || r->again) return 0;
  r->again = 1;
  r->next = p->head;
  p->head = r;
  if (p->tail == NULL) p->tail = r;
  PQclear(res);
  return 1;
}

/* The statement in flight is over: turn its rows into the answer. */
static void finish(pg_t *p) {
  req_t *r = p->head;
  p->head = r->next;
  if (p->head == NULL) p->tail = NULL;
  p->sent = 0;
  PGresult *res = p->last;
  p->last = NULL;
  act_coord_result_t out = {.status = ACT_COORD_OK};
  act_coord_member_t *members = NULL;
  act_coord_entry_t *entries = NULL;
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  int rows = res ? PQntuples(res) : 0;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    snprintf(p->error, sizeof p->error, "coordination store: %s",
             res ? PQresultErrorMessage(res) : PQerrorMessage(p->conn));
    size_t n = strlen(p->error);
    while (n && p->error[n - 1] == '\n') p->error[--n] = 0;
    out.status = ACT_COORD_ERROR;
    out.error = p->error;
  } else {
    switch (r->kind) {
    case Q_JOIN: out.status = rows ? ACT_COORD_OK : ACT_COORD_TAKEN; break;
    case Q_RENEW: out.status = rows ? ACT_COORD_OK : ACT_COORD_LOST; break;
    case Q_UNREG: out.status = rows ? ACT_COORD_OK : ACT_COORD_NOTFOUND; break;
    case Q_LOOKUP:
      out.status = rows ? ACT_COORD_OK : ACT_COORD_NOTFOUND;
      if (rows) owner(res, 0, &out.owner);
      break;
    case Q_REG:
    case Q_CLAIM:
      if (rows == 0 && !r->again) {
        /* Nothing written and no holder in the statement's snapshot: the
         * holder may have committed after the snapshot was taken (ON
         * CONFLICT saw it, the SELECT could not). Once more, with a new
         * snapshot; an empty answer then means the caller is no member. */
        r->again = 1;
        r->next = p->head;
        p->head = r;
        if (p->tail == NULL) p->tail = r;
        PQclear(res);
        return;
      }
      if (rows == 0) {
        out.status = ACT_COORD_LOST;
        break;
      }
      owner(res, 0, &out.owner);
      if (r->kind == Q_CLAIM) out.epoch = out.owner.actor, out.owner.actor = 0;
      out.status = strcmp(PQgetvalue(res, 0, 3), "1") == 0 ? ACT_COORD_OK : ACT_COORD_TAKEN;
      break;
    case Q_CLAIMS:
      if (claims_rows(p, r, res, rows)) return;   /* sent once more */
      out.claims = r->cl;
      out.nclaims = r->ncl;
      break;
    case Q_RELEASE: out.status = rows ? ACT_COORD_OK : ACT_COORD_NOTFOUND; break;
    case Q_OWNER:
      out.status = ACT_COORD_NOTFOUND;
      if (rows == 0) break;
      owner(res, 0, &out.owner);
      out.epoch = out.owner.actor, out.owner.actor = 0;
      if (strcmp(PQgetvalue(res, 0, 3), "1") == 0) out.status = ACT_COORD_OK;
      break;
    case Q_FENCE:
      out.epoch = rows ? u64(res, 0, 0) : 0;
      out.status = out.epoch == r->epoch ? ACT_COORD_OK : ACT_COORD_LOST;
      break;
    case Q_APPEND:
      out.epoch = rows ? u64(res, 0, 1) : 0;
      out.status = rows && u64(res, 0, 0) == 1 ? ACT_COORD_OK
                   : out.epoch != r->epoch    ? ACT_COORD_LOST
                                              : ACT_COORD_TAKEN;
      if (out.status != ACT_COORD_LOST) out.epoch = r->epoch;
      break;
    case Q_READ:
      if (read_entries(res, rows, &out, &entries) != 0) {
        out.status = ACT_COORD_ERROR;
        out.error = "coordination store: a journal entry that does not decode";
      }
      break;
    case Q_MEMBERS:
      members = calloc(rows ? (size_t)rows : 1, sizeof *members);
      if (members == NULL) {
        out.status = ACT_COORD_ERROR;
        out.error = "coordination store: out of memory";
        break;
      }
      for (int i = 0; i < rows; i++) {
        snprintf(members[i].node, sizeof members[i].node, "%s", PQgetvalue(res, i, 0));
        members[i].incarnation = u64(res, i, 1);
        snprintf(members[i].addr, sizeof members[i].addr, "%s", PQgetvalue(res, i, 2));
        members[i].lease_left_ms = (int64_t)u64(res, i, 3);
      }
      out.members = members;
      out.nmembers = (size_t)rows;
      break;
    default: break;
    }
  }
  answer(r, &out);
  if (entries)
    for (size_t i = 0; i < out.nentries; i++) PQfreemem((void *)entries[i].data);
  free(entries);
  PQclear(res);
  free(members);
}

static void send_next(pg_t *p) {
  if (!p->connected || p->sent || p->head == NULL || p->closing) return;
  req_t *r = p->head;
  int ok;
  if (r->kind == Q_SCHEMA) {
    ok = PQsendQuery(p->conn, SQL[r->kind]);
  } else {
    const char *v[MAXP];
    for (int i = 0; i < r->nparams; i++) v[i] = r->params[i];
    ok = PQsendQueryParams(p->conn, SQL[r->kind], r->nparams, NULL, v, NULL, NULL, 0);
  }
  if (!ok) {   /* nothing was sent: the call waits for the next connection */
    lost(p, PQerrorMessage(p->conn));
    return;
  }
  p->sent = 1;
  p->heard_at = now_ms();
  watch(p, UV_READABLE | (PQflush(p->conn) == 1 ? UV_WRITABLE : 0));
  rearm(p);
}

/* The attempt in progress moves on (on_poll, while not connected). */
static void connecting(pg_t *p) {
  switch (PQconnectPoll(p->conn)) {
  case PGRES_POLLING_READING: watch(p, UV_READABLE); return;
  case PGRES_POLLING_WRITING: watch(p, UV_WRITABLE); return;
  case PGRES_POLLING_FAILED: lost(p, PQerrorMessage(p->conn)); return;
  default: break;
  }
  p->connected = 1;
  p->backoff_ms = PG_BACKOFF_MIN_MS;
  if (p->ever && p->lost_at)
    act__logf("act: cluster: the coordination store is connected again (%llu ms after the "
              "connection broke)\n", (unsigned long long)(now_ms() - p->lost_at));
  p->ever = 1;
  p->lost_at = 0;
  rearm(p);
  PQsetnonblocking(p->conn, 1);
  watch(p, UV_READABLE);
  send_next(p);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  pg_t *p = h->data;
  if (p->closing || p->conn == NULL) return;
  if (status < 0) {
    lost(p, uv_strerror(status));
    return;
  }
  if (!p->connected) {
    connecting(p);
    return;
  }
  if ((events & UV_WRITABLE) && PQflush(p->conn) == 0) watch(p, UV_READABLE);
  if (!(events & UV_READABLE)) return;
  p->heard_at = now_ms();
  if (!PQconsumeInput(p->conn) || PQstatus(p->conn) != CONNECTION_OK) {
    lost(p, PQerrorMessage(p->conn));
    return;
  }
  while (p->sent && !PQisBusy(p->conn)) {
    PGresult *res = PQgetResult(p->conn);
    if (res == NULL) {   /* the statement is over */
      if (p->last && PQresultStatus(p->last) == PGRES_FATAL_ERROR && connection_gone(p, p->last)) {
        char why[256];
        snprintf(why, sizeof why, "%s", PQresultErrorMessage(p->last));
        lost(p, why);
        return;
      }
      finish(p);
      send_next(p);
      if (!p->connected || p->closing) return;
      continue;
    }
    /* A script (the schema) yields several results: keep the first failure, else the last. */
    if (p->last && PQresultStatus(p->last) == PGRES_FATAL_ERROR)
      PQclear(res);
    else {
      PQclear(p->last);
      p->last = res;
    }
  }
}

/* Queues a statement with n text parameters (epoch: the caller's, for
 * fence and append; cl: a batch of claims, answered in place and freed
 * with the request, whatever happens to it); it waits PG_WAIT_MS at most
 * for a connection. */
static void push_cl(pg_t *p, int kind, uint64_t epoch, act_coord_claim_t *cl, size_t ncl,
                    act_coord_cb cb, void *arg, int n, ...) {
  req_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    free(cl);
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
    if (cb) cb(arg, &res);
    return;
  }
  r->cl = cl;
  r->ncl = ncl;
  r->kind = kind;
  r->epoch = epoch;
  r->cb = cb;
  r->arg = arg;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *v = va_arg(ap, const char *);
    r->params[i] = strdup(v);
    r->nparams = i + 1;
    if (r->params[i] == NULL) {
      va_end(ap);
      act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
      answer(r, &res);
      return;
    }
  }
  va_end(ap);
  if (p->closing) {
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: closed"};
    answer(r, &res);
    return;
  }
  r->deadline = now_ms() + PG_WAIT_MS;
  if (p->tail)
    p->tail->next = r;
  else
    p->head = r;
  p->tail = r;
  if (p->connected)
    send_next(p);
  else
    rearm(p);
}
#define push(p, kind, epoch, cb, arg, ...) push_cl(p, kind, epoch, NULL, 0, cb, arg, __VA_ARGS__)

#define NUM(buf, v) (snprintf(buf, sizeof buf, "%" PRId64, (int64_t)(v)), buf)

static act_coord_t *pg_open(struct uv_loop_s *loop, const char *url, char *err, size_t cap) {
  /* A URL libpq cannot parse is refused here; a server that cannot be
   * reached is tried again, like one that went away. */
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(url, &perr);
  if (opts == NULL) {
    snprintf(err, cap, "coordination store %s: %s", "postgres", perr ? perr : "out of memory");
    size_t n = strlen(err);
    while (n && err[n - 1] == '\n') err[--n] = 0;
    PQfreemem(perr);
    return NULL;
  }
  PQconninfoFree(opts);
  pg_t *p = calloc(1, sizeof *p);
  if (p == NULL || (p->url = strdup(url)) == NULL ||
      (p->timer = malloc(sizeof *p->timer)) == NULL) {
    if (p) free(p->url);
    free(p);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  p->base.ops = &act_coord_pg_ops;
  p->loop = loop;
  p->fd = -1;
  p->backoff_ms = PG_BACKOFF_MIN_MS;
  p->answer_ms = PG_ANSWER_FIRST_MS;
  uv_timer_init(loop, p->timer);
  p->timer->data = p;
  push(p, Q_SCHEMA, 0, NULL, NULL, 0);
  attempt(p);
  rearm(p);
  return &p->base;
}

static void pg_close(act_coord_t *c) {
  pg_t *p = (pg_t *)c;
  p->closing = 1;
  p->sent = 0;
  while (p->head) {
    req_t *r = p->head;
    p->head = r->next;
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: closed"};
    answer(r, &res);
  }
  p->tail = NULL;
  unwatch(p);
  uv_timer_stop(p->timer);
  uv_close((uv_handle_t *)p->timer, free_handle);
  PQclear(p->last);
  PQfinish(p->conn);
  free(p->url);
  free(p);
}

static void pg_join(act_coord_t *c, const act_coord_member_t *m, int64_t lease_ms, act_coord_cb cb,
                    void *arg) {
  char inc[24], ms[24], mg[24];
  ((pg_t *)c)->answer_ms = answer_ms_for(lease_ms);
  push((pg_t *)c, Q_JOIN, 0, cb, arg, 5, m->node, NUM(inc, m->incarnation), m->addr, NUM(ms, lease_ms),
       NUM(mg, ACT_COORD_MARGIN(lease_ms)));
}
static void pg_renew(act_coord_t *c, const char *node, uint64_t incarnation, int64_t lease_ms,
                     act_coord_cb cb, void *arg) {
  char inc[24], ms[24], mg[24];
  ((pg_t *)c)->answer_ms = answer_ms_for(lease_ms);
  push((pg_t *)c, Q_RENEW, 0, cb, arg, 4, node, NUM(inc, incarnation), NUM(ms, lease_ms),
       NUM(mg, ACT_COORD_MARGIN(lease_ms)));
}
static void pg_leave(act_coord_t *c, const char *node, uint64_t incarnation, act_coord_cb cb,
                     void *arg) {
  char inc[24];
  push((pg_t *)c, Q_LEAVE, 0, cb, arg, 2, node, NUM(inc, incarnation));
}
static void pg_members(act_coord_t *c, act_coord_cb cb, void *arg) {
  push((pg_t *)c, Q_MEMBERS, 0, cb, arg, 0);
}
static void pg_reg(act_coord_t *c, const char *name, const act_coord_owner_t *o, act_coord_cb cb,
                   void *arg) {
  char inc[24], actor[24];
  push((pg_t *)c, Q_REG, 0, cb, arg, 4, name, o->node, NUM(inc, o->incarnation), NUM(actor, o->actor));
}
static void pg_lookup(act_coord_t *c, const char *name, act_coord_cb cb, void *arg) {
  push((pg_t *)c, Q_LOOKUP, 0, cb, arg, 1, name);
}
static void pg_unreg(act_coord_t *c, const char *name, const act_coord_owner_t *o, act_coord_cb cb,
                     void *arg) {
  char inc[24], actor[24];
  push((pg_t *)c, Q_UNREG, 0, cb, arg, 4, name, o->node, NUM(inc, o->incarnation),
       NUM(actor, o->actor));
}
static void pg_claim(act_coord_t *c, uint32_t shard, const char *node, uint64_t incarnation,
                     act_coord_cb cb, void *arg) {
  char sh[24], inc[24];
  push((pg_t *)c, Q_CLAIM, 0, cb, arg, 3, NUM(sh, shard), node, NUM(inc, incarnation));
}

/* A PostgreSQL array literal of the claimants' names ({"n1","n2"}). */
static char *name_array(const act_coord_claim_t *v, size_t n) {
  char *a = malloc(n * (2 * ACT_NAME_MAX + 4) + 3), *o = a;
  if (a == NULL) return NULL;
  *o++ = '{';
  for (size_t i = 0; i < n; i++) {
    if (i) *o++ = ',';
    *o++ = '"';
    for (const char *s = v[i].for_.node; *s; s++) {
      if (*s == '"' || *s == '\\') *o++ = '\\';
      *o++ = *s;
    }
    *o++ = '"';
  }
  *o++ = '}';
  *o = 0;
  return a;
}

static void pg_claims(act_coord_t *c, const act_coord_claim_t *v, size_t n, act_coord_cb cb,
                      void *arg) {
  char *shards = malloc(n * 12 + 3), *incs = malloc(n * 22 + 3), *names = name_array(v, n);
  act_coord_claim_t *cl = malloc(n * sizeof *cl);
  if (shards == NULL || incs == NULL || names == NULL || cl == NULL) {
    free(shards), free(incs), free(names), free(cl);
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
    if (cb) cb(arg, &res);
    return;
  }
  memcpy(cl, v, n * sizeof *v);
  size_t a = 0, b = 0;
  shards[a++] = '{', incs[b++] = '{';
  for (size_t i = 0; i < n; i++) {
    a += (size_t)sprintf(shards + a, "%s%" PRIu32, i ? "," : "", v[i].shard);
    b += (size_t)sprintf(incs + b, "%s%" PRId64, i ? "," : "", (int64_t)v[i].for_.incarnation);
  }
  strcpy(shards + a, "}"), strcpy(incs + b, "}");
  push_cl((pg_t *)c, Q_CLAIMS, 0, cl, n, cb, arg, 3, shards, names, incs);
  free(shards), free(incs), free(names);
}

static void pg_owner(act_coord_t *c, uint32_t shard, act_coord_cb cb, void *arg) {
  char sh[24];
  push((pg_t *)c, Q_OWNER, 0, cb, arg, 1, NUM(sh, shard));
}
static void pg_release(act_coord_t *c, uint32_t shard, const char *node, uint64_t incarnation,
                       act_coord_cb cb, void *arg) {
  char sh[24], inc[24];
  push((pg_t *)c, Q_RELEASE, 0, cb, arg, 3, NUM(sh, shard), node, NUM(inc, incarnation));
}
static void pg_fence(act_coord_t *c, const char *key, uint64_t epoch, act_coord_cb cb, void *arg) {
  char e[24];
  push((pg_t *)c, Q_FENCE, epoch, cb, arg, 2, key, NUM(e, epoch));
}
static void pg_append(act_coord_t *c, const char *key, uint64_t epoch, uint64_t seq,
                      const void *data, size_t len, act_coord_cb cb, void *arg) {
  /* bytea's text form: \x and two hex digits a byte. */
  char *hex = malloc(2 * len + 3);
  if (hex == NULL) {
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
    if (cb) cb(arg, &res);
    return;
  }
  static const char digits[] = "0123456789abcdef";
  const uint8_t *b = data;
  hex[0] = '\\', hex[1] = 'x';
  for (size_t i = 0; i < len; i++) hex[2 + 2 * i] = digits[b[i] >> 4], hex[3 + 2 * i] = digits[b[i] & 15];
  hex[2 + 2 * len] = 0;
  char e[24], s[24];
  push((pg_t *)c, Q_APPEND, epoch, cb, arg, 4, key, NUM(s, seq), NUM(e, epoch), hex);
  free(hex);
}
static void pg_read(act_coord_t *c, const char *key, uint64_t after, act_coord_cb cb, void *arg) {
  char a[24];
  push((pg_t *)c, Q_READ, 0, cb, arg, 2, key, NUM(a, after));
}

const act_coord_ops_t act_coord_pg_ops = {
    "postgres://", pg_open, pg_close, pg_join, pg_renew, pg_leave, pg_members,
    pg_reg,        pg_lookup, pg_unreg, pg_claim,  pg_owner, pg_release, pg_fence, pg_append, pg_read,
    pg_claims,
};
