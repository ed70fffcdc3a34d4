/* store_tls.c: the embedded store's traffic inside the cluster's TLS.
 *
 * dqlite speaks plain bytes and its C API lets us choose two things: where
 * its node listens (a bind address, which may be an abstract unix socket
 * that only this process can reach — dqlite checks the peer's pid) and how
 * it dials its peers (a connect function that returns a socket). So the
 * store's public address is a TLS listener here, which forwards a
 * connection to dqlite's private socket only once the TLS handshake has
 * proved the cluster's key (or certificate); and every outgoing store
 * connection — Raft's, and our own client's (dqlite_client.c) — is one
 * end of a socketpair whose other end this file carries to the peer
 * inside TLS. A peer without the cookie never gets a byte to dqlite.
 *
 * Everything runs on one thread with its own libuv loop, so dqlite's
 * thread, the node's loop and the blocking joins never wait on each other.
 * One tunnel per process (one node per process). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "cluster/cluster_int.h"
#include "cluster/dqlite_client.h"
#include "cluster/store_tls.h"
#include "rt/rt.h"

#define HANDSHAKE_MS 5000   /* a tunnel not through TLS by then is closed */
#define RBUF 65536

typedef struct dial_req {
  struct dial_req *next;
  int fd;                  /* the tunnel's end of the socketpair */
  char addr[64];
} dial_req_t;

typedef struct tun {
  uv_tcp_t net;            /* the TLS side */
  uv_pipe_t plain;         /* dqlite's socket, or our end of a socketpair */
  uv_timer_t timer;
  uv_connect_t cr;
  SSL *ssl;
  BIO *rbio, *wbio;
  int server, ready, closing, handles;
  char peer[64];
  char rbuf[RBUF];
} tun_t;

static struct {
  uv_loop_t loop;
  uv_thread_t thread;
  uv_async_t wake;
  uv_tcp_t listener;
  act_tls_t *tls;
  char priv[108];          /* dqlite's abstract socket, "@name" */
  unsigned user_timeout_ms;
  pthread_mutex_t mu;
  dial_req_t *reqs;
  atomic_int started;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* A peer cut off by a partition (packets dropped, no reset) must not hold
 * a connection for minutes: the client waiting on it would see its answer
 * time out only after the nodes' leases were fenced. Unacknowledged bytes
 * or keepalive probes for user_timeout_ms end the connection, which reads
 * as lost on both sides (Raft redials, the client looks for the leader). */
static void tune(tun_t *t) {
  uv_os_fd_t fd;
  uv_tcp_nodelay(&t->net, 1);
  uv_tcp_keepalive(&t->net, 1, 1);
  if (uv_fileno((uv_handle_t *)&t->net, &fd) == 0) {
    unsigned ms = T.user_timeout_ms;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof one);
  }
}

/* Refusals are logged at most once a second: a peer with another cookie
 * retries all the time. */
static void log_refusal(const char *peer, const char *why) {
  static uint64_t last;
  static unsigned quiet;
  uint64_t now = uv_now(&T.loop);
  if (last && now - last < 1000) {
    quiet++;
    return;
  }
  if (quiet)
    act__logf("act: cluster: store: refused a connection from %s: %s (and %u more in the last "
              "second)\n", peer, why, quiet);
  else
    act__logf("act: cluster: store: refused a connection from %s: %s\n", peer, why);
  last = now;
  quiet = 0;
}

/* ---- closing: three handles, freed when the last is closed ---- */
static void on_closed(uv_handle_t *h) {
  tun_t *t = h->data;
  if (--t->handles == 0) {
    SSL_free(t->ssl);   /* frees both BIOs */
    free(t);
  }
}

static void close_tun(tun_t *t, const char *why) {
  if (t->closing) return;
  t->closing = 1;
  if (t->server && !t->ready && why) log_refusal(t->peer, why);
  uv_close((uv_handle_t *)&t->net, on_closed);
  uv_close((uv_handle_t *)&t->timer, on_closed);
  uv_close((uv_handle_t *)&t->plain, on_closed);
}

/* ---- writing ---- */
/* What OpenSSL wrote into its memory BIO goes to the network. */
static int flush_tls(tun_t *t) {
  char buf[16384];
  int n;
  while ((n = BIO_read(t->wbio, buf, sizeof buf)) > 0)
    if (act__uv_write_copy((uv_stream_t *)&t->net, buf, (size_t)n) != 0) return -1;
  return 0;
}

