/* plan.c: group restarts (one_for_all, rest_for_one) and the ordered start
 * of a supervisor's children. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "supervise/supervise.h"

static void plan_start(act_ctx_t *cx, act_actor_t *sup, act_actor_t *failed);

void act__plan_ack(act_ctx_t *cx, act_actor_t *to, act_actor_t *from, uint32_t token) {
  act_msg_t *m = act__control(MF_PLAN_ACK);
  m->sender = from;
  m->_pad = token;
  act__enqueue(cx, to, m);
}

static void plan_send(act_ctx_t *cx, act_actor_t *sup, act_actor_t *kid, uint32_t flag) {
  act_rt_t *rt = act__rt(sup);
  act_msg_t *m = act__control(flag);
  m->sender = sup;
  m->_pad = ++rt->plan_token;
  rt->plan_wait = kid;
  act__enqueue(cx, kid, m);
}

void act__plan_step(act_ctx_t *cx, act_actor_t *sup) {
  act_rt_t *rt = act__rt(sup);
  rt->plan_wait = NULL;
  if (rt->plan == NULL) goto idle;
  if (rt->plan_phase == 1) {
    while (rt->plan_idx > 0) {
      act_actor_t *k = rt->plan[--rt->plan_idx];
      if (k == rt->plan_failed || (k->flags & AF_DEAD)) continue;
      plan_send(cx, sup, k, MF_HOLD);
      return;
    }
    rt->plan_phase = 2;
  }
  while (rt->plan_idx < rt->nplan) {
    act_actor_t *k = rt->plan[rt->plan_idx++];
    if (k->flags & (AF_DEAD | AF_TEMPORARY)) continue;
    if (k != rt->plan_failed) {
      char p1[512], p2[512];
      act__logf("act: restarting %s (%s: %s failed)\n", act__path(k, p1, sizeof p1),
              sup->type->strategy == ACT_ONE_FOR_ALL ? "one_for_all" : "rest_for_one",
              act__path(rt->plan_failed, p2, sizeof p2));
    }
    plan_send(cx, sup, k, MF_RESTART);
    return;
  }
  rt->plan = NULL;
  rt->plan_failed = NULL;
idle:
  while (rt->npending > 0) {
    act_actor_t *c = rt->pending[0];
    memmove(rt->pending, rt->pending + 1, sizeof *rt->pending * (size_t)--rt->npending);
    if ((c->flags & AF_HELD) && !(c->flags & AF_DEAD)) {
      plan_start(cx, sup, c);
      return;
    }
  }
  /* Children of a supervisor declaration waiting for their turn. */
  while (rt->start_idx < rt->nstarts) {
    act_actor_t *k = rt->starts[rt->start_idx++];
    if (k->flags & AF_DEAD) continue;
    plan_send(cx, sup, k, MF_RESTART);
    return;
  }
  rt->nstarts = rt->start_idx = 0;
  sup->flags &= ~(uint32_t)AF_STARTING;
}

static void plan_start(act_ctx_t *cx, act_actor_t *sup, act_actor_t *failed) {
  act_rt_t *rt = act__rt(sup);
  int all = sup->type->strategy == ACT_ONE_FOR_ALL;
  pthread_mutex_lock(&rt->lock);
  act_actor_t **plan = act_alloc(sizeof *plan * (size_t)(rt->nchildren + 1));
  int n = 0, after = 0;
  for (int i = 0; i < rt->nchildren; i++) {
    act_actor_t *k = rt->children[i];
    if (k == failed) after = 1;
    if (k == NULL || (k->flags & (AF_DEAD | AF_UNSTARTED))) continue;
    if (all || after) plan[n++] = k;
  }
  pthread_mutex_unlock(&rt->lock);
  rt->plan = plan;
  rt->nplan = n;
  rt->plan_idx = n;
  rt->plan_phase = 1;
  rt->plan_failed = failed;
  act__plan_step(cx, sup);
}

void act__child_failed(act_ctx_t *cx, act_actor_t *sup, act_actor_t *c) {
  if (sup->flags & (AF_DEAD | AF_WINDING | AF_HELD)) return;   /* stopping: the held child stops too */
  act_rt_t *rt = act__rt(sup);
  if (rt->plan || rt->plan_wait) {
    act__push_actor(&rt->pending, &rt->npending, &rt->cappending, c);
    if (c == rt->plan_wait) act__plan_step(cx, sup);   /* it failed instead of answering */
    return;
  }
  plan_start(cx, sup, c);
}

act_status_t act__restart_now(act_ctx_t *cx, act_actor_t *a) {
  a->flags &= ~(uint32_t)(AF_HELD | AF_UNSTARTED);
  act__drop_incarnation(a);
  return act__run_start(cx, a);
}
