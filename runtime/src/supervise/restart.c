/* restart.c: what happens to an actor whose handler faulted — restart
 * (within the parent's budget), escalation, or the end of the program. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "cluster/remote.h"
#include "supervise/supervise.h"

static void crash_report(act_actor_t *a, act_str_t *reason, act_msg_t *m, const act_loc_t *loc) {
  char path[512];
  act_buf_t b;
  act_buf_init(&b);
  act_buf_cstr(&b, "act: crash: ");
  act_buf_cstr(&b, act__path(a, path, sizeof path));
  act_buf_cstr(&b, " failed: ");
  act_buf_str(&b, reason);
  act_buf_cstr(&b, "\n  while handling: ");
  act_ctl_t *c = m ? act__ctl_of(m) : NULL;
  if (m == NULL || (c && c->kind == CTL_RESTART)) act_buf_cstr(&b, "init");
  else if (c && c->kind == CTL_ESCALATE) act_buf_cstr(&b, "the failure of a child it supervises");
  else if (m->type->print) m->type->print(&b, m);
  else act_buf_cstr(&b, m->type->name);
  if (loc && loc->file) {
    act_buf_cstr(&b, "\n  at: ");
    act_buf_cstr(&b, loc->file);
    act_buf_cstr(&b, ":");
    act_buf_i64(&b, loc->line);
    act_buf_cstr(&b, ":");
    act_buf_i64(&b, loc->col);
  }
  act_buf_cstr(&b, "\n");
  if (write(2, b.p, (size_t)b.len) < 0) {}
}

/* May the parent restart one more child now? Counts over all its children
 * in a sliding window (§8: restarts N within D). */
int act__may_restart(act_actor_t *parent) {
  const act_actor_type_t *pt = parent->type;
  uint32_t max = pt->max_restarts;   /* 0: no restarts (`restarts 0 within D`) */
  int64_t window = pt->restart_window_ns ? pt->restart_window_ns : ACT_DEFAULT_RESTART_WINDOW_NS;
  act_rt_t *rt = act__rt(parent);
  int64_t now = act_now();
  pthread_mutex_lock(&rt->lock);
  /* The window holds at most `max` restarts: room for exactly that many
   * (the intensity is the user's number, not a limit of ours). */
  if (rt->restarts == NULL && max > 0) rt->restarts = act_alloc_atomic(sizeof(int64_t) * max);
  int k = 0;
  for (int i = 0; i < rt->nrestarts; i++)
    if (now - rt->restarts[i] < window) rt->restarts[k++] = rt->restarts[i];
  rt->nrestarts = k;
  int ok = (uint32_t)k < max;
  if (ok) rt->restarts[rt->nrestarts++] = now;
  pthread_mutex_unlock(&rt->lock);
  return ok;
}

/* The running handler of a faulted: drop the message, hand the actor to
 * its supervisor. Returns 1 when the actor keeps running (restarted). */
int act__handle_fault(act_worker_t *w, act_actor_t *a) {
  act_ctx_t *cx = &w->cx;
  act_str_t *reason = w->fault_reason;
  act_msg_t *m = cx->msg;
  act_rt_t *rt = act__rt_of(a);
  if (rt && (a->flags & AF_SUSPENDED)) {
    m = rt->cur_msg;
    rt->frame = NULL;
    rt->awaiting = NULL;
  }
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  if (rt && rt->start_req) {
    act__plan_ack(cx, rt->start_req, a, rt->start_token);
    rt->start_req = NULL;
  }
  if (m && m->future && !(m->flags & (MF_REPLY | MF_CTL))) {
    char tmp[600];
    snprintf(tmp, sizeof tmp, "faulted: %.*s", (int)(act_str_len(reason) > 500 ? 500 : act_str_len(reason)),
             act_str_data(reason));
    act__fail_future(cx, m->future, m->sender, tmp);
  }
  if (a->parent == NULL) {
    crash_report(a, reason, m, w->fault_loc);
    _exit(1);
  }
  /* Spawned here by another node, which supervises it: it waits held,
   * mail and all, for that node's decision (cluster/rspawn.c). */
  if (!(a->flags & AF_TEMPORARY) && act__remote_child_fault(cx, a, reason)) return 0;
  char path[512];
  act__path(a, path, sizeof path);
  if ((a->flags & AF_TEMPORARY) || !act__may_restart(a->parent)) {
    int temporary = (a->flags & AF_TEMPORARY) != 0;
    act__finish(cx, a, reason, 0);
    /* act__rt_of: a monitor(spawn ...) on another worker may be making
     * a->rt meanwhile (TSan, jepsen pgkill: a Move that faulted at once). */
    act_rt_t *rt = act__rt_of(a);
    if (!temporary) {
      char buf[1024];
      snprintf(buf, sizeof buf, "too many restarts of %s: %.*s", path, (int)act_str_len(reason),
               act_str_data(reason));
      act_ctl_t *e = act__ctl_new(CTL_ESCALATE);
      e->reason = act_str_from_cstr(buf);
      act__enqueue(cx, a->parent, &e->h);
    } else if (rt && rt->vnode) {
      act__logf("act: %s failed: %.*s (the key's next message activates it again)\n", path,
                (int)act_str_len(reason), act_str_data(reason));
    } else {
      act__logf("act: %s failed and is not restarted (temporary): %.*s\n", path,
              (int)act_str_len(reason), act_str_data(reason));
    }
    return 0;
  }
  {
    const act_loc_t *loc = w->fault_loc;
    char where[300] = "";
    if (loc && loc->file) snprintf(where, sizeof where, " (at %s:%d:%d)", loc->file, loc->line, loc->col);
    act__logf("act: restarting %s after fault: %.*s%s\n", path, (int)act_str_len(reason),
            act_str_data(reason), where);
  }
  /* one_for_all / rest_for_one: its subtree stops, then the supervisor
   * restarts the group in order. one_for_one: the subtree stops, then
   * it restarts alone (at once when it has no children). */
  if (a->parent->type->strategy != ACT_ONE_FOR_ONE) {
    act__wind(cx, a, WIND_FAILED, 0);
    return 0;
  }
  if (act__has_live_children(a)) {
    act__wind(cx, a, WIND_RESTART, 0);
    return 0;
  }
  return 1;
}
