/* rt.h: what the runtime's own files share (not part of act.h). */
#ifndef ACT_RT_H
#define ACT_RT_H

#include <pthread.h>
#include <setjmp.h>

#include "act/act.h"

/* Message flags (act_msg_t.flags): properties of a message on its way. */
enum {
  MF_REPLY = 1 << 0,     /* carries the reply of m->future */
  MF_CTL = 1 << 1,       /* an act_ctl_t: the runtime's, not the program's */
  MF_LANE = 1 << 2,      /* goes in the control lane (overtakes user mail and
                            reaches a suspended actor) */
  MF_FAILED = 1 << 6,    /* reply: the ask failed; an act_failure_t */
  MF_COUNTED = 1 << 8,   /* counted in the receiver's mq_in (backpressure) */
  MF_POOLED = 1 << 12,   /* from a worker's pool: recycled once handled */
  MF_TIMER = 1 << 13,    /* a tick of m->timer: dropped if it was cancelled */
};

/* Control messages: what the runtime tells an actor about its own life.
 * All but CTL_TIMEOUT travel in the control lane. */
typedef enum act_ctl_kind {
  CTL_STOP,          /* stop (h.sender, if any, waits for CTL_CHILD_DONE) */
  CTL_RESTART,       /* start again from the parameters (h.sender: the
                        supervisor running a plan, answered with PLAN_ACK) */
  CTL_HOLD,          /* stop for a group restart: subtree, `on stop`, wait */
  CTL_PLAN_ACK,      /* to a supervisor: a child finished a step (token) */
  CTL_CHILD_DONE,    /* to a parent: a child asked to stop has finished */
  CTL_CHILD_FAILED,  /* to a parent: h.sender faulted and waits (held) */
  CTL_ESCALATE,      /* a child gave up: fault with `reason` */
  CTL_TIMEOUT,       /* h.future timed out (through the mailbox, as a timer) */
  CTL_PASSIVATE,     /* a virtual actor's activation has been idle long enough */
} act_ctl_kind_t;

typedef struct act_ctl {
  act_msg_t h;
  act_ctl_kind_t kind;
  uint32_t token;        /* the plan step it starts or answers */
  act_str_t *reason;     /* CTL_ESCALATE; CTL_STOP: a held actor ends with it, not "normal" */
} act_ctl_t;

/* A failed ask's (or persist's) reply. The reason travels in the reply and
 * is copied into the future by the asker when it accepts the reply: a
 * time-out may fail the same future on the asker's thread meanwhile, and
 * only the asker writes the future. */
typedef struct act_failure {
  act_msg_t h;
  act_str_t *reason;
} act_failure_t;

static inline act_ctl_t *act__ctl_of(act_msg_t *m) { return (m->flags & MF_CTL) ? (act_ctl_t *)m : NULL; }

/* Actor flags (act_actor_t.flags), touched only by the actor's worker
 * except AF_DEAD, which senders read. */
enum {
  AF_DEAD = 1 << 0,
  AF_STOPPING = 1 << 1,
  AF_SUSPENDED = 1 << 2,
  AF_TEMPORARY = 1 << 3,
  AF_ROOT = 1 << 4,
  AF_WINDING = 1 << 5,   /* stopping its children one by one, last first */
  AF_HELD = 1 << 6,      /* stopped or failed, waiting for its supervisor to
                            restart it (one_for_all / rest_for_one) */
  AF_UNSTARTED = 1 << 7, /* held until its turn to start (supervisor order) */
  AF_STARTING = 1 << 8,  /* a supervisor whose children are still starting:
                            its own mail waits, as OTP's start_link does */
  AF_START_PENDING = 1 << 9, /* spawned: start (fields, init) before any message */
  AF_VIRTUAL = 1 << 12,  /* a reference to a virtual actor's key (virtual.c):
                            never runs; sends to it are routed to the key's
                            activation */
  AF_PARKED = 1 << 10,   /* paused by backpressure: in another actor's waiter
                            list, sched held at 1 (set and cleared under the
                            locks described at park() in sched.c) */
  AF_REMOTE = 1 << 11,   /* a proxy for an actor on another node: sends,
                            control messages and replies to it go to the
                            cluster (cluster/remote.c), never to a mailbox */
  /* States in which the actor does not take user mail: its mailbox cannot
   * drain, so nobody may be paused on it (see park()). */
  AF_NOMAIL = AF_SUSPENDED | AF_WINDING | AF_HELD | AF_STARTING
};

/* What an actor does once its children have stopped (act_rt_t.wind). */
enum { WIND_FINISH, WIND_RESTART, WIND_HOLD, WIND_FAILED };

