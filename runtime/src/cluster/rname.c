/* rname.c: register(a, "name") and Type@"name" across nodes (§10).
 *
 * On a node with a coordination store the store keeps the names
 * (cnames.c): register and lookups go there and the rest of this file
 * only carries RK_WHERE (a name's holder asked for its reference) and
 * RK_RELEASE (a name freed: peers drop it from their caches). Without a
 * store names are resolved among the peers, as follows.
 * Each node keeps its own actors' names (rt/registry.c) and, for every
 * name another node holds, which node claimed it. To register, a node
 * enters the name locally (so a rival asking meanwhile is refused), then
 * asks every reachable peer (RK_CLAIM); a peer grants unless it holds the
 * name itself or has granted it to another reachable node. One refusal,
 * or a peer silent for NAME_WAIT, and the claim is withdrawn everywhere
 * (RK_RELEASE) and register returns false. Two nodes racing for one name
 * may thus both lose, never both win. A name dies with its actor (the
 * holder's node releases it) or with its node. A lookup asks every peer
 * (RK_WHERE) and takes the first that holds the name.
 *
 * The asking actor's worker blocks while it waits (act_blocking_enter
 * lends its queue to a new worker), at most NAME_WAIT. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor/actor.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"

#define NAME_WAIT_NS (2 * 1000000000LL)

typedef struct claim {
  struct claim *next;
  act_str_t *name;
  act_str_t *node;      /* interned: who holds it */
} claim_t;

typedef struct request {
  struct request *next;
  uint64_t id;
  char (*peers)[ACT_NAME_MAX + 1];
  uint8_t *answered;
  size_t npeers, left, refused;
  act_actor_t *found;
} request_t;

/* All under act__lang_mu. */
static claim_t *claims;
static request_t *requests;
static uint64_t next_request;
static pthread_cond_t answered_cv = PTHREAD_COND_INITIALIZER;

static claim_t **claim_of(act_str_t *name) {
  claim_t **c = &claims;
  while (*c && !act_str_eq((*c)->name, name)) c = &(*c)->next;
  return c;
}

/* A new request to the reachable peers (not this node), or only to
 * `only` when it is given. */
static request_t *request_to(const char *only) {
  request_t *q = act_alloc(sizeof *q);
  size_t cap = 16, n;
  if (only) {
    q->peers = act_alloc_atomic(sizeof *q->peers);
    snprintf(q->peers[0], sizeof q->peers[0], "%s", only);
    q->npeers = 1;
  } else {
    for (;;) {
      q->peers = act_alloc_atomic(cap * sizeof *q->peers);
      n = act_cluster_nodes(q->peers, cap);
      if (n <= cap) break;
      cap = n + 16;
    }
    /* act_cluster_nodes lists this node first */
    q->npeers = n ? n - 1 : 0;
    q->peers = q->peers + (n ? 1 : 0);
  }
  q->answered = act_alloc_atomic(q->npeers + 1);
  memset(q->answered, 0, q->npeers + 1);
  q->left = q->npeers;
  pthread_mutex_lock(&act__lang_mu);
  q->id = ++next_request;
  q->next = requests;
  requests = q;
  pthread_mutex_unlock(&act__lang_mu);
  return q;
}

/* Under act__lang_mu: peer `node` answered (or is gone). */
static void answer(request_t *q, const char *node, int refused, act_actor_t *found) {
  for (size_t i = 0; i < q->npeers; i++)
    if (!q->answered[i] && strcmp(q->peers[i], node) == 0) {
      q->answered[i] = 1;
      q->left--;
      q->refused += refused != 0;
      if (found && q->found == NULL) q->found = found;
      pthread_cond_broadcast(&answered_cv);
    }
}

static void send_all(request_t *q, const act_buf_t *b) {
  for (size_t i = 0; i < q->npeers; i++)
    if (act__send_env(q->peers[i], b) != 0) {   /* not connected: no say */
      pthread_mutex_lock(&act__lang_mu);
      answer(q, q->peers[i], 0, NULL);
      pthread_mutex_unlock(&act__lang_mu);
    }
}

/* Until every peer answered (or, for a lookup, one found it), or the
 * time is up; then the request is forgotten. */
static void wait_for(act_ctx_t *cx, request_t *q, int until_found) {
  if (cx && cx->worker) act_blocking_enter(cx);
  struct timespec end;
  clock_gettime(CLOCK_REALTIME, &end);
  end.tv_sec += NAME_WAIT_NS / 1000000000LL;
  pthread_mutex_lock(&act__lang_mu);
  while (q->left > 0 && !(until_found && q->found))
    if (pthread_cond_timedwait(&answered_cv, &act__lang_mu, &end) != 0) break;
  for (request_t **p = &requests; *p; p = &(*p)->next)
    if (*p == q) {
      *p = q->next;
      break;
    }
  pthread_mutex_unlock(&act__lang_mu);
  if (cx && cx->worker) act_blocking_leave(cx);
}

static void put_name(act_buf_t *b, int kind, uint64_t id, act_str_t *name) {
  act__env_begin(b);
  act__put_u8(b, (uint8_t)kind);
  if (id) act__put_u64(b, id);
  act_encode(b, &act_type_string, &name);
}

