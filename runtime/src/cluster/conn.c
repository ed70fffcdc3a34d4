/* conn.c: one connection between two nodes — TCP on the node's libuv
 * loop, TLS 1.3 through tlsio.c's BIO (OpenSSL never touches the
 * socket), and frames inside.
 *
 * Nothing a peer sends is decoded before both the TLS handshake and our
 * check of its hello have passed: until then only HELLO (and REFUSE) may
 * come, and anything else closes the connection. Small frames
 * (heartbeats) are written at once; messages go out one fragment at a
 * time while libuv's write queue is short, and at most TURN_MAX bytes of
 * fragments per connection per turn of the loop: sealing a 5 MB message
 * in one go kept the loop from its timers for most of a second on a
 * loaded machine, and the peers, hearing no heartbeat, declared this node
 * unreachable (tests/cluster/bigload.sh). What is left is taken up in a
 * later turn (act__node_more), after the timers. Reading is bounded the
 * same way: past TURN_MAX bytes in a turn a connection stops reading until
 * the next, so a stream of data cannot keep the timers waiting either.
 * Everything runs on the loop thread.
 *
 * Frames are gathered in plaintext (c->stage) and sealed by TLS in
 * records of up to STAGE_SEAL bytes, then handed to libuv in one write
 * per flush: a burst of small messages costs a few records and one
 * system call, not one of each per message.
 *
 * The one exception to "everything on the loop thread": an ask or a reply
 * (someone waits for it) is written by the worker that sends it, straight
 * to the socket, when the loop has nothing on its way for the connection
 * (act__conn_direct). That saves the hand-over to the loop thread and its
 * wake-up on each side of a round trip. `wmu` keeps the SSL to one thread
 * at a time, and the loop says when the connection is idle (settle). */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cluster/cluster_int.h"
#include "cluster/trace.h"
#include "rt/rt.h"

#define HANDSHAKE_NS (5 * 1000000000LL)
#define WRITE_HIGH (256 * 1024)   /* queue no more fragments past this */
#define INCAP (ACT_FRAME_HEADER + ACT_FRAME_MAX)
#define STAGE_SEAL (16 * 1024)   /* a TLS record's worth of plaintext */
#define TURN_MAX (256 * 1024)    /* fragment bytes one connection seals per turn */

void act__addr_text(const struct sockaddr *sa, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip);
    port = ntohs(s->sin_port);
    snprintf(out, cap, "%s:%d", ip, port);
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip);
    port = ntohs(s->sin6_port);
    snprintf(out, cap, "[%s]:%d", ip, port);
  } else {
    snprintf(out, cap, "?");
  }
}

act_conn_t *act__conn_new(act_node_t *n, int outgoing, int kind) {
  act_conn_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->in = malloc(INCAP);
  c->ssl = act__tls_ssl(act__node_tls(n), !outgoing);
  BIO *io = act__tlsio_bio(&c->io);
  if (c->in == NULL || c->ssl == NULL || io == NULL) {
    BIO_free(io), SSL_free(c->ssl), free(c->in), free(c);
    return NULL;
  }
  SSL_set_bio(c->ssl, io, io);   /* one reference, taken over by the SSL */
  c->node = n;
  c->outgoing = outgoing;
  c->kind = kind;
  c->state = outgoing ? C_CONNECTING : C_TLS;
  c->fd = -1;
  pthread_mutex_init(&c->wmu, NULL);
  c->deadline = act__cluster_now() + HANDSHAKE_NS;
  act_reasm_init(&c->reasm, ACT_MESSAGE_MAX);
  uv_tcp_init(act__node_loop(n), &c->tcp);
  c->tcp.data = c;
  return c;
}

static void on_closed(uv_handle_t *h) {
  act_conn_t *c = h->data;
  size_t dropped = 0;
  for (act_outmsg_t *m = c->out_head, *nx; m; m = nx) {
    nx = m->next;
    dropped += m->len;
    free(m->block);
    free(m);
  }
  act__node_dropped(c, dropped);   /* no longer waiting either */
  /* A worker that found c before it closed holds wmu until it is done
   * (node.c hands c out only under its lock, and no more once closed). */
  pthread_mutex_lock(&c->wmu);
  pthread_mutex_unlock(&c->wmu);
  pthread_mutex_destroy(&c->wmu);
  free(c->stage);
  act_reasm_free(&c->reasm);
  SSL_free(c->ssl);   /* frees the BIO */
  act__tlsio_free(&c->io);
  free(c->in);
  free(c);
}

