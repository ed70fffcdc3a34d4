/* node.c: this process as a node of a cluster — the listener, the peers,
 * heartbeats and failure detection, finding the other nodes, the public
 * act_cluster_* calls. All of it runs on one libuv loop in its own thread;
 * other threads only read the member list (under `mu`) and queue work
 * through `wake`.
 *
 * Membership: a node dials its seeds; each side of a new control
 * connection tells the other the peers it has (ACT_FR_PEERS) and dials
 * those it lacks, so the nodes form a full mesh. When both ends dial each
 * other at once, the connection dialled by the node with the lower name
 * is kept on both sides, whichever finished first.
 *
 * Failure: heartbeats every --act-heartbeat on the control connection
 * feed a phi-accrual detector per peer; past PHI_THRESHOLD the peer is
 * unreachable: its connections are closed, watchers are told, and that
 * incarnation is quarantined — it is refused if it comes back (after a
 * SIGSTOP, say), since everything it owned has been declared lost. A
 * restarted node has a new incarnation and is welcome. A closed
 * connection alone proves nothing and is simply dialled again. */
#define GC_THREADS
#include <gc/gc.h>

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cluster/cluster_int.h"
#include "cluster/trace.h"
#include "rt/rt.h"

#define PHI_THRESHOLD 8.0
#define MAX_SEEDS 64
#define MAX_CONNS 4096
#define QUARANTINE 1024
#define DIAL_BACKOFF_MAX (5 * 1000000000LL)

act_cluster_faults_t act__cluster_faults;

/* act_cluster_send from other threads. Small messages to one node share
 * a block (a batch), framed by the sending thread as they will cross (a
 * frame header, then the message), so a burst of tells costs one
 * allocation per BATCH_CAP bytes, not one per message, and the loop thread
 * hands the whole block to TLS in one piece instead of framing each; a
 * larger message has a block of its own, which its connection takes over
 * without a copy. One list keeps the order in which they were sent. */
#define BATCH_MAX (4u * 1024u)   /* messages up to this size are batched */
#define BATCH_CAP (64u * 1024u)
typedef struct outbox {
  struct outbox *next;
  char node[ACT_NAME_MAX + 1];
  size_t len;         /* message bytes, as act_cluster_on_sent counts them */
  size_t used, cap;   /* a batch: bytes of data in use, and room; cap 0: one message */
  uint8_t data[];
} outbox_t;

/* Messages wait here while a peer's data connection is not up yet (it
 * is dialled once the control connection is): at most WAIT_MAX bytes. */
#define WAIT_MAX (64u * 1024u * 1024u)

struct act_peer {
  act_peer_t *next;
  outbox_t *wait_head, *wait_tail;
  size_t wait_bytes;
  act_hello_t hello;               /* as it introduced itself */
  struct sockaddr_storage sa;      /* where it listens */
  act_conn_t *conn[3];             /* [ACT_CONN_CONTROL], [ACT_CONN_DATA] */
  act_conn_t *fast;                /* its data connection, for workers (under mu) */
  act_phi_t phi;
  int64_t next_dial;
  uint64_t heard;                  /* loop time (ms) of its last frame, on any connection */
  int in_store;                    /* seen among the store's live members */
  int64_t left_at;                 /* it said `BYE left`: gone when its data
                                      connection ends, or at this time */
};

typedef struct seed {
  struct sockaddr_storage sa;
  int64_t next_dial, backoff;
} seed_t;

typedef struct quarantined {
  char node[ACT_NAME_MAX + 1];
  uint64_t incarnation;
} quarantined_t;

struct act_node {
  uv_loop_t loop;
  /* Two threads run the loop in turn (baton.c): while one runs an
   * arrival for an idle actor outside it, the other runs the loop. */
  uv_thread_t thread, spare;
  act_baton_t baton;
  uv_tcp_t listener;
  uv_timer_t tick;
  uv_async_t wake;
  uv_check_t turns;   /* counts the loop's turns (act__node_turn) */
  uint64_t turn;
  act_tls_t *tls;
  act_hello_t me;
  struct sockaddr_storage self_sa;
  int64_t hb, next_hb;
  uint64_t hb_seq;
  seed_t seeds[MAX_SEEDS];
  int nseeds;
  act_peer_t *peers;
  act_conn_t *conns;
  int nconns;
  quarantined_t quarantine[QUARANTINE];
  int nquarantine;
  pthread_mutex_t mu;   /* peers (readers elsewhere), outbox, stopping */
  outbox_t *out_head, *out_tail;
  int delivering;       /* the loop holds messages taken from the outbox */
  int stopping;
  int64_t leave_by;     /* stopping: goodbyes wait for queued messages until then */
  int64_t last_tick;
  act_nodestore_t *store;   /* --act-store: NULL without one */
  int has_spare;            /* the second loop thread started */
};

static act_node_t *_Atomic g_node;   /* read by workers and the timer thread */
static uint64_t g_schema;
static act_cluster_event_fn g_event;
static void *g_event_arg;
static act_cluster_message_fn g_msg;
static void *g_msg_arg;
static act_cluster_sent_fn g_sent;

int64_t act__cluster_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

const act_hello_t *act__node_me(act_node_t *n, int kind) {
  n->me.kind = (uint8_t)kind;
  return &n->me;
}
act_tls_t *act__node_tls(act_node_t *n) { return n->tls; }
uv_loop_t *act__node_loop(act_node_t *n) { return &n->loop; }
uint64_t act__node_turn(act_node_t *n) { return n->turn; }
void act__node_more(act_node_t *n) { uv_async_send(&n->wake); }

