/* backpressure.c: senders paused on a full mailbox (LANGUAGE.md §7). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "actor/actor.h"

/* Rule 3 is a store-then-load on both sides (the receiver: mq_out, then
 * the waiters; the parker: the waiters, then mq_out), which needs a full
 * fence on both. The receiver's side runs after every run of every actor
 * and parking is rare, so the parker pays for both with membarrier(2):
 * every running thread of the process passes a full barrier during the
 * call, and the receiver needs only a compiler barrier (the asymmetric
 * Dekker of userspace RCU). Without membarrier (old kernels, valgrind)
 * both sides fence. Decided once, before the workers start. */
static int asymmetric;

void act__backpressure_init(void) {
#ifdef __NR_membarrier
  asymmetric = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#endif
}

static void heavy_fence(void) {
#ifdef __NR_membarrier
  if (asymmetric && syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return;
#endif
  atomic_thread_fence(memory_order_seq_cst);
}

static inline void light_fence(void) {
  if (asymmetric) atomic_signal_fence(memory_order_seq_cst);
  else atomic_thread_fence(memory_order_seq_cst);
}

static _Atomic int parked_count;   /* quiescence: a parked actor is not idle */

static void lock_pair(act_rt_t *x, act_rt_t *y) {
  if (x > y) { act_rt_t *t = x; x = y; y = t; }
  pthread_mutex_lock(&x->lock);
  if (y != x) pthread_mutex_lock(&y->lock);
}

static void unlock_pair(act_rt_t *x, act_rt_t *y) {
  pthread_mutex_unlock(&x->lock);
  if (y != x) pthread_mutex_unlock(&y->lock);
}

static int cannot_drain(act_actor_t *t) {
  return (atomic_load(&t->flags) & (AF_DEAD | AF_PARKED | AF_NOMAIL)) != 0;
}

/* Park `a` (whose handler overfilled t's mailbox) until t drains to half.
 * Returns 0 when a may go on instead. */
int act__park(act_actor_t *a, act_actor_t *t) {
  act_rt_t *ra = act__rt(a), *rt = act__rt(t);
  int parked = 0;
  lock_pair(ra, rt);
  if (!cannot_drain(t) && !(atomic_load(&a->flags) & AF_DEAD) && act__queued(t) > act__bound_of(t) / 2) {
    act__push_actor(&rt->waiters, &rt->nwaiters_, &rt->capwaiters, a);
    atomic_store(&rt->nwaiters, rt->nwaiters_);
    heavy_fence();
    /* Look again: t may have drained or blocked between our first look
     * and the registration, without seeing us. */
    if (cannot_drain(t) || act__queued(t) <= act__bound_of(t) / 2) {
      rt->nwaiters_--;
      atomic_store(&rt->nwaiters, rt->nwaiters_);
    } else {
      atomic_fetch_or(&a->flags, AF_PARKED);
      atomic_fetch_add(&parked_count, 1);
      parked = 1;
    }
  }
  unlock_pair(ra, rt);
  return parked;
}

/* Put the paused senders back on this worker (their sched flag stayed 1
 * while parked, so nobody else scheduled them). */
void act__wake_waiters(act_ctx_t *cx, act_actor_t *t) {
  act_rt_t *rt = act__rt_of(t);
  if (rt == NULL || atomic_load(&rt->nwaiters) == 0) return;
  pthread_mutex_lock(&rt->lock);
  int n = rt->nwaiters_;
  act_actor_t **w = rt->waiters;
  rt->waiters = NULL;
  rt->nwaiters_ = rt->capwaiters = 0;
  atomic_store(&rt->nwaiters, 0);
  for (int i = 0; i < n; i++) atomic_fetch_and(&w[i]->flags, ~(uint32_t)AF_PARKED);
  pthread_mutex_unlock(&rt->lock);
  for (int i = 0; i < n; i++) {
    act__schedule(cx && cx->worker ? cx : NULL, w[i]);
    atomic_fetch_sub(&parked_count, 1);   /* after it is queued (quiescence) */
  }
}

/* The receiver's side of rule 3, after a run: fenced against act__park(). */
void act__wake_if_drained(act_ctx_t *cx, act_actor_t *t) {
  light_fence();   /* between the run's last mq_out store and these loads */
  if (act__waiters_may_go(act__rt_of(t), t)) act__wake_waiters(cx, t);
}

/* Rule 2: `a` enters a state in which it takes no user mail. The flag is
 * set before the waiters are looked at (both sequentially consistent),
 * and act__park() registers before it looks at the flag. */
void act__block_mail(act_ctx_t *cx, act_actor_t *a, uint32_t flag) {
  atomic_fetch_or(&a->flags, flag);
  atomic_thread_fence(memory_order_seq_cst);
  act__wake_waiters(cx, a);
}

int act__parked_count(void) { return atomic_load(&parked_count); }
