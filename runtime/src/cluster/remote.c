/* remote.c: references across nodes and the messages between them
 * (LANGUAGE.md §10). A reference to an actor on another node is a proxy
 * (lang_int.h): act_send to it lands here, is encoded with the message's
 * descriptor (value/codec.c, with refs and nodes by codec_ext.h), and goes
 * to the node's data connection, which keeps the order of each pair of
 * nodes. What arrives is decoded on the cluster's loop thread and sent on
 * as if from outside any actor. Asks keep a table of the ones in flight,
 * failed with "unreachable" when their node is lost; monitors of a proxy
 * ask its node for RK_DOWN, and a lost node ends every proxy of it with
 * Down(who, "unreachable").
 *
 * The envelope (first byte RK_*, then fields as lang_int.h lists) is
 * encoded with the same codec: a malformed one is logged and dropped, never
 * trusted. Peers are authenticated and run the same program (the schema
 * fingerprint), so a message id names the same type on both sides. */
#define GC_THREADS
#include <gc/gc.h>

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/actor.h"
#include "cluster/cluster_int.h"
#include "cluster/idmap.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"
#include "cluster/trace.h"
#include "sched/sched.h"
#include "supervise/supervise.h"
#include "value/codec_ext.h"

pthread_mutex_t act__lang_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct export {
  act_actor_t *a;
  act_aid_t id;
} export_t;

typedef struct pending_ask {
  uint64_t id;
  act_future_t *f;
  act_actor_t *asker;              /* NULL: asked from outside any actor */
  act_str_t *node;
  const act_msg_desc_t *reply;
} pending_ask_t;

static act_idmap_t exports;        /* aid -> export_t */
static act_idmap_t exported;       /* (actor, 0) -> export_t */
static act_idmap_t proxies;        /* aid -> act_proxy_t; a node's own: (inc, 0) */
static act_idmap_t asks;           /* (ask id, 0) -> pending_ask_t */
static _Atomic uint64_t serials, ask_ids;

/* ---- backpressure across nodes (§7) ---------------------------------------
 * A gate per node counts in its mailbox counters the bytes sent to that
 * node and not yet handed to its connection (act_cluster_on_sent). A
 * handler that pushes it past PEER_BOUND pauses after it returns, as on a
 * full mailbox (actor/backpressure.c), until the loop thread has drained
 * the gate to half; the same rules make the pause safe. */
#define PEER_BOUND (8u << 20)

static const act_actor_type_t gate_type = {
    .name = "node link", .size = sizeof(act_actor_t), .mailbox_bound = PEER_BOUND};

typedef struct gate {
  struct gate *next;
  act_str_t *node;
  act_actor_t *a;
} gate_t;
static gate_t *gates;   /* under act__lang_mu; a few, one per node ever met */

static act_actor_t *gate_locked(act_str_t *node) {
  for (gate_t *g = gates; g; g = g->next)
    if (g->node == node) return g->a;
  gate_t *g = act_alloc(sizeof *g);
  g->node = node;
  g->a = act_alloc(sizeof *g->a);
  g->a->type = &gate_type;
  g->next = gates;
  gates = g;
  return g->a;
}

static void on_sent(const char *node, size_t n) {
  act_str_t *name = act__node_value(node);
  pthread_mutex_lock(&act__lang_mu);
  act_actor_t *g = gate_locked(name);
  pthread_mutex_unlock(&act__lang_mu);
  atomic_fetch_add_explicit(&g->mq_out, (uint32_t)n, memory_order_relaxed);
  act__wake_if_drained(NULL, g);
}

/* An envelope is built in this thread's own block (malloc'd, so the
 * collector never frees it under us) and copied by act_cluster_send: a
 * message on its way costs no collected memory. Past the block, act_buf
 * moves to the collector's heap, and the block grows to match. */
static _Thread_local char *env_block;
static _Thread_local int64_t env_cap;

void act__env_begin(act_buf_t *b) {
  b->p = env_block ? env_block : (char *)"";
  b->len = 0;
  b->cap = env_block ? env_cap : 0;
}

static void env_end(const act_buf_t *b) {
  if (b->p == env_block || b->cap <= env_cap) return;
  char *nb = malloc((size_t)b->cap + 1);
  if (nb == NULL) return;   /* keep the old one */
  free(env_block);
  env_block = nb;
  env_cap = b->cap;
}

/* Every envelope is counted in (before it can be reported sent) and out,
 * so the gate's count is what waits; a handler that overfilled it (cx
 * given) pauses. */
static int send_via(act_ctx_t *cx, act_actor_t *g, const char *node, const act_buf_t *b) {
  uint32_t n = (uint32_t)b->len;
  uint32_t in = atomic_fetch_add_explicit(&g->mq_in, n, memory_order_relaxed) + n;
  /* An ask or a reply has somebody waiting: written at once if it can be. */
  int now = b->p[0] == RK_ASK || b->p[0] == RK_REPLY;
  int r = now ? act__cluster_send_now(node, b->p, (size_t)b->len)
              : act_cluster_send(node, b->p, (size_t)b->len);
  env_end(b);
  if (r != 0) {
    atomic_fetch_add_explicit(&g->mq_out, n, memory_order_relaxed);
    return -1;
  }
  if (cx && cx->worker && cx->self &&
      in - atomic_load_explicit(&g->mq_out, memory_order_relaxed) > PEER_BOUND)
    cx->worker->pause_on = g;
  return 0;
}

