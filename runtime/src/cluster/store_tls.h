/* store_tls.h: the embedded store's traffic inside the cluster's TLS
 * (store_tls.c explains how). */
#ifndef ACT_STORE_TLS_H
#define ACT_STORE_TLS_H

#include <stddef.h>

#include "cluster/cluster_int.h"

/* Starts the tunnel's thread. listen (numeric HOST:PORT, or NULL on a node
 * that runs no store): where peers reach this node's store, through TLS;
 * priv: dqlite's own abstract socket ("@name") it forwards them to. 0, or
 * -1 with err. Once per process; later calls do nothing. */
int act__store_tls_start(act_tls_t *tls, const char *listen, const char *priv, char *err,
                         size_t cap);
/* A connection to the store at addr through TLS: *fd is one end of a
 * socketpair. _dial returns at once (a failure later reads as EOF);
 * _connect blocks until the handshake is through or failed (dqlite's
 * connect function). 0, or non-zero. */
int act__store_tls_dial(void *arg, const char *addr, int *fd);
int act__store_tls_connect(void *arg, const char *addr, int *fd);

#endif
