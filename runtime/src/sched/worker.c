/* worker.c: worker threads, their loop (next slot, own queue, injection
 * queue, stealing, spinning, sleeping), scheduling an actor that got mail,
 * quiescence and the program's exit status, and blocking calls. Design:
 * rt/SCHED.md; the protocol is model-checked in rt/sched.pml. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched.h"
#include "actor/actor.h"
#include "cluster/remote.h"

static _Thread_local act_worker_t *this_worker;

act_worker_t *act__current_worker(void) { return this_worker; }

/* A node's loop thread while it runs an arrival (cluster/remote.c): what
 * a crash report names (act__handler_worker). */
static _Thread_local act_worker_t *outside_now;

void act__outside_set(act_worker_t *w) { outside_now = w; }

act_worker_t *act__handler_worker(void) { return this_worker ? this_worker : outside_now; }

/* Every thread that runs handlers: a stack to report an overflow on
 * (rt/start.c, on_segv), which runs on the stack that overflowed
 * otherwise. */
static _Thread_local void *alt_stack;   /* the thread's for its life: kept where leak checkers look */

void act__handler_thread(void) {
  stack_t ss;
  ss.ss_size = 64 * 1024;
  ss.ss_sp = alt_stack = malloc(ss.ss_size);
  ss.ss_flags = 0;
  if (ss.ss_sp) sigaltstack(&ss, NULL);
}

void act__handler_thread_end(void) {
  stack_t ss = {.ss_flags = SS_DISABLE};
  sigaltstack(&ss, NULL);
  free(alt_stack);
  alt_stack = NULL;
}

act_worker_t *act__workers;

_Atomic int act__nworkers;   /* grows when blocking calls hold workers */

int act__max_workers;

runq_t act__inject;

pthread_mutex_t act__sched_mu = PTHREAD_MUTEX_INITIALIZER;

pthread_cond_t act__sched_cv = PTHREAD_COND_INITIALIZER;

_Atomic int act__sleeping;

int act__idle_count;

static pthread_mutex_t exit_mu = PTHREAD_MUTEX_INITIALIZER;

static pthread_cond_t exit_cv = PTHREAD_COND_INITIALIZER;

static int exit_code = -1;

/* No quiescence before the first actor is spawned from outside (Main, or
 * an embedding program's first actor): idle workers at start-up are not
 * a finished program. */
_Atomic int act__program_started;

/* Workers looking for work before they sleep (at most one at a time, see
 * worker_main). */
static _Atomic int spinning;

/* Spinning that pays. An idle worker spins (~100 us) before it sleeps:
 * that pays when work comes from outside the workers (journal
 * completions, timer ticks, a peer node's messages: the injection queue;
 * a sleeper would take tens of microseconds to wake) or when what it
 * finds keeps it busy. It does not pay when all it finds is one short
 * actor at a time, stolen from a worker that is awake and would run it
 * anyway: fjcreate's thief took one Worker from the spawning init, ran it
 * in under a microsecond and spun for the next (72% of its time; two
 * threads cost 45-75% more CPU than one). So each worker keeps a credit:
 * an idle spell that found outside work or its own, or whose work kept
 * the worker busy PAYS_NS, refills it; one that found a short stolen
 * trickle spends one. Out of credit a worker is lazy: it spins
 * LAZY_ROUNDS only. (It used to steal only from queues of 16 or more as
 * well; now no worker steals from an awake owner's queue until the
 * monitor opens it: see steal.) Outside work refills the credit at
 * once. */
#define PAYS_NS 1000000
#define CREDIT 8
#define LAZY_ROUNDS 2

/* A worker that is spinning will find the queued actor itself: waking a
 * sleeper as well would only put a second thread on the run queue of a
 * machine that may have no core for it. Nor is a sleeper woken for a
 * queue it may not steal from (not open: see steal). (A wake-up missed
 * here costs only parallelism: the queue's owner is awake and runs it,
 * and the monitor wakes one when it opens the queue.) */
void act__wake_one(act_worker_t *w) {
  if (atomic_load_explicit(&spinning, memory_order_relaxed) == 0 &&
      atomic_load_explicit(&act__sleeping, memory_order_relaxed) > 0 &&
      (w == NULL || atomic_load_explicit(&w->q_open, memory_order_relaxed))) {
    pthread_mutex_lock(&act__sched_mu);
    pthread_cond_signal(&act__sched_cv);
    pthread_mutex_unlock(&act__sched_mu);
  }
}

