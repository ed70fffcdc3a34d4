/* Scheduler, mailboxes and timers: hand-written actor types driven from
 * outside any actor and by each other. Built with Criterion, and under
 * ThreadSanitizer (`make tsan`) with tsan_criterion.h instead. */
#ifdef ACT_TSAN_SHIM
#include "tsan_criterion.h"
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#include "act/act.h"

typedef struct num_msg { act_msg_t h; int64_t n; } num_msg;
static const act_msg_type_t num_type = {"Num", 16, sizeof(num_msg), NULL, NULL, 0};
typedef struct get_reply { act_msg_t h; int64_t value; } get_reply;
static const act_msg_type_t get_type = {"Get", 17, sizeof(act_msg_t), NULL, NULL, 0};
static const act_msg_type_t reply_type = {"Get reply", 0, sizeof(get_reply), NULL, NULL, 0};

/* Counts messages and checks that each sender's numbers arrive in order. */
typedef struct counter { act_actor_t base; int64_t count; int64_t last; int64_t disorder; } counter;

/* Answers Get with count * 1000 + disorder. */
static act_status_t reply_count(act_ctx_t *cx, int64_t count, int64_t disorder) {
  get_reply *r = (get_reply *)act_msg_new(cx, &reply_type);
  r->value = count * 1000 + disorder;
  act_reply(cx, &r->h);
  return ACT_DONE;
}

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
  if (m->type == &get_type) return reply_count(cx, c->count, c->disorder);
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

/* The timers are armed by the actor's own start: armed from the test's
 * thread after the start, they raced the quiescence check (an idle
 * program with no timer armed yet is rightly over), as in
 * tokens_around_a_ring. */
static act_status_t early_start(act_ctx_t *cx, act_actor_t *self) {
  act_after(cx, 50000000, self, act_msg_new(cx, &num_type));
  act_cancel(cx, act_after(cx, 10000000000LL, self, act_msg_new(cx, &num_type)));
  return ACT_DONE;
}
static const act_actor_type_t early_type = {"Early", sizeof(ticker), 0, early_start, ticker_dispatch,
                                            NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

Test(sched, timers_never_fire_early) {
  act_runtime_start(0, NULL);
  int64_t t0 = act_now();
  act_spawn_start(NULL, act_spawn_alloc(NULL, &early_type), ACT_RESTART_PERMANENT);
  cr_expect_eq(act_runtime_wait(), 0);   /* the cancelled timer does not hold the program */
  cr_expect_geq(act_now() - t0, 50000000);
  cr_expect_eq(atomic_load(&ticks), 1);
}

/* A cancelled timer keeps nothing alive: every ask arms a time-out that
 * its reply cancels, and a cancelled timer that stayed in the timer heap
 * until its deadline held its message (and an ask's future and reply)
 * that long. Each message here has a disappearing link, cleared by the
 * collector once nothing refers to the message. */
Test(sched, cancelled_timers_keep_nothing_alive) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &ticker_type);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  enum { N = 2000 };
  void **links = calloc(N, sizeof *links);   /* malloc memory: not scanned */
  cr_assert_not_null(links);
  for (int i = 0; i < N; i++) {
    act_msg_t *m = act_msg_new(NULL, &num_type);
    links[i] = m;
    GC_general_register_disappearing_link(&links[i], m);
    act_cancel(NULL, act_after(NULL, 60000000000LL, a, m));
  }
  GC_gcollect();
  int cleared = 0;
  for (int i = 0; i < N; i++) cleared += links[i] == NULL;
  /* A few may look referenced from a stack or a register (the collector
   * is conservative), or sit in the actor's short list of its timers. */
  cr_expect_geq(cleared, N - 16, "%d of %d cancelled timers' messages still alive", N - cleared, N);
  free(links);
  cr_expect_eq(act_runtime_wait(), 0);
}

/* Mailboxes are multi-producer: four threads send at once, and each
 * producer's messages still arrive in its order. */
typedef struct tagged_msg { act_msg_t h; int64_t producer, n; } tagged_msg;
static const act_msg_type_t tagged_type = {"Tagged", 18, sizeof(tagged_msg), NULL, NULL, 0};
typedef struct multi { act_actor_t base; int64_t last[4]; int64_t count, disorder; } multi;
static act_status_t multi_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  multi *c = (multi *)self;
  if (m->type == &tagged_type) {
    tagged_msg *t = (tagged_msg *)m;
    if (t->n != c->last[t->producer] + 1) c->disorder++;
    c->last[t->producer] = t->n;
    c->count++;
    return ACT_DONE;
  }
  if (m->type == &get_type) return reply_count(cx, c->count, c->disorder);
  return ACT_UNHANDLED;
}
static const act_actor_type_t multi_type = {"Multi", sizeof(multi), 0, counter_start, multi_dispatch,
                                            NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};