int act__send_env(const char *node, const act_buf_t *b) {
  act_str_t *name = act__node_value(node);
  pthread_mutex_lock(&act__lang_mu);
  act_actor_t *g = gate_locked(name);
  pthread_mutex_unlock(&act__lang_mu);
  return send_via(NULL, g, node, b);
}

void act__log_drop(const char *from, const char *what, const char *why) {
  act__logf("act: cluster: dropped %s from node %s: %s\n", what, from, why ? why : "malformed");
}

/* ---- the envelope's fields, by the codec ------------------------------- */

/* The envelope's scalars in the codec's own layout (a u8 is one byte, a
 * u64 eight, little-endian: value/codec.c), written and read here
 * directly: they are most of an envelope, and going through the
 * descriptor walk for each cost about a third of a small tell's encoding
 * and decoding (callgrind, bench/cluster/profile.sh). */
void act__put_u8(act_buf_t *b, uint8_t x) { act_buf_put(b, (const char *)&x, 1); }
void act__put_u64(act_buf_t *b, uint64_t x) {
  uint64_t le = htole64(x);
  act_buf_put(b, (const char *)&le, 8);
}
void act__put_aid(act_buf_t *b, act_aid_t id) {   /* two u64s, in one put */
  uint64_t le[2] = {htole64(id.creator), htole64(id.serial)};
  act_buf_put(b, (const char *)le, sizeof le);
}
void act__put_cstr(act_buf_t *b, const char *s) {   /* as a string, without making one */
  size_t n = strlen(s);
  act__enc_len(b, n);
  act_buf_put(b, s, (int64_t)n);
}
/* The codec writes a u64 as 8 bytes, little-endian: one written as a
 * placeholder can be filled in later. */
void act__patch_u64(char *at, uint64_t x) {
  for (int i = 0; i < 8; i++) at[i] = (char)(x >> (8 * i));
}
static void put_u32(act_buf_t *b, uint32_t x) {
  uint32_t le = htole32(x);
  act_buf_put(b, (const char *)&le, 4);
}
/* A u32 or u64 (n bytes) in the codec's layout; short input gets the
 * codec's own error. */
static bool get_fixed(act_reader_t *r, void *x, size_t n, const act_type_t *t) {
  if ((size_t)(r->end - r->p) < n) return act_decode(r, t, x);
  uint64_t v = 0;
  memcpy(&v, r->p, n);   /* the low n bytes of a little-endian u64 */
  v = le64toh(v);
  r->p += n;
  if (n == 4) *(uint32_t *)x = (uint32_t)v;
  else *(uint64_t *)x = v;
  return true;
}
static bool get_u32(act_reader_t *r, uint32_t *x) { return get_fixed(r, x, 4, &act_type_u32); }
bool act__get_u8(act_reader_t *r, uint8_t *x) {
  if (r->end - r->p < 1) return act_decode(r, &act_type_u8, x);
  *x = *r->p++;
  return true;
}
bool act__get_u64(act_reader_t *r, uint64_t *x) { return get_fixed(r, x, 8, &act_type_u64); }
bool act__get_aid(act_reader_t *r, act_aid_t *id) {
  return act__get_u64(r, &id->creator) && act__get_u64(r, &id->serial);
}
bool act__get_str(act_reader_t *r, act_str_t **s) { return act_decode(r, &act_type_string, s); }


/* ---- ids of local actors ---------------------------------------------- */

static uint64_t self_inc(void) {
  uint64_t inc = 0;
  act_cluster_self(&inc);
  return inc;
}

act_aid_t act__fresh_aid(void) {
  act_aid_t id = {self_inc(), atomic_fetch_add(&serials, 1) + 1};
  return id;
}

/* Bumped whenever `exports` changes (an id given out, or moved to a
 * restarted actor): a thread's cached lookup (act__exported) is good while
 * it has not moved. */
static _Atomic uint64_t exports_gen;

static void export_locked(act_actor_t *a, act_aid_t id) {
  export_t *e = act_alloc(sizeof *e);
  e->a = a;
  e->id = id;
  act__idmap_put(&exports, id.creator, id.serial, e);
  act__idmap_put(&exported, (uint64_t)(uintptr_t)a, 0, e);
  atomic_fetch_add(&exports_gen, 1);
}

void act__export_as(act_actor_t *a, act_aid_t id) {
  pthread_mutex_lock(&act__lang_mu);
  export_locked(a, id);
  pthread_mutex_unlock(&act__lang_mu);
}

act_aid_t act__export(act_actor_t *a) {
  pthread_mutex_lock(&act__lang_mu);
  export_t *e = act__idmap_get(&exported, (uint64_t)(uintptr_t)a, 0);
  act_aid_t id = e ? e->id : act__fresh_aid();
  if (e == NULL) export_locked(a, id);
  pthread_mutex_unlock(&act__lang_mu);
  return id;
}

