/* pgwait.h: libpq's blocking calls for the journal's PostgreSQL backend
 * (pg.c), each bounded by the server's silence. */
#ifndef ACT_PERSIST_PGWAIT_H
#define ACT_PERSIST_PGWAIT_H

#include <libpq-fe.h>
#include <stdint.h>

/* A statement that hears nothing from the server (no byte of answer, no
 * byte of itself taken) for this long is given up: the connection is
 * dropped (its status is then CONNECTION_BAD, so the next use makes it
 * again) and the call returns NULL. As the dqlite client's 5 s. */
#define ACT_PGW_SILENCE_MS 5000

/* As PQexec, PQexecParams, PQexecPrepared and PQprepare (no parameter
 * types): the first failed result of the statement, else its last one;
 * NULL where it could not be sent or the server fell silent
 * (act__pgw_error says why). */
PGresult *act__pgw_exec(PGconn *c, const char *sql);
PGresult *act__pgw_params(PGconn *c, const char *sql, int n, const Oid *types,
                          const char *const *v, const int *lens, const int *fmts, int rfmt);
PGresult *act__pgw_prepared(PGconn *c, const char *name, int n, const char *const *v,
                            const int *lens, const int *fmts, int rfmt);
PGresult *act__pgw_prepare(PGconn *c, const char *name, const char *sql);

/* c is made unusable (CONNECTION_BAD), so that its next use makes it
 * again. */
void act__pgw_cut(PGconn *c);

/* Milliseconds on the monotonic clock. */
int64_t act__pgw_now_ms(void);

/* Why the last call on c failed without a result: the silence, if it was
 * that on this thread, else libpq's message. */
const char *act__pgw_error(const PGconn *c);

#endif