static void close_now(act_conn_t *c) {
  if (c->state == C_CLOSING) return;
  pthread_mutex_lock(&c->wmu);   /* no worker writes to it from now on */
  atomic_store(&c->idle, 0);
  pthread_mutex_unlock(&c->wmu);
  c->state = C_CLOSING;
  act__node_closed(c);
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

typedef struct wreq {
  uv_write_t req;
  act_conn_t *conn;
  uint8_t *data;   /* the records, taken from c->io */
} wreq_t;

static void pump(act_conn_t *c);

/* Under wmu: whether a worker may write to c itself — nothing of the
 * loop's is staged, queued, sealed or in a libuv write, so whatever it
 * writes goes after everything sent before it. */
static void settle_locked(act_conn_t *c) {
  atomic_store(&c->idle, c->state == C_UP && c->kind == ACT_CONN_DATA && c->out_head == NULL &&
                             c->stage_len == 0 && c->io.out_len == 0 && c->writing == 0);
}

static void on_written(uv_write_t *req, int status) {
  wreq_t *w = (wreq_t *)req;
  act_conn_t *c = w->conn;
  free(w->data);
  free(w);
  pthread_mutex_lock(&c->wmu);
  c->writing--;
  pthread_mutex_unlock(&c->wmu);
  if (status < 0) {
    if (status != UV_ECANCELED) close_now(c);
    return;
  }
  pump(c);
  if (c->state == C_CLOSING) return;
  pthread_mutex_lock(&c->wmu);
  settle_locked(c);
  pthread_mutex_unlock(&c->wmu);
}

/* The staged plaintext into TLS records (without a partial-write mode,
 * and with a memory BIO that takes everything, SSL_write writes all of
 * it or fails). Under wmu. */
static int seal(act_conn_t *c) {
  size_t at = 0;
  while (at < c->stage_len) {
    int k = (int)(c->stage_len - at > STAGE_SEAL ? STAGE_SEAL : c->stage_len - at);
    if (SSL_write(c->ssl, c->stage + at, k) != k) return -1;
    at += (size_t)k;
  }
  c->stage_len = 0;
  return 0;
}

/* Hands what TLS produced to libuv, in one write: the buffer itself,
 * which the write owns until it is done. */
static void flush(act_conn_t *c) {
  if (c->state == C_CLOSING) return;
  pthread_mutex_lock(&c->wmu);
  int bad = seal(c) != 0;
  size_t n = 0;
  uint8_t *data = NULL;
  if (!bad && c->io.out_len) {   /* a write in flight: no worker writes meanwhile */
    data = act__tlsio_take(&c->io, &n);
    c->writing++;
  }
  settle_locked(c);
  pthread_mutex_unlock(&c->wmu);
  if (bad) {
    close_now(c);
    return;
  }
  if (n == 0) return;
  wreq_t *w = malloc(sizeof *w);
  if (w == NULL) {
    free(data);
    close_now(c);   /* `writing` stays up: nothing is written to c again */
    return;
  }
  w->data = data;
  w->conn = c;
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w->data);
    free(w);
    close_now(c);   /* `writing` stays up: nothing is written to c again */
  }
}

/* Room for n more bytes in the stage; NULL (the connection closed) if
 * there is none. */
static uint8_t *stage_room(act_conn_t *c, size_t n) {
  if (c->state == C_CLOSING) return NULL;
  if (atomic_load(&c->idle)) {   /* the loop has something on its way now */
    pthread_mutex_lock(&c->wmu);
    atomic_store(&c->idle, 0);
    pthread_mutex_unlock(&c->wmu);
  }
  size_t need = c->stage_len + n;
  if (need > c->stage_cap) {
    size_t cap = c->stage_cap ? c->stage_cap : 4 * STAGE_SEAL;
    while (cap < need) cap *= 2;
    uint8_t *s = realloc(c->stage, cap);
    if (s == NULL) {
      close_now(c);
      return NULL;
    }
    c->stage = s;
    c->stage_cap = cap;
  }
  uint8_t *at = c->stage + c->stage_len;
  c->stage_len = need;
  return at;
}

