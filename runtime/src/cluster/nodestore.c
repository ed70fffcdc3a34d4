/* nodestore.c: a node's use of the coordination store (docs/cluster.md,
 * "The node and its store"). With --act-store the node opens the store on
 * its own loop, joins with its lease (lease.c) and keeps it; a node that
 * cannot renew in time is fenced and stops (fail-stop): its peers, and
 * supervisors that restart its children elsewhere, may already treat it
 * as gone, so it must not keep running what they replace. It also reads
 * the live members every lease / 10: a peer whose lease lapsed is reported
 * unreachable even while its heartbeats are still believed.
 *
 * Virtual actors' shards (docs/cluster.md, "Virtual actors across nodes")
 * are claimed here too, on the loop where the store lives: any thread asks
 * with act__shard_claim, which sets the shard's bit and wakes the loop;
 * a claim the store cannot answer yet (it failed, or this node has not
 * joined) is tried again a tenth of a lease later. A claim is made for
 * the node vcluster.c names (the shard's target among the live members,
 * so that shards spread), and a handoff releases the shard first: the
 * store runs its calls in order, so the claim then finds it free. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "cluster/cluster_int.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"
#include "rt/rt.h"

struct act_nodestore {
  act_node_t *node;
  act_coord_t *store;
  act_lease_t *lease;
  uv_timer_t watch;
  uv_async_t claim_wake;       /* act__shard_claim from any thread */
  uv_async_t later_wake;       /* ... asking for a claim a little later */
  uv_timer_t claim_retry;
  uv_timer_t bound;            /* the leave's: a store that does not answer is left behind */
  _Atomic uint64_t claims;     /* shards to ask about: bit i is shard i */
  _Atomic uint64_t later;      /* shards to ask about after claim_retry */
  _Atomic uint64_t releases;   /* shards to release before their claim (handoff) */
  uint64_t inc;
  int64_t lease_ms;
  int held, leaving, busy, closing;
  int leave_ms;   /* how long the leave waits for the store */
  char name[ACT_NAME_MAX + 1];
};

static act_nodestore_t *_Atomic the_store;   /* claims go to it */
/* Set by every claim and handoff (workers, under their shard's lock, and
 * the loop), read by the loop when the store answers: atomic (TSan saw a
 * worker's store race the loop's read). It is always the same function. */
static _Atomic(act_shard_fn) shard_fn;

/* _exit, not exit: other threads are running actors, and nothing of
 * theirs may happen after the fence (atexit work included). */
_Noreturn static void fail_stop(act_nodestore_t *s, const char *why) {
  act__logf("act: cluster: node %s fenced: %s; stopping (fail-stop)\n", s->name, why);
  /* Its activations ended when the lease passed its guard, or now if this
   * fence came first: their stop lines say when (virtual/vfence.c), then
   * the exit line. */
  act__vfence_end(act_lease_fence_ns(s->lease));
  act__virtual_exit();
  _exit(ACT_EXIT_FENCED);
}

void act__nodestore_quarantined(act_nodestore_t *s, const char *by) {
  if (s->leaving) return;
  char why[160];
  snprintf(why, sizeof why, "%s declared it unreachable and will not take it back", by);
  fail_stop(s, why);
}

static void on_lease(void *arg, int event, const char *why) {
  act_nodestore_t *s = arg;
  if (s->leaving) return;   /* act_lease_stop fences a leaving node too */
  switch (event) {
  case ACT_LEASE_HELD:
    if (!s->held) {
      act__logf("act: cluster: node %s joined the store (lease %lld ms)\n", s->name,
                (long long)s->lease_ms);
      act__cnames_joined();   /* names asked for meanwhile go to the store now */
    }
    s->held = 1;
    break;
  case ACT_LEASE_FENCED:
    fail_stop(s, why);
  case ACT_LEASE_LOST:
    act__logf("act: cluster: node %s cannot join the store: %s (a previous incarnation's lease "
              "ends within %lld ms)\n",
              s->name, why, (long long)(s->lease_ms + ACT_COORD_MARGIN(s->lease_ms)));
    _exit(ACT_EXIT_FENCED);
  }
}

static void on_members(void *arg, const act_coord_result_t *r) {
  act_nodestore_t *s = arg;
  s->busy = 0;
  if (s->leaving || r->status != ACT_COORD_OK) return;   /* a failed read: the next one */
  act__node_store_members(s->node, r->members, r->nmembers);
  act__vcluster_members(r->members, r->nmembers, s->lease_ms);
}

