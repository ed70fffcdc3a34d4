/* cnames.c: registered names kept in the coordination store (§10,
 * docs/cluster.md "Names").
 *
 * On a node with a store, the store decides who holds a name: register is
 * act_coord_register with (this node, its incarnation, the actor), so two
 * nodes racing for a name get exactly one winner, a node that joins later
 * finds every name, and a name held by a dead node is free once its lease
 * lapses (the store's names die with their owner's lease). Without a store
 * rname.c's peer protocol names actors as before.
 *
 * Store calls are answered on the node's loop; an actor that registers or
 * looks up blocks its worker meanwhile (act_blocking_enter). A lookup
 * waits at most wait_ms. A register waits for the store's decision, as
 * Erlang's global:register_name waits for its lock (docs/decisions.md):
 * a call the store could not answer (no leader, unreachable) is made
 * again every RETRY_MS, so false means "taken", never "the store was
 * away"; only the node's leave (or fence) ends the wait, with false.
 * Requests made before the node has joined the store wait for the join
 * (a register before then would be refused: only members hold names).
 *
 * Lookups are cached: name → reference. The store tells only which node
 * holds a name; the reference (with its actor type) comes from that node
 * (rname.c, one RK_WHERE). The cache entry goes when its holder's node
 * says the name was released (RK_RELEASE, sent to every peer on
 * unregister), when that node is lost or leaves, or when the reference
 * itself ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "actor/actor.h"
#include "cluster/cluster_int.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"

#define RETRY_MS 250

enum { Q_REG, Q_LOOKUP, Q_UNREG };

typedef struct creq {
  struct creq *next;
  int kind, refs;             /* refs: the asker (if it waits) and the loop */
  int done, abandoned;
  int waited;                 /* the store failed it once: said in the log */
  act_coord_status_t status;
  act_coord_owner_t own;      /* Q_REG, Q_UNREG: the holder; answered: who holds it */
  char name[];                /* any length (§10 sets none), NUL-terminated */
} creq_t;

/* The names this node holds in the store, for unregister (by name only). */
typedef struct held {
  struct held *next;
  char *name;
  act_coord_owner_t own;
} held_t;

/* The lookup cache; entries are collector memory, reachable from here. */
#define CACHE_BUCKETS 64
typedef struct cached {
  struct cached *next;
  act_str_t *name;
  act_actor_t *ref;
} cached_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t answered = PTHREAD_COND_INITIALIZER;
static creq_t *queue;   /* for the loop (held there until the node joined) */
static held_t *helds;
static cached_t *cache[CACHE_BUCKETS];
/* The loop's side: set by act__cnames_start before the loop runs. */
static act_coord_t *store;
static uv_async_t wake;
static _Atomic int on;            /* this node's names are the store's */
static int active;                /* under mu: requests are taken (until the leave) */
static creq_t *retries;           /* under mu: registers the store failed, made again */
static uv_timer_t retry_timer;    /* on the loop */
static int joined;                /* on the loop */
static int64_t wait_ms;

static creq_t *creq_new(int kind, const char *name, size_t n) {
  creq_t *q = calloc(1, sizeof *q + n + 1);
  if (q == NULL) return NULL;
  q->kind = kind;
  memcpy(q->name, name, n);
  return q;
}

static void unref(creq_t *q) {
  if (--q->refs == 0) free(q);   /* under mu */
}

/* ---- the loop's side ---- */

static void issue(creq_t *q);
static void take(creq_t *list);

static void on_retry(uv_timer_t *t) {
  (void)t;
  pthread_mutex_lock(&mu);
  creq_t *list = active ? retries : NULL;
  if (active) retries = NULL;
  pthread_mutex_unlock(&mu);
  take(list);
}

static void on_answer(void *arg, const act_coord_result_t *r) {
  creq_t *q = arg;
  pthread_mutex_lock(&mu);
  if (r->status == ACT_COORD_ERROR && q->kind == Q_REG && active && !q->abandoned) {
    /* The store could not decide (no leader, unreachable): ask again. */
    if (!q->waited)
      act__logf("act: cluster: register \"%.60s\" waits for the store: %s\n", q->name,
                r->error ? r->error : "no answer");
    q->waited = 1;
    q->next = retries;
    retries = q;
    pthread_mutex_unlock(&mu);
    if (!uv_is_active((uv_handle_t *)&retry_timer)) uv_timer_start(&retry_timer, on_retry, RETRY_MS, 0);
    return;
  }
  q->status = r->status;
  if (r->status == ACT_COORD_OK || r->status == ACT_COORD_TAKEN) q->own = r->owner;
  q->done = 1;
  int undo = q->abandoned && q->kind == Q_REG && r->status == ACT_COORD_OK;
  pthread_cond_broadcast(&answered);
  pthread_mutex_unlock(&mu);
  if (undo) {   /* its asker gave up and said false: the name must not stay held */
    creq_t *u = creq_new(Q_UNREG, q->name, strlen(q->name));
    if (u) {
      u->refs = 1;
      u->own = r->owner;
      pthread_mutex_lock(&mu);
      int still = active;
      pthread_mutex_unlock(&mu);
      if (still) issue(u);
      else free(u);
    }
  }
  pthread_mutex_lock(&mu);
  unref(q);
  pthread_mutex_unlock(&mu);
}