static void staged(act_conn_t *c) {
  if (c->stage_len < STAGE_SEAL) return;
  pthread_mutex_lock(&c->wmu);
  int bad = seal(c) != 0;
  pthread_mutex_unlock(&c->wmu);
  if (bad) close_now(c);
}

static void put_frame(act_conn_t *c, uint8_t type, uint8_t flags, const void *p, size_t n) {
  uint8_t *at = stage_room(c, ACT_FRAME_HEADER + n);
  if (at == NULL) return;
  act_frame_header(at, type, flags, (uint32_t)n);
  if (n) memcpy(at + ACT_FRAME_HEADER, p, n);
  staged(c);
}

/* Whole frames, framed already by the sending thread (node.c's batches). */
static void put_frames(act_conn_t *c, const uint8_t *p, size_t n) {
  uint8_t *at = stage_room(c, n);
  if (at == NULL) return;
  memcpy(at, p, n);
  staged(c);
}

void act__conn_flush(act_conn_t *c) { flush(c); }

int act__conn_direct(act_conn_t *c, const void *p, size_t n) {
  if (!atomic_load(&c->idle) || c->fd < 0 || n > ACT_DIRECT_MAX) {
    pthread_mutex_unlock(&c->wmu);
    return -1;
  }
  uint8_t frame[ACT_FRAME_HEADER + ACT_DIRECT_MAX];   /* one record, not two */
  act_frame_header(frame, ACT_FR_MSG, 0, (uint32_t)n);
  memcpy(frame + ACT_FRAME_HEADER, p, n);
  int k = (int)(ACT_FRAME_HEADER + n);
  if (SSL_write(c->ssl, frame, k) != k) {
    /* Nothing sent: the sender queues it, and the loop, sealing it,
     * meets the same error and closes the connection. */
    ERR_clear_error();
    atomic_store(&c->idle, 0);
    pthread_mutex_unlock(&c->wmu);
    return -1;
  }
  ACT_TRACE(ACT_TR_SEALED);
  size_t at = 0;
  while (at < c->io.out_len) {   /* the socket is non-blocking (libuv's) */
    ssize_t w = send(c->fd, c->io.out + at, c->io.out_len - at, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) at += (size_t)w;
    else if (w < 0 && errno == EINTR) continue;
    else break;   /* full, or failed: the loop writes the rest, or meets the error */
  }
  act__tlsio_drop(&c->io, at);
  int whole = c->io.out_len == 0;
  if (!whole) atomic_store(&c->idle, 0);
  pthread_mutex_unlock(&c->wmu);
  return whole;
}

void act__conn_frame(act_conn_t *c, uint8_t type, const void *p, size_t n) {
  if (c->state == C_CLOSING || n > ACT_FRAME_MAX) return;
  put_frame(c, type, 0, p, n);
  flush(c);
}

/* The per-turn shares start again in each turn of the loop. */
static void this_turn(act_conn_t *c) {
  uint64_t turn = act__node_turn(c->node);
  if (c->turn != turn) {
    c->turn = turn;
    c->turn_bytes = 0;
    c->turn_read = 0;
  }
}

/* The next of m's messages whole, or the next fragment of its one
 * message; returns the bytes it put. */
static size_t put_next(act_conn_t *c, act_outmsg_t *m) {
  if (m->batch) {   /* frames, at most a batch's worth: all at once */
    size_t k = m->end - m->off;
    put_frames(c, m->data + m->off, k);
    m->off = m->end;
    act__node_sent(c, m->len);
    return k;
  }
  size_t k = m->len - m->off;
  if (k > ACT_FRAME_MAX) k = ACT_FRAME_MAX;
  int last = m->off + k == m->len;
  put_frame(c, ACT_FR_MSG, last ? 0 : ACT_FRF_MORE, m->data + m->off, k);
  m->off += k;
  if (last) act__node_sent(c, m->len);
  return k;
}

/* Queued messages into the stage while libuv's queue is short and this
 * turn's share lasts, then one flush: many frames, few TLS records, one
 * write. */
