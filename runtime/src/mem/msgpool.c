/* msgpool.c: message memory. Each worker keeps free messages by size
 * class. A message handled to completion goes back to the pool of the
 * worker that handled it, so in the steady state a send allocates nothing
 * and the collector is not woken by message traffic. When one worker
 * produces and another consumes, whole batches travel back through a
 * small locked depot. The memory stays the collector's (messages hold
 * values) and is cleared when freed, so a pooled message keeps nothing
 * alive. Replies, timer messages, messages from outside any worker and
 * messages dropped by a fault are left to the collector. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem/mem.h"

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
#define POOL_DEPOT 64

/* Fresh messages a worker takes from the collector before running short
 * counts as starving (see pool_refill). */
#define STARVED_AFTER (4 * POOL_CAP)

/* Free messages are kept as arrays of pointers, not chained through the
 * messages: a producer taking messages that another core freed then reads
 * only its own array (and prefetches the messages ahead for writing)
 * instead of chasing a list through the other core's cache, which made
 * half of fjthroughput's time. The depot is static, so the collector
 * scans it. */
static pthread_mutex_t depot_mu = PTHREAD_MUTEX_INITIALIZER;

static act_msg_t *depot[POOL_CLASSES][POOL_DEPOT][POOL_BATCH];

static int ndepot[POOL_CLASSES];

#define pool_class act__pool_class
#define class_bytes act__pool_class_bytes

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
  /* Neither the pool nor the depot had messages: queued ones hold them
   * all. Past the first few pools' worth (a program's start, whose pools
   * are empty), the next send from a handler lets the consumers run
   * (act__help), so that their messages come back here instead of the
   * collector growing its heap for new ones. */
  if (w->fresh >= STARVED_AFTER) w->starved = 1;
  /* Fresh memory from the collector: a list linked through the first
   * word (which is `next`), otherwise zeroed. One byte less than the
   * class: the collector adds one to every request (so that a pointer
   * just past an object keeps it alive), which took a 48-byte message
   * into the 64-byte class (fjcreate's million queued Acks: 64 MB, not
   * 48). A message is only ever held by its start. */
  act_msg_t *list = GC_malloc_many(class_bytes(k) - 1);
  uint32_t n = 0;
  while (list && n < POOL_CAP) {
    act_msg_t *m = list;
    list = atomic_load_explicit(&m->next, memory_order_relaxed);
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    a[n++] = m;
  }
  w->npool[k] = n;
  w->fresh += n;
  return n > 0;
}

/* The pool is empty (or the worker has none of this class yet): refill
 * it from the depot or the collector, then take one. */
static __attribute__((noinline)) act_msg_t *pool_get_slow(act_worker_t *w, int k, uint32_t size) {
  if (!pool_refill(w, k)) return act_alloc(size);
  act_msg_t *m = w->pool[k][--w->npool[k]];
  m->flags = MF_POOLED;
  return m;
}

void act__pool_first(act_worker_t *w, act_msg_t *m) {
  if (pool_array(w, act__pool_class(m->type->size)) != NULL) act__msg_done(w, m);
}

/* The pool of class k is full: a batch goes to the depot for producing
 * workers, or, with the depot full, to the collector. */
void act__pool_spill(act_worker_t *w, int k) {
  act_msg_t **a = w->pool[k];
  w->npool[k] -= POOL_BATCH;
  act_msg_t **top = a + w->npool[k];
  pthread_mutex_lock(&depot_mu);
  if (ndepot[k] < POOL_DEPOT) memcpy(depot[k][ndepot[k]++], top, sizeof *top * POOL_BATCH);
  pthread_mutex_unlock(&depot_mu);
  memset(top, 0, sizeof *top * POOL_BATCH);
}

/* Once per send: the pooled case is kept short and free of calls (the
 * refill and messages from outside the workers are out of line). */
act_msg_t *act_msg_new(act_ctx_t *cx, const act_msg_type_t *t) {
  act_worker_t *w = cx ? cx->worker : NULL;
  act_msg_t *m;
  if (__builtin_expect(w != NULL && t->size <= 16 * POOL_CLASSES, 1)) {
    int k = pool_class(t->size);
    uint32_t n = w->npool[k];
    if (__builtin_expect(n > 0, 1)) {
      act_msg_t **a = w->pool[k];
      w->npool[k] = --n;
      m = a[n];
      if (n >= 8) __builtin_prefetch(a[n - 8], 1, 3);
      m->flags = MF_POOLED;   /* cleared when freed: `next` and the rest are 0 */
    } else {
      m = pool_get_slow(w, k, t->size);
    }
  } else {
    m = act_alloc(t->size);
  }
  m->type = t;
  m->sender = cx && !(t->flags & ACT_MSGT_NO_SENDER) ? cx->self : NULL;
  return m;
}
