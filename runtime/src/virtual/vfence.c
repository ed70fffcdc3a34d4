/* vfence.c: a node's activations end when its lease passes its guard
 * (docs/cluster.md, "The lease's end ends the activations").
 *
 * lease.c publishes the fence's time F (the lease's end less its guard,
 * CLOCK_MONOTONIC ns) in act__vlease_fence_at with each renewal, and 1
 * once it fences. Workers hold every start, message and reply of an
 * activation while the clock is past F (vcluster.c, act__vlease_wait),
 * and the fence, a timer at F on the loop, ends the process.
 *
 * A handler that was already running at F — one a SIGSTOP caught in its
 * middle — is not held by that: it resumes after SIGCONT and runs on
 * until the fence, and what it made others see then (a tell, a reply, a
 * spawn) came after its successor on another node had started. So
 * everything an activation's handler makes others see passes a gate of
 * its own first (act__vgate: tells and asks, replies, spawns here or on
 * another node, persists, timers, stops of others, prints, a fault's
 * report; cx->vgate
 * says the worker runs an activation on a node with a store). Past F it
 * waits: a renewal moves F on (the lease was still good in the store) and
 * the effect is made under the lease, or the fence ends the process and
 * the effect is never made. Waiting rather than dropping the effect at
 * once loses nothing when a stall ends in a renewal.
 *
 * So an activation's visible life ends at F whatever its worker is doing,
 * and the fence ends every activation first (act__vfence_end, from
 * nodestore.c's fail-stop, before the exit line), each logged as stopped
 * at F, or at the fence if that came first (the store took the lease
 * away). Before, a step still running at the fence was waited for 20 ms
 * and then left to the exit line, which showed it overlapping its
 * successor (virtual_midrun).
 *
 * Gated as well: every `blocking fn` call (act_blocking_enter: file
 * writes, a user's blocking C), the non-blocking calls of std.net and
 * std.log that reach others (act__vgate_here), and `register`. Not gated:
 * a plain (not blocking) extern C function's own effects, and a timer
 * armed before F that fires after it. An effect
 * whose gate passed just before F lands just after it: the guard, the
 * margin before the lease's end in the store, covers that, but not a
 * process stopped between the gate and the effect.
 *
 * Why the fence and not a timer of its own: a thread that ended the
 * activations at F on its own clock had to make the fence final there, and
 * then fenced nodes whose renewal had succeeded in time but whose answer
 * the loop, slowed by a loaded machine, read a little after F (an audit
 * node fenced in a pause run at load 7). Between F and the fence nothing
 * of an activation is seen anyway (the gates hold it), so its stop line
 * carries F whenever the fence writes it. */
#include <inttypes.h>
#include <stdatomic.h>

#include "cluster/remote.h"
#include "sched/sched.h"
#include "virtual/virtual_int.h"

/* Effects of activations waiting at the gate now, and all that ever did. */
static _Atomic int held_now;
static _Atomic int64_t held_total;

void act__vfence_end(int64_t fence_ns) {
  static atomic_flag once = ATOMIC_FLAG_INIT;
  if (atomic_flag_test_and_set(&once)) return;
  int64_t now = act_now();
  int ended = act__virtual_fenced(fence_ns > 0 && fence_ns < now ? fence_ns : now);
  int held = atomic_load(&held_now);
  if (ended || held)
    act__logf("act: cluster: %d virtual activations ended at the lease's guard; %d of their "
              "handlers' effects held there are never made\n", ended, held);
}

/* For the runtime's calls that a handler makes without its context
 * (std.net, std.log: extern functions the emitter calls as they are):
 * the gate of whatever this worker runs. Elsewhere (the loop, a timer)
 * nothing is an activation's. */
void act__vgate_here(void) {
  act_worker_t *w = act__current_worker();
  if (w) act__vgate_check(&w->cx);
}

void act__vgate(act_ctx_t *cx) {
  if (act__vlease_held()) return;
  atomic_fetch_add(&held_now, 1);
  int64_t t0 = act_now();
  act__vlease_hold();   /* or the fence ends the process */
  atomic_fetch_sub(&held_now, 1);
  /* The lease was renewed after all (a stall shorter than the lease):
   * said, a few times, since the effect came late. */
  if (atomic_fetch_add(&held_total, 1) < 8) {
    char path[256];
    act__logf("act: cluster: an effect of %s waited %" PRId64 " ms at the lease's guard for a renewal\n",
              cx->self ? act__path(cx->self, path, sizeof path) : "a virtual activation",
              (act_now() - t0) / 1000000);
  }
}