static void on_turn(uv_check_t *h) {
  act_node_t *n = h->data;
  n->turn++;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
  return 0;
}

/* HOST:PORT (HOST may be [v6]) to an address; numeric only unless
 * `lookup` (the command line may name hosts, a peer's hello may not). */
static int parse_addr(const char *s, size_t n, int lookup, struct sockaddr_storage *out) {
  char host[ACT_ADDR_MAX + 1], port[8];
  if (n == 0 || n > ACT_ADDR_MAX) return -1;
  const char *colon = NULL;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ':') colon = s + i;
  if (colon == NULL || colon == s || (size_t)(s + n - colon - 1) >= sizeof port ||
      colon + 1 == s + n)
    return -1;
  size_t hl = (size_t)(colon - s);
  if (s[0] == '[') {
    if (hl < 3 || s[hl - 1] != ']') return -1;
    memcpy(host, s + 1, hl - 2);
    host[hl - 2] = 0;
  } else {
    memcpy(host, s, hl);
    host[hl] = 0;
  }
  memcpy(port, colon + 1, (size_t)(s + n - colon - 1));
  port[s + n - colon - 1] = 0;
  for (char *p = port; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  long pn = strtol(port, NULL, 10);
  if (pn < 1 || pn > 65535) return -1;
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (lookup ? 0 : AI_NUMERICHOST);
  if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL) return -1;
  memset(out, 0, sizeof *out);
  memcpy(out, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return 0;
}

/* ---- events and the member list ----------------------------------------- */

static void tell(const char *node, int up, const char *reason) {
  if (g_event) g_event(g_event_arg, node, up, reason);
}

static act_peer_t *find_peer(act_node_t *n, const char *name) {
  for (act_peer_t *p = n->peers; p; p = p->next)
    if (strcmp(p->hello.node, name) == 0) return p;
  return NULL;
}

static int is_quarantined(act_node_t *n, const char *name, uint64_t inc) {
  int k = n->nquarantine < QUARANTINE ? n->nquarantine : QUARANTINE;
  for (int i = 0; i < k; i++)
    if (n->quarantine[i].incarnation == inc && strcmp(n->quarantine[i].node, name) == 0) return 1;
  return 0;
}

static void send_peers(act_node_t *n, act_conn_t *to, act_peer_t *only) {
  static act_peer_entry_t e[ACT_PEERS_MAX];
  static uint8_t buf[ACT_FRAME_MAX];
  size_t k = 0;
  for (act_peer_t *p = n->peers; p && k < ACT_PEERS_MAX; p = p->next) {
    if ((only && p != only) || p == to->peer) continue;
    e[k].incarnation = p->hello.incarnation;
    strcpy(e[k].node, p->hello.node);
    strcpy(e[k].addr, p->hello.addr);
    k++;
  }
  size_t len = act_peers_encode(e, k, buf, sizeof buf);
  if (k && len) act__conn_frame(to, ACT_FR_PEERS, buf, len);
}

static void free_waiting(act_peer_t *p) {
  for (outbox_t *o = p->wait_head, *nx; o; o = nx) {
    nx = o->next;
    if (g_sent) g_sent(o->node, o->len);   /* dropped */
    free(o);
  }
  p->wait_head = p->wait_tail = NULL;
  p->wait_bytes = 0;
}

/* The peer is gone (reason: "unreachable", "left", "restarted"). */
/* How long a peer that said `BYE left` may take to end its data connection. */
#define LEFT_DRAIN (2 * 1000000000LL)