/* The last id this thread looked up: a stream of messages to one actor
 * (the loop thread decoding them) finds it without the lock and the
 * table, about 100 instructions a message (callgrind). */
static _Thread_local act_aid_t exp_id;
static _Thread_local export_t *exp_last;
static _Thread_local uint64_t exp_gen;

act_actor_t *act__exported(act_aid_t id) {
  uint64_t gen = atomic_load(&exports_gen);
  if (exp_last && gen == exp_gen && id.creator == exp_id.creator && id.serial == exp_id.serial)
    return exp_last->a;
  pthread_mutex_lock(&act__lang_mu);
  export_t *e = act__idmap_get(&exports, id.creator, id.serial);
  gen = atomic_load(&exports_gen);   /* what the table was as read, under the lock */
  pthread_mutex_unlock(&act__lang_mu);
  exp_id = id, exp_last = e, exp_gen = gen;
  return e ? e->a : NULL;
}

/* ---- proxies -------------------------------------------------------------- */

act_str_t *act__unreachable(void) {
  static act_str_t *s;
  if (s == NULL) s = act__node_value("unreachable");   /* interned: never collected */
  return s;
}

void act__proxy_dead(act_proxy_t *p, act_str_t *reason) {
  act__rt(&p->base)->end_reason = reason;
  atomic_fetch_or(&p->base.flags, AF_DEAD);
}

/* Under act__lang_mu. */
static act_proxy_t *proxy_locked(const char *node, uint64_t inc, act_aid_t id, const char *type) {
  uint64_t ka = id.serial ? id.creator : inc, kb = id.serial;
  act_proxy_t *p = act__idmap_get(&proxies, ka, kb);
  if (p) return p;
  p = act_alloc(sizeof *p);
  size_t tl = strlen(type ? type : "actor");
  char *tn = act_alloc_atomic(tl + 1);
  memcpy(tn, type ? type : "actor", tl + 1);
  p->ptype.name = tn;
  p->ptype.size = sizeof *p;
  p->base.type = &p->ptype;
  atomic_store(&p->base.flags, AF_REMOTE);
  p->node = act__node_value(node);
  p->gate = gate_locked(p->node);
  p->inc = inc;
  p->id = id;
  act__idmap_put(&proxies, ka, kb, p);
  /* A reference to a node incarnation that is not (or no longer) here. */
  if (inc == 0 || act_cluster_incarnation(node) != inc) act__proxy_dead(p, act__unreachable());
  return p;
}

act_proxy_t *act__proxy_get(const char *node, uint64_t inc, act_aid_t id, const char *type) {
  pthread_mutex_lock(&act__lang_mu);
  act_proxy_t *p = proxy_locked(node, inc, id, type);
  pthread_mutex_unlock(&act__lang_mu);
  return p;
}

act_proxy_t *act__node_proxy(const char *node, uint64_t inc) {
  act_aid_t none = {0, 0};
  return act__proxy_get(node, inc, none, node);
}

act_proxy_t *act__proxy_of(act_aid_t id) {
  pthread_mutex_lock(&act__lang_mu);
  act_proxy_t *p = act__idmap_get(&proxies, id.creator, id.serial);
  pthread_mutex_unlock(&act__lang_mu);
  return p;
}

void act__proxy_rekey(act_proxy_t *p, act_aid_t id) {
  pthread_mutex_lock(&act__lang_mu);
  act__idmap_del(&proxies, p->id.creator, p->id.serial);
  p->id = id;
  act__idmap_put(&proxies, id.creator, id.serial, p);
  pthread_mutex_unlock(&act__lang_mu);
}

/* ---- refs, nodes and what cannot cross, for the codec ------------------- */

static _Thread_local const char *unsendable;

/* The last local actor this thread encoded, and its bytes: a stream of
 * messages from one sender encodes its reference once. A local actor's
 * encoding never changes once it has an id (a proxy's may: not cached). */
#define REF_CACHE 256
static _Thread_local act_actor_t *enc_last;
static _Thread_local char enc_bytes[REF_CACHE];
static _Thread_local int64_t enc_len;

static void put_ref(act_buf_t *b, act_actor_t *a) {
  if (a && (a->flags & AF_REMOTE)) {
    act_proxy_t *p = act__proxy(a);
    pthread_mutex_lock(&act__lang_mu);
    act_actor_t *local = p->local;
    pthread_mutex_unlock(&act__lang_mu);
    if (local == NULL) {
      act__put_u8(b, 1);
      act__put_cstr(b, p->node->data);
      act__put_u64(b, p->inc);
      act__put_aid(b, p->id);
      act__put_cstr(b, p->ptype.name);
      return;
    }
    a = local;
  }
  if (a == NULL) {
    act__put_u8(b, 0);
    return;
  }
  if (a == enc_last) {
    act_buf_put(b, enc_bytes, enc_len);
    return;
  }
  uint64_t inc = 0;
  const char *me = act_cluster_self(&inc);
  int64_t at = b->len;
  act__put_u8(b, 1);
  act__put_cstr(b, me ? me : "local");
  act__put_u64(b, inc);
  act__put_aid(b, act__export(a));
  act__put_cstr(b, a->type->name);
  if (b->len - at <= REF_CACHE) {   /* stored only when it fits */
    memcpy(enc_bytes, b->p + at, (size_t)(b->len - at));
    enc_len = b->len - at;
    enc_last = a;
  }
}

