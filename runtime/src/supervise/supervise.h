/* supervise.h: stopping, restarting and watching actors (LANGUAGE.md §8)
 * — what supervise/ offers dispatch (actor/dispatch.c) and start-up. */
#ifndef ACT_SUPERVISE_SUPERVISE_H
#define ACT_SUPERVISE_SUPERVISE_H

#include "rt/rt.h"
#include "sched/sched.h"

/* The reason of a normal stop ("normal"); compared by pointer. */
act_str_t *act__normal(void);

/* stop.c: the stop of one actor, its children first (the "winding") */
void act__finish(act_ctx_t *cx, act_actor_t *a, act_str_t *reason, int on_stop);
void act__wind(act_ctx_t *cx, act_actor_t *a, int mode, int on_stop);
int act__has_live_children(act_actor_t *a);
void act__graceful_stop(act_ctx_t *cx, act_actor_t *a, act_actor_t *requester);
/* The same, but an actor held after its fault ends with `why` (its
 * supervisor on another node ended it: cluster/rspawn.c) rather than
 * "normal"; NULL: "normal". */
void act__graceful_stop_why(act_ctx_t *cx, act_actor_t *a, act_actor_t *requester, act_str_t *why);
void act__drop_incarnation(act_actor_t *a);
void act__next_child(act_ctx_t *cx, act_actor_t *a);
/* plan.c: group restarts and ordered starts, one child at a time */
void act__plan_ack(act_ctx_t *cx, act_actor_t *to, act_actor_t *from, uint32_t token);
void act__plan_step(act_ctx_t *cx, act_actor_t *sup);
void act__child_failed(act_ctx_t *cx, act_actor_t *sup, act_actor_t *c);
act_status_t act__restart_now(act_ctx_t *cx, act_actor_t *a);
/* restart.c: a handler faulted: restart, escalate or end the program */
int act__handle_fault(act_worker_t *w, act_actor_t *a);
/* May parent restart one more child now (its `restarts N within D`)? */
int act__may_restart(act_actor_t *parent);
/* down.c */
void act__notify_down(act_actor_t *a, act_str_t *reason);

#endif
