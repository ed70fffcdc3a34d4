/* lease.c: a node's membership lease — join, renew every lease / 3, and
 * fail-stop (act/cluster.h, "The membership lease and fail-stop").
 *
 * The lease is counted on this node's monotonic clock from when the last
 * successful renewal was sent, so it ends here before it ends anywhere
 * else: the store (or another node watching the row) counts from a later
 * moment, the write or the first sight of it, and others add a margin
 * before taking over. The fence timer fires ACT_LEASE_GUARD before that
 * end, which leaves the owners time to stop. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "act/cluster.h"

enum { L_JOINING, L_HELD, L_FENCED, L_LOST, L_STOPPING };

struct act_lease {
  uv_loop_t *loop;
  act_coord_t *store;
  act_coord_member_t me;
  int64_t lease_ms;
  uv_timer_t tick;          /* renewals and rejoins */
  uv_timer_t fence;         /* one shot: ACT_LEASE_GUARD before the lease ends */
  int state, busy, handles;
  uint64_t sent;            /* when the call in flight was sent (ms, monotonic) */
  uint64_t valid_until;     /* the lease's end on this clock (ms) */
  uint64_t next_at;         /* the next renewal or rejoin (ms) */
  uint64_t born;            /* when the lease loop started (ms) */
  _Atomic int64_t *publish; /* the fence's time (ns, monotonic) for other threads */
  void (*done)(void *arg);
  void *done_arg;
};

/* ---- the hooks ---- */
#define HOOKS_MAX 8
static struct {
  act_lease_fn fn;
  void *arg;
} hooks[HOOKS_MAX];
static int nhooks;
static pthread_mutex_t hooks_mu = PTHREAD_MUTEX_INITIALIZER;

int act_coord_on_fenced(act_lease_fn fn, void *arg) {
  pthread_mutex_lock(&hooks_mu);
  int ok = nhooks < HOOKS_MAX;
  if (ok) hooks[nhooks].fn = fn, hooks[nhooks++].arg = arg;
  pthread_mutex_unlock(&hooks_mu);
  return ok ? 0 : -1;
}

void act_coord_on_fenced_clear(void) {
  pthread_mutex_lock(&hooks_mu);
  nhooks = 0;
  pthread_mutex_unlock(&hooks_mu);
}

static void tell(int event, const char *why) {
  pthread_mutex_lock(&hooks_mu);
  int n = nhooks;
  __typeof__(hooks[0]) copy[HOOKS_MAX];
  memcpy(copy, hooks, sizeof copy);
  pthread_mutex_unlock(&hooks_mu);
  for (int i = 0; i < n; i++) copy[i].fn(copy[i].arg, event, why);
}

/* ---- the loop ---- */
static uint64_t now_ms(void) { return uv_hrtime() / 1000000u; }

static void fence_now(act_lease_t *l, const char *why) {
  if (l->state != L_HELD) return;
  l->state = L_FENCED;
  /* Before the hooks run: a worker's next look already finds it past. */
  if (l->publish) atomic_store(l->publish, 1);
  uv_timer_stop(&l->fence);
  l->next_at = now_ms() + (uint64_t)l->lease_ms / 3;
  tell(ACT_LEASE_FENCED, why);
}

static void on_fence(uv_timer_t *t) {
  act_lease_t *l = t->data;
  fence_now(l, "no renewal of the lease succeeded in time");
}

/* A call succeeded that was sent at l->sent: the lease runs from then. */
static void extend(act_lease_t *l) {
  l->valid_until = l->sent + (uint64_t)l->lease_ms;
  l->next_at = l->sent + (uint64_t)l->lease_ms / 3;
  uint64_t now = now_ms(), at = l->valid_until - (uint64_t)ACT_LEASE_GUARD(l->lease_ms);
  uv_timer_start(&l->fence, on_fence, at > now ? at - now : 0, 0);
  if (l->publish) atomic_store(l->publish, (int64_t)at * 1000000);
}

void act_lease_publish(act_lease_t *l, _Atomic int64_t *fence_at_ns) { l->publish = fence_at_ns; }

static void finish_stop(act_lease_t *l);