static bool fail(act_reader_t *r, const char *why) {
  if (r->err == NULL) r->err = why;
  return false;
}

/* The decoding side of the same: the last reference's bytes and what they
 * decoded to. Proxies and exported actors live in the tables (never
 * collected), so the pointer stays good; a proxy that moved (a restarted
 * child) is still the same reference. */
static _Thread_local act_actor_t *dec_last;
static _Thread_local char dec_bytes[REF_CACHE];
static _Thread_local int64_t dec_len = -1;

static bool get_ref_slow(act_reader_t *r, act_actor_t **out);

static bool get_ref(act_reader_t *r, act_actor_t **out) {
  if (dec_len > 0 && r->end - r->p >= dec_len && memcmp(r->p, dec_bytes, (size_t)dec_len) == 0) {
    r->p += dec_len;
    *out = dec_last;
    return true;
  }
  const uint8_t *at = r->p;
  if (!get_ref_slow(r, out)) return false;
  if (*out && r->p - at <= REF_CACHE) {
    memcpy(dec_bytes, at, (size_t)(r->p - at));
    dec_len = r->p - at;
    dec_last = *out;
  }
  return true;
}

static bool get_ref_slow(act_reader_t *r, act_actor_t **out) {
  uint8_t tag;
  act_str_t *node, *type;
  uint64_t inc;
  act_aid_t id;
  if (!act__get_u8(r, &tag)) return false;
  if (tag == 0) {
    *out = NULL;
    return true;
  }
  if (tag != 1) return fail(r, "a reference's tag is neither 0 nor 1");
  if (!act__get_str(r, &node) || !act__get_u64(r, &inc) || !act__get_aid(r, &id) ||
      !act__get_str(r, &type))
    return false;
  if (!act_name_valid(node->data, (size_t)node->len) || type->len > 200 ||
      strlen(type->data) != (size_t)type->len)
    return fail(r, "a reference names no valid node or type");
  uint64_t mine = 0;
  const char *me = act_cluster_self(&mine);
  if (me && strcmp(me, node->data) == 0 && inc == mine && id.serial != 0) {
    act_actor_t *a = act__exported(id);
    if (a) {
      *out = a;
      return true;
    }
    /* An id this incarnation never gave out: a reference to nobody. */
    act_proxy_t *p = act__proxy_get(node->data, inc, id, type->data);
    act__proxy_dead(p, act__normal());
    *out = &p->base;
    return true;
  }
  *out = &act__proxy_get(node->data, inc, id, type->data)->base;
  return true;
}

static void ext_enc(act_buf_t *b, const act_type_t *t, const void *v) {
  switch (t->kind) {
  case ACT_K_REF: put_ref(b, *(act_actor_t *const *)v); return;
  case ACT_K_NODE: act_encode(b, &act_type_string, v); return;   /* its interned name */
  default:
    if (unsendable == NULL) unsendable = t->kind == ACT_K_TIMER ? "a timer" : "a future";
    return;
  }
}

static bool ext_dec(act_reader_t *r, const act_type_t *t, void *v) {
  switch (t->kind) {
  case ACT_K_REF: return get_ref(r, (act_actor_t **)v);
  case ACT_K_NODE: {
    act_str_t *s;
    if (!act__get_str(r, &s)) return false;
    if (!act_name_valid(s->data, (size_t)s->len) && strcmp(s->data, "local") != 0)
      return fail(r, "a node value is not a node name");
    *(act_str_t **)v = act__node_value(s->data);
    return true;
  }
  default: return fail(r, "a future or timer on the wire");
  }
}

static const act_codec_ext_t wire_ext = {ext_enc, ext_dec};

bool act__wire_encode(act_buf_t *b, const act_type_t *t, const void *v, const char **what) {
  if (act__flat_put(b, t, v)) return true;   /* numbers only: nothing unsendable */
  const act_codec_ext_t *saved = act__codec_ext;
  act__codec_ext = &wire_ext;
  unsendable = NULL;
  act_encode(b, t, v);
  act__codec_ext = saved;
  if (unsendable && what) *what = unsendable;
  return unsendable == NULL;
}

bool act__wire_decode(act_reader_t *r, const act_type_t *t, void *v) {
  int flat = act__flat_get(r, t, v);
  if (flat >= 0) return flat;
  const act_codec_ext_t *saved = act__codec_ext;
  act__codec_ext = &wire_ext;
  bool ok = act_decode(r, t, v);
  act__codec_ext = saved;
  return ok;
}

/* ---- sending -------------------------------------------------------------- */

static act_actor_t *forwarded(act_proxy_t *p) {
  pthread_mutex_lock(&act__lang_mu);
  act_actor_t *local = p->local;
  pthread_mutex_unlock(&act__lang_mu);
  return local;
}

