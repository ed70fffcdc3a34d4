/* virtual.c: virtual actors on one node (LANGUAGE.md §10).
 *
 * A virtual actor is addressed by (type, key). `Cart[k]` makes a small
 * reference object flagged AF_VIRTUAL that holds the key; it never runs.
 * act_send sees the flag and comes here: the key's entry in the type's
 * registry names its activation, or there is none and one is spawned
 * first. Every decision about an entry — route, activate, passivate, stop —
 * is taken under its shard's lock, so one key never has two activations
 * taking mail: a send either finds the activation and enqueues before the
 * lock is released, or finds none and makes the one that will.
 *
 * Passivation. A sweeper thread looks at each activation's count of taken
 * messages every quarter of its `passivate after` time (at most every
 * second); when the count has not moved for the whole time it asks the
 * activation to passivate (CTL_PASSIVATE). The activation decides on its
 * own worker, under the shard lock: if nothing is queued for it
 * (mq_in == mq_out) and it is not suspended in an await or a persist, it
 * leaves the registry and stops; otherwise it stays and the sweep starts
 * over. So a message is never stranded in a passivating activation, and a
 * persistent one stops only when all it persisted is durable — the next
 * activation recovers it all from the journal. Timers do not keep an
 * activation alive (Orleans' timers do not either).
 *
 * Activations are temporary children of the root actor: a fault ends the
 * activation (asks to it fail, as to any actor that faults) and the next
 * message activates the key again, with its state recovered from the
 * journal when the actor is persistent. When the root stops, they stop.
 *
 * In a cluster (--act-node with --act-store) this registry holds the keys
 * of the shards this node owns; vcluster.c decides, from the store, which
 * node a send goes to, and comes here for the shards that are this node's
 * (act__vlocal_send), with the epoch they are held at. A node without a
 * store refuses virtual references (the sender faults with a reason that
 * says so) rather than let two nodes activate one key. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/random.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act/cluster.h"
#include "actor/actor.h"
#include "actor/mailbox.h"
#include "cluster/remote.h"
#include "supervise/supervise.h"
#include "virtual/virtual_int.h"

#define NSHARDS ACT_VSHARDS
#define DEFAULT_PASSIVATE_NS (600 * INT64_C(1000000000))

typedef struct act_vnode {
  struct act_vnode *next;
  uint64_t hash;
  act_vkey_t key;
  act_actor_t *live;        /* the activation */
  uint32_t seen_out;        /* its mq_out at the last sweep that saw it move */
  int64_t idle_since;
  int asked;                /* CTL_PASSIVATE sent, not yet answered */
  int linked;               /* in its shard's table */
  act_actor_t *ref;         /* a reference to the key (`sender` of its mail) */
  int ending;               /* live is passivating or stopping */
  act_msg_t **pend;         /* mail that came while live was ending */
  int npend, cappend;
  uint64_t epoch;           /* the shard's epoch when live started (0: no cluster) */
  int fenced;               /* live's stop is logged: the lease passed its guard (vfence.c) */
  struct shard *shard;
} vnode_t;

typedef struct shard {
  pthread_mutex_t mu;
  struct act_virtual_reg *reg;
  vnode_t **tab;
  uint32_t cap, n;
} shard_t;

typedef struct act_virtual_reg {
  const act_virtual_type_t *vt;
  int64_t passivate_ns;
  struct act_virtual_reg *next_reg;   /* the sweeper's list */
  shard_t shards[NSHARDS];
} reg_t;


static pthread_mutex_t regs_mu = PTHREAD_MUTEX_INITIALIZER;
static reg_t *regs;               /* every registry made, for the sweeper */
static int64_t sweep_ns = INT64_MAX;
static pthread_cond_t sweep_cv = PTHREAD_COND_INITIALIZER;
static int sweeper_started;

/* ---- keys --------------------------------------------------------------- */

