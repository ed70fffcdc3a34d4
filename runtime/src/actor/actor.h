/* actor.h: what actor/ offers the other parts of the runtime — sending
 * (enqueue), control messages, asks and futures, backpressure (park and
 * wake), the start of an actor. Used by sched/, supervise/ and rt/. */
#ifndef ACT_ACTOR_ACTOR_H
#define ACT_ACTOR_ACTOR_H

#include "rt/rt.h"
#include "sched/sched.h"

/* The mailbox bound when an actor declares none (--act-mailbox N). */
extern uint32_t act__default_bound;

static inline uint32_t act__bound_of(const act_actor_t *a) {
  return a->type->mailbox_bound ? a->type->mailbox_bound : act__default_bound;
}

static inline uint32_t act__queued(act_actor_t *a) {
  return atomic_load_explicit(&a->mq_in, memory_order_relaxed) -
         atomic_load_explicit(&a->mq_out, memory_order_relaxed);
}

/* t has senders paused on it and has drained to half its bound (rule 3 in
 * backpressure.c): after each message, and fenced after each run. */
static inline int act__waiters_may_go(act_rt_t *rt, act_actor_t *t) {
  return rt && atomic_load_explicit(&rt->nwaiters, memory_order_relaxed) > 0 &&
         act__queued(t) <= act__bound_of(t) / 2;
}

/* actor.c */
act_ctl_t *act__ctl_new(act_ctl_kind_t kind);
/* A control message from `from` (or nobody) with a plan token. */
void act__ctl_send(act_ctx_t *cx, act_actor_t *to, act_ctl_kind_t kind, act_actor_t *from, uint32_t token);
void act__push_actor(act_actor_t ***arr, int *n, int *cap, act_actor_t *a);
/* send.c: push m to a's mailbox (or control lane) and schedule a. */
void act__enqueue(act_ctx_t *cx, act_actor_t *a, act_msg_t *m);
/* ask.c */
void act__fail_future(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, const char *why);
void act__fail_future_reason(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_str_t *reason);
/* The reply r (or a failure) to the asker's mailbox, or to its node. */
void act__deliver_reply(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_msg_t *r);
/* backpressure.c (the rules are at the top of that file) */
int act__park(act_actor_t *a, act_actor_t *t);
void act__wake_waiters(act_ctx_t *cx, act_actor_t *t);
void act__wake_if_drained(act_ctx_t *cx, act_actor_t *t);
void act__block_mail(act_ctx_t *cx, act_actor_t *a, uint32_t flag);
int act__parked_count(void);
void act__backpressure_init(void);   /* once, before the workers start */
/* dispatch.c */
act_status_t act__run_start(act_ctx_t *cx, act_actor_t *a);

#endif
