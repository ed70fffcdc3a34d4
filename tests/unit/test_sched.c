/* Scheduler: hand-written actor types driven from outside any actor. */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "act.h"

typedef struct num_msg { act_msg_t h; int64_t n; } num_msg;
static const act_msg_type_t num_type = {"Num", 16, sizeof(num_msg), NULL, NULL};
typedef struct get_reply { act_msg_t h; int64_t value; } get_reply;
static const act_msg_type_t get_type = {"Get", 17, sizeof(act_msg_t), NULL, NULL};
static const act_msg_type_t reply_type = {"Get reply", 0, sizeof(get_reply), NULL, NULL};

/* Counts messages and checks that each sender's numbers arrive in order. */
typedef struct counter { act_actor_t base; int64_t count; int64_t last; int64_t disorder; } counter;

static act_status_t counter_start(act_ctx_t *cx, act_actor_t *self) { (void)cx; (void)self; return ACT_DONE; }
static act_status_t counter_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  counter *c = (counter *)self;
  if (m->type == &num_type) {
    int64_t n = ((num_msg *)m)->n;
    if (n != c->last + 1) c->disorder++;
    c->last = n;
    c->count++;
    return ACT_DONE;
  }
  if (m->type == &get_type) {
    get_reply *r = (get_reply *)act_msg_new(cx, &reply_type);
    r->value = c->count * 1000 + c->disorder;
    act_reply(cx, &r->h);
    return ACT_DONE;
  }
  return ACT_UNHANDLED;
}
static const act_actor_type_t counter_type = {"Counter", sizeof(counter), 0, counter_start, counter_dispatch,
                                              NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

static int64_t ask_count(act_actor_t *a) {
  act_msg_t *r = act_ask_sync(a, act_msg_new(NULL, &get_type), 5000000000LL);
  cr_assert_not_null(r);
  return ((get_reply *)r)->value;
}

Test(sched, fifo_per_sender_and_counts) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &counter_type);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  for (int64_t i = 1; i <= 100000; i++) {
    num_msg *m = (num_msg *)act_msg_new(NULL, &num_type);
    m->n = i;
    act_send(NULL, a, &m->h);
  }
  cr_expect_eq(ask_count(a), 100000 * 1000);
}

Test(sched, many_actors) {
  act_runtime_start(0, NULL);
  enum { N = 20000 };
  static act_actor_t *as[N];
  for (int i = 0; i < N; i++) {
    as[i] = act_spawn_alloc(NULL, &counter_type);
    act_spawn_start(NULL, as[i], ACT_RESTART_PERMANENT);
  }
  for (int r = 1; r <= 5; r++)
    for (int i = 0; i < N; i++) {
      num_msg *m = (num_msg *)act_msg_new(NULL, &num_type);
      m->n = r;
      act_send(NULL, as[i], &m->h);
    }
  for (int i = 0; i < N; i += 997) cr_expect_eq(ask_count(as[i]), 5 * 1000);
}

Test(sched, quiescence_ends_the_run) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &counter_type);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  num_msg *m = (num_msg *)act_msg_new(NULL, &num_type);
  m->n = 1;
  act_send(NULL, a, &m->h);
  cr_expect_eq(act_runtime_wait(), 0);
}

static _Atomic int ticks;
typedef struct ticker { act_actor_t base; } ticker;
static act_status_t ticker_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)cx; (void)self; (void)m;
  atomic_fetch_add(&ticks, 1);
  return ACT_DONE;
}
static const act_actor_type_t ticker_type = {"Ticker", sizeof(ticker), 0, counter_start, ticker_dispatch,
                                             NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

Test(sched, timers_never_fire_early) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &ticker_type);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  int64_t t0 = act_now();
  act_after(NULL, 50000000, a, act_msg_new(NULL, &num_type));
  act_timer_t *t = act_after(NULL, 10000000000LL, a, act_msg_new(NULL, &num_type));
  act_cancel(NULL, t);
  cr_expect_eq(act_runtime_wait(), 0);   /* the cancelled timer does not hold the program */
  cr_expect_geq(act_now() - t0, 50000000);
  cr_expect_eq(atomic_load(&ticks), 1);
}
