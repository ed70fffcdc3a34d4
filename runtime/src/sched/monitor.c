/* monitor.c: the monitor thread. `next` cannot be stolen, so an actor
 * woken by a handler that then computes for a long time would wait for it.
 * Every millisecond while some worker is awake, a worker whose `next` has
 * not moved and who is still in the same run gets it taken from it: into
 * its queue, where idle workers steal. When every worker sleeps, so does
 * the monitor. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched.h"

/* The monitor: `next` cannot be stolen, so an actor woken by a handler
 * that then computes for a long time would wait for it. Every millisecond
 * while some worker is awake, a worker whose `next` has not moved and who
 * is still in the same run gets it taken from it: into its queue, where
 * idle workers steal. When every worker sleeps, so does the monitor. */
static pthread_cond_t monitor_cv = PTHREAD_COND_INITIALIZER;

static int monitor_waiting;

void *act__monitor_main(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "act-monitor");
  for (;;) {
    pthread_mutex_lock(&act__sched_mu);
    while (act__idle_count == atomic_load(&act__nworkers)) {
      monitor_waiting = 1;
      pthread_cond_wait(&monitor_cv, &act__sched_mu);
    }
    monitor_waiting = 0;
    pthread_mutex_unlock(&act__sched_mu);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    int n = atomic_load(&act__nworkers);
    for (int i = 0; i < n; i++) {
      act_worker_t *v = &act__workers[i];
      act_actor_t *nx = atomic_load_explicit(&v->next, memory_order_acquire);
      uint64_t r = atomic_load_explicit(&v->runs, memory_order_relaxed);
      if (nx && nx == v->mon_next && r == v->mon_runs) {
        /* Take and queue it under the scheduler's lock: between the two the
         * actor is in no slot and no queue, and a quiescence check (made
         * under this lock) must never see that moment. It once did, on an
         * oversubscribed machine where this thread was descheduled right
         * there: the program ended with the actor's mail unhandled. */
        pthread_mutex_lock(&act__sched_mu);
        int moved = atomic_compare_exchange_strong(&v->next, &nx, NULL);
        if (moved) {
          atomic_store(&v->q_open, 1);   /* a lazy worker takes it too */
          act__q_push(&v->q, nx);
          pthread_cond_signal(&act__sched_cv);
        }
        pthread_mutex_unlock(&act__sched_mu);
        if (moved) nx = NULL;
      }
      int64_t head = atomic_load_explicit(&v->q.head, memory_order_relaxed);
      if (head == v->mon_head && act__q_len(&v->q) > 0) {
        /* Its queue's front has not moved for a tick: its owner is in one
         * long run and lazy workers leave short queues to their owners
         * (worker.c, "Spinning that pays"). Open it to single steals and
         * wake one. */
        atomic_store(&v->q_open, 1);
        pthread_mutex_lock(&act__sched_mu);
        pthread_cond_signal(&act__sched_cv);
        pthread_mutex_unlock(&act__sched_mu);
      }
      v->mon_head = head;
      v->mon_next = nx;
      v->mon_runs = r;
    }
  }
  return NULL;
}

void act__monitor_poke(void) {
  if (monitor_waiting) pthread_cond_signal(&monitor_cv);
}
