/* net_ext.h: state that a protocol on top of std.net keeps on a
 * connection (std.http's parser). It lives in the socket itself, so it is
 * found by the connection's id and goes when the socket goes: nothing to
 * free, and nothing left behind when the owner fails. The owner's thread
 * is the only one that touches it (an actor runs on one thread at a time). */
#ifndef ACT_SYS_NET_EXT_H
#define ACT_SYS_NET_EXT_H

#include <stdbool.h>
#include <stdint.h>

/* The state on an open connection, or NULL (none, or no such connection). */
void *act__net_ext(int64_t id);
/* False when there is no such open connection. ext must be collector
 * memory (or static): the socket keeps it alive. */
bool act__net_set_ext(int64_t id, void *ext);

#endif
