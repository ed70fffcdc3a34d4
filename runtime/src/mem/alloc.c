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

#include "sched/sched.h"

/* Memory exhaustion ends the process with a report naming the actor. */
static void out_of_memory(void) {
  act_worker_t *w = act__current_worker();
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
