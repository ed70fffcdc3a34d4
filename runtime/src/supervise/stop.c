/* stop.c: an actor stops (LANGUAGE.md §6, §8). Its children stop first,
 * one at a time in reverse start order, each with its own children first
 * (the "winding"); then `on stop` runs, watchers get Down, queued asks
 * fail. The same winding precedes a restart and a hold for a group
 * restart; rt->wind says which. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/mailbox.h"
#include "supervise/supervise.h"

/* `on stop` faults are ignored: the actor is going anyway. */
typedef struct stop_call { act_ctx_t *cx; act_actor_t *a; } stop_call_t;

static void call_on_stop(void *p) {
  stop_call_t *sc = p;
  sc->a->type->on_stop(sc->cx, sc->a);
}

static void run_on_stop(act_ctx_t *cx, act_actor_t *a) {
  if (a->type->on_stop == NULL) return;
  stop_call_t sc = {cx, a};
  act__guarded(cx, call_on_stop, &sc, NULL);
}

void act__finish(act_ctx_t *cx, act_actor_t *a, act_str_t *reason, int on_stop) {
  if (a->flags & AF_DEAD) return;
  act_rt_t *rt = act__rt_of(a);
  if (rt) {
    pthread_mutex_lock(&rt->lock);
    int n = rt->nchildren;
    act_actor_t **kids = rt->children;
    pthread_mutex_unlock(&rt->lock);
    for (int i = n - 1; i >= 0; i--)
      if (kids[i] && !(kids[i]->flags & AF_DEAD)) act__ctl_send(cx, kids[i], CTL_STOP, NULL, 0);
    pthread_mutex_lock(&rt->lock);
    int nt = rt->ntimers;
    act_timer_t **ts = rt->timers;
    rt->ntimers = 0;
    pthread_mutex_unlock(&rt->lock);
    for (int i = 0; i < nt; i++) act__timer_cancel(ts[i]);
  }
  if (on_stop) run_on_stop(cx, a);
  /* Before AF_DEAD: a monitor that sees the actor dead reads the reason. */
  if (reason != act__normal()) act__rt(a)->end_reason = reason;
  act__block_mail(cx, a, AF_DEAD);          /* nobody waits on a dead mailbox */
  /* Looked at after the flag and block_mail's fence: bookkeeping made
   * since (a watcher, a paused sender) was made by someone who sees the
   * actor dead and answers for itself (act_monitor, act__park). Without
   * it there is no name, watcher or activation: most actors, which so
   * skip three calls that would each find nothing. */
  rt = act__rt_of(a);
  if (rt == NULL) return;
  if (rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
  act__unregister(a);
  act__notify_down(a, reason);
  if (rt->vnode) act__virtual_ended(cx, a);   /* its key may activate again */
}

void act__wind(act_ctx_t *cx, act_actor_t *a, int mode, int on_stop) {
  act_rt_t *rt = act__rt(a);
  rt->wind = mode;
  rt->wind_on_stop = on_stop;
  pthread_mutex_lock(&rt->lock);
  rt->stop_idx = rt->nchildren;
  pthread_mutex_unlock(&rt->lock);
  act__block_mail(cx, a, AF_WINDING);
  act__next_child(cx, a);
}

int act__has_live_children(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt == NULL) return 0;
  int live = 0;
  pthread_mutex_lock(&rt->lock);
  for (int i = 0; i < rt->nchildren && !live; i++)
    live = rt->children[i] && !(rt->children[i]->flags & AF_DEAD);
  pthread_mutex_unlock(&rt->lock);
  return live;
}

void act__graceful_stop(act_ctx_t *cx, act_actor_t *a, act_actor_t *requester) {
  act__graceful_stop_why(cx, a, requester, NULL);
}

void act__graceful_stop_why(act_ctx_t *cx, act_actor_t *a, act_actor_t *requester, act_str_t *why) {
  if (a->flags & AF_DEAD) return;
  if (a->flags & AF_WINDING) {
    /* Already stopping its children: a stop wins over a restart or a
     * hold; `on stop` runs unless the actor had faulted. */
    act_rt_t *rt = act__rt(a);
    if (requester && rt->stop_requester == NULL) rt->stop_requester = requester;
    else if (requester) act__ctl_send(cx, requester, CTL_CHILD_DONE, NULL, 0);
    if (rt->wind != WIND_FINISH) {
      rt->wind_on_stop = rt->wind == WIND_HOLD;
      rt->wind = WIND_FINISH;
    }
    return;
  }
  if (a->flags & AF_HELD) {
    /* Stopped already (or faulted): no second `on stop`. */
    a->flags &= ~(uint32_t)AF_HELD;
    act__finish(cx, a, why ? why : act__normal(), 0);
    if (requester) act__ctl_send(cx, requester, CTL_CHILD_DONE, NULL, 0);
    return;
  }
  if (act__rt_of(a) == NULL) {
    /* No children, no bookkeeping: most actors. */
    act__finish(cx, a, act__normal(), 1);
    if (requester) act__ctl_send(cx, requester, CTL_CHILD_DONE, NULL, 0);
    return;
  }
  act__rt(a)->stop_requester = requester;
  act__wind(cx, a, WIND_FINISH, 1);
}

