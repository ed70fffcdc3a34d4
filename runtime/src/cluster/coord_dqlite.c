/* coord_dqlite.c: the coordination store in dqlite (dqlite://HOST:PORT,...),
 * the embedded default: Raft-replicated SQLite in the seed nodes.
 *
 * The leases (act/cluster.h, "Lease clocks"): a dqlite statement runs on
 * whichever node leads, so no clock in the store is the same machine's
 * from one write to the next. A member row therefore holds the lease's
 * length and a renewal counter (ver), and each client keeps, per member
 * row, the counter it last saw and when it first saw it on its own
 * monotonic clock. A row it has seen unchanged for the lease time is
 * lapsed (not live); after lease + margin it may be taken over, and the
 * takeover is a compare-and-set on the counter seen, so a renewal that
 * landed in between wins. The holder itself counts from when it sent the
 * renewal. A client that has just started has seen nothing yet, so it
 * waits a whole lease + margin before taking anything over.
 *
 * Each call is a few statements: read the members (to refresh what this
 * client has seen), read the row in question, then one conditional write
 * whose WHERE repeats every condition the decision was made on. A write
 * that changed nothing lost a race: the call starts over (a few times). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/cluster.h"
#include "cluster/dqlite_client.h"

#define TRIES 5

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS act_members (node TEXT PRIMARY KEY, incarnation INTEGER NOT NULL, "
    "addr TEXT NOT NULL, lease_ms INTEGER NOT NULL, ver INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS act_names (name TEXT PRIMARY KEY, node TEXT NOT NULL, "
    "incarnation INTEGER NOT NULL, actor INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS act_shards (shard INTEGER PRIMARY KEY, node TEXT NOT NULL, "
    "incarnation INTEGER NOT NULL, epoch INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS act_heads (key TEXT PRIMARY KEY, epoch INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS act_journal (key TEXT NOT NULL, seq INTEGER NOT NULL, "
    "epoch INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, seq));";

/* A write may also require that the caller is still the member it was:
 * the row of (node, incarnation) exists. */
#define CALLER "EXISTS (SELECT 1 FROM act_members WHERE node = ?5 AND incarnation = ?6)"
/* ... and that the holder it replaces has not renewed since it was seen
 * (ver -1: it was seen gone, so any row now is a renewal). */
#define UNCHANGED \
  "NOT EXISTS (SELECT 1 FROM act_members WHERE node = ?7 AND incarnation = ?8 AND ver <> ?9)"

typedef struct seen {   /* a member row as this client last saw it */
  char node[ACT_NAME_MAX + 1];
  char addr[ACT_ADDR_MAX + 1];
  uint64_t inc;
  int64_t ver, lease_ms;
  uint64_t since;       /* monotonic ms: when this ver was first seen */
} seen_t;

typedef struct held {   /* a lease this client holds */
  char node[ACT_NAME_MAX + 1];
  uint64_t inc;
  uint64_t deadline;    /* monotonic ms: send time of the last renewal + lease */
} held_t;

typedef struct op op_t;

typedef struct dqc {
  act_coord_t base;
  act_dq_t *dq;
  op_t *head, *tail;    /* calls: the head is running */
  int closing;
  int schema;           /* the tables exist: SCHEMA succeeded once */
  seen_t *seen;
  size_t nseen;
  held_t *held;
  size_t nheld;
} dqc_t;

enum { K_JOIN, K_RENEW, K_LEAVE, K_MEMBERS, K_REG, K_LOOKUP, K_UNREG, K_CLAIM, K_OWNER,
       K_RELEASE, K_FENCE, K_APPEND, K_READ, K_CLAIMS };

/* A batch claim's shard as decided from the rows read (claims_decide). */
typedef struct pick pick_t;

struct op {
  op_t *next;
  dqc_t *c;
  int kind, step, tries;
  int started;          /* begun: a call submitted from a callback starts at once */
  act_coord_cb cb;
  void *arg;
  char node[ACT_NAME_MAX + 1], addr[ACT_ADDR_MAX + 1];
  char *key;            /* a name or a journal key (malloc'd: a name has any length) */
  uint64_t inc, actor, epoch, seq;
  int64_t lease_ms;
  uint32_t shard;
  uint8_t *data;
  size_t len;
  uint64_t sent;        /* monotonic ms when the write went out */
  int have;             /* the row read: is there one, and what it holds */
  char hnode[ACT_NAME_MAX + 1];
  uint64_t hinc, hval;
  act_coord_claim_t *cl;   /* K_CLAIMS: the shards, answered in place */
  pick_t *pick;
  size_t ncl;
};

static uint64_t mono_ms(void) { return uv_hrtime() / 1000000u; }