static void issue(creq_t *q) {
  switch (q->kind) {
  case Q_REG: act_coord_register(store, q->name, &q->own, on_answer, q); break;
  case Q_LOOKUP: act_coord_lookup(store, q->name, on_answer, q); break;
  default: act_coord_unregister(store, q->name, &q->own, on_answer, q); break;
  }
}

static void take(creq_t *list) {
  /* The list was pushed newest first: issue in the order asked. */
  creq_t *rev = NULL;
  while (list) {
    creq_t *nx = list->next;
    list->next = rev;
    rev = list;
    list = nx;
  }
  for (creq_t *nx; rev; rev = nx) {
    nx = rev->next;
    issue(rev);
  }
}

static void on_wake(uv_async_t *a) {
  (void)a;
  pthread_mutex_lock(&mu);
  creq_t *list = NULL;
  if (joined) {
    list = queue;
    queue = NULL;
  }
  pthread_mutex_unlock(&mu);
  take(list);
}

void act__cnames_start(uv_loop_t *loop, act_coord_t *s, int64_t lease_ms) {
  store = s;
  /* A store call is a few statements through Raft (or PostgreSQL); the
   * wait covers one leader election, which the lease sizes. */
  wait_ms = lease_ms * 2 > 5000 ? lease_ms * 2 : 5000;
  uv_async_init(loop, &wake, on_wake);
  uv_timer_init(loop, &retry_timer);
  active = 1;
  atomic_store(&on, 1);
}

void act__cnames_joined(void) {
  pthread_mutex_lock(&mu);
  joined = 1;
  pthread_mutex_unlock(&mu);
  on_wake(&wake);
}

/* On the loop, when the node leaves: askers still waiting are answered
 * with an error (they say false, or "not registered"). */
void act__cnames_stop(void) {
  pthread_mutex_lock(&mu);
  if (!active) {
    pthread_mutex_unlock(&mu);
    return;
  }
  active = 0;   /* no uv_async_send after this: submit sends under mu */
  creq_t *lists[2] = {queue, retries};
  queue = retries = NULL;
  for (int i = 0; i < 2; i++)
    for (creq_t *nx, *list = lists[i]; list; list = nx) {
      nx = list->next;
      list->status = ACT_COORD_ERROR;
      list->done = 1;
      unref(list);
    }
  pthread_cond_broadcast(&answered);
  pthread_mutex_unlock(&mu);
  uv_close((uv_handle_t *)&wake, NULL);
  uv_close((uv_handle_t *)&retry_timer, NULL);
}

/* ---- the askers' side ---- */

int act__cnames_on(void) { return atomic_load(&on); }

/* Queues q for the loop. With wait, blocks until answered (a register)
 * or until answered or wait_ms (the rest) and returns the status; the asker then still holds q (release with
 * done_with), whose answer, if it comes later, is the loop's to dispose
 * of. Without, q is the loop's at once. */
static act_coord_status_t submit(act_ctx_t *cx, creq_t *q, int wait) {
  q->refs = wait ? 2 : 1;
  pthread_mutex_lock(&mu);
  if (!active) {
    q->refs = 1;
    pthread_mutex_unlock(&mu);
    if (!wait) free(q);
    return ACT_COORD_ERROR;
  }
  q->next = queue;
  queue = q;
  uv_async_send(&wake);
  pthread_mutex_unlock(&mu);
  if (!wait) return ACT_COORD_OK;
  if (cx && cx->worker) act_blocking_enter(cx);
  struct timespec end;
  clock_gettime(CLOCK_REALTIME, &end);
  end.tv_sec += wait_ms / 1000;
  end.tv_nsec += (wait_ms % 1000) * 1000000;
  if (end.tv_nsec >= 1000000000) end.tv_sec++, end.tv_nsec -= 1000000000;
  pthread_mutex_lock(&mu);
  while (!q->done)
    if (q->kind == Q_REG) pthread_cond_wait(&answered, &mu);   /* the store decides */
    else if (pthread_cond_timedwait(&answered, &mu, &end) != 0) break;
  act_coord_status_t st = q->done ? q->status : ACT_COORD_ERROR;
  if (!q->done) q->abandoned = 1;
  pthread_mutex_unlock(&mu);
  if (cx && cx->worker) act_blocking_leave(cx);
  return st;
}