/* ---- the plain side ---- */
static void alloc_buf(uv_handle_t *h, size_t want, uv_buf_t *b) {
  (void)want;
  tun_t *t = h->data;
  *b = uv_buf_init(t->rbuf, sizeof t->rbuf);
}

static void on_plain(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  tun_t *t = s->data;
  if (t->closing || n == 0) return;
  if (n < 0) {
    close_tun(t, NULL);
    return;
  }
  /* A memory BIO takes everything, so SSL_write writes it all at once. */
  if (SSL_write(t->ssl, b->base, (int)n) != (int)n || flush_tls(t) != 0) close_tun(t, NULL);
}

/* Connects to dqlite's abstract socket (it accepts only this process). */
static int open_private(tun_t *t) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(T.priv + 1);   /* after the '@' */
  memcpy(sa.sun_path + 1, T.priv + 1, len);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) != 0 ||
      uv_pipe_open(&t->plain, fd) != 0) {
    close(fd);
    return -1;
  }
  return 0;
}

/* ---- the TLS side ---- */
static void through(tun_t *t) {
  t->ready = 1;
  uv_timer_stop(&t->timer);
  if (t->server && open_private(t) != 0) {
    close_tun(t, NULL);
    return;
  }
  uv_read_start((uv_stream_t *)&t->plain, alloc_buf, on_plain);
}

static void on_net(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  tun_t *t = s->data;
  if (t->closing || n == 0) return;
  if (n < 0) {
    close_tun(t, n == UV_EOF ? "it closed the connection during the handshake" : uv_strerror((int)n));
    return;
  }
  if (BIO_write(t->rbio, b->base, (int)n) != (int)n) {
    close_tun(t, "out of memory");
    return;
  }
  if (!t->ready) {
    int r = SSL_do_handshake(t->ssl);
    int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    if (flush_tls(t) != 0) {
      close_tun(t, "cannot write");
      return;
    }
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    if (e != SSL_ERROR_NONE) {
      char why[160];
      close_tun(t, act__tls_error(why, sizeof why));
      return;
    }
    through(t);
    if (t->closing) return;
  }
  /* Decrypted bytes go to dqlite (or to whoever holds the socketpair). */
  char buf[16384];
  for (;;) {
    int r = SSL_read(t->ssl, buf, sizeof buf);
    if (r > 0) {
      if (act__uv_write_copy((uv_stream_t *)&t->plain, buf, (size_t)r) != 0) break;
      continue;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (flush_tls(t) != 0) break;   /* post-handshake messages */
      return;
    }
    break;   /* closed or broken */
  }
  close_tun(t, NULL);
}

static void on_timeout(uv_timer_t *h) {
  close_tun(h->data, "no TLS handshake within 5 s");
}

static tun_t *new_tun(int server) {
  tun_t *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->ssl = act__tls_ssl(T.tls, server);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
    BIO_free(t->rbio), BIO_free(t->wbio), SSL_free(t->ssl), free(t);
    return NULL;
  }
  BIO_set_mem_eof_return(t->rbio, -1);   /* empty means "wait", not EOF */
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  t->server = server;
  uv_tcp_init(&T.loop, &t->net);
  uv_pipe_init(&T.loop, &t->plain, 0);
  uv_timer_init(&T.loop, &t->timer);
  t->net.data = t->plain.data = t->timer.data = t->cr.data = t;
  t->handles = 3;
  uv_timer_start(&t->timer, on_timeout, HANDSHAKE_MS, 0);
  return t;
}

static void free_handle(uv_handle_t *h) { free(h); }

static void on_accept(uv_stream_t *l, int status) {
  if (status != 0) return;
  tun_t *t = new_tun(1);
  if (t == NULL) {   /* refuse it: accept and drop */
    uv_tcp_t *tmp = malloc(sizeof *tmp);
    if (tmp == NULL) return;
    uv_tcp_init(&T.loop, tmp);
    (void)uv_accept(l, (uv_stream_t *)tmp);
    uv_close((uv_handle_t *)tmp, free_handle);
    return;
  }
  if (uv_accept(l, (uv_stream_t *)&t->net) != 0) {
    close_tun(t, NULL);
    return;
  }
  struct sockaddr_storage sa;
  int len = sizeof sa;
  if (uv_tcp_getpeername(&t->net, (struct sockaddr *)&sa, &len) == 0)
    act__addr_text((struct sockaddr *)&sa, t->peer, sizeof t->peer);
  tune(t);
  uv_read_start((uv_stream_t *)&t->net, alloc_buf, on_net);
}

