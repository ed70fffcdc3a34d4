/* mem.h: message memory (mem/msgpool.c). A message handled to completion
 * goes back to its worker's pool; in the steady state a send allocates
 * nothing. act_alloc and act_alloc_atomic (mem/alloc.c) are public. */
#ifndef ACT_MEM_MEM_H
#define ACT_MEM_MEM_H

#include "sched/sched.h"

#include <string.h>

#define POOL_BATCH 256               /* messages moved to or from the depot at once */
#define POOL_CAP (3 * POOL_BATCH)    /* a worker's pool of one class */

static inline int act__pool_class(uint32_t size) {
  return size <= 16 * POOL_CLASSES ? (int)((size + 15) / 16) - 1 : -1;
}
static inline size_t act__pool_class_bytes(int k) { return (size_t)(k + 1) * 16; }

/* Clear a freed message of class k (k + 1 16-byte granules; collector
 * memory is 16-byte aligned) with a few inline stores: memset's call and
 * size dispatch cost 21 instructions a message, more than all the rest
 * of the release. */
static inline void act__pool_clear(act_msg_t *m, int k) {
  typedef uint64_t granule_t __attribute__((vector_size(16), may_alias));
  granule_t *g = (granule_t *)(void *)m, z = {0, 0};
  switch (k) {   /* unrolled for the common sizes: a header and a few fields */
  case 3: g[3] = z; /* fall through */
  case 2: g[2] = z; /* fall through */
  case 1: g[1] = z; /* fall through */
  case 0: g[0] = z; break;
  default: memset((void *)m, 0, act__pool_class_bytes(k));
  }
}

void act__pool_spill(act_worker_t *w, int k);
void *act__alloc_actor(act_worker_t *w, uint32_t size);   /* alloc.c: w may be NULL */
void act__heap_advise_init(void);   /* hugepage.c: before the heap first grows */
void act__pool_first(act_worker_t *w, act_msg_t *m);

/* The handler of m finished: its memory can be used again. Inline: once
 * per message. */
static inline void act__msg_done(act_worker_t *w, act_msg_t *m) {
  if (m == NULL || !(m->flags & MF_POOLED) || w == NULL) return;
  int k = act__pool_class(m->type->size);
  if (k < 0) __builtin_unreachable();   /* MF_POOLED: at most 16 * POOL_CLASSES bytes */
  act_msg_t **a = w->pool[k];
  if (a == NULL) {   /* this worker has not pooled this size yet */
    act__pool_first(w, m);
    return;
  }
  act__pool_clear(m, k);
  a[w->npool[k]++] = m;
  if (w->npool[k] >= POOL_CAP) act__pool_spill(w, k);
}

#endif
