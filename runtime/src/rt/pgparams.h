/* pgparams.h: the parameters every PostgreSQL connection of the runtime
 * is made with (the coordination store's, cluster/coord_pg.c; the
 * journal's, persist/pg.c). */
#ifndef ACT_RT_PGPARAMS_H
#define ACT_RT_PGPARAMS_H

#define ACT_PG_NPARAMS 7   /* the defaults and the URL */

/* keys and vals, NULL-terminated, for PQconnectdbParams or
 * PQconnectStartParams with expand_dbname = 1: Act's defaults, then
 * "dbname" = url, which libpq expands and whose values win over those
 * before it, so a URL that sets one of them keeps its own. */
void act__pg_params(const char *url, const char *keys[ACT_PG_NPARAMS + 1],
                    const char *vals[ACT_PG_NPARAMS + 1]);

#endif