static void peer_down(act_node_t *n, act_peer_t *p, const char *reason, const char *detail) {
  act__logf("act: cluster: node %s is %s%s\n", p->hello.node,
            strcmp(reason, "left") == 0 ? "gone: it left" : reason, detail);
  quarantined_t *q = &n->quarantine[n->nquarantine++ % QUARANTINE];
  strcpy(q->node, p->hello.node);
  q->incarnation = p->hello.incarnation;
  pthread_mutex_lock(&n->mu);
  for (act_peer_t **pp = &n->peers; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  pthread_mutex_unlock(&n->mu);
  for (int k = ACT_CONN_CONTROL; k <= ACT_CONN_DATA; k++)
    if (p->conn[k]) {
      act_conn_t *c = p->conn[k];
      p->conn[k] = NULL;
      c->peer = NULL;
      act__conn_close(c, ACT_FR_BYE, reason);
    }
  tell(p->hello.node, 0, reason);
  free_waiting(p);
  free(p);
}

static int dialing(act_node_t *n, const struct sockaddr_storage *sa, int kind) {
  for (act_conn_t *c = n->conns; c; c = c->next)
    if (c->outgoing && c->kind == kind && c->state != C_CLOSING && same_addr(&c->sa, sa)) return 1;
  return 0;
}

static void dial(act_node_t *n, const struct sockaddr_storage *sa, int kind) {
  if (n->nconns >= MAX_CONNS || dialing(n, sa, kind)) return;
  act_conn_t *c = act__conn_new(n, 1, kind);
  if (c == NULL) return;
  c->next = n->conns;
  n->conns = c;
  n->nconns++;
  act__conn_dial(c, (const struct sockaddr *)sa);
}

/* ---- what the connections report ------------------------------------- */

/* o's messages to c, in order; the connection takes o over. */
static void deliver(act_conn_t *c, outbox_t *o) {
  if (o->cap == 0)
    act__conn_message(c, o->data, o->len, o);
  else
    act__conn_batch(c, o, o->data, o->used, o->len);
}

void act__node_refused(act_conn_t *c, const char *why, size_t len) {
  act_node_t *n = c->node;
  if (n->store && len == sizeof ACT_REFUSE_QUARANTINED - 1 &&
      memcmp(why, ACT_REFUSE_QUARANTINED, len) == 0)
    act__nodestore_quarantined(n->store, c->remote);
}

int act__node_refuses(act_conn_t *c) {
  const act_hello_t *h = &c->theirs;
  if (!is_quarantined(c->node, h->node, h->incarnation)) return 0;
  act__logf("act: cluster: refused node %s at %s: this incarnation was declared unreachable; "
            "it must restart to rejoin\n", h->node, c->remote);
  act__conn_close(c, ACT_FR_REFUSE, ACT_REFUSE_QUARANTINED);
  return 1;
}

void act__node_hello(act_conn_t *c) {
  act_node_t *n = c->node;
  const act_hello_t *h = &c->theirs;
  if (act__node_refuses(c)) return;
  struct sockaddr_storage sa;
  if (parse_addr(h->addr, strlen(h->addr), 0, &sa) != 0) {
    act__logf("act: cluster: refused node %s at %s: it listens at `%s`, not an address\n", h->node,
              c->remote, h->addr);
    act__conn_close(c, ACT_FR_REFUSE, "the listening address in the hello is not numeric");
    return;
  }
  act_peer_t *p = find_peer(n, h->node);
  if (p && p->hello.incarnation != h->incarnation) {
    /* The same name, a new incarnation: the old process is gone. */
    peer_down(n, p, "restarted", " (a new incarnation joined)");
    p = NULL;
  }
  int fresh = p == NULL;
  if (fresh) {
    p = calloc(1, sizeof *p);
    if (p == NULL) {
      act__conn_close(c, 0, "");
      return;
    }
    p->hello = *h;
    p->sa = sa;
    act_phi_init(&p->phi, act__cluster_now(), (double)n->hb, (double)n->hb / 4, (double)n->hb);
    pthread_mutex_lock(&n->mu);
    p->next = n->peers;
    n->peers = p;
    pthread_mutex_unlock(&n->mu);
    for (int i = 0; i < n->nseeds; i++)
      if (same_addr(&n->seeds[i].sa, &sa)) n->seeds[i].backoff = n->hb;
  }
  act_conn_t *old = p->conn[c->kind];
  if (old && old != c) {
    /* Two connections of one kind: keep the one the lower name dialled. */
    int lower = strcmp(n->me.node, h->node) < 0;
    act_conn_t *drop = c->outgoing == lower ? old : c;
    drop->peer = NULL;
    if (drop == c) {
      act__conn_close(c, ACT_FR_BYE, "duplicate");
      return;
    }
    act__conn_close(old, ACT_FR_BYE, "duplicate");
  }
  p->conn[c->kind] = c;
  c->peer = p;
  if (c->kind == ACT_CONN_DATA) {   /* what waited for it, in order */
    for (outbox_t *o = p->wait_head, *nx; o; o = nx) {
      nx = o->next;
      deliver(c, o);
    }
    p->wait_head = p->wait_tail = NULL;
    p->wait_bytes = 0;
    act__conn_flush(c);
    pthread_mutex_lock(&n->mu);   /* workers may write to it (act__cluster_send_now) */
    p->fast = c;
    pthread_mutex_unlock(&n->mu);
  }
  if (fresh) {
    act__logf("act: cluster: node %s joined (%s)\n", h->node, h->addr);
    tell(h->node, 1, "joined");
    for (act_peer_t *q = n->peers; q; q = q->next)   /* introduce it to the others */
      if (q != p && q->conn[ACT_CONN_CONTROL] && q->conn[ACT_CONN_CONTROL]->state == C_UP)
        send_peers(n, q->conn[ACT_CONN_CONTROL], p);
  }
  if (c->kind == ACT_CONN_CONTROL) send_peers(n, c, NULL);
}

static void on_peer_entry(void *arg, const act_peer_entry_t *e) {
  act_node_t *n = arg;
  struct sockaddr_storage sa;
  if (strcmp(e->node, n->me.node) == 0 || is_quarantined(n, e->node, e->incarnation)) return;
  act_peer_t *p = find_peer(n, e->node);
  if (p && p->hello.incarnation == e->incarnation) return;
  if (parse_addr(e->addr, strlen(e->addr), 0, &sa) == 0) dial(n, &sa, ACT_CONN_CONTROL);
}

void act__node_frame(act_conn_t *c, const act_frame_t *f) {
  act_node_t *n = c->node;
  act_peer_t *p = c->peer;
  switch (f->type) {
  case ACT_FR_HEARTBEAT:
    if (p && c->kind == ACT_CONN_CONTROL) act_phi_beat(&p->phi, act__cluster_now());
    break;
  case ACT_FR_PEERS:
    if (act_peers_decode(f->payload, f->len, on_peer_entry, n) != ACT_WIRE_OK) {
      act__logf("act: cluster: dropped the connection with %s: malformed peer list\n", c->remote);
      act__conn_close(c, ACT_FR_BYE, "malformed peer list");
    }
    break;
  case ACT_FR_BYE:
    if (p && c->kind == ACT_CONN_CONTROL && f->len == 4 && memcmp(f->payload, "left", 4) == 0) {
      /* What it sent before leaving (a Down "normal", replies) comes on
       * its data connection, which it closes after them: the node is gone
       * once that has been read, so nothing it sent is overtaken by its
       * own leave. */
      act_conn_t *d = p->conn[ACT_CONN_DATA];
      if (d && d->state == C_UP && p->left_at == 0) {
        p->left_at = act__cluster_now() + LEFT_DRAIN;
        break;
      }
      peer_down(n, p, "left", "");
    } else
      act__conn_close(c, 0, "");
    break;
  default:
    break;
  }
}

static void report_sent(act_conn_t *c);

/* Reported per batch (report_sent), not per message. */
void act__node_sent(act_conn_t *c, size_t n) { c->sent += n; }

void act__node_dropped(act_conn_t *c, size_t n) {
  c->sent += n;
  report_sent(c);
}

void act__node_report(act_conn_t *c) { report_sent(c); }

static void report_sent(act_conn_t *c) {
  if (c->sent && g_sent && c->kind == ACT_CONN_DATA && c->theirs.node[0]) g_sent(c->theirs.node, c->sent);
  c->sent = 0;
}

void act__node_heard(act_conn_t *c) { c->peer->heard = uv_now(&c->node->loop); }

void act__node_message(act_conn_t *c, const uint8_t *m, size_t len) {
  if (g_msg && c->peer) g_msg(g_msg_arg, c->peer->hello.node, m, len);
}

void act__node_closed(act_conn_t *c) {
  act_node_t *n = c->node;
  act_peer_t *gone = c->kind == ACT_CONN_DATA && c->peer && c->peer->left_at &&
                     c->peer->conn[ACT_CONN_DATA] == c ? c->peer : NULL;
  report_sent(c);
  if (c->kind == ACT_CONN_DATA) {   /* no worker finds it any more */
    pthread_mutex_lock(&n->mu);
    for (act_peer_t *p = n->peers; p; p = p->next)
      if (p->fast == c) p->fast = NULL;
    pthread_mutex_unlock(&n->mu);
  }
  for (act_conn_t **pp = &n->conns; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      n->nconns--;
      break;
    }
  if (c->peer && c->peer->conn[c->kind] == c) c->peer->conn[c->kind] = NULL;
  c->peer = NULL;
  if (gone) peer_down(n, gone, "left", "");   /* its last messages are delivered */
}

/* ---- the loop ------------------------------------------------------------ */

static void on_accept(uv_stream_t *l, int status) {
  act_node_t *n = l->data;
  if (status < 0) return;
  act_conn_t *c = act__conn_new(n, 0, 0);
  if (c == NULL) return;
  c->next = n->conns;
  n->conns = c;
  n->nconns++;
  if (act__conn_accept(c, l) == 0 && n->nconns > MAX_CONNS)
    act__conn_close(c, 0, "");   /* too many half-open connections */
}

static void leave(act_node_t *n);

void act__node_store_members(act_node_t *n, const act_coord_member_t *m, size_t count) {
  for (act_peer_t *p = n->peers, *nx; p; p = nx) {
    nx = p->next;
    int live = 0;
    for (size_t i = 0; i < count && !live; i++)
      live = m[i].incarnation == p->hello.incarnation && strcmp(m[i].node, p->hello.node) == 0;
    /* Only a peer seen there before: one that has not joined yet is not lost. */
    if (live)
      p->in_store = 1;
    else if (p->in_store)
      peer_down(n, p, "unreachable", " (its lease in the store lapsed)");
  }
  /* A member this node is not connected to is dialled at the address its
   * row gives, as a peer list's entry would be: a node restarted on
   * another port is not in the seed list, and no peer may know it yet. */
  for (size_t i = 0; i < count; i++) {
    act_peer_entry_t e = {.incarnation = m[i].incarnation};
    snprintf(e.node, sizeof e.node, "%s", m[i].node);
    snprintf(e.addr, sizeof e.addr, "%s", m[i].addr);
    on_peer_entry(n, &e);
  }
}

static void on_tick(uv_timer_t *t) {
  act_node_t *n = t->data;
  int64_t now = act__cluster_now();
  if (n->leave_by) {
    leave(n);
    return;
  }
  /* A late tick means this loop stalled (a collection, a long turn):
   * heartbeats may be waiting unread in the sockets, so this once the
   * silence is not held against the peers. */
  int stalled = n->last_tick && now - n->last_tick > n->hb / 2;
  n->last_tick = now;
  for (act_conn_t *c = n->conns; c; c = c->next) report_sent(c);   /* drained by writes */
  for (act_conn_t *c = n->conns, *nx; c; c = nx) {
    nx = c->next;
    if (c->state < C_UP && now > c->deadline) {
      if (!c->outgoing)
        act__logf("act: cluster: refused %s: no handshake within 5 s\n", c->remote);
      act__conn_close(c, 0, "");
    }
  }
  for (act_peer_t *p = n->peers, *nx; p; p = nx) {
    nx = p->next;
    if (p->left_at) {   /* leaving: its data connection has not ended yet */
      if (now >= p->left_at) peer_down(n, p, "left", "");
      continue;
    }
    double phi = act_phi(&p->phi, now);
    /* Frames from it within a heartbeat's time prove it alive, whatever
     * its heartbeats are doing: while a large message streams in, a busy
     * machine may hold its heartbeats back, but its loop is running. */
    int heard = uv_now(&n->loop) - p->heard < (uint64_t)(n->hb / 1000000);
    if (phi > PHI_THRESHOLD && !stalled && !heard) {
      char detail[96];
      snprintf(detail, sizeof detail, " (no heartbeat for %lld ms, phi %.1f)",
               (long long)((now - p->phi.last) / 1000000), phi);
      peer_down(n, p, "unreachable", detail);
    }
  }
  if (now >= n->next_hb) {
    n->next_hb = now + n->hb;
    uint8_t seq[8];
    n->hb_seq++;
    for (int i = 0; i < 8; i++) seq[i] = (uint8_t)(n->hb_seq >> (56 - 8 * i));
    for (act_peer_t *p = n->peers; p; p = p->next) {
      act_conn_t *c = p->conn[ACT_CONN_CONTROL];
      if (c && c->state == C_UP) act__conn_frame(c, ACT_FR_HEARTBEAT, seq, sizeof seq);
    }
  }
  for (int i = 0; i < n->nseeds; i++) {
    seed_t *s = &n->seeds[i];
    int known = same_addr(&s->sa, &n->self_sa);
    for (act_peer_t *p = n->peers; p && !known; p = p->next) known = same_addr(&p->sa, &s->sa);
    if (known || now < s->next_dial) continue;
    dial(n, &s->sa, ACT_CONN_CONTROL);
    s->next_dial = now + s->backoff;
    s->backoff = s->backoff * 2 > DIAL_BACKOFF_MAX ? DIAL_BACKOFF_MAX : s->backoff * 2;
  }
  /* The lower name of a pair (re)dials what the pair lacks. */
  for (act_peer_t *p = n->peers; p; p = p->next) {
    if (strcmp(n->me.node, p->hello.node) > 0 || now < p->next_dial || p->left_at) continue;
    act_conn_t *ctl = p->conn[ACT_CONN_CONTROL];
    if (ctl == NULL)
      dial(n, &p->sa, ACT_CONN_CONTROL);
    else if (ctl->state == C_UP && p->conn[ACT_CONN_DATA] == NULL)
      dial(n, &p->sa, ACT_CONN_DATA);
    p->next_dial = now + n->hb;
  }
}

static void close_cb(uv_handle_t *h) { (void)h; }

/* Messages still queued for some peer (a leaving node waits for them). */
static int undelivered(act_node_t *n) {
  for (act_peer_t *p = n->peers; p; p = p->next) {
    act_conn_t *c = p->conn[ACT_CONN_DATA];
    if (c && c->state == C_UP && (c->out_head || c->tcp.write_queue_size > 0)) return 1;
  }
  return 0;
}

/* The clean leave: once what was sent before it is on its way (or after
 * LEAVE_WAIT), `BYE left` to every peer, then close everything. */
#define LEAVE_WAIT (2 * 1000000000LL)
static void leave(act_node_t *n) {
  if (n->leave_by == 0) {
    n->leave_by = act__cluster_now() + LEAVE_WAIT;
    act__nodestore_leave(n->store);   /* the name is free at once */
    n->store = NULL;
  }
  if (undelivered(n) && act__cluster_now() < n->leave_by) return;   /* the tick comes back */
  while (n->peers) {
    act_peer_t *p = n->peers;
    if (p->conn[ACT_CONN_CONTROL]) {
      act_conn_t *c = p->conn[ACT_CONN_CONTROL];
      p->conn[ACT_CONN_CONTROL] = NULL;
      c->peer = NULL;
      act__conn_close(c, ACT_FR_BYE, "left");
    }
    /* Its other connections close below, after p is freed: they must not
     * reach back to it (act__node_closed reads c->peer). */
    for (size_t k = 0; k < sizeof p->conn / sizeof *p->conn; k++)
      if (p->conn[k]) {
        p->conn[k]->peer = NULL;
        p->conn[k] = NULL;
      }
    pthread_mutex_lock(&n->mu);
    n->peers = p->next;
    pthread_mutex_unlock(&n->mu);
    free_waiting(p);
    free(p);
  }
  while (n->conns) act__conn_close(n->conns, 0, "");
  uv_close((uv_handle_t *)&n->listener, close_cb);
  uv_close((uv_handle_t *)&n->tick, close_cb);
  uv_close((uv_handle_t *)&n->wake, close_cb);
  uv_close((uv_handle_t *)&n->turns, close_cb);
}

/* At most this much of the outbox per turn of the loop, so that timers
 * (heartbeats) and reads come between the parts of a large burst. */
#define WAKE_BUDGET (1024 * 1024)

static void on_wake(uv_async_t *a) {
  act_node_t *n = a->data;
  pthread_mutex_lock(&n->mu);
  outbox_t *o = n->out_head, *last = NULL;
  size_t taken = 0;
  for (outbox_t *x = o; x && taken < WAKE_BUDGET; x = x->next) taken += x->len, last = x;
  if (last && last->next) {   /* the rest waits for the next turn (out_tail stays) */
    n->out_head = last->next;
    last->next = NULL;
    uv_async_send(&n->wake);
  } else {
    n->out_head = n->out_tail = NULL;
  }
  n->delivering = o != NULL;   /* until they are staged and flushed */
  int stopping = n->stopping;
  pthread_mutex_unlock(&n->mu);
  for (outbox_t *nx; o; o = nx) {
    nx = o->next;
    act_peer_t *p = find_peer(n, o->node);
    act_conn_t *c = p ? p->conn[ACT_CONN_DATA] : NULL;
    if (c && c->state == C_UP && p->wait_head == NULL) {
      deliver(c, o);
      continue;
    } else if (p && p->wait_bytes + o->len <= WAIT_MAX) {
      o->next = NULL;
      if (p->wait_tail) p->wait_tail->next = o;
      else p->wait_head = o;
      p->wait_tail = o;
      p->wait_bytes += o->len;
      continue;
    } else if (g_sent) {
      g_sent(o->node, o->len);   /* dropped: it waits no more */
    }
    free(o);
  }
  for (act_conn_t *c = n->conns; c; c = c->next) {   /* the batch, in few writes */
    /* what an earlier turn left (act__node_more) */
    if (c->out_head) act__conn_pump(c);
    act__conn_resume(c);
    /* Staged frames, and records sealed already when the stage filled
     * (a batch fills it at once): both wait for this flush. */
    act__conn_flush(c);
    report_sent(c);
  }
  pthread_mutex_lock(&n->mu);
  n->delivering = 0;
  pthread_mutex_unlock(&n->mu);
  if (stopping && n->leave_by == 0) leave(n);
}

static void run(void *arg) {
  act_node_t *n = arg;
  /* A write to a connection the peer has just reset raises SIGPIPE in the
   * writing thread, and a host program that started the runtime itself
   * (act_runtime_start, not act_main) may leave it at its default, which
   * ends the process without a word: blocked here, the write fails with
   * EPIPE and only that connection closes. */
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, NULL);
  act__handler_thread();
  /* This thread decodes messages into Act values: the collector must
   * know it (and scan its stack). */
  struct GC_stack_base sb;
  int registered = GC_get_stack_base(&sb) == GC_SUCCESS && GC_register_my_thread(&sb) == GC_SUCCESS;
  act__baton_run(&n->baton, &n->loop);
  if (registered) GC_unregister_my_thread();
  act__handler_thread_end();
}

