/* ask.c: asks, replies, futures and suspension (await, persist), and asks
 * from outside the workers (act_ask_sync, for embedding programs). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "cluster/remote.h"

act_future_t *act_ask(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  act_future_t *f = act_alloc(sizeof *f);
  f->target = to;
  f->msg_name = m->type->name;
  f->external = cx == NULL || cx->self == NULL;
  m->future = f;
  if (m->sender == NULL && cx) m->sender = cx->self;   /* ACT_MSGT_NO_SENDER is for tells */
  act_send(cx, to, m);
  return f;
}

static pthread_mutex_t ext_mu = PTHREAD_MUTEX_INITIALIZER;

static pthread_cond_t ext_cv = PTHREAD_COND_INITIALIZER;

void act__deliver_reply(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_msg_t *r) {
  if (asker && (asker->flags & AF_REMOTE)) {   /* asked from another node */
    act__remote_reply(cx, f, asker, r);
    return;
  }
  r->future = f;
  r->flags |= MF_REPLY;
  if (asker != NULL && asker == f->target)
    f->self_replied = 1;   /* an actor's ask to itself: see act_future_arm */
  if (f->external || asker == NULL) {
    pthread_mutex_lock(&ext_mu);
    if (f->state == 0) {
      f->reply = r;
      f->state = (r->flags & MF_FAILED) ? 2 : 1;
      if (r->flags & MF_FAILED) f->reason = ((act_failure_t *)r)->reason;
    }
    pthread_cond_broadcast(&ext_cv);
    pthread_mutex_unlock(&ext_mu);
    return;
  }
  act__enqueue(cx && cx->worker ? cx : NULL, asker, r);
}

static const act_msg_type_t failure_type = {"<failure>", 0, sizeof(act_failure_t), NULL, NULL, 0};

void act__fail_future_reason(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_str_t *reason) {
  act_failure_t *r = act_alloc(sizeof *r);
  r->h.type = &failure_type;
  r->h.flags = MF_FAILED;
  r->reason = reason;   /* the asker copies it into f when it accepts the reply */
  if (asker && (asker->flags & AF_DEAD)) return;
  act__deliver_reply(cx, f, asker, &r->h);
}

void act__fail_future(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, const char *why) {
  char buf[512];
  snprintf(buf, sizeof buf, "ask %s to %s %s", f->msg_name,
           f->target && f->target->type ? f->target->type->name : "actor", why);
  act__fail_future_reason(cx, f, asker, act_str_from_cstr(buf));
}

void act_reply(act_ctx_t *cx, act_msg_t *r) {
  act__vgate_check(cx);   /* a virtual activation's reply: under its lease */
  act_msg_t *m = cx->msg;
  if (m == NULL || m->future == NULL) return;
  if (r->type->share) r->type->share(r);
  act__deliver_reply(cx, m->future, m->sender, r);
}

bool act_future_ready(act_future_t *f) { return f->state != 0; }

void act_future_arm(act_ctx_t *cx, act_future_t *f, int64_t timeout_ns) {
  act_rt_t *rt = act__rt(cx->self);
  rt->awaiting = f;
  if (f->target == cx->self && !f->self_replied) {
    /* The ask waits unanswered in our own mailbox behind this handler, so
     * no reply can come: fail now rather than after the time-out, as
     * Erlang's gen_server:call to itself exits with calling_self. (An
     * earlier handler's ask may have been answered, its reply queued.) */
    char buf[256];
    snprintf(buf, sizeof buf, "ask %s to %s: an actor cannot await its own ask "
             "(the reply could only come after this handler)", f->msg_name,
             cx->self->type ? cx->self->type->name : "actor");
    f->reason = act_str_from_cstr(buf);
    timeout_ns = 0;
  }
  act_ctl_t *c = act__ctl_new(CTL_TIMEOUT);
  act_msg_t *m = &c->h;
  m->future = f;
  f->timer = act__timer_add(timeout_ns, 0, cx->self, m, f);
}

act_msg_t *act_future_reply(act_ctx_t *cx, act_future_t *f, const act_loc_t *loc) {
  if (f->state == 1) return f->reply;
  if (f->state == 0)
    act_faultf(cx, loc, "await on a future that is not ready");
  act_fail(cx, f->reason, loc);
}

act_status_t act_suspend(act_ctx_t *cx, void *frame, act_resume_fn resume) {
  act_rt_t *rt = act__rt(cx->self);
  rt->frame = frame;
  rt->resume = resume;
  rt->cur_msg = cx->msg;
  act__block_mail(cx, cx->self, AF_SUSPENDED);
  return ACT_SUSPENDED;
}

void *act_frame_alloc(act_ctx_t *cx, size_t size) {
  (void)cx;
  return act_alloc(size);
}

act_msg_t *act_ask_sync(act_actor_t *to, act_msg_t *m, int64_t timeout_ns) {
  act_future_t *f = act_ask(NULL, to, m);
  int64_t deadline = act_now() + timeout_ns;
  pthread_mutex_lock(&ext_mu);
  while (f->state == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t left = deadline - act_now();
    if (left <= 0) break;
    ts.tv_sec += (time_t)(left / 1000000000LL);
    ts.tv_nsec += (long)(left % 1000000000LL);
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&ext_cv, &ext_mu, &ts);
  }
  act_msg_t *r = f->state == 1 ? f->reply : NULL;
  pthread_mutex_unlock(&ext_mu);
  return r;
}