/* act__schedule's slow paths (the fast one is inline in sched.h). */
void act__schedule_displaced(act_worker_t *w, act_actor_t *old) {
  if (w->outside) {   /* nobody steals from a loop thread's queue */
    act__schedule_inject(old);
    return;
  }
  act__q_push(&w->q, old);
  /* Wake another worker only when this one has more than it runs next
   * (ping-pong pairs stay on one core), and its queue is open. */
  act__wake_one(w);
}

void act__schedule_inject(act_actor_t *a) {
  pthread_mutex_lock(&act__sched_mu);
  act__q_push(&act__inject, a);
  pthread_cond_signal(&act__sched_cv);
  pthread_mutex_unlock(&act__sched_mu);
}

/* Take one actor, or half of a long queue (at most 32) in one visit:
 * one lock round trip per batch instead of per actor when one producer
 * feeds many consumers. Only open queues (sched.h, q_open): an awake
 * owner that keeps up with its queue runs it, since an actor moved to
 * another core takes its cache lines with it and short runs cannot pay
 * for that (see "Stealing that pays"). From an owner in one long run,
 * one actor: the run may be an init that queued many short ones (big's
 * Main spawns 120 Peers), and half of them moved would spread their
 * fine-grained work over two cores (test sched_spread, 1 run in 5). */
static act_actor_t *steal(act_worker_t *self) {
  for (int i = 1; i < act__nworkers; i++) {
    act_worker_t *v = &act__workers[(self->id + i) % act__nworkers];
    runq_t *q = &v->q;
    int64_t seen = LD(q->tail) - LD(q->head);
    int open = atomic_load_explicit(&v->q_open, memory_order_relaxed);
    if (seen <= 0 || !open) continue;
    int one = open == Q_OPEN_STUCK && !atomic_load_explicit(&v->blocked, memory_order_relaxed);
    act_actor_t *got[32];
    int n = 0;
    act__q_lock(q);
    int64_t head = LD(q->head), len = LD(q->tail) - head;
    int64_t take = len >= 16 && !one ? len / 2 : (len > 0 ? 1 : 0);
    if (take > 32) take = 32;
    for (; n < take; n++, head++) {
      got[n] = q->ring[head % q->cap];
      q->ring[head % q->cap] = NULL;
    }
    ST(q->head, head);
    act__q_unlock(q);
    if (n == 0) continue;
    /* A stuck owner's queue lets one steal through; the monitor opens it
     * again if it is still stuck a tick later. */
    if (open == Q_OPEN_STUCK) atomic_store_explicit(&v->q_open, 0, memory_order_relaxed);
    for (int k = 1; k < n; k++) act__q_push(&self->q, got[k]);
    return got[0];
  }
  return NULL;
}

/* Work this worker can take without waiting: its `next`, its queue, the
 * injection queue, another worker's queue. Every 32nd pick looks at the
 * injection queue first, as the loop does: a help of thousands of runs
 * must not hold back timer ticks, ask time-outs and journal completions
 * while the local work never runs out. */
static act_actor_t *pick_now(act_worker_t *w) {
  if ((++w->tick & 31) == 0) {
    act_actor_t *o = act__q_pop(&act__inject);
    if (o) return o;
  }
  act_actor_t *a = atomic_load_explicit(&w->next, memory_order_relaxed)
                       ? atomic_exchange_explicit(&w->next, NULL, memory_order_acq_rel)
                       : NULL;
  if (a == NULL) a = act__q_pop(&w->q);
  if (a == NULL) a = act__q_pop(&act__inject);
  if (a == NULL) a = steal(w);
  return a;
}

/* Runs of other actors one help may make: enough to take every one of a
 * few hundred consumers from full to half (fjthroughput: 60 x 32), few
 * enough that a sender whose target cannot drain here goes on soon. */
#define HELP_RUNS 16384

/* Rounds of 32 CPU pauses an idle worker looks for work before it sleeps:
 * about 100 us on current x86 (a pause is ~40 ns on Skylake and later). */