void act__cluster_loop_quit(uv_loop_t *loop) {
  act_node_t *n = g_node;
  if (n && loop == &n->loop)
    act__baton_quit(&n->baton, loop);
  else
    uv_stop(loop);
}

int act__cluster_yield(void) {
  act_node_t *n = g_node;
  return n ? act__baton_yield(&n->baton, &n->loop) : 0;
}

/* ---- the public calls ------------------------------------------------------ */

void act_cluster_schema(uint64_t fp) { g_schema = fp; }
uint64_t act_cluster_schema_get(void) { return g_schema; }
void act_cluster_on_change(act_cluster_event_fn fn, void *arg) {
  g_event = fn;
  g_event_arg = arg;
}
void act_cluster_on_message(act_cluster_message_fn fn, void *arg) {
  g_msg = fn;
  g_msg_arg = arg;
}
int act_cluster_running(void) { return g_node != NULL; }
void act_cluster_on_sent(act_cluster_sent_fn fn) { g_sent = fn; }

void act__cluster_default_hooks(act_cluster_event_fn ev, act_cluster_message_fn msg, void *arg) {
  if (g_event == NULL) act_cluster_on_change(ev, arg);
  if (g_msg == NULL) act_cluster_on_message(msg, arg);
}

const char *act_cluster_self(uint64_t *incarnation) {
  act_node_t *n = g_node;
  if (n == NULL) return NULL;
  if (incarnation) *incarnation = n->me.incarnation;
  return n->me.node;
}