/* ---- what this client has seen and holds ---- */
static seen_t *find_seen(dqc_t *c, const char *node) {
  for (size_t i = 0; i < c->nseen; i++)
    if (strcmp(c->seen[i].node, node) == 0) return &c->seen[i];
  return NULL;
}
static held_t *find_held(dqc_t *c, const char *node, uint64_t inc) {
  for (size_t i = 0; i < c->nheld; i++)
    if (c->held[i].inc == inc && strcmp(c->held[i].node, node) == 0) return &c->held[i];
  return NULL;
}
static void hold(dqc_t *c, const char *node, uint64_t inc, uint64_t deadline) {
  held_t *h = find_held(c, node, inc);
  if (h == NULL) {
    held_t *n = realloc(c->held, (c->nheld + 1) * sizeof *n);
    if (n == NULL) return;   /* not remembered: the next renew answers LOST, which is safe */
    c->held = n;
    h = &c->held[c->nheld++];
    snprintf(h->node, sizeof h->node, "%s", node);
    h->inc = inc;
  }
  h->deadline = deadline;
}
static void unhold(dqc_t *c, const char *node, uint64_t inc) {
  held_t *h = find_held(c, node, inc);
  if (h) *h = c->held[--c->nheld];
}

/* Remembers the member rows just read; a changed counter restarts the clock. */
static int refresh(dqc_t *c, const act_dq_res_t *r) {
  uint64_t now = mono_ms();
  seen_t *next = calloc(r->nrows ? r->nrows : 1, sizeof *next);
  if (next == NULL) return -1;
  for (size_t i = 0; i < r->nrows; i++) {
    const act_dq_val_t *v = &r->v[i * 5];
    seen_t *s = &next[i];
    snprintf(s->node, sizeof s->node, "%s", v[0].s ? v[0].s : "");
    s->inc = (uint64_t)v[1].i;
    snprintf(s->addr, sizeof s->addr, "%s", v[2].s ? v[2].s : "");
    s->lease_ms = v[3].i;
    s->ver = v[4].i;
    seen_t *old = find_seen(c, s->node);
    s->since = old && old->inc == s->inc && old->ver == s->ver ? old->since : now;
  }
  free(c->seen);
  c->seen = next;
  c->nseen = r->nrows;
  return 0;
}

/* What is left of (node, inc)'s lease in this client's eyes (ms; <= 0:
 * lapsed), or INT64_MIN if there is no such member. */
static int64_t left(dqc_t *c, const char *node, uint64_t inc) {
  seen_t *s = find_seen(c, node);
  if (s == NULL || s->inc != inc) return INT64_MIN;
  uint64_t now = mono_ms();
  held_t *h = find_held(c, node, inc);
  if (h) return (int64_t)h->deadline - (int64_t)now;
  return s->lease_ms - (int64_t)(now - s->since);
}
static int live(dqc_t *c, const char *node, uint64_t inc) { return left(c, node, inc) > 0; }
/* May (node, inc) be replaced? Gone, or unchanged for lease + margin. */
static int takeable(dqc_t *c, const char *node, uint64_t inc) {
  int64_t l = left(c, node, inc);
  if (l == INT64_MIN) return 1;
  seen_t *s = find_seen(c, node);
  return l <= -ACT_COORD_MARGIN(s->lease_ms);
}
/* The counter a takeover compares against: -1 when the row was seen gone. */
static int64_t ver_of(dqc_t *c, const char *node, uint64_t inc) {
  seen_t *s = find_seen(c, node);
  return s && s->inc == inc ? s->ver : -1;
}

/* ---- the steps of each call ---- */
static void advance(op_t *o, const act_dq_res_t *r);
static void on_res(void *arg, const act_dq_res_t *r) { advance(arg, r); }

static void begin(op_t *o);

/* Answers the call at the head and starts the next one. */
static void done(op_t *o, act_coord_result_t *res) {
  dqc_t *c = o->c;
  if (c->head == o) {
    c->head = o->next;
    if (c->head == NULL) c->tail = NULL;
  }
  if (o->cb) o->cb(o->arg, res);
  free(o->data);
  free(o->key);
  free(o->cl);
  free(o->pick);
  free(o);
  if (c->head && !c->head->started && !c->closing) {
    c->head->started = 1;
    begin(c->head);
  }
}
static void finish(op_t *o, int status) {
  act_coord_result_t res = {.status = status, .epoch = o->epoch};
  if (o->have) {
    snprintf(res.owner.node, sizeof res.owner.node, "%s", o->hnode);
    res.owner.incarnation = o->hinc;
    res.owner.actor = o->kind == K_CLAIM || o->kind == K_OWNER ? 0 : o->hval;
  }
  done(o, &res);
}
static void fail(op_t *o, const char *why) {
  act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = why};
  done(o, &res);
}

#define V(x) act__dq_int((int64_t)(x))
#define T(x) act__dq_text(x)

static void read_members(op_t *o) {
  act__dq_query(o->c->dq, "SELECT node, incarnation, addr, lease_ms, ver FROM act_members", NULL,
                0, on_res, o);
}

/* A renewal that failed in the store (its leader lost or deposed while it
 * ran, the connection dropped: what a process stalled on a loaded machine
 * causes) is sent again at once, rather than a tenth of a lease later from
 * lease.c, for as long as the lease's fence (ACT_LEASE_GUARD before its
 * end, from the last renewal that succeeded) has not come: the client
 * waits for the next leader itself, so this is no busy loop. Safe for the
 * same reason as the first try: the holder counts its lease from when the
 * renewal that succeeded was sent, never from an earlier one. */
#define RENEW_TRIES 20
static int renew_again(op_t *o) {
  held_t *h = find_held(o->c, o->node, o->inc);
  if (h == NULL || ++o->tries >= RENEW_TRIES ||
      mono_ms() + (uint64_t)ACT_LEASE_GUARD(o->lease_ms) >= h->deadline)
    return 0;
  begin(o);
  return 1;
}

