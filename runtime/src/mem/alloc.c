/* alloc.c: memory from the collector; exhaustion ends the process with a
 * report naming the actor. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem/mem.h"

/* Memory exhaustion ends the process with a report naming the actor. */
static void out_of_memory(void) {
  act_worker_t *w = act__handler_worker();
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

/* An actor's memory (zeroed). A spawn from a worker takes it from that
 * worker's list of fresh blocks of its size class, which the collector
 * fills a block at a time (GC_malloc_many): GC_malloc's own thread-local
 * path cost ~70 instructions an actor (its thread-local lookup, the
 * checks), more than the rest of a spawn's allocation. One byte less
 * than the class is asked for, as for messages (msgpool.c): the
 * collector adds one to every request, which took an 80-byte actor with
 * two fields into the 112-byte class. An actor is only ever held by its
 * start (act_actor_t *, the generated struct's `base`). */
void *act__alloc_actor(act_worker_t *w, uint32_t size) {
  int k = act__pool_class(size);
  if (w == NULL || k < 0) return act_alloc(size);
  void *p = w->actors[k];
  if (p == NULL) {
    p = GC_malloc_many(act__pool_class_bytes(k) - 1);
    if (p == NULL) out_of_memory();
  }
  w->actors[k] = GC_NEXT(p);
  GC_NEXT(p) = NULL;
  return p;
}

void *act_alloc_atomic(size_t n) {
  void *p = GC_MALLOC_ATOMIC(n);
  if (p == NULL) out_of_memory();
  memset(p, 0, n);
  return p;
}
