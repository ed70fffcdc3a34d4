/* sched.h: the scheduler's inside (sched/), for the parts that run on
 * workers. What a worker is; how actors get scheduled (act__schedule is in
 * rt.h); quiescence; blocking calls. Used by actor/ (dispatch runs on a
 * worker), mem/ (pools are per worker), supervise/ and rt/start.c. Nothing
 * here is for generated code. Design: rt/SCHED.md. */
#ifndef ACT_SCHED_SCHED_H
#define ACT_SCHED_SCHED_H

#include <pthread.h>
#include <setjmp.h>

#include "rt/rt.h"
#include "sched/runq.h"

/* The fault landing set once per run of an actor (dispatch.c) and jumped
 * to by a fault (fault.c). glibc's setjmp saves eight registers and the
 * shadow stack, ~60 instructions a run, a tenth of a short run's cost
 * (fjcreate); gcc's builtin saves the frame and stack pointers and a
 * label. The sanitizers follow only libc's longjmp (they unpoison or
 * unwind their shadow stacks in it), so their builds keep it. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ACT_LIBC_JMP 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define ACT_LIBC_JMP 1
#endif
#endif
#ifdef ACT_LIBC_JMP
typedef jmp_buf act_jmp_t;
#define act__setjmp(b) setjmp(b)
#define act__longjmp(b) longjmp((b), 1)
#else
typedef void *act_jmp_t[5];
#define act__setjmp(b) __builtin_setjmp(b)
#define act__longjmp(b) __builtin_longjmp((b), 1)   /* never from the function that set b */
#endif

#define BATCH 64            /* messages of one actor per run */
#define NEXT_RUNS 16        /* see act_worker.next */
#define POOL_CLASSES 16     /* message sizes 16, 32, ... 256 bytes */
/* Why a worker's queue is open to thieves (act_worker.q_open). STUCK: its
 * owner is in a blocking call or one long run; one steal goes through and
 * the owner closes it when back in its loop. SLACK: its owner is a tick
 * behind, or its actors' runs are long enough to be worth moving; open
 * until the monitor's next look finds neither. */
#define Q_OPEN_STUCK 1
#define Q_OPEN_SLACK 2

struct act_worker {
  int id;
  runq_t q;
  act_jmp_t jb;
  act_ctx_t cx;
  act_str_t *fault_reason;
  const act_loc_t *fault_loc;
  act_actor_t *pause_on;      /* the running handler overfilled this mailbox */
  int helping;                /* inside act__help: no second level */
  int nohelp;                 /* >0: a send under a runtime lock (no help) */
  int starved;                /* messages came from the collector (msgpool.c) */
  /* Not a worker: a node's loop thread running an arrival off the loop
   * (cluster/remote.c, baton.c). What it schedules goes to the injection
   * queue, since no worker steals from its queue or runs its `next`. */
  int outside;
  uint64_t fresh;             /* messages taken from the collector so far */
  pthread_t th;
  /* The actor this worker runs next: the last one its actors woke. It is
   * not stealable, so a request and its reply stay on one core (Go's
   * runnext, Tokio's LIFO slot); only this worker touches it. */
  act_actor_t *_Atomic next;
  /* The message whose handler put the actor in `next` there (cx->msg;
   * NULL for an init): the same handler's later wakes queue. Compared,
   * never followed; only this worker touches it. */
  const void *next_by;
  int next_runs;              /* consecutive runs from `next` (fairness) */
  _Atomic uint64_t runs;      /* actors run so far (the monitor watches it) */
  act_actor_t *_Atomic running; /* the actor being run (stop reports read it) */
  uint32_t tick;              /* rounds of the loop: outside work every 32 */
  act_actor_t *mon_next;      /* the monitor's last look (monitor thread only) */
  uint64_t mon_runs;
  int64_t mon_head, mon_tail;
  int64_t mon_cpu;            /* the worker's CPU time at that look */
  int mon_quiet;              /* looks in a row it had little CPU (descheduled?) */
  /* The worker's CPU clock, for the monitor: a worker the kernel took off
   * its core is not stuck in a run (monitor.c). Set by the worker. */
  clockid_t cpu_clock;
  _Atomic int has_clock;
  _Atomic int blocked;        /* inside act_blocking_enter/leave */
  /* Thieves take from this queue only while it is open: its owner is
   * stuck in one long run, in a blocking call, or behind: an actor queued
   * a tick ago still waits (the monitor saw it). Cleared by the owner
   * when it is back in its loop, and by a steal. */
  _Atomic int q_open;         /* 0, Q_OPEN_STUCK or Q_OPEN_SLACK */
  /* The idle spin's pay (worker.c, "Spinning that pays"). */
  int credit;                 /* trickle steals left before this worker turns lazy */
  int lazy;                   /* spins LAZY_ROUNDS only (worker.c) */
  int paid;                   /* the last idle look found outside work or its own */
  int64_t found_ns;           /* when the last idle look found work */
  /* Free messages by size class (mem/msgpool.c). */
  act_msg_t **pool[POOL_CLASSES];
  uint32_t npool[POOL_CLASSES];
  /* Fresh actor memory by size class, linked through the first word
   * (mem/alloc.c, act__alloc_actor). */
  void *actors[POOL_CLASSES];
};

