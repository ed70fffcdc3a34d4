/* start.c: starting the runtime (options, threads, signals) and act_main,
 * the entry point of a compiled program; SIGINT/SIGTERM stop the tree. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "act/cluster.h"
#include "cluster/remote.h"
#include "mem/mem.h"
#include "supervise/supervise.h"

/* SIGINT/SIGTERM: stop the tree from the root down (children first, then
 * each `on stop`), and once everything is quiet exit with 128 + signal.
 * The signals are blocked in every thread and taken by this one. */
static act_actor_t *_Atomic root_actor;   /* read by the signal thread */

act_actor_t *act__root(void) { return root_actor; }

static _Atomic int stop_signal;
static _Atomic int64_t stop_deadline;
/* Set once the signal's stops (the tree, the guests) are queued: until
 * then a node is held open (act__remote_holds), or it could be found
 * quiet between the two and leave before its guests stopped and said so
 * to their watchers on other nodes. */
static _Atomic int stop_queued;

static sigset_t stop_signals;

static double grace_s(void) { return (double)act__stop_grace_ns / 1e9; }

/* The stop did not finish in time: a handler that never returns cannot be
 * interrupted (actors are not preempted), so name it and end the process,
 * as a supervisor's shutdown timeout kills a child in OTP. */
static void stop_overdue(int sig) {
  int named = 0;
  for (int i = 0; i < atomic_load(&act__nworkers); i++) {
    act_actor_t *a = atomic_load_explicit(&act__workers[i].running, memory_order_relaxed);
    if (a == NULL) continue;
    char path[512];
    act__logf("act: %s is still in a handler %gs after %s; exiting without waiting for it\n",
              act__path(a, path, sizeof path), grace_s(), sig == SIGINT ? "SIGINT" : "SIGTERM");
    named = 1;
  }
  if (!named)
    act__logf("act: the program did not finish stopping %gs after %s; exiting\n", grace_s(),
              sig == SIGINT ? "SIGINT" : "SIGTERM");
  act__virtual_exit();
  _exit(128 + sig);
}

static void *signal_main(void *arg) {
  (void)arg;
  for (;;) {
    int sig = 0;
    if (sigwait(&stop_signals, &sig) != 0) continue;
    if (atomic_exchange(&stop_signal, sig) != 0) _exit(128 + sig);   /* second signal */
    act_actor_t *root = root_actor;
    if (root == NULL) _exit(128 + sig);
    act_stop(NULL, root);
    act__remote_stop_guests();   /* actors other nodes spawned here */
    atomic_store(&stop_queued, 1);
    act__quiescence_check();     /* both may have ended already */
    /* A second signal ends the process at once; otherwise the stop has a
     * grace period (the process exits by itself when it completes). */
    int64_t deadline = act_now() + act__stop_grace_ns;
    atomic_store(&stop_deadline, deadline);
    for (int64_t left; (left = deadline - act_now()) > 0;) {
      struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
      int again = sigtimedwait(&stop_signals, NULL, &ts);
      if (again > 0) _exit(128 + again);
    }
    stop_overdue(sig);
  }
  return NULL;
}

/* Stack overflow (or any wild access) in generated code: name the actor
 * instead of dying with a bare segfault. Runs on an alternate stack. */
static void on_segv(int sig) {
  (void)sig;
  char msg[300];
  act_worker_t *w = act__handler_worker();
  const char *name = w && w->cx.self ? w->cx.self->type->name : "the runtime";
  const char *what = w && w->cx.msg ? w->cx.msg->type->name : "init";
  const act_loc_t *at = w ? w->cx.where : NULL;
  int n = snprintf(msg, sizeof msg,
                   "act: crash: %s overflowed its stack or touched invalid memory "
                   "(deep recursion?) while handling %s (handler at %s:%d:%d) — ending the process\n",
                   name, what, at && at->file ? at->file : "?", at ? at->line : 0, at ? at->col : 0);
  if (write(2, msg, (size_t)n) < 0) {}
  _exit(70);
}

static int parse_threads(int *argc, char **argv) {
  /* options.c checks every --act-* option and ACT_* variable. */
  return act__options_parse(argc, argv, &act__default_bound);
}

static int runtime_started;

/* Under ThreadSanitizer a signal reaches a thread only where TSan lets
 * it, and the collector stops the world with signals: with the 4 MB heap
 * its first collection came early, and a worker that spun missed the
 * signal until the collector gave up ("Signals delivery fails constantly
 * at GC #0", unit_sched_shim 2 runs of 3). Those builds keep the old
 * 128 MB, so a test program seldom collects, as before. */