static void on_watch(uv_timer_t *t) {
  act_nodestore_t *s = t->data;
  if (!s->held || s->busy || s->leaving) return;
  s->busy = 1;
  act_coord_members(s->store, on_members, s);
}

/* ---- shard claims ---- */

static void claim_now(act_nodestore_t *s);

static void on_retry(uv_timer_t *t) { claim_now(t->data); }

/* The shard is claimed again in ms (all that are due then, in one batch),
 * or sooner if the timer is due sooner already. */
static void retry_in(act_nodestore_t *s, uint32_t shard, uint64_t ms) {
  atomic_fetch_or(&s->claims, UINT64_C(1) << shard);
  if (!uv_is_active((uv_handle_t *)&s->claim_retry) || ms < uv_timer_get_due_in(&s->claim_retry))
    uv_timer_start(&s->claim_retry, on_retry, ms, 0);
}

/* A claim that failed goes again a tenth of a lease later. */
static int64_t retry_ms(const act_nodestore_t *s) { return s->lease_ms / 10 > 0 ? s->lease_ms / 10 : 1; }

static void retry_later(act_nodestore_t *s, uint32_t shard) { retry_in(s, shard, (uint64_t)retry_ms(s)); }

/* The claims of one claim_now, made as one batch (act_coord_claims): the
 * shards a node must claim at once (all of a dead member's, once its lease
 * lapses) cost the store a few statements, not a few each. */
typedef struct batch {
  size_t n;
  uint32_t gen[64];           /* each shard's releases sent before it */
  act_coord_claim_t v[64];    /* the shard and whom it is claimed for */
} batch_t;

/* Per shard, the handoffs this node has asked for (act__shard_handoff,
 * any thread; counted when asked, before the release goes out, so that an
 * answer that comes in between is caught too). A claim sent before a
 * handoff and answered after it describes the shard before
 * this node let it go: an owner that took such a "yours, at E" as the
 * handoff's answer kept the shard at E, and went on activating keys at E,
 * while the claim sent after the release gave the shard to the target at
 * E + 1 (jepsen estore: keys activated at epoch 2 after epoch 3, refused
 * by the journal's fence). vcluster.c drops such an answer
 * (act__shard_answer_stale, checked under the shard's lock, under which
 * it also asks for the handoff): the claim that follows the release
 * answers for it.
 *
 * A claim's gen must also mean that the release it counts went out
 * before the claim. The handoff (often the sweeper's thread) and
 * claim_now (the loop) once took their bits without a common lock: the
 * loop took the releases (none yet), the handoff then counted its gen,
 * set both bits, and the loop took the claim bit with the new gen and
 * sent the claim alone. The store answered "yours, at E" (not released
 * yet), the gen matched, the shard became this node's at E again, and the
 * release that followed let the target claim it at E + 1: the node went
 * on activating keys at E for as long as it took the next members read
 * to notice (jepsen partition and pause under TSan: epochs that went
 * down). handoff_mu makes the count and the two bits one step for both. */
static _Atomic uint32_t released[64];
static uint32_t answering;   /* the gen of the claim being answered (loop) */
static pthread_mutex_t handoff_mu = PTHREAD_MUTEX_INITIALIZER;

int act__shard_answer_stale(uint32_t shard) {
  return shard < 64 && answering != atomic_load(&released[shard]);
}

/* One shard's answer, as if it had been claimed alone. */
static void on_claim(act_nodestore_t *s, uint32_t shard, uint32_t gen, const act_coord_claim_t *c) {
  act_coord_result_t ok = {.status = c->status, .owner = c->owner, .epoch = c->epoch};
  if (c->status == ACT_COORD_OK) ok.owner = c->for_;   /* granted to whom it was asked for */
  /* Not joined yet, the store failed, or the owner is a node this one
   * cannot reach (dead, until its lease lapses): ask again a little later
   * rather than send where nothing arrives. */
  if (c->status == ACT_COORD_ERROR || c->status == ACT_COORD_LOST ||
      ((c->status == ACT_COORD_TAKEN || c->status == ACT_COORD_OK) &&
       act_cluster_incarnation(ok.owner.node) != ok.owner.incarnation)) {
    /* A dead holder's lease ends, as the store judges it, in takeover_ms:
     * the claim goes again right after that (a renewal meanwhile just
     * answers TAKEN once more), not up to a tenth of a lease later. */
    int64_t again = retry_ms(s);
    if (c->status == ACT_COORD_TAKEN && c->takeover_ms >= 0 && c->takeover_ms + 2 < again)
      again = c->takeover_ms + 2;
    retry_in(s, shard, (uint64_t)again);
    return;
  }
  answering = gen;   /* vcluster.c checks it under the shard's lock */
  act_shard_fn fn = atomic_load_explicit(&shard_fn, memory_order_acquire);
  if (fn) fn(shard, &ok);
}