static void pump(act_conn_t *c) {
  this_turn(c);
  size_t before = c->turn_bytes;
  while (c->state == C_UP && c->out_head && c->tcp.write_queue_size < WRITE_HIGH) {
    if (c->turn_bytes >= TURN_MAX) {   /* the rest after the timers */
      act__node_more(c->node);
      break;
    }
    act_outmsg_t *m = c->out_head;
    c->turn_bytes += put_next(c, m);
    if (m->off == m->end) {
      c->out_head = m->next;
      if (c->out_head == NULL) c->out_tail = NULL;
      free(m->block);
      free(m);
    }
  }
  if (c->turn_bytes != before || c->stage_len) flush(c);
  /* Senders paused on this node's byte bound wait for this news: sooner
   * than the next tick or wake. */
  if (c->turn_bytes != before) act__node_report(c);
}

void act__conn_pump(act_conn_t *c) { pump(c); }

/* Appends m to the connection's outgoing messages and writes what it can. */
static void queue_out(act_conn_t *c, act_outmsg_t *m) {
  if (c->out_tail)
    c->out_tail->next = m;
  else
    c->out_head = m;
  c->out_tail = m;
  pump(c);
}

int act__conn_message(act_conn_t *c, const void *p, size_t n, void *block) {
  if (c->state != C_UP || n > ACT_MESSAGE_MAX) {
    act__node_sent(c, n);   /* dropped: counted out, so no sender waits for it */
    free(block);
    return -1;
  }
  if (n <= ACT_FRAME_MAX && c->out_head == NULL && c->tcp.write_queue_size < WRITE_HIGH) {
    /* One frame, nothing ahead of it: staged, sent at the next flush. */
    put_frame(c, ACT_FR_MSG, 0, p, n);
    act__node_sent(c, n);
    free(block);
    return 0;
  }
  act_outmsg_t *m = malloc(sizeof *m + (block ? 0 : n));
  if (m == NULL) {
    act__node_sent(c, n);
    free(block);
    return -1;
  }
  m->next = NULL;
  m->len = m->end = n;
  m->off = 0;
  m->batch = 0;
  m->block = block;
  if (block == NULL) {   /* a copy, in the same allocation */
    memcpy(m + 1, p, n);
    p = m + 1;
  }
  m->data = p;
  queue_out(c, m);
  return 0;
}

int act__conn_batch(act_conn_t *c, void *block, const uint8_t *frames, size_t used, size_t bytes) {
  if (c->state != C_UP) {
    act__node_sent(c, bytes);   /* dropped, as in act__conn_message */
    free(block);
    return -1;
  }
  if (c->out_head == NULL && c->tcp.write_queue_size < WRITE_HIGH) {   /* nothing ahead */
    put_frames(c, frames, used);
    act__node_sent(c, bytes);
    free(block);
    return 0;
  }
  act_outmsg_t *m = malloc(sizeof *m);
  if (m == NULL) {
    act__node_sent(c, bytes);
    free(block);
    return -1;
  }
  m->next = NULL;
  m->len = bytes;
  m->end = used;
  m->off = 0;
  m->batch = 1;
  m->data = frames;
  m->block = block;
  queue_out(c, m);
  return 0;
}

static void after_shutdown(uv_shutdown_t *sd, int status) {
  (void)status;
  uv_close((uv_handle_t *)sd->handle, on_closed);
  free(sd);
}

void act__conn_close(act_conn_t *c, uint8_t type, const char *why) {
  if (c->state == C_CLOSING) return;
  /* Say why, unless the peer is not even reading what it was sent (then
   * the goodbye would wait behind it). */
  int say = type && (c->state == C_HELLO || c->state == C_UP) && c->tcp.write_queue_size == 0;
  if (!say) {
    close_now(c);
    return;
  }
  put_frame(c, type, 0, why, strlen(why));
  flush(c);
  if (c->state == C_CLOSING) return;
  c->state = C_CLOSING;
  act__node_closed(c);
  uv_read_stop((uv_stream_t *)&c->tcp);
  c->read_paused = 0;
  /* The shutdown completes after the frame's write: then close. */
  uv_shutdown_t *sd = malloc(sizeof *sd);
  if (sd == NULL || uv_shutdown(sd, (uv_stream_t *)&c->tcp, after_shutdown) != 0) {
    free(sd);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
  }
}

