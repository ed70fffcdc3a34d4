/* monitor.c: the monitor thread. Every millisecond while some worker is
 * awake it looks at each worker: a `next` that has not moved while its
 * worker stayed in the same run goes to the worker's queue (`next` cannot
 * be stolen, so an actor woken by a handler that then computes for long
 * would wait for it), and a queue whose owner is stuck, a tick behind or
 * running long handlers is opened to thieves (rt/SCHED.md, "Stealing that
 * pays"). When every worker sleeps, so does the monitor. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched.h"

static pthread_cond_t monitor_cv = PTHREAD_COND_INITIALIZER;

/* Fewer runs than this in a tick (1 ms) with actors queued: they average
 * 20 us or more, and moving one to another core (its state, mailbox and
 * messages: a few cache lines at ~30 ns each, then its working set)
 * costs at most a few percent of its run, within issue 18's 5%. Runs of
 * 50-100 ns (bench/savina/big: ~15,000 a tick) pay more for the move
 * than a second core gives them, and a Worker of fjthroughput (64
 * messages, ~3 us) about breaks even (bench/history.md, branch big2). */
#define COARSE_RUNS 50
#define TICK_NS 1000000
/* A worker that had under half a tick of CPU in a tick was most likely
 * taken off its core by the kernel (a shared machine): its queue waits
 * for it rather than being opened, since a steal then spreads
 * fine-grained work over two cores for good (test sched_spread failed
 * under ctest -j2 that way). After QUIET_TICKS such looks in a row it is
 * treated as stuck all the same: it may be waiting in a system call that
 * was not marked `blocking`. */
#define QUIET_TICKS 8

static int64_t cpu_ns(act_worker_t *v) {
  struct timespec ts;
  if (!atomic_load_explicit(&v->has_clock, memory_order_acquire) || clock_gettime(v->cpu_clock, &ts) != 0)
    return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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
    /* A collection in the tick: its marking ran inside some worker's run
     * (looking stuck, or like a few long runs) and stopped the others, so
     * this tick tells nothing about the runs. */
    static GC_word gc_seen;
    GC_word gc_no = GC_get_gc_no();
    int collected = gc_no != gc_seen;
    gc_seen = gc_no;
    for (int i = 0; i < n; i++) {
      act_worker_t *v = &act__workers[i];
      act_actor_t *nx = atomic_load_explicit(&v->next, memory_order_acquire);
      uint64_t r = atomic_load_explicit(&v->runs, memory_order_relaxed);
      /* Whether it worked through the tick (its CPU time grew by half a
       * tick or more), or is in a blocking call, or has been quiet too
       * long: only then is it stuck or behind. Without a CPU clock it
       * counts as working, as before. */
      int64_t cpu = cpu_ns(v);
      int64_t d_cpu = cpu < 0 ? TICK_NS : cpu - v->mon_cpu;
      v->mon_quiet = d_cpu >= TICK_NS / 2 ? 0 : v->mon_quiet + 1;
      int worked = (!collected && (d_cpu >= TICK_NS / 2 || v->mon_quiet >= QUIET_TICKS)) ||
                   atomic_load_explicit(&v->blocked, memory_order_relaxed);
      v->mon_cpu = cpu;
      if (worked && nx && nx == v->mon_next && r == v->mon_runs) {
        /* Take and queue it under the scheduler's lock: between the two the
         * actor is in no slot and no queue, and a quiescence check (made
         * under this lock) must never see that moment. It once did, on an
         * oversubscribed machine where this thread was descheduled right
         * there: the program ended with the actor's mail unhandled. */
        pthread_mutex_lock(&act__sched_mu);
        int moved = atomic_compare_exchange_strong(&v->next, &nx, NULL);
        if (moved) {
          atomic_store(&v->q_open, Q_OPEN_STUCK);   /* any worker takes it */
          act__q_push(&v->q, nx);
          pthread_cond_signal(&act__sched_cv);
        }
        pthread_mutex_unlock(&act__sched_mu);
        if (moved) nx = NULL;
      }
      int64_t head = atomic_load_explicit(&v->q.head, memory_order_relaxed);
      int64_t tail = atomic_load_explicit(&v->q.tail, memory_order_relaxed);
      int open = 0;
      if (worked && head != tail && head == v->mon_head)
        open = Q_OPEN_STUCK;   /* the front has not moved for a tick: one long run */
      else if (worked && head != tail &&
               (head < v->mon_tail || (r - v->mon_runs) * (TICK_NS / COARSE_RUNS) < (uint64_t)d_cpu))
        open = Q_OPEN_SLACK;   /* behind by a tick, or runs long enough to move */
      int was = atomic_load_explicit(&v->q_open, memory_order_relaxed);
      if (open) {
        /* Other workers leave a queue to its owner until then (worker.c,
         * steal): open it and wake one. */
        if (open != was) atomic_store(&v->q_open, open);
        pthread_mutex_lock(&act__sched_mu);
        pthread_cond_signal(&act__sched_cv);
        pthread_mutex_unlock(&act__sched_mu);
      } else if (was == Q_OPEN_SLACK) {
        atomic_store(&v->q_open, 0);
      }
      v->mon_head = head;
      v->mon_tail = tail;
      v->mon_next = nx;
      v->mon_runs = r;
    }
  }
  return NULL;
}

void act__monitor_poke(void) {
  if (monitor_waiting) pthread_cond_signal(&monitor_cv);
}