#define SPIN_ROUNDS 64
#define SPIN_NS 100000
#define YIELD_EVERY 4

/* LANGUAGE.md §7 pauses a flooding sender only after its handler, so a
 * handler that sends millions of messages (fjthroughput's Sender) queued
 * them all: with one worker nobody else runs meanwhile (12M messages,
 * 818 MB), with two the consumers fall behind. A send never blocks, but
 * the sender's worker may run other actors inside it, as a fork-join pool
 * runs other tasks inside a join: they are taken as the loop takes them
 * (so ownership follows the usual scheduling flag), each in a run of its
 * own with its own fault landing, and the sender's handler is untouched
 * (no other actor can run it: its flag is 1 and it is in no queue). To
 * the program this is the same as the consumers running on other cores. */
void act__help(act_worker_t *w, act_actor_t *t, uint32_t until) {
  act_ctx_t cx = w->cx;
  act_actor_t *pause_on = w->pause_on;
  act_actor_t *running = atomic_load_explicit(&w->running, memory_order_relaxed);
  int next_runs = w->next_runs;
  act_jmp_t jb;
  memcpy(jb, w->jb, sizeof jb);
  w->helping = 1;
  for (int runs = 0; runs < HELP_RUNS && (t == NULL || act__queued(t) > until); runs++) {
    if (t && (atomic_load_explicit(&t->flags, memory_order_relaxed) & (AF_DEAD | AF_PARKED | AF_NOMAIL))) break;
    act_actor_t *a = pick_now(w);
    if (a == NULL) break;
    act__run_actor(w, a);
  }
  w->helping = 0;
  memcpy(w->jb, jb, sizeof jb);
  w->next_runs = next_runs;
  atomic_store_explicit(&w->running, running, memory_order_relaxed);
  w->pause_on = pause_on;
  w->cx = cx;
}

int act__all_asleep(void) {
  return atomic_load_explicit(&spinning, memory_order_relaxed) == 0 &&
         atomic_load_explicit(&act__sleeping, memory_order_relaxed) ==
             atomic_load_explicit(&act__nworkers, memory_order_relaxed);
}

static _Atomic int outside_runs;

void act__outside_run(int delta) {
  if (atomic_fetch_add(&outside_runs, delta) + delta == 0) act__quiescence_check();
}

static int all_queues_empty(void) {
  if (act__q_len(&act__inject)) return 0;
  for (int i = 0; i < act__nworkers; i++)
    if (act__q_len(&act__workers[i].q)) return 0;
  return 1;
}

static void set_exit(int code) {
  int sig = act__stop_signal();
  if (sig && code == 0) code = 128 + sig;
  pthread_mutex_lock(&exit_mu);
  if (exit_code < 0) exit_code = code;
  pthread_cond_broadcast(&exit_cv);
  pthread_mutex_unlock(&exit_mu);
}

/* Pending I/O of the standard library (std.net's open sockets): while
 * above zero the program is not quiescent (§6). The count going to zero
 * runs the check, as the timer thread does for its last timer. */
static _Atomic int64_t io_pending;

void act__io_pending_add(int64_t delta) {
  if (atomic_fetch_add(&io_pending, delta) + delta == 0) act__quiescence_check();
}

/* Called by the timer thread when its last timer went away (workers check
 * inline, under act__sched_mu, before they sleep). */
/* Under act__sched_mu. Quiescent (§6): every worker asleep, no actor queued,
 * no timer armed, no journal write or std I/O pending, and no actor paused
 * by backpressure. A paused actor holds mail that nobody is running: the
 * rules at act__park() make that impossible, so if it is ever seen it is
 * reported as the runtime's deadlock, never taken for a clean exit. */
static void check_quiescent(void) {
  if (!atomic_load(&act__program_started) || act__idle_count != act__nworkers || !all_queues_empty() ||
      act__timers_armed() != 0 || act__persist_inflight() != 0 ||
      atomic_load(&io_pending) != 0 || atomic_load(&outside_runs) != 0 || act__remote_holds())
    return;
  int parked = act__parked_count();
  if (parked == 0) {
    set_exit(0);
    return;
  }
  act__logf("act: internal error: deadlock: %d actor%s paused by backpressure and nothing left "
            "running to drain the mailboxes they wait on\n", parked, parked == 1 ? "" : "s");
  set_exit(70);
}