uint64_t act_cluster_incarnation(const char *node) {
  act_node_t *n = g_node;
  if (n == NULL) return 0;
  if (strcmp(node, n->me.node) == 0) return n->me.incarnation;
  uint64_t inc = 0;
  pthread_mutex_lock(&n->mu);
  for (act_peer_t *p = n->peers; p && inc == 0; p = p->next)
    if (strcmp(p->hello.node, node) == 0) inc = p->hello.incarnation;
  pthread_mutex_unlock(&n->mu);
  return inc;
}

size_t act_cluster_nodes(char (*names)[ACT_NAME_MAX + 1], size_t max) {
  act_node_t *n = g_node;
  if (n == NULL) return 0;
  size_t k = 0;
  pthread_mutex_lock(&n->mu);
  if (k < max) strcpy(names[k], n->me.node);
  k++;
  for (act_peer_t *p = n->peers; p; p = p->next, k++)
    if (k < max) strcpy(names[k], p->hello.node);
  pthread_mutex_unlock(&n->mu);
  return k;
}

/* Appends to the last batch when it is for the same node and has room
 * (under n->mu, which the caller holds). */
static int batched(act_node_t *n, const char *node, const void *data, size_t len) {
  outbox_t *t = n->out_tail;
  if (t == NULL || t->cap == 0 || t->cap - t->used < ACT_FRAME_HEADER + len ||
      strcmp(t->node, node) != 0)
    return 0;
  act_frame_header(t->data + t->used, ACT_FR_MSG, 0, (uint32_t)len);
  memcpy(t->data + t->used + ACT_FRAME_HEADER, data, len);
  t->used += ACT_FRAME_HEADER + len;
  t->len += len;
  return 1;
}

