/* mailbox.h: Vyukov's intrusive multi-producer single-consumer queue, used
 * for every actor's mailbox (mq_head/mq_tail/mq_stub in act_actor_t) and
 * its control lane (ctl_* in act_rt_t). A push is one atomic exchange; only
 * the actor's current worker pops. Inline: it is the send path. */
#ifndef ACT_ACTOR_MAILBOX_H
#define ACT_ACTOR_MAILBOX_H

#include <stdatomic.h>
#include <stddef.h>

#include "act/act.h"

static inline void act__vq_push(act_msg_t *_Atomic *head, act_msg_t *m) {
  atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
  act_msg_t *prev = atomic_exchange_explicit(head, m, memory_order_acq_rel);
  atomic_store_explicit(&prev->next, m, memory_order_release);
}

/* NULL when empty, or when a push is half done (the pusher has swapped the
 * head but not linked it yet: the caller looks again later). */
static inline act_msg_t *act__vq_pop(act_msg_t *_Atomic *head, act_msg_t **tailp, act_msg_t *stub) {
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
  act__vq_push(head, stub);
  next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (next) {
    *tailp = next;
    return tail;
  }
  return NULL;
}

static inline int act__vq_empty(act_msg_t *_Atomic *head, act_msg_t *tail, act_msg_t *stub) {
  return tail == stub && atomic_load_explicit(&tail->next, memory_order_acquire) == NULL &&
         atomic_load_explicit(head, memory_order_acquire) == stub;
}

/* The actor's stub overlays other fields (act.h): only its `next` is its
 * own, and the consumer's fields stay a cache line from the producers'. */
_Static_assert(offsetof(act_actor_t, mq_stub.next) == offsetof(act_actor_t, mq_stub_link_),
               "the stub's link is its own field");
_Static_assert(offsetof(act_actor_t, mq_stub) + sizeof(act_msg_t) <= sizeof(act_actor_t),
               "the stub lies inside the actor");
_Static_assert(offsetof(act_actor_t, mq_tail) - offsetof(act_actor_t, mq_head) >= 64 &&
                   offsetof(act_actor_t, mq_out) - offsetof(act_actor_t, mq_in) >= 64,
               "the consumer's end on another cache line than the producers'");
_Static_assert(sizeof(act_actor_t) == 80, "an actor with one field in the collector's 96-byte class (act.h)");

/* At spawn, on memory no other thread can see yet (the run queue's lock or
 * the `next` exchange publishes the actor): plain stores. Sequentially
 * consistent ones were two locked exchanges a spawn. */
static inline void act__mq_init(act_actor_t *a) {
  atomic_store_explicit(&a->mq_stub.next, NULL, memory_order_relaxed);
  atomic_store_explicit(&a->mq_head, &a->mq_stub, memory_order_relaxed);
  a->mq_tail = &a->mq_stub;
}

static inline void act__mq_push(act_actor_t *a, act_msg_t *m) { act__vq_push(&a->mq_head, m); }
static inline act_msg_t *act__mq_pop(act_actor_t *a) { return act__vq_pop(&a->mq_head, &a->mq_tail, &a->mq_stub); }
static inline int act__mq_empty(act_actor_t *a) { return act__vq_empty(&a->mq_head, a->mq_tail, &a->mq_stub); }

#endif