static void send_hello(act_conn_t *c) {
  act_hello_t h = *act__node_me(c->node, c->kind);
  if (act__cluster_faults.version) h.version = act__cluster_faults.version;
  uint8_t buf[ACT_HELLO_MAX];
  size_t n = act_hello_encode(&h, buf, sizeof buf);
  put_frame(c, ACT_FR_HELLO, 0, buf, n);
  flush(c);
}

static void refuse(act_conn_t *c, const char *why) {
  if (c->theirs.node[0])
    act__logf("act: cluster: refused node %s at %s: %s\n", c->theirs.node, c->remote, why);
  else
    act__logf("act: cluster: refused %s: %s\n", c->remote, why);
  act__conn_close(c, ACT_FR_REFUSE, why);
}

/* Before the handshake is over only HELLO and REFUSE are read. */
static void on_frame(act_conn_t *c, const act_frame_t *f) {
  if (f->type == ACT_FR_REFUSE) {
    act__logf("act: cluster: %s refused this node: %.*s\n", c->remote,
              (int)(f->len > 200 ? 200 : f->len), (const char *)f->payload);
    act__node_refused(c, (const char *)f->payload, f->len);   /* may stop the node */
    close_now(c);
    return;
  }
  if (c->state == C_HELLO) {
    if (f->type != ACT_FR_HELLO) {
      refuse(c, "the first frame is not a hello");
      return;
    }
    int st = act_hello_decode(f->payload, f->len, &c->theirs);
    char why[200];
    if (st == ACT_WIRE_EVERSION) {
      snprintf(why, sizeof why, "protocol version %u, this node speaks %u", c->theirs.version,
               ACT_PROTOCOL_VERSION);
      refuse(c, why);
      return;
    }
    if (st != ACT_WIRE_OK) {
      memset(&c->theirs, 0, sizeof c->theirs);
      refuse(c, "malformed hello");
      return;
    }
    if (c->outgoing && c->theirs.kind != c->kind) {
      refuse(c, "hello for another kind of connection");
      return;
    }
    if (act_hello_check(act__node_me(c->node, c->kind), &c->theirs, why, sizeof why) != 0) {
      refuse(c, why);
      return;
    }
    c->kind = c->theirs.kind;
    if (!c->outgoing && act__node_refuses(c)) return;
    if (!c->outgoing) send_hello(c);
    c->state = C_UP;
    act__node_hello(c);
    if (c->state == C_UP && act__cluster_faults.oversize) {
      uint8_t h[ACT_FRAME_HEADER];
      act_frame_header(h, ACT_FR_MSG, 0, ACT_FRAME_MAX + 1);
      pthread_mutex_lock(&c->wmu);
      SSL_write(c->ssl, h, sizeof h);
      pthread_mutex_unlock(&c->wmu);
      flush(c);
    }
    return;
  }
  if (f->type == ACT_FR_HELLO) {
    refuse(c, "a second hello");
    return;
  }
  if (f->type == ACT_FR_MSG) {
    const uint8_t *m;
    size_t n;
    int st = act_reasm_add(&c->reasm, f, &m, &n);
    if (st == ACT_WIRE_OK) act__node_message(c, m, n);
    else if (st != ACT_WIRE_NEED) refuse(c, act_wire_error(st));
    return;
  }
  act__node_frame(c, f);
}

static void frames(act_conn_t *c) {
  size_t at = 0;
  while (c->state == C_HELLO || c->state == C_UP) {
    act_frame_t f;
    size_t used;
    int st = act_frame_decode(c->in + at, c->inlen - at, &f, &used);
    if (st == ACT_WIRE_NEED) break;
    if (st != ACT_WIRE_OK) {
      refuse(c, act_wire_error(st));
      return;
    }
    on_frame(c, &f);
    at += used;
  }
  if (c->state == C_CLOSING) return;
  if (at && c->peer) act__node_heard(c);
  memmove(c->in, c->in + at, c->inlen - at);
  c->inlen -= at;
}

static void tls_failed(act_conn_t *c, const char *what) {
  char e[200];
  act__tls_error(e, sizeof e);
  if (c->state == C_TLS)
    act__logf("act: cluster: refused %s: TLS handshake failed (another cookie or certificate, or "
              "not an Act node): %s\n", c->remote, e);
  else
    act__logf("act: cluster: connection with %s dropped: TLS %s: %s\n", c->remote, what, e);
  flush(c);   /* the alert, if any */
  close_now(c);
}

