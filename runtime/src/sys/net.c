/* net.c: the C side of std.net — TCP on the standard library's I/O thread
 * (io_loop.h). A socket belongs to an actor, its owner: what happens on it
 * arrives in the owner's mailbox as std.net's messages (std_msgs.h), and
 * when the owner stops, the watcher (watch.h) has its sockets closed.
 *
 * Threads. Every uv call runs on the I/O thread. Workers (the extern
 * functions below) look sockets up in a table under a lock, account
 * writes under the socket's own lock and hand the rest to the I/O thread
 * in order (act__io_run), so the calls of one actor take effect in the
 * order it made them.
 *
 * Memory. A socket lives in the collected heap and is reachable from the
 * table (scanned) from creation until its handle's close callback, the
 * last time libuv touches it; a worker that still holds it afterwards
 * keeps it alive by its own reference. Requests (writes, connects,
 * shutdowns, look-ups) are uncollectable and freed in their callbacks,
 * which libuv always calls. */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act/act.h"
#include "act/sys.h"
#include "rt/rt.h"
#include "sys/io_loop.h"
#include "sys/net_ext.h"
#include "sys/std_msgs.h"
#include "sys/sys_int.h"
#include "sys/watch.h"

/* A writer whose connection has more than this many bytes queued waits
 * (std.net's write) until it is down to half. */
#define WRITE_BOUND ((int64_t)256 * 1024)
/* How long a writer waits for the peer to take its data before the
 * connection is closed as "write timed out". */
#define WRITE_TIMEOUT_S 30
/* Reading stops while the owner has more than its mailbox bound (this
 * when it has none) of messages queued, and starts again at half. */
#define READ_BOUND 1024
#define PAUSE_CHECK_MS 5

enum { LISTENER, CONN };

typedef struct sock {
  int64_t id;
  int kind;
  uv_tcp_t tcp;
  bool tcp_inited, closing, reading, paused, eof, shut;
  act_actor_t *owner;
  act_str_t *peer;
  act_str_t *reason;       /* why it closed (the Closed message) */
  void *ext;               /* a protocol's state on it (net_ext.h) */
  int64_t port;            /* a listener's local port */
  /* Shared with writers, under mu. */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int64_t queued;          /* bytes written by the program, not yet by the kernel */
  bool dead;               /* closing or closed: no more writes */
  bool no_writes;          /* shut down for writing (half-closed) */
} sock_t;

/* ---- the table: id -> socket --------------------------------------------- */

static pthread_mutex_t tab_mu = PTHREAD_MUTEX_INITIALIZER;
static sock_t **tab;          /* open addressing; uncollectable, so scanned */
static size_t tab_cap, tab_used;
static int64_t next_id = 1;
#define TAB_TOMB ((sock_t *)1)

static size_t tab_slot(int64_t id) {
  uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15u;
  return (size_t)(h >> 17) & (tab_cap - 1);
}

static void tab_put_locked(sock_t *s);

static void tab_grow_locked(void) {
  sock_t **old = tab;
  size_t oldcap = tab_cap;
  tab_cap = tab_cap ? tab_cap * 2 : 256;
  tab = GC_MALLOC_UNCOLLECTABLE(tab_cap * sizeof *tab);
  if (tab == NULL) {
    fprintf(stderr, "act: out of memory\n");
    abort();
  }
  memset(tab, 0, tab_cap * sizeof *tab);
  tab_used = 0;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i] && old[i] != TAB_TOMB)
      tab_put_locked(old[i]);
  GC_FREE(old);
}

static void tab_put_locked(sock_t *s) {
  if ((tab_used + 1) * 2 > tab_cap)
    tab_grow_locked();
  size_t i = tab_slot(s->id);
  while (tab[i] && tab[i] != TAB_TOMB)
    i = (i + 1) & (tab_cap - 1);
  tab[i] = s;
  tab_used++;
}

static sock_t **tab_find_locked(int64_t id) {
  if (tab_cap == 0)
    return NULL;
  for (size_t i = tab_slot(id);; i = (i + 1) & (tab_cap - 1)) {
    if (tab[i] == NULL)
      return NULL;
    if (tab[i] != TAB_TOMB && tab[i]->id == id)
      return &tab[i];
  }
}

