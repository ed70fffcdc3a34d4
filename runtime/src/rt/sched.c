/* sched.c: workers, run queues, mailboxes, dispatch, suspension, faults,
 * supervision and quiescence. See SCHED.md for the design. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt/rt.h"

#define BATCH 64
#define POOL_CLASSES 16     /* 16, 32, ... 256 bytes */
#define NEXT_RUNS 16        /* see act_worker.next */

/* ---- run queues -------------------------------------------------------- */

/* A run queue: a ring under a spinlock. head and tail are atomics so that
 * the emptiness peek done without the lock is a well-defined (relaxed)
 * read; the lock orders everything else. */
typedef struct runq {
  atomic_flag lock;
  act_actor_t **ring;
  _Atomic int64_t head, tail;   /* head: next to pop; tail: next free */
  int64_t cap;
} runq_t;

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define ST(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

struct act_worker {
  int id;
  runq_t q;
  jmp_buf jb;
  act_ctx_t cx;
  act_str_t *fault_reason;
  const act_loc_t *fault_loc;
  act_actor_t *pause_on;      /* the running handler overfilled this mailbox */
  pthread_t th;
  /* The actor this worker runs next: the last one its actors woke. It is
   * not stealable, so a request and its reply stay on one core (Go's
   * runnext, Tokio's LIFO slot); only this worker touches it. */
  act_actor_t *_Atomic next;
  int next_runs;              /* consecutive runs from `next` (fairness) */
  _Atomic uint64_t runs;      /* actors run so far (the monitor watches it) */
  act_actor_t *_Atomic running; /* the actor being run (stop reports read it) */
  uint32_t tick;              /* rounds of the loop: outside work every 32 */
  act_actor_t *mon_next;      /* the monitor's last look (monitor thread only) */
  uint64_t mon_runs;
  /* Free messages by size class (see the pool section). */
  act_msg_t **pool[POOL_CLASSES];
  uint32_t npool[POOL_CLASSES];
};

static _Thread_local act_worker_t *this_worker;

/* The mailbox bound when an actor declares none (--act-mailbox N,
 * ACT_MAILBOX). */
static uint32_t default_bound = 65536;

static uint32_t bound_of(const act_actor_t *a) {
  return a->type->mailbox_bound ? a->type->mailbox_bound : default_bound;
}

static uint32_t queued(act_actor_t *a) {
  return atomic_load_explicit(&a->mq_in, memory_order_relaxed) -
         atomic_load_explicit(&a->mq_out, memory_order_relaxed);
}

static act_worker_t *workers;
static _Atomic int nworkers;   /* grows when blocking calls hold workers */
static int max_workers;
static runq_t inject;
static pthread_mutex_t sched_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv = PTHREAD_COND_INITIALIZER;
static _Atomic int sleeping;
static int idle_count;
static pthread_mutex_t exit_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t exit_cv = PTHREAD_COND_INITIALIZER;
static int exit_code = -1;
/* No quiescence before the first actor is spawned from outside (Main, or
 * an embedding program's first actor): idle workers at start-up are not
 * a finished program. */
static _Atomic int program_started;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void q_lock(runq_t *q) { while (atomic_flag_test_and_set_explicit(&q->lock, memory_order_acquire)) {} }
static void q_unlock(runq_t *q) { atomic_flag_clear_explicit(&q->lock, memory_order_release); }

static void q_push(runq_t *q, act_actor_t *a) {
  q_lock(q);
  int64_t head = LD(q->head), tail = LD(q->tail);
  if (tail - head == q->cap) {
    int64_t cap = q->cap ? q->cap * 2 : 256;
    act_actor_t **r = GC_MALLOC_UNCOLLECTABLE(sizeof *r * (size_t)cap);
    for (int64_t i = head; i < tail; i++) r[i - head] = q->ring[i % q->cap];
    GC_FREE(q->ring);
    tail -= head;
    head = 0;
    ST(q->head, 0);
    q->ring = r;
    q->cap = cap;
  }
  q->ring[tail % q->cap] = a;
  ST(q->tail, tail + 1);
  q_unlock(q);
}

static act_actor_t *q_pop(runq_t *q) {
  if (LD(q->tail) == LD(q->head)) return NULL;   /* peek; confirmed under the lock */
  q_lock(q);
  act_actor_t *a = NULL;
  int64_t head = LD(q->head);
  if (LD(q->tail) != head) {
    a = q->ring[head % q->cap];
    q->ring[head % q->cap] = NULL;
    ST(q->head, head + 1);
  }
  q_unlock(q);
  return a;
}

static int64_t q_len(runq_t *q) { return LD(q->tail) - LD(q->head); }

/* ---- memory ------------------------------------------------------------ */

/* Memory exhaustion ends the process with a report naming the actor. */
static void out_of_memory(void) {
  act_worker_t *w = this_worker;
  char msg[300];
  const act_loc_t *at = w && w->cx.self ? w->cx.where : NULL;
  char where[200] = "";
  if (at && at->file) snprintf(where, sizeof where, " (handler at %s:%d:%d)", at->file, at->line, at->col);
  int n = snprintf(msg, sizeof msg, "act: crash: out of memory in %s%s%s%s\n",
                   w && w->cx.self ? w->cx.self->type->name : "the runtime",
                   w && w->cx.msg ? " while handling " : "",
                   w && w->cx.msg ? w->cx.msg->type->name : "", where);
  if (write(2, msg, (size_t)n) < 0) {}
  _exit(70);
}

void *act_alloc(size_t n) {
  void *p = GC_MALLOC(n);
  if (p == NULL) out_of_memory();
  return p;
}

void *act_alloc_atomic(size_t n) {
  void *p = GC_MALLOC_ATOMIC(n);
  if (p == NULL) out_of_memory();
  memset(p, 0, n);
  return p;
}

/* ---- mailbox: Vyukov's intrusive MPSC queue ---------------------------- */
/* Used for the mailbox (head/tail/stub in act_actor_t) and for the control
 * lane (in act_rt_t). */

static void vq_push(act_msg_t *_Atomic *head, act_msg_t *m) {
  atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
  act_msg_t *prev = atomic_exchange_explicit(head, m, memory_order_acq_rel);
  atomic_store_explicit(&prev->next, m, memory_order_release);
}

static act_msg_t *vq_pop(act_msg_t *_Atomic *head, act_msg_t **tailp, act_msg_t *stub) {
  act_msg_t *tail = *tailp;
  act_msg_t *next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (tail == stub) {
    if (next == NULL) return NULL;
    *tailp = next;
    tail = next;
    next = atomic_load_explicit(&next->next, memory_order_acquire);
  }
  if (next) {
    *tailp = next;
    __builtin_prefetch(next);   /* the message after this one, written by a producer */
    return tail;
  }
  if (tail != atomic_load_explicit(head, memory_order_acquire)) return NULL;  /* push half done */
  vq_push(head, stub);
  next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (next) {
    *tailp = next;
    return tail;
  }
  return NULL;
}

static int vq_empty(act_msg_t *_Atomic *head, act_msg_t *tail, act_msg_t *stub) {
  return tail == stub && atomic_load_explicit(&tail->next, memory_order_acquire) == NULL &&
         atomic_load_explicit(head, memory_order_acquire) == stub;
}

static void mq_init(act_actor_t *a) {
  atomic_store(&a->mq_stub.next, NULL);
  atomic_store(&a->mq_head, &a->mq_stub);
  a->mq_tail = &a->mq_stub;
}

static void mq_push(act_actor_t *a, act_msg_t *m) { vq_push(&a->mq_head, m); }
static act_msg_t *mq_pop(act_actor_t *a) { return vq_pop(&a->mq_head, &a->mq_tail, &a->mq_stub); }
static int mq_empty(act_actor_t *a) { return vq_empty(&a->mq_head, a->mq_tail, &a->mq_stub); }

/* ---- scheduling -------------------------------------------------------- */

static void wake_one(void) {
  if (atomic_load_explicit(&sleeping, memory_order_relaxed) > 0) {
    pthread_mutex_lock(&sched_mu);
    pthread_cond_signal(&sched_cv);
    pthread_mutex_unlock(&sched_mu);
  }
}

void act__schedule(act_ctx_t *cx, act_actor_t *a) {
  act_worker_t *w = cx ? cx->worker : NULL;
  if (w != NULL) {
    act_actor_t *old = atomic_exchange_explicit(&w->next, a, memory_order_acq_rel);
    if (old) {
      q_push(&w->q, old);
      /* Wake another worker only when this one has more than it runs
       * next: ping-pong pairs stay on one core. */
      wake_one();
    }
  } else {
    pthread_mutex_lock(&sched_mu);
    q_push(&inject, a);
    pthread_cond_signal(&sched_cv);
    pthread_mutex_unlock(&sched_mu);
  }
}

act_rt_t *act__rt(act_actor_t *a);

static void enqueue(act_ctx_t *cx, act_actor_t *a, act_msg_t *m) {
  if (m->flags & MF_LANE) {
    act_rt_t *rt = act__rt(a);
    vq_push(&rt->ctl_head, m);
  } else {
    mq_push(a, m);
  }
  if (atomic_load_explicit(&a->sched, memory_order_seq_cst) == 0 &&
      atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0) {
    act__schedule(cx, a);
  } else if (cx && cx->worker && atomic_load_explicit(&cx->worker->next, memory_order_relaxed) == a) {
    /* A second message to the actor waiting in our `next` within one
     * handler: a stream, not a request/reply. It runs better beside us on
     * another core than after us on this one. */
    act_actor_t *n = a;
    if (atomic_compare_exchange_strong(&cx->worker->next, &n, NULL)) {
      q_push(&cx->worker->q, a);
      wake_one();
    }
  }
}

void act__push(act_actor_t *a, act_msg_t *m) { enqueue(NULL, a, m); }


/* ---- per-actor bookkeeping --------------------------------------------- */

/* a->rt is created on demand by whichever thread needs it first. */
static act_rt_t *rt_of(act_actor_t *a) { return __atomic_load_n(&a->rt, __ATOMIC_ACQUIRE); }

act_rt_t *act__rt(act_actor_t *a) {
  act_rt_t *rt = rt_of(a);
  if (rt == NULL) {
    act_rt_t *n = act_alloc(sizeof *n);
    pthread_mutex_init(&n->lock, NULL);
    atomic_store(&n->ctl_stub.next, NULL);
    atomic_store(&n->ctl_head, &n->ctl_stub);
    n->ctl_tail = &n->ctl_stub;
    struct act_rt *expected = NULL;
    if (__atomic_compare_exchange_n(&a->rt, &expected, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      rt = n;
    else
      rt = expected;
  }
  return rt;
}

const char *act__path(act_actor_t *a, char *buf, size_t n) {
  const char *names[32];
  int k = 0;
  for (act_actor_t *p = a; p && k < 32; p = p->parent) names[k++] = p->name ? p->name : p->type->name;
  size_t off = 0;
  buf[0] = '\0';
  for (int i = k - 1; i >= 0 && off < n; i--)
    off += (size_t)snprintf(buf + off, n - off, "%s%s", names[i], i ? "/" : "");
  return buf;
}

/* ---- actors ------------------------------------------------------------ */

act_actor_t *act_spawn_alloc(act_ctx_t *cx, const act_actor_type_t *t) {
  act_actor_t *a = act_alloc(t->size);
  mq_init(a);
  a->type = t;
  a->parent = cx ? cx->self : NULL;
  a->rng = act__rng_seed(cx ? cx->self : NULL);   /* options.c: --act-seed */
  return a;
}

static const act_msg_type_t control_type = {"<control>", 0, sizeof(act_msg_t), NULL, NULL};

static act_msg_t *control(uint32_t flags) {
  act_msg_t *m = act_alloc(sizeof *m);
  m->type = &control_type;
  m->flags = flags;
  return m;
}

static void plan_step(act_ctx_t *cx, act_actor_t *sup);
static void block_mail(act_ctx_t *cx, act_actor_t *a, uint32_t flag);

/* Append to a growable array of actors owned by one worker at a time. */
static void push_actor(act_actor_t ***arr, int *n, int *cap, act_actor_t *a) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 4;
    act_actor_t **p = act_alloc(sizeof *p * (size_t)*cap);
    if (*n) memcpy(p, *arr, sizeof *p * (size_t)*n);
    *arr = p;
  }
  (*arr)[(*n)++] = a;
}

void act_spawn_start(act_ctx_t *cx, act_actor_t *a, int restart) {
  /* Nobody else can see the actor yet: plain stores, no locked ops. */
  uint32_t f = atomic_load_explicit(&a->flags, memory_order_relaxed);
  if (restart == ACT_RESTART_TEMPORARY) f |= AF_TEMPORARY;
  if (a->parent == NULL) f |= AF_ROOT;
  atomic_store_explicit(&a->flags, f, memory_order_relaxed);
  if (a->parent) {
    act_rt_t *rt = act__rt(a->parent);
    pthread_mutex_lock(&rt->lock);
    if (rt->nchildren == rt->capchildren) {
      /* Compact stopped children away before growing. */
      int k = 0;
      for (int i = 0; i < rt->nchildren; i++)
        if (rt->children[i] && !(rt->children[i]->flags & AF_DEAD)) rt->children[k++] = rt->children[i];
      rt->nchildren = k;
      if (k * 2 > rt->capchildren || rt->capchildren == 0) {
        rt->capchildren = rt->capchildren ? rt->capchildren * 2 : 4;
        act_actor_t **c = act_alloc(sizeof *c * (size_t)rt->capchildren);
        if (k) memcpy(c, rt->children, sizeof *c * (size_t)k);
        rt->children = c;
      }
    }
    rt->children[rt->nchildren++] = a;
    pthread_mutex_unlock(&rt->lock);
    if (a->parent->type->ordered_start && cx && cx->worker && cx->self == a->parent) {
      /* A supervisor's children start one after another (plan_step). */
      a->flags |= AF_HELD | AF_UNSTARTED;
      push_actor(&rt->starts, &rt->nstarts, &rt->capstarts, a);
      block_mail(cx, a->parent, AF_STARTING);
      if (rt->plan == NULL && rt->plan_wait == NULL) plan_step(cx, a->parent);
      return;
    }
  }
  /* No start message: a flag the first run sees, and the actor scheduled
   * (nobody else can have scheduled it yet). Spawning allocates only the
   * actor. */
  atomic_store_explicit(&a->flags, atomic_load_explicit(&a->flags, memory_order_relaxed) | AF_START_PENDING,
                        memory_order_relaxed);
  atomic_store_explicit(&a->sched, 1, memory_order_relaxed);   /* published by the queue */
  act__schedule(cx && cx->worker ? cx : NULL, a);
  /* After the start message is queued, so that an idle check sees either
   * "not started" or the queued actor. */
  if (a->parent == NULL) atomic_store(&program_started, 1);
}

/* ---- message memory ------------------------------------------------------
 * Each worker keeps free messages by size class. A message handled to
 * completion goes back to the pool of the worker that handled it, so in
 * the steady state a send allocates nothing and the collector is not
 * woken by message traffic. When one worker produces and another
 * consumes, whole batches travel back through a small locked depot. The
 * memory stays the collector's (messages hold values) and is cleared when
 * freed, so a pooled message keeps nothing alive. Replies, timer messages,
 * messages from outside any worker and messages dropped by a fault are
 * left to the collector. */
#define POOL_BATCH 256
#define POOL_DEPOT 64
#define POOL_CAP (3 * POOL_BATCH)

/* Free messages are kept as arrays of pointers, not chained through the
 * messages: a producer taking messages that another core freed then reads
 * only its own array (and prefetches the messages ahead for writing)
 * instead of chasing a list through the other core's cache, which made
 * half of fjthroughput's time. The depot is static, so the collector
 * scans it. */
static pthread_mutex_t depot_mu = PTHREAD_MUTEX_INITIALIZER;
static act_msg_t *depot[POOL_CLASSES][POOL_DEPOT][POOL_BATCH];
static int ndepot[POOL_CLASSES];

static inline int pool_class(uint32_t size) { return size <= 16 * POOL_CLASSES ? (int)((size + 15) / 16) - 1 : -1; }
static inline size_t class_bytes(int k) { return (size_t)(k + 1) * 16; }

static act_msg_t **pool_array(act_worker_t *w, int k) {
  if (w->pool[k] == NULL) w->pool[k] = GC_MALLOC_UNCOLLECTABLE(sizeof(act_msg_t *) * POOL_CAP);
  return w->pool[k];
}

static int pool_refill(act_worker_t *w, int k) {
  act_msg_t **a = pool_array(w, k);
  if (a == NULL) return 0;
  pthread_mutex_lock(&depot_mu);
  if (ndepot[k] > 0) {
    act_msg_t **b = depot[k][--ndepot[k]];
    memcpy(a, b, sizeof *a * POOL_BATCH);
    memset(b, 0, sizeof *b * POOL_BATCH);
    pthread_mutex_unlock(&depot_mu);
    w->npool[k] = POOL_BATCH;
    return 1;
  }
  pthread_mutex_unlock(&depot_mu);
  /* Fresh memory from the collector: a list linked through the first
   * word (which is `next`), otherwise zeroed. */
  act_msg_t *list = GC_malloc_many(class_bytes(k));
  uint32_t n = 0;
  while (list && n < POOL_CAP) {
    act_msg_t *m = list;
    list = atomic_load_explicit(&m->next, memory_order_relaxed);
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    a[n++] = m;
  }
  w->npool[k] = n;
  return n > 0;
}

static act_msg_t *pool_get(act_worker_t *w, uint32_t size) {
  int k = pool_class(size);
  if (w->npool[k] == 0 && !pool_refill(w, k)) return act_alloc(size);
  act_msg_t **a = w->pool[k];
  uint32_t n = --w->npool[k];
  act_msg_t *m = a[n];
  if (n >= 8) __builtin_prefetch(a[n - 8], 1, 3);
  m->flags = MF_POOLED;   /* cleared when freed: `next` and the rest are 0 */
  return m;
}

static void pool_put(act_worker_t *w, act_msg_t *m) {
  int k = pool_class(m->type->size);
  act_msg_t **a = pool_array(w, k);
  if (a == NULL) return;
  memset((void *)m, 0, class_bytes(k));
  a[w->npool[k]++] = m;
  if (w->npool[k] < POOL_CAP) return;
  /* Full: a batch goes to the depot for producing workers, or, with the
   * depot full, to the collector. */
  w->npool[k] -= POOL_BATCH;
  act_msg_t **top = a + w->npool[k];
  pthread_mutex_lock(&depot_mu);
  if (ndepot[k] < POOL_DEPOT) memcpy(depot[k][ndepot[k]++], top, sizeof *top * POOL_BATCH);
  pthread_mutex_unlock(&depot_mu);
  memset(top, 0, sizeof *top * POOL_BATCH);
}

/* The handler of m finished: its memory can be used again. */
static inline void msg_done(act_worker_t *w, act_msg_t *m) {
  if (m && (m->flags & MF_POOLED) && w) pool_put(w, m);
}

act_msg_t *act_msg_new(act_ctx_t *cx, const act_msg_type_t *t) {
  act_worker_t *w = cx ? cx->worker : NULL;
  act_msg_t *m = w && t->size <= 16 * POOL_CLASSES ? pool_get(w, t->size) : act_alloc(t->size);
  m->type = t;
  m->sender = cx ? cx->self : NULL;
  return m;
}

static void fail_future(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, const char *why);

void act_send(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  if (to == NULL) return;                  /* a sender outside any actor */
  if (to->flags & AF_DEAD) {
    if (m->future) fail_future(cx, m->future, m->sender, "target gone");
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
  uint32_t bound = bound_of(to);
  act_actor_t *self = cx ? cx->self : NULL;
  if (self && cx->worker && self != to && ((in & 63) == 0 || bound < 1024) &&
      in - atomic_load_explicit(&to->mq_out, memory_order_relaxed) > bound &&
      queued(self) <= bound_of(self))
    cx->worker->pause_on = to;
  enqueue(cx && cx->worker ? cx : NULL, to, m);
}

/* ---- backpressure: parking and waking paused senders ----------------------
 * A paused sender is "parked": it sits in its target's waiter list with its
 * sched flag still 1, so nothing else runs or schedules it, and it is in no
 * run queue. Three rules make it impossible to park for good (SCHED.md,
 * and the model in sched.pml):
 *  1. Never on a target that cannot drain: one that is dead, parked itself,
 *     or in a state that takes no user mail (AF_NOMAIL: suspended in await
 *     or persist, stopping its children, held, starting its children). The
 *     check and the parking happen under the locks of both actors, so the
 *     parked-on graph has no cycle: an edge x->y is only added while y has
 *     no outgoing edge, and y's own parking is serialised with it by y's lock.
 *  2. A target that enters such a state releases its waiters (block_mail).
 *  3. The target wakes its waiters when it has drained to half: checked
 *     cheaply after each message, and with a fence after every run (before
 *     it goes idle or back to a queue). park() registers, fences, and looks
 *     at the count again, so of the two (target's last look, sender's
 *     registration) one always sees the other: no lost wake-up.
 * The end of every chain of parked actors is therefore an actor that has
 * mail and can take it, which is queued or running. */

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
static int park(act_actor_t *a, act_actor_t *t) {
  act_rt_t *ra = act__rt(a), *rt = act__rt(t);
  int parked = 0;
  lock_pair(ra, rt);
  if (!cannot_drain(t) && !(atomic_load(&a->flags) & AF_DEAD) && queued(t) > bound_of(t) / 2) {
    if (rt->nwaiters_ == rt->capwaiters) {
      rt->capwaiters = rt->capwaiters ? rt->capwaiters * 2 : 4;
      act_actor_t **w = act_alloc(sizeof *w * (size_t)rt->capwaiters);
      if (rt->nwaiters_) memcpy(w, rt->waiters, sizeof *w * (size_t)rt->nwaiters_);
      rt->waiters = w;
    }
    rt->waiters[rt->nwaiters_++] = a;
    atomic_store(&rt->nwaiters, rt->nwaiters_);
    atomic_thread_fence(memory_order_seq_cst);
    /* Look again: t may have drained or blocked between our first look
     * and the registration, without seeing us. */
    if (cannot_drain(t) || queued(t) <= bound_of(t) / 2) {
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
static void wake_waiters(act_ctx_t *cx, act_actor_t *t) {
  act_rt_t *rt = rt_of(t);
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

/* The receiver's side of rule 3, after a run: fenced against park(). */
static void wake_if_drained(act_ctx_t *cx, act_actor_t *t) {
  act_rt_t *rt = rt_of(t);
  if (rt == NULL) return;
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load_explicit(&rt->nwaiters, memory_order_relaxed) > 0 && queued(t) <= bound_of(t) / 2)
    wake_waiters(cx, t);
}

/* Rule 2: `a` enters a state in which it takes no user mail. The flag is
 * set before the waiters are looked at (both sequentially consistent),
 * and park() registers before it looks at the flag. */
static void block_mail(act_ctx_t *cx, act_actor_t *a, uint32_t flag) {
  atomic_fetch_or(&a->flags, flag);
  atomic_thread_fence(memory_order_seq_cst);
  wake_waiters(cx, a);
}

/* ---- asks -------------------------------------------------------------- */

act_future_t *act_ask(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  act_future_t *f = act_alloc(sizeof *f);
  f->target = to;
  f->msg_name = m->type->name;
  f->external = cx == NULL || cx->self == NULL;
  m->future = f;
  act_send(cx, to, m);
  return f;
}

static pthread_mutex_t ext_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ext_cv = PTHREAD_COND_INITIALIZER;

static void deliver_reply(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_msg_t *r) {
  r->future = f;
  r->flags |= MF_REPLY;
  if (f->external || asker == NULL) {
    pthread_mutex_lock(&ext_mu);
    if (f->state == 0) {
      f->reply = r;
      f->state = (r->flags & MF_FAILED) ? 2 : 1;
    }
    pthread_cond_broadcast(&ext_cv);
    pthread_mutex_unlock(&ext_mu);
    return;
  }
  enqueue(cx && cx->worker ? cx : NULL, asker, r);
}

static const act_msg_type_t failure_type = {"<failure>", 0, sizeof(act_msg_t), NULL, NULL};

static void fail_future(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, const char *why) {
  act_msg_t *r = act_alloc(sizeof *r);
  r->type = &failure_type;
  r->flags = MF_FAILED;
  char buf[512];
  snprintf(buf, sizeof buf, "ask %s to %s %s", f->msg_name,
           f->target && f->target->type ? f->target->type->name : "actor", why);
  f->reason = act_str_from_cstr(buf);
  if (asker && (asker->flags & AF_DEAD)) return;
  deliver_reply(cx, f, asker, r);
}

void act_reply(act_ctx_t *cx, act_msg_t *r) {
  act_msg_t *m = cx->msg;
  if (m == NULL || m->future == NULL) return;
  if (r->type->share) r->type->share(r);
  deliver_reply(cx, m->future, m->sender, r);
}

bool act_future_ready(act_future_t *f) { return f->state != 0; }

void act_future_arm(act_ctx_t *cx, act_future_t *f, int64_t timeout_ns) {
  act_rt_t *rt = act__rt(cx->self);
  rt->awaiting = f;
  act_msg_t *m = control(MF_TIMEOUT);
  m->future = f;
  f->timer = act__timer_add(timeout_ns, 0, cx->self, m, f);
}

act_msg_t *act_future_reply(act_ctx_t *cx, act_future_t *f, const act_loc_t *loc) {
  if (f->state == 1) return f->reply;
  if (f->state == 0)
    act_faultf(cx, loc, "await on a future that is not ready");
  act_fail(cx, f->reason, loc);
}

act_status_t act_suspend(act_ctx_t *cx, void *frame, act_resume_fn resume) {
  act_rt_t *rt = act__rt(cx->self);
  rt->frame = frame;
  rt->resume = resume;
  rt->cur_msg = cx->msg;
  block_mail(cx, cx->self, AF_SUSPENDED);
  return ACT_SUSPENDED;
}

void *act_frame_alloc(act_ctx_t *cx, size_t size) {
  (void)cx;
  return act_alloc(size);
}

/* ---- faults ------------------------------------------------------------ */

ACT_NORETURN static void unwind(act_ctx_t *cx, act_str_t *reason, const act_loc_t *loc) {
  act_worker_t *w = cx ? cx->worker : NULL;
  if (w == NULL) {
    act__logf("act: fault outside any actor: %.*s\n", (int)act_str_len(reason), act_str_data(reason));
    _exit(1);
  }
  w->fault_reason = reason;
  w->fault_loc = loc;
  longjmp(w->jb, 1);
}

ACT_NORETURN void act_fail(act_ctx_t *cx, act_str_t *reason, const act_loc_t *loc) {
  unwind(cx, reason ? reason : act_str_from_cstr("failed"), loc);
}

ACT_NORETURN void act_faultf(act_ctx_t *cx, const act_loc_t *loc, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  unwind(cx, act_str_from_cstr(buf), loc);
}

ACT_NORETURN void act_fault_div0(act_ctx_t *cx, const act_loc_t *loc) {
  unwind(cx, act_str_from_cstr("division by zero"), loc);
}

ACT_NORETURN void act_exit(act_ctx_t *cx, int code) {
  (void)cx;
  _exit(code & 0xff);
}

/* ---- stop and monitors ------------------------------------------------- */

static const act_msg_type_t *down_type_ptr(void) { return &act_down_type; }

static void notify_down(act_actor_t *a, act_str_t *reason) {
  act_rt_t *rt = rt_of(a);
  if (rt == NULL) return;
  pthread_mutex_lock(&rt->lock);
  int n = rt->nmonitors;
  act_actor_t **mons = rt->monitors;
  rt->nmonitors = 0;
  pthread_mutex_unlock(&rt->lock);
  for (int i = 0; i < n; i++) {
    act_down_msg_t *d = act_alloc(sizeof *d);
    d->h.type = down_type_ptr();
    d->h.sender = a;
    d->f_who = a;
    d->f_reason = reason;
    act_send(NULL, mons[i], &d->h);
  }
}

static void unregister(act_actor_t *a);

static const ACT_STR_LIT_T(7) normal_lit = ACT_STR_LIT("normal");
#define NORMAL ACT_STR(&normal_lit)

/* The actor is gone: its children are asked to stop (last started first),
 * `on stop` runs, watchers get Down, queued asks fail. */
void act__logf(const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) {
    n = (int)sizeof buf - 1;
    buf[n - 1] = '\n';
  }
  if (write(2, buf, (size_t)n) < 0) {}
}

int act__guarded(act_ctx_t *cx, void (*fn)(void *), void *arg, act_str_t **reason) {
  act_worker_t *w = cx->worker;
  jmp_buf saved;
  memcpy(saved, w->jb, sizeof saved);
  volatile int faulted = 0;
  if (setjmp(w->jb) == 0) fn(arg);
  else faulted = 1;
  memcpy(w->jb, saved, sizeof saved);
  if (faulted && reason) *reason = w->fault_reason;
  return faulted;
}

/* `on stop` faults are ignored: the actor is going anyway. */
typedef struct stop_call { act_ctx_t *cx; act_actor_t *a; } stop_call_t;
static void call_on_stop(void *p) {
  stop_call_t *sc = p;
  sc->a->type->on_stop(sc->cx, sc->a);
}

static void run_on_stop(act_ctx_t *cx, act_actor_t *a) {
  if (a->type->on_stop == NULL) return;
  stop_call_t sc = {cx, a};
  act__guarded(cx, call_on_stop, &sc, NULL);
}

static void finish(act_ctx_t *cx, act_actor_t *a, act_str_t *reason, int on_stop) {
  if (a->flags & AF_DEAD) return;
  act_rt_t *rt = rt_of(a);
  if (rt) {
    pthread_mutex_lock(&rt->lock);
    int n = rt->nchildren;
    act_actor_t **kids = rt->children;
    pthread_mutex_unlock(&rt->lock);
    for (int i = n - 1; i >= 0; i--)
      if (kids[i] && !(kids[i]->flags & AF_DEAD)) enqueue(cx, kids[i], control(MF_STOP));
    pthread_mutex_lock(&rt->lock);
    int nt = rt->ntimers;
    act_timer_t **ts = rt->timers;
    rt->ntimers = 0;
    pthread_mutex_unlock(&rt->lock);
    for (int i = 0; i < nt; i++) act__timer_cancel(ts[i]);
  }
  if (on_stop) run_on_stop(cx, a);
  /* Before AF_DEAD: a monitor that sees the actor dead reads the reason. */
  if (reason != NORMAL) act__rt(a)->end_reason = reason;
  block_mail(cx, a, AF_DEAD);          /* nobody waits on a dead mailbox */
  if (rt && rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
  unregister(a);
  notify_down(a, reason);
}

/* A graceful stop (LANGUAGE.md §6): the children stop first, one at a time
 * in reverse start order, each with its own children first; then `on stop`
 * runs. Meanwhile the actor takes only control messages. The same
 * "winding" precedes a restart (a restarted actor's old subtree goes
 * first, as in OTP) and a hold for a group restart; rt->wind says which. */
static void next_child(act_ctx_t *cx, act_actor_t *a);
static void plan_ack(act_ctx_t *cx, act_actor_t *to, act_actor_t *from, uint32_t token);
static act_status_t restart_now(act_ctx_t *cx, act_actor_t *a);
static act_status_t run_start(act_ctx_t *cx, act_actor_t *a);

static void wind(act_ctx_t *cx, act_actor_t *a, int mode, int on_stop) {
  act_rt_t *rt = act__rt(a);
  rt->wind = mode;
  rt->wind_on_stop = on_stop;
  pthread_mutex_lock(&rt->lock);
  rt->stop_idx = rt->nchildren;
  pthread_mutex_unlock(&rt->lock);
  block_mail(cx, a, AF_WINDING);
  next_child(cx, a);
}

static int has_live_children(act_actor_t *a) {
  act_rt_t *rt = rt_of(a);
  if (rt == NULL) return 0;
  int live = 0;
  pthread_mutex_lock(&rt->lock);
  for (int i = 0; i < rt->nchildren && !live; i++)
    live = rt->children[i] && !(rt->children[i]->flags & AF_DEAD);
  pthread_mutex_unlock(&rt->lock);
  return live;
}

static void graceful_stop(act_ctx_t *cx, act_actor_t *a, act_actor_t *requester) {
  if (a->flags & AF_DEAD) return;
  if (a->flags & AF_WINDING) {
    /* Already stopping its children: a stop wins over a restart or a
     * hold; `on stop` runs unless the actor had faulted. */
    act_rt_t *rt = act__rt(a);
    if (requester && rt->stop_requester == NULL) rt->stop_requester = requester;
    else if (requester) enqueue(cx, requester, control(MF_CHILD_DONE));
    if (rt->wind != WIND_FINISH) {
      rt->wind_on_stop = rt->wind == WIND_HOLD;
      rt->wind = WIND_FINISH;
    }
    return;
  }
  if (a->flags & AF_HELD) {
    /* Stopped already (or faulted): no second `on stop`. */
    a->flags &= ~(uint32_t)AF_HELD;
    finish(cx, a, NORMAL, 0);
    if (requester) enqueue(cx, requester, control(MF_CHILD_DONE));
    return;
  }
  if (rt_of(a) == NULL) {
    /* No children, no bookkeeping: most actors. */
    finish(cx, a, NORMAL, 1);
    if (requester) enqueue(cx, requester, control(MF_CHILD_DONE));
    return;
  }
  act__rt(a)->stop_requester = requester;
  wind(cx, a, WIND_FINISH, 1);
}

/* Forget the current incarnation: its timers, its (stopped) children, a
 * suspended handler and any group restart it was running. The reference,
 * the queued mail and the monitors stay. */
static void drop_incarnation(act_actor_t *a) {
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  act_rt_t *rt = rt_of(a);
  if (rt == NULL) return;
  pthread_mutex_lock(&rt->lock);
  int nt = rt->ntimers;
  act_timer_t **ts = rt->timers;
  rt->ntimers = 0;
  rt->nchildren = 0;
  pthread_mutex_unlock(&rt->lock);
  for (int i = 0; i < nt; i++) act__timer_cancel(ts[i]);
  if (rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
  rt->frame = NULL;
  rt->awaiting = NULL;
  rt->plan = NULL;
  rt->plan_wait = NULL;
  rt->npending = 0;
  rt->nstarts = rt->start_idx = 0;
  a->flags &= ~(uint32_t)AF_STARTING;
}

static void wind_done(act_ctx_t *cx, act_actor_t *a) {
  act_rt_t *rt = act__rt(a);
  a->flags &= ~(uint32_t)AF_WINDING;
  act_actor_t *req = rt->stop_requester, *hreq = rt->hold_req;
  uint32_t token = rt->wind_token;
  rt->stop_requester = NULL;
  rt->hold_req = NULL;
  int mode = rt->wind;
  if (mode == WIND_HOLD && (a->flags & AF_TEMPORARY)) mode = WIND_FINISH;  /* never restarted */
  switch (mode) {
  case WIND_FINISH:
    finish(cx, a, NORMAL, rt->wind_on_stop);
    break;
  case WIND_HOLD:
    run_on_stop(cx, a);
    drop_incarnation(a);
    block_mail(cx, a, AF_HELD);
    break;
  case WIND_FAILED: {
    drop_incarnation(a);
    block_mail(cx, a, AF_HELD);
    act_msg_t *f = control(MF_CHILD_FAILED);
    f->sender = a;
    enqueue(cx, a->parent, f);
    break;
  }
  default:   /* WIND_RESTART: a fault in init comes back as a new fault */
    if (req) enqueue(cx, req, control(MF_CHILD_DONE));
    if (hreq) plan_ack(cx, hreq, a, token);
    restart_now(cx, a);
    return;
  }
  if (req) enqueue(cx, req, control(MF_CHILD_DONE));
  if (hreq) plan_ack(cx, hreq, a, token);
}

static void next_child(act_ctx_t *cx, act_actor_t *a) {
  act_rt_t *rt = act__rt(a);
  act_actor_t *kid = NULL;
  pthread_mutex_lock(&rt->lock);
  while (rt->stop_idx > 0 && kid == NULL) {
    act_actor_t *k = rt->children[--rt->stop_idx];
    if (k && !(k->flags & AF_DEAD)) kid = k;
  }
  pthread_mutex_unlock(&rt->lock);
  if (kid) {
    act_msg_t *m = control(MF_STOP);
    m->sender = a;                 /* answered with MF_CHILD_DONE */
    enqueue(cx, kid, m);
    return;
  }
  wind_done(cx, a);
}

/* ---- group restarts (one_for_all, rest_for_one) ------------------------- */

/* OTP's order: the children concerned, except the failed one, stop last
 * started first (each runs `on stop`); then all of them start again in
 * start order, each init finishing before the next begins. The
 * supervisor drives it one child at a time with tokens, so a late or
 * repeated answer is recognised and ignored. */

static void plan_ack(act_ctx_t *cx, act_actor_t *to, act_actor_t *from, uint32_t token) {
  act_msg_t *m = control(MF_PLAN_ACK);
  m->sender = from;
  m->_pad = token;
  enqueue(cx, to, m);
}

static void plan_send(act_ctx_t *cx, act_actor_t *sup, act_actor_t *kid, uint32_t flag) {
  act_rt_t *rt = act__rt(sup);
  act_msg_t *m = control(flag);
  m->sender = sup;
  m->_pad = ++rt->plan_token;
  rt->plan_wait = kid;
  enqueue(cx, kid, m);
}

static void plan_start(act_ctx_t *cx, act_actor_t *sup, act_actor_t *failed);

static void plan_step(act_ctx_t *cx, act_actor_t *sup) {
  act_rt_t *rt = act__rt(sup);
  rt->plan_wait = NULL;
  if (rt->plan == NULL) goto idle;
  if (rt->plan_phase == 1) {
    while (rt->plan_idx > 0) {
      act_actor_t *k = rt->plan[--rt->plan_idx];
      if (k == rt->plan_failed || (k->flags & AF_DEAD)) continue;
      plan_send(cx, sup, k, MF_HOLD);
      return;
    }
    rt->plan_phase = 2;
  }
  while (rt->plan_idx < rt->nplan) {
    act_actor_t *k = rt->plan[rt->plan_idx++];
    if (k->flags & (AF_DEAD | AF_TEMPORARY)) continue;
    if (k != rt->plan_failed) {
      char p1[512], p2[512];
      act__logf("act: restarting %s (%s: %s failed)\n", act__path(k, p1, sizeof p1),
              sup->type->strategy == ACT_ONE_FOR_ALL ? "one_for_all" : "rest_for_one",
              act__path(rt->plan_failed, p2, sizeof p2));
    }
    plan_send(cx, sup, k, MF_RESTART);
    return;
  }
  rt->plan = NULL;
  rt->plan_failed = NULL;
idle:
  while (rt->npending > 0) {
    act_actor_t *c = rt->pending[0];
    memmove(rt->pending, rt->pending + 1, sizeof *rt->pending * (size_t)--rt->npending);
    if ((c->flags & AF_HELD) && !(c->flags & AF_DEAD)) {
      plan_start(cx, sup, c);
      return;
    }
  }
  /* Children of a supervisor declaration waiting for their turn. */
  while (rt->start_idx < rt->nstarts) {
    act_actor_t *k = rt->starts[rt->start_idx++];
    if (k->flags & AF_DEAD) continue;
    plan_send(cx, sup, k, MF_RESTART);
    return;
  }
  rt->nstarts = rt->start_idx = 0;
  sup->flags &= ~(uint32_t)AF_STARTING;
}

static void plan_start(act_ctx_t *cx, act_actor_t *sup, act_actor_t *failed) {
  act_rt_t *rt = act__rt(sup);
  int all = sup->type->strategy == ACT_ONE_FOR_ALL;
  pthread_mutex_lock(&rt->lock);
  act_actor_t **plan = act_alloc(sizeof *plan * (size_t)(rt->nchildren + 1));
  int n = 0, after = 0;
  for (int i = 0; i < rt->nchildren; i++) {
    act_actor_t *k = rt->children[i];
    if (k == failed) after = 1;
    if (k == NULL || (k->flags & (AF_DEAD | AF_UNSTARTED))) continue;
    if (all || after) plan[n++] = k;
  }
  pthread_mutex_unlock(&rt->lock);
  rt->plan = plan;
  rt->nplan = n;
  rt->plan_idx = n;
  rt->plan_phase = 1;
  rt->plan_failed = failed;
  plan_step(cx, sup);
}

static void child_failed(act_ctx_t *cx, act_actor_t *sup, act_actor_t *c) {
  if (sup->flags & (AF_DEAD | AF_WINDING | AF_HELD)) return;   /* stopping: the held child stops too */
  act_rt_t *rt = act__rt(sup);
  if (rt->plan || rt->plan_wait) {
    push_actor(&rt->pending, &rt->npending, &rt->cappending, c);
    if (c == rt->plan_wait) plan_step(cx, sup);   /* it failed instead of answering */
    return;
  }
  plan_start(cx, sup, c);
}

static act_status_t restart_now(act_ctx_t *cx, act_actor_t *a) {
  a->flags &= ~(uint32_t)(AF_HELD | AF_UNSTARTED);
  drop_incarnation(a);
  return run_start(cx, a);
}

void act_stop_self(act_ctx_t *cx) { cx->self->flags |= AF_STOPPING; }

void act_stop(act_ctx_t *cx, act_actor_t *a) {
  if (a == NULL) return;
  if (cx && a == cx->self) { act_stop_self(cx); return; }
  if (!(a->flags & AF_DEAD)) enqueue(cx && cx->worker ? cx : NULL, a, control(MF_STOP));
}

void act_monitor(act_ctx_t *cx, act_actor_t *a) {
  if (a == NULL || cx == NULL || cx->self == NULL) return;
  act_rt_t *rt = act__rt(a);
  pthread_mutex_lock(&rt->lock);
  int dead = (a->flags & AF_DEAD) != 0;
  if (!dead) {
    if (rt->nmonitors == rt->capmonitors) {
      rt->capmonitors = rt->capmonitors ? rt->capmonitors * 2 : 4;
      act_actor_t **m = act_alloc(sizeof *m * (size_t)rt->capmonitors);
      if (rt->nmonitors) memcpy(m, rt->monitors, sizeof *m * (size_t)rt->nmonitors);
      rt->monitors = m;
    }
    rt->monitors[rt->nmonitors++] = cx->self;
  }
  pthread_mutex_unlock(&rt->lock);
  if (dead) {
    act_down_msg_t *d = act_alloc(sizeof *d);
    d->h.type = &act_down_type;
    d->h.sender = a;
    d->f_who = a;
    d->f_reason = rt->end_reason ? rt->end_reason : NORMAL;   /* §8: the reason it ended with */
    act_send(cx, cx->self, &d->h);
  }
}

static void print_down(act_buf_t *b, const act_msg_t *m) {
  const act_down_msg_t *d = (const act_down_msg_t *)m;
  act_buf_cstr(b, "Down(");
  act_buf_value(b, &act_type_ref, &d->f_who, true);
  act_buf_cstr(b, ", ");
  act_buf_quoted(b, d->f_reason);
  act_buf_cstr(b, ")");
}
const act_msg_type_t act_down_type = {"Down", ACT_MSG_DOWN, sizeof(act_down_msg_t), print_down, NULL};

/* ---- registry ---------------------------------------------------------- */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static act_str_t **reg_names;
static act_actor_t **reg_actors;
static int nreg, capreg;

/* §10: a name is held until its actor is gone; taking a held name fails
 * (false), as erlang:register does, instead of stealing it. Registering
 * the holder again under the same name succeeds. An entry whose actor
 * died is free even before unregister() removed it (the two race). */
bool act_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  (void)cx;
  if (a == NULL || (a->flags & AF_DEAD)) return false;
  act__rt(a)->registered = name;   /* before it is visible: see unregister */
  pthread_mutex_lock(&reg_mu);
  for (int i = 0; i < nreg; i++)
    if (act_str_eq(reg_names[i], name)) {
      int ok = reg_actors[i] == a || (reg_actors[i]->flags & AF_DEAD);
      if (ok) reg_actors[i] = a;
      pthread_mutex_unlock(&reg_mu);
      return ok;
    }
  if (nreg == capreg) {
    capreg = capreg ? capreg * 2 : 16;
    act_str_t **n = GC_MALLOC_UNCOLLECTABLE(sizeof *n * (size_t)capreg);
    act_actor_t **v = GC_MALLOC_UNCOLLECTABLE(sizeof *v * (size_t)capreg);
    if (nreg) { memcpy(n, reg_names, sizeof *n * (size_t)nreg); memcpy(v, reg_actors, sizeof *v * (size_t)nreg); }
    GC_FREE(reg_names);
    GC_FREE(reg_actors);
    reg_names = n;
    reg_actors = v;
  }
  reg_names[nreg] = name;
  reg_actors[nreg++] = a;
  pthread_mutex_unlock(&reg_mu);
  return true;
}

/* Every name `a` holds goes (it may hold several). */
static void unregister(act_actor_t *a) {
  if (rt_of(a) == NULL || rt_of(a)->registered == NULL) return;
  pthread_mutex_lock(&reg_mu);
  for (int i = nreg - 1; i >= 0; i--)
    if (reg_actors[i] == a) {
      reg_names[i] = reg_names[nreg - 1];
      reg_actors[i] = reg_actors[nreg - 1];
      nreg--;
    }
  pthread_mutex_unlock(&reg_mu);
}

act_actor_t *act_lookup(act_ctx_t *cx, act_str_t *name, const act_loc_t *loc) {
  pthread_mutex_lock(&reg_mu);
  act_actor_t *a = NULL;
  for (int i = 0; i < nreg && a == NULL; i++)
    if (act_str_eq(reg_names[i], name) && !(reg_actors[i]->flags & AF_DEAD)) a = reg_actors[i];
  pthread_mutex_unlock(&reg_mu);
  if (a == NULL)
    act_faultf(cx, loc, "no actor is registered as \"%.*s\"", (int)act_str_len(name), act_str_data(name));
  return a;
}

int64_t act_rand(act_ctx_t *cx, int64_t n) {
  if (n <= 0) act_faultf(cx, NULL, "rand(%lld): the bound must be positive", (long long)n);
  uint64_t *s = cx && cx->self ? &cx->self->rng : NULL;
  if (s == NULL) s = act__rng_thread();   /* outside any actor (options.c) */
  uint64_t x = *s;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  *s = x;
  return (int64_t)((x * 0x2545F4914F6CDD1Dull) % (uint64_t)n);
}

/* A `blocking fn` call holds its worker. If no other worker is idle to
 * take over the run queues, one more worker joins the pool (up to 64
 * extra), so blocking calls never starve the other actors. The extra
 * workers stay and sleep when there is nothing to do. */
static void start_worker(int i);

void act_blocking_enter(act_ctx_t *cx) {
  act_worker_t *self = cx ? cx->worker : NULL;
  act_actor_t *nx = self ? atomic_exchange(&self->next, NULL) : NULL;
  if (nx) {
    /* This worker is about to block: its `next` goes where anyone can
     * take it at once. */
    q_push(&self->q, nx);
    wake_one();
  }
  if (atomic_load(&sleeping) > 0) return;
  pthread_mutex_lock(&sched_mu);
  int i = -1;
  if (atomic_load(&nworkers) < max_workers) {
    i = atomic_load(&nworkers);
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].id = i;
    atomic_store(&nworkers, i + 1);
  }
  pthread_mutex_unlock(&sched_mu);
  if (i >= 0) start_worker(i);
}

void act_blocking_leave(act_ctx_t *cx) { (void)cx; }

/* ---- supervision ------------------------------------------------------- */

static void crash_report(act_actor_t *a, act_str_t *reason, act_msg_t *m, const act_loc_t *loc) {
  char path[512];
  act_buf_t b;
  act_buf_init(&b);
  act_buf_cstr(&b, "act: crash: ");
  act_buf_cstr(&b, act__path(a, path, sizeof path));
  act_buf_cstr(&b, " failed: ");
  act_buf_str(&b, reason);
  act_buf_cstr(&b, "\n  while handling: ");
  if (m == NULL || (m->flags & MF_START)) act_buf_cstr(&b, "init");
  else if (m->flags & MF_ESCALATE) act_buf_cstr(&b, "the failure of a child it supervises");
  else if (m->type->print) m->type->print(&b, m);
  else act_buf_cstr(&b, m->type->name);
  if (loc && loc->file) {
    act_buf_cstr(&b, "\n  at: ");
    act_buf_cstr(&b, loc->file);
    act_buf_cstr(&b, ":");
    act_buf_i64(&b, loc->line);
    act_buf_cstr(&b, ":");
    act_buf_i64(&b, loc->col);
  }
  act_buf_cstr(&b, "\n");
  if (write(2, b.p, (size_t)b.len) < 0) {}
}

/* May the parent restart one more child now? Counts over all its children
 * in a sliding window (§8: restarts N within D). */
static int may_restart(act_actor_t *parent) {
  const act_actor_type_t *pt = parent->type;
  uint32_t max = pt->max_restarts;   /* 0: no restarts (`restarts 0 within D`) */
  int64_t window = pt->restart_window_ns ? pt->restart_window_ns : 5000000000LL;
  act_rt_t *rt = act__rt(parent);
  int64_t now = act_now();
  pthread_mutex_lock(&rt->lock);
  if (rt->restarts == NULL) rt->restarts = act_alloc_atomic(sizeof(int64_t) * 64);
  int k = 0;
  for (int i = 0; i < rt->nrestarts; i++)
    if (now - rt->restarts[i] < window) rt->restarts[k++] = rt->restarts[i];
  rt->nrestarts = k;
  int ok = (uint32_t)k < max && k < 64;
  if (ok) rt->restarts[rt->nrestarts++] = now;
  pthread_mutex_unlock(&rt->lock);
  return ok;
}

/* The running handler of a faulted: drop the message, hand the actor to
 * its supervisor. Returns 1 when the actor keeps running (restarted). */
static int handle_fault(act_worker_t *w, act_actor_t *a) {
  act_ctx_t *cx = &w->cx;
  act_str_t *reason = w->fault_reason;
  act_msg_t *m = cx->msg;
  act_rt_t *rt = rt_of(a);
  if (rt && (a->flags & AF_SUSPENDED)) {
    m = rt->cur_msg;
    rt->frame = NULL;
    rt->awaiting = NULL;
  }
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  if (rt && rt->start_req) {
    plan_ack(cx, rt->start_req, a, rt->start_token);
    rt->start_req = NULL;
  }
  if (m && m->future && !(m->flags & (MF_REPLY | MF_CONTROL))) {
    char tmp[600];
    snprintf(tmp, sizeof tmp, "faulted: %.*s", (int)(act_str_len(reason) > 500 ? 500 : act_str_len(reason)),
             act_str_data(reason));
    fail_future(cx, m->future, m->sender, tmp);
  }
  if (a->parent == NULL) {
    crash_report(a, reason, m, w->fault_loc);
    _exit(1);
  }
  char path[512];
  act__path(a, path, sizeof path);
  if ((a->flags & AF_TEMPORARY) || !may_restart(a->parent)) {
    int temporary = (a->flags & AF_TEMPORARY) != 0;
    finish(cx, a, reason, 0);
    if (!temporary) {
      char buf[1024];
      snprintf(buf, sizeof buf, "too many restarts of %s: %.*s", path, (int)act_str_len(reason),
               act_str_data(reason));
      act_msg_t *e = control(MF_ESCALATE);
      e->future = (act_future_t *)act_str_from_cstr(buf);   /* the reason */
      enqueue(cx, a->parent, e);
    } else {
      act__logf("act: %s failed and is not restarted (temporary): %.*s\n", path,
              (int)act_str_len(reason), act_str_data(reason));
    }
    return 0;
  }
  {
    const act_loc_t *loc = w->fault_loc;
    char where[300] = "";
    if (loc && loc->file) snprintf(where, sizeof where, " (at %s:%d:%d)", loc->file, loc->line, loc->col);
    act__logf("act: restarting %s after fault: %.*s%s\n", path, (int)act_str_len(reason),
            act_str_data(reason), where);
  }
  /* one_for_all / rest_for_one: its subtree stops, then the supervisor
   * restarts the group in order. one_for_one: the subtree stops, then
   * it restarts alone (at once when it has no children). */
  if (a->parent->type->strategy != ACT_ONE_FOR_ONE) {
    wind(cx, a, WIND_FAILED, 0);
    return 0;
  }
  if (has_live_children(a)) {
    wind(cx, a, WIND_RESTART, 0);
    return 0;
  }
  return 1;
}

/* ---- dispatch ---------------------------------------------------------- */

static _Atomic uint64_t warned[64];

static void dead_letter(act_actor_t *a, act_msg_t *m) {
  uint32_t id = m->type->id;
  uint64_t bit = 1ull << (id % 64);
  if (atomic_fetch_or(&warned[(id / 64) % 64], bit) & bit) return;
  act__logf("act: warning: dead letter: %s sent to %s, which does not handle it\n",
          m->type->name, a->type->name);
}

static act_status_t run_start(act_ctx_t *cx, act_actor_t *a) {
  cx->msg = NULL;
  return a->type->start(cx, a);
}

/* Handle one message; the jump point for faults is set by the caller. */
static void dispatch_one(act_worker_t *w, act_actor_t *a, act_msg_t *m) {
  act_ctx_t *cx = &w->cx;
  act_rt_t *rt = rt_of(a);
  act_status_t st = ACT_DONE;
  if (m->flags & (MF_REPLY | MF_TIMEOUT)) {
    act_future_t *f = m->future;
    if (m->flags & MF_REPLY) {
      if (f->state == 0) {
        f->reply = m;
        f->state = (m->flags & MF_FAILED) ? 2 : 1;
        if (f->timer) act__timer_cancel(f->timer);
      }
    } else if (f->state == 0) {
      f->state = 2;
      char buf[256];
      int64_t ms = 0;
      snprintf(buf, sizeof buf, "ask %s to %s timed out", f->msg_name,
               f->target && f->target->type ? f->target->type->name : "actor");
      (void)ms;
      f->reason = act_str_from_cstr(buf);
    }
    if (rt && (a->flags & AF_SUSPENDED) && rt->awaiting == f && f->state != 0) {
      a->flags &= ~(uint32_t)AF_SUSPENDED;
      rt->awaiting = NULL;
      act_msg_t *cur = rt->cur_msg;
      cx->msg = cur;
      void *frame = rt->frame;
      rt->frame = NULL;
      st = rt->resume(cx, a, frame);
      if (st == ACT_DONE) {
        msg_done(w, cur);
        if (cur == NULL && rt->start_req) {
          /* The init a supervisor waits for has completed. */
          act_actor_t *req = rt->start_req;
          rt->start_req = NULL;
          plan_ack(cx, req, a, rt->start_token);
        }
      }
    } else {
      return;
    }
  } else if (m->flags & MF_START) {
    st = run_start(cx, a);
  } else if (m->flags & MF_RESTART) {
    if (m->sender) {   /* a supervisor waits for this init (a fault answers too) */
      act_rt_t *sr = act__rt(a);
      sr->start_req = m->sender;
      sr->start_token = m->_pad;
    }
    st = restart_now(cx, a);
    if (m->sender && st != ACT_SUSPENDED) {
      /* An init that awaits answers when it completes (start_acked). */
      act__rt(a)->start_req = NULL;
      plan_ack(cx, m->sender, a, m->_pad);
    }
  } else if (m->flags & MF_HOLD) {
    act_rt_t *hr = act__rt(a);
    if (a->flags & AF_HELD) {
      plan_ack(cx, m->sender, a, m->_pad);
    } else {
      hr->hold_req = m->sender;
      hr->wind_token = m->_pad;
      if (!(a->flags & AF_WINDING)) {
        hr->frame = NULL;
        hr->awaiting = NULL;
        a->flags &= ~(uint32_t)AF_SUSPENDED;
        wind(cx, a, WIND_HOLD, 1);
      }
    }
    return;
  } else if (m->flags & MF_CHILD_FAILED) {
    child_failed(cx, a, m->sender);
    return;
  } else if (m->flags & MF_PLAN_ACK) {
    if (rt && rt->plan_wait && m->sender == rt->plan_wait && m->_pad == rt->plan_token) plan_step(cx, a);
    return;
  } else if (m->flags & MF_STOP) {
    if (rt) { rt->frame = NULL; rt->awaiting = NULL; }
    a->flags &= ~(uint32_t)AF_SUSPENDED;
    graceful_stop(cx, a, m->sender);
    return;
  } else if (m->flags & MF_CHILD_DONE) {
    if (a->flags & AF_WINDING) next_child(cx, a);
    return;
  } else if (m->flags & MF_ESCALATE) {
    cx->msg = m;
    act_fail(cx, (act_str_t *)(void *)m->future, NULL);
  } else {
    if (m->flags & MF_TIMER) {
      /* §7: after cancel(t) no tick of t is handled, queued or not. */
      if (act__tick_cancelled(m)) return;
      m->flags &= ~(uint32_t)MF_TIMER;
      m->future = NULL;              /* a tick is told: nobody waits for a reply */
    }
    if (m->flags & MF_COUNTED) {
      uint32_t out = atomic_load_explicit(&a->mq_out, memory_order_relaxed) + 1;
      atomic_store_explicit(&a->mq_out, out, memory_order_relaxed);
      act_rt_t *wrt = rt_of(a);
      if (wrt && atomic_load_explicit(&wrt->nwaiters, memory_order_relaxed) > 0 &&
          queued(a) <= bound_of(a) / 2)
        wake_waiters(cx, a);
    }
    cx->msg = m;
    st = a->type->dispatch(cx, a, m);
    if (st == ACT_UNHANDLED) {
      dead_letter(a, m);
      if (m->future) fail_future(cx, m->future, m->sender, "is not handled");
      st = ACT_DONE;
    }
    if (st == ACT_DONE) msg_done(w, m);
  }
  cx->msg = NULL;
  if (st == ACT_DONE && (a->flags & AF_STOPPING)) graceful_stop(cx, a, NULL);
}

/* Suspended actors take only what can resume them (or stop them); the rest
 * waits in the stash, in order. */
static int resumes(act_actor_t *a, act_msg_t *m) {
  (void)a;
  return (m->flags & (MF_REPLY | MF_TIMEOUT | MF_LANE)) != 0;
}

static act_msg_t *next_msg(act_actor_t *a) {
  act_rt_t *rt = rt_of(a);
  if (rt) {
    act_msg_t *c = vq_pop(&rt->ctl_head, &rt->ctl_tail, &rt->ctl_stub);
    if (c) return c;
  }
  if (!(a->flags & AF_NOMAIL)) {
    if (rt && rt->stash_head) {
      act_msg_t *m = rt->stash_head;
      rt->stash_head = atomic_load_explicit(&m->next, memory_order_relaxed);
      if (rt->stash_head == NULL) rt->stash_tail = NULL;
      return m;
    }
    return mq_pop(a);
  }
  for (;;) {
    act_msg_t *m = mq_pop(a);
    if (m == NULL) return NULL;
    if (resumes(a, m)) return m;
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    if (rt->stash_tail) atomic_store_explicit(&rt->stash_tail->next, m, memory_order_relaxed);
    else rt->stash_head = m;
    rt->stash_tail = m;
  }
}

static int has_work(act_actor_t *a) {
  act_rt_t *rt = rt_of(a);
  if (rt && !vq_empty(&rt->ctl_head, rt->ctl_tail, &rt->ctl_stub)) return 1;
  if (!(a->flags & AF_NOMAIL) && rt && rt->stash_head) return 1;
  return !mq_empty(a);
}

static void drain_dead(act_ctx_t *cx, act_actor_t *a) {
  act_msg_t *m;
  while ((m = next_msg(a)) != NULL) {
    if (m->future && !(m->flags & (MF_REPLY | MF_TIMEOUT | MF_TIMER | MF_CONTROL)))
      fail_future(cx, m->future, m->sender, "target gone");
    if ((m->flags & MF_STOP) && m->sender)   /* a parent waits on us */
      enqueue(cx, m->sender, control(MF_CHILD_DONE));
    if ((m->flags & (MF_HOLD | MF_RESTART)) && m->sender) plan_ack(cx, m->sender, a, m->_pad);
  }
}

static void run_actor(act_worker_t *w, act_actor_t *a) {
  act_ctx_t *cx = &w->cx;
  atomic_store_explicit(&w->runs, atomic_load_explicit(&w->runs, memory_order_relaxed) + 1,
                        memory_order_relaxed);
  cx->self = a;
  atomic_store_explicit(&w->running, a, memory_order_relaxed);
  w->pause_on = NULL;
  volatile int n = 0;
  volatile int restart = 0;
  if (setjmp(w->jb) != 0) {
    restart = handle_fault(w, a);
    cx->msg = NULL;
    w->pause_on = NULL;                /* the faulted handler's sends pause nobody */
    n++;
  }
  /* One step per round: a restart (fields, then init; a fault in there
   * comes back to the setjmp above), the first start, or one message.
   * Every step is a handler boundary, where a pending pause is taken or
   * dropped: it never outlives the step that recorded it. */
  while (n < BATCH) {
    if (restart) {
      restart = 0;
      dispatch_one(w, a, control(MF_RESTART));
    } else if (a->flags & AF_START_PENDING) {
      a->flags &= ~(uint32_t)AF_START_PENDING;
      n++;
      act_status_t st = run_start(cx, a);
      cx->msg = NULL;
      if (st == ACT_DONE && (a->flags & AF_STOPPING)) graceful_stop(cx, a, NULL);
    } else {
      if (a->flags & AF_DEAD) {
        drain_dead(cx, a);
        break;
      }
      act_msg_t *m = next_msg(a);
      if (m == NULL) break;
      n++;
      dispatch_one(w, a, m);
    }
    if (w->pause_on) {
      act_actor_t *t = w->pause_on;
      w->pause_on = NULL;
      /* Only between handlers: a suspended handler still gets its reply. */
      if (!(a->flags & (AF_NOMAIL | AF_DEAD)) && park(a, t)) {
        /* Another worker may run `a` as soon as it is parked: hands off. */
        cx->self = NULL;
        atomic_store_explicit(&w->running, NULL, memory_order_relaxed);
        return;                        /* sched stays 1: t wakes us */
      }
    }
  }
  wake_if_drained(cx, a);
  cx->self = NULL;
  atomic_store_explicit(&w->running, NULL, memory_order_relaxed);
  /* The producers' end, read before the emptiness check: any push after
   * this point changes it. */
  act_msg_t *seen = atomic_load_explicit(&a->mq_head, memory_order_seq_cst);
  act_rt_t *rt0 = rt_of(a);
  act_msg_t *seen_ctl = rt0 ? atomic_load_explicit(&rt0->ctl_head, memory_order_seq_cst) : NULL;
  if (!(a->flags & AF_DEAD) && has_work(a)) {
    q_push(&w->q, a);               /* fairness: to the back of the queue */
    return;
  }
  /* Release the actor. Once sched is 0 another worker may own it, so only
   * mq_head is looked at: if a push came in since `seen`, take the actor
   * back — unless that producer already scheduled it. */
  atomic_store_explicit(&a->sched, 0, memory_order_seq_cst);
  act_rt_t *rt1 = rt_of(a);
  int moved = atomic_load_explicit(&a->mq_head, memory_order_seq_cst) != seen ||
              (rt1 && atomic_load_explicit(&rt1->ctl_head, memory_order_seq_cst) != seen_ctl &&
               !(rt0 == NULL && atomic_load_explicit(&rt1->ctl_head, memory_order_seq_cst) == &rt1->ctl_stub));
  if (moved && atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0)
    q_push(&w->q, a);
}

/* ---- workers and quiescence -------------------------------------------- */

/* Take one actor, or half of a long queue (at most 32) in one visit:
 * one lock round trip per batch instead of per actor when one producer
 * feeds many consumers. */
static act_actor_t *steal(act_worker_t *self) {
  for (int i = 1; i < nworkers; i++) {
    act_worker_t *v = &workers[(self->id + i) % nworkers];
    runq_t *q = &v->q;
    if (LD(q->tail) == LD(q->head)) continue;
    act_actor_t *got[32];
    int n = 0;
    q_lock(q);
    int64_t head = LD(q->head), len = LD(q->tail) - head;
    int64_t take = len >= 16 ? len / 2 : (len > 0 ? 1 : 0);
    if (take > 32) take = 32;
    for (; n < take; n++, head++) {
      got[n] = q->ring[head % q->cap];
      q->ring[head % q->cap] = NULL;
    }
    ST(q->head, head);
    q_unlock(q);
    if (n == 0) continue;
    for (int k = 1; k < n; k++) q_push(&self->q, got[k]);
    return got[0];
  }
  return NULL;
}

/* The monitor: `next` cannot be stolen, so an actor woken by a handler
 * that then computes for a long time would wait for it. Every millisecond
 * while some worker is awake, a worker whose `next` has not moved and who
 * is still in the same run gets it taken from it: into its queue, where
 * idle workers steal. When every worker sleeps, so does the monitor. */
static pthread_cond_t monitor_cv = PTHREAD_COND_INITIALIZER;
static int monitor_waiting;

static void *monitor_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&sched_mu);
    while (idle_count == atomic_load(&nworkers)) {
      monitor_waiting = 1;
      pthread_cond_wait(&monitor_cv, &sched_mu);
    }
    monitor_waiting = 0;
    pthread_mutex_unlock(&sched_mu);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    int n = atomic_load(&nworkers);
    for (int i = 0; i < n; i++) {
      act_worker_t *v = &workers[i];
      act_actor_t *nx = atomic_load_explicit(&v->next, memory_order_acquire);
      uint64_t r = atomic_load_explicit(&v->runs, memory_order_relaxed);
      if (nx && nx == v->mon_next && r == v->mon_runs &&
          atomic_compare_exchange_strong(&v->next, &nx, NULL)) {
        q_push(&v->q, nx);
        wake_one();
        nx = NULL;
      }
      v->mon_next = nx;
      v->mon_runs = r;
    }
  }
  return NULL;
}

static int all_queues_empty(void) {
  if (q_len(&inject)) return 0;
  for (int i = 0; i < nworkers; i++)
    if (q_len(&workers[i].q)) return 0;
  return 1;
}

/* SIGINT/SIGTERM: stop the tree from the root down (children first, then
 * each `on stop`), and once everything is quiet exit with 128 + signal.
 * The signals are blocked in every thread and taken by this one. */
static act_actor_t *root_actor;
static _Atomic int stop_signal;
static sigset_t stop_signals;

#define STOP_GRACE_S 5

/* The stop did not finish in time: a handler that never returns cannot be
 * interrupted (actors are not preempted), so name it and end the process,
 * as a supervisor's shutdown timeout kills a child in OTP. */
static void stop_overdue(int sig) {
  int named = 0;
  for (int i = 0; i < atomic_load(&nworkers); i++) {
    act_actor_t *a = atomic_load_explicit(&workers[i].running, memory_order_relaxed);
    if (a == NULL) continue;
    char path[512];
    act__logf("act: %s is still in a handler %ds after %s; exiting without waiting for it\n",
              act__path(a, path, sizeof path), STOP_GRACE_S, sig == SIGINT ? "SIGINT" : "SIGTERM");
    named = 1;
  }
  if (!named)
    act__logf("act: the program did not finish stopping %ds after %s; exiting\n", STOP_GRACE_S,
              sig == SIGINT ? "SIGINT" : "SIGTERM");
  _exit(128 + sig);
}

static void *signal_main(void *arg) {
  (void)arg;
  for (;;) {
    int sig = 0;
    if (sigwait(&stop_signals, &sig) != 0) continue;
    if (atomic_exchange(&stop_signal, sig) != 0) _exit(128 + sig);   /* second signal */
    if (root_actor == NULL) _exit(128 + sig);
    act_stop(NULL, root_actor);
    /* A second signal ends the process at once; otherwise the stop has a
     * grace period (the process exits by itself when it completes). */
    int64_t deadline = act_now() + (int64_t)STOP_GRACE_S * 1000000000;
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
  act_worker_t *w = this_worker;
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

static void set_exit(int code) {
  int sig = atomic_load(&stop_signal);
  if (sig && code == 0) code = 128 + sig;
  pthread_mutex_lock(&exit_mu);
  if (exit_code < 0) exit_code = code;
  pthread_cond_broadcast(&exit_cv);
  pthread_mutex_unlock(&exit_mu);
}

/* Called by the timer thread when its last timer went away (workers check
 * inline, under sched_mu, before they sleep). */
/* Under sched_mu. Quiescent (§6): every worker asleep, no actor queued,
 * no timer armed, no journal write pending, and no actor paused by
 * backpressure. A paused actor holds mail that nobody is running: the
 * rules at park() make that impossible, so if it is ever seen it is
 * reported as the runtime's deadlock, never taken for a clean exit. */
static void check_quiescent(void) {
  if (!atomic_load(&program_started) || idle_count != nworkers || !all_queues_empty() ||
      act__timers_armed() != 0 || act__persist_inflight() != 0)
    return;
  int parked = atomic_load(&parked_count);
  if (parked == 0) {
    set_exit(0);
    return;
  }
  act__logf("act: internal error: deadlock: %d actor%s paused by backpressure and nothing left "
            "running to drain the mailboxes they wait on\n", parked, parked == 1 ? "" : "s");
  set_exit(70);
}

void act__quiescence_check(void) {
  if (nworkers == 0) return;
  pthread_mutex_lock(&sched_mu);
  check_quiescent();
  pthread_mutex_unlock(&sched_mu);
}

static void *worker_main(void *arg) {
  act_worker_t *w = arg;
  w->cx.worker = w;
  this_worker = w;
  stack_t ss;
  ss.ss_size = 64 * 1024;
  ss.ss_sp = malloc(ss.ss_size);
  ss.ss_flags = 0;
  if (ss.ss_sp) sigaltstack(&ss, NULL);
  for (;;) {
    act_actor_t *a = NULL;
    /* Work from outside the workers (timer ticks, ask time-outs, journal
     * completions, stop signals, external sends) waits at most 32 rounds,
     * however busy the local queue and `next` are (Go checks its global
     * queue every 61st tick for the same reason). */
    if ((++w->tick & 31) == 0) a = q_pop(&inject);
    if (a == NULL) {
      a = atomic_load_explicit(&w->next, memory_order_relaxed)
              ? atomic_exchange_explicit(&w->next, NULL, memory_order_acq_rel)
              : NULL;
      if (a && w->next_runs >= NEXT_RUNS) {
        /* After NEXT_RUNS in a row (two actors bouncing messages), the
         * queue gets a turn. */
        q_push(&w->q, a);
        a = NULL;
      }
      if (a) {
        w->next_runs++;
      } else {
        w->next_runs = 0;
        a = q_pop(&w->q);
      }
    }
    if (a == NULL) a = q_pop(&inject);
    if (a == NULL) a = steal(w);
    if (a == NULL) {
      /* Look again for a while before sleeping: first with CPU pauses
       * (work often appears within microseconds), then yielding the core. */
      for (int spin = 0; spin < 264 && a == NULL; spin++) {
        if (spin < 64) {
          for (int p = 0; p < 32; p++) cpu_relax();
        } else {
          sched_yield();
        }
        a = q_pop(&inject);
        if (a == NULL) a = q_pop(&w->q);   /* the monitor may have moved our `next` there */
        if (a == NULL) a = steal(w);
      }
    }
    if (a == NULL) {
      pthread_mutex_lock(&sched_mu);
      idle_count++;
      atomic_fetch_add(&sleeping, 1);
      while ((a = q_pop(&inject)) == NULL && (a = q_pop(&w->q)) == NULL && (a = steal(w)) == NULL) {
        check_quiescent();
        pthread_cond_wait(&sched_cv, &sched_mu);
      }
      atomic_fetch_sub(&sleeping, 1);
      idle_count--;
      if (monitor_waiting) pthread_cond_signal(&monitor_cv);
      pthread_mutex_unlock(&sched_mu);
    }
    run_actor(w, a);
  }
  return NULL;
}


static int parse_threads(int *argc, char **argv) {
  /* options.c checks every --act-* option and ACT_* variable. */
  return act__options_parse(argc, argv, &default_bound);
}

static int runtime_started;

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
  GC_INIT();
  GC_allow_register_threads();
  /* Message-heavy programs allocate fast and keep little: start with room
   * to spare so the first collections do not come every few megabytes
   * (pages are only touched when used; see bench/results.md). */
  if (getenv("GC_INITIAL_HEAP_SIZE") == NULL) GC_expand_hp((size_t)128 << 20);
  int n = parse_threads(&argc, argv);
  act__persist_start(argv && argv[0] ? argv[0] : "act");
  max_workers = n + 64;
  workers = GC_MALLOC_UNCOLLECTABLE(sizeof *workers * (size_t)max_workers);
  memset(workers, 0, sizeof *workers * (size_t)max_workers);
  nworkers = n;
  act__timers_start();
  pthread_t sth;
  pthread_create(&sth, NULL, signal_main, NULL);
  pthread_detach(sth);
  pthread_t mth;
  pthread_create(&mth, NULL, monitor_main, NULL);
  pthread_detach(mth);
  for (int i = 0; i < n; i++) {
    workers[i].id = i;
    start_worker(i);
  }
  return 0;
}

/* A fixed stack per worker (with a guard page), whatever `ulimit -s` says:
 * runaway recursion in a handler then ends in a clear report (on_segv)
 * instead of eating all memory. */
static void start_worker(int i) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)64 << 20);
  pthread_create(&workers[i].th, &attr, worker_main, &workers[i]);
  pthread_attr_destroy(&attr);
}

act_ctx_t *act_external(void) { return NULL; }

int act_runtime_wait(void) {
  pthread_mutex_lock(&exit_mu);
  while (exit_code < 0) pthread_cond_wait(&exit_cv, &exit_mu);
  int code = exit_code;
  pthread_mutex_unlock(&exit_mu);
  return code;
}

act_msg_t *act_ask_sync(act_actor_t *to, act_msg_t *m, int64_t timeout_ns) {
  act_future_t *f = act_ask(NULL, to, m);
  int64_t deadline = act_now() + timeout_ns;
  pthread_mutex_lock(&ext_mu);
  while (f->state == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t left = deadline - act_now();
    if (left <= 0) break;
    ts.tv_sec += (time_t)(left / 1000000000LL);
    ts.tv_nsec += (long)(left % 1000000000LL);
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&ext_cv, &ext_mu, &ts);
  }
  act_msg_t *r = f->state == 1 ? f->reply : NULL;
  pthread_mutex_unlock(&ext_mu);
  return r;
}


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
  int code = act_runtime_wait();
  /* Workers are still parked in the scheduler: leave without running
   * exit handlers under their feet. print() never buffers. */
  _exit(code);
}
