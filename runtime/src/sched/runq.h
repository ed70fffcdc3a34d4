/* runq.h: a run queue of actors — a ring under a spinlock, FIFO for
 * fairness. Each worker owns one (others steal from it) and the injection
 * queue takes work from outside the workers. Inline: every schedule and
 * every idle look goes through here. Used by sched/ and by actor/dispatch.c
 * (requeueing an actor after its batch). */
#ifndef ACT_SCHED_RUNQ_H
#define ACT_SCHED_RUNQ_H

#define GC_THREADS
#include <gc/gc.h>

#include <stdatomic.h>
#include <stdint.h>

#include "act/act.h"

/* head and tail are atomics so that the emptiness peek done without the
 * lock is a well-defined (relaxed) read; the lock orders everything else. */
typedef struct runq {
  atomic_flag lock;
  act_actor_t **ring;
  _Atomic int64_t head, tail;   /* head: next to pop; tail: next free */
  int64_t cap;
} runq_t;

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)
#define ST(x, v) atomic_store_explicit(&(x), (v), memory_order_relaxed)

static inline void act__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline void act__q_lock(runq_t *q) {
  while (atomic_flag_test_and_set_explicit(&q->lock, memory_order_acquire)) {}
}
static inline void act__q_unlock(runq_t *q) { atomic_flag_clear_explicit(&q->lock, memory_order_release); }

static inline void act__q_push(runq_t *q, act_actor_t *a) {
  act__q_lock(q);
  int64_t head = LD(q->head), tail = LD(q->tail);
  if (tail - head == q->cap) {
    int64_t cap = q->cap ? q->cap * 2 : 256;
    act_actor_t **r = GC_MALLOC_UNCOLLECTABLE(sizeof *r * (size_t)cap);
    /* Indices stay where they were (only their slots move): the monitor
     * compares a queue's head with its tail of a tick ago. */
    for (int64_t i = head; i < tail; i++) r[i % cap] = q->ring[i % q->cap];
    GC_FREE(q->ring);
    q->ring = r;
    q->cap = cap;
  }
  q->ring[tail % q->cap] = a;
  ST(q->tail, tail + 1);
  act__q_unlock(q);
}

static inline act_actor_t *act__q_pop(runq_t *q) {
  if (LD(q->tail) == LD(q->head)) return NULL;   /* peek; confirmed under the lock */
  act__q_lock(q);
  act_actor_t *a = NULL;
  int64_t head = LD(q->head);
  if (LD(q->tail) != head) {
    a = q->ring[head % q->cap];
    q->ring[head % q->cap] = NULL;
    ST(q->head, head + 1);
  }
  act__q_unlock(q);
  return a;
}

static inline int64_t act__q_len(runq_t *q) { return LD(q->tail) - LD(q->head); }

#endif
