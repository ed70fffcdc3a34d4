/* dispatch.c: running an actor — a batch of steps (start, restart, one
 * message each), the control lane before the mailbox, the stash of a
 * suspended actor, the handler boundary where backpressure pauses, and
 * releasing the actor (the scheduling flag). Design: rt/SCHED.md. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/mailbox.h"
#include "cluster/remote.h"
#include "mem/mem.h"
#include "supervise/supervise.h"

static _Atomic uint64_t warned[64];

static void dead_letter(act_actor_t *a, act_msg_t *m) {
  uint32_t id = m->type->id;
  uint64_t bit = 1ull << (id % 64);
  if (atomic_fetch_or(&warned[(id / 64) % 64], bit) & bit) return;
  act__logf("act: warning: dead letter: %s sent to %s, which does not handle it\n",
          m->type->name, a->type->name);
}

act_status_t act__run_start(act_ctx_t *cx, act_actor_t *a) {
  cx->msg = NULL;
  return a->type->start(cx, a);
}

/* Whether a node's lease gates activations (vcluster.c): read once per
 * step, for the wait before it. Once published the fence's time is never
 * 0 again (lease.c), and an activation exists only under a lease, so a
 * step that saw 0 belongs to no activation. */
static inline int vlease_gated(void) {
  return atomic_load_explicit(&act__vlease_fence_at, memory_order_relaxed) != 0;
}

/* A reply or a time-out settles its future; the handler suspended on it
 * resumes. Returns 0 when nothing resumed (a late or unawaited answer). */
static int settle(act_worker_t *w, act_actor_t *a, act_msg_t *m, act_status_t *st) {
  act_ctx_t *cx = &w->cx;
  act_rt_t *rt = act__rt_of(a);
  act_future_t *f = m->future;
  if (m->flags & MF_REPLY) {
    if (f->state == 0) {
      f->reply = m;
      f->state = (m->flags & MF_FAILED) ? 2 : 1;
      if (m->flags & MF_FAILED) f->reason = ((act_failure_t *)m)->reason;
      if (f->timer) act__timer_cancel(f->timer);
    }
  } else if (f->state == 0) {
    f->state = 2;
    if (f->reason == NULL) {   /* else set when armed (an ask to itself) */
      char buf[256];
      snprintf(buf, sizeof buf, "ask %s to %s timed out", f->msg_name,
               f->target && f->target->type ? f->target->type->name : "actor");
      f->reason = act_str_from_cstr(buf);
    }
  }
  if (!(rt && (a->flags & AF_SUSPENDED) && rt->awaiting == f && f->state != 0)) return 0;
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  rt->awaiting = NULL;
  act_msg_t *cur = rt->cur_msg;
  cx->msg = cur;
  void *frame = rt->frame;
  rt->frame = NULL;
  *st = rt->resume(cx, a, frame);
  if (*st == ACT_DONE) {
    act__msg_done(w, cur);
    if (cur == NULL && rt->start_req) {
      /* The init a supervisor waits for has completed. */
      act_actor_t *req = rt->start_req;
      rt->start_req = NULL;
      act__plan_ack(cx, req, a, rt->start_token);
    }
  }
  return 1;
}

/* The runtime's own messages about a's life (act_ctl_t). Returns 1 when a
 * handler ran (a restart's init), so the caller checks for a stop. */
