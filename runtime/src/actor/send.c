/* send.c: tells. A send pushes onto the receiver's mailbox and schedules it
 * if it was idle; backpressure (§7) is recorded here and acted on by
 * dispatch at the end of the handler (backpressure.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/mailbox.h"
#include "cluster/remote.h"

/* A sender helps (act__help) once it has queued more than a quarter of
 * the receiver's bound or HELP_MAX messages, whichever is fewer, and
 * helps until the receiver holds half that. The cap keeps what a sender
 * feeding many consumers has queued small enough to stay in cache:
 * fjthroughput's 60 Workers held 512-1,024 messages each with the
 * default bound (a quarter of 4,096), 2-3 MB that each message was read
 * back from; at 64-128 each, one worker's CPU fell from 0.60 to 0.41 s
 * (medians of 9 interleaved runs, bench/history.md perf7). */
#define HELP_MAX 128

static inline uint32_t help_from(uint32_t bound) {
  return bound / 4 < HELP_MAX ? bound / 4 : HELP_MAX;
}

/* Inline in act_send, the path of every tell; act__enqueue for the rest. */
static inline __attribute__((always_inline)) void enqueue(act_ctx_t *cx, act_actor_t *a, act_msg_t *m) {
  if (m->flags & MF_LANE) {
    act_rt_t *rt = act__rt(a);
    act__vq_push(&rt->ctl_head, m);
  } else {
    act__mq_push(a, m);
  }
  if (atomic_load_explicit(&a->sched, memory_order_seq_cst) == 0 &&
      atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0) {
    act__schedule(cx, a);
  } else if (cx && cx->worker && atomic_load_explicit(&cx->worker->next, memory_order_relaxed) == a) {
    /* A second message to the actor waiting in our `next` within one
     * handler: a stream, not a request/reply. It runs better beside us on
     * another core than after us on this one, once our queue is open to
     * thieves (worker.c, steal). */
    act_actor_t *n = a;
    if (atomic_compare_exchange_strong(&cx->worker->next, &n, NULL))
      act__schedule_displaced(cx->worker, a);
  }
}

void act__enqueue(act_ctx_t *cx, act_actor_t *a, act_msg_t *m) {
  /* Only control messages reach a proxy this way (stops from a
   * supervisor); user mail goes through act_send. */
  if ((m->flags & MF_CTL) && (atomic_load_explicit(&a->flags, memory_order_relaxed) & AF_REMOTE)) {
    act__remote_ctl(cx, a, m);
    return;
  }
  enqueue(cx, a, m);
}

void act__push(act_actor_t *a, act_msg_t *m) { act__enqueue(NULL, a, m); }

/* act_send's rare targets, out of line: the path of every tell stays
 * short (bench/history.md, perf6). */
static __attribute__((noinline)) void send_rare(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  /* A virtual activation's tell passes the lease's gate here, once: the
   * paths below take registry and shard locks (rt.h, act__vgate_begin). */
  int g = act__vgate_begin(cx);
  if (to->flags & AF_REMOTE) {
    act__remote_send(cx, to, m);       /* on another node (cluster/remote.c) */
  } else if (to->flags & AF_VIRTUAL) {
    /* A key (virtual/virtual.c). It sends to the activation under its
     * registry's lock: no help (act__help) may run other actors in there. */
    act_worker_t *w = cx ? cx->worker : NULL;
    if (w) w->nohelp++;
    act__virtual_send(cx, to, m);
    if (w) w->nohelp--;
  } else if (m->future) {
    act__fail_future(cx, m->future, m->sender, "failed: the target is gone");
  }
  act__vgate_end(cx, g);
}

/* After the push: the pools ran dry, or the receiver holds more than
 * help_from(its bound) (queued != 0). Out of line, as send_rare. */
static __attribute__((noinline)) void send_help(act_worker_t *w, act_actor_t *self, act_actor_t *to,
                                                uint32_t queued) {
  if (w->starved) {
    /* The message pools ran dry: consumers hold every message. Whether
     * or not the sender's own mailbox is over its bound: a help only runs
     * others, it never waits, so the cycle rule of the pause (§7) does
     * not apply. With that condition fjcreate's Main, whose mailbox fills
     * with Acks, stopped helping after 4,096 Workers and queued the rest
     * unrun, a million with their Go (213 MB peak with one worker; 151 MB
     * without it, bench/history.md perf7). */
    w->starved = 0;
    if (self && self != to && !w->helping && w->nohelp == 0)
      act__help(w, NULL, 0);
  }
  if (queued != 0 && !w->helping && w->nohelp == 0) {
    /* The pause comes only after this handler, which may send on for
     * long: meanwhile this worker runs the consumers (act__help), from
     * help_from(bound), so that a sender feeding many consumers keeps
     * that much queued in each, not whole bounds. */
    uint32_t bound = act__bound_of(to);
    act__help(w, to, help_from(bound) / 2);
    if (w->pause_on == to && act__queued(to) <= bound / 2) w->pause_on = NULL;
  }
}

void act_send(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  if (to == NULL) return;                  /* a sender outside any actor */
  if (to->flags & (AF_DEAD | AF_REMOTE | AF_VIRTUAL)) {   /* one test on the hot path */
    send_rare(cx, to, m);
    return;
  }
  /* Backpressure (LANGUAGE.md §7): the send always succeeds; a sender that
   * overfills a mailbox is paused after its current handler. */
  m->flags |= MF_COUNTED;
  uint32_t in = atomic_fetch_add_explicit(&to->mq_in, 1, memory_order_relaxed) + 1;
  /* The receiver's count lives on its own cache line: a large bound is
   * checked every 64 sends, which keeps the line quiet (the bound is
   * soft by a few dozen messages then); small bounds every time. A sender
   * whose own mailbox is over its bound is never paused: actors filling
   * each other's mailboxes in a cycle slow down but cannot stop. */
  act_worker_t *w = cx ? cx->worker : NULL;
  if (w == NULL) {
    enqueue(NULL, to, m);
    return;
  }
  /* A virtual activation's tell waits while its lease is past its guard
   * (virtual/vfence.c); one load and a branch for every other sender. */
  if (__builtin_expect(cx->vgate, 0)) act__vgate(cx);
  uint32_t bound = act__bound_of(to);
  act_actor_t *self = cx->self;
  uint32_t queued = 0;
  if (self && self != to && ((in & 63) == 0 || bound < 1024)) {
    queued = in - atomic_load_explicit(&to->mq_out, memory_order_relaxed);
    if (queued > help_from(bound) && act__queued(self) <= act__bound_of(self)) {
      if (queued > bound) w->pause_on = to;
    } else {
      queued = 0;
    }
  }
  enqueue(cx, to, m);
  if (__builtin_expect(w->starved || queued != 0, 0)) send_help(w, self, to, queued);
}