int act_cluster_send(const char *node, const void *data, size_t len) {
  act_node_t *n = g_node;
  if (n == NULL || len > ACT_MESSAGE_MAX) return -1;
  int small = len <= BATCH_MAX;
  if (small) {
    pthread_mutex_lock(&n->mu);
    int done = !n->stopping && batched(n, node, data, len);
    pthread_mutex_unlock(&n->mu);
    if (done) return 0;   /* the batch's wake-up is on its way */
  }
  size_t cap = small ? BATCH_CAP : 0;
  outbox_t *o = malloc(sizeof *o + (small ? cap : len));
  if (o == NULL) return -1;
  o->next = NULL;
  snprintf(o->node, sizeof o->node, "%s", node);
  o->cap = cap;
  if (small) {
    act_frame_header(o->data, ACT_FR_MSG, 0, (uint32_t)len);
    memcpy(o->data + ACT_FRAME_HEADER, data, len);
    o->used = ACT_FRAME_HEADER + len;
  } else {
    memcpy(o->data, data, len);
    o->used = len;
  }
  o->len = len;
  pthread_mutex_lock(&n->mu);
  if (n->stopping) {   /* the wake handle may be closed already */
    pthread_mutex_unlock(&n->mu);
    free(o);
    return -1;
  }
  /* A list that was not empty has a wake-up on its way already (the loop
   * takes the list under this lock, and wakes itself for what it left). */
  int wake = n->out_head == NULL;
  if (n->out_tail)
    n->out_tail->next = o;
  else
    n->out_head = o;
  n->out_tail = o;
  if (wake) uv_async_send(&n->wake);
  pthread_mutex_unlock(&n->mu);
  return 0;
}