static void on_claims(void *arg, const act_coord_result_t *r) {
  batch_t *b = arg;
  act_nodestore_t *s = atomic_load(&the_store);
  if (s && !s->leaving) {
    for (size_t i = 0; i < b->n; i++) {
      act_coord_claim_t failed = b->v[i];
      failed.status = ACT_COORD_ERROR;
      on_claim(s, b->v[i].shard, b->gen[i], r->status == ACT_COORD_OK && i < r->nclaims ? &r->claims[i] : &failed);
    }
  }
  free(b);
}

static void on_release(void *arg, const act_coord_result_t *r) {
  (void)arg;
  (void)r;   /* not held any more either way; the claim after it says who has it */
}

static void claim_now(act_nodestore_t *s) {
  if (s->leaving) return;
  /* One step against act__shard_handoff: a gen read here counts only the
   * handoffs whose releases are taken here too, and so sent before the
   * claims below (see `released`). */
  uint32_t gen[64];
  pthread_mutex_lock(&handoff_mu);
  uint64_t rel = atomic_exchange(&s->releases, 0);
  uint64_t m = atomic_exchange(&s->claims, 0);
  for (uint32_t i = 0; i < 64; i++) gen[i] = atomic_load(&released[i]);
  pthread_mutex_unlock(&handoff_mu);
  for (uint32_t i = 0; rel; i++, rel >>= 1)
    if (rel & 1) act_coord_release(s->store, i, s->name, s->inc, on_release, NULL);
  if (m == 0) return;
  batch_t *b = calloc(1, sizeof *b);
  if (b == NULL) {
    for (uint32_t i = 0; m; i++, m >>= 1)
      if (m & 1) retry_later(s, i);
    return;
  }
  for (uint32_t i = 0; m; i++, m >>= 1) {
    if (!(m & 1)) continue;
    act_coord_claim_t *c = &b->v[b->n];
    b->gen[b->n++] = gen[i];
    c->shard = i;
    snprintf(c->for_.node, sizeof c->for_.node, "%s", s->name);
    c->for_.incarnation = s->inc;
    act__vshard_claimant(i, &c->for_);
  }
  act_coord_claims(s->store, b->v, b->n, on_claims, b);
}

static void on_claim_wake(uv_async_t *a) { claim_now(a->data); }

static void on_claim_later(uv_async_t *a) {
  act_nodestore_t *s = a->data;
  uint64_t m = atomic_exchange(&s->later, 0);
  for (uint32_t i = 0; m; i++, m >>= 1)
    if (m & 1) retry_later(s, i);
}

int act__shard_claim(uint32_t shard, act_shard_fn fn, int later) {
  act_nodestore_t *s = atomic_load(&the_store);
  if (s == NULL || shard >= 64) return -1;
  atomic_store_explicit(&shard_fn, fn, memory_order_release);
  uint64_t bit = UINT64_C(1) << shard;
  if (later) {   /* the timer belongs to the loop: it is started there */
    if ((atomic_fetch_or(&s->later, bit) & bit) == 0) uv_async_send(&s->later_wake);
  } else if ((atomic_fetch_or(&s->claims, bit) & bit) == 0) {
    uv_async_send(&s->claim_wake);
  }
  return 0;
}

int act__shard_handoff(uint32_t shard, act_shard_fn fn) {
  act_nodestore_t *s = atomic_load(&the_store);
  if (s == NULL || shard >= 64) return -1;
  atomic_store_explicit(&shard_fn, fn, memory_order_release);
  uint64_t bit = UINT64_C(1) << shard;
  pthread_mutex_lock(&handoff_mu);   /* claim_now takes all three or none: see `released` */
  atomic_fetch_add(&released[shard], 1);
  atomic_fetch_or(&s->releases, bit);
  atomic_fetch_or(&s->claims, bit);
  pthread_mutex_unlock(&handoff_mu);
  uv_async_send(&s->claim_wake);
  return 0;
}

int act__shard_store(void) { return atomic_load(&the_store) != NULL; }

/* On the loop: the lease is good for longer than the guard on this
 * node's clock. False in a process that was paused past it and has just
 * woken up, before the fence timer has had its turn. */