/* Forget the current incarnation: its timers, its (stopped) children, a
 * suspended handler and any group restart it was running. The reference,
 * the queued mail and the monitors stay. */
void act__drop_incarnation(act_actor_t *a) {
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  act_rt_t *rt = act__rt_of(a);
  if (rt == NULL) return;
  pthread_mutex_lock(&rt->lock);
  int nt = rt->ntimers;
  act_timer_t **ts = rt->timers;
  rt->ntimers = 0;
  rt->nchildren = 0;
  pthread_mutex_unlock(&rt->lock);
  for (int i = 0; i < nt; i++) act__timer_cancel(ts[i]);
  if (rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
  rt->frame = NULL;
  rt->awaiting = NULL;
  rt->plan = NULL;
  rt->plan_wait = NULL;
  rt->npending = 0;
  rt->nstarts = rt->start_idx = 0;
  a->flags &= ~(uint32_t)AF_STARTING;
}

static void wind_done(act_ctx_t *cx, act_actor_t *a) {
  act_rt_t *rt = act__rt(a);
  a->flags &= ~(uint32_t)AF_WINDING;
  act_actor_t *req = rt->stop_requester, *hreq = rt->hold_req;
  uint32_t token = rt->wind_token;
  rt->stop_requester = NULL;
  rt->hold_req = NULL;
  int mode = rt->wind;
  if (mode == WIND_HOLD && (a->flags & AF_TEMPORARY)) mode = WIND_FINISH;  /* never restarted */
  switch (mode) {
  case WIND_FINISH:
    act__finish(cx, a, act__normal(), rt->wind_on_stop);
    break;
  case WIND_HOLD:
    run_on_stop(cx, a);
    act__drop_incarnation(a);
    act__block_mail(cx, a, AF_HELD);
    break;
  case WIND_FAILED: {
    act__drop_incarnation(a);
    act__block_mail(cx, a, AF_HELD);
    act__ctl_send(cx, a->parent, CTL_CHILD_FAILED, a, 0);
    break;
  }
  default:   /* WIND_RESTART: a fault in init comes back as a new fault */
    if (req) act__ctl_send(cx, req, CTL_CHILD_DONE, NULL, 0);
    if (hreq) act__plan_ack(cx, hreq, a, token);
    act__restart_now(cx, a);
    return;
  }
  if (req) act__ctl_send(cx, req, CTL_CHILD_DONE, NULL, 0);
  if (hreq) act__plan_ack(cx, hreq, a, token);
}

void act__next_child(act_ctx_t *cx, act_actor_t *a) {
  act_rt_t *rt = act__rt(a);
  act_actor_t *kid = NULL;
  pthread_mutex_lock(&rt->lock);
  while (rt->stop_idx > 0 && kid == NULL) {
    act_actor_t *k = rt->children[--rt->stop_idx];
    if (k && !(k->flags & AF_DEAD)) kid = k;
  }
  pthread_mutex_unlock(&rt->lock);
  if (kid) {
    act__ctl_send(cx, kid, CTL_STOP, a, 0);   /* answered with CTL_CHILD_DONE */
    return;
  }
  wind_done(cx, a);
}

void act_stop_self(act_ctx_t *cx) { cx->self->flags |= AF_STOPPING; }

void act_stop(act_ctx_t *cx, act_actor_t *a) {
  if (a == NULL) return;
  if (cx && a == cx->self) { act_stop_self(cx); return; }
  /* Stopping another actor is seen: a virtual activation does it only
   * under its lease (rt.h, act__vgate_begin; the virtual path locks). */
  int g = act__vgate_begin(cx);
  if (a->flags & AF_VIRTUAL) act__virtual_stop(cx, a);
  else if (!(a->flags & AF_DEAD)) act__ctl_send(cx && cx->worker ? cx : NULL, a, CTL_STOP, NULL, 0);
  act__vgate_end(cx, g);
}