static int control(act_worker_t *w, act_actor_t *a, act_ctl_t *c, act_status_t *st) {
  act_ctx_t *cx = &w->cx;
  act_rt_t *rt = act__rt_of(a);
  act_actor_t *from = c->h.sender;
  switch (c->kind) {
  case CTL_TIMEOUT:
    /* A time-out resumes a handler, as a reply does: under the lease. */
    if (__builtin_expect(vlease_gated(), 0)) act__vlease_wait(a);
    return settle(w, a, &c->h, st);
  case CTL_RESTART:
    if (from) {   /* a supervisor waits for this init (a fault answers too) */
      act_rt_t *sr = act__rt(a);
      sr->start_req = from;
      sr->start_token = c->token;
    }
    *st = act__restart_now(cx, a);
    if (from && *st != ACT_SUSPENDED) {
      /* An init that awaits answers when it completes (settle). */
      act__rt(a)->start_req = NULL;
      act__plan_ack(cx, from, a, c->token);
    }
    return 1;
  case CTL_HOLD: {
    act_rt_t *hr = act__rt(a);
    if (a->flags & AF_HELD) {
      act__plan_ack(cx, from, a, c->token);
    } else {
      hr->hold_req = from;
      hr->wind_token = c->token;
      if (!(a->flags & AF_WINDING)) {
        hr->frame = NULL;
        hr->awaiting = NULL;
        a->flags &= ~(uint32_t)AF_SUSPENDED;
        act__wind(cx, a, WIND_HOLD, 1);
      }
    }
    return 0;
  }
  case CTL_CHILD_FAILED:
    act__child_failed(cx, a, from);
    return 0;
  case CTL_PLAN_ACK:
    if (rt && rt->plan_wait && from == rt->plan_wait && c->token == rt->plan_token) act__plan_step(cx, a);
    return 0;
  case CTL_STOP:
    /* An activation's `on stop` runs only under its lease, as its mail
     * does (`stop(Cart[k])`, a stopping node's top-down stop): past it,
     * the fence ends the activation instead (vcluster.c). */
    if (__builtin_expect(vlease_gated(), 0)) act__vlease_wait(a);
    /* A handler stopped in an await leaves no time-out armed: an armed
     * timer keeps the program from quiescence, so a SIGTERM would wait
     * out its whole grace for the asks that were in flight. */
    if (rt && rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
    if (rt) { rt->frame = NULL; rt->awaiting = NULL; }
    a->flags &= ~(uint32_t)AF_SUSPENDED;
    act__graceful_stop_why(cx, a, from, c->reason);
    return 0;
  case CTL_CHILD_DONE:
    if (a->flags & AF_WINDING) act__next_child(cx, a);
    return 0;
  case CTL_PASSIVATE:
    act__virtual_passivate(cx, a, c->token != 0);
    return 0;
  case CTL_ESCALATE:
    cx->msg = &c->h;
    act_fail(cx, c->reason, NULL);
  }
  return 0;
}

/* Handle one message; the jump point for faults is set by the caller.
 * Inline: once per message, and its call, saved registers and return
 * were ~20 instructions of a counter's ~270 (callgrind). */
static inline __attribute__((always_inline)) void dispatch_one(act_worker_t *w, act_actor_t *a, act_msg_t *m) {
  act_ctx_t *cx = &w->cx;
  act_status_t st = ACT_DONE;
  if (m->flags & MF_CTL) {
    if (!control(w, a, (act_ctl_t *)m, &st)) return;
  } else if (m->flags & MF_REPLY) {
    /* A reply resumes a handler of an activation: under the lease too, or
     * an owner paused past it would run on from its awaits (vcluster.c). */
    if (__builtin_expect(vlease_gated(), 0)) act__vlease_wait(a);
    if (!settle(w, a, m, &st)) return;
  } else {
    if (m->flags & MF_TIMER) {
      /* §7: after cancel(t) no tick of t is handled, queued or not. */
      if (act__tick_cancelled(m)) return;
      m->flags &= ~(uint32_t)MF_TIMER;
      m->future = NULL;              /* a tick is told: nobody waits for a reply */
    }
    if (m->flags & MF_COUNTED) {
      uint32_t out = atomic_load_explicit(&a->mq_out, memory_order_relaxed) + 1;
      atomic_store_explicit(&a->mq_out, out, memory_order_relaxed);
      if (act__waiters_may_go(act__rt_of(a), a)) act__wake_waiters(cx, a);   /* cheap look; the fenced one ends the run */
    }
    /* An activation of a virtual actor on a node with a store runs mail
     * only under its lease (vcluster.c): one load unless that is so. */
    if (__builtin_expect(vlease_gated(), 0)) act__vlease_wait(a);
    cx->msg = m;
    st = a->type->dispatch(cx, a, m);
    if (st == ACT_UNHANDLED) {
      dead_letter(a, m);
      if (m->future) act__fail_future(cx, m->future, m->sender, "is not handled");
      st = ACT_DONE;
    }
    if (st == ACT_DONE) act__msg_done(w, m);
  }
  cx->msg = NULL;
  if (st == ACT_DONE && (a->flags & AF_STOPPING)) act__graceful_stop(cx, a, NULL);
}

/* Suspended actors take only what can resume them (or stop them); the rest
 * waits in the stash, in order. */
static int resumes(act_actor_t *a, act_msg_t *m) {
  (void)a;
  return (m->flags & (MF_REPLY | MF_CTL)) != 0;   /* time-outs and the lane */
}

static act_msg_t *next_msg(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt) {
    act_msg_t *c = act__vq_pop(&rt->ctl_head, &rt->ctl_tail, &rt->ctl_stub);
    if (c) return c;
  }
  if (!(a->flags & AF_NOMAIL)) {
    if (rt && rt->stash_head) {
      act_msg_t *m = rt->stash_head;
      rt->stash_head = atomic_load_explicit(&m->next, memory_order_relaxed);
      if (rt->stash_head == NULL) rt->stash_tail = NULL;
      return m;
    }
    return act__mq_pop(a);
  }
  for (;;) {
    act_msg_t *m = act__mq_pop(a);
    if (m == NULL) return NULL;
    if (resumes(a, m)) return m;
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    if (rt->stash_tail) atomic_store_explicit(&rt->stash_tail->next, m, memory_order_relaxed);
    else rt->stash_head = m;
    rt->stash_tail = m;
  }
}

