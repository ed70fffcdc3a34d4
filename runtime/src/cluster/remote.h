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
/* A fault of an actor that another node spawned here and supervises
 * (rspawn.c): held here with its mail, its supervisor's node decides.
 * 1 if that is so (the fault is handled), 0 for any other actor. */
int act__remote_child_fault(act_ctx_t *cx, act_actor_t *a, act_str_t *reason);

/* Virtual actors across nodes (nodestore.c): ask the store who owns a
 * shard (0..63), claiming it when nobody live does; fn gets the answer
 * (OK: granted to r->owner, this node or the one it was claimed for, at
 * r->epoch; TAKEN: r->owner holds it) on the
 * cluster's loop thread. -1 when this node has no store. */
struct act_coord_result;
typedef void (*act_shard_fn)(uint32_t shard, const struct act_coord_result *r);
int act__shard_claim(uint32_t shard, act_shard_fn fn, int later);   /* later: after lease / 10 */
/* Handoff: release the shard (held by this node), then claim it for the
 * target vcluster.c names; fn gets the answer as above. */
int act__shard_handoff(uint32_t shard, act_shard_fn fn);
/* In fn, on the loop: the claim being answered was sent before this node's
 * last handoff of the shard was asked for, so it says nothing about the
 * shard now (nodestore.c, `released`). */
int act__shard_answer_stale(uint32_t shard);
int act__shard_store(void);   /* 1 while the node has a store */
int act__shard_lease_ok(void);   /* on the loop: the lease outlasts its guard */
/* On the loop, from nodestore.c (virtual/vcluster.c): the store's live
 * members, read every lease / 10 (shards are spread over them); whom a
 * claim of the shard is made for (o holds this node; vcluster.c may name
 * the shard's target instead); the fence's time that the lease publishes
 * (CLOCK_MONOTONIC ns; 0 without a store), read before each message of an
 * activation. */
struct act_coord_member;
struct act_coord_owner;
void act__vcluster_members(const struct act_coord_member *m, size_t n, int64_t lease_ms);
void act__vshard_claimant(uint32_t shard, struct act_coord_owner *o);
extern _Atomic int64_t act__vlease_fence_at;
/* A worker, before a message of a: if a is an activation, wait while the
 * published fence time has passed (the fence then ends the process). */
void act__vlease_wait(act_actor_t *a);
/* The fence (nodestore.c's fail-stop), before the activation log's exit
 * line: every activation on this node ended at min(now, fence_ns), its
 * visible life held at that time by the lease's gates (virtual/vfence.c). */
void act__vfence_end(int64_t fence_ns);
/* RK_VMSG and RK_VSTALE envelopes, whole (virtual/vcluster.c). */
void act__virtual_arrived(const char *from, int kind, const uint8_t *p, size_t n);

#endif
