/* embed.c: the end of an embedding (act.h, docs/embedding.md). A C program
 * that started the runtime with act_runtime_start cannot use
 * act_runtime_wait to finish: that returns at the first quiescence of the
 * whole run, which in a long-lived host came and went long ago. This
 * looks at the present, polling, since it runs once at the end. */
#include <time.h>

#include "actor/actor.h"

int act_runtime_stop(int64_t timeout_ns) {
  int64_t deadline = act_now() + (timeout_ns > 0 ? timeout_ns : 0);
  /* the same rule, under the same lock, as the quiescence that ends a
   * program (sched/worker.c) */
  while (!act__quiet_now()) {
    if (act_now() >= deadline) return -1;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return 0;
}