static sock_t *lookup(int64_t id) {
  pthread_mutex_lock(&tab_mu);
  sock_t **p = tab_find_locked(id);
  sock_t *s = p ? *p : NULL;
  pthread_mutex_unlock(&tab_mu);
  return s;
}

static sock_t *new_sock(int kind, act_actor_t *owner) {
  sock_t *s = act_alloc(sizeof *s);
  s->kind = kind;
  s->owner = owner;
  s->tcp.data = s;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  pthread_mutex_lock(&tab_mu);
  s->id = next_id++;
  tab_put_locked(s);
  pthread_mutex_unlock(&tab_mu);
  act__io_pending_add(1);   /* an open socket is pending I/O (§6) */
  return s;
}

static void *req_alloc(size_t n) {
  void *p = GC_MALLOC_UNCOLLECTABLE(n);
  if (p == NULL) {
    fprintf(stderr, "act: out of memory\n");
    abort();
  }
  return p;
}

void *act__net_ext(int64_t id) {
  sock_t *s = lookup(id);
  return s && s->kind == CONN ? s->ext : NULL;
}

bool act__net_set_ext(int64_t id, void *ext) {
  sock_t *s = lookup(id);
  if (s == NULL || s->kind != CONN)
    return false;
  s->ext = ext;
  return true;
}

/* ---- messages to owners -------------------------------------------------- */

static void send_closed(sock_t *s) {
  act__net_closed_msg_t *m =
      (act__net_closed_msg_t *)act__io_msg(&ACT_STD_MSG(net, Closed), sizeof *m);
  m->conn = s->id;
  m->reason = s->reason ? s->reason : act_str_from_cstr("closed");
  act_send(NULL, s->owner, &m->h);
}

static act_str_t *addr_text(const struct sockaddr_storage *sa) {
  char ip[64] = "?", out[96];
  int port = 0;
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
    snprintf(out, sizeof out, "%s:%d", ip, port);
  } else if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
    snprintf(out, sizeof out, "[%s]:%d", ip, port);
  } else {
    snprintf(out, sizeof out, "?");
  }
  return act_str_from_cstr(out);
}

static act_str_t *peer_of(sock_t *s) {
  struct sockaddr_storage sa;
  int len = sizeof sa;
  memset(&sa, 0, sizeof sa);
  if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&sa, &len) != 0)
    return act_str_from_cstr("?");
  return addr_text(&sa);
}

/* ---- closing ------------------------------------------------------------- */

static void finish_close(sock_t *s) {
  pthread_mutex_lock(&tab_mu);
  sock_t **p = tab_find_locked(s->id);
  if (p)
    *p = TAB_TOMB;
  pthread_mutex_unlock(&tab_mu);
  send_closed(s);
  act__io_pending_add(-1);
}

static void on_closed(uv_handle_t *h) { finish_close(h->data); }

/* Close now (pending writes are dropped); the owner gets Closed(reason). */
static void close_sock(sock_t *s, const char *reason) {
  if (s->closing)
    return;
  s->closing = true;
  if (s->reason == NULL)
    s->reason = act_str_from_cstr(reason);
  pthread_mutex_lock(&s->mu);
  s->dead = true;
  pthread_cond_broadcast(&s->cv);   /* writers waiting for room give up */
  pthread_mutex_unlock(&s->mu);
  if (s->tcp_inited)
    uv_close((uv_handle_t *)&s->tcp, on_closed);
  else
    finish_close(s);   /* a connect still resolving its host */
}

static void owner_gone_io(void *arg) {
  act_actor_t *who = arg;
  /* Collect first: closing changes the table. */
  size_t n = 0, cap = 16;
  sock_t **mine = malloc(cap * sizeof *mine);
  pthread_mutex_lock(&tab_mu);
  for (size_t i = 0; mine && i < tab_cap; i++) {
    sock_t *s = tab[i];
    if (s && s != TAB_TOMB && s->owner == who) {
      if (n == cap) {
        sock_t **m2 = realloc(mine, (cap *= 2) * sizeof *m2);
        if (m2 == NULL)
          break;
        mine = m2;
      }
      mine[n++] = s;
    }
  }
  pthread_mutex_unlock(&tab_mu);
  /* The sockets are still in the table (scanned) until their close ends. */
  for (size_t i = 0; i < n; i++)
    close_sock(mine[i], "owner stopped");
  free(mine);
}