/* ---- dialling ---- */
static void on_dialled(uv_connect_t *cr, int status) {
  tun_t *t = cr->data;
  if (t->closing) return;
  if (status != 0) {
    close_tun(t, NULL);
    return;
  }
  tune(t);
  SSL_do_handshake(t->ssl);   /* the ClientHello, into the BIO */
  if (flush_tls(t) != 0) {
    close_tun(t, NULL);
    return;
  }
  uv_read_start((uv_stream_t *)&t->net, alloc_buf, on_net);
}

static void start_dial(dial_req_t *r) {
  tun_t *t = new_tun(0);
  if (t == NULL) {
    close(r->fd);   /* the caller reads EOF */
    return;
  }
  struct sockaddr_storage sa;
  if (uv_pipe_open(&t->plain, r->fd) != 0) {
    close(r->fd);
    close_tun(t, NULL);
    return;
  }
  snprintf(t->peer, sizeof t->peer, "%s", r->addr);
  if (act__dq_parse_addr(r->addr, &sa) != 0 ||
      uv_tcp_connect(&t->cr, &t->net, (struct sockaddr *)&sa, on_dialled) != 0)
    close_tun(t, NULL);
}

static void on_wake(uv_async_t *a) {
  (void)a;
  pthread_mutex_lock(&T.mu);
  dial_req_t *r = T.reqs;
  T.reqs = NULL;
  pthread_mutex_unlock(&T.mu);
  /* The list is newest first: reverse it so dials start in order. */
  dial_req_t *rev = NULL;
  while (r) {
    dial_req_t *next = r->next;
    r->next = rev;
    rev = r;
    r = next;
  }
  while (rev) {
    dial_req_t *next = rev->next;
    start_dial(rev);
    free(rev);
    rev = next;
  }
}

/* Returns at once, for dqlite's Raft (its connect function) and for our
 * client alike: the bytes written meanwhile wait in the socketpair, and a
 * tunnel that cannot get through closes its end, which the caller reads as
 * a lost connection and retries. Blocking until the handshake was through
 * would hold one of libuv's few pool threads per dial (dqlite dials from
 * there) for up to HANDSHAKE_MS, and stall the Raft disk work queued behind
 * them while a peer is unreachable. */
int act__store_tls_dial(void *arg, const char *addr, int *fd) {
  (void)arg;
  if (!atomic_load(&T.started)) return -1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  dial_req_t *r = calloc(1, sizeof *r);
  if (r == NULL || strlen(addr) >= sizeof r->addr) {
    free(r);
    close(sv[0]), close(sv[1]);
    return -1;
  }
  r->fd = sv[1];
  snprintf(r->addr, sizeof r->addr, "%s", addr);
  pthread_mutex_lock(&T.mu);
  r->next = T.reqs;
  T.reqs = r;
  pthread_mutex_unlock(&T.mu);
  uv_async_send(&T.wake);
  *fd = sv[0];
  return 0;
}

static void run(void *arg) {
  (void)arg;
  uv_run(&T.loop, UV_RUN_DEFAULT);
}

int act__store_tls_start(act_tls_t *tls, const char *listen, const char *priv,
                         unsigned user_timeout_ms, char *err, size_t cap) {
  if (atomic_load(&T.started)) return 0;
  struct sockaddr_storage sa;
  if (listen && act__dq_parse_addr(listen, &sa) != 0) {
    snprintf(err, cap, "the embedded store's address `%s` is not a numeric HOST:PORT", listen);
    return -1;
  }
  T.tls = tls;
  T.user_timeout_ms = user_timeout_ms;
  snprintf(T.priv, sizeof T.priv, "%s", priv ? priv : "");
  uv_loop_init(&T.loop);
  uv_async_init(&T.loop, &T.wake, on_wake);
  if (listen) {
    uv_tcp_init(&T.loop, &T.listener);
    int r = uv_tcp_bind(&T.listener, (struct sockaddr *)&sa, 0);
    if (r == 0) r = uv_listen((uv_stream_t *)&T.listener, 128, on_accept);
    if (r != 0) {
      snprintf(err, cap, "the embedded store cannot listen on %s (its node's port + 1): %s", listen,
               uv_strerror(r));
      uv_close((uv_handle_t *)&T.listener, NULL);
      uv_close((uv_handle_t *)&T.wake, NULL);
      uv_run(&T.loop, UV_RUN_DEFAULT);
      uv_loop_close(&T.loop);
      return -1;
    }
  }
  if (uv_thread_create(&T.thread, run, NULL) != 0) {
    snprintf(err, cap, "cannot start the store's TLS thread");
    return -1;
  }
  atomic_store(&T.started, 1);
  return 0;
}