static void done_with(creq_t *q) {
  pthread_mutex_lock(&mu);
  unref(q);
  pthread_mutex_unlock(&mu);
}

static creq_t *request(int kind, act_str_t *name) {
  size_t n = act_str_len(name);
  if (memchr(act_str_data(name), 0, n)) {   /* the store keeps text: never cut short */
    act__logf("act: cluster: the name \"%.40s...\" holds a NUL byte, which the store cannot "
              "keep; not registered\n", act_str_data(name));
    return NULL;
  }
  return creq_new(kind, act_str_data(name), n);
}

static int same_name(const char *s, act_str_t *name) {
  return (int64_t)strlen(s) == act_str_len(name) && memcmp(s, act_str_data(name), (size_t)act_str_len(name)) == 0;
}

/* The store keeps one number per holder: the actor's cluster id, folded. */
static uint64_t actor_key(act_actor_t *a) {
  act_aid_t id = act__export(a);
  return id.creator * UINT64_C(0x9e3779b97f4a7c15) ^ id.serial;
}

bool act__cnames_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  creq_t *q = request(Q_REG, name);
  if (q == NULL) return false;
  const char *me = act_cluster_self(&q->own.incarnation);
  snprintf(q->own.node, sizeof q->own.node, "%s", me ? me : "");
  q->own.actor = actor_key(a);
  act_coord_owner_t own = q->own;
  act_coord_status_t st = submit(cx, q, 1);
  done_with(q);
  if (st != ACT_COORD_OK) return false;
  held_t *h = calloc(1, sizeof *h);
  if (h && (h->name = strndup(act_str_data(name), act_str_len(name))) != NULL) {
    h->own = own;
    pthread_mutex_lock(&mu);
    h->next = helds;
    helds = h;
    pthread_mutex_unlock(&mu);
  } else {
    free(h);
  }
  return true;
}

void act__cnames_unregister(act_str_t *name) {
  held_t *h = NULL;
  pthread_mutex_lock(&mu);
  for (held_t **p = &helds; *p; p = &(*p)->next)
    if (same_name((*p)->name, name)) {
      h = *p;
      *p = h->next;
      break;
    }
  pthread_mutex_unlock(&mu);
  if (h == NULL) return;
  creq_t *q = request(Q_UNREG, name);
  if (q) {
    q->own = h->own;
    submit(NULL, q, 0);
  }
  free(h->name);
  free(h);
}

/* ---- lookups and their cache ---- */

static cached_t **bucket(act_str_t *name) {
  return &cache[act_str_hash(name) % CACHE_BUCKETS];
}

act_actor_t *act__cnames_lookup(act_ctx_t *cx, act_str_t *name) {
  pthread_mutex_lock(&mu);
  for (cached_t *c = *bucket(name); c; c = c->next)
    if (act_str_eq(c->name, name) && !(atomic_load(&c->ref->flags) & AF_DEAD)) {
      act_actor_t *a = c->ref;
      pthread_mutex_unlock(&mu);
      return a;
    }
  pthread_mutex_unlock(&mu);
  creq_t *q = request(Q_LOOKUP, name);
  if (q == NULL) return NULL;
  act_coord_status_t st = submit(cx, q, 1);
  act_coord_owner_t own = {0};
  if (st == ACT_COORD_OK) own = q->own;   /* answered: the loop is done with it */
  done_with(q);
  const char *me = act_cluster_self(NULL);
  if (st != ACT_COORD_OK || (me && strcmp(own.node, me) == 0)) return NULL;
  act_actor_t *a = act__remote_where(cx, own.node, name);
  if (a == NULL) return NULL;
  cached_t *c = act_alloc(sizeof *c);
  c->name = name;
  c->ref = a;
  pthread_mutex_lock(&mu);
  cached_t **b = bucket(name);
  for (cached_t **p = b; *p;)   /* one entry per name */
    if (act_str_eq((*p)->name, name)) *p = (*p)->next;
    else p = &(*p)->next;
  c->next = *b;
  *b = c;
  pthread_mutex_unlock(&mu);
  return a;
}

/* Entries whose reference lives on `node` (all of them if name is NULL,
 * else only that name's). */
static void forget(const char *node, act_str_t *name) {
  pthread_mutex_lock(&mu);
  for (int i = 0; i < CACHE_BUCKETS; i++)
    for (cached_t **p = &cache[i]; *p;) {
      act_actor_t *a = (*p)->ref;
      int on = (atomic_load(&a->flags) & AF_REMOTE) &&
               strcmp(act__proxy(a)->node->data, node) == 0;
      if (on && (name == NULL || act_str_eq((*p)->name, name))) *p = (*p)->next;
      else p = &(*p)->next;
    }
  pthread_mutex_unlock(&mu);
}

void act__cnames_released(const char *node, act_str_t *name) { forget(node, name); }
void act__cnames_node_down(const char *node) { forget(node, NULL); }
