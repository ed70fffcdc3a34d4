/* timer.c: after/every and ask time-outs. One timer thread runs a libuv
 * loop; a binary heap ordered by deadline holds the timers, one uv timer is
 * armed for the earliest, and uv_async wakes the loop when one is added. A
 * timer never fires early: it fires at its deadline or later.
 *
 * A cancelled timer leaves the heap at once (each timer knows its place):
 * every ask arms a time-out that its reply cancels, and a cancelled timer
 * left in the heap until its deadline kept its future, and through it the
 * reply, alive that long (5 s, 30 s): a busy HTTP server held hundreds of
 * megabytes, and the collector's pauses grew with them (bench/http). */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "rt/rt.h"

struct act_timer {
  int64_t deadline;
  int64_t period;        /* 0: one shot */
  act_actor_t *to;
  act_msg_t *msg;        /* the message (a copy is sent per tick) */
  act_future_t *future;  /* ask time-out */
  _Atomic int cancelled; /* read by workers when a tick is dispatched */
  _Atomic int done;      /* written under mu; read without it when an
                            actor's timer list is compacted (remember) */
  int at;                /* its index in the heap, -1 when not in it */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static act_timer_t **heap;
static int nheap, capheap;
static _Atomic int armed; /* live timers (not fired, not cancelled) */
static int started;

int64_t act_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void heap_set(int i, act_timer_t *t) {
  heap[i] = t;
  t->at = i;
}

/* Put t at hole i or above it. */
static void sift_up(int i, act_timer_t *t) {
  while (i > 0 && heap[(i - 1) / 2]->deadline > t->deadline) {
    heap_set(i, heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  heap_set(i, t);
}

/* Put t at hole i or below it. */
static void sift_down(int i, act_timer_t *t) {
  for (;;) {
    int c = 2 * i + 1;
    if (c >= nheap) break;
    if (c + 1 < nheap && heap[c + 1]->deadline < heap[c]->deadline) c++;
    if (heap[c]->deadline >= t->deadline) break;
    heap_set(i, heap[c]);
    i = c;
  }
  heap_set(i, t);
}

static void heap_push(act_timer_t *t) {
  if (nheap == capheap) {
    capheap = capheap ? capheap * 2 : 64;
    act_timer_t **h = GC_MALLOC_UNCOLLECTABLE(sizeof *h * (size_t)capheap);
    if (heap) memcpy(h, heap, sizeof *h * (size_t)nheap);
    GC_FREE(heap);
    heap = h;
  }
  sift_up(nheap++, t);
}

/* Take the timer at index i out; the last one fills its hole. */
static void heap_remove(int i) {
  act_timer_t *t = heap[i], *last = heap[--nheap];
  heap[nheap] = NULL;
  t->at = -1;
  if (i == nheap) return;
  if (i > 0 && heap[(i - 1) / 2]->deadline > last->deadline)
    sift_up(i, last);
  else
    sift_down(i, last);
}

static act_timer_t *heap_pop(void) {
  act_timer_t *top = heap[0];
  heap_remove(0);
  return top;
}

static act_msg_t *copy_msg(act_msg_t *m) {
  act_msg_t *c = act_alloc(m->type->size);
  memcpy(c, m, m->type->size);
  c->next = NULL;
  if (m->type->share) m->type->share(c);
  return c;
}

/* Fire every timer that is due, then arm the libuv timer for the next
 * one. Runs on the timer thread (libuv callbacks). */
static uv_loop_t loop;
static uv_timer_t uvt;
static uv_async_t wake;

static void on_timer(uv_timer_t *h);

/* When the uv timer fires at the latest (act_now's clock), INT64_MAX when
 * that is not known; under mu. A timer added with a later deadline needs
 * no wake-up: the uv timer fires first and re-arms for it. Each ask arms a
 * time-out and its reply cancels it, so one ask after another woke this
 * thread once an ask: a thread switch per remote ask on a machine whose
 * cores the ask's own threads wait for (docs/cluster.md, "Measured"). */
static int64_t fires_at = INT64_MAX;

static void fire_due(void) {
  pthread_mutex_lock(&mu);
  fires_at = INT64_MAX;   /* woken, or the uv timer fired: armed again below */
  int64_t now = act_now();
  while (nheap > 0 && heap[0]->deadline <= now) {
    act_timer_t *t = heap_pop();
    if (t->cancelled) continue;
    if (t->to->flags & AF_DEAD) {          /* a stopped actor's timers end */
      t->done = 1;
      armed--;
      continue;
    }
    act_msg_t *m;
    if (t->period > 0) {
      m = copy_msg(t->msg);
      t->deadline += t->period;
      if (t->deadline < now) t->deadline = now + t->period;
      heap_push(t);
    } else {
      m = t->msg;
      t->done = 1;
    }
    /* Queue first, count down after: the quiescence check then sees
     * either the timer or the message it sent. */
    act__push(t->to, m);
    if (t->period == 0) armed--;
  }
  if (nheap > 0) {
    /* libuv counts milliseconds: round up, and re-check on wake-up, so a
     * timer never fires early. */
    int64_t left = heap[0]->deadline - now;
    int64_t ms = (left + 999999) / 1000000;
    uv_timer_start(&uvt, on_timer, (uint64_t)ms, 0);
    /* libuv counts from the loop's time, which is not later than now */
    fires_at = now + ms * 1000000;
  }
  int none = armed == 0;
  pthread_mutex_unlock(&mu);
  if (none) act__quiescence_check();
}

static void on_wake(uv_async_t *h) { (void)h; fire_due(); }
static void on_timer(uv_timer_t *h) { (void)h; fire_due(); }

static void *timer_main(void *arg) {
  (void)arg;
  uv_run(&loop, UV_RUN_DEFAULT);
  return NULL;
}

void act__timers_start(void) {
  uv_loop_init(&loop);
  uv_timer_init(&loop, &uvt);
  uv_async_init(&loop, &wake, on_wake);
  pthread_t th;
  pthread_create(&th, NULL, timer_main, NULL);
  pthread_detach(th);
  started = 1;
}

act_timer_t *act__timer_add(int64_t ns, int64_t period, act_actor_t *to, act_msg_t *m,
                            act_future_t *f) {
  act_timer_t *t = act_alloc(sizeof *t);
  t->deadline = act_now() + (ns > 0 ? ns : 0);
  t->period = period;
  t->to = to;
  t->msg = m;
  m->flags &= ~(uint32_t)MF_POOLED;   /* a timer may deliver it again */
  if (m->flags & MF_TIMER) m->timer = t;   /* before the timer thread can see it */
  t->future = f;
  pthread_mutex_lock(&mu);
  armed++;
  heap_push(t);
  int sooner = t->deadline < fires_at;
  pthread_mutex_unlock(&mu);
  if (sooner) uv_async_send(&wake);   /* the timer thread re-arms for the earliest */
  return t;
}

void act__timer_cancel(act_timer_t *t) {
  if (t == NULL) return;
  pthread_mutex_lock(&mu);
  int last = 0;
  if (!t->cancelled) {
    /* Also once fired: its message may still be queued, and is dropped. */
    t->cancelled = 1;
    if (t->at >= 0) heap_remove(t->at);
    if (!t->done) {
      armed--;
      last = armed == 0;
    }
  }
  pthread_mutex_unlock(&mu);
  if (last) act__quiescence_check();
}

/* Read without the timer lock: the quiescence check holds the scheduler's
 * lock, and the timer thread takes that one inside its own. A timer is
 * counted until after its message is queued, so a reader never sees both
 * "no timer" and "no message". */
int act__timers_armed(void) { return atomic_load(&armed); }

/* A timer belongs to the actor that armed it: its restart or stop cancels
 * the timer (act__drop_incarnation, act__finish), so that an `init` that
 * arms `every(1s, self, Tick)` has one timer after a restart, not two. A
 * timer armed for another actor is a tell to come: that actor's restart
 * keeps it, as it keeps its queued mail (LANGUAGE.md §8), and its stop
 * drops it when it fires (fire_due). One armed outside any actor (a host
 * program) has no owner. */
static void remember(act_ctx_t *cx, act_timer_t *t) {
  if (cx == NULL || cx->self == NULL) return;
  act_rt_t *rt = act__rt(cx->self);
  pthread_mutex_lock(&rt->lock);
  if (rt->ntimers == rt->captimers) {
    /* Drop finished timers before growing. */
    int k = 0;
    for (int i = 0; i < rt->ntimers; i++)
      if (!rt->timers[i]->done && !rt->timers[i]->cancelled) rt->timers[k++] = rt->timers[i];
    rt->ntimers = k;
    if (k == rt->captimers) {
      rt->captimers = rt->captimers ? rt->captimers * 2 : 4;
      act_timer_t **nt = act_alloc(sizeof *nt * (size_t)rt->captimers);
      if (k) memcpy(nt, rt->timers, sizeof *nt * (size_t)k);
      rt->timers = nt;
    }
  }
  rt->timers[rt->ntimers++] = t;
  pthread_mutex_unlock(&rt->lock);
}

/* A tick remembers its timer, so that one already queued when the timer
 * is cancelled is dropped at dispatch (LANGUAGE.md §7). */
static void mark_tick(act_msg_t *m) { m->flags |= MF_TIMER; }

int act__tick_cancelled(act_msg_t *m) { return atomic_load(&m->timer->cancelled); }

/* A timer armed by a virtual activation is a tell to come: under its
 * lease, as a tell (rt.h, act__vgate). */
act_timer_t *act_after(act_ctx_t *cx, int64_t ns, act_actor_t *to, act_msg_t *m) {
  if (to == NULL) return NULL;
  act__vgate_check(cx);
  mark_tick(m);
  act_timer_t *t = act__timer_add(ns, 0, to, m, NULL);
  remember(cx, t);
  return t;
}

act_timer_t *act_every(act_ctx_t *cx, int64_t ns, act_actor_t *to, act_msg_t *m) {
  if (to == NULL) return NULL;
  act__vgate_check(cx);
  if (ns <= 0) ns = 1;
  mark_tick(m);
  act_timer_t *t = act__timer_add(ns, ns, to, m, NULL);
  remember(cx, t);
  return t;
}

void act_cancel(act_ctx_t *cx, act_timer_t *t) {
  (void)cx;
  act__timer_cancel(t);
}
