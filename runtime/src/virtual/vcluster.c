/* vcluster.c: virtual actors across nodes (LANGUAGE.md §10; docs/cluster.md,
 * "Virtual actors across nodes").
 *
 * A key belongs to one of ACT_VSHARDS shards (its hash, the same on every
 * node); a shard belongs to the node whose claim the coordination store
 * granted, at an epoch the store raises whenever the shard changes hands.
 * Each node keeps what it learnt of each shard here: nothing yet, a claim
 * in flight, "mine at epoch E", "node N's at epoch E", or "mine, being
 * handed off". Ownership comes only from the store: a node activates a
 * key only in a shard the store gave it, and holds it while its
 * membership lease lives (lease.c fences the whole process before the
 * lease can lapse, so it never outlives it) or until it hands it off.
 *
 * Spreading. Every lease / 10 the node reads the store's live members
 * (nodestore.c); those it is connected to, and itself, are the candidates,
 * and each shard's target is the candidate with the highest rendezvous
 * score (a hash of its name and the shard), so nodes that read the same
 * members compute the same targets, and a member that joins or leaves
 * moves only the shards whose best candidate it is or was. A claim is made
 * for the shard's target, not for the sender: the store grants a free
 * shard to whoever the claim names, if that one is a live member. The
 * target learns that it owns the shard from the first message that
 * carries the new epoch: it asks the store, which confirms it, while the
 * message waits.
 *
 * Handoff. An owner that finds a shard's target is another node stops
 * taking the shard's mail (it waits here, in order: its own sends and what
 * other nodes forward) and has its activations passivated (virtual.c
 * drains the shard: each stops when it has run what was queued to it and
 * what it persisted is durable). Once none is left it releases the shard
 * in the store and claims it for the target in the same ordered stream of
 * calls (epoch + 1). What waited then goes on: its own sends to the new
 * owner, what others forwarded back to them as stale, so they resend it
 * to the new owner themselves (the asks they track stay theirs). A drain
 * that does not end within two leases (an activation awaiting mail that
 * waits behind the handoff) is abandoned: the shard is taken up again
 * here, and the next members read tries anew.
 *
 * A send to another node's shard travels as RK_VMSG with the epoch the
 * sender believes in. The receiver takes it only if it owns the shard at
 * exactly that epoch; otherwise it sends the whole envelope back as
 * RK_VSTALE and the sender asks the store again and resends, so a message
 * is never run by a node the store no longer names. Mail for a shard whose
 * owner is not known yet waits here, in order, until the store answers.
 * Asks cross like remote asks (remote.c tracks them); one that is resent
 * to another node is moved to it, and one that comes back to a shard that
 * turned out to be this node's is answered here.
 *
 * Locks: a shard's mutex, then the registry's (virtual.c), then remote.c's.
 * Sends to other nodes are made under the shard's mutex, so the mail of a
 * shard leaves in the order it was given. */
#define GC_THREADS
#include <gc/gc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act/cluster.h"
#include "actor/actor.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"
#include "virtual/virtual_int.h"

enum { S_NONE, S_ASKING, S_MINE, S_THEIRS, S_DRAINING };

/* Mail waiting for its shard's owner: a message not sent yet (m, with its
 * envelope encoded), an envelope of this node's that came back stale (m
 * and from NULL), or one another node forwarded here while the shard was
 * being handed off or confirmed (from: that node). */
typedef struct wait {
  struct wait *next;
  const char *from;
  act_msg_t *m;
  const act_remote_msg_t *rm;
  act_vreg_t *reg;
  uint64_t hash;
  act_vkey_t key;
  char *env;
  int64_t len;
} wait_t;

typedef struct cshard {
  pthread_mutex_t mu;
  int state;
  uint64_t epoch;
  char owner[ACT_NAME_MAX + 1];
  uint64_t owner_inc;
  int64_t drain_since;   /* S_DRAINING: when it began (ns) */
  wait_t *head, *tail;
  /* Order across a move (docs/cluster.md, "Order across a handoff"): the
   * node this one last forwarded the shard's mail to, at which epoch, and
   * that envelope (its head makes the probe). Before mail goes anywhere
   * else, a probe goes there and comes back refused behind everything sent
   * before it (what was refused included); the answer that names the new
   * owner waits (pend_*) until it is back. */
  char sent_to[ACT_NAME_MAX + 1];
  uint64_t sent_inc, sent_epoch;
  const char *sent_env;
  int64_t sent_len;
  int probing;           /* a probe is out */
  uint64_t probe_seq;    /* its number (in its ask field), so a late one is known */
  int64_t probe_since;   /* ns */
  int pend, pend_mine;
  char pend_owner[ACT_NAME_MAX + 1];
  uint64_t pend_inc, pend_epoch;
} cshard_t;

