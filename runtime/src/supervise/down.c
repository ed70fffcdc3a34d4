/* down.c: monitors and Down (LANGUAGE.md §8). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "cluster/remote.h"
#include "supervise/supervise.h"

static const ACT_STR_LIT_T(7) normal_lit = ACT_STR_LIT("normal");

act_str_t *act__normal(void) { return ACT_STR(&normal_lit); }

static const act_msg_type_t *down_type_ptr(void) { return &act_down_type; }

void act__notify_down(act_actor_t *a, act_str_t *reason) {
  act_rt_t *rt = act__rt_of(a);
  if (rt == NULL) return;
  pthread_mutex_lock(&rt->lock);
  int n = rt->nmonitors;
  act_actor_t **mons = rt->monitors;
  rt->nmonitors = 0;
  pthread_mutex_unlock(&rt->lock);
  for (int i = 0; i < n; i++) {
    act_down_msg_t *d = act_alloc(sizeof *d);
    d->h.type = down_type_ptr();
    d->h.sender = a;
    d->f_who = a;
    d->f_reason = reason;
    act_send(NULL, mons[i], &d->h);
  }
}

void act_monitor(act_ctx_t *cx, act_actor_t *a) {
  if (a == NULL || cx == NULL || cx->self == NULL) return;
  act_rt_t *rt = act__rt(a);
  pthread_mutex_lock(&rt->lock);
  int dead = (a->flags & AF_DEAD) != 0;
  if (!dead) {
    act__push_actor(&rt->monitors, &rt->nmonitors, &rt->capmonitors, cx->self);
  }
  pthread_mutex_unlock(&rt->lock);
  /* A proxy: its node must tell us when the actor ends. */
  if (!dead && (a->flags & AF_REMOTE)) act__remote_monitor(cx, a);
  if (dead) {
    act_down_msg_t *d = act_alloc(sizeof *d);
    d->h.type = &act_down_type;
    d->h.sender = a;
    d->f_who = a;
    d->f_reason = rt->end_reason ? rt->end_reason : act__normal();   /* §8: the reason it ended with */
    act_send(cx, cx->self, &d->h);
  }
}

static void print_down(act_buf_t *b, const act_msg_t *m) {
  const act_down_msg_t *d = (const act_down_msg_t *)m;
  act_buf_cstr(b, "Down(");
  act_buf_value(b, &act_type_ref, &d->f_who, true);
  act_buf_cstr(b, ", ");
  act_buf_quoted(b, d->f_reason);
  act_buf_cstr(b, ")");
}

const act_msg_type_t act_down_type = {"Down", ACT_MSG_DOWN, sizeof(act_down_msg_t), print_down, NULL, 0};
