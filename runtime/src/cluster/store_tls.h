/* store_tls.h: the embedded store's traffic inside the cluster's TLS
 * (store_tls.c explains how). */
#ifndef ACT_STORE_TLS_H
#define ACT_STORE_TLS_H

#include <stddef.h>

#include "cluster/cluster_int.h"

/* Starts the tunnel's thread. listen (numeric HOST:PORT, or NULL on a node
 * that runs no store): where peers reach this node's store, through TLS;
 * priv: dqlite's own abstract socket ("@name") it forwards them to;
 * user_timeout_ms: a connection whose bytes go unacknowledged that long is
 * lost (TCP_USER_TIMEOUT, with keepalives). 0, or -1 with err. Once per
 * process; later calls do nothing. */
int act__store_tls_start(act_tls_t *tls, const char *listen, const char *priv,
                         unsigned user_timeout_ms, char *err, size_t cap);
/* A connection to the store at addr through TLS: *fd is one end of a
 * socketpair, returned at once (a tunnel that cannot get through closes
 * the other end: EOF). dqlite's connect function and our client's dialler.
 * 0, or non-zero. */
int act__store_tls_dial(void *arg, const char *addr, int *fd);

#endif
