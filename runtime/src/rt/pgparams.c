/* pgparams.c: defaults for what a PostgreSQL URL leaves unset. A peer
 * that went away without closing (a host that is gone, a blackholed
 * route, a failover that left the old TCP connection behind) is given up
 * by the kernel: keepalives probe an idle connection after 10 s, every
 * 5 s, 3 times; data left unacknowledged for 15 s ends it
 * (tcp_user_timeout). A blocking connect (the journal's) gives up after
 * 2 s, libpq's least. libpq ignores the TCP ones on a Unix socket. A
 * server whose kernel still answers but whose process does not (SIGSTOP,
 * a hung backend) is not seen by any of these: each caller also bounds
 * how long a statement may go unanswered (docs/cluster.md, "Backends"). */
#include "rt/pgparams.h"

#include <stddef.h>

void act__pg_params(const char *url, const char *keys[ACT_PG_NPARAMS + 1],
                    const char *vals[ACT_PG_NPARAMS + 1]) {
  static const char *const k[ACT_PG_NPARAMS - 1] = {
      "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
      "tcp_user_timeout", "connect_timeout"};
  static const char *const v[ACT_PG_NPARAMS - 1] = {"1", "10", "5", "3", "15000", "2"};
  for (int i = 0; i < ACT_PG_NPARAMS - 1; i++) keys[i] = k[i], vals[i] = v[i];
  keys[ACT_PG_NPARAMS - 1] = "dbname";
  vals[ACT_PG_NPARAMS - 1] = url;
  keys[ACT_PG_NPARAMS] = vals[ACT_PG_NPARAMS] = NULL;
}