bool act__remote_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  if (act__cnames_on()) return act__cnames_register(cx, a, name);
  request_t *q = request_to(NULL);
  act_buf_t b;
  put_name(&b, RK_CLAIM, q->id, name);
  act__wire_encode(&b, &act_type_ref, &a, NULL);
  send_all(q, &b);
  wait_for(cx, q, 0);
  if (q->left == 0 && q->refused == 0) return true;
  act__remote_release(name);
  return false;
}

void act__remote_release(act_str_t *name) {
  act__cnames_unregister(name);   /* the store's entry, if it holds one */
  request_t *q = request_to(NULL);   /* only for its list of peers */
  pthread_mutex_lock(&act__lang_mu);
  for (request_t **p = &requests; *p; p = &(*p)->next)
    if (*p == q) {
      *p = q->next;
      break;
    }
  pthread_mutex_unlock(&act__lang_mu);
  act_buf_t b;
  put_name(&b, RK_RELEASE, 0, name);
  for (size_t i = 0; i < q->npeers; i++) act__send_env(q->peers[i], &b);
}

static act_actor_t *where(act_ctx_t *cx, const char *only, act_str_t *name) {
  request_t *q = request_to(only);
  act_buf_t b;
  put_name(&b, RK_WHERE, q->id, name);
  send_all(q, &b);
  wait_for(cx, q, 1);
  return q->found;
}

act_actor_t *act__remote_lookup(act_ctx_t *cx, act_str_t *name) {
  return act__cnames_on() ? act__cnames_lookup(cx, name) : where(cx, NULL, name);
}

act_actor_t *act__remote_where(act_ctx_t *cx, const char *node, act_str_t *name) {
  return where(cx, node, name);
}

static request_t *request_of(uint64_t id) {
  for (request_t *q = requests; q; q = q->next)
    if (q->id == id) return q;
  return NULL;
}

static void on_claim(const char *from, act_reader_t *r, uint64_t id, act_str_t *name) {
  act_actor_t *holder;
  if (!act__wire_decode(r, &act_type_ref, &holder)) {
    act__log_drop(from, "a name claim", r->err);
    return;
  }
  act_actor_t *mine = act__registered(name);
  int ok = mine == NULL || mine == holder;
  pthread_mutex_lock(&act__lang_mu);
  claim_t **c = claim_of(name);
  if (*c && strcmp((*c)->node->data, from) != 0 && act_cluster_incarnation((*c)->node->data) != 0)
    ok = 0;
  if (ok && *c == NULL) {
    claim_t *n = act_alloc(sizeof *n);
    n->name = name;
    *c = n;
  }
  if (ok) (*c)->node = act__node_value(from);
  pthread_mutex_unlock(&act__lang_mu);
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_CLAIMED);
  act__put_u64(&b, id);
  act__put_u8(&b, (uint8_t)ok);
  act__send_env(from, &b);
}

void act__on_names(const char *from, int kind, act_reader_t *r) {
  uint64_t id = 0;
  uint8_t flag = 0;
  act_str_t *name = NULL;
  int bad = 0;
  switch (kind) {
  case RK_CLAIM: case RK_WHERE: bad = !act__get_u64(r, &id) || !act__get_str(r, &name); break;
  case RK_RELEASE: bad = !act__get_str(r, &name); break;
  default: bad = !act__get_u64(r, &id) || !act__get_u8(r, &flag); break;
  }
  if (bad) {
    act__log_drop(from, "a name request", r->err);
    return;
  }
  if (kind == RK_CLAIM) {
    on_claim(from, r, id, name);
  } else if (kind == RK_RELEASE) {
    pthread_mutex_lock(&act__lang_mu);
    claim_t **c = claim_of(name);
    if (*c && strcmp((*c)->node->data, from) == 0) *c = (*c)->next;
    pthread_mutex_unlock(&act__lang_mu);
    act__cnames_released(from, name);
  } else if (kind == RK_WHERE) {
    act_actor_t *a = act__registered(name);
    act_buf_t b;
    act__env_begin(&b);
    act__put_u8(&b, RK_HERE);
    act__put_u64(&b, id);
    act__put_u8(&b, a != NULL);
    if (a) act__wire_encode(&b, &act_type_ref, &a, NULL);
    act__send_env(from, &b);
  } else {   /* RK_CLAIMED, RK_HERE */
    act_actor_t *found = NULL;
    if (kind == RK_HERE && flag && !act__wire_decode(r, &act_type_ref, &found)) {
      act__log_drop(from, "a name's holder", r->err);
      found = NULL;
    }
    pthread_mutex_lock(&act__lang_mu);
    request_t *q = request_of(id);
    if (q) answer(q, from, kind == RK_CLAIMED && !flag, found);
    pthread_mutex_unlock(&act__lang_mu);
  }
}

void act__names_node_down(const char *node) {
  pthread_mutex_lock(&act__lang_mu);
  for (claim_t **c = &claims; *c;)
    if (strcmp((*c)->node->data, node) == 0) *c = (*c)->next;
    else c = &(*c)->next;
  for (request_t *q = requests; q; q = q->next) answer(q, node, 0, NULL);   /* no say any more */
  pthread_mutex_unlock(&act__lang_mu);
  act__cnames_node_down(node);
}