/* act_runtime_stop (rt/embed.c): quiescent at this moment, by the rule
 * above, whether or not the program's one-time exit status was set. */
int act__quiet_now(void) {
  pthread_mutex_lock(&act__sched_mu);
  int q = act__idle_count == act__nworkers && all_queues_empty() && act__timers_armed() == 0 &&
          act__persist_inflight() == 0 && act__parked_count() == 0 && atomic_load(&outside_runs) == 0;
  pthread_mutex_unlock(&act__sched_mu);
  return q;
}

void act__quiescence_check(void) {
  if (act__nworkers == 0) return;
  pthread_mutex_lock(&act__sched_mu);
  check_quiescent();
  pthread_mutex_unlock(&act__sched_mu);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One look for work in an idle spell; w->paid says whether it was work
 * that a spin is there for (see "Spinning that pays"). */
static act_actor_t *idle_look(act_worker_t *w) {
  act_actor_t *a = act__q_pop(&act__inject);
  if (a == NULL) a = act__q_pop(&w->q);   /* the monitor may have moved our `next` there */
  w->paid = a != NULL;
  if (a == NULL) a = steal(w);
  return a;
}

/* Nothing to run: spin, then sleep, until there is. */
static act_actor_t *idle(act_worker_t *w) {
  if (w->paid || now_ns() - w->found_ns >= PAYS_NS)
    w->credit = CREDIT;
  else if (w->credit > 0)
    w->credit--;
  w->lazy = w->credit == 0;
  act_actor_t *a = NULL;
  if (atomic_load_explicit(&spinning, memory_order_relaxed) == 0) {
    /* Look again for a while before sleeping (work often appears within
     * microseconds), with CPU pauses only and one worker at a time, as
     * Go's scheduler does. It used to be every idle worker, and 200
     * sched_yield calls after the pauses: on a shared machine a
     * yielding worker never sleeps, so it stays on the kernel's run
     * queue and burns a core (bench/persist at 10,000 events/s: 190,000
     * slices and 1 s of CPU per worker in 3 s; with this, 10,000 and
     * ~0.3 s), and when work does come it waits its turn behind every
     * other runnable thread instead of being woken at once. */
    int first = atomic_fetch_add(&spinning, 1) == 0;
    int rounds = w->lazy ? LAZY_ROUNDS : SPIN_ROUNDS;
    /* Every YIELD_EVERY rounds the core goes to any thread that is
     * waiting for it: a spinner that held it for its whole ~100 us kept
     * the threads that bring the work it waits for (a node's libuv loop
     * reading a peer's reply, the peer node's own threads) off a loaded
     * core; cluster asks spent 25-36 us on average between their loop
     * thread's wake-up and its run (perf sched, docs/cluster.md). The
     * spin stays bounded in time as well as in rounds, so a spinner that
     * got the core back late does not spin on past SPIN_NS. */
    int64_t spin_end = now_ns() + SPIN_NS;
    for (int spin = 0; first && spin < rounds && a == NULL; spin++) {
      for (int p = 0; p < 32; p++) act__cpu_relax();
      a = idle_look(w);
      if (a == NULL && spin % YIELD_EVERY == YIELD_EVERY - 1) {
        if (now_ns() >= spin_end) break;
        sched_yield();
      }
    }
    atomic_fetch_sub(&spinning, 1);
  }
  if (a == NULL) {
    pthread_mutex_lock(&act__sched_mu);
    act__idle_count++;
    atomic_fetch_add(&act__sleeping, 1);
    while ((a = idle_look(w)) == NULL) {
      check_quiescent();
      pthread_cond_wait(&act__sched_cv, &act__sched_mu);
    }
    atomic_fetch_sub(&act__sleeping, 1);
    act__idle_count--;
    act__monitor_poke();
    pthread_mutex_unlock(&act__sched_mu);
  }
  w->found_ns = now_ns();
  return a;
}

static void *worker_main(void *arg) {
  act_worker_t *w = arg;
  w->cx.worker = w;
  this_worker = w;
  char name[16];   /* for top -H, perf and /proc/PID/task: whose CPU is it */
  snprintf(name, sizeof name, "act-worker-%d", w->id);
  pthread_setname_np(pthread_self(), name);
  if (pthread_getcpuclockid(pthread_self(), &w->cpu_clock) == 0)
    atomic_store_explicit(&w->has_clock, 1, memory_order_release);
  act__handler_thread();
  for (;;) {
    act_actor_t *a = NULL;
    /* Work from outside the workers (timer ticks, ask time-outs, journal
     * completions, stop signals, external sends) waits at most 32 rounds,
     * however busy the local queue and `next` are (Go checks its global
     * queue every 61st tick for the same reason). */
    if ((++w->tick & 31) == 0) a = act__q_pop(&act__inject);
    if (a == NULL) {
      a = atomic_load_explicit(&w->next, memory_order_relaxed)
              ? atomic_exchange_explicit(&w->next, NULL, memory_order_acq_rel)
              : NULL;
      if (a && w->next_runs >= NEXT_RUNS) {
        /* After NEXT_RUNS in a row (two actors bouncing messages), the
         * queue gets a turn. */
        act__q_push(&w->q, a);
        a = NULL;
      }
      if (a) {
        w->next_runs++;
      } else {
        w->next_runs = 0;
        /* Back at its own queue: not stuck, so the queue is its own
         * again. (Here rather than every round: a ping-pong pair in
         * `next` pays nothing for it.) */
        if (atomic_load_explicit(&w->q_open, memory_order_relaxed) == Q_OPEN_STUCK)
          atomic_store_explicit(&w->q_open, 0, memory_order_relaxed);
        a = act__q_pop(&w->q);
      }
    }
    if (a == NULL) a = act__q_pop(&act__inject);
    if (a == NULL) a = steal(w);
    if (a == NULL) a = idle(w);
    act__run_actor(w, a);
  }
  return NULL;
}

/* A fixed stack per worker (with a guard page), whatever `ulimit -s` says:
 * runaway recursion in a handler then ends in a clear report (on_segv)
 * instead of eating all memory. */
void act__start_worker(int i) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, ACT_HANDLER_STACK);
  pthread_create(&act__workers[i].th, &attr, worker_main, &act__workers[i]);
  pthread_attr_destroy(&attr);
}

