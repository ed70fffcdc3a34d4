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

void act__pool_spill(act_worker_t *w, int k);
void act__pool_first(act_worker_t *w, act_msg_t *m);

/* The handler of m finished: its memory can be used again. Inline: once
 * per message. */
static inline void act__msg_done(act_worker_t *w, act_msg_t *m) {
  if (m == NULL || !(m->flags & MF_POOLED) || w == NULL) return;
  int k = act__pool_class(m->type->size);
  act_msg_t **a = w->pool[k];
  if (a == NULL) {   /* this worker has not pooled this size yet */
    act__pool_first(w, m);
    return;
  }
  memset((void *)m, 0, act__pool_class_bytes(k));
  a[w->npool[k]++] = m;
  if (w->npool[k] >= POOL_CAP) act__pool_spill(w, k);
}

#endif
