/* virtual_int.h: what virtual.c (the registry of activations on this node)
 * and vcluster.c (which node owns a key, in a cluster) share. */
#ifndef ACT_VIRTUAL_INT_H
#define ACT_VIRTUAL_INT_H

#include "rt/rt.h"

/* Keys map to this many shards, the same on every node: the registry's
 * locks on one node, and the unit of ownership in the store. */
#define ACT_VSHARDS 64

/* How long a handoff waits for a handler that awaits a reply (ms, from
 * the lease): after that the activation is deactivated and the handler
 * given up (docs/cluster.md, "Handoff when a node joins"). A quarter lease
 * keeps a handoff well inside the members read that follows (lease / 3). */
#define ACT_VHANDOFF_GRACE(lease_ms) ((lease_ms) / 4)

typedef struct act_virtual_reg act_vreg_t;

/* A reference: looks like an actor to act_send (flags, type). */
typedef struct vref {
  act_actor_t base;
  act_vreg_t *reg;
  uint64_t hash;
  act_vkey_t key;
} vref_t;

/* Set when the process is ending (act__virtual_exit): nothing activates. */
extern _Atomic int act__vclosed;

uint64_t act__vkey_hash(const act_vkey_t *k);
act_vreg_t *act__vreg_of(const act_virtual_type_t *vt);
const act_virtual_type_t *act__vreg_type(const act_vreg_t *r);
const act_virtual_type_t *act__vtype_by_name(const char *name, size_t len);
/* To the key's activation on this node, activating it (at the shard's
 * epoch) if it has none. */
void act__vlocal_send(act_ctx_t *cx, act_vreg_t *r, uint64_t h, const act_vkey_t *k, uint64_t epoch,
                      act_msg_t *m);
/* A send on a node of a cluster: to the owner of the key's shard. */
void act__vcluster_send(act_ctx_t *cx, vref_t *v, act_msg_t *m);
/* `stop` of a key: of its activation on this node, if any (vlocal); on a
 * node of a cluster, taken to the owner of the key's shard first. */
void act__vlocal_stop(act_ctx_t *cx, act_vreg_t *r, uint64_t h, const act_vkey_t *k);
void act__vcluster_stop(act_ctx_t *cx, vref_t *v);

/* Handoff (vcluster.c asks, virtual.c's sweeper does it): while on, the
 * shard's activations are asked to passivate until none is left, then
 * act__vshard_drained(shard) is called, from the sweeper's thread. From
 * force_at on (act_now() ns; 0: never) an activation that still has not
 * passivated — a handler awaiting a reply — is deactivated anyway: the
 * handler is given up (its ask fails), and the mail queued to it goes back
 * to vcluster.c (act__vshard_requeue), ahead of what waits there. 1 (and
 * no call) when this node has no activation of any type to drain. */
int act__vshard_drain(uint32_t shard, int on, int64_t force_at);
void act__vshard_drained(uint32_t shard);
/* vcluster.c: the store gave this node the shard at epoch (a line in
 * ACT_VSHARD_LOG when it is set; vclaimlog.c). */
void act__vclaim_log(uint32_t shard, uint64_t epoch);
/* Mail that was queued to an activation deactivated by a handoff, in the
 * order it was sent: it goes to the shard's next owner before anything
 * that waited for the handoff. */
void act__vshard_requeue(act_vreg_t *r, uint64_t h, const act_vkey_t *k, act_msg_t **q, int n);

/* act__virtual_ended on a node of a cluster: under the shard's lock, and
 * the lease like a first activation, the key activates again for the
 * mail that came while its activation ended (if the shard is still this
 * node's), or that mail goes on to the shard's owner (vcluster.c). */
void act__vcluster_ended(act_ctx_t *cx, act_actor_t *a, act_vreg_t *r, uint64_t h, const act_vkey_t *k);
/* Under that lock (virtual.c): the key's registry entry after activation
 * a ended: activated again at epoch (not 0: the shard is this node's),
 * or its waiting mail is handed back in *q (how many) and the key leaves. */
int act__vended(act_ctx_t *cx, act_actor_t *a, uint64_t epoch, act_msg_t ***q);

/* The lease's end (vfence.c): every activation on this node has ended at
 * fence_at; how many (virtual.c). */
int act__virtual_fenced(int64_t fence_at);
/* The lease outlasts its guard on this thread's clock (vcluster.c);
 * hold: wait until it does again (a renewal), or the fence ends the
 * process. */
int act__vlease_held(void);
void act__vlease_hold(void);

#endif