static int has_work(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt && !act__vq_empty(&rt->ctl_head, rt->ctl_tail, &rt->ctl_stub)) return 1;
  if (!(a->flags & AF_NOMAIL) && rt && rt->stash_head) return 1;
  return !act__mq_empty(a);
}

static void drain_dead(act_ctx_t *cx, act_actor_t *a) {
  act_msg_t *m;
  while ((m = next_msg(a)) != NULL) {
    act_ctl_t *c = act__ctl_of(m);
    if (m->future && !(m->flags & (MF_REPLY | MF_TIMER | MF_CTL)))
      act__fail_future(cx, m->future, m->sender, "failed: the target is gone");
    if (c && c->kind == CTL_STOP && m->sender)   /* a parent waits on us */
      act__ctl_send(cx, m->sender, CTL_CHILD_DONE, NULL, 0);
    if (c && (c->kind == CTL_HOLD || c->kind == CTL_RESTART) && m->sender) act__plan_ack(cx, m->sender, a, c->token);
  }
}

/* The end of a step with a pause pending (the handler overfilled a
 * mailbox): park `a` unless it may not be paused now (only between
 * handlers: a suspended handler still gets its reply). Returns 1 when it
 * parked: another worker may run `a` at once, so this one lets go of it. */
static int boundary(act_worker_t *w, act_actor_t *a) {
  act_actor_t *t = w->pause_on;
  w->pause_on = NULL;
  if ((a->flags & (AF_NOMAIL | AF_DEAD)) || !act__park(a, t)) return 0;
  w->cx.self = NULL;
  w->cx.vgate = 0;
  atomic_store_explicit(&w->running, NULL, memory_order_relaxed);
  return 1;                            /* sched stays 1: t wakes us */
}