static void owner_gone(act_actor_t *who) { act__io_run(owner_gone_io, who); }

/* ---- reading ------------------------------------------------------------- */

static char rbuf[64 * 1024];   /* one read at a time, on the I/O thread */
static uv_timer_t pause_timer;
static bool pause_timer_inited;
static sock_t **paused;        /* uncollectable array */
static size_t npaused, cappaused;

static uint32_t owner_bound(act_actor_t *a) {
  uint32_t b = a->type->mailbox_bound;
  return b ? b : READ_BOUND;
}

static uint32_t owner_queue(act_actor_t *a) {
  return atomic_load_explicit(&a->mq_in, memory_order_relaxed) -
         atomic_load_explicit(&a->mq_out, memory_order_relaxed);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)h;
  (void)hint;
  buf->base = rbuf;
  buf->len = sizeof rbuf;
}

static void start_reading(sock_t *s) {
  if (s->closing || s->reading || s->eof || s->paused || !s->tcp_inited)
    return;
  if (uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) == 0)
    s->reading = true;
}

static void on_pause_check(uv_timer_t *t) {
  size_t k = 0;
  for (size_t i = 0; i < npaused; i++) {
    sock_t *s = paused[i];
    if (!s->closing && owner_queue(s->owner) > owner_bound(s->owner) / 2) {
      paused[k++] = s;
      continue;
    }
    s->paused = false;
    start_reading(s);
  }
  npaused = k;
  if (npaused == 0)
    uv_timer_stop(t);
}

/* The owner is behind: stop taking bytes from the kernel, so the peer
 * slows down (TCP's own flow control) instead of our memory growing. */
static void pause_reading(sock_t *s) {
  uv_read_stop((uv_stream_t *)&s->tcp);
  s->reading = false;
  s->paused = true;
  if (npaused == cappaused) {
    cappaused = cappaused ? cappaused * 2 : 16;
    sock_t **p = req_alloc(cappaused * sizeof *p);
    if (npaused)
      memcpy(p, paused, npaused * sizeof *p);
    GC_FREE(paused);
    paused = p;
  }
  paused[npaused++] = s;
  if (!pause_timer_inited) {
    uv_timer_init(act__io_loop(), &pause_timer);
    uv_unref((uv_handle_t *)&pause_timer);
    pause_timer_inited = true;
  }
  if (!uv_is_active((uv_handle_t *)&pause_timer))
    uv_timer_start(&pause_timer, on_pause_check, PAUSE_CHECK_MS, PAUSE_CHECK_MS);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  sock_t *s = st->data;
  if (n > 0) {
    act__net_received_msg_t *m =
        (act__net_received_msg_t *)act__io_msg(&ACT_STD_MSG(net, Received), sizeof *m);
    m->conn = s->id;
    m->data = act_str_new(buf->base, (int64_t)n);
    act_send(NULL, s->owner, &m->h);
    if (owner_queue(s->owner) > owner_bound(s->owner))
      pause_reading(s);
  } else if (n == UV_EOF) {
    uv_read_stop(st);
    s->reading = false;
    s->eof = true;
    act__net_ended_msg_t *m =
        (act__net_ended_msg_t *)act__io_msg(&ACT_STD_MSG(net, Ended), sizeof *m);
    m->conn = s->id;
    act_send(NULL, s->owner, &m->h);
  } else if (n < 0) {
    close_sock(s, uv_strerror((int)n));
  }
}

/* ---- listening ----------------------------------------------------------- */

static void on_connection(uv_stream_t *server, int status) {
  sock_t *l = server->data;
  if (status < 0 || l->closing)
    return;   /* e.g. out of file descriptors: the peer's connect fails */
  sock_t *c = new_sock(CONN, l->owner);
  uv_tcp_init(act__io_loop(), &c->tcp);
  c->tcp_inited = true;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    c->owner = NULL;   /* nobody has heard of it */
    c->reason = act_str_from_cstr("accept failed");
    c->closing = true;
    c->dead = true;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->peer = peer_of(c);
  act__net_accepted_msg_t *m =
      (act__net_accepted_msg_t *)act__io_msg(&ACT_STD_MSG(net, Accepted), sizeof *m);
  m->listener = l->id;
  m->conn = c->id;
  m->peer = c->peer;
  act_send(NULL, l->owner, &m->h);
}