enum { PER_PRODUCER = 50000 };
static void *produce(void *arg) {
  act_actor_t **pa = arg;
  static _Atomic int next_id;
  int64_t id = atomic_fetch_add(&next_id, 1);
  for (int64_t i = 1; i <= PER_PRODUCER; i++) {
    tagged_msg *m = (tagged_msg *)act_msg_new(NULL, &tagged_type);
    m->producer = id;
    m->n = i;
    act_send(NULL, *pa, &m->h);
  }
  return NULL;
}

Test(mailbox, many_producers_keep_their_order) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &multi_type);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, produce, &a);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  cr_expect_eq(ask_count(a), 4 * PER_PRODUCER * 1000);
}

/* Actors sending to actors: a token goes round a ring of 64 actors; every
 * hop is a message from a worker's pool, handled (and recycled) by
 * whichever worker runs the next actor. */
typedef struct hop_msg { act_msg_t h; int64_t left; } hop_msg;
static const act_msg_type_t hop_type = {"Hop", 19, sizeof(hop_msg), NULL, NULL, 0};
typedef struct node { act_actor_t base; act_actor_t *next; int64_t seen; } node;
static _Atomic int64_t hops_done;
static act_status_t node_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  node *n = (node *)self;
  if (m->type != &hop_type) return ACT_UNHANDLED;
  int64_t left = ((hop_msg *)m)->left;
  n->seen++;
  atomic_fetch_add(&hops_done, 1);
  if (left > 0) {
    hop_msg *h = (hop_msg *)act_msg_new(cx, &hop_type);
    h->left = left - 1;
    act_send(cx, n->next, &h->h);
  }
  return ACT_DONE;
}
static const act_actor_type_t node_type = {"Node", sizeof(node), 0, counter_start, node_dispatch,
                                           NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

/* The ring is built and the tokens sent by one root actor's start, as a
 * program's Main does: sent from the test's thread after the ring had
 * started, they raced the quiescence check, which may (rightly) end a
 * program whose actors are all idle before the tokens were queued (seen
 * under TSan once idle workers went to sleep within ~100 us). */
enum { RING = 64, TOKENS = 8, HOPS = 20000 };
static node *ring[RING];
static act_status_t ring_start(act_ctx_t *cx, act_actor_t *self) {
  (void)self;
  for (int i = 0; i < RING; i++) ring[i] = (node *)act_spawn_alloc(cx, &node_type);
  for (int i = 0; i < RING; i++) ring[i]->next = &ring[(i + 1) % RING]->base;
  for (int i = 0; i < RING; i++) act_spawn_start(cx, &ring[i]->base, ACT_RESTART_PERMANENT);
  for (int t = 0; t < TOKENS; t++) {
    hop_msg *h = (hop_msg *)act_msg_new(cx, &hop_type);
    h->left = HOPS - 1;
    act_send(cx, &ring[t * (RING / TOKENS)]->base, &h->h);
  }
  return ACT_DONE;
}
static act_status_t ring_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)cx; (void)self; (void)m;
  return ACT_UNHANDLED;
}
static const act_actor_type_t ring_type = {"Ring", sizeof(act_actor_t), 0, ring_start, ring_dispatch,
                                           NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

Test(mailbox, tokens_around_a_ring) {
  act_runtime_start(0, NULL);
  act_spawn_start(NULL, act_spawn_alloc(NULL, &ring_type), ACT_RESTART_PERMANENT);
  cr_expect_eq(act_runtime_wait(), 0);
  cr_expect_eq(atomic_load(&hops_done), (int64_t)TOKENS * HOPS);
  int64_t total = 0;
  for (int i = 0; i < RING; i++) total += ring[i]->seen;
  cr_expect_eq(total, (int64_t)TOKENS * HOPS);
}

/* A periodic timer an actor cancels from its own handler: at least the
 * ticks it waited for, then the program is quiescent. */
typedef struct metronome { act_actor_t base; act_timer_t *t; int64_t ticks; } metronome;
static _Atomic int64_t metronome_ticks;
static act_status_t metronome_start(act_ctx_t *cx, act_actor_t *self) {
  metronome *mt = (metronome *)self;
  mt->t = act_every(cx, 2000000, self, act_msg_new(cx, &num_type));
  return ACT_DONE;
}
static act_status_t metronome_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  metronome *mt = (metronome *)self;
  if (m->type != &num_type) return ACT_UNHANDLED;
  atomic_store(&metronome_ticks, ++mt->ticks);
  if (mt->ticks == 5) act_cancel(cx, mt->t);
  return ACT_DONE;
}
static const act_actor_type_t metronome_type = {"Metronome", sizeof(metronome), 0, metronome_start,
                                                metronome_dispatch, NULL, ACT_ONE_FOR_ONE, 3,
                                                5000000000LL, 0};