void act__run_actor(act_worker_t *w, act_actor_t *a) {
  act_ctx_t *cx = &w->cx;
  atomic_store_explicit(&w->runs, atomic_load_explicit(&w->runs, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  cx->self = a;
  atomic_store_explicit(&w->running, a, memory_order_relaxed);
  w->pause_on = NULL;
  /* A virtual activation on a node with a store: what its steps make
   * others see passes the lease's gate (cx->vgate; virtual/vfence.c). */
  if (__builtin_expect(vlease_gated(), 0)) {
    act_rt_t *vr = act__rt_of(a);
    cx->vgate = vr != NULL && vr->vnode != NULL;
  }
  volatile int n = 0;
  volatile int restart = 0;
  volatile int vgate = cx->vgate;
  if (act__setjmp(w->jb) != 0) {
    cx->vgate = vgate;                 /* a fault out of a path that had it off */
    /* A fault is reported to others (its ask fails, its supervisor hears):
     * an activation's report waits for the lease like its other effects.
     * No lock is held here: nothing faults under one. */
    if (vgate) act__vgate(cx);
    restart = act__handle_fault(w, a);
    cx->msg = NULL;
    w->pause_on = NULL;                /* the faulted handler's sends pause nobody */
    w->nohelp = 0;                     /* a fault out of a send to a virtual actor */
    n++;
  }
  /* Steps: a restart (fields, then init; a fault in there comes back to
   * the setjmp above), the first start, then messages. After every step
   * comes a handler boundary, where a pending pause is taken or dropped:
   * it never outlives the step that recorded it. */
  if (restart) {
    restart = 0;
    dispatch_one(w, a, &act__ctl_new(CTL_RESTART)->h);
    if (w->pause_on && boundary(w, a)) return;
  }
  if (a->flags & AF_START_PENDING) {
    a->flags &= ~(uint32_t)AF_START_PENDING;
    n++;
    /* An activation's start (its init, its journal's fence and recovery)
     * runs under the lease too (vcluster.c). */
    if (__builtin_expect(vlease_gated(), 0)) act__vlease_wait(a);
    act_status_t st = act__run_start(cx, a);
    cx->msg = NULL;
    if (st == ACT_DONE && (a->flags & AF_STOPPING)) act__graceful_stop(cx, a, NULL);
    if (w->pause_on && boundary(w, a)) return;
  }
  while (n < BATCH) {
    if (a->flags & AF_DEAD) break;
    act_msg_t *m = next_msg(a);
    if (m == NULL) break;
    n++;
    dispatch_one(w, a, m);
    if (w->pause_on && boundary(w, a)) return;
  }
  /* A dead actor's mail is answered now, whatever the batch count: asks
   * queued behind the stop fail with "failed: the target is gone" instead of waiting
   * for their time-out (later pushes schedule it again). */
  if (a->flags & AF_DEAD) {
    a->flags &= ~(uint32_t)AF_NOMAIL;   /* a dead actor stashes nothing */
    drain_dead(cx, a);
  }
  act__wake_if_drained(cx, a);
  cx->self = NULL;
  cx->vgate = 0;
  atomic_store_explicit(&w->running, NULL, memory_order_relaxed);
  /* The producers' end, read before the emptiness check: any push after
   * this point changes it. */
  act_msg_t *seen = atomic_load_explicit(&a->mq_head, memory_order_seq_cst);
  act_rt_t *rt0 = act__rt_of(a);
  act_msg_t *seen_ctl = rt0 ? atomic_load_explicit(&rt0->ctl_head, memory_order_seq_cst) : NULL;
  /* Dead actors too: a push that landed after the drain but before
   * `seen` (whose producer saw sched 1) is taken by the next run. */
  if (has_work(a)) {
    act__q_push(&w->q, a);               /* fairness: to the back of the queue */
    return;
  }
  /* Release the actor. Once sched is 0 another worker may own it, so only
   * mq_head is looked at: if a push came in since `seen`, take the actor
   * back — unless that producer already scheduled it. */
  atomic_store_explicit(&a->sched, 0, memory_order_seq_cst);
  act_rt_t *rt1 = act__rt_of(a);
  int moved = atomic_load_explicit(&a->mq_head, memory_order_seq_cst) != seen ||
              (rt1 && atomic_load_explicit(&rt1->ctl_head, memory_order_seq_cst) != seen_ctl &&
               !(rt0 == NULL && atomic_load_explicit(&rt1->ctl_head, memory_order_seq_cst) == &rt1->ctl_stub));
  if (moved && atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0)
    act__q_push(&w->q, a);
}