int act__cluster_send_now(const char *node, const void *data, size_t len) {
  act_node_t *n = g_node;
  if (n == NULL || len > ACT_DIRECT_MAX) return act_cluster_send(node, data, len);
  act_conn_t *c = NULL;
  pthread_mutex_lock(&n->mu);
  /* Nothing in the outbox or in the loop's hands: everything sent before
   * this message is on the connection already, so order is kept. */
  if (!n->stopping && n->out_head == NULL && !n->delivering) {
    act_peer_t *p = find_peer(n, node);
    c = p ? p->fast : NULL;
    /* Taken before mu is let go: c is not freed while it is held. */
    if (c) pthread_mutex_lock(&c->wmu);
  }
  pthread_mutex_unlock(&n->mu);
  int r = c ? act__conn_direct(c, data, len) : -1;
  if (r < 0) return act_cluster_send(node, data, len);
  if (r == 0) {   /* the socket was full: the loop writes the rest */
    pthread_mutex_lock(&n->mu);
    if (!n->stopping) uv_async_send(&n->wake);
    pthread_mutex_unlock(&n->mu);
  }
  if (g_sent) g_sent(node, len);
  return 0;
}

static int fail(char *err, size_t cap, const char *fmt, const char *a) {
  snprintf(err, cap, fmt, a);
  return -1;
}

/* Fills n from cfg: names, addresses, heartbeat, TLS. */
static int configure(act_node_t *n, const act_cluster_config_t *cfg, char *err, size_t cap) {
  const char *at = cfg->node ? strchr(cfg->node, '@') : NULL;
  if (at == NULL || !act_name_valid(cfg->node, (size_t)(at - cfg->node)))
    return fail(err, cap,
                "--act-node takes NAME@HOST:PORT with a NAME of letters, digits, `_`, `.`, `-` "
                "(at most 64), not `%.80s`",
                cfg->node ? cfg->node : "");
  if (parse_addr(at + 1, strlen(at + 1), 1, &n->self_sa) != 0)
    return fail(err, cap, "--act-node: `%.80s` is not a HOST:PORT this machine can resolve", at + 1);
  const char *cluster = cfg->cluster ? cfg->cluster : "act";
  if (!act_name_valid(cluster, strlen(cluster)))
    return fail(err, cap, "the cluster name `%.80s` is not valid", cluster);
  n->me.version = ACT_PROTOCOL_VERSION;
  memcpy(n->me.node, cfg->node, (size_t)(at - cfg->node));
  strcpy(n->me.cluster, cluster);
  act__addr_text((struct sockaddr *)&n->self_sa, n->me.addr, sizeof n->me.addr);
  n->me.schema = cfg->schema;
  while (n->me.incarnation == 0)
    if (getrandom(&n->me.incarnation, sizeof n->me.incarnation, 0) != sizeof n->me.incarnation)
      return fail(err, cap, "%s", "no random numbers for the incarnation");
  n->hb = cfg->heartbeat_ns > 0 ? cfg->heartbeat_ns : 1000000000LL;
  for (const char *s = cfg->seeds; s && *s;) {
    size_t len = strcspn(s, ",");
    if (n->nseeds == MAX_SEEDS) return fail(err, cap, "--act-seeds: more than %s seeds", "64");
    seed_t *sd = &n->seeds[n->nseeds++];
    char one[ACT_ADDR_MAX + 1];
    snprintf(one, sizeof one, "%.*s", (int)(len > ACT_ADDR_MAX ? ACT_ADDR_MAX : len), s);
    if (parse_addr(s, len, 1, &sd->sa) != 0)
      return fail(err, cap, "--act-seeds: `%s` is not a HOST:PORT this machine can resolve", one);
    sd->backoff = n->hb;
    s += len + (s[len] == ',');
  }
  if (cfg->tls_cert || cfg->tls_key || cfg->tls_ca) {
    n->tls = act__tls_cert(cfg->tls_cert, cfg->tls_key, cfg->tls_ca, err, cap);
  } else if (cfg->cookie_file) {
    n->tls = act__tls_psk(cfg->cookie_file, cluster, err, cap);
  } else {
    return fail(err, cap, "%s",
                "a node needs --act-cookie-file (or --act-tls-cert/--act-tls-key/--act-tls-ca): "
                "traffic between nodes is always authenticated and encrypted");
  }
  return n->tls ? 0 : -1;
}