static const char *gone_why(act_proxy_t *p) {
  act_rt_t *rt = act__rt_of(&p->base);
  return rt && rt->end_reason == act__unreachable() ? "unreachable" : "failed: the target is gone";
}

/* A Down about one of our actors, to a node that watches it. */
static void send_down(act_proxy_t *node, act_down_msg_t *d) {
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_DOWN);
  act__put_aid(&b, act__export(d->f_who));
  act_encode(&b, &act_type_string, &d->f_reason);
  act__send_env(node->node->data, &b);
}

/* The part of a tell or ask envelope after its address: the sender, the
 * message's id and its body. False (the sender faulted when in a handler)
 * if it cannot cross; *rm_out is its declared type. */
bool act__env_put_msg(act_ctx_t *cx, act_buf_t *b, act_msg_t *m, const act_remote_msg_t **rm_out) {
  const act_remote_msg_t *rm = act__msg_by_id(m->type->id);
  if (rm == NULL || &rm->msg->type != m->type) {
    if (cx && cx->worker)
      act_faultf(cx, NULL, "message %s is not sendable to another node (a runtime message)",
                 m->type->name);
    return false;
  }
  put_ref(b, m->sender);
  put_u32(b, m->type->id);
  const char *what = NULL;
  if (!act__wire_encode(b, rm->msg->body, m, &what)) {
    if (cx && cx->worker)
      act_faultf(cx, NULL, "message %s holds %s: not sendable to another node", m->type->name, what);
    return false;
  }
  *rm_out = rm;
  return true;
}

uint64_t act__ask_new(act_msg_t *m, const act_remote_msg_t *rm, act_str_t *node) {
  if (m->future == NULL) return 0;
  pending_ask_t *pa = act_alloc(sizeof *pa);
  pa->id = atomic_fetch_add(&ask_ids, 1) + 1;
  pa->f = m->future;
  pa->asker = m->sender;
  pa->node = node;
  pa->reply = rm->reply;
  pthread_mutex_lock(&act__lang_mu);
  act__idmap_put(&asks, pa->id, 0, pa);
  pthread_mutex_unlock(&act__lang_mu);
  return pa->id;
}

int act__ask_moved(uint64_t ask, const char *node) {
  act_str_t *to = act__node_value(node);
  pthread_mutex_lock(&act__lang_mu);
  pending_ask_t *pa = act__idmap_get(&asks, ask, 0);
  if (pa) pa->node = to;
  pthread_mutex_unlock(&act__lang_mu);
  return pa != NULL;
}

int act__ask_take(uint64_t ask, act_future_t **f, act_actor_t **asker) {
  pthread_mutex_lock(&act__lang_mu);
  pending_ask_t *pa = act__idmap_del(&asks, ask, 0);
  pthread_mutex_unlock(&act__lang_mu);
  if (pa) *f = pa->f, *asker = pa->asker;
  return pa != NULL;
}

void act__ask_fail(act_ctx_t *cx, uint64_t ask, const char *why) {
  pthread_mutex_lock(&act__lang_mu);
  pending_ask_t *pa = act__idmap_del(&asks, ask, 0);
  pthread_mutex_unlock(&act__lang_mu);
  if (pa) act__fail_future(cx, pa->f, pa->asker, why);
}

int act__send_env_from(act_ctx_t *cx, const char *node, const act_buf_t *b) {
  act_str_t *name = act__node_value(node);
  pthread_mutex_lock(&act__lang_mu);
  act_actor_t *g = gate_locked(name);
  pthread_mutex_unlock(&act__lang_mu);
  return send_via(cx, g, node, b);
}

void act__remote_send(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  act_proxy_t *p = act__proxy(to);
  act_actor_t *local = forwarded(p);
  if (local) {
    act_send(cx, local, m);
    return;
  }
  if (to->flags & AF_DEAD) {
    if (m->future) act__fail_future(cx, m->future, m->sender, gone_why(p));
    return;
  }
  if (p->id.serial == 0) {   /* the node itself: only Downs go there */
    if (m->type == &act_down_type) send_down(p, (act_down_msg_t *)m);
    return;
  }
  if (m->future) ACT_TRACE(ACT_TR_ASK);
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, m->future ? RK_ASK : RK_TELL);
  act__put_aid(&b, p->id);
  int64_t ask_at = b.len;
  if (m->future) act__put_u64(&b, 0);   /* the ask's id, once it is tracked */
  const act_remote_msg_t *rm;
  if (!act__env_put_msg(cx, &b, m, &rm)) return;
  uint64_t ask = act__ask_new(m, rm, p->node);
  if (ask) act__patch_u64(b.p + ask_at, ask);
  if (send_via(cx, p->gate, p->node->data, &b) != 0 && ask) act__ask_fail(cx, ask, "unreachable");
  if (ask) ACT_TRACE(ACT_TR_ASK_OUT);
}