static void on_answer(void *arg, const act_coord_result_t *r) {
  act_lease_t *l = arg;
  l->busy = 0;
  if (l->state == L_STOPPING) {
    finish_stop(l);
    return;
  }
  uint64_t retry = now_ms() + (uint64_t)(l->lease_ms / 10 > 0 ? l->lease_ms / 10 : 1);
  switch (r->status) {
  case ACT_COORD_OK:
    if (l->state == L_FENCED || l->state == L_JOINING) {   /* joined (again) */
      l->state = L_HELD;
      extend(l);
      tell(ACT_LEASE_HELD, "the lease is held");
    } else {
      extend(l);
    }
    break;
  case ACT_COORD_LOST:   /* a renewal found the lease gone: fence, then try to join again */
    fence_now(l, "the store no longer has this node's lease");
    break;
  case ACT_COORD_TAKEN:  /* another incarnation holds the name */
    /* Just started: the holder may be this node's previous incarnation,
     * killed, whose lease a store judging by its clients' clocks (dqlite)
     * lets us take over only after watching it unchanged for lease +
     * margin. Keep asking that long (twice, for the first read's delay)
     * before giving up. */
    if (l->state == L_JOINING &&
        now_ms() - l->born < 2 * (uint64_t)(l->lease_ms + ACT_COORD_MARGIN(l->lease_ms))) {
      l->next_at = retry;
      break;
    }
    if (l->state == L_HELD) fence_now(l, "another incarnation holds this node's name");
    l->state = L_LOST;
    uv_timer_stop(&l->tick);
    tell(ACT_LEASE_LOST, "another incarnation holds this node's name: restart the node");
    break;
  default:               /* the store failed: try again soon; the fence timer keeps time */
    l->next_at = retry;
    break;
  }
}

static void on_tick(uv_timer_t *t) {
  act_lease_t *l = t->data;
  if (l->busy || l->state == L_LOST || l->state == L_STOPPING || now_ms() < l->next_at) return;
  l->busy = 1;
  l->sent = now_ms();
  if (l->state == L_HELD)
    act_coord_renew(l->store, l->me.node, l->me.incarnation, l->lease_ms, on_answer, l);
  else
    act_coord_join(l->store, &l->me, l->lease_ms, on_answer, l);
}

act_lease_t *act_lease_start(struct uv_loop_s *loop, act_coord_t *store,
                             const act_coord_member_t *me, int64_t lease_ms) {
  act_lease_t *l = calloc(1, sizeof *l);
  if (l == NULL) return NULL;
  l->loop = loop;
  l->store = store;
  l->me = *me;
  l->lease_ms = lease_ms > 0 ? lease_ms : 10000;
  l->state = L_JOINING;
  l->born = now_ms();
  uv_timer_init(loop, &l->tick);
  uv_timer_init(loop, &l->fence);
  l->tick.data = l->fence.data = l;
  /* Checked ten times a lease; the fence has its own precise timer. */
  uint64_t every = (uint64_t)l->lease_ms / 10;
  uv_timer_start(&l->tick, on_tick, 0, every ? every : 1);
  return l;
}

int64_t act_lease_left_ms(const act_lease_t *l) {
  if (l == NULL || l->state != L_HELD) return 0;
  return (int64_t)l->valid_until - (int64_t)now_ms();
}

int64_t act_lease_fence_ns(const act_lease_t *l) {
  if (l == NULL || l->valid_until == 0) return 0;
  return (int64_t)(l->valid_until - (uint64_t)ACT_LEASE_GUARD(l->lease_ms)) * 1000000;
}

static void on_closed(uv_handle_t *h) {
  act_lease_t *l = h->data;
  if (--l->handles) return;
  if (l->done) l->done(l->done_arg);
  free(l);
}

static void on_left(void *arg, const act_coord_result_t *r) {
  (void)r;   /* a failed leave only means others wait for the lease to lapse */
  act_lease_t *l = arg;
  l->handles = 2;
  uv_close((uv_handle_t *)&l->tick, on_closed);
  uv_close((uv_handle_t *)&l->fence, on_closed);
}

/* Nothing in flight any more: leave, then free. */
static void finish_stop(act_lease_t *l) {
  act_coord_leave(l->store, l->me.node, l->me.incarnation, on_left, l);
}

void act_lease_stop(act_lease_t *l, void (*done)(void *arg), void *arg) {
  if (l == NULL) return;
  int was = l->state;
  l->state = L_STOPPING;
  l->done = done;
  l->done_arg = arg;
  uv_timer_stop(&l->tick);
  uv_timer_stop(&l->fence);
  if (was == L_HELD) tell(ACT_LEASE_FENCED, "the node is leaving");
  if (!l->busy) finish_stop(l);
}
