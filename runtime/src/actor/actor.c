/* actor.c: actors come to be — allocation, per-actor bookkeeping (act_rt_t),
 * paths for reports, spawning and starting, control messages, rand. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/mailbox.h"
#include "mem/mem.h"
#include "supervise/supervise.h"

/* The mailbox bound when an actor declares none (--act-mailbox N,
 * ACT_MAILBOX). 4,096 keeps a flooding producer's queued messages (and
 * so the memory they take) flat and inside the message pools: at 65,536
 * counting queued 65K messages, overflowed the pools into the collector
 * and peaked at 147 MB RSS, 2.5x slower than at 4,096 (bench/history.md).
 * Parking every 2,048 messages costs the producer little. */
uint32_t act__default_bound = 4096;

act_rt_t *act__rt(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt == NULL) {
    act_rt_t *n = act_alloc(sizeof *n);
    pthread_mutex_init(&n->lock, NULL);
    atomic_store(&n->ctl_stub.next, NULL);
    atomic_store(&n->ctl_head, &n->ctl_stub);
    n->ctl_tail = &n->ctl_stub;
    struct act_rt *expected = NULL;
    if (__atomic_compare_exchange_n(&a->rt, &expected, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      rt = n;
    else
      rt = expected;
  }
  return rt;
}

const char *act__path(act_actor_t *a, char *buf, size_t n) {
  const char *names[32];
  int k = 0;
  for (act_actor_t *p = a; p && k < 32; p = p->parent) {
    act_rt_t *rt = act__rt_of(p);
    names[k++] = rt && rt->name ? rt->name : p->type->name;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (int i = k - 1; i >= 0 && off < n; i--)
    off += (size_t)snprintf(buf + off, n - off, "%s%s", names[i], i ? "/" : "");
  return buf;
}

/* rand's state of an actor, seeded on first use: a spawn used to mix
 * two seeds (the child's and its parent's next), 42 instructions of
 * fjcreate's ~1,400 an actor, for actors that mostly never call rand. Now
 * a spawn hands the child a ticket, the parent's state, and moves the
 * parent on by one step of its generator, as a rand() would; the child
 * mixes its ticket when it first calls rand or spawns. With --act-seed an
 * actor's numbers still depend only on the seed and on what its ancestors
 * did before spawning it (options.c). */
static inline uint64_t *rng_seeded(act_actor_t *a) {
  if (__builtin_expect(a->rng_raw, 0)) {
    a->rng = act__rng_mix(a->rng);
    a->rng_raw = 0;
  }
  return &a->rng;
}

static inline uint64_t xorshift(uint64_t x) {   /* never 0 from a state that is not 0 */
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  return x;
}

/* In the bookkeeping, not the actor: few actors have a name, and 8 more
 * bytes took every actor with a field into a larger size class (act.h). */
void act_spawn_name(act_actor_t *a, const char *name) { act__rt(a)->name = name; }

/* One of a supervisor's `children`: its path names its place, as the
 * supervisor's code indexes it, so restart lines and "too many restarts
 * of PATH" tell the children apart. */
void act_spawn_name_nth(act_actor_t *a, const char *name, int64_t i) {
  size_t n = strlen(name) + 24;
  char *s = act_alloc_atomic(n);
  snprintf(s, n, "%s[%lld]", name, (long long)i);
  act__rt(a)->name = s;
}

act_actor_t *act_spawn_alloc(act_ctx_t *cx, const act_actor_type_t *t) {
  act_actor_t *a = act__alloc_actor(cx ? cx->worker : NULL, t->size);
  act__mq_init(a);
  a->type = t;
  act_actor_t *p = cx ? cx->self : NULL;
  a->parent = p;
  if (p) {
    /* The parent's state is mixed (seeded) before it hands out tickets:
     * two tickets from unmixed states could be related. */
    uint64_t *s = rng_seeded(p), x = *s;
    *s = xorshift(x);
    a->rng = x ^ 0xD1B54A32D192ED03ull;   /* unlike the parent's next state */
    a->rng_raw = 1;
  } else {
    a->rng = act__rng_seed();   /* options.c: --act-seed */
  }
  return a;
}

static const act_msg_type_t control_type = {"<control>", 0, sizeof(act_ctl_t), NULL, NULL, 0};

act_ctl_t *act__ctl_new(act_ctl_kind_t kind) {
  act_ctl_t *c = act_alloc(sizeof *c);
  c->h.type = &control_type;
  c->h.flags = MF_CTL | (kind == CTL_TIMEOUT ? 0 : MF_LANE);
  c->kind = kind;
  return c;
}

void act__ctl_send(act_ctx_t *cx, act_actor_t *to, act_ctl_kind_t kind, act_actor_t *from, uint32_t token) {
  act_ctl_t *c = act__ctl_new(kind);
  c->h.sender = from;
  c->token = token;
  act__enqueue(cx, to, &c->h);
}

/* Append to a growable array of actors owned by one worker at a time. */
void act__push_actor(act_actor_t ***arr, int *n, int *cap, act_actor_t *a) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 4;
    act_actor_t **p = act_alloc(sizeof *p * (size_t)*cap);
    if (*n) memcpy(p, *arr, sizeof *p * (size_t)*n);
    *arr = p;
  }
  (*arr)[(*n)++] = a;
}