/* A conditional write changed nothing: somebody else got there first. */
static void retry(op_t *o) {
  if (++o->tries >= TRIES) {
    finish(o, ACT_COORD_TAKEN);
    return;
  }
  o->step = 0;
  o->have = 0;
  read_members(o);
}

/* Keeps the row a read answered (node, incarnation, value). */
static void keep_row(op_t *o, const act_dq_res_t *r) {
  o->have = r->nrows > 0;
  if (!o->have) return;
  snprintf(o->hnode, sizeof o->hnode, "%s", r->v[0].s ? r->v[0].s : "");
  o->hinc = (uint64_t)r->v[1].i;
  o->hval = (uint64_t)r->v[2].i;
}

/* Reads who holds the op's name (register, lookup) or shard (claim,
 * owner): node, incarnation and the actor or epoch; keep_row keeps it. */
static void read_holder(dqc_t *c, op_t *o) {
  if (o->kind == K_REG || o->kind == K_LOOKUP) {
    act_dq_val_t p[] = {T(o->key)};
    act__dq_query(c->dq, "SELECT node, incarnation, actor FROM act_names WHERE name = ?1", p, 1, on_res, o);
  } else {
    act_dq_val_t p[] = {V(o->shard)};
    act__dq_query(c->dq, "SELECT node, incarnation, epoch FROM act_shards WHERE shard = ?1", p, 1, on_res, o);
  }
}

static void join_decide(op_t *o) {
  dqc_t *c = o->c;
  seen_t *s = find_seen(c, o->node);
  o->sent = mono_ms();
  if (s == NULL) {
    act_dq_val_t p[] = {T(o->node), V(o->inc), T(o->addr), V(o->lease_ms)};
    act__dq_exec(c->dq, "INSERT INTO act_members VALUES (?1, ?2, ?3, ?4, 1) "
                        "ON CONFLICT (node) DO NOTHING", p, 4, on_res, o);
  } else if (s->inc == o->inc) {
    act_dq_val_t p[] = {T(o->node), V(o->inc), T(o->addr), V(o->lease_ms)};
    act__dq_exec(c->dq, "UPDATE act_members SET addr = ?3, lease_ms = ?4, ver = ver + 1 "
                        "WHERE node = ?1 AND incarnation = ?2", p, 4, on_res, o);
  } else if (takeable(c, s->node, s->inc)) {
    act_dq_val_t p[] = {T(o->node), V(o->inc), T(o->addr), V(o->lease_ms), V(s->inc), V(s->ver)};
    act__dq_exec(c->dq, "UPDATE act_members SET incarnation = ?2, addr = ?3, lease_ms = ?4, "
                        "ver = ver + 1 WHERE node = ?1 AND incarnation = ?5 AND ver = ?6",
                 p, 6, on_res, o);
  } else {
    snprintf(o->hnode, sizeof o->hnode, "%s", s->node);
    o->hinc = s->inc;
    o->have = 1;
    finish(o, ACT_COORD_TAKEN);
    return;
  }
  o->step = 1;
}

/* Names and shards: the holder row is read; decide what to write. */
static void holder_decide(op_t *o) {
  dqc_t *c = o->c;
  int shard = o->kind == K_CLAIM;
  if (!o->have) {   /* nobody holds it: create it, if the caller is a member */
    act_dq_val_t p[] = {shard ? V(o->shard) : T(o->key), V(0), V(0), V(shard ? 1 : o->actor),
                        T(o->node), V(o->inc)};
    act__dq_exec(c->dq,
                 shard ? "INSERT INTO act_shards SELECT ?1, ?5, ?6, ?4 WHERE " CALLER
                         " ON CONFLICT (shard) DO NOTHING"
                       : "INSERT INTO act_names SELECT ?1, ?5, ?6, ?4 WHERE " CALLER
                         " ON CONFLICT (name) DO NOTHING",
                 p, 6, on_res, o);
    o->epoch = 1;
    o->step = 3;
    return;
  }
  int mine = o->hinc == o->inc && strcmp(o->hnode, o->node) == 0;
  if (mine && (shard || o->hval == o->actor)) {
    o->epoch = shard ? o->hval : 0;
    finish(o, ACT_COORD_OK);
    return;
  }
  int released = shard && o->hnode[0] == 0;
  if (!released && !takeable(c, o->hnode, o->hinc)) {
    o->epoch = shard ? o->hval : 0;
    finish(o, ACT_COORD_TAKEN);
    return;
  }
  /* Take it over from (hnode, hinc) as long as nothing changed since. */
  act_dq_val_t p[] = {shard ? V(o->shard) : T(o->key), V(o->hinc), V(o->hval),
                      V(shard ? o->hval + 1 : o->actor), T(o->node), V(o->inc), T(o->hnode),
                      V(o->hinc), V(ver_of(c, o->hnode, o->hinc))};
  act__dq_exec(c->dq,
               shard ? "UPDATE act_shards SET node = ?5, incarnation = ?6, epoch = ?4 WHERE "
                       "shard = ?1 AND node = ?7 AND incarnation = ?2 AND epoch = ?3 AND " CALLER
                       " AND " UNCHANGED
                     : "UPDATE act_names SET node = ?5, incarnation = ?6, actor = ?4 WHERE "
                       "name = ?1 AND node = ?7 AND incarnation = ?2 AND actor = ?3 AND " CALLER
                       " AND " UNCHANGED,
               p, 9, on_res, o);
  o->epoch = shard ? o->hval + 1 : 0;
  o->step = 3;
}