void act__remote_reply(act_ctx_t *cx, act_future_t *f, act_actor_t *asker, act_msg_t *r) {
  (void)cx;
  act_proxy_t *p = act__proxy(asker);
  if ((asker->flags & AF_DEAD) || forwarded(p)) return;   /* the asker's incarnation is gone */
  ACT_TRACE(ACT_TR_REPLY);
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_REPLY);
  act__put_u64(&b, f->rid);
  const char *what = NULL;
  act_str_t *reason = (r->flags & MF_FAILED) ? ((act_failure_t *)r)->reason : NULL;
  if (!(r->flags & MF_FAILED)) {
    act__put_u8(&b, 1);
    const act_msg_desc_t *d = (const act_msg_desc_t *)r->type;   /* a generated reply type */
    if (act__wire_encode(&b, d->body, r, &what)) {
      act__send_env(p->node->data, &b);
      ACT_TRACE(ACT_TR_REPLY_OUT);
      return;
    }
    act__env_begin(&b);
    act__put_u8(&b, RK_REPLY);
    act__put_u64(&b, f->rid);
    char why[200];
    snprintf(why, sizeof why, "ask %s: the reply holds %s: not sendable to another node",
             f->msg_name, what);
    reason = act_str_from_cstr(why);
  }
  if (reason == NULL) reason = act_str_from_cstr("ask failed");
  act__put_u8(&b, 0);
  act_encode(&b, &act_type_string, &reason);
  act__send_env(p->node->data, &b);
}

void act__remote_monitor(act_ctx_t *cx, act_actor_t *proxy) {
  act_proxy_t *p = act__proxy(proxy);
  act_actor_t *local = forwarded(p);
  if (local) {
    act_monitor(cx, local);
    return;
  }
  if (p->id.serial == 0) return;
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_MONITOR);
  act__put_aid(&b, p->id);
  act__send_env(p->node->data, &b);
}

/* ---- the end of a remote actor ------------------------------------------ */

void act__proxy_ended(act_proxy_t *p, act_str_t *reason, int lost) {
  pthread_mutex_lock(&act__lang_mu);
  if ((p->base.flags & AF_DEAD) || p->local) {
    pthread_mutex_unlock(&act__lang_mu);
    return;
  }
  act_actor_t *req = p->stop_req;
  int stopping = p->stopping;
  p->stop_req = NULL;
  p->waiting = 0;   /* it is not held on its node any more */
  pthread_mutex_unlock(&act__lang_mu);
  if (act__child_held(p, reason, lost)) return;   /* a group restart stopped it */
  int normal = strcmp(reason->data, "normal") == 0;
  /* A supervised child that failed and is restarted stays the same
   * reference, watched by the same watchers (as a local one does). */
  if (p->base.parent && p->spawn_type && !stopping && !normal && act__child_ended(p, reason, lost))
    return;
  act__proxy_dead(p, normal ? act__normal() : reason);
  act__notify_down(&p->base, reason);
  if (req) act__ctl_send(NULL, req, CTL_CHILD_DONE, NULL, 0);
}

/* ---- what arrives ----------------------------------------------------------- */

void act__refuse_ask(const char *node, uint64_t ask, const char *why) {
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_REPLY);
  act__put_u64(&b, ask);
  act__put_u8(&b, 0);
  act__put_cstr(&b, why);
  act__send_env(node, &b);
}

/* Messages that arrive are taken from a message pool of the loop thread's
 * own (mem/msgpool.c) while it decodes what arrived (on_message), not from
 * the collector: handled, they go back to the pool of the worker that ran
 * them, and whole batches come back here through the depot, so a stream
 * of remote tells costs the collector nothing in the steady state (it had
 * cost ~160 instructions a message and the collections they led to). Only
 * the loop thread touches `arrivals`, only through `arrival_cx`. */
static _Thread_local act_worker_t *arrivals;   /* one per loop thread (baton.c) */
static _Thread_local act_ctx_t *arrival_cx;
/* An arrival this thread runs once it has handed the loop over (below). */
static _Thread_local act_actor_t *to_run;

/* The tail of a tell or ask envelope (act__env_put_msg's), as a message
 * from outside any actor; NULL (logged, an ask refused) if malformed. */
act_msg_t *act__env_get_msg(const char *from, act_reader_t *r, uint64_t ask) {
  act_actor_t *sender;
  uint32_t mid;
  if (!get_ref(r, &sender) || !get_u32(r, &mid)) {
    act__log_drop(from, "a message", r->err);
    if (ask) act__refuse_ask(from, ask, "the message could not be decoded by its receiver");
    return NULL;
  }
  const act_remote_msg_t *rm = act__msg_by_id(mid);
  if (rm == NULL) {
    act__log_drop(from, "a message", "unknown message type");
    if (ask) act__refuse_ask(from, ask, "the message could not be decoded by its receiver");
    return NULL;
  }
  act_msg_t *m = arrival_cx ? act_msg_new(arrival_cx, &rm->msg->type) : act_alloc(rm->msg->type.size);
  m->sender = NULL;
  /* A malformed one is dropped: pooled or not, the collector's memory. */
  if (!act__wire_decode(r, rm->msg->body, m) || r->p != r->end) {
    act__log_drop(from, rm->msg->type.name, r->err ? r->err : "bytes after the message");
    if (ask) act__refuse_ask(from, ask, "the message could not be decoded by its receiver");
    return NULL;
  }
  m->type = &rm->msg->type;
  if (ask) {
    act_future_t *f = act_alloc(sizeof *f);
    f->rid = ask;
    f->msg_name = m->type->name;
    m->future = f;
    if (sender == NULL) sender = &act__node_proxy(from, act_cluster_incarnation(from))->base;
  }
  m->sender = sender;
  return m;
}