void act_spawn_start(act_ctx_t *cx, act_actor_t *a, int restart) {
  /* A virtual activation's spawn: under its lease (an activation's own
   * start comes here from virtual.c with the gate off). */
  act__vgate_check(cx);
  /* Nobody else can see the actor yet: plain stores, no locked ops. */
  uint32_t f = atomic_load_explicit(&a->flags, memory_order_relaxed);
  if (restart == ACT_RESTART_TEMPORARY) f |= AF_TEMPORARY;
  if (a->parent == NULL) f |= AF_ROOT;
  atomic_store_explicit(&a->flags, f, memory_order_relaxed);
  if (a->parent) {
    act_rt_t *rt = act__rt(a->parent);
    pthread_mutex_lock(&rt->lock);
    if (rt->nchildren == rt->capchildren) {
      /* Compact stopped children away before growing. */
      int k = 0;
      for (int i = 0; i < rt->nchildren; i++)
        if (rt->children[i] && !(rt->children[i]->flags & AF_DEAD)) rt->children[k++] = rt->children[i];
      rt->nchildren = k;
      if (k * 2 > rt->capchildren || rt->capchildren == 0) {
        rt->capchildren = rt->capchildren ? rt->capchildren * 2 : 4;
        act_actor_t **c = act_alloc(sizeof *c * (size_t)rt->capchildren);
        if (k) memcpy(c, rt->children, sizeof *c * (size_t)k);
        rt->children = c;
      }
    }
    rt->children[rt->nchildren++] = a;
    pthread_mutex_unlock(&rt->lock);
    /* (A virtual actor's activation is not one of them: it starts when a
     * message reaches its key, whoever runs.) */
    if (a->parent->type->ordered_start && cx && cx->worker && cx->self == a->parent &&
        (a->rt == NULL || a->rt->vnode == NULL)) {
      /* A supervisor's children start one after another (act__plan_step). */
      a->flags |= AF_HELD | AF_UNSTARTED;
      act__push_actor(&rt->starts, &rt->nstarts, &rt->capstarts, a);
      act__block_mail(cx, a->parent, AF_STARTING);
      if (rt->plan == NULL && rt->plan_wait == NULL) act__plan_step(cx, a->parent);
      return;
    }
  }
  /* No start message: a flag the first run sees, and the actor scheduled
   * (nobody else can have scheduled it yet). Spawning allocates only the
   * actor. */
  atomic_store_explicit(&a->flags, atomic_load_explicit(&a->flags, memory_order_relaxed) | AF_START_PENDING,
                        memory_order_relaxed);
  atomic_store_explicit(&a->sched, 1, memory_order_relaxed);   /* published by the queue */
  act__schedule(cx && cx->worker ? cx : NULL, a);
  /* After the start message is queued, so that an idle check sees either
   * "not started" or the queued actor. One that saw "not started" may
   * have been the last: every worker ran the actor (or nothing), went to
   * sleep and nobody looks again, and the program never ends. So the
   * first root spawn looks itself. (A worker idles ~100 us before it
   * sleeps: a spawning thread descheduled between the two lines above
   * for longer, on a loaded machine, hung build_cache's program.) */
  if (a->parent == NULL && atomic_exchange(&act__program_started, 1) == 0) act__quiescence_check();
}

int64_t act_rand(act_ctx_t *cx, int64_t n, const act_loc_t *loc) {
  if (n <= 0) act_faultf(cx, loc, "rand(%lld): the bound must be positive", (long long)n);
  uint64_t *s = cx && cx->self ? rng_seeded(cx->self) : NULL;
  if (s == NULL) s = act__rng_thread();   /* outside any actor (options.c) */
  uint64_t x = xorshift(*s);
  *s = x;
  return (int64_t)((x * 0x2545F4914F6CDD1Dull) % (uint64_t)n);
}
