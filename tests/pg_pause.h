/* pg_pause.h: a PostgreSQL that stops answering without closing, for the
 * tests with a private server (coord_tck.c, journal/tck.c): the backend
 * processes of sessions are stopped (SIGSTOP) and go on later (SIGCONT);
 * the postmaster still takes new connections meanwhile. Include after
 * criterion and libpq. */
#ifndef ACT_TESTS_PG_PAUSE_H
#define ACT_TESTS_PG_PAUSE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The pids (at most cap) of the client sessions on url's server for which
 * the SQL condition `where` holds, but the one asking. */
static int pg_sessions(const char *url, const char *where, pid_t *pids, int cap) {
  PGconn *c = PQconnectdb(url);
  cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client "
           "backend' AND pid <> pg_backend_pid() AND (%s)", where);
  PGresult *r = PQexec(c, sql);
  cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
  int n = PQntuples(r) < cap ? PQntuples(r) : cap;
  for (int i = 0; i < n; i++) pids[i] = (pid_t)atoi(PQgetvalue(r, i, 0));
  PQclear(r);
  PQfinish(c);
  return n;
}

static void pg_signal(const pid_t *pids, int n, int sig) {
  for (int i = 0; i < n; i++) kill(pids[i], sig);
}

/* pids stopped, and a child that lets them go on after secs whatever
 * happens to the test (a failing one leaves no server process stopped):
 * its pid, for pg_go_on. */
static pid_t pg_stop_for(const pid_t *pids, int n, unsigned secs) {
  pg_signal(pids, n, SIGSTOP);
  pid_t guard = fork();
  cr_assert(guard >= 0);
  if (guard == 0) {
    sleep(secs);
    pg_signal(pids, n, SIGCONT);
    _exit(0);
  }
  return guard;
}
static void pg_go_on(pid_t guard, const pid_t *pids, int n) {
  pg_signal(pids, n, SIGCONT);
  kill(guard, SIGKILL);
  waitpid(guard, NULL, 0);
}

#endif
