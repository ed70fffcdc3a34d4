/* dqcall.h: dqlite statements from any thread, waiting for the answer.
 *
 * The dqlite client (cluster/dqlite_client.h) runs on a libuv loop and
 * answers through callbacks; the journal interface is synchronous and is
 * called from the writer thread and from recovering actors. A dqcall owns
 * a loop on a thread of its own with one client on it: a call hands its
 * statement to that thread and waits for the answer, which it gets as a
 * private copy (act_dq_res_t's values live only during the callback).
 * Calls from several threads are served one at a time, in order. */
#ifndef ACT_DQCALL_H
#define ACT_DQCALL_H

#include "cluster/dqlite_client.h"

typedef struct act_dqcall act_dqcall_t;

/* An answer: ok, or error (with the server's code, 0 for ours); rows of
 * ncols values, TEXT and BLOB values copied. Free with act__dqcall_free. */
typedef struct act_dqans {
  int ok;
  uint64_t code;
  char error[256];
  uint64_t changes;
  size_t ncols, nrows;
  act_dq_val_t *v;
} act_dqans_t;

/* servers: "HOST:PORT,..."; db: the database to open there. NULL with err
 * if the list is unusable or no thread could be started. */
act_dqcall_t *act__dqcall_open(const char *servers, const char *db, char *err, size_t cap);
void act__dqcall_close(act_dqcall_t *c);
/* One statement (query: rows; else exec: changes), parameters as in
 * act__dq_exec. Waits for the client's answer, which comes within its own
 * time limits (ACT_DQ_WAIT_MS, ACT_DQ_ANSWER_MS). */
void act__dqcall(act_dqcall_t *c, int query, const char *sql, const act_dq_val_t *p, int n,
                 act_dqans_t *out);
void act__dqans_free(act_dqans_t *a);

#endif