static void members_answer(op_t *o) {
  dqc_t *c = o->c;
  act_coord_member_t *m = calloc(c->nseen ? c->nseen : 1, sizeof *m);
  if (m == NULL) {
    fail(o, "coordination store: out of memory");
    return;
  }
  size_t n = 0;
  for (size_t i = 0; i < c->nseen; i++) {
    int64_t l = left(c, c->seen[i].node, c->seen[i].inc);
    if (l <= 0) continue;
    snprintf(m[n].node, sizeof m[n].node, "%s", c->seen[i].node);
    snprintf(m[n].addr, sizeof m[n].addr, "%s", c->seen[i].addr);
    m[n].incarnation = c->seen[i].inc;
    m[n++].lease_left_ms = l;
  }
  /* Sorted by name, as every backend answers. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(m[j - 1].node, m[j].node) > 0; j--) {
      act_coord_member_t t = m[j];
      m[j] = m[j - 1];
      m[j - 1] = t;
    }
  act_coord_result_t res = {.status = ACT_COORD_OK, .members = m, .nmembers = n};
  done(o, &res);
  free(m);
}

static void read_answer(op_t *o, const act_dq_res_t *r) {
  act_coord_entry_t *e = calloc(r->nrows ? r->nrows : 1, sizeof *e);
  if (e == NULL) {
    fail(o, "coordination store: out of memory");
    return;
  }
  for (size_t i = 0; i < r->nrows; i++) {
    const act_dq_val_t *v = &r->v[i * 3];
    e[i].seq = (uint64_t)v[0].i;
    e[i].epoch = (uint64_t)v[1].i;
    e[i].data = (const uint8_t *)v[2].s;
    e[i].len = v[2].type == ACT_DQ_BLOB ? v[2].n : 0;
  }
  act_coord_result_t res = {.status = ACT_COORD_OK, .entries = e, .nentries = r->nrows};
  done(o, &res);
  free(e);
}

/* ---- batch claims: one members read, one read of every shard row, at
 * most two conditional writes for all the shards (json_each of one
 * parameter), one read of the rows again to answer. Each shard's write
 * repeats the conditions its single claim would (the claimant is a
 * member; the holder is the one read, at the epoch read, and has not
 * renewed since this client saw it), so each shard changes hands at most
 * once, at epoch + 1, whatever races it. ---- */
enum { P_DONE, P_INSERT, P_TAKE };
struct pick {
  int what;
  char hnode[ACT_NAME_MAX + 1];
  uint64_t hinc, hval;
  int64_t ver;
};

/* The JSON of a batch's writes, in a buffer made big enough for it at
 * once (jbound): no entry is longer than JENTRY. */
#define JENTRY (2 * (6 * ACT_NAME_MAX + 2) + 8 * 24)
typedef struct jbuf {
  char *p;
  size_t len, cap;
} jbuf_t;

static void jput(jbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jput(jbuf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n > 0) b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* A node name as a JSON string (names are printable; escaped anyway: at
 * most 6 bytes a byte). */
static void jstr(jbuf_t *b, const char *s) {
  jput(b, "\"");
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') jput(b, "\\%c", ch);
    else if (ch < 0x20) jput(b, "\\u%04x", ch);
    else jput(b, "%c", ch);
  }
  jput(b, "\"");
}

/* The shard rows just read, as (node, incarnation, epoch) by shard. */
static const act_dq_val_t *row_of(const act_dq_res_t *r, uint32_t shard) {
  for (size_t i = 0; i < r->nrows; i++)
    if ((uint32_t)r->v[i * 4].i == shard) return &r->v[i * 4];
  return NULL;
}

static void read_shards(op_t *o) {
  act__dq_query(o->c->dq, "SELECT shard, node, incarnation, epoch FROM act_shards", NULL, 0, on_res, o);
}

static void claims_write(op_t *o, int what);

/* The rows are read: each shard is answered now (mine, taken, the
 * claimant no member) or written below. */
static void claims_decide(op_t *o, const act_dq_res_t *r) {
  dqc_t *c = o->c;
  for (size_t i = 0; i < o->ncl; i++) {
    act_coord_claim_t *cl = &o->cl[i];
    pick_t *p = &o->pick[i];
    p->what = P_DONE;
    cl->takeover_ms = -1;
    const act_dq_val_t *v = row_of(r, cl->shard);
    if (!live(c, cl->for_.node, cl->for_.incarnation)) {
      cl->status = ACT_COORD_LOST;
      continue;
    }
    if (v == NULL) {
      p->what = P_INSERT;
      continue;
    }
    snprintf(p->hnode, sizeof p->hnode, "%s", v[1].s ? v[1].s : "");
    p->hinc = (uint64_t)v[2].i;
    p->hval = (uint64_t)v[3].i;
    snprintf(cl->owner.node, sizeof cl->owner.node, "%s", p->hnode);
    cl->owner.incarnation = p->hinc;
    cl->epoch = p->hval;
    if (p->hinc == cl->for_.incarnation && strcmp(p->hnode, cl->for_.node) == 0) {
      cl->status = ACT_COORD_OK;
    } else if (p->hnode[0] == 0 || takeable(c, p->hnode, p->hinc)) {
      p->what = P_TAKE;
      p->ver = ver_of(c, p->hnode, p->hinc);
    } else {
      cl->status = ACT_COORD_TAKEN;
      /* takeable() once left <= -margin on this client's clock */
      int64_t l = left(c, p->hnode, p->hinc);
      seen_t *sn = find_seen(c, p->hnode);
      if (l != INT64_MIN && sn) cl->takeover_ms = l + ACT_COORD_MARGIN(sn->lease_ms);
    }
  }
  claims_write(o, P_INSERT);
}

/* One conditional statement for the shards picked `what` (step 2: the
 * inserts, step 3: the takeovers); with none, the next step, and after
 * the takeovers the rows are read again (step 4). */
static void claims_write(op_t *o, int what) {
  jbuf_t b = {.cap = o->ncl * JENTRY + 8};
  if ((b.p = malloc(b.cap)) == NULL) {
    fail(o, "coordination store: out of memory");
    return;
  }
  int any = 0;
  jput(&b, "[");
  for (size_t i = 0; i < o->ncl; i++) {
    const pick_t *p = &o->pick[i];
    if (p->what != what) continue;
    const act_coord_claim_t *cl = &o->cl[i];
    jput(&b, "%s[%" PRIu32 ",", any++ ? "," : "", cl->shard);
    jstr(&b, cl->for_.node);
    jput(&b, ",%" PRId64, (int64_t)cl->for_.incarnation);
    if (what == P_TAKE) {
      jput(&b, ",%" PRId64 ",", (int64_t)p->hval);
      jstr(&b, p->hnode);
      jput(&b, ",%" PRId64 ",%" PRId64, (int64_t)p->hinc, p->ver);
    }
    jput(&b, "]");
  }
  jput(&b, "]");
  o->step = what == P_INSERT ? 2 : 3;
  if (!any) {
    free(b.p);
    if (what == P_INSERT) {
      claims_write(o, P_TAKE);
    } else {
      o->step = 4;
      read_shards(o);
    }
    return;
  }
  /* $[0] shard, $[1] node, $[2] incarnation (the claimant); takeovers
   * also $[3] the epoch read, $[4] and $[5] its holder, $[6] the holder's
   * counter as seen (-1: seen gone). */
#define J(i) "json_extract(j.value, '$[" #i "]')"
#define MEMBER(n, i) "EXISTS (SELECT 1 FROM act_members m WHERE m.node = " n " AND m.incarnation = " i ")"
  act_dq_val_t p[] = {T(b.p)};
  act__dq_exec(o->c->dq,
               what == P_INSERT
                   ? "INSERT INTO act_shards SELECT " J(0) ", " J(1) ", " J(2) ", 1 FROM json_each(?1) AS j "
                     "WHERE " MEMBER(J(1), J(2)) " ON CONFLICT (shard) DO NOTHING"
                   : "UPDATE act_shards SET node = " J(1) ", incarnation = " J(2) ", epoch = " J(3) " + 1 "
                     "FROM json_each(?1) AS j WHERE act_shards.shard = " J(0) " AND act_shards.node = " J(4)
                     " AND act_shards.incarnation = " J(5) " AND act_shards.epoch = " J(3) " AND "
                     MEMBER(J(1), J(2)) " AND NOT EXISTS (SELECT 1 FROM act_members m WHERE m.node = " J(4)
                     " AND m.incarnation = " J(5) " AND m.ver <> " J(6) ")",
               p, 1, on_res, o);
#undef J
#undef MEMBER
  free(b.p);   /* the client copied it */
}

/* Step 4: what the rows say now answers every shard that was written. */
static void claims_answer(op_t *o, const act_dq_res_t *r) {
  for (size_t i = 0; i < o->ncl; i++) {
    if (o->pick[i].what == P_DONE) continue;
    act_coord_claim_t *cl = &o->cl[i];
    const act_dq_val_t *v = row_of(r, cl->shard);
    cl->takeover_ms = -1;
    if (v == NULL) {   /* the claimant stopped being a member meanwhile */
      cl->status = ACT_COORD_LOST;
      continue;
    }
    snprintf(cl->owner.node, sizeof cl->owner.node, "%s", v[1].s ? v[1].s : "");
    cl->owner.incarnation = (uint64_t)v[2].i;
    cl->epoch = (uint64_t)v[3].i;
    int mine = cl->owner.incarnation == cl->for_.incarnation && strcmp(cl->owner.node, cl->for_.node) == 0;
    cl->status = mine ? ACT_COORD_OK : ACT_COORD_TAKEN;
  }
  act_coord_result_t res = {.status = ACT_COORD_OK, .claims = o->cl, .nclaims = o->ncl};
  done(o, &res);
}

/* step 0: the members were read (calls that judge leases) or the first
 * statement answered; later steps per call. */
static void advance(op_t *o, const act_dq_res_t *r) {
  dqc_t *c = o->c;
  if (!r->ok) {
    if (o->kind == K_RENEW && renew_again(o)) return;
    fail(o, r->error);
    return;
  }
  if (o->step == 0 && o->kind != K_RENEW && o->kind != K_LEAVE && o->kind != K_UNREG &&
      o->kind != K_RELEASE && o->kind != K_FENCE && o->kind != K_APPEND && o->kind != K_READ) {
    if (refresh(c, r) != 0) {
      fail(o, "coordination store: out of memory");
      return;
    }
  }
  switch (o->kind) {
  case K_JOIN:
    if (o->step == 0) {
      join_decide(o);
    } else if (r->changes == 1) {
      hold(c, o->node, o->inc, o->sent + (uint64_t)o->lease_ms);
      finish(o, ACT_COORD_OK);
    } else {
      retry(o);
    }
    return;
  case K_RENEW:   /* step 0 is the write */
    if (r->changes == 1) {
      hold(c, o->node, o->inc, o->sent + (uint64_t)o->lease_ms);
      finish(o, ACT_COORD_OK);
    } else {
      unhold(c, o->node, o->inc);
      finish(o, ACT_COORD_LOST);
    }
    return;
  case K_LEAVE: finish(o, ACT_COORD_OK); return;
  case K_MEMBERS: members_answer(o); return;
  case K_LOOKUP:
  case K_OWNER:
    if (o->step == 0) {
      o->step = 1;
      read_holder(c, o);
      return;
    }
    keep_row(o, r);
    if (o->kind == K_OWNER && o->have) o->epoch = o->hval;
    finish(o, o->have && live(c, o->hnode, o->hinc) ? ACT_COORD_OK : ACT_COORD_NOTFOUND);
    return;
  case K_REG:
  case K_CLAIM:
    if (o->step == 0) {
      if (!live(c, o->node, o->inc)) {
        finish(o, ACT_COORD_LOST);
        return;
      }
      o->step = 2;
      read_holder(c, o);
    } else if (o->step == 2) {
      keep_row(o, r);
      holder_decide(o);
    } else if (r->changes == 1) {
      o->have = 1;
      snprintf(o->hnode, sizeof o->hnode, "%s", o->node);
      o->hinc = o->inc;
      o->hval = o->kind == K_REG ? o->actor : o->epoch;
      finish(o, ACT_COORD_OK);
    } else {
      retry(o);
    }
    return;
  case K_UNREG:
  case K_RELEASE: finish(o, r->changes == 1 ? ACT_COORD_OK : ACT_COORD_NOTFOUND); return;
  case K_FENCE:
  case K_APPEND:
    if (o->step == 0) {
      if (o->kind == K_APPEND && r->changes == 1) {
        finish(o, ACT_COORD_OK);
        return;
      }
      o->step = 1;   /* why nothing was written, or where the fence stands */
      act_dq_val_t p[] = {T(o->key)};
      act__dq_query(c->dq, "SELECT epoch FROM act_heads WHERE key = ?1", p, 1, on_res, o);
      return;
    }
    o->have = 0;
    uint64_t head = r->nrows ? (uint64_t)r->v[0].i : 0;
    if (head != o->epoch) {
      o->epoch = head;
      finish(o, ACT_COORD_LOST);
    } else {
      finish(o, o->kind == K_FENCE ? ACT_COORD_OK : ACT_COORD_TAKEN);
    }
    return;
  case K_READ: read_answer(o, r); return;
  case K_CLAIMS:
    if (o->step == 0) {
      o->step = 1;
      read_shards(o);
    } else if (o->step == 1) {
      claims_decide(o, r);
    } else if (o->step == 2) {
      claims_write(o, P_TAKE);
    } else if (o->step == 3) {
      o->step = 4;
      read_shards(o);
    } else {
      claims_answer(o, r);
    }
    return;
  }
}

/* ---- the calls: one at a time per store, in the order they were made,
 * so that a renewal queued behind a join sees the lease the join took ---- */
/* The tables are made before a call's first statement, and made again
 * until that succeeds: a statement that found no leader within
 * ACT_DQ_WAIT_MS fails, and a new cluster's first seed may take longer
 * than that to bootstrap the store (a fifth of the lease: 6 s at 30 s).
 * Sent once at open, unanswered, the tables were never made and every
 * join failed with "no such table" for as long as the node ran. */
static void on_schema(void *arg, const act_dq_res_t *r) {
  op_t *o = arg;
  if (!r->ok) {
    fail(o, r->error ? r->error : "coordination store: cannot make the tables");
    return;
  }
  o->c->schema = 1;
  begin(o);
}

static void begin(op_t *o) {
  dqc_t *c = o->c;
  if (!c->schema) {
    act__dq_exec(c->dq, SCHEMA, NULL, 0, on_schema, o);
    return;
  }
  switch (o->kind) {
  case K_JOIN: case K_MEMBERS: case K_REG: case K_LOOKUP: case K_CLAIM: case K_OWNER: case K_CLAIMS:
    read_members(o);
    return;
  case K_RENEW: {
    /* A lease that lapsed on the holder's own clock stays lapsed: others
     * may already count it gone. Joining again is the way back. */
    held_t *h = find_held(c, o->node, o->inc);
    if (h == NULL || h->deadline <= mono_ms()) {
      if (h) unhold(c, o->node, o->inc);
      finish(o, ACT_COORD_LOST);
      return;
    }
    o->sent = mono_ms();
    act_dq_val_t p[] = {T(o->node), V(o->inc), V(o->lease_ms)};
    act__dq_exec(c->dq, "UPDATE act_members SET lease_ms = ?3, ver = ver + 1 "
                        "WHERE node = ?1 AND incarnation = ?2", p, 3, on_res, o);
    return;
  }
  case K_LEAVE: {
    unhold(c, o->node, o->inc);
    act_dq_val_t p[] = {T(o->node), V(o->inc)};
    act__dq_exec(c->dq, "DELETE FROM act_members WHERE node = ?1 AND incarnation = ?2", p, 2,
                 on_res, o);
    return;
  }
  case K_UNREG: {
    act_dq_val_t p[] = {T(o->key), T(o->node), V(o->inc), V(o->actor)};
    act__dq_exec(c->dq, "DELETE FROM act_names WHERE name = ?1 AND node = ?2 AND "
                        "incarnation = ?3 AND actor = ?4", p, 4, on_res, o);
    return;
  }
  case K_RELEASE: {
    /* The row stays, with its epoch, so the next claim still raises it. */
    act_dq_val_t p[] = {V(o->shard), T(o->node), V(o->inc)};
    act__dq_exec(c->dq, "UPDATE act_shards SET node = '', incarnation = 0 "
                        "WHERE shard = ?1 AND node = ?2 AND incarnation = ?3", p, 3, on_res, o);
    return;
  }
  case K_FENCE: {
    act_dq_val_t p[] = {T(o->key), V(o->epoch)};
    act__dq_exec(c->dq, "INSERT INTO act_heads VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE "
                        "SET epoch = excluded.epoch WHERE act_heads.epoch < excluded.epoch",
                 p, 2, on_res, o);
    return;
  }
  case K_APPEND: {
    /* One statement, so one transaction: the epoch check and the insert. */
    act_dq_val_t p[] = {T(o->key), V(o->seq), V(o->epoch), act__dq_blob(o->data, o->len)};
    act__dq_exec(c->dq, "INSERT INTO act_journal SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 "
                        "FROM act_heads WHERE key = ?1 AND epoch = ?3) "
                        "ON CONFLICT (key, seq) DO NOTHING", p, 4, on_res, o);
    return;
  }
  case K_READ: {
    act_dq_val_t p[] = {T(o->key), V(o->seq), V(ACT_COORD_READ_MAX)};
    act__dq_query(c->dq, "SELECT seq, epoch, data FROM act_journal WHERE key = ?1 AND seq > ?2 "
                         "ORDER BY seq LIMIT ?3", p, 3, on_res, o);
    return;
  }
  }
}

static void submit(op_t *o) {
  dqc_t *c = o->c;
  /* A renewal goes ahead of the calls waiting (behind the one running and
   * the renewals before it): one call runs at a time, a few statements
   * through Raft each, and at start-up a node queues dozens of shard
   * claims and name registrations at once; a renewal behind them came
   * back after the lease's guard and the node fenced itself, which at a
   * 2 s lease happened to every node now and then as the seeds' stores
   * merged (slower statements while a voter joins). It stays behind the
   * membership calls (join, renew, leave) asked before it: only their
   * order matters to it. */
  if (o->kind == K_RENEW && c->head && c->head->next) {
    op_t *at = c->head;
    for (op_t *q = c->head->next; q; q = q->next)
      if (q->kind == K_JOIN || q->kind == K_RENEW || q->kind == K_LEAVE) at = q;
    o->next = at->next;
    at->next = o;
    if (o->next == NULL) c->tail = o;
    return;
  }
  if (c->tail)
    c->tail->next = o;
  else
    c->head = o;
  c->tail = o;
  if (c->head == o) {
    o->started = 1;
    begin(o);
  }
}

static op_t *new_op(act_coord_t *base, int kind, act_coord_cb cb, void *arg) {
  op_t *o = calloc(1, sizeof *o);
  if (o == NULL) {
    act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
    if (cb) cb(arg, &res);
    return NULL;
  }
  o->c = (dqc_t *)base;
  o->kind = kind;
  o->cb = cb;
  o->arg = arg;
  return o;
}

/* A name or journal key for o (copied); 0: answered with an error. */
static int set_key(op_t *o, const char *key) {
  if ((o->key = strdup(key)) != NULL) return 1;
  act_coord_result_t res = {.status = ACT_COORD_ERROR, .error = "coordination store: out of memory"};
  done(o, &res);
  return 0;
}

static act_coord_t *dq_open(struct uv_loop_s *loop, const char *url, char *err, size_t cap) {
  dqc_t *c = calloc(1, sizeof *c);
  if (c == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  c->base.ops = &act_coord_dqlite_ops;
  c->dq = act__dq_open(loop, url + strlen("dqlite://"), err, cap);
  if (c->dq == NULL) {
    free(c);
    return NULL;
  }
  return &c->base;   /* the tables come with the first call (begin) */
}

static void dq_close(act_coord_t *base) {
  dqc_t *c = (dqc_t *)base;
  c->closing = 1;
  act__dq_close(c->dq);   /* answers the statement of the op running: it fails */
  while (c->head) fail(c->head, "coordination store: closed");
  free(c->seen);
  free(c->held);
  free(c);
}

static void dq_join(act_coord_t *b, const act_coord_member_t *m, int64_t lease_ms,
                    act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, K_JOIN, cb, arg);
  if (o == NULL) return;
  snprintf(o->node, sizeof o->node, "%s", m->node);
  snprintf(o->addr, sizeof o->addr, "%s", m->addr);
  o->inc = m->incarnation;
  o->lease_ms = lease_ms;
  submit(o);
}

static void dq_renew(act_coord_t *b, const char *node, uint64_t inc, int64_t lease_ms,
                     act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, K_RENEW, cb, arg);
  if (o == NULL) return;
  snprintf(o->node, sizeof o->node, "%s", node);
  o->inc = inc;
  o->lease_ms = lease_ms;
  submit(o);
}