/* Numeric addresses, "localhost" and "" (every interface). */
static int parse_addr(const char *host, int port, struct sockaddr_storage *sa) {
  memset(sa, 0, sizeof *sa);
  if (strcmp(host, "localhost") == 0)
    host = "127.0.0.1";
  if (host[0] == '\0')
    host = "0.0.0.0";
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)sa) == 0)
    return 0;
  return uv_ip6_addr(host, port, (struct sockaddr_in6 *)sa);
}

typedef struct listen_call {
  const char *host;
  int port;
  act_actor_t *owner;
  int64_t id;               /* out: the listener, or -1 */
  char error[160];
} listen_call_t;

static void do_listen(void *arg) {
  listen_call_t *c = arg;
  struct sockaddr_storage sa;
  int rc = parse_addr(c->host, c->port, &sa);
  if (rc != 0) {
    snprintf(c->error, sizeof c->error, "cannot listen on %s:%d: not a numeric address",
             c->host, c->port);
    c->id = -1;
    return;
  }
  sock_t *s = new_sock(LISTENER, c->owner);
  uv_tcp_init(act__io_loop(), &s->tcp);
  s->tcp_inited = true;
  rc = uv_tcp_bind(&s->tcp, (struct sockaddr *)&sa, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&s->tcp, 511, on_connection);
  if (rc != 0) {
    snprintf(c->error, sizeof c->error, "cannot listen on %s:%d: %s", c->host, c->port,
             uv_strerror(rc));
    c->id = -1;
    /* Nobody has its id: close without a message. */
    s->owner = NULL;
    close_sock(s, "");
    return;
  }
  struct sockaddr_storage local;
  int len = sizeof local;
  memset(&local, 0, sizeof local);
  uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&local, &len);
  s->port = local.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&local)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&local)->sin_port);
  c->id = s->id;
}

int64_t act_net_listen(act_str_t *host, int64_t port, act_actor_t *owner) {
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  act__sys_error_clear();
  if (port < 0 || port > 65535 || owner == NULL ||
      memchr(act_str_data(host), '\0', (size_t)act_str_len(host))) {
    act__sys_error_msg("cannot listen: the port must be 0 to 65535 and the host a name without NUL");
    return -1;
  }
  listen_call_t c = {act_str_data(host), (int)port, owner, -1, ""};
  act__io_call(do_listen, &c);
  if (c.id < 0) {
    act__sys_error_msg(c.error);
    return -1;
  }
  act__watch(owner, owner_gone);
  return c.id;
}

int64_t act_net_port(int64_t id) {
  sock_t *s = lookup(id);
  return s && s->kind == LISTENER ? s->port : -1;
}

/* ---- connecting ---------------------------------------------------------- */

typedef struct connect_req {
  uv_getaddrinfo_t gai;
  uv_connect_t conn;
  sock_t *s;
  char host[256];
  char port[8];
} connect_req_t;

static void on_connect(uv_connect_t *req, int status) {
  connect_req_t *r = req->data;
  sock_t *s = r->s;
  GC_FREE(r);
  if (s->closing)
    return;
  if (status < 0) {
    char why[128];
    snprintf(why, sizeof why, "cannot connect: %s", uv_strerror(status));
    close_sock(s, why);
    return;
  }
  uv_tcp_nodelay(&s->tcp, 1);
  s->peer = peer_of(s);
  act__net_connected_msg_t *m =
      (act__net_connected_msg_t *)act__io_msg(&ACT_STD_MSG(net, Connected), sizeof *m);
  m->conn = s->id;
  m->peer = s->peer;
  act_send(NULL, s->owner, &m->h);
  start_reading(s);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  connect_req_t *r = req->data;
  sock_t *s = r->s;
  if (s->closing || status < 0 || res == NULL) {
    if (!s->closing) {
      char why[320];
      snprintf(why, sizeof why, "cannot resolve %s: %s", r->host,
               status < 0 ? uv_strerror(status) : "no address");
      close_sock(s, why);
    }
    if (res)
      uv_freeaddrinfo(res);
    GC_FREE(r);
    return;
  }
  uv_tcp_init(act__io_loop(), &s->tcp);
  s->tcp_inited = true;
  r->conn.data = r;
  int rc = uv_tcp_connect(&r->conn, &s->tcp, res->ai_addr, on_connect);
  uv_freeaddrinfo(res);
  if (rc != 0) {
    char why[128];
    snprintf(why, sizeof why, "cannot connect: %s", uv_strerror(rc));
    GC_FREE(r);
    close_sock(s, why);
  }
}

