/* mem.h: message memory (mem/msgpool.c). A message handled to completion
 * goes back to its worker's pool; in the steady state a send allocates
 * nothing. act_alloc and act_alloc_atomic (mem/alloc.c) are public. */
#ifndef ACT_MEM_MEM_H
#define ACT_MEM_MEM_H

#include "sched/sched.h"

void act__pool_put(act_worker_t *w, act_msg_t *m);

/* The handler of m finished: its memory can be used again. */
static inline void act__msg_done(act_worker_t *w, act_msg_t *m) {
  if (m && (m->flags & MF_POOLED) && w) act__pool_put(w, m);
}

#endif