static cshard_t shards[ACT_VSHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;

static void shards_init(void) {
  for (int i = 0; i < ACT_VSHARDS; i++) pthread_mutex_init(&shards[i].mu, NULL);
}

/* The envelope's fixed head: kind, then the epoch and the ask id as the
 * codec's 8-byte u64s, so both can be filled in when it is (re)sent; then
 * the type's name, a tag byte and the key. The tag says what the key is
 * and whether the envelope is a `stop` of the key (no message follows). */
#define ENV_EPOCH 1
#define ENV_ASK 9
#define TAG_STR 1
#define TAG_STOP 2
#define TAG_PROBE 4   /* no message: refused back to its sender, in order (see sent_to) */

static void on_claimed(uint32_t shard, const act_coord_result_t *r);
static void refuse(const char *from, const uint8_t *p, size_t n);
static void deliver_in(const char *from, act_reader_t *r, const act_virtual_type_t *vt, uint64_t h,
                       const act_vkey_t *k, uint64_t epoch, uint64_t ask, bool stop);
static bool read_head(act_reader_t *r, uint64_t *epoch, uint64_t *ask, const act_virtual_type_t **vt,
                      act_vkey_t *k, int *flags);

/* ---- sending ---------------------------------------------------------------- */

/* Under c->mu, c's owner known to be another node: off it goes. An owner
 * that is not connected (gone, or leaving), or a failed send, makes the
 * shard unknown again and the mail waits for the store's next answer:
 * the same owner until its lease lapses, then a new one. */
static void push_wait(cshard_t *c, wait_t *w);

static void forward(cshard_t *c, uint32_t shard, wait_t *w) {
  act_buf_t b = {.p = w->env, .len = w->len, .cap = w->len};
  act__patch_u64(w->env + ENV_EPOCH, c->epoch);
  uint64_t ask = 0;
  act_reader_t r = act_reader((const uint8_t *)w->env + ENV_ASK, 8);
  act__get_u64(&r, &ask);
  if (w->m && w->m->future && ask == 0) {   /* first time out: track the ask */
    ask = act__ask_new(w->m, w->rm, act__node_value(c->owner));
    act__patch_u64(w->env + ENV_ASK, ask);
  } else if (ask && !act__ask_moved(ask, c->owner)) {
    return;   /* the ask failed meanwhile (timed out): nobody waits for it */
  }
  w->m = NULL;   /* from now on the envelope is the message */
  if (act_cluster_incarnation(c->owner) != c->owner_inc || act__send_env_from(NULL, c->owner, &b) != 0) {
    c->state = S_ASKING;
    push_wait(c, w);
    act__shard_claim(shard, on_claimed, 1);
    return;
  }
  if (c->sent_to[0] == 0 || c->sent_inc != c->owner_inc || c->sent_epoch != c->epoch) {
    snprintf(c->sent_to, sizeof c->sent_to, "%s", c->owner);   /* once per owner and epoch */
    c->sent_inc = c->owner_inc;
    c->sent_epoch = c->epoch;
  }
  c->sent_env = w->env;
  c->sent_len = w->len;
}

static void push_wait(cshard_t *c, wait_t *w) {
  w->next = NULL;
  if (c->tail) c->tail->next = w;
  else c->head = w;
  c->tail = w;
}

/* Under c->mu, the shard being this node's: an envelope that came back
 * is delivered here, as if it had arrived. */
static void deliver_env(uint64_t epoch, wait_t *w) {
  act_reader_t r = act_reader((const uint8_t *)w->env, (size_t)w->len);
  uint64_t e, ask;
  const act_virtual_type_t *vt;
  act_vkey_t k;
  int flags;
  /* Encoded here (no probe waits here): cannot fail. */
  if (!read_head(&r, &e, &ask, &vt, &k, &flags) || (flags & TAG_PROBE)) return;
  if (flags & TAG_STOP) {
    act__vlocal_stop(NULL, w->reg, w->hash, &w->key);
    return;
  }
  act_future_t *f = NULL;
  act_actor_t *asker = NULL;
  if (ask && !act__ask_take(ask, &f, &asker)) return;   /* failed meanwhile */
  const char *me = act_cluster_self(NULL);
  act_msg_t *m = act__env_get_msg(me ? me : "local", &r, 0);
  if (m == NULL) return;
  if (f) m->future = f, m->sender = asker;
  act__vlocal_send(NULL, w->reg, w->hash, &w->key, epoch, m);
}

/* Under c->mu, on the loop: an envelope another node forwarded goes to
 * the activation here (the shard being this node's), or back to that
 * node as stale, so that it resends it where the store now says. */
static void settle_in(cshard_t *c, wait_t *w) {
  act_reader_t r = act_reader((const uint8_t *)w->env, (size_t)w->len);
  uint64_t epoch, ask;
  const act_virtual_type_t *vt;
  act_vkey_t k;
  int flags;
  if (!read_head(&r, &epoch, &ask, &vt, &k, &flags)) return;   /* read once already: cannot happen */
  if (c->state != S_MINE || (flags & TAG_PROBE)) {   /* a probe always goes back, behind the rest */
    refuse(w->from, (const uint8_t *)w->env, (size_t)w->len);
    return;
  }
  deliver_in(w->from, &r, vt, w->hash, &k, c->epoch, ask, flags & TAG_STOP);
}

static int lease_held(void);

/* Under c->mu: what waited goes now that the owner is known. A shard of
 * this node's takes it only under the lease: past its guard it stays, in
 * order, until the lease is back (mine_now) or the fence ends the process. */
static void flush(cshard_t *c, uint32_t shard) {
  if (c->state == S_MINE && !lease_held()) return;
  wait_t *w = c->head;
  c->head = c->tail = NULL;
  while (w) {
    wait_t *next = w->next;
    if (w->from && (c->state == S_MINE || c->state == S_THEIRS)) {
      settle_in(c, w);
    } else if (c->state == S_MINE) {
      if (w->m) act__vlocal_send(NULL, w->reg, w->hash, &w->key, c->epoch, w->m);
      else deliver_env(c->epoch, w);
    } else if (c->state == S_THEIRS) {
      forward(c, shard, w);
    } else {
      push_wait(c, w);   /* a send failed: the rest waits too, in order */
    }
    w = next;
  }
}

static int is_self(const act_coord_owner_t *o) {
  uint64_t inc;
  const char *me = act_cluster_self(&inc);
  return me && o->incarnation == inc && strcmp(o->node, me) == 0;
}

/* Under c->mu: a probe to the node this shard's mail last went to (its
 * head is that envelope's, tagged TAG_PROBE). 0 if it cannot go (the node
 * is gone: what was sent there is lost or comes back on its own). */
static int send_probe(cshard_t *c) {
  if (c->probing) return 1;
  if (c->sent_to[0] == 0 || act_cluster_incarnation(c->sent_to) != c->sent_inc) return 0;
  act_reader_t r = act_reader((const uint8_t *)c->sent_env, (size_t)c->sent_len);
  uint8_t kind, tag;
  uint64_t u;
  act_str_t *type;
  if (!act__get_u8(&r, &kind) || !act__get_u64(&r, &u) || !act__get_u64(&r, &u) || !act__get_str(&r, &type))
    return 0;
  size_t at = (size_t)(r.p - (const uint8_t *)c->sent_env);   /* the tag */
  act_vkey_t k;
  if (!act__get_u8(&r, &tag) || !((tag & TAG_STR) ? act__get_str(&r, &k.s) : act_decode(&r, &act_type_i64, &k.i)))
    return 0;
  act_buf_t b;
  act__env_begin(&b);
  act_buf_put(&b, c->sent_env, (int64_t)(r.p - (const uint8_t *)c->sent_env));
  b.p[at] = (char)((tag & TAG_STR) | TAG_PROBE);
  act__patch_u64(b.p + ENV_ASK, ++c->probe_seq);
  if (act__send_env_from(NULL, c->sent_to, &b) != 0) return 0;
  c->probing = 1;
  c->probe_since = act_now();
  return 1;
}

/* Under c->mu: the shard's owner is known (this node, or owner/inc), at
 * epoch; what waited goes there. Unless mail went elsewhere before: then
 * a probe goes there first and this waits, in pend, for it to come back
 * (an envelope refused after this node had sent what waited to the new
 * owner used to be resent behind it). */
static void settle_owner(cshard_t *c, uint32_t shard, int mine, const char *owner, uint64_t inc, uint64_t epoch) {
  int moved = c->sent_to[0] && (mine || strcmp(c->sent_to, owner) != 0 || c->sent_inc != inc || c->sent_epoch != epoch);
  if (moved && send_probe(c)) {
    c->pend = 1;
    c->pend_mine = mine;
    snprintf(c->pend_owner, sizeof c->pend_owner, "%s", mine ? "" : owner);
    c->pend_inc = inc;
    c->pend_epoch = epoch;
    return;
  }
  if (moved) c->sent_to[0] = 0;   /* gone: nothing more comes back from it */
  c->epoch = epoch;
  if (mine) {
    c->state = S_MINE;
    act__vclaim_log(shard, epoch);
  } else {
    c->state = S_THEIRS;
    snprintf(c->owner, sizeof c->owner, "%s", owner);
    c->owner_inc = inc;
  }
  flush(c, shard);
}

/* Under c->mu: the probes are back (or given up): the answer that waited. */
static void probes_done(cshard_t *c, uint32_t shard) {
  c->probing = 0;
  c->sent_to[0] = 0;
  if (!c->pend || c->state != S_ASKING) return;
  c->pend = 0;
  settle_owner(c, shard, c->pend_mine, c->pend_owner, c->pend_inc, c->pend_epoch);
}

static void on_claimed(uint32_t shard, const act_coord_result_t *r) {
  cshard_t *c = &shards[shard];
  pthread_mutex_lock(&c->mu);
  /* An answer from before a handoff would give back the epoch being
   * released; the claim sent after the release answers instead. */
  if (c->state == S_ASKING && !act__shard_answer_stale(shard) &&
      (r->status == ACT_COORD_OK || r->status == ACT_COORD_TAKEN)) {
    /* OK names whom the claim was for; TAKEN the holder; either may be
     * this node (a claim for another target that found it here). */
    settle_owner(c, shard, is_self(&r->owner), r->owner.node, r->owner.incarnation, r->epoch);
  }
  pthread_mutex_unlock(&c->mu);
}

/* Under c->mu, the shard not (known to be) this node's: w goes to its
 * owner, behind what already waits, or waits for the store's answer to a
 * claim (`later`: the claim after lease / 10, the owner having refused). */
static void route(cshard_t *c, uint32_t shard, wait_t *w, int later) {
  /* (S_MINE here: past the lease on a thread that never waits; lock_mine.) */
  if (c->state == S_THEIRS && c->head == NULL) {
    forward(c, shard, w);
    return;
  }
  push_wait(c, w);
  if (c->state == S_NONE) {
    c->state = S_ASKING;
    act__shard_claim(shard, on_claimed, later);
  }
}

static void encode_head(act_buf_t *b, int kind, const act_virtual_type_t *vt, const act_vkey_t *k, bool stop) {
  act__put_u8(b, (uint8_t)kind);
  act__put_u64(b, 0);   /* epoch */
  act__put_u64(b, 0);   /* ask */
  act__put_cstr(b, vt->type->name);
  act__put_u8(b, (uint8_t)((k->s != NULL ? TAG_STR : 0) | (stop ? TAG_STOP : 0)));
  if (k->s) act_encode(b, &act_type_string, &k->s);
  else act_encode(b, &act_type_i64, &k->i);
}

/* Mail for key v, encoded in b, as it waits for its shard's owner. */
static wait_t *waiting(const vref_t *v, const act_buf_t *b) {
  wait_t *w = act_alloc(sizeof *w);
  w->reg = v->reg;
  w->hash = v->hash;
  w->key = v->key;
  w->env = act_alloc_atomic((size_t)b->len);
  memcpy(w->env, b->p, (size_t)b->len);
  w->len = b->len;
  return w;
}

static void hold_lease(void);

/* Under c->mu, the shard this node's: whether it may take mail now (the
 * lease outlasts its guard on this thread's clock). Mail held while it
 * could not goes first, in order. */
static int mine_now(cshard_t *c) {
  if (!lease_held()) return 0;
  if (c->head) flush(c, (uint32_t)(c - shards));
  return 1;
}

/* Locks c->mu; true when the shard is this node's and the lease lets it
 * take mail now. A process paused past its lease (SIGSTOP) woke up with
 * its shards still "mine" and its actors' sends started activations at
 * the old epoch before the loop's fence ran (jepsen pause under TSan: a
 * key of n3 activated at epoch 1 a millisecond before n3's fence, after
 * n2 had it at 2). A worker waits, unlocked, as an activation's mail does
 * (act__vlease_wait), for a renewal or the fence. Any other thread never
 * waits: false, with the shard still S_MINE, and the caller holds the
 * mail in the shard (mine_now sends it on). Above all the cluster's loop,
 * which reaches here with mail from another node to a virtual reference
 * this node exported (remote.c's on_msg: act_send to the reference): the
 * renewal and the fence that would end the wait run on that loop, so it
 * would wait forever (virtual_midrun, vref). */
static int lock_mine(cshard_t *c) {
  pthread_mutex_lock(&c->mu);
  for (;;) {
    if (c->state != S_MINE) return 0;
    if (mine_now(c)) return 1;
    if (act__current_worker() == NULL) {
      static atomic_flag said = ATOMIC_FLAG_INIT;
      if (!atomic_flag_test_and_set(&said))
        act__logf("act: cluster: mail for a key of shard %u held on a thread that cannot wait for "
                  "the lease (past its guard) until a renewal, or the fence\n", (unsigned)(c - shards));
      return 0;
    }
    pthread_mutex_unlock(&c->mu);
    hold_lease();
    pthread_mutex_lock(&c->mu);
  }
}

void act__vcluster_send(act_ctx_t *cx, vref_t *v, act_msg_t *m) {
  pthread_once(&shards_once, shards_init);
  uint32_t shard = (uint32_t)(v->hash & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  if (lock_mine(c)) {   /* under the lock: a handoff may begin at any time */
    act__vlocal_send(cx, v->reg, v->hash, &v->key, c->epoch, m);
    pthread_mutex_unlock(&c->mu);
    return;
  }
  pthread_mutex_unlock(&c->mu);
  /* Encoded outside the lock: a message that cannot cross faults here. */
  act_buf_t b;
  act__env_begin(&b);
  encode_head(&b, RK_VMSG, act__vreg_type(v->reg), &v->key, false);
  const act_remote_msg_t *rm;
  if (!act__env_put_msg(cx, &b, m, &rm)) return;
  wait_t *w = waiting(v, &b);
  w->m = m;
  w->rm = rm;
  if (lock_mine(c)) act__vlocal_send(cx, v->reg, v->hash, &v->key, c->epoch, m);
  else route(c, shard, w, 0);
  pthread_mutex_unlock(&c->mu);
}

/* `stop(Cart[k])`: on the key's owner, behind what this node sent the key
 * before it, like a message with no body, and under the same checks: here
 * only under the lease (lock_mine; the activation's `on stop` is gated
 * too, dispatch.c), and a shard that is another node's, being handed off
 * or not known takes the stop where its mail goes. */
void act__vcluster_stop(act_ctx_t *cx, vref_t *v) {
  pthread_once(&shards_once, shards_init);
  uint32_t shard = (uint32_t)(v->hash & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  act_buf_t b;
  act__env_begin(&b);
  encode_head(&b, RK_VMSG, act__vreg_type(v->reg), &v->key, true);
  wait_t *w = waiting(v, &b);
  if (lock_mine(c)) act__vlocal_stop(cx, v->reg, v->hash, &v->key);
  else route(c, shard, w, 0);
  pthread_mutex_unlock(&c->mu);
}

/* ---- what arrives (on the cluster's loop thread) ---------------------------- */

static void refuse(const char *from, const uint8_t *p, size_t n) {
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_VSTALE);
  act_buf_put(&b, (const char *)p, (int64_t)n);
  act__send_env(from, &b);
}

/* The head of an RK_VMSG: false if malformed (r->err says why); flags:
 * TAG_STOP, TAG_PROBE or neither. */
static bool read_head(act_reader_t *r, uint64_t *epoch, uint64_t *ask, const act_virtual_type_t **vt,
                      act_vkey_t *k, int *flags) {
  uint8_t kind, tag;
  act_str_t *type;
  memset(k, 0, sizeof *k);
  if (!act__get_u8(r, &kind) || !act__get_u64(r, epoch) || !act__get_u64(r, ask) ||
      !act__get_str(r, &type) || !act__get_u8(r, &tag))
    return false;
  if (kind != RK_VMSG || tag > (TAG_STR | TAG_STOP | TAG_PROBE) || (tag & (TAG_STOP | TAG_PROBE)) == (TAG_STOP | TAG_PROBE)) {
    r->err = "not a message to a virtual actor";
    return false;
  }
  *flags = tag & (TAG_STOP | TAG_PROBE);
  if (!((tag & TAG_STR) ? act__get_str(r, &k->s) : act_decode(r, &act_type_i64, &k->i))) return false;
  *vt = act__vtype_by_name(type->data, (size_t)type->len);
  if (*vt == NULL) {
    r->err = "no virtual actor type of that name";
    return false;
  }
  return true;
}

/* Under c->mu: an envelope from another node, r past its head, to the
 * activation of its key here. */
static void deliver_in(const char *from, act_reader_t *r, const act_virtual_type_t *vt, uint64_t h,
                       const act_vkey_t *k, uint64_t epoch, uint64_t ask, bool stop) {
  if (stop) {
    act__vlocal_stop(NULL, act__vreg_of(vt), h, k);
    return;
  }
  act_msg_t *m = act__env_get_msg(from, r, ask);
  if (m) act__vlocal_send(NULL, act__vreg_of(vt), h, k, epoch, m);
}

/* Under c->mu: an envelope from another node waits here, whole. */
static void hold_in(cshard_t *c, const char *from, uint64_t h, const uint8_t *p, size_t n) {
  wait_t *w = act_alloc(sizeof *w);
  size_t fl = strlen(from) + 1;
  char *f = act_alloc_atomic(fl);
  memcpy(f, from, fl);
  w->from = f;
  w->hash = h;
  w->env = act_alloc_atomic(n);
  memcpy(w->env, p, n);
  w->len = (int64_t)n;
  push_wait(c, w);
}

static void on_vmsg(const char *from, const uint8_t *p, size_t n) {
  act_reader_t r = act_reader(p, n);
  uint64_t epoch, ask;
  const act_virtual_type_t *vt;
  act_vkey_t k;
  int flags;
  if (!read_head(&r, &epoch, &ask, &vt, &k, &flags)) {
    act__log_drop(from, "a message to a virtual actor", r.err);
    return;
  }
  uint64_t h = act__vkey_hash(&k);
  uint32_t shard = (uint32_t)(h & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  /* A stopping node activates nothing more: its shards go with its lease;
   * nor does one whose lease is about to end (paused past it, say). */
  int live = !act__stop_signal() && !atomic_load(&act__vclosed) && act__shard_lease_ok();
  pthread_mutex_lock(&c->mu);
  if (flags & TAG_PROBE) {
    /* Back to its sender behind everything of the shard's this node
     * holds (refused in order when the store answers), else at once. */
    int held = 0;
    for (wait_t *q = c->head; q && !held; q = q->next) held = q->from != NULL;
    if (held) hold_in(c, from, h, p, n);
    else refuse(from, p, n);
  } else if (live && c->state == S_MINE && c->epoch == epoch && mine_now(c)) {
    deliver_in(from, &r, vt, h, &k, epoch, ask, flags & TAG_STOP);   /* under the lock: no handoff meanwhile */
  } else if (live && c->state == S_DRAINING && c->epoch == epoch) {
    hold_in(c, from, h, p, n);   /* settled when the handoff is */
  } else if (live && c->state == S_ASKING && c->head != NULL) {
    /* Envelopes this node held while it handed the shard off wait for the
     * claim's answer, to be refused then (settle_in): a later one refused
     * now would reach its sender first, and be resent first (virtual_move
     * saw tells counted out of their sender's order). */
    hold_in(c, from, h, p, n);
  } else if (live && epoch > c->epoch && c->state != S_MINE && c->state != S_DRAINING) {
    /* The sender knows of an epoch this node has not seen: most likely a
     * claim made for it by another node. The store says. */
    hold_in(c, from, h, p, n);
    if (c->state != S_ASKING) {
      c->state = S_ASKING;
      act__shard_claim(shard, on_claimed, 0);
    }
  } else {
    refuse(from, p, n);
  }
  pthread_mutex_unlock(&c->mu);
}

static void on_stale(const char *from, const uint8_t *p, size_t n) {
  act_reader_t r = act_reader(p, n);
  uint64_t epoch, ask;
  const act_virtual_type_t *vt;
  act_vkey_t k;
  int flags;
  if (!read_head(&r, &epoch, &ask, &vt, &k, &flags)) {
    act__log_drop(from, "a refused message to a virtual actor", r.err);
    return;
  }
  wait_t *w = act_alloc(sizeof *w);
  w->reg = act__vreg_of(vt);
  w->hash = act__vkey_hash(&k);
  w->key = k;
  w->env = act_alloc_atomic(n);
  memcpy(w->env, p, n);
  w->len = (int64_t)n;
  uint32_t shard = (uint32_t)(w->hash & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  w->from = NULL;
  pthread_mutex_lock(&c->mu);
  if (flags & TAG_PROBE) {   /* everything sent there before it is back (or was taken) */
    if (c->probing && ask == c->probe_seq && strcmp(from, c->sent_to) == 0) probes_done(c, shard);
    pthread_mutex_unlock(&c->mu);
    return;
  }
  /* What this node believed when it sent is wrong: ask the store again
   * (unless an answer newer than that belief came meanwhile). */
  if (c->state == S_THEIRS && c->epoch <= epoch && strcmp(c->owner, from) == 0) c->state = S_NONE;
  /* More may still come back from there: the probe goes now, so it is
   * usually back before the store answers. */
  if (c->state != S_MINE && c->state != S_THEIRS && c->sent_to[0] && strcmp(c->sent_to, from) == 0)
    send_probe(c);
  if (c->state == S_MINE && mine_now(c)) {
    deliver_env(c->epoch, w);
  } else if (c->state == S_THEIRS && c->head == NULL) {
    forward(c, shard, w);
  } else {
    /* It was sent before any of this node's own mail that waits: it goes
     * ahead of that, behind what came back before it. */
    wait_t **at = &c->head;
    while (*at && !((*at)->m && (*at)->from == NULL)) at = &(*at)->next;
    w->next = *at;
    *at = w;
    if (w->next == NULL) c->tail = w;
    if (c->state == S_NONE) {
      c->state = S_ASKING;
      act__shard_claim(shard, on_claimed, 1);
    }
  }
  pthread_mutex_unlock(&c->mu);
}

void act__virtual_arrived(const char *from, int kind, const uint8_t *p, size_t n) {
  pthread_once(&shards_once, shards_init);
  if (kind == RK_VMSG) on_vmsg(from, p, n);
  else if (n > 1) on_stale(from, p + 1, n - 1);
}

/* ---- spreading and handoff (the members read on the loop thread) ------------ */

typedef struct cand {
  char node[ACT_NAME_MAX + 1];
  uint64_t inc;
  uint64_t seed;   /* a hash of the name: the same on every node */
} cand_t;

/* The candidates of the last members read; the loop thread's alone. */
static cand_t *cands;
static size_t ncands, capcands;
/* Those of the read before, to see who left. */
static cand_t *was;
static size_t nwas, capwas;

static uint64_t mix64(uint64_t h) {
  h ^= h >> 33; h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

static uint64_t name_seed(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a, then mixed */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return mix64(h);
}

/* Rendezvous: the candidate that scores highest for the shard (ties, which
 * need equal 64-bit scores, to the smaller name); NULL without any. */
static const cand_t *target_of(uint32_t shard) {
  const cand_t *best = NULL;
  uint64_t top = 0;
  for (size_t i = 0; i < ncands; i++) {
    uint64_t sc = mix64(cands[i].seed ^ ((uint64_t)shard + 1) * 0x9e3779b97f4a7c15ull);
    if (best == NULL || sc > top || (sc == top && strcmp(cands[i].node, best->node) < 0))
      best = &cands[i], top = sc;
  }
  return best;
}

void act__vshard_claimant(uint32_t shard, act_coord_owner_t *o) {
  const cand_t *t = shard < ACT_VSHARDS ? target_of(shard) : NULL;
  if (t == NULL) return;   /* no members read yet: for this node, as o says */
  snprintf(o->node, sizeof o->node, "%s", t->node);
  o->incarnation = t->inc;
}

/* Mail of key k encoded as this node's own sends, in order (NULL if none
 * can cross); *last its end. */
static wait_t *encode_mail(act_vreg_t *r, uint64_t h, const act_vkey_t *k, act_msg_t **q, int n, wait_t **last) {
  vref_t v = {.reg = r, .hash = h, .key = *k};
  wait_t *head = NULL;
  *last = NULL;
  for (int i = 0; i < n; i++) {
    act_buf_t b;
    act__env_begin(&b);
    encode_head(&b, RK_VMSG, act__vreg_type(r), k, false);
    const act_remote_msg_t *rm;
    if (!act__env_put_msg(NULL, &b, q[i], &rm)) {
      if (q[i]->future)
        act__fail_future(NULL, q[i]->future, q[i]->sender, "failed: its key was handed off and it cannot cross");
      continue;
    }
    wait_t *w = waiting(&v, &b);
    w->m = q[i];
    w->rm = rm;
    if (*last) (*last)->next = w;
    else head = w;
    *last = w;
  }
  return head;
}

/* Under c->mu, the shard not this node's (or its lease past its guard:
 * then they wait for mine_now): head..last go ahead of what waits, to the
 * owner once it is known. */
static void requeue_ahead(cshard_t *c, uint32_t shard, wait_t *head, wait_t *last) {
  last->next = c->head;
  if (c->head == NULL) c->tail = last;
  c->head = head;
  if (c->state == S_THEIRS) {
    flush(c, shard);   /* the owner is known already: on they go */
  } else if (c->state == S_NONE) {
    c->state = S_ASKING;
    act__shard_claim(shard, on_claimed, 0);
  }
}

/* virtual.c, on the worker of an activation a handoff deactivated: the
 * mail that was queued to it goes first, in order, to whoever owns the
 * shard next. Encoded as this node's own sends: an ask keeps its future
 * (one from another node is answered there through remote.c as before).
 * A message that cannot cross (a runtime one) fails its ask. */
void act__vshard_requeue(act_vreg_t *r, uint64_t h, const act_vkey_t *k, act_msg_t **q, int n) {
  pthread_once(&shards_once, shards_init);
  uint32_t shard = (uint32_t)(h & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  wait_t *last, *head = encode_mail(r, h, k, q, n, &last);
  if (head == NULL) return;
  if (lock_mine(c)) {
    /* The handoff was given up meanwhile: the key activates here again. */
    for (wait_t *w = head; w; w = w->next) act__vlocal_send(NULL, r, h, k, c->epoch, w->m);
  } else {
    requeue_ahead(c, shard, head, last);
  }
  pthread_mutex_unlock(&c->mu);
}

/* virtual.c: activation a of key k ended with mail waiting for the next.
 * A restart is an activation like the first: only in a shard of this
 * node's and under the lease (lock_mine waits for it: a renewal, or the
 * fence, which ends the process), at the shard's epoch now. A shard being handed
 * off, or another node's, gets that mail back here, ahead of what came
 * later, to go where the shard goes (encoded under the lock, without a
 * context, so nothing faults: what cannot cross fails its ask). */
void act__vcluster_ended(act_ctx_t *cx, act_actor_t *a, act_vreg_t *r, uint64_t h, const act_vkey_t *k) {
  pthread_once(&shards_once, shards_init);
  uint32_t shard = (uint32_t)(h & (ACT_VSHARDS - 1));
  cshard_t *c = &shards[shard];
  act_vkey_t key = *k;   /* k is the registry entry's, which may leave */
  int mine = lock_mine(c);
  act_msg_t **q;
  int n = act__vended(cx, a, mine ? c->epoch : 0, &q);
  wait_t *last, *head = n ? encode_mail(r, h, &key, q, n, &last) : NULL;
  if (head && !mine) requeue_ahead(c, shard, head, last);
  /* Mine and still handed back: the activation was fenced (vfence.c),
   * the process is ending, and the mail ends with it. */
  pthread_mutex_unlock(&c->mu);
}

/* virtual.c, from its sweeper: the shard has no activation left here. */
void act__vshard_drained(uint32_t shard) {
  cshard_t *c = &shards[shard];
  pthread_mutex_lock(&c->mu);
  if (c->state == S_DRAINING) {
    c->state = S_ASKING;   /* its mail keeps waiting, for the claim's answer */
    if (act__shard_handoff(shard, on_claimed) != 0) {
      /* No store any more: this node is leaving, and its lease's end frees
       * the shard. What other nodes forwarded goes back to them now, to
       * reach the next owner; its own mail ends with it. */
      c->state = S_NONE;
      wait_t *w = c->head;
      c->head = c->tail = NULL;
      for (; w; w = w->next)
        if (w->from) refuse(w->from, (const uint8_t *)w->env, (size_t)w->len);
    }
  }
  pthread_mutex_unlock(&c->mu);
}

void act__vcluster_members(const act_coord_member_t *m, size_t n, int64_t lease_ms) {
  pthread_once(&shards_once, shards_init);
  uint64_t myinc;
  const char *me = act_cluster_self(&myinc);
  if (me == NULL) return;
  if (n > capcands) {
    cand_t *p = realloc(cands, n * sizeof *p);
    if (p == NULL) return;   /* the next read tries again */
    cands = p;
    capcands = n;
  }
  ncands = 0;
  int self_in = 0;
  for (size_t i = 0; i < n; i++) {
    int self = m[i].incarnation == myinc && strcmp(m[i].node, me) == 0;
    /* Only nodes mail can reach: one not connected yet gets nothing yet. */
    if (!self && act_cluster_incarnation(m[i].node) != m[i].incarnation) continue;
    self_in |= self;
    cand_t *c = &cands[ncands++];
    snprintf(c->node, sizeof c->node, "%s", m[i].node);
    c->inc = m[i].incarnation;
    c->seed = name_seed(m[i].node);
  }
  if (!self_in) {   /* not (or no longer) a member: claims stay this node's own */
    ncands = 0;
    return;
  }
  int lost = 0;   /* a candidate of the last read is gone (dead, left, cut off) */
  for (size_t i = 0; i < nwas && !lost; i++) {
    lost = 1;
    for (size_t j = 0; j < ncands && lost; j++)
      lost = !(cands[j].inc == was[i].inc && strcmp(cands[j].node, was[i].node) == 0);
  }
  if (ncands > capwas) {
    cand_t *p = realloc(was, ncands * sizeof *p);
    if (p) was = p, capwas = ncands;
  }
  nwas = ncands <= capwas ? ncands : 0;
  if (nwas) memcpy(was, cands, nwas * sizeof *was);
  /* A handler awaiting a reply holds its activation's handoff up for at
   * most a quarter lease (ACT_VHANDOFF_GRACE): then it is given up and the
   * activation deactivated (virtual.c). Two leases without an end (which
   * the grace should make impossible) still give the drain up. */
  int64_t now = act_now(), give_up = 2 * lease_ms * INT64_C(1000000);
  int64_t grace = ACT_VHANDOFF_GRACE(lease_ms) * INT64_C(1000000);
  int ending = act__stop_signal() || atomic_load(&act__vclosed);
  for (uint32_t i = 0; i < ACT_VSHARDS; i++) {
    const cand_t *t = target_of(i);
    int elsewhere = !(t->inc == myinc && strcmp(t->node, me) == 0);
    cshard_t *c = &shards[i];
    pthread_mutex_lock(&c->mu);
    if (c->state == S_MINE && elsewhere && !ending) {
      c->state = S_DRAINING;
      c->drain_since = now;
      if (act__vshard_drain(i, 1, now + grace)) {   /* nothing active: hand it off now */
        c->state = S_ASKING;
        act__shard_handoff(i, on_claimed);
      }
    } else if (c->state == S_DRAINING && (!elsewhere || now - c->drain_since > give_up)) {
      c->state = S_MINE;   /* still this node's in the store: take it up again */
      act__vshard_drain(i, 0, 0);
      flush(c, i);
    } else if (c->state == S_MINE && c->head) {
      mine_now(c);   /* mail held past the guard, and the lease is back */
    } else if (c->probing && (act_cluster_incarnation(c->sent_to) != c->sent_inc ||
                              now - c->probe_since > give_up / 2)) {
      probes_done(c, i);   /* its node is gone, or it is lost: what waits goes on */
    } else if (lost && !elsewhere && !ending && (c->state == S_NONE || (c->state == S_THEIRS &&
               act_cluster_incarnation(c->owner) != c->owner_inc))) {
      /* A member is gone: every shard whose target this node now is, and
       * whose owner is unknown or unreachable, is claimed at once, without
       * waiting for mail to it. The store grants a dead owner's shards
       * only once its lease has lapsed (+ margin); until then the answer
       * names it, unreachable, and the claims go again a tenth of a lease
       * later, all in one batch (nodestore.c). So the dead member's keys
       * move lease + margin after its last renewal, each claimed by the
       * survivor that is its target, none left for the first mail. */
      c->state = S_ASKING;
      act__shard_claim(i, on_claimed, 0);
    }
    pthread_mutex_unlock(&c->mu);
  }
}

/* ---- the lease before each message (workers) ----------------------------------- */

_Atomic int64_t act__vlease_fence_at;

/* An activation's next message runs only while the lease outlasts its
 * guard. A process paused past it (SIGSTOP, a swap storm) finds on waking
 * that the time has passed: the worker waits here until a renewal moves
 * the time on (the lease was still good in the store) or the fence, due
 * at that very time on the loop, ends the process; either way the message
 * never runs without the lease. */
static int lease_held(void) {
  return act_now() < atomic_load(&act__vlease_fence_at);   /* seq_cst: see act__vlease_wait */
}

int act__vlease_held(void) { return lease_held(); }

static void hold_lease(void) {
  while (!lease_held()) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

void act__vlease_hold(void) { hold_lease(); }

void act__vlease_wait(act_actor_t *a) {
  act_rt_t *rt = act__rt_of(a);
  if (rt == NULL || rt->vnode == NULL) return;
  hold_lease();
}