extern act_worker_t *act__workers;
extern _Atomic int act__nworkers;   /* grows when blocking calls hold workers */
extern int act__max_workers;
extern runq_t act__inject;          /* work from outside the workers */
/* Sleeping workers wait on act__sched_cv under act__sched_mu; the
 * quiescence check runs under it. */
extern pthread_mutex_t act__sched_mu;
extern pthread_cond_t act__sched_cv;
extern _Atomic int act__sleeping;
extern int act__idle_count;
/* No quiescence before the first actor is spawned from outside (Main, or
 * an embedding program's first actor): idle workers at start-up are not a
 * finished program. */
extern _Atomic int act__program_started;

act_worker_t *act__current_worker(void);   /* NULL outside the workers */
/* The worker whose handler this thread runs: a worker's, or a node's loop
 * thread's while it runs an arrival (act__outside_set); for reports. */
act_worker_t *act__handler_worker(void);
void act__outside_set(act_worker_t *w);

/* a got mail and was idle: it runs next on this worker (the actor it
 * displaces goes to the queue) unless the running handler already woke
 * the one in `next` (then a goes to the queue), or, from outside the
 * workers, goes to the injection queue. Inline: every send to an idle
 * actor comes here. */
void act__schedule_displaced(act_worker_t *w, act_actor_t *old);
void act__schedule_inject(act_actor_t *a);
static inline void act__schedule(act_ctx_t *cx, act_actor_t *a) {
  act_worker_t *w = cx ? cx->worker : NULL;
  if (w == NULL) {
    act__schedule_inject(a);
    return;
  }
  /* The first actor a handler wakes runs next; the ones it wakes after
   * that queue, and a later handler's wake displaces an earlier one's
   * (rt/SCHED.md, "Who runs next"). Only this worker fills `next` (the
   * monitor only empties it), so an empty one is filled with a store. */
  if (atomic_load_explicit(&w->next, memory_order_relaxed) == NULL) {
    w->next_by = cx->msg;
    atomic_store_explicit(&w->next, a, memory_order_release);
    return;
  }
  if (w->next_by == cx->msg) {
    act__schedule_displaced(w, a);
    return;
  }
  w->next_by = cx->msg;
  act_actor_t *old = atomic_exchange_explicit(&w->next, a, memory_order_acq_rel);
  if (old) act__schedule_displaced(w, old);
}
/* An actor went into w's queue (w NULL: none in particular): wake a
 * sleeping worker if one may take it (worker.c). */
void act__wake_one(act_worker_t *w);
/* A handler on w filled t's mailbox: w runs other actors (t among them)
 * inside the send until t holds at most `until` (t NULL: until w finds
 * nothing), w finds nothing to run, or a cap. worker.c. */
void act__help(act_worker_t *w, act_actor_t *t, uint32_t until);
void act__start_worker(int i);
/* Every worker sleeps: none would take an actor from the injection queue
 * without being woken (a node's loop thread then runs an arrival itself,
 * cluster/remote.c). */
int act__all_asleep(void);
/* A thread outside the workers holds an actor it runs (+1) or has run it
 * (-1): the program is not quiescent meanwhile. */
void act__outside_run(int delta);
/* sched/monitor.c: the thread that moves a stuck `next` to a queue. */
void *act__monitor_main(void *arg);
void act__monitor_poke(void);   /* a worker woke: under act__sched_mu */
/* actor/dispatch.c: run a's messages (a batch) on w. */
void act__run_actor(act_worker_t *w, act_actor_t *a);

#endif