void act_blocking_enter(act_ctx_t *cx) {
  /* A blocking call (a file's write, a user's C) from a virtual activation
   * is made under its lease, as its other effects are (rt.h). */
  act__vgate_check(cx);
  act_worker_t *self = cx ? cx->worker : NULL;
  act_actor_t *nx = self ? atomic_exchange(&self->next, NULL) : NULL;
  if (self && self->outside) {   /* a loop thread (cluster/remote.c): the workers take them */
    if (nx) act__schedule_inject(nx);
    while ((nx = act__q_pop(&self->q))) act__schedule_inject(nx);
    return;   /* it holds no worker: none is needed in its place */
  }
  if (self) {
    /* This worker is about to block: its `next` and its queue go where
     * any worker can take them at once. */
    atomic_store(&self->blocked, 1);
    atomic_store(&self->q_open, Q_OPEN_STUCK);
    if (nx) act__q_push(&self->q, nx);
    if (act__q_len(&self->q) > 0) act__wake_one(self);
  }
  if (atomic_load(&act__sleeping) > 0) return;
  pthread_mutex_lock(&act__sched_mu);
  int i = -1;
  if (atomic_load(&act__nworkers) < act__max_workers) {
    i = atomic_load(&act__nworkers);
    memset(&act__workers[i], 0, sizeof act__workers[i]);
    act__workers[i].id = i;
    atomic_store(&act__nworkers, i + 1);
  }
  pthread_mutex_unlock(&act__sched_mu);
  if (i >= 0) act__start_worker(i);
}

void act_blocking_leave(act_ctx_t *cx) {
  if (cx && cx->worker) atomic_store(&cx->worker->blocked, 0);
}

int act_runtime_wait(void) {
  pthread_mutex_lock(&exit_mu);
  while (exit_code < 0) pthread_cond_wait(&exit_cv, &exit_mu);
  int code = exit_code;
  pthread_mutex_unlock(&exit_mu);
  return code;
}