struct act_future {
  int state;               /* 0 pending, 1 done, 2 failed */
  act_msg_t *reply;
  act_str_t *reason;
  act_actor_t *target;
  const char *msg_name;
  act_timer_t *timer;
  int external;            /* asked from outside any actor */
  uint64_t rid;            /* an ask from another node: its id there */
  int self_replied;        /* an ask to the asker itself was answered */
};

/* Per-actor bookkeeping that most actors never need, allocated lazily. */
typedef struct act_rt {
  pthread_mutex_t lock;
  /* The control lane: stop, restart and supervision messages overtake
   * queued user mail (same Vyukov queue as the mailbox). */
  act_msg_t *_Atomic ctl_head;
  act_msg_t *ctl_tail;
  act_msg_t ctl_stub;
  const char *name;        /* a supervisor's `child` name (act_spawn_name), or NULL */
  act_actor_t **children;  /* in start order; NULL slots for stopped ones */
  int nchildren, capchildren;
  int index_in_parent;
  act_actor_t **monitors;
  int nmonitors, capmonitors;
  act_timer_t **timers;
  int ntimers, captimers;
  int64_t *restarts;       /* times of recent restarts of children (max_restarts) */
  int nrestarts;
  /* A suspended handler. */
  void *frame;
  act_resume_fn resume;
  act_future_t *awaiting;
  act_msg_t *cur_msg;
  act_msg_t *stash_head, *stash_tail;   /* held back while suspended */
  act_str_t *registered;
  act_actor_t *stop_requester;  /* parent waiting for us to finish stopping */
  act_actor_t **waiters;        /* senders paused on our full mailbox */
  int nwaiters_, capwaiters;
  _Atomic int nwaiters;
  int stop_idx;                 /* next child to stop is below this index */
  int wind;                     /* WIND_*: what follows the children's stop */
  int wind_on_stop;             /* run `on stop` at the end (not after a fault) */
  act_actor_t *hold_req;        /* supervisor waiting for CTL_PLAN_ACK */
  uint32_t wind_token;          /* echoed in that CTL_PLAN_ACK */
  /* A group restart in progress (supervisor side, OTP order): the
   * children concerned in start order, stopped last first, then
   * restarted first to last, one at a time. */
  act_actor_t **plan;
  int nplan, plan_idx, plan_phase;   /* phase 1: stopping, 2: restarting */
  act_actor_t *plan_wait;            /* the child whose step we wait for */
  act_actor_t *plan_failed;          /* the child whose fault started it */
  uint32_t plan_token;
  act_actor_t **pending;             /* failures that arrived meanwhile */
  int npending, cappending;
  act_actor_t **starts;              /* children waiting for their turn */
  int nstarts, capstarts, start_idx;
  void *persist;                     /* a persistent actor's journal state */
  act_str_t *end_reason;             /* why it ended, when not "normal" (Down) */
  act_actor_t *start_req;            /* child side: who waits for our init */
  uint32_t start_token;
  struct act_vnode *vnode;           /* an activation: its key's entry (virtual.c) */
} act_rt_t;

typedef struct act_worker act_worker_t;

/* a->rt is created on demand by whichever thread needs it first
 * (act__rt); act__rt_of only looks. */
act_rt_t *act__rt(act_actor_t *a);
static inline act_rt_t *act__rt_of(act_actor_t *a) { return __atomic_load_n(&a->rt, __ATOMIC_ACQUIRE); }
void act__unregister(act_actor_t *a);   /* registry.c: a is gone */
act_actor_t *act__registered(act_str_t *name);   /* registry.c: this node's holder, or NULL */
int act__stop_signal(void);             /* start.c: SIGINT/SIGTERM taken, or 0 */
/* The stack of every thread that runs handlers (workers, a node's loop
 * threads), whatever `ulimit -s` says: runaway recursion ends in a clear
 * report, and a deep one that fits on one fits on all. */
#define ACT_HANDLER_STACK ((size_t)64 << 20)
void act__handler_thread(void);   /* worker.c: its signal stack, at its start */
/* ... and its end, for a thread that ends before the process does (a
 * node's loop threads): the sanitizers unmap a thread's signal stack
 * when it ends, and ours is not theirs to unmap. */
void act__handler_thread_end(void);
int act__stop_queued(void);             /* start.c: that signal's stops are queued */
void act__push(act_actor_t *a, act_msg_t *m);   /* enqueue + schedule */
void act__timers_start(void);
act_timer_t *act__timer_add(int64_t ns, int64_t period, act_actor_t *to, act_msg_t *m,
                            act_future_t *f);