static void dq_leave(act_coord_t *b, const char *node, uint64_t inc, act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, K_LEAVE, cb, arg);
  if (o == NULL) return;
  snprintf(o->node, sizeof o->node, "%s", node);
  o->inc = inc;
  submit(o);
}

static void dq_members(act_coord_t *b, act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, K_MEMBERS, cb, arg);
  if (o) submit(o);
}

/* Names: the name in key, the owner in node/inc/actor. */
static void name_op(act_coord_t *b, int kind, const char *name, const act_coord_owner_t *ow,
                    act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, kind, cb, arg);
  if (o == NULL) return;
  if (!set_key(o, name)) return;
  if (ow) {
    snprintf(o->node, sizeof o->node, "%s", ow->node);
    o->inc = ow->incarnation;
    o->actor = ow->actor;
  }
  submit(o);
}
static void dq_reg(act_coord_t *b, const char *name, const act_coord_owner_t *ow, act_coord_cb cb,
                   void *arg) {
  name_op(b, K_REG, name, ow, cb, arg);
}
static void dq_lookup(act_coord_t *b, const char *name, act_coord_cb cb, void *arg) {
  name_op(b, K_LOOKUP, name, NULL, cb, arg);
}
static void dq_unreg(act_coord_t *b, const char *name, const act_coord_owner_t *ow,
                     act_coord_cb cb, void *arg) {
  name_op(b, K_UNREG, name, ow, cb, arg);
}

