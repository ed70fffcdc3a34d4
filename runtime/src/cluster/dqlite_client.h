/* dqlite_client.h: a client of dqlite's wire protocol on a libuv loop.
 *
 * Debian's dqlite 1.11 ships the server only, so the client side is ours:
 * 8-byte-word messages (a header with the body's length in words, the type
 * and a revision), a protocol-version word first, and requests answered in
 * order. The client finds the Raft leader (any server answers "who leads"),
 * opens one database there and runs statements one at a time, in the order
 * they were asked. Writes go through EXEC_SQL (the leader replicates them
 * before answering); reads through QUERY_SQL (behind a Raft barrier, so
 * they see every committed write).
 *
 * Failures: a lost connection or a "not leader" answer fails the statement
 * in flight (its outcome is unknown to us, so it is not retried) and the
 * client looks for the leader again for the statements queued behind it. A
 * statement that finds no leader within ACT_DQ_WAIT_MS, or no answer
 * within ACT_DQ_ANSWER_MS, fails. Every decoder checks lengths first: a
 * malformed answer is an error, never a read past the buffer. */
#ifndef ACT_DQLITE_CLIENT_H
#define ACT_DQLITE_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Writes a copy of p[0..n) to s (freed once written or cancelled); the
 * embedded store's TLS proxy uses it too. -1 if it cannot be queued. */
int act__uv_write_copy(uv_stream_t *s, const void *p, size_t n);

#define ACT_DQ_WAIT_MS 3000
#define ACT_DQ_ANSWER_MS 5000
#define ACT_DQ_SERVERS_MAX 16

enum { ACT_DQ_INT = 1, ACT_DQ_FLOAT = 2, ACT_DQ_TEXT = 3, ACT_DQ_BLOB = 4, ACT_DQ_NULL = 5 };

typedef struct act_dq_val {
  int type;
  int64_t i;
  double f;
  const char *s;   /* TEXT (NUL-terminated) and BLOB */
  size_t n;        /* BLOB length */
} act_dq_val_t;

typedef struct act_dq_res {
  int ok;                      /* 1: done; 0: failed, error says why */
  const char *error;
  uint64_t code;               /* the server's error code, 0 for ours */
  uint64_t changes;            /* exec: rows changed */
  size_t ncols, nrows;
  const act_dq_val_t *v;       /* query: nrows * ncols values, row by row */
} act_dq_res_t;

typedef void (*act_dq_cb)(void *arg, const act_dq_res_t *r);
typedef struct act_dq act_dq_t;

/* servers: "HOST:PORT,HOST:PORT" (numeric addresses). NULL with err if the
 * list is unusable; nothing is dialled until the first statement. */
act_dq_t *act__dq_open(uv_loop_t *loop, const char *servers, char *err, size_t cap);
/* The same with another database than the store's ("act"): the journal
 * keeps its own, so that its writes never hold the store's write lock. */
act_dq_t *act__dq_open_db(uv_loop_t *loop, const char *servers, const char *db, char *err,
                          size_t cap);
/* Fails every waiting statement ("closed") and frees the client. */
void act__dq_close(act_dq_t *d);
/* One statement with n parameters (copied at once). */
void act__dq_exec(act_dq_t *d, const char *sql, const act_dq_val_t *p, int n, act_dq_cb cb,
                  void *arg);
void act__dq_query(act_dq_t *d, const char *sql, const act_dq_val_t *p, int n, act_dq_cb cb,
                   void *arg);
/* Raft membership, sent to the leader: add a node (as a spare), make it a
 * voter, or list the configuration (rows of (id, address, role)). */
void act__dq_add(act_dq_t *d, uint64_t id, const char *address, act_dq_cb cb, void *arg);
void act__dq_assign_voter(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg);
void act__dq_cluster(act_dq_t *d, act_dq_cb cb, void *arg);
/* The leader removes node id from the configuration / hands the lead to
 * voter id. */
void act__dq_remove(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg);
void act__dq_transfer(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg);

/* The leader's address while connected to it, else NULL (for tests and
 * logs). */
const char *act__dq_leader(const act_dq_t *d);
/* 1 once a server answered `who leads` at all, "nobody yet" included: it
 * runs and is reachable (the embedded store's bootstrap rule). */
int act__dq_answered(const act_dq_t *d);
/* After this, a server that answers "nobody yet" is asked for its own Raft
 * configuration before the client looks on (dqlite answers that without a
 * leader), and only then counts as answered. act__dq_members: the most
 * members such a server knew (0: it never belonged to a store: an empty
 * directory, not yet joined), -1 if none answered so. */
void act__dq_want_members(act_dq_t *d);
int act__dq_members(const act_dq_t *d);

/* Numeric HOST:PORT or [V6]:PORT into sa: 0, or -1. */
int act__dq_parse_addr(const char *s, struct sockaddr_storage *sa);

/* Connections go through fn instead of TCP when it is set (one node per
 * process: the embedded store's TLS tunnel, store_tls.c): fn gives a
 * connected stream socket at once, whose bytes reach addr (or end, if the
 * tunnel cannot get through). NULL: plain TCP again. */
typedef int (*act_dq_dial_fn)(void *arg, const char *addr, int *fd);
void act__dq_set_dial(act_dq_dial_fn fn, void *arg);

/* Parameter helpers. */
static inline act_dq_val_t act__dq_int(int64_t i) { return (act_dq_val_t){.type = ACT_DQ_INT, .i = i}; }
static inline act_dq_val_t act__dq_text(const char *s) { return (act_dq_val_t){.type = ACT_DQ_TEXT, .s = s}; }
static inline act_dq_val_t act__dq_blob(const void *p, size_t n) {
  return (act_dq_val_t){.type = ACT_DQ_BLOB, .s = p, .n = n};
}

#endif
