/* vfence.c: a node's activations end when its lease passes its guard
 * (docs/cluster.md, "The lease's end ends the activations").
 *
 * lease.c publishes the fence's time F (the lease's end less its guard,
 * CLOCK_MONOTONIC ns) in act__vlease_fence_at with each renewal, and 1
 * once it fences. Workers hold every start, message and reply of an
 * activation while the clock is past F (vcluster.c, act__vlease_wait),
 * and the fence, a timer at F on the loop, ends the process. That kept a
 * process paused past its lease (SIGSTOP) from running anything, but its
 * activations ended only with the process's exit line, written after it
 * ran again: the activation log showed them overlapping their successors
 * on other nodes, which started while it slept.
 *
 * Now the fence ends every activation first (act__vfence_end, from
 * nodestore.c's fail-stop, before the exit line): each that its worker is
 * not running is logged as stopped at F (or at the fence, if that came
 * first: the store took the lease away), or when its last step ended if
 * that was later (virtual.c, act__virtual_fenced). A worker keeps that
 * time per activation (act_rt_t.vran): 0 while it runs a step of it (a
 * handler, a reply's resume, its start), else when the last one ended. A
 * step still running — a handler the pause caught in its middle — is
 * looked at again for a few milliseconds, then left to the exit line:
 * that activation did run past its lease, and the log says so.
 *
 * Why the fence and not a timer of its own: a thread that ended the
 * activations at F on its own clock had to make the fence final there, and
 * then fenced nodes whose renewal had succeeded in time but whose answer
 * the loop, slowed by a loaded machine, read a little after F (an audit
 * node fenced in a pause run at load 7). Between F and the fence nothing
 * of an activation runs anyway (the gate holds it), so its stop line
 * carries F whenever the fence writes it. */
#include <stdatomic.h>

#include "cluster/remote.h"
#include "virtual/virtual_int.h"

/* Up to this many looks, a millisecond apart, at an activation still
 * running a step: the fence waits that long at most. */
#define VFENCE_ROUNDS 20

void act__vfence_end(int64_t fence_ns) {
  static atomic_flag once = ATOMIC_FLAG_INIT;
  if (atomic_flag_test_and_set(&once)) return;
  int64_t now = act_now();
  act__virtual_fenced(fence_ns > 0 && fence_ns < now ? fence_ns : now, VFENCE_ROUNDS);
}

void act__vlease_idle(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt && rt->vnode) atomic_store(&rt->vran, act_now());
}

void act__vlease_done(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  int64_t running = 0;
  if (rt && rt->vnode) atomic_compare_exchange_strong(&rt->vran, &running, act_now());
}