/* Shards: the shard, and the caller in node/inc. */
static void shard_op(act_coord_t *b, int kind, uint32_t shard, const char *node, uint64_t inc,
                     act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, kind, cb, arg);
  if (o == NULL) return;
  o->shard = shard;
  if (node) snprintf(o->node, sizeof o->node, "%s", node);
  o->inc = inc;
  submit(o);
}
static void dq_claim(act_coord_t *b, uint32_t shard, const char *node, uint64_t inc,
                     act_coord_cb cb, void *arg) {
  shard_op(b, K_CLAIM, shard, node, inc, cb, arg);
}
static void dq_owner(act_coord_t *b, uint32_t shard, act_coord_cb cb, void *arg) {
  shard_op(b, K_OWNER, shard, NULL, 0, cb, arg);
}
static void dq_release(act_coord_t *b, uint32_t shard, const char *node, uint64_t inc,
                       act_coord_cb cb, void *arg) {
  shard_op(b, K_RELEASE, shard, node, inc, cb, arg);
}

static void dq_claims(act_coord_t *b, const act_coord_claim_t *v, size_t n, act_coord_cb cb,
                      void *arg) {
  op_t *o = new_op(b, K_CLAIMS, cb, arg);
  if (o == NULL) return;
  o->cl = malloc(n * sizeof *o->cl);
  o->pick = calloc(n, sizeof *o->pick);
  if (o->cl == NULL || o->pick == NULL) {
    fail(o, "coordination store: out of memory");
    return;
  }
  memcpy(o->cl, v, n * sizeof *v);
  o->ncl = n;
  submit(o);
}