int act__shard_lease_ok(void) {
  act_nodestore_t *s = atomic_load(&the_store);
  return s && s->held && act_lease_left_ms(s->lease) > ACT_LEASE_GUARD(s->lease_ms);
}

act_nodestore_t *act__nodestore_start(act_node_t *n, uv_loop_t *loop, const char *url,
                                      int64_t lease_ms, char *err, size_t cap) {
  act_nodestore_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  s->store = act_coord_open(loop, url, err, cap);
  if (s->store == NULL) {
    free(s);
    return NULL;
  }
  const act_hello_t *me = act__node_me(n, ACT_CONN_CONTROL);
  act_coord_member_t m = {.incarnation = me->incarnation};
  snprintf(m.node, sizeof m.node, "%s", me->node);
  snprintf(m.addr, sizeof m.addr, "%s", me->addr);
  snprintf(s->name, sizeof s->name, "%s", me->node);
  s->node = n;
  s->inc = me->incarnation;
  s->lease_ms = lease_ms;
  if (act_coord_on_fenced(on_lease, s) != 0 ||
      (s->lease = act_lease_start(loop, s->store, &m, lease_ms)) == NULL) {
    snprintf(err, cap, "cannot start the membership lease");
    act_coord_close(s->store);
    free(s);
    return NULL;
  }
  act_lease_publish(s->lease, &act__vlease_fence_at);
  uv_timer_init(loop, &s->watch);
  s->watch.data = s;
  /* Every lease / 10: a store without one clock (dqlite) counts a dead
   * member's lease from when this node first SAW its last renewal, so the
   * time between reads is added to every takeover of its shards (at a
   * third of the lease, its keys moved up to lease + 1.4 s after a kill -9
   * at 3 s; now lease + margin + 0.3 s at most, bench/cluster/vmove.sh). */
  uint64_t every = (uint64_t)lease_ms / 10;
  uv_timer_start(&s->watch, on_watch, every ? every : 1, every ? every : 1);
  uv_async_init(loop, &s->claim_wake, on_claim_wake);
  s->claim_wake.data = s;
  uv_async_init(loop, &s->later_wake, on_claim_later);
  s->later_wake.data = s;
  uv_timer_init(loop, &s->claim_retry);
  s->claim_retry.data = s;
  uv_timer_init(loop, &s->bound);
  s->bound.data = s;
  act__cnames_start(loop, s->store, lease_ms);
  atomic_store(&the_store, s);
  return s;
}

static void on_bound_closed(uv_handle_t *h) { free(h->data); }

static void on_lease_gone(void *arg) {
  act_nodestore_t *s = arg;
  act_coord_close(s->store);
  uv_timer_stop(&s->bound);
  uv_close((uv_handle_t *)&s->bound, on_bound_closed);
}

/* The store has not answered the leave in time (a server stopped, or
 * gone without closing the connection): the loop ends without it, so
 * the process can exit. Its row lapses with the lease instead. Later
 * than the goodbyes to the peers (node.c's LEAVE_WAIT), so they go first. */
static void on_bound(uv_timer_t *t) {
  act_nodestore_t *s = t->data;
  act__logf("act: cluster: node %s leaves without the store's answer (none within %d ms)\n",
            s->name, s->leave_ms);
  act__cluster_loop_quit(t->loop);
}

static void on_watch_closed(uv_handle_t *h) {
  act_nodestore_t *s = h->data;
  if (--s->closing) return;   /* the last of the four */
  act_lease_stop(s->lease, on_lease_gone, s);
}

/* The clean leave: the row goes at once, so the name is free for the
 * node's next incarnation. A members read in flight is answered first
 * (the store runs its calls in order), before the store closes. */
void act__nodestore_leave(act_nodestore_t *s) {
  if (s == NULL || s->leaving) return;
  s->leaving = 1;
  atomic_store(&the_store, NULL);
  act__cnames_stop();
  uv_timer_stop(&s->watch);
  uv_timer_stop(&s->claim_retry);
  s->leave_ms = act__stop_budget_ms(ACT_NODESTORE_LEAVE_MS);   /* inside a stop's grace */
  uv_timer_start(&s->bound, on_bound, (uint64_t)s->leave_ms, 0);
  s->closing = 4;
  uv_close((uv_handle_t *)&s->watch, on_watch_closed);
  uv_close((uv_handle_t *)&s->claim_wake, on_watch_closed);
  uv_close((uv_handle_t *)&s->later_wake, on_watch_closed);
  uv_close((uv_handle_t *)&s->claim_retry, on_watch_closed);
}