int act_cluster_start(const act_cluster_config_t *cfg, char *err, size_t cap) {
  if (g_node) return fail(err, cap, "%s", "this process is already a node");
  act__trace_init();
  act_node_t *n = calloc(1, sizeof *n);
  if (n == NULL) return fail(err, cap, "%s", "out of memory");
  if (configure(n, cfg, err, cap) != 0) {
    act__tls_free(n->tls);
    free(n);
    return -1;
  }
  pthread_mutex_init(&n->mu, NULL);
  uv_loop_init(&n->loop);
  uv_tcp_init(&n->loop, &n->listener);
  n->listener.data = n;
  int r = uv_tcp_bind(&n->listener, (struct sockaddr *)&n->self_sa, 0);
  if (r == 0) r = uv_listen((uv_stream_t *)&n->listener, 128, on_accept);
  if (r != 0) {
    snprintf(err, cap, "cannot listen on %s: %s", n->me.addr, uv_strerror(r));
    uv_close((uv_handle_t *)&n->listener, NULL);
    uv_run(&n->loop, UV_RUN_DEFAULT);
    uv_loop_close(&n->loop);
    act__tls_free(n->tls);
    free(n);
    return -1;
  }
  uv_timer_init(&n->loop, &n->tick);
  n->tick.data = n;
  int64_t every = n->hb / 5 / 1000000;
  uv_timer_start(&n->tick, on_tick, 0, every < 5 ? 5 : (uint64_t)every);
  uv_async_init(&n->loop, &n->wake, on_wake);
  n->wake.data = n;
  uv_check_init(&n->loop, &n->turns);
  n->turns.data = n;
  uv_check_start(&n->turns, on_turn);
  char url[1200];   /* the store's URL; "" for none */
  int bad = act__store_embed(n, cfg, url, sizeof url, err, cap) != 0;
  if (bad || url[0]) {
    int64_t lease_ms = cfg->lease_ns > 0 ? cfg->lease_ns / 1000000 : 10000;
    n->store = bad ? NULL : act__nodestore_start(n, &n->loop, url, lease_ms, err, cap);
    if (n->store == NULL) {   /* bad URL: nothing of the store is on the loop */
      uv_close((uv_handle_t *)&n->listener, NULL);
      uv_close((uv_handle_t *)&n->tick, NULL);
      uv_close((uv_handle_t *)&n->wake, NULL);
      uv_close((uv_handle_t *)&n->turns, NULL);
      uv_run(&n->loop, UV_RUN_DEFAULT);
      uv_loop_close(&n->loop);
      act__tls_free(n->tls);
      free(n);
      return -1;
    }
  }
  act__baton_init(&n->baton);
  g_node = n;
  /* Both run handlers at times (remote.c): a worker's stack. */
  uv_thread_options_t big = {UV_THREAD_HAS_STACK_SIZE, ACT_HANDLER_STACK};
  if (uv_thread_create_ex(&n->thread, &big, run, n) != 0) {
    g_node = NULL;
    return fail(err, cap, "%s", "cannot start the cluster thread");
  }
  /* Without the second thread the loop runs as it did: nobody stands
   * by, so no arrival is ever run off the loop (act__baton_yield). */
  n->has_spare = uv_thread_create_ex(&n->spare, &big, run, n) == 0;
  return 0;
}

/* The node that stopped: kept, never freed (one per process, and the
 * process ends next). A worker still in a handler may have read g_node
 * before it was cleared and wait on n->mu meanwhile; it must find
 * n->stopping there, not a destroyed mutex in freed memory (TSan, in
 * virtual_jepsen's estore: exit() on one worker while another sent a
 * reply). Reachable from here, so no leak checker reports it. */
static act_node_t *retired;

void act_cluster_stop(void) {
  act_node_t *n = g_node;
  if (n == NULL) return;
  pthread_mutex_lock(&n->mu);
  n->stopping = 1;
  pthread_mutex_unlock(&n->mu);
  uv_async_send(&n->wake);
  /* exit() in a handler that a loop thread runs off the loop (baton.c)
   * comes here on that thread: it waits for the other one only. */
  uv_thread_t self = uv_thread_self();
  if (!uv_thread_equal(&self, &n->thread)) uv_thread_join(&n->thread);
  if (n->has_spare && !uv_thread_equal(&self, &n->spare)) uv_thread_join(&n->spare);
  act__store_embed_leave();   /* a seed's voter leaves the store too (bounded) */
  g_node = NULL;
  uv_loop_close(&n->loop);
  retired = n;
}
