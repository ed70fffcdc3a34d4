/* remote.h: where the rest of the runtime hands over to the language
 * layer of clustering (LANGUAGE.md §10, docs/cluster.md) — a send, a
 * control message, a reply or a monitor whose other end is a proxy
 * (AF_REMOTE), names, and the node's part in quiescence and SIGTERM. */
#ifndef ACT_CLUSTER_REMOTE_H
#define ACT_CLUSTER_REMOTE_H

#include "rt/rt.h"

void act__remote_init(void);   /* before act_cluster_start: installs the hooks */
void act__remote_send(act_ctx_t *cx, act_actor_t *to, act_msg_t *m);
void act__remote_ctl(act_ctx_t *cx, act_actor_t *to, act_msg_t *m);
void act__remote_reply(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_msg_t *r);
void act__remote_monitor(act_ctx_t *cx, act_actor_t *proxy);
/* register/Type@"name" across the nodes (rname.c). */
bool act__remote_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name);
act_actor_t *act__remote_lookup(act_ctx_t *cx, act_str_t *name);
void act__remote_release(act_str_t *name);
/* 1 while this process is a node that has not been told to stop: other
 * nodes may still send it work, so quiet is not the end. */
int act__remote_holds(void);
/* SIGTERM: the actors other nodes spawned here stop with the tree. */
void act__remote_stop_guests(void);

#endif