static void do_connect(void *arg) {
  connect_req_t *r = arg;
  if (r->s->closing) {
    GC_FREE(r);
    return;
  }
  r->gai.data = r;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(act__io_loop(), &r->gai, on_resolved, r->host, r->port, &hints);
  if (rc != 0) {
    char why[320];
    snprintf(why, sizeof why, "cannot resolve %s: %s", r->host, uv_strerror(rc));
    close_sock(r->s, why);
    GC_FREE(r);
  }
}

int64_t act_net_connect(act_str_t *host, int64_t port, act_actor_t *owner) {
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  act__sys_error_clear();
  if (port <= 0 || port > 65535 || owner == NULL || act_str_len(host) == 0 ||
      act_str_len(host) >= 256 || memchr(act_str_data(host), '\0', (size_t)act_str_len(host))) {
    act__sys_error_msg("cannot connect: the port must be 1 to 65535 and the host a name of 1 to 255 bytes");
    return -1;
  }
  sock_t *s = new_sock(CONN, owner);
  connect_req_t *r = req_alloc(sizeof *r);
  r->s = s;
  memcpy(r->host, act_str_data(host), (size_t)act_str_len(host));
  snprintf(r->port, sizeof r->port, "%d", (int)port);
  act__watch(owner, owner_gone);
  act__io_run(do_connect, r);
  return s->id;
}

/* ---- owning -------------------------------------------------------------- */

typedef struct own_req {
  sock_t *s;
  act_actor_t *owner;
} own_req_t;

static void do_own(void *arg) {
  own_req_t *r = arg;
  sock_t *s = r->s;
  if (!s->closing) {
    s->owner = r->owner;
    start_reading(s);
  }
  GC_FREE(r);
}

bool act_net_own(int64_t id, act_actor_t *owner) {
  act__sys_error_clear();
  sock_t *s = lookup(id);
  if (s == NULL || owner == NULL) {
    act__sys_error_msg("no such connection");
    return false;
  }
  own_req_t *r = req_alloc(sizeof *r);
  r->s = s;
  r->owner = owner;
  act__watch(owner, owner_gone);
  act__io_run(do_own, r);
  return true;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct write_req {
  uv_write_t req;
  sock_t *s;
  act_str_t *data;   /* kept alive until written */
} write_req_t;

static void on_written(uv_write_t *req, int status) {
  write_req_t *w = req->data;
  sock_t *s = w->s;
  pthread_mutex_lock(&s->mu);
  s->queued -= act_str_len(w->data);
  if (s->queued <= WRITE_BOUND / 2)
    pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  GC_FREE(w);
  if (status < 0 && status != UV_ECANCELED)
    close_sock(s, uv_strerror(status));
}

static void do_write(void *arg) {
  write_req_t *w = arg;
  sock_t *s = w->s;
  if (s->closing || s->shut || !s->tcp_inited) {
    on_written(&w->req, UV_ECANCELED);
    return;
  }
  w->req.data = w;
  uv_buf_t b = uv_buf_init((char *)act_str_data(w->data), (unsigned)act_str_len(w->data));
  int rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_written);
  if (rc != 0) {
    on_written(&w->req, UV_ECANCELED);
    close_sock(s, uv_strerror(rc));
  }
}

/* 0: queued; 1: queued, and the connection is over its bound (the caller
 * then waits in act_net_drain); -1: no such open connection. */