static void on_msg(const char *from, int kind, act_reader_t *r) {
  act_aid_t id;
  uint64_t ask = 0;
  if (!act__get_aid(r, &id) || (kind == RK_ASK && !act__get_u64(r, &ask))) {
    act__log_drop(from, "a message", r->err);
    return;
  }
  act_msg_t *m = act__env_get_msg(from, r, ask);
  if (m == NULL) return;
  act_actor_t *to = act__exported(id);
  if (m->future) m->future->target = to;
  if (to == NULL) {
    if (ask) {
      char why[200];
      snprintf(why, sizeof why, "ask %s to actor failed: the target is gone", m->type->name);
      act__refuse_ask(from, ask, why);
    }
    return;
  }
  /* Stamped before the send: the handler may answer before it returns. */
  if (ask) ACT_TRACE(ACT_TR_QUEUED);
  /* An ask may run its target on this thread (on_message): through the
   * loop's context, the target lands in its `next`. A tell goes to the
   * workers: a stream of them is read faster than it is handled. */
  act_send(ask ? arrival_cx : NULL, to, m);
}

static void on_reply(const char *from, act_reader_t *r) {
  uint64_t ask;
  uint8_t ok;
  if (!act__get_u64(r, &ask) || !act__get_u8(r, &ok)) {
    act__log_drop(from, "a reply", r->err);
    return;
  }
  pthread_mutex_lock(&act__lang_mu);
  pending_ask_t *pa = act__idmap_get(&asks, ask, 0);
  if (pa && strcmp(pa->node->data, from) == 0) act__idmap_del(&asks, ask, 0);
  else pa = NULL;
  pthread_mutex_unlock(&act__lang_mu);
  if (pa == NULL) return;   /* failed already: its node was lost meanwhile */
  if (!ok) {
    act_str_t *why;
    if (!act__get_str(r, &why)) why = act_str_from_cstr("ask failed on the other node");
    act__fail_future_reason(NULL, pa->f, pa->asker, why);
    return;
  }
  act_msg_t *m = pa->reply ? act_alloc(pa->reply->type.size) : NULL;
  if (m == NULL || !act__wire_decode(r, pa->reply->body, m)) {
    act__log_drop(from, "a reply", r->err);
    act__fail_future(NULL, pa->f, pa->asker, "failed: its reply could not be decoded");
    return;
  }
  m->type = &pa->reply->type;
  ACT_TRACE(ACT_TR_REPLIED);   /* before: the asker may run before it returns */
  act__deliver_reply(arrival_cx, pa->f, pa->asker, m);
}

static void on_kind(const char *from, const uint8_t *p, size_t n);

/* Where an ask's time went with every worker asleep when it arrived: the
 * loop thread queued its target and woke a worker, whose vCPU had halted
 * (10-35 us in our VMs), on each node (docs/cluster.md, "Measured"). So
 * the thread that read an ask or a reply runs its idle target itself
 * when no worker is awake to take it at once: off the loop, which the
 * node's other loop thread runs meanwhile (baton.c), so a handler that
 * runs long, blocks or exits holds back no heartbeat. Not for a virtual
 * activation (its lease's gate and its shard's lock tell the loop's
 * threads from workers) nor a persistent actor (its journal's calls);
 * they go to the workers as before. */
static act_worker_t *loop_worker(void) {
  if (arrivals == NULL) {
    /* The collector scans it: its message pools hold messages. */
    arrivals = GC_MALLOC_UNCOLLECTABLE(sizeof *arrivals);
    memset(arrivals, 0, sizeof *arrivals);
    arrivals->outside = 1;
    arrivals->helping = 1;   /* its sends never run other actors here */
    arrivals->cx.worker = arrivals;
  }
  return arrivals;
}

static int runs_here(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  return (rt == NULL || (rt->vnode == NULL && rt->persist == NULL)) && act__all_asleep();
}

/* Only this thread touches w: a plain look first (every tell passes). */
static act_actor_t *take_next(act_worker_t *w) {
  return atomic_load_explicit(&w->next, memory_order_relaxed)
             ? atomic_exchange_explicit(&w->next, NULL, memory_order_relaxed)
             : NULL;
}

static void to_workers(act_worker_t *w) {
  act_actor_t *a = take_next(w);
  if (a) act__schedule_inject(a);
  while ((a = act__q_pop(&w->q))) act__schedule_inject(a);
}