void act__timer_cancel(act_timer_t *t);
int act__timers_armed(void);
int act__tick_cancelled(act_msg_t *m);   /* m has MF_TIMER */
void act__quiescence_check(void);
int act__quiet_now(void);           /* quiescent now (act_runtime_stop) */
const char *act__path(act_actor_t *a, char *buf, size_t n);
/* Runs fn(arg) so that a fault inside returns 1 (reason in *reason)
 * instead of unwinding the handler: for code called from C libraries. */
/* One line to stderr in a single write(2), so that lines from different
 * workers never interleave (the runtime's only way to print). */
void act__logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int act__guarded(act_ctx_t *cx, void (*fn)(void *), void *arg, act_str_t **reason);
void act__persist_options(const char *path, const char *sync);
/* options.c: checks the --act-* options and ACT_* variables (a bad one
 * ends the program with status 2), removes the options from argv, passes
 * the journal's on; returns the worker count and sets *default_mailbox. */
int act__options_parse(int *argc, char **argv, uint32_t *default_mailbox);
/* start.c: the program's root actor (Main), NULL before it is spawned. */
act_actor_t *act__root(void);
/* virtual.c: a send, ask or stop addressed to a virtual reference. */
void act__virtual_send(act_ctx_t *cx, act_actor_t *ref, act_msg_t *m);
void act__virtual_stop(act_ctx_t *cx, act_actor_t *ref);
const char *act__virtual_name(const act_actor_t *ref);   /* Cart["u42"] */
/* act__finish: an activation has ended. */
void act__virtual_ended(act_ctx_t *cx, act_actor_t *a);
extern const char *act__activation_log_path;   /* --act-activation-log */
void act__virtual_exit(void);   /* the process is ending: log it */
/* An activation's shard epoch in a cluster (0: not an activation, or no cluster). */
uint64_t act__virtual_epoch(const act_actor_t *a);
/* The URL of this node's coordination store once it started, "" for none
 * (cluster/store_embed.c): `--act-journal store` opens the journal there. */
const char *act__store_url(void);
/* start.c: the program ends with code (exit() or its end). */
ACT_NORETURN void act__leave(int code);
/* options.c: this node's name (before the `@` of --act-node), or "-". */
const char *act__node_name(void);
/* CTL_PASSIVATE, on the activation's worker; force (the token) when a
 * handoff's grace has passed (virtual.c). */
void act__virtual_passivate(act_ctx_t *cx, act_actor_t *a, int force);
/* The lease's gate for what a virtual activation makes others see
 * (cx->vgate set; virtual/vfence.c): returns at once while the lease
 * outlasts its guard; past the guard it waits until a renewal moves the
 * guard on, or the fence ends the process, so that nothing the activation
 * makes is seen after the time its stop line carries. */
void act__vgate(act_ctx_t *cx);
/* The gate of the activation this worker runs, if any (vfence.c). */
void act__vgate_here(void);
static inline void act__vgate_check(act_ctx_t *cx) {
  if (__builtin_expect(cx != NULL && cx->vgate, 0)) act__vgate(cx);
}
/* The gate passed, the runtime's own work that follows runs with it off
 * (under registry and shard locks, where a wait would hold up the fence
 * itself): begin returns what end restores. */
static inline int act__vgate_begin(act_ctx_t *cx) {
  if (__builtin_expect(cx == NULL || !cx->vgate, 1)) return 0;
  act__vgate(cx);
  cx->vgate = 0;
  return 1;
}
static inline void act__vgate_end(act_ctx_t *cx, int g) {
  if (g) cx->vgate = 1;
}
/* How long a stop after SIGTERM/SIGINT may take (--act-stop-grace). */
extern int64_t act__stop_grace_ns;
/* How long a leaving step that waits for others (the store) may wait:
 * want_ms, or less after a stop signal, so that the steps end before the
 * signal's grace does (100 ms at least). */
int act__stop_budget_ms(int want_ms);
/* The first rand state of an actor spawned by parent (NULL: from outside
 * any actor); moves parent's generator on. */
uint64_t act__rng_seed(void);       /* options.c: an actor spawned from outside any actor */
static inline uint64_t act__rng_mix(uint64_t z) {   /* splitmix64's finaliser */
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z ? z : 0x9E3779B97F4A7C15ull;   /* xorshift must not start at 0 */
}
uint64_t *act__rng_thread(void);   /* rand's state where there is no actor */
void act__persist_start(const char *argv0);
int act__persist_inflight(void);   /* journal writes not yet answered */
/* sched/worker.c: the standard library's pending I/O (open sockets) goes
 * up or down by delta; quiescence waits for zero. Any thread. */
void act__io_pending_add(int64_t delta);

#endif