/* The journal: the key, the caller's epoch, a sequence number, the data. */
static void journal_op(act_coord_t *b, int kind, const char *key, uint64_t epoch, uint64_t seq,
                       const void *data, size_t len, act_coord_cb cb, void *arg) {
  op_t *o = new_op(b, kind, cb, arg);
  if (o == NULL || !set_key(o, key)) return;
  o->epoch = epoch;
  o->seq = seq;
  if (len) {
    o->data = malloc(len);
    if (o->data == NULL) {
      fail(o, "coordination store: out of memory");
      return;
    }
    memcpy(o->data, data, len);
    o->len = len;
  }
  submit(o);
}
static void dq_fence(act_coord_t *b, const char *key, uint64_t epoch, act_coord_cb cb,
                     void *arg) {
  journal_op(b, K_FENCE, key, epoch, 0, NULL, 0, cb, arg);
}
static void dq_append(act_coord_t *b, const char *key, uint64_t epoch, uint64_t seq,
                      const void *data, size_t len, act_coord_cb cb, void *arg) {
  journal_op(b, K_APPEND, key, epoch, seq, data, len, cb, arg);
}
static void dq_read(act_coord_t *b, const char *key, uint64_t after, act_coord_cb cb, void *arg) {
  journal_op(b, K_READ, key, 0, after, NULL, 0, cb, arg);
}

const act_coord_ops_t act_coord_dqlite_ops = {
    "dqlite://", dq_open,  dq_close,   dq_join,  dq_renew,  dq_leave, dq_members, dq_reg,
    dq_lookup,   dq_unreg, dq_claim,   dq_owner, dq_release, dq_fence, dq_append, dq_read,
    dq_claims,
};