Test(timers, every_until_cancelled) {
  act_runtime_start(0, NULL);
  act_actor_t *a = act_spawn_alloc(NULL, &metronome_type);
  int64_t t0 = act_now();
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  /* Quiescence proves the cancel: an armed `every` would keep the
   * program alive. Ticks fired before the cancel and still queued are
   * delivered (as in Erlang), so a loaded machine may see a few more. */
  cr_expect_eq(act_runtime_wait(), 0);
  cr_expect_geq(atomic_load(&metronome_ticks), 5);
  cr_expect_geq(act_now() - t0, 5 * 2000000);
}

/* Who runs next (rt/SCHED.md): on one worker, a handler that wakes A and
 * then B runs A after it (A fills `next`) and B after A (B queues). When
 * every wake displaced the one before, B ran first, and a hub that many
 * actors write to after answering their partner (chameneos' Mall) ran
 * right after each writer with one message instead of full batches. */
typedef struct woken { act_actor_t base; int tag; } woken;
static _Atomic int woken_started, woke_n;
static _Atomic int woke_order[2];
static act_status_t woken_start(act_ctx_t *cx, act_actor_t *self) {
  (void)cx; (void)self;
  atomic_fetch_add(&woken_started, 1);
  return ACT_DONE;
}
static act_status_t woken_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)cx;
  if (m->type != &num_type) return ACT_UNHANDLED;
  int i = atomic_fetch_add(&woke_n, 1);
  if (i < 2) atomic_store(&woke_order[i], ((woken *)self)->tag);
  return ACT_DONE;
}
static const act_actor_type_t woken_type = {"Woken", sizeof(woken), 0, woken_start, woken_dispatch,
                                             NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};
static woken *wake_a, *wake_b;
static act_status_t waker_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)self;
  if (m->type != &num_type) return ACT_UNHANDLED;
  act_send(cx, &wake_a->base, act_msg_new(cx, &num_type));
  act_send(cx, &wake_b->base, act_msg_new(cx, &num_type));
  return ACT_DONE;
}
static const act_actor_type_t waker_type = {"Waker", sizeof(act_actor_t), 0, woken_start, waker_dispatch,
                                            NULL, ACT_ONE_FOR_ONE, 3, 5000000000LL, 0};

Test(sched, first_wake_of_a_handler_runs_next) {
  setenv("ACT_THREADS", "1", 1);
  act_runtime_start(0, NULL);
  wake_a = (woken *)act_spawn_alloc(NULL, &woken_type);
  wake_b = (woken *)act_spawn_alloc(NULL, &woken_type);
  wake_a->tag = 1;
  wake_b->tag = 2;
  act_actor_t *w = act_spawn_alloc(NULL, &waker_type);
  act_spawn_start(NULL, &wake_a->base, ACT_RESTART_PERMANENT);
  act_spawn_start(NULL, &wake_b->base, ACT_RESTART_PERMANENT);
  act_spawn_start(NULL, w, ACT_RESTART_PERMANENT);
  /* A and B idle before the waker's handler wakes them. */
  for (int i = 0; i < 5000 && atomic_load(&woken_started) < 3; i++) usleep(1000);
  cr_assert_eq(atomic_load(&woken_started), 3);
  act_send(NULL, w, act_msg_new(NULL, &num_type));
  for (int i = 0; i < 5000 && atomic_load(&woke_n) < 2; i++) usleep(1000);
  cr_assert_eq(atomic_load(&woke_n), 2);
  cr_expect_eq(atomic_load(&woke_order[0]), 1, "the handler's first wake (A) runs first");
  cr_expect_eq(atomic_load(&woke_order[1]), 2);
}
