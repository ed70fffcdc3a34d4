/* pgwait.c: the journal's statements on PostgreSQL, sent with libpq's
 * asynchronous calls and waited for with poll(2), so that a server that
 * stops answering without closing (its backend stopped, a host gone
 * without a reset, a failover that left the old connection behind) costs
 * a statement ACT_PGW_SILENCE_MS, not a thread forever. The kernel's
 * keepalives (rt/pgparams.c) see a host that is gone, but not a process
 * that is: its kernel still acknowledges what is sent to it.
 *
 * Silence, not the statement's whole time, is bounded: a large batch
 * goes on while its bytes are taken, and only the server's own work on it
 * (its INSERT, its COMMIT's flush) must fit in the bound. */
#include "persist/pgwait.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

static _Thread_local const PGconn *silent;   /* the connection this thread dropped */
static _Thread_local char silent_why[96];

int64_t act__pgw_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The socket is shut, and libpq, reading its end, marks the connection
 * broken (CONNECTION_BAD). After a silence (drop), what the server was
 * sent may still run there once its process goes on: its outcome is
 * unknown, and the caller fails the statement. */
void act__pgw_cut(PGconn *c) {
  shutdown(PQsocket(c), SHUT_RDWR);
  PQconsumeInput(c);
}
static void drop(PGconn *c) {
  act__pgw_cut(c);
  silent = c;
  snprintf(silent_why, sizeof silent_why,
           "PostgreSQL did not answer within %d ms; the connection is dropped",
           ACT_PGW_SILENCE_MS);
}

/* Until the next result can be taken without blocking (1), or the
 * connection broke (0: PQgetResult says why) or fell silent (-1). */
static int ready(PGconn *c) {
  int64_t heard = act__pgw_now_ms();
  for (;;) {
    int f = PQflush(c);   /* 1: some of the statement is still to send */
    if (f < 0) {   /* broken: cut, so that PQgetResult cannot wait */
      act__pgw_cut(c);
      return 0;
    }
    if (f == 0 && !PQisBusy(c)) return 1;
    /* Polled even with no time left: a thread that was not scheduled for
     * a while finds what came meanwhile before it calls it silence. */
    int64_t left = heard + ACT_PGW_SILENCE_MS - act__pgw_now_ms();
    struct pollfd p = {PQsocket(c), (short)(POLLIN | (f ? POLLOUT : 0)), 0};
    int k = poll(&p, 1, left > 0 ? (int)left : 0);
    if (k < 0 && errno != EINTR) {
      act__pgw_cut(c);
      return 0;
    }
    if (k == 0 && left <= 0) {
      drop(c);
      return -1;
    }
    if (k <= 0) continue;
    heard = act__pgw_now_ms();
    if ((p.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c)) return 0;
  }
}

/* The statement just sent (ok: PQsend* succeeded), as PQexec gives it. */
static PGresult *collect(PGconn *c, int ok) {
  if (!ok) return NULL;
  PGresult *keep = NULL;
  for (;;) {
    int st = ready(c);
    if (st < 0) {
      PQclear(keep);
      return NULL;
    }
    PGresult *r = PQgetResult(c);   /* st 0: the broken connection's error */
    if (r == NULL) return keep;
    if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
      PQclear(r);
    } else {
      PQclear(keep);
      keep = r;
    }
    if (st == 0 && PQstatus(c) == CONNECTION_BAD) {
      while ((r = PQgetResult(c))) PQclear(r);
      return keep;
    }
  }
}

/* Sends wait for their bytes in ready(), not in libpq's own write. */
static void nonblocking(PGconn *c) {
  if (!PQisnonblocking(c)) PQsetnonblocking(c, 1);
}

PGresult *act__pgw_exec(PGconn *c, const char *sql) {
  nonblocking(c);
  return collect(c, PQsendQuery(c, sql));
}

PGresult *act__pgw_params(PGconn *c, const char *sql, int n, const Oid *types,
                          const char *const *v, const int *lens, const int *fmts, int rfmt) {
  nonblocking(c);
  return collect(c, PQsendQueryParams(c, sql, n, types, v, lens, fmts, rfmt));
}

PGresult *act__pgw_prepared(PGconn *c, const char *name, int n, const char *const *v,
                            const int *lens, const int *fmts, int rfmt) {
  nonblocking(c);
  return collect(c, PQsendQueryPrepared(c, name, n, v, lens, fmts, rfmt));
}

PGresult *act__pgw_prepare(PGconn *c, const char *name, const char *sql) {
  nonblocking(c);
  return collect(c, PQsendPrepare(c, name, sql, 0, NULL));
}

const char *act__pgw_error(const PGconn *c) {
  return c == silent && PQstatus(c) == CONNECTION_BAD ? silent_why : PQerrorMessage(c);
}