#if defined(__SANITIZE_THREAD__)
#define INITIAL_HEAP ((size_t)128 << 20)
#else
#define INITIAL_HEAP ((size_t)4 << 20)
#endif

int act_runtime_start(int argc, char **argv) {
  if (runtime_started) return 0;
  runtime_started = 1;
  GC_set_handle_fork(1);
  /* Before any thread starts, so that every thread inherits the mask. */
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_segv;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  /* No collection inside GC_INIT: with an empty heap it only scanned the
   * roots (every library's data), a fifth of a program's start-up: 3.0
   * of 17.4 M instructions, 28-34 -> 19-29 ms of CPU (pingpong 1). What
   * it was for, blacklisting addresses that the roots happen to hold
   * before the heap is placed, the first real collection does. */
  GC_set_dont_precollect(1);
  GC_INIT();
  GC_allow_register_threads();
  /* A small initial heap. It was 128 MB when every message came from the
   * collector; since messages are pooled (mem/msgpool.c) it only made the
   * collector fill 128 MB before its first collection, every page of it
   * touched: fjcreate peaked at 154 MB (98 MB at 4 MB), and a loop building
   * short strings took 0.80 s of CPU instead of 0.40 s (page faults, and
   * garbage out of cache). The collector grows the heap as the live data
   * grows (bench/history.md, branch fjc). */
  act__heap_advise_init();   /* mem/hugepage.c: the heap in 2 MB pages */
  if (getenv("GC_INITIAL_HEAP_SIZE") == NULL) GC_expand_hp(INITIAL_HEAP);
  /* A heap growing with its live data is collected after it allocates a
   * half of what is live (the collector's default: a third). fjcreate,
   * whose live data (queued Acks) grows to 48 MB: 1,692 -> 1,536
   * instructions an actor (callgrind, 1M), CPU 0.55 -> 0.53 s (1 worker)
   * and 0.60 -> 0.57 s (2), peak RSS 79 -> 81 MB (8 interleaved runs). */
  if (getenv("GC_FREE_SPACE_DIVISOR") == NULL) GC_set_free_space_divisor(2);
  int n = parse_threads(&argc, argv);
  act__persist_start(argv && argv[0] ? argv[0] : "act");
  act__max_workers = n + 64;
  act__workers = GC_MALLOC_UNCOLLECTABLE(sizeof *act__workers * (size_t)act__max_workers);
  memset(act__workers, 0, sizeof *act__workers * (size_t)act__max_workers);
  act__nworkers = n;
  act__backpressure_init();
  act__timers_start();
  pthread_t sth;
  pthread_create(&sth, NULL, signal_main, NULL);
  pthread_detach(sth);
  pthread_t mth;
  pthread_create(&mth, NULL, act__monitor_main, NULL);
  pthread_detach(mth);
  for (int i = 0; i < n; i++) {
    act__workers[i].id = i;
    act__start_worker(i);
  }
  return 0;
}

act_ctx_t *act_external(void) { return NULL; }

int act_main(int argc, char **argv, const act_actor_type_t *main_type, act_set_args_fn set_args) {
  act_runtime_start(argc, argv);
  /* act_runtime_start removed the --act-* options from argv in place. */
  int n = 0;
  while (argv[n]) n++;
  act_array_t *args = act_array_new(&act_type_string, n);
  for (int i = 1; i < n; i++) {
    act_str_t *s = act_str_from_cstr(argv[i]);
    act_array_push(&args, &act_type_string, &s);
  }
  signal(SIGPIPE, SIG_IGN);
  act_actor_t *m = act_spawn_alloc(NULL, main_type);
  root_actor = m;
  set_args(m, args);
  act_spawn_start(NULL, m, ACT_RESTART_PERMANENT);
  act__leave(act_runtime_wait());
}

/* The program ends (its end, or exit(code)): a node says goodbye, so its
 * peers see it leave rather than fail, and the activation log says the
 * process ended. Workers are still parked in the scheduler: leave without
 * running exit handlers under their feet. print() never buffers. */
ACT_NORETURN void act__leave(int code) {
  /* Activations end before the store hears the node leave: from then on
   * another node may activate their keys. */
  act__virtual_exit();
  if (act_cluster_running()) act_cluster_stop();
  _exit(code);
}

int act__stop_signal(void) { return atomic_load(&stop_signal); }
int act__stop_budget_ms(int want_ms) {
  int64_t end = atomic_load(&stop_deadline);
  if (end == 0) return want_ms;
  int64_t left_ms = (end - act_now()) / 1000000 - 300;
  return left_ms >= want_ms ? want_ms : left_ms < 100 ? 100 : (int)left_ms;
}
int act__stop_queued(void) { return atomic_load(&stop_queued); }