static void on_message(void *arg, const char *from, const uint8_t *p, size_t n) {
  (void)arg;
  act_worker_t *w = loop_worker();
  act_ctx_t cx = {.worker = w};
  arrival_cx = &cx;
  on_kind(from, p, n);
  arrival_cx = NULL;
  act_actor_t *a = take_next(w);
  if (a) {
    if (to_run == NULL && runs_here(a) && act__cluster_yield()) {
      act__outside_run(1);   /* out of every queue, not yet run: not quiet */
      to_run = a;
    } else {
      act__schedule_inject(a);
    }
  }
  to_workers(w);
}

/* The loop was handed over (baton.c): run the arrival, then give the
 * workers what it woke. */
static void run_arrival(void) {
  act_actor_t *a = to_run;
  if (a == NULL) return;
  to_run = NULL;
  act_worker_t *w = loop_worker();
  act__outside_set(w);
  act__run_actor(w, a);
  act__outside_set(NULL);
  to_workers(w);
  act__outside_run(-1);
}

static void on_kind(const char *from, const uint8_t *p, size_t n) {
  act_reader_t r = act_reader(p, n);
  uint8_t kind;
  act_aid_t id;
  act_str_t *reason;
  if (!act__get_u8(&r, &kind)) return;
  switch (kind) {
  case RK_TELL: case RK_ASK: on_msg(from, kind, &r); return;
  case RK_VMSG: case RK_VSTALE: act__virtual_arrived(from, kind, p, n); return;
  case RK_REPLY: on_reply(from, &r); return;
  case RK_SPAWN: act__on_spawn(from, &r); return;
  case RK_FAILED: case RK_HELD: case RK_RESTART: case RK_HOLD: act__on_child(from, kind, &r); return;
  case RK_STOP: act__on_stop(from, &r); return;
  case RK_MONITOR: {
    if (!act__get_aid(&r, &id)) return;
    act_actor_t *a = act__exported(id);
    act_proxy_t *watcher = act__node_proxy(from, act_cluster_incarnation(from));
    if (a) {
      act_ctx_t as_node = {.self = &watcher->base};   /* the node watches, for its actors */
      act_monitor(&as_node, a);
    } else {
      act_buf_t b;
      act__env_begin(&b);
      act__put_u8(&b, RK_DOWN);
      act__put_aid(&b, id);
      act__put_cstr(&b, "normal");
      act__send_env(from, &b);
    }
    return;
  }
  case RK_DOWN: {
    if (!act__get_aid(&r, &id) || !act__get_str(&r, &reason)) {
      act__log_drop(from, "a Down", r.err);
      return;
    }
    act_proxy_t *p = act__proxy_of(id);
    if (p && strcmp(p->node->data, from) == 0) act__proxy_ended(p, reason, 0);
    return;
  }
  default:
    if (kind >= RK_CLAIM && kind <= RK_HERE) act__on_names(from, kind, &r);
    else act__log_drop(from, "a message", "unknown kind");
    return;
  }
}

/* ---- a node is lost or left ----------------------------------------------- */

typedef struct sweep {
  const char *node;
  uint64_t cur;
  void **found;
  size_t n, cap;
} sweep_t;

static void collect(sweep_t *s, void *v) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    void **p = act_alloc(s->cap * sizeof *p);
    if (s->n) memcpy(p, s->found, s->n * sizeof *p);
    s->found = p;
  }
  s->found[s->n++] = v;
}

static void proxy_of_node(void *arg, void *v) {
  sweep_t *s = arg;
  act_proxy_t *p = v;
  if (strcmp(p->node->data, s->node) == 0 && p->inc != s->cur && !(p->base.flags & AF_DEAD))
    collect(s, p);
}

static void ask_of_node(void *arg, void *v) {
  sweep_t *s = arg;
  pending_ask_t *pa = v;
  if (strcmp(pa->node->data, s->node) == 0) collect(s, pa);
}

static void on_change(void *arg, const char *node, int up, const char *reason) {
  (void)arg;
  if (up) return;
  int left = strcmp(reason, "left") == 0;
  sweep_t ps = {node, act_cluster_incarnation(node), NULL, 0, 0};
  sweep_t as = {node, 0, NULL, 0, 0};
  pthread_mutex_lock(&act__lang_mu);
  act__idmap_each(&proxies, (void (*)(void *, void *))proxy_of_node, &ps);
  act__idmap_each(&asks, (void (*)(void *, void *))ask_of_node, &as);
  for (size_t i = 0; i < as.n; i++) act__idmap_del(&asks, ((pending_ask_t *)as.found[i])->id, 0);
  pthread_mutex_unlock(&act__lang_mu);
  act_str_t *why = left ? act_str_from_cstr("node left") : act__unreachable();
  for (size_t i = 0; i < ps.n; i++) act__proxy_ended(ps.found[i], why, 1);
  for (size_t i = 0; i < as.n; i++) {
    pending_ask_t *pa = as.found[i];
    act__fail_future(NULL, pa->f, pa->asker, left ? "failed: its node left" : "unreachable");
  }
  act__names_node_down(node);
  act__guests_node_down(node);
}

void act__remote_init(void) {
  act__cluster_default_hooks(on_change, on_message, NULL);
  act__baton_on_released(run_arrival);
  act_cluster_on_sent(on_sent);
}

int act__remote_holds(void) { return act_cluster_running() && !act__stop_queued(); }