static uint64_t mix(uint64_t h) {
  h ^= h >> 33; h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

uint64_t act__vkey_hash(const act_vkey_t *k) { return k->s ? act_str_hash(k->s) : mix((uint64_t)k->i); }

static int key_eq(const act_vkey_t *a, const act_vkey_t *b) {
  if ((a->s == NULL) != (b->s == NULL)) return 0;
  return a->s ? act_str_eq(a->s, b->s) : a->i == b->i;
}

/* "Cart[\"u42\"]" or "Cart[42]": the activation's name in paths and reports. */
static const char *key_name(const char *type, const act_vkey_t *k) {
  char buf[160];
  if (k->s) snprintf(buf, sizeof buf, "%s[\"%.*s\"]", type, (int)(act_str_len(k->s) > 100 ? 100 : act_str_len(k->s)),
                     act_str_data(k->s));
  else snprintf(buf, sizeof buf, "%s[%" PRId64 "]", type, k->i);
  size_t n = strlen(buf) + 1;
  char *s = act_alloc(n);
  memcpy(s, buf, n);
  return s;
}

/* ---- the activation log (--act-activation-log) -------------------------------
 * One line per activation start and stop, written with one write(2) to a
 * file opened for appending, so the lines of several nodes on one machine
 * interleave whole: monotonic ns, start|stop|exit, type, key, node,
 * incarnation, epoch (tab-separated). tests/virtual/check_activations.py
 * proves from it that no key ever had two activations at once. */

const char *act__activation_log_path;   /* options.c */
static int log_fd = -1;
static uint64_t incarnation;

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_closed;

static void log_open(void) {
  log_fd = open(act__activation_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    act__logf("act: cannot open the activation log %s: %s\n", act__activation_log_path, strerror(errno));
  if (getrandom(&incarnation, sizeof incarnation, 0) != sizeof incarnation) incarnation = (uint64_t)getpid();
}

/* A process that ends ends its activations: one `exit` line says so (the
 * tests write it themselves for a process they kill -9). Called where the
 * runtime ends the process (it leaves with _exit, so atexit would not). */
_Atomic int act__vclosed;

void act__virtual_exit(void) {
  static atomic_flag once = ATOMIC_FLAG_INIT;
  /* No activation may start after this: mail forwarded from other nodes
   * is refused (vcluster.c), to reach the shard's next owner. */
  atomic_store(&act__vclosed, 1);
  if (act__activation_log_path == NULL || atomic_flag_test_and_set(&once)) return;
  pthread_once(&log_once, log_open);
  if (log_fd < 0) return;
  char line[160];
  /* No line may follow this one (the process is ending), and none written
   * before it may carry a later time. */
  pthread_mutex_lock(&log_mu);
  int n = snprintf(line, sizeof line, "%" PRId64 "\texit\t-\t-\t%s\t%016" PRIx64 "\t0\n", act_now(),
                   act__node_name(), incarnation);
  if (n > 0 && write(log_fd, line, (size_t)n) < 0) { /* as below */ }
  log_closed = 1;
  pthread_mutex_unlock(&log_mu);
}

/* at: the line's time (0: now). */
static void act__virtual_log(act_actor_t *a, const char *what, int64_t at) {
  if (act__activation_log_path == NULL) return;
  pthread_once(&log_once, log_open);
  if (log_fd < 0) return;
  const act_vkey_t *k = &act__rt(a)->vnode->key;
  char key[160];
  if (k->s) {
    size_t o = 0;
    key[o++] = '"';
    for (int64_t i = 0; i < act_str_len(k->s) && o < sizeof key - 8; i++) {
      unsigned char c = (unsigned char)act_str_data(k->s)[i];
      if (c == '"' || c == '\\') o += (size_t)snprintf(key + o, sizeof key - o, "\\%c", c);
      else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(key + o, sizeof key - o, "\\x%02x", c);
      else key[o++] = (char)c;
    }
    key[o++] = '"';
    key[o] = 0;
  } else {
    snprintf(key, sizeof key, "%" PRId64, k->i);
  }
  char line[512];
  /* The time is read under the shard lock that orders this key's lines. */
  int n = snprintf(line, sizeof line, "%" PRId64 "\t%s\t%s\t%s\t%s\t%016" PRIx64 "\t%" PRIu64 "\n",
                   at ? at : act_now(), what, a->type->name, key, act__node_name(), incarnation,
                   act__rt(a)->vnode->epoch);
  pthread_mutex_lock(&log_mu);
  if (!log_closed && n > 0 && write(log_fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0) {
    /* a full disk loses audit lines, never the program */
  }
  pthread_mutex_unlock(&log_mu);
}

/* ---- registries ----------------------------------------------------------- */

static void *sweeper(void *arg);

reg_t *act__vreg_of(const act_virtual_type_t *vt) {
  reg_t *r = __atomic_load_n(vt->reg, __ATOMIC_ACQUIRE);
  if (r) return r;
  pthread_mutex_lock(&regs_mu);
  r = *vt->reg;
  if (r == NULL) {
    /* Uncollectable: only the sweeper's list and a static point at it. */
    r = GC_MALLOC_UNCOLLECTABLE(sizeof *r);
    memset(r, 0, sizeof *r);
    r->vt = vt;
    r->passivate_ns = vt->passivate_ns > 0 ? vt->passivate_ns : DEFAULT_PASSIVATE_NS;
    for (int i = 0; i < NSHARDS; i++) {
      pthread_mutex_init(&r->shards[i].mu, NULL);
      r->shards[i].reg = r;
    }
    r->next_reg = regs;
    regs = r;
    int64_t every = r->passivate_ns / 4;
    if (every > 1000000000) every = 1000000000;
    if (every < 1000000) every = 1000000;
    if (every < sweep_ns) sweep_ns = every;
    if (!sweeper_started) {
      pthread_t t;
      GC_pthread_create(&t, NULL, sweeper, NULL);
      pthread_detach(t);
      sweeper_started = 1;
    }
    pthread_cond_signal(&sweep_cv);
    __atomic_store_n(vt->reg, r, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&regs_mu);
  return r;
}

static vnode_t **slot(shard_t *s, uint64_t h, const act_vkey_t *k) {
  if (s->cap == 0) return NULL;
  vnode_t **p = &s->tab[(h >> 6) & (s->cap - 1)];
  while (*p && !((*p)->hash == h && key_eq(&(*p)->key, k))) p = &(*p)->next;
  return p;
}

static void grow(shard_t *s) {
  uint32_t cap = s->cap ? s->cap * 2 : 16;
  vnode_t **tab = act_alloc(sizeof *tab * cap);
  for (uint32_t i = 0; i < s->cap; i++)
    for (vnode_t *n = s->tab[i], *next; n; n = next) {
      next = n->next;
      vnode_t **b = &tab[(n->hash >> 6) & (cap - 1)];
      n->next = *b;
      *b = n;
    }
  s->tab = tab;
  s->cap = cap;
}

static void unlink_node(shard_t *s, vnode_t *n) {
  vnode_t **p = slot(s, n->hash, &n->key);
  if (p && *p == n) {
    *p = n->next;
    s->n--;
    n->linked = 0;
  }
}

static act_actor_t *ref_new(const act_virtual_type_t *vt, act_vkey_t k);

/* Under s->mu: a new activation of n's key becomes its live one. */
static act_actor_t *activate(act_ctx_t *cx, reg_t *r, vnode_t *n) {
  /* The start's time is read first, under s->mu (so after the key's last
   * stop line) and as close as can be after the lease's check (vcluster.c,
   * lock_mine): making the actor allocates, and may wait for a collection,
   * and a process SIGSTOPped in there dated its start after SIGCONT, past
   * its lease, though nothing of the activation ran or was seen then (its
   * steps and effects wait for the lease) and the fence dated its stop at
   * the guard (jepsen pause under TSan, 2 runs in about 10). */
  int64_t t0 = act_now();
  act_actor_t *a = r->vt->activate(cx, &n->key);
  a->parent = act__root();   /* activations are its temporary children */
  act_spawn_name(a, key_name(r->vt->type->name, &n->key));
  act__rt(a)->vnode = n;
  n->live = a;
  n->ending = 0;
  n->seen_out = 0;
  n->idle_since = act_now();
  n->asked = 0;
  n->fenced = 0;
  act__virtual_log(a, "start", t0);
  act_spawn_start(cx, a, ACT_RESTART_TEMPORARY);
  return a;
}

/* Under s->mu: the key's activation if it takes mail now; NULL while the
 * one it has is ending (its mail then waits in n->pend). A key seen for
 * the first time is activated. */
static act_actor_t *route(act_ctx_t *cx, reg_t *r, shard_t *s, uint64_t h, const act_vkey_t *k, uint64_t epoch,
                          vnode_t **out) {
  vnode_t **p = slot(s, h, k);
  vnode_t *n = p ? *p : NULL;
  if (n) {
    *out = n;
    if (n->ending || (atomic_load_explicit(&n->live->flags, memory_order_acquire) & (AF_DEAD | AF_STOPPING)))
      return NULL;
    return n->live;
  }
  if (s->n >= s->cap / 2 * 3) grow(s);
  n = act_alloc(sizeof *n);
  n->hash = h;
  n->key = *k;
  n->shard = s;
  n->linked = 1;
  n->ref = ref_new(r->vt, *k);
  n->epoch = epoch;
  p = &s->tab[(h >> 6) & (s->cap - 1)];
  n->next = *p;
  *p = n;
  s->n++;
  *out = n;
  return activate(cx, r, n);
}

/* ---- references ------------------------------------------------------------ */

/* Without a store each node would keep its own registry, so a key could
 * be active on two nodes at once: `Cart[k]` faults. Checked where a
 * program names a key, never under a registry's lock (a fault unwinds). */
static void need_store(act_ctx_t *cx, const act_virtual_type_t *vt) {
  if (act_cluster_running() && !act__shard_store())
    act_faultf(cx, NULL, "virtual actor %s: virtual actors across nodes need the coordination store "
               "(start the node with --act-store)", vt->type->name);
}

static act_actor_t *ref_new(const act_virtual_type_t *vt, act_vkey_t k) {
  vref_t *v = act_alloc(sizeof *v);
  v->base.type = vt->type;
  atomic_store_explicit(&v->base.flags, AF_VIRTUAL, memory_order_relaxed);
  v->reg = act__vreg_of(vt);
  v->key = k;
  v->hash = act__vkey_hash(&k);
  return &v->base;
}

act_actor_t *act_virtual_str(act_ctx_t *cx, const act_virtual_type_t *vt, act_str_t *key) {
  need_store(cx, vt);
  return ref_new(vt, (act_vkey_t){.s = key ? key : act_str_from_cstr("")});
}

act_actor_t *act_virtual_int(act_ctx_t *cx, const act_virtual_type_t *vt, int64_t key) {
  need_store(cx, vt);
  return ref_new(vt, (act_vkey_t){.i = key});
}

void act__virtual_send(act_ctx_t *cx, act_actor_t *ref, act_msg_t *m) {
  vref_t *v = (vref_t *)ref;
  if (act_cluster_running()) {
    act__vcluster_send(cx, v, m);   /* it comes back to act__vlocal_send for this node's shards */
    return;
  }
  act__vlocal_send(cx, v->reg, v->hash, &v->key, 0, m);
}

void act__vlocal_send(act_ctx_t *cx, reg_t *r, uint64_t h, const act_vkey_t *k, uint64_t epoch, act_msg_t *m) {
  shard_t *s = &r->shards[h & (NSHARDS - 1)];
  vnode_t *n;
  pthread_mutex_lock(&s->mu);
  act_actor_t *a = route(cx, r, s, h, k, epoch, &n);
  if (a) {
    /* Enqueued before the lock is released: a passivation decided after
     * this sees the message as queued and does not happen. */
    act_send(cx, a, m);
  } else {
    /* The key's activation is ending: the next one, started when it has
     * ended (act__virtual_ended), takes this in order. */
    if (n->npend == n->cappend) {
      n->cappend = n->cappend ? n->cappend * 2 : 8;
      act_msg_t **q = act_alloc(sizeof *q * (size_t)n->cappend);
      if (n->npend) memcpy(q, n->pend, sizeof *q * (size_t)n->npend);
      n->pend = q;
    }
    n->pend[n->npend++] = m;
  }
  pthread_mutex_unlock(&s->mu);
}

/* `stop` on a reference stops the key's activation, if it has one; the
 * next message activates the key again. In a cluster the activation is
 * wherever the key's shard is: vcluster.c takes the stop there. */
void act__virtual_stop(act_ctx_t *cx, act_actor_t *ref) {
  vref_t *v = (vref_t *)ref;
  if (act_cluster_running()) act__vcluster_stop(cx, v);
  else act__vlocal_stop(cx, v->reg, v->hash, &v->key);
}

void act__vlocal_stop(act_ctx_t *cx, reg_t *r, uint64_t h, const act_vkey_t *k) {
  shard_t *s = &r->shards[h & (NSHARDS - 1)];
  pthread_mutex_lock(&s->mu);
  vnode_t **p = slot(s, h, k);
  act_actor_t *a = p && *p && !(*p)->ending ? (*p)->live : NULL;
  if (a) (*p)->ending = 1;
  pthread_mutex_unlock(&s->mu);
  if (a) act_stop(cx, a);
}

/* `sender`: mail from an activation names its key, so a reply told to
 * `sender` later reaches the key even if that activation has passivated. */
act_actor_t *act_sender(act_ctx_t *cx) {
  act_actor_t *s = cx && cx->msg ? cx->msg->sender : NULL;
  act_rt_t *rt = s ? act__rt_of(s) : NULL;
  return rt && rt->vnode ? rt->vnode->ref : s;
}

bool act_ref_eq(const act_actor_t *a, const act_actor_t *b) {
  if (a == b) return true;
  if (a == NULL || b == NULL) return false;
  if (!(atomic_load_explicit(&a->flags, memory_order_relaxed) & AF_VIRTUAL) ||
      !(atomic_load_explicit(&b->flags, memory_order_relaxed) & AF_VIRTUAL))
    return false;
  const vref_t *x = (const vref_t *)a, *y = (const vref_t *)b;
  return x->reg == y->reg && x->hash == y->hash && key_eq(&x->key, &y->key);
}

uint64_t act_ref_hash(const act_actor_t *a) {
  if (a && (atomic_load_explicit(&a->flags, memory_order_relaxed) & AF_VIRTUAL)) {
    const vref_t *v = (const vref_t *)a;
    return mix(v->hash ^ (uint64_t)(uintptr_t)v->reg);
  }
  return mix((uint64_t)(uintptr_t)a);
}

const char *act__virtual_name(const act_actor_t *a) {
  const vref_t *v = (const vref_t *)a;
  return key_name(v->reg->vt->type->name, &v->key);
}

const act_virtual_type_t *act__vreg_type(const act_vreg_t *r) { return r->vt; }

uint64_t act__virtual_epoch(const act_actor_t *a) {
  act_rt_t *rt = a ? act__rt_of((act_actor_t *)a) : NULL;
  return rt && rt->vnode ? rt->vnode->epoch : 0;
}

/* ---- types by name (a node activates what others forward to it) ---- */

static const act_virtual_type_t **vtypes;
static size_t nvtypes, capvtypes;

void act_virtual_declare(const act_virtual_type_t *vt) {
  if (nvtypes == capvtypes) {   /* constructors run before any thread: no lock */
    capvtypes = capvtypes ? capvtypes * 2 : 8;
    const act_virtual_type_t **p = realloc(vtypes, capvtypes * sizeof *p);
    if (p == NULL) abort();
    vtypes = p;
  }
  vtypes[nvtypes++] = vt;
}

const act_virtual_type_t *act__vtype_by_name(const char *name, size_t len) {
  for (size_t i = 0; i < nvtypes; i++)
    if (strlen(vtypes[i]->type->name) == len && memcmp(vtypes[i]->type->name, name, len) == 0) return vtypes[i];
  return NULL;
}

/* ---- passivation --------------------------------------------------------------- */

/* A handoff's grace has passed and activation a, on its own worker, has
 * still not passivated: it is awaiting a reply (or a persist), with mail
 * queued behind the handler. The handler is given up — its ask fails, so
 * that it is neither lost silently nor run a second time by the next owner —
 * and the mail queued to it (the stash of a suspended actor, then the
 * mailbox) goes back to vcluster.c in order, to the shard's next owner.
 * Timer ticks and late replies stay behind: timers do not move with a key.
 * Under s->mu the activation is marked ending, so no send reaches it after
 * its mail was taken; the requeue is made before it ends, so the shard
 * cannot be handed off before that mail waits for the new owner. A
 * persistent activation may have a write in flight: it commits before the
 * next owner's fence or not at all (the fence refuses it), so an event
 * counts once either way. */
static void deactivate(act_ctx_t *cx, act_actor_t *a, vnode_t *n) {
  act_rt_t *rt = act__rt(a);
  act_msg_t **q = NULL;
  int nq = 0, cap = 0;
  for (;;) {
    act_msg_t *m = rt->stash_head;
    if (m) {
      rt->stash_head = atomic_load_explicit(&m->next, memory_order_relaxed);
      if (rt->stash_head == NULL) rt->stash_tail = NULL;
    } else if ((m = act__mq_pop(a)) == NULL) {
      break;
    }
    if (m->flags & MF_COUNTED)   /* taken off the mailbox: paused senders may go */
      atomic_store_explicit(&a->mq_out, atomic_load_explicit(&a->mq_out, memory_order_relaxed) + 1,
                            memory_order_relaxed);
    if (m->flags & (MF_REPLY | MF_CTL | MF_TIMER)) continue;
    if (nq == cap) {
      cap = cap ? cap * 2 : 16;
      act_msg_t **g = act_alloc(sizeof *g * (size_t)cap);
      if (nq) memcpy(g, q, sizeof *g * (size_t)nq);
      q = g;
    }
    q[nq++] = m;
  }
  act_msg_t *cur = rt->cur_msg;
  if (rt->awaiting && rt->awaiting->timer) act__timer_cancel(rt->awaiting->timer);
  rt->frame = NULL;
  rt->awaiting = NULL;
  a->flags &= ~(uint32_t)AF_SUSPENDED;
  if (cur && cur->future)
    act__fail_future(cx, cur->future, cur->sender,
                     "failed: its key was handed off to another node while the handler awaited a reply");
  if (nq) act__vshard_requeue(n->shard->reg, n->hash, &n->key, q, nq);
  act__graceful_stop(cx, a, NULL);
}

void act__virtual_passivate(act_ctx_t *cx, act_actor_t *a, int force) {
  act_rt_t *rt = act__rt_of(a);
  vnode_t *n = rt ? rt->vnode : NULL;
  if (n == NULL) return;
  /* Past the lease nothing of an activation runs, its stop included (the
   * sweeper's request is a control message, which the lease's gate does
   * not hold): the fence ends it (vfence.c). */
  if (n->epoch != 0 && !act__vlease_held()) return;
  shard_t *s = n->shard;
  int go = 0;
  pthread_mutex_lock(&s->mu);
  n->asked = 0;
  uint32_t f = atomic_load_explicit(&a->flags, memory_order_relaxed);
  /* A fenced activation has ended (its stop is logged): nothing of it,
   * not even an `on stop`, runs past the lease; the fence ends it. */
  int mine = n->linked && n->live == a && !n->ending && !n->fenced && !(f & (AF_STOPPING | AF_DEAD));
  if (mine && !(f & (AF_SUSPENDED | AF_NOMAIL)) &&
      atomic_load_explicit(&a->mq_in, memory_order_relaxed) ==
          atomic_load_explicit(&a->mq_out, memory_order_relaxed)) {
    n->ending = 1;
    go = 1;
  } else if (mine && force && !(f & (AF_NOMAIL & ~AF_SUSPENDED))) {
    n->ending = 1;   /* from now on its mail waits in n->pend, or in vcluster.c */
    go = 2;
  } else {
    n->idle_since = act_now();
  }
  pthread_mutex_unlock(&s->mu);
  if (go == 1) act__graceful_stop(cx, a, NULL);
  else if (go == 2) deactivate(cx, a, n);
}

/* An activation has ended (passivated, stopped or faulted; act__finish):
 * only now may its key have another, so two never overlap. Mail that came
 * meanwhile starts the next one; without any the key leaves the registry.
 * On a node of a cluster vcluster.c decides first, under the shard's lock
 * and the lease, as for a first activation (act__vcluster_ended). */
void act__virtual_ended(act_ctx_t *cx, act_actor_t *a) {
  vnode_t *n = act__rt(a)->vnode;
  /* The runtime's work from here on, not the activation's: its lease is
   * lock_mine's to check, under locks the gate must not wait in. */
  int g = cx ? cx->vgate : 0;
  if (cx) cx->vgate = 0;
  if (n->epoch != 0) {   /* activated at a shard's epoch: a cluster's */
    act__vcluster_ended(cx, a, n->shard->reg, n->hash, &n->key);
  } else {
    act_msg_t **q;
    act__vended(cx, a, 0, &q);
  }
  act__vgate_end(cx, g);
}

int act__vended(act_ctx_t *cx, act_actor_t *a, uint64_t epoch, act_msg_t ***out) {
  vnode_t *n = act__rt(a)->vnode;
  shard_t *s = n->shard;
  int np = 0;
  *out = NULL;
  pthread_mutex_lock(&s->mu);
  int live = n->linked && n->live == a;
  if (!(live && n->fenced)) act__virtual_log(a, "stop", 0);   /* a fenced one's is logged */
  if (live) {
    if (n->npend && (epoch != 0 || n->epoch == 0) && !n->fenced) {
      if (epoch) n->epoch = epoch;
      act_actor_t *next = activate(cx, s->reg, n);
      np = n->npend;
      act_msg_t **q = n->pend;
      n->pend = NULL;
      n->npend = n->cappend = 0;
      /* From no actor: nobody is paused for these. */
      for (int i = 0; i < np; i++) act_send(NULL, next, q[i]);
      np = 0;
    } else {
      /* Not this node's to activate any more (or the lease is gone for
       * good): the key leaves, and its mail goes back to vcluster.c, to
       * wherever the shard is now, ahead of what came later. */
      *out = n->pend;
      np = n->npend;
      n->pend = NULL;
      n->npend = n->cappend = 0;
      unlink_node(s, n);
    }
  }
  pthread_mutex_unlock(&s->mu);
  return np;
}

static void sweep_shard(shard_t *s, int64_t after, int64_t now) {
  pthread_mutex_lock(&s->mu);
  for (uint32_t i = 0; i < s->cap; i++)
    for (vnode_t **p = &s->tab[i]; *p;) {
      vnode_t *n = *p;
      p = &n->next;
      if (n->ending || (atomic_load_explicit(&n->live->flags, memory_order_acquire) & (AF_DEAD | AF_STOPPING)))
        continue;   /* act__virtual_ended settles it */
      uint32_t out = atomic_load_explicit(&n->live->mq_out, memory_order_relaxed);
      if (out != n->seen_out) {
        n->seen_out = out;
        n->idle_since = now;
      } else if (!n->asked && now - n->idle_since >= after) {
        n->asked = 1;
        act__ctl_send(NULL, n->live, CTL_PASSIVATE, NULL, 0);
      }
    }
  pthread_mutex_unlock(&s->mu);
}

/* ---- the lease's end (vfence.c) ------------------------------------------------ */

/* The node fences (vfence.c): every activation on it has ended, at f —
 * when the lease passed its guard (or the fence, if that came first).
 * From f on the lease's gates held its every start, message and reply
 * (dispatch.c) and everything its handlers make others see (rt.h,
 * act__vgate), so nothing of it was seen after f, also when the process
 * was paused (SIGSTOP) past its lease and writes the line only now, and
 * also for a handler still running: the line says when the activation's
 * visible life ended, not when the node could say so. It is marked
 * fenced: nothing of it runs again, not even an `on stop`. Mail stays
 * queued: the process is ending. Returns how many ended so. */
int act__virtual_fenced(int64_t f) {
  pthread_mutex_lock(&regs_mu);
  reg_t *list = regs;
  pthread_mutex_unlock(&regs_mu);
  int ended = 0;
  for (reg_t *r = list; r; r = r->next_reg)
    for (int i = 0; i < NSHARDS; i++) {
      shard_t *s = &r->shards[i];
      pthread_mutex_lock(&s->mu);
      for (uint32_t b = 0; b < s->cap; b++)
        for (vnode_t *n = s->tab[b]; n; n = n->next) {
          if (n->fenced) continue;
          n->fenced = 1;
          ended++;
          act__virtual_log(n->live, "stop", f);
        }
      pthread_mutex_unlock(&s->mu);
    }
  return ended;
}

/* ---- draining a shard for its handoff (vcluster.c) ---------------------------- */

static _Atomic uint64_t draining;   /* bit i: shard i is being handed off */
static _Atomic int64_t force_at[NSHARDS];   /* when its activations are deactivated anyway */
#define DRAIN_EVERY_NS 5000000      /* how often a draining shard is looked at */

int act__vshard_drain(uint32_t shard, int on, int64_t force) {
  uint64_t bit = UINT64_C(1) << shard;
  pthread_mutex_lock(&regs_mu);
  int none = regs == NULL;   /* no registry, so no activation */
  atomic_store(&force_at[shard], on ? force : 0);
  if (on && !none) atomic_fetch_or(&draining, bit);
  else atomic_fetch_and(&draining, ~bit);
  pthread_cond_signal(&sweep_cv);
  pthread_mutex_unlock(&regs_mu);
  return on && none;
}

/* The sweeper's look at one draining shard: each activation in it that is
 * not ending yet is asked to passivate (again, if it refused: it had mail
 * queued or was suspended), and once the grace has passed to deactivate
 * even if a handler is awaiting a reply; true when none is left in any
 * registry. No new one can start meanwhile: vcluster.c sends nothing here
 * while the shard drains, and mail that came while one ended goes back to
 * it (act__vcluster_ended), to follow the shard. */
static int drain_shard(reg_t *list, uint32_t i, int64_t now) {
  int left = 0;
  int64_t f = atomic_load(&force_at[i]);
  uint32_t force = f != 0 && now >= f;
  for (reg_t *r = list; r; r = r->next_reg) {
    shard_t *s = &r->shards[i];
    pthread_mutex_lock(&s->mu);
    left += (int)s->n;
    for (uint32_t b = 0; b < s->cap; b++)
      for (vnode_t *n = s->tab[b]; n; n = n->next)
        if (!n->ending && (!n->asked || (force && n->asked == 1)) &&
            !(atomic_load_explicit(&n->live->flags, memory_order_acquire) & (AF_DEAD | AF_STOPPING))) {
          n->asked = 1 + (int)force;   /* 2: the forced request is on its way */
          act__ctl_send(NULL, n->live, CTL_PASSIVATE, NULL, force);
        }
    pthread_mutex_unlock(&s->mu);
  }
  return left == 0;
}

static void drain_all(reg_t *list, int64_t now) {
  uint64_t m = atomic_load(&draining);
  for (uint32_t i = 0; m; i++, m >>= 1)
    if ((m & 1) && drain_shard(list, i, now) &&
        (atomic_fetch_and(&draining, ~(UINT64_C(1) << i)) & (UINT64_C(1) << i)))
      act__vshard_drained(i);
}

static void *sweeper(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&regs_mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wait = atomic_load(&draining) && sweep_ns > DRAIN_EVERY_NS ? DRAIN_EVERY_NS : sweep_ns;
    int64_t ns = ts.tv_nsec + wait;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_cond_timedwait(&sweep_cv, &regs_mu, &ts);
    reg_t *list = regs;
    pthread_mutex_unlock(&regs_mu);
    int64_t now = act_now();
    drain_all(list, now);
    for (reg_t *r = list; r; r = r->next_reg)
      for (int i = 0; i < NSHARDS; i++) sweep_shard(&r->shards[i], r->passivate_ns, now);
  }
  return NULL;
}