/* Runs TLS over what arrived, then frames over what TLS decrypted. */
static void advance(act_conn_t *c) {
  if (c->state == C_TLS) {
    pthread_mutex_lock(&c->wmu);
    int r = SSL_do_handshake(c->ssl);
    int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
    pthread_mutex_unlock(&c->wmu);
    flush(c);
    if (r != 1) {
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) tls_failed(c, "handshake");
      return;
    }
    c->state = C_HELLO;
    /* The dialler speaks first; the listener answers only a hello it
     * accepts, so a refused peer learns nothing about this node. */
    if (c->outgoing) send_hello(c);
  }
  while (c->state == C_HELLO || c->state == C_UP) {
    /* Under wmu: a worker may be writing to the same SSL. */
    pthread_mutex_lock(&c->wmu);
    int r = SSL_read(c->ssl, c->in + c->inlen, (int)(INCAP - c->inlen));
    int e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
    pthread_mutex_unlock(&c->wmu);
    if (r <= 0) {
      flush(c);   /* TLS 1.3 may have answered something (key update) */
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
      if (e == SSL_ERROR_ZERO_RETURN) close_now(c);
      else tls_failed(c, "error");
      return;
    }
    c->inlen += (size_t)r;
    frames(c);
  }
}

static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *b) {
  static _Thread_local char buf[64 * 1024];   /* copied into the BIO at once */
  (void)h, (void)want;
  *b = uv_buf_init(buf, sizeof buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  act_conn_t *c = s->data;
  if (c->kind == ACT_CONN_DATA && n > 0) ACT_TRACE(ACT_TR_RX_LOOP);
  if (c->state == C_CLOSING) return;
  if (n < 0) {
    close_now(c);
    return;
  }
  if (n == 0) return;
  if (act__tlsio_feed(&c->io, (const uint8_t *)b->base, (size_t)n) != 0) {
    act__logf("act: cluster: connection with %s dropped: too much data TLS could not read\n",
              c->remote);
    close_now(c);
    return;
  }
  advance(c);
  /* What TLS did not read (the connection stopped reading mid-way)
   * outlives libuv's buffer; a partial record TLS keeps itself. */
  if (act__tlsio_keep(&c->io) != 0 && c->state != C_CLOSING) {
    close_now(c);
    return;
  }
  this_turn(c);
  c->turn_read += (size_t)n;
  if (c->turn_read >= TURN_MAX && c->state != C_CLOSING && !c->read_paused) {
    /* Enough for this turn: the rest waits in the socket until the
     * timers have run (act__conn_resume, from the node's next wake). */
    uv_read_stop(s);
    c->read_paused = 1;
    act__node_more(c->node);
  }
}

void act__conn_resume(act_conn_t *c) {
  if (!c->read_paused || c->state == C_CLOSING) return;
  c->read_paused = 0;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) close_now(c);
}

static void start(act_conn_t *c) {
  struct sockaddr_storage sa;
  int len = sizeof sa;
  if (!c->outgoing && uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0) {
    c->sa = sa;
    act__addr_text((struct sockaddr *)&sa, c->remote, sizeof c->remote);
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_os_fd_t fd;
  pthread_mutex_lock(&c->wmu);   /* published to workers by the same lock */
  c->fd = uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? (int)fd : -1;
  pthread_mutex_unlock(&c->wmu);
  c->state = C_TLS;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    close_now(c);
    return;
  }
  if (c->outgoing) advance(c);   /* the ClientHello */
}

static void on_connect(uv_connect_t *req, int status) {
  act_conn_t *c = req->data;
  if (c->state == C_CLOSING) return;
  if (status < 0) {   /* not up yet, or gone: the node dials again later */
    close_now(c);
    return;
  }
  start(c);
}

int act__conn_dial(act_conn_t *c, const struct sockaddr *sa) {
  memcpy(&c->sa, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in));
  act__addr_text(sa, c->remote, sizeof c->remote);
  c->connect.data = c;
  if (uv_tcp_connect(&c->connect, &c->tcp, sa, on_connect) != 0) {
    close_now(c);
    return -1;
  }
  return 0;
}

int act__conn_accept(act_conn_t *c, uv_stream_t *listener) {
  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    close_now(c);
    return -1;
  }
  start(c);
  return 0;
}
