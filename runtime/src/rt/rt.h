/* rt.h: what the runtime's own files share (not part of act.h). */
#ifndef ACT_RT_H
#define ACT_RT_H

#include <pthread.h>
#include <setjmp.h>

#include "act.h"

/* Message flags (act_msg_t.flags). */
enum {
  MF_REPLY = 1 << 0,     /* carries the reply of m->future */
  MF_TIMEOUT = 1 << 1,   /* m->future timed out */
  MF_START = 1 << 2,     /* run type->start */
  MF_STOP = 1 << 3,      /* stop this actor */
  MF_ESCALATE = 1 << 4,  /* a child gave up: fault with the reason */
  MF_RESTART = 1 << 5,   /* restart (one_for_all / rest_for_one) */
  MF_FAILED = 1 << 6,    /* reply: the ask failed; reason in future */
  MF_CHILD_DONE = 1 << 7, /* a child asked to stop has finished */
  MF_COUNTED = 1 << 8,   /* counted in the receiver's mq_in (backpressure) */
  MF_CONTROL = MF_START | MF_STOP | MF_ESCALATE | MF_RESTART
};

/* Actor flags (act_actor_t.flags), touched only by the actor's worker
 * except AF_DEAD, which senders read. */
enum {
  AF_DEAD = 1 << 0,
  AF_STOPPING = 1 << 1,
  AF_SUSPENDED = 1 << 2,
  AF_TEMPORARY = 1 << 3,
  AF_ROOT = 1 << 4,
  AF_WINDING = 1 << 5    /* stopping its children one by one, last first */
};

struct act_future {
  int state;               /* 0 pending, 1 done, 2 failed */
  act_msg_t *reply;
  act_str_t *reason;
  act_actor_t *target;
  const char *msg_name;
  act_timer_t *timer;
  int external;            /* asked from outside any actor */
};

/* Per-actor bookkeeping that most actors never need, allocated lazily. */
typedef struct act_rt {
  pthread_mutex_t lock;
  /* The control lane: stop, restart and supervision messages overtake
   * queued user mail (same Vyukov queue as the mailbox). */
  act_msg_t *_Atomic ctl_head;
  act_msg_t *ctl_tail;
  act_msg_t ctl_stub;
  act_actor_t **children;  /* in start order; NULL slots for stopped ones */
  int nchildren, capchildren;
  int index_in_parent;
  act_actor_t **monitors;
  int nmonitors, capmonitors;
  act_timer_t **timers;
  int ntimers, captimers;
  int64_t *restarts;       /* times of recent restarts of children (ring) */
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
} act_rt_t;

typedef struct act_worker act_worker_t;

act_rt_t *act__rt(act_actor_t *a);
void act__schedule(act_ctx_t *cx, act_actor_t *a);
void act__push(act_actor_t *a, act_msg_t *m);   /* enqueue + schedule */
void act__timers_start(void);
act_timer_t *act__timer_add(int64_t ns, int64_t period, act_actor_t *to, act_msg_t *m,
                            act_future_t *f);
void act__timer_cancel(act_timer_t *t);
int act__timers_armed(void);
void act__quiescence_check(void);
const char *act__path(act_actor_t *a, char *buf, size_t n);

#endif