int64_t act_net_write(int64_t id, act_str_t *data) {
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  act__sys_error_clear();
  sock_t *s = lookup(id);
  if (s == NULL || s->kind != CONN) {
    act__sys_error_msg("write: no such connection");
    return -1;
  }
  int64_t n = act_str_len(data);
  if (n > (int64_t)UINT32_MAX) {
    act__sys_error_msg("write: more than 4 GiB at once");
    return -1;
  }
  pthread_mutex_lock(&s->mu);
  bool dead = s->dead || s->no_writes;
  int64_t q = s->queued += dead ? 0 : n;
  pthread_mutex_unlock(&s->mu);
  if (dead) {
    act__sys_error_msg("write: the connection is closed");
    return -1;
  }
  if (n == 0)
    return 0;
  write_req_t *w = req_alloc(sizeof *w);
  w->s = s;
  w->data = data;
  act__io_run(do_write, w);
  return q > WRITE_BOUND ? 1 : 0;
}

static void do_timeout_close(void *arg) { close_sock(arg, "write timed out"); }

/* Waits (a blocking fn) until the connection is down to half its bound;
 * false when it closed meanwhile or the peer took nothing for
 * WRITE_TIMEOUT_S (the connection is then closed). */
bool act_net_drain(int64_t id) {
  sock_t *s = lookup(id);
  if (s == NULL)
    return false;
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += WRITE_TIMEOUT_S;
  bool timed_out = false;
  pthread_mutex_lock(&s->mu);
  int64_t before = s->queued;
  while (!s->dead && s->queued > WRITE_BOUND / 2) {
    if (pthread_cond_timedwait(&s->cv, &s->mu, &deadline) == ETIMEDOUT) {
      if (s->queued < before) {   /* slow but moving: wait on */
        before = s->queued;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += WRITE_TIMEOUT_S;
        continue;
      }
      timed_out = true;
      break;
    }
  }
  bool ok = !s->dead;
  pthread_mutex_unlock(&s->mu);
  if (timed_out) {
    act__io_run(do_timeout_close, s);
    return false;
  }
  return ok;
}

int64_t act_net_queued(int64_t id) {
  sock_t *s = lookup(id);
  if (s == NULL)
    return -1;
  pthread_mutex_lock(&s->mu);
  int64_t q = s->queued;
  pthread_mutex_unlock(&s->mu);
  return q;
}

/* ---- shutting down and closing -------------------------------------------- */

typedef struct shutdown_req {
  uv_shutdown_t req;
  sock_t *s;
  bool then_close;
} shutdown_req_t;

static void on_shutdown(uv_shutdown_t *req, int status) {
  shutdown_req_t *r = req->data;
  sock_t *s = r->s;
  bool then_close = r->then_close;
  GC_FREE(r);
  if (then_close)
    close_sock(s, "closed");
  else if (status < 0 && status != UV_ECANCELED)
    close_sock(s, uv_strerror(status));
}

/* Half-close (then_close false): no more writes, reading goes on. Close
 * (true): the same once what was written has gone out, then close. */
static void shut(sock_t *s, bool then_close) {
  if (s->closing)
    return;
  if (s->kind == LISTENER || !s->tcp_inited || s->shut) {
    if (then_close)
      close_sock(s, "closed");
    return;
  }
  s->shut = true;
  pthread_mutex_lock(&s->mu);
  s->no_writes = true;   /* later writes are refused, not lost */
  pthread_mutex_unlock(&s->mu);
  shutdown_req_t *r = req_alloc(sizeof *r);
  r->s = s;
  r->then_close = then_close;
  r->req.data = r;
  if (uv_shutdown(&r->req, (uv_stream_t *)&s->tcp, on_shutdown) != 0) {
    GC_FREE(r);
    close_sock(s, "closed");
  }
}

static void do_close(void *arg) { shut(arg, true); }
static void do_shutdown(void *arg) { shut(arg, false); }
static void do_abort(void *arg) { close_sock(arg, "closed"); }

/* Writes end here, on the caller's thread, so that a write made after
 * close or shutdown is refused at once rather than lost later. */
static bool post(int64_t id, act__io_fn fn) {   /* close, shutdown, abort */
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  act__sys_error_clear();
  sock_t *s = lookup(id);
  if (s == NULL) {
    act__sys_error_msg("no such connection or listener");
    return false;
  }
  pthread_mutex_lock(&s->mu);
  s->no_writes = true;
  pthread_mutex_unlock(&s->mu);
  act__io_run(fn, s);
  return true;
}

bool act_net_close(int64_t id) { return post(id, do_close); }
bool act_net_shutdown(int64_t id) { return post(id, do_shutdown); }
bool act_net_abort(int64_t id) { return post(id, do_abort); }
