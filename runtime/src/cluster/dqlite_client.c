/* dqlite_client.c: dqlite's wire protocol on libuv (dqlite_client.h says
 * what it promises). One connection, to the leader; one request in flight;
 * the rest wait in order. */
#include "cluster/dqlite_client.h"

#include "rt/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The protocol's numbers (dqlite's documented wire protocol, version 1). */
enum { PROTOCOL_VERSION = 1 };
enum { RQ_LEADER = 0, RQ_OPEN = 3, RQ_EXEC_SQL = 8, RQ_QUERY_SQL = 9, RQ_ADD = 12, RQ_ASSIGN = 13,
       RQ_REMOVE = 14, RQ_CLUSTER = 16, RQ_TRANSFER = 17 };
enum { RS_FAILURE = 0, RS_SERVER = 1, RS_SERVERS = 3, RS_DB = 4, RS_RESULT = 6, RS_ROWS = 7,
       RS_EMPTY = 8 };
#define ROWS_PART 0xeeeeeeeeeeeeeeeeull
#define ROWS_DONE 0xffffffffffffffffull
#define BODY_MAX (64u << 20)   /* an answer larger than this is refused as malformed */
/* SQLITE_IOERR_NOT_LEADER and SQLITE_IOERR_LEADERSHIP_LOST: look again. */
#define NOT_LEADER 10250
#define LEADERSHIP_LOST 10506
/* SQLITE_BUSY (any extended code): another connection is writing; the
 * statement did not run, so it is sent again shortly. */
#define IS_BUSY(code) (((code)&0xff) == 5)
#define BUSY_RETRY_MS 2

enum { D_IDLE, D_CONNECTING, D_LEADER, D_MEMBERS, D_OPENING, D_READY };

typedef struct buf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} buf_t;

typedef struct dreq {
  struct dreq *next;
  uint8_t type;            /* the request type; the answer's type follows from it */
  buf_t msg;               /* header and body */
  uint64_t since;          /* queued (ms), then sent (ms) */
  uint64_t first;          /* first sent (ms): busy retries end ACT_DQ_ANSWER_MS after it */
  act_dq_cb cb;
  void *arg;
} dreq_t;

typedef struct conn {
  union {                  /* TCP, or a socketpair to the TLS tunnel (act__dq_set_dial) */
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } io;
  uv_connect_t cr;
  act_dq_t *d;             /* NULL once dropped: late callbacks do nothing */
  char rbuf[65536];
} conn_t;

struct act_dq {
  uv_loop_t *loop;
  uv_timer_t *timer;
  conn_t *conn;
  int state, sent, next_server, hops, closing;
  int answered;            /* some server answered `who leads` (even "nobody") */
  int want_members;        /* ... then ask one without a leader for its configuration */
  int members;             /* the most members such a server knew; -1: none said */
  char servers[ACT_DQ_SERVERS_MAX][64];
  int nservers;
  char db[64];             /* the database opened on the leader */
  char target[64];         /* the address being dialled */
  char leader[64];         /* the last leader this client was connected to */
  uint64_t retry_at;       /* when no leader was found: when to look again */
  uint64_t resend_at;      /* the head was refused as busy: send it again then */
  dreq_t *head, *tail;     /* head is in flight when sent */
  buf_t in;                /* bytes read, not yet a whole message */
  struct part { uint8_t *p; uint32_t n; } *parts;   /* ROWS batches being gathered */
  size_t nparts;
  char error[256];
};

/* How connections are made: TCP, or the embedded store's TLS tunnel. */
static struct {
  act_dq_dial_fn fn;
  void *arg;
} dialler;

/* ---- encoding ---- */
static void put(buf_t *b, const void *p, size_t n) {
  if (b->oom) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + n) cap *= 2;
    uint8_t *q = realloc(b->p, cap);
    if (q == NULL) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
}
static void put_u64(buf_t *b, uint64_t v) {
  uint8_t w[8];
  for (int i = 0; i < 8; i++) w[i] = (uint8_t)(v >> (8 * i));
  put(b, w, 8);
}
static void pad(buf_t *b) {
  static const uint8_t zero[8];
  if (b->n % 8) put(b, zero, 8 - b->n % 8);
}
static void put_text(buf_t *b, const char *s) {
  put(b, s, strlen(s) + 1);
  pad(b);
}
/* A parameter tuple: count, one type byte each, padded; then the values. */
static void put_params(buf_t *b, const act_dq_val_t *p, int n) {
  uint8_t c = (uint8_t)n;
  put(b, &c, 1);
  for (int i = 0; i < n; i++) {
    uint8_t t = (uint8_t)p[i].type;
    put(b, &t, 1);
  }
  pad(b);
  for (int i = 0; i < n; i++) {
    switch (p[i].type) {
    case ACT_DQ_INT: put_u64(b, (uint64_t)p[i].i); break;
    case ACT_DQ_FLOAT: {
      uint64_t w;
      memcpy(&w, &p[i].f, 8);
      put_u64(b, w);
      break;
    }
    case ACT_DQ_TEXT: put_text(b, p[i].s ? p[i].s : ""); break;
    case ACT_DQ_BLOB: put_u64(b, p[i].n); put(b, p[i].s, p[i].n); pad(b); break;
    default: put_u64(b, 0); break;   /* NULL: a zero word */
    }
  }
}
/* Starts a message: the header's length is filled in by seal(). */
static void begin(buf_t *b, uint8_t type) {
  uint8_t h[8] = {0, 0, 0, 0, type, 0, 0, 0};
  put(b, h, 8);
}
static void seal(buf_t *b) {
  uint32_t words = (uint32_t)((b->n - 8) / 8);
  for (int i = 0; i < 4; i++) b->p[i] = (uint8_t)(words >> (8 * i));
}

/* ---- decoding: a cursor that refuses to run past the end ---- */
typedef struct cur {
  const uint8_t *p;
  size_t n;
  int bad;
} cur_t;
static uint64_t get_u64(cur_t *c) {
  if (c->n < 8) {
    c->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)c->p[i] << (8 * i);
  c->p += 8;
  c->n -= 8;
  return v;
}
static const char *get_text(cur_t *c) {
  const uint8_t *z = c->n ? memchr(c->p, 0, c->n) : NULL;
  if (z == NULL) {
    c->bad = 1;
    return "";
  }
  size_t len = (size_t)(z - c->p) + 1, padded = (len + 7) / 8 * 8;
  if (padded > c->n) {
    c->bad = 1;
    return "";
  }
  const char *s = (const char *)c->p;
  c->p += padded;
  c->n -= padded;
  return s;
}

/* ---- answering ---- */
static void on_timer(uv_timer_t *t);
static void drop_conn(act_dq_t *d);
static void pump(act_dq_t *d);

static uint64_t now_ms(act_dq_t *d) { return uv_now(d->loop); }

static void free_parts(act_dq_t *d) {
  for (size_t i = 0; i < d->nparts; i++) free(d->parts[i].p);
  free(d->parts);
  d->parts = NULL;
  d->nparts = 0;
}

static dreq_t *pop(act_dq_t *d) {
  dreq_t *r = d->head;
  d->head = r->next;
  if (d->head == NULL) {
    d->tail = NULL;
    uv_unref((uv_handle_t *)d->timer);   /* nothing waits: the loop may end */
  }
  d->sent = 0;
  return r;
}

static void answer(dreq_t *r, const act_dq_res_t *res) {
  if (r->cb) r->cb(r->arg, res);
  free(r->msg.p);
  free(r);
}

static void fail_req(dreq_t *r, const char *why) {
  act_dq_res_t res = {.ok = 0, .error = why};
  answer(r, &res);
}

static void set_error(act_dq_t *d, const char *fmt, const char *a, const char *b) {
  snprintf(d->error, sizeof d->error, fmt, a, b);
}

/* The statement in flight is lost with the connection; the others wait
 * for the next leader. */
static void lose(act_dq_t *d, const char *why) {
  set_error(d, "coordination store (dqlite %s): %s", d->target, why);
  if (d->head && d->sent) fail_req(pop(d), d->error);
  free_parts(d);
  drop_conn(d);
  d->retry_at = now_ms(d) + 50;
}

/* Decodes the rows of all batches gathered in d->parts into one answer. */
static void answer_rows(act_dq_t *d, dreq_t *r) {
  act_dq_val_t *v = NULL;
  size_t nv = 0, capv = 0, ncols = 0;
  const char *bad = NULL;
  for (size_t b = 0; b < d->nparts && !bad; b++) {
    cur_t c = {d->parts[b].p, d->parts[b].n, 0};
    uint64_t n = get_u64(&c);
    if (n == 0 || n > 64 || (b && n != ncols)) bad = "a result with an unusable column count";
    ncols = (size_t)n;
    for (size_t i = 0; i < ncols && !bad; i++) get_text(&c);   /* column names: unused */
    while (!bad && !c.bad) {
      if (c.n >= 8) {
        cur_t peek = c;
        uint64_t w = get_u64(&peek);
        if (w == ROWS_DONE || w == ROWS_PART) break;
      }
      size_t hdr = ((ncols + 1) / 2 + 7) / 8 * 8;
      if (c.n < hdr) {
        c.bad = 1;
        break;
      }
      const uint8_t *types = c.p;
      c.p += hdr;
      c.n -= hdr;
      if (nv + ncols > capv) {
        capv = capv ? capv * 2 : 64;
        while (capv < nv + ncols) capv *= 2;
        act_dq_val_t *q = realloc(v, capv * sizeof *v);
        if (q == NULL) {
          bad = "out of memory";
          break;
        }
        v = q;
      }
      for (size_t i = 0; i < ncols && !c.bad; i++) {
        act_dq_val_t *x = &v[nv + i];
        memset(x, 0, sizeof *x);
        x->type = (types[i / 2] >> (4 * (i % 2))) & 0xf;
        switch (x->type) {
        case ACT_DQ_INT: case 9 /* UNIXTIME */: case 11 /* BOOLEAN */:
          x->i = (int64_t)get_u64(&c);
          x->type = ACT_DQ_INT;
          break;
        case ACT_DQ_FLOAT: {
          uint64_t w = get_u64(&c);
          memcpy(&x->f, &w, 8);
          break;
        }
        case ACT_DQ_TEXT: case 10 /* ISO8601 */:
          x->s = get_text(&c);
          x->type = ACT_DQ_TEXT;
          break;
        case ACT_DQ_BLOB: {
          uint64_t len = get_u64(&c);
          size_t padded = (size_t)((len + 7) / 8 * 8);
          if (len > c.n || padded > c.n) {
            c.bad = 1;
            break;
          }
          x->s = (const char *)c.p;
          x->n = (size_t)len;
          c.p += padded;
          c.n -= padded;
          break;
        }
        case ACT_DQ_NULL: get_u64(&c); break;
        default: c.bad = 1; break;
        }
      }
      nv += ncols;
    }
    if (c.bad && !bad) bad = "a malformed row";
  }
  act_dq_res_t res = {.ok = !bad, .error = bad, .ncols = ncols, .nrows = ncols ? nv / ncols : 0,
                      .v = v};
  if (bad) {
    set_error(d, "coordination store (dqlite %s): %s", d->target, bad);
    res.error = d->error;
    res.nrows = 0;
  }
  answer(r, &res);
  free(v);
}

/* One whole message from the server. Returns 0, or -1 if the connection
 * must go (answered already or to be answered by lose()). */
static int on_message(act_dq_t *d, uint8_t type, uint8_t *body, uint32_t len) {
  cur_t c = {body, len, 0};
  if (d->state == D_LEADER) {
    if (type != RS_SERVER) return lose(d, "an unexpected answer to `who leads`"), -1;
    get_u64(&c);
    const char *leader = get_text(&c);
    if (c.bad) return lose(d, "a malformed leader answer"), -1;
    if (*leader == 0 && d->want_members) {   /* its own configuration: has it a store? */
      buf_t m = {0};
      begin(&m, RQ_CLUSTER);
      put_u64(&m, 1);
      seal(&m);
      uv_buf_t ub = uv_buf_init((char *)m.p, (unsigned)m.n);
      int rc = m.oom ? -1 : uv_try_write((uv_stream_t *)&d->conn->io, &ub, 1);
      free(m.p);
      if (rc != (int)ub.len) return lose(d, "cannot write"), -1;
      d->state = D_MEMBERS;
      return 0;
    }
    d->answered = 1;
    if (*leader == 0) return lose(d, "no leader yet"), -1;
    if (strcmp(leader, d->target) != 0) {   /* dial the leader instead */
      if (d->hops++ > 2 || strlen(leader) >= sizeof d->target)
        return lose(d, "the leader keeps moving"), -1;
      char to[64];
      snprintf(to, sizeof to, "%s", leader);
      drop_conn(d);
      snprintf(d->target, sizeof d->target, "%s", to);
      d->retry_at = 0;
      return -1;
    }
    buf_t m = {0};
    begin(&m, RQ_OPEN);
    put_text(&m, d->db);
    put_u64(&m, 0);
    put_text(&m, "volatile");
    seal(&m);
    if (m.oom) return lose(d, "out of memory"), -1;
    d->state = D_OPENING;
    uv_buf_t ub = uv_buf_init((char *)m.p, (unsigned)m.n);
    int rc = uv_try_write((uv_stream_t *)&d->conn->io, &ub, 1);
    free(m.p);
    if (rc != (int)ub.len) return lose(d, "cannot write"), -1;
    return 0;
  }
  if (d->state == D_MEMBERS) {   /* dqlite answers from its own Raft configuration */
    uint64_t n = type == RS_SERVERS ? get_u64(&c) : 0;
    if (type != RS_SERVERS || c.bad) return lose(d, "an unexpected answer to `cluster`"), -1;
    d->answered = 1;
    if ((int64_t)n > d->members) d->members = n > 64 ? 64 : (int)n;
    return lose(d, "no leader yet"), -1;
  }
  if (d->state == D_OPENING) {
    if (type == RS_FAILURE) {
      get_u64(&c);
      return lose(d, get_text(&c)), -1;
    }
    if (type != RS_DB) return lose(d, "an unexpected answer to `open`"), -1;
    d->state = D_READY;
    d->hops = 0;
    d->retry_at = 0;
    /* A node's embedded store says where its leader went (operators and
     * the failover test read it); other uses of the client stay quiet. */
    if (dialler.fn && strcmp(d->leader, d->target) != 0)
      act__logf("act: cluster: the store's leader is at %s\n", d->target);
    snprintf(d->leader, sizeof d->leader, "%s", d->target);
    pump(d);
    return 0;
  }
  if (d->state != D_READY || !d->sent) return lose(d, "an answer nobody asked for"), -1;
  dreq_t *r = d->head;
  if (type == RS_FAILURE) {
    uint64_t code = get_u64(&c);
    const char *msg = get_text(&c);
    if (code == NOT_LEADER || code == LEADERSHIP_LOST) return lose(d, msg), -1;
    if (IS_BUSY(code) && now_ms(d) - r->first < ACT_DQ_ANSWER_MS) {
      d->sent = 0;
      d->resend_at = now_ms(d) + BUSY_RETRY_MS;
      uv_timer_start(d->timer, on_timer, BUSY_RETRY_MS, 25);
      return 0;
    }
    set_error(d, "coordination store (dqlite): %s%s", c.bad ? "a malformed failure" : msg, "");
    act_dq_res_t res = {.ok = 0, .error = d->error, .code = code};
    answer(pop(d), &res);
    return 0;
  }
  if (type == RS_ROWS && r->type == RQ_QUERY_SQL) {
    /* A batch ends with a marker: more parts follow, or this was the last. */
    if (len < 8) return lose(d, "a malformed row batch"), -1;
    uint64_t marker = 0;
    for (int i = 0; i < 8; i++) marker |= (uint64_t)body[len - 8 + i] << (8 * i);
    struct part *np = realloc(d->parts, (d->nparts + 1) * sizeof *np);
    if (np == NULL) return lose(d, "out of memory"), -1;
    d->parts = np;
    uint8_t *copy = malloc(len);
    if (copy == NULL) return lose(d, "out of memory"), -1;
    memcpy(copy, body, len);
    d->parts[d->nparts++] = (struct part){copy, len};
    if (marker == ROWS_PART) return 0;
    if (marker != ROWS_DONE) return lose(d, "a row batch without its end marker"), -1;
    answer_rows(d, pop(d));
    free_parts(d);
    pump(d);
    return 0;
  }
  if (type == RS_SERVERS && r->type == RQ_CLUSTER) {   /* (id, address, role) per node */
    uint64_t n = get_u64(&c);
    act_dq_val_t *v = n <= 64 ? calloc(n ? n * 3 : 1, sizeof *v) : NULL;
    for (uint64_t i = 0; v && i < n && !c.bad; i++) {
      v[3 * i] = act__dq_int((int64_t)get_u64(&c));
      v[3 * i + 1] = act__dq_text(get_text(&c));
      v[3 * i + 2] = act__dq_int((int64_t)get_u64(&c));
    }
    if (v == NULL || c.bad) {
      free(v);
      return lose(d, "a malformed cluster list"), -1;
    }
    act_dq_res_t res = {.ok = 1, .ncols = 3, .nrows = (size_t)n, .v = v};
    answer(pop(d), &res);
    free(v);
    pump(d);
    return 0;
  }
  if ((type == RS_RESULT && r->type == RQ_EXEC_SQL) ||
      (type == RS_EMPTY && (r->type == RQ_ADD || r->type == RQ_ASSIGN || r->type == RQ_REMOVE ||
                            r->type == RQ_TRANSFER))) {
    get_u64(&c);
    uint64_t changes = get_u64(&c);
    act_dq_res_t res = {.ok = 1, .changes = type == RS_RESULT ? changes : 0};
    answer(pop(d), &res);
    pump(d);
    return 0;
  }
  return lose(d, "an answer of the wrong type"), -1;
}

/* ---- the connection ---- */
void act__dq_set_dial(act_dq_dial_fn fn, void *arg) {
  dialler.fn = fn;
  dialler.arg = arg;
}

static void free_conn(uv_handle_t *h) { free(h->data); }

static void drop_conn(act_dq_t *d) {
  conn_t *c = d->conn;
  if (c == NULL) return;
  d->conn = NULL;
  c->d = NULL;
  d->state = D_IDLE;
  d->sent = 0;
  d->in.n = 0;
  if (!uv_is_closing((uv_handle_t *)&c->io)) uv_close((uv_handle_t *)&c->io, free_conn);
}

static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *b) {
  (void)want;
  conn_t *c = h->data;
  *b = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  conn_t *c = s->data;
  act_dq_t *d = c->d;
  if (d == NULL || nread == 0) return;
  if (nread < 0) {
    lose(d, nread == UV_EOF ? "the server closed the connection" : uv_strerror((int)nread));
    return;
  }
  put(&d->in, b->base, (size_t)nread);
  if (d->in.oom) {
    lose(d, "out of memory");
    return;
  }
  size_t off = 0;
  while (d->in.n - off >= 8 && d->conn == c) {
    uint8_t *h = d->in.p + off;
    uint32_t words = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
                     (uint32_t)h[3] << 24;
    if ((uint64_t)words * 8 > BODY_MAX) {
      lose(d, "an answer over the size limit");
      return;
    }
    size_t len = (size_t)words * 8;
    if (d->in.n - off - 8 < len) break;
    off += 8 + len;
    if (on_message(d, h[4], h + 8, (uint32_t)len) != 0) break;
  }
  if (d->conn == c && off) {
    memmove(d->in.p, d->in.p + off, d->in.n - off);
    d->in.n -= off;
  }
  if (d->conn == NULL && d->head && !d->closing) pump(d);
}

static void on_connect(uv_connect_t *cr, int status) {
  conn_t *c = cr->data;
  act_dq_t *d = c->d;
  if (d == NULL) return;
  if (status != 0) {
    lose(d, uv_strerror(status));
    return;
  }
  /* The protocol version, then "who leads?". */
  buf_t m = {0};
  put_u64(&m, PROTOCOL_VERSION);
  size_t at = m.n;
  put_u64(&m, 0);   /* header, sealed below */
  put_u64(&m, 0);
  if (m.oom) {      /* before the header is written: m.p may be NULL */
    lose(d, "out of memory");
    return;
  }
  m.p[at + 4] = RQ_LEADER;
  m.p[at] = 1;      /* a one-word body */
  uv_buf_t ub = uv_buf_init((char *)m.p, (unsigned)m.n);
  int rc = uv_try_write((uv_stream_t *)&c->io, &ub, 1);
  free(m.p);
  if (rc != (int)ub.len) {
    lose(d, "cannot write");
    return;
  }
  d->state = D_LEADER;
  uv_read_start((uv_stream_t *)&c->io, on_alloc, on_read);
}

int act__dq_parse_addr(const char *s, struct sockaddr_storage *sa) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof host) return -1;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port <= 0 || port > 65535) return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = 0;
  if (host[0] == '[') {   /* [v6]:port */
    size_t n = strlen(host);
    if (n < 3 || host[n - 1] != ']') return -1;
    host[n - 1] = 0;
    return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)sa);
  }
  return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)sa);
}

static void dial(act_dq_t *d) {
  if (d->target[0] == 0) {
    snprintf(d->target, sizeof d->target, "%s", d->servers[d->next_server]);
    d->next_server = (d->next_server + 1) % d->nservers;
  }
  struct sockaddr_storage sa;
  conn_t *c = calloc(1, sizeof *c);
  if (c == NULL || act__dq_parse_addr(d->target, &sa) != 0) {
    free(c);
    set_error(d, "coordination store (dqlite): `%s` is not a numeric HOST:PORT%s", d->target, "");
    d->target[0] = 0;
    d->retry_at = now_ms(d) + 50;
    return;
  }
  c->d = d;
  c->cr.data = c;
  d->conn = c;
  d->state = D_CONNECTING;
  if (dialler.fn) {   /* the tunnel connects (or closes its end, which reads as EOF) */
    int fd = -1;
    uv_pipe_init(d->loop, &c->io.pipe, 0);
    c->io.pipe.data = c;
    if (dialler.fn(dialler.arg, d->target, &fd) != 0) {
      lose(d, "cannot reach the store's TLS tunnel");
    } else if (uv_pipe_open(&c->io.pipe, fd) != 0) {
      close(fd);
      lose(d, "cannot open the tunnel's socket");
    } else {
      on_connect(&c->cr, 0);
    }
    return;
  }
  uv_tcp_init(d->loop, &c->io.tcp);
  c->io.tcp.data = c;
  uv_tcp_nodelay(&c->io.tcp, 1);
  int rc = uv_tcp_connect(&c->cr, &c->io.tcp, (struct sockaddr *)&sa, on_connect);
  if (rc != 0) lose(d, uv_strerror(rc));
}

/* Moves things on: dial if statements wait and nobody is connected, send
 * the next one when the leader is ready. */

/* A copy of p written to s, freed when libuv is done with it (also when
 * the stream is closed first: the callback then says ECANCELED, and a lost
 * connection is noticed by the read side). */
typedef struct wcopy {
  uv_write_t w;
  char data[];
} wcopy_t;

static void on_copy_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

int act__uv_write_copy(uv_stream_t *s, const void *p, size_t n) {
  wcopy_t *q = malloc(sizeof *q + n);
  if (q == NULL) return -1;
  memcpy(q->data, p, n);
  uv_buf_t b = uv_buf_init(q->data, (unsigned)n);
  if (uv_write(&q->w, s, &b, 1, on_copy_written) != 0) {
    free(q);
    return -1;
  }
  return 0;
}

static void pump(act_dq_t *d) {
  if (d->closing || d->head == NULL) return;
  if (d->state == D_IDLE) {
    if (now_ms(d) < d->retry_at) return;   /* the timer comes back */
    if (d->retry_at) d->target[0] = 0;     /* after a failure: the next server in the list */
    dial(d);
    return;
  }
  if (d->state != D_READY || d->sent || now_ms(d) < d->resend_at) return;
  dreq_t *r = d->head;
  if (r->first == 0) r->first = now_ms(d);
  uv_buf_t ub = uv_buf_init((char *)r->msg.p, (unsigned)r->msg.n);
  int rc = uv_try_write((uv_stream_t *)&d->conn->io, &ub, 1);
  d->sent = 1;
  r->since = now_ms(d);
  if (rc == UV_EAGAIN) rc = 0;
  /* What the socket did not take at once (a journal's batch of large
   * events) is queued from a copy: the request may be failed and freed
   * before libuv is done with the bytes. */
  if (rc >= 0 && (size_t)rc < ub.len && act__uv_write_copy((uv_stream_t *)&d->conn->io, ub.base + rc, ub.len - (size_t)rc) != 0)
    rc = -1;
  if (rc < 0) lose(d, "cannot write the request");
}

static void on_timer(uv_timer_t *t) {
  act_dq_t *d = t->data;
  uint64_t now = now_ms(d);
  if (d->head && d->sent && now - d->head->since > ACT_DQ_ANSWER_MS) {
    lose(d, "no answer in time");
  }
  /* Statements that found no leader in time fail; the rest keep waiting. */
  while (d->head && !d->sent && d->state != D_READY && now - d->head->since > ACT_DQ_WAIT_MS) {
    char why[320];
    snprintf(why, sizeof why, "%s",
             d->error[0] ? d->error : "coordination store (dqlite): no leader reachable");
    fail_req(pop(d), why);
  }
  pump(d);
}

/* ---- the calls ---- */
act_dq_t *act__dq_open(uv_loop_t *loop, const char *servers, char *err, size_t cap) {
  return act__dq_open_db(loop, servers, "act", err, cap);
}

act_dq_t *act__dq_open_db(uv_loop_t *loop, const char *servers, const char *db, char *err,
                          size_t cap) {
  act_dq_t *d = calloc(1, sizeof *d);
  if (d == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  if (db == NULL || *db == 0 || strlen(db) >= sizeof d->db) {
    snprintf(err, cap, "dqlite store: a database name needs 1..%zu bytes", sizeof d->db - 1);
    free(d);
    return NULL;
  }
  memcpy(d->db, db, strlen(db) + 1);
  for (const char *s = servers; *s;) {
    size_t len = strcspn(s, ",");
    struct sockaddr_storage sa;
    if (len == 0 || len >= sizeof d->servers[0] || d->nservers == ACT_DQ_SERVERS_MAX) {
      snprintf(err, cap, "dqlite store: `%.80s` is not a list of up to %d HOST:PORT", servers,
               ACT_DQ_SERVERS_MAX);
      free(d);
      return NULL;
    }
    memcpy(d->servers[d->nservers], s, len);
    d->servers[d->nservers][len] = 0;
    if (act__dq_parse_addr(d->servers[d->nservers], &sa) != 0) {
      snprintf(err, cap, "dqlite store: `%s` is not a numeric HOST:PORT", d->servers[d->nservers]);
      free(d);
      return NULL;
    }
    d->nservers++;
    s += len + (s[len] == ',');
  }
  if (d->nservers == 0) {
    snprintf(err, cap, "dqlite store: no server given");
    free(d);
    return NULL;
  }
  d->loop = loop;
  d->members = -1;
  d->timer = malloc(sizeof *d->timer);
  if (d->timer == NULL) {
    snprintf(err, cap, "out of memory");
    free(d);
    return NULL;
  }
  uv_timer_init(loop, d->timer);
  d->timer->data = d;
  uv_timer_start(d->timer, on_timer, 25, 25);
  uv_unref((uv_handle_t *)d->timer);   /* enqueue() refs it while statements wait */
  return d;
}

int act__dq_answered(const act_dq_t *d) { return d->answered; }

void act__dq_want_members(act_dq_t *d) { d->want_members = 1; }
int act__dq_members(const act_dq_t *d) { return d->members; }

const char *act__dq_leader(const act_dq_t *d) { return d->state == D_READY ? d->target : NULL; }

static void free_timer(uv_handle_t *h) { free(h); }

void act__dq_close(act_dq_t *d) {
  if (d == NULL) return;
  d->closing = 1;
  while (d->head) fail_req(pop(d), "coordination store: closed");
  drop_conn(d);
  free_parts(d);
  uv_timer_stop(d->timer);
  uv_close((uv_handle_t *)d->timer, free_timer);
  free(d->in.p);
  free(d);
}

static void enqueue(act_dq_t *d, dreq_t *r) {
  if (r->msg.oom || d->closing) {
    fail_req(r, d->closing ? "coordination store: closed" : "coordination store: out of memory");
    return;
  }
  seal(&r->msg);
  r->since = now_ms(d);
  uv_ref((uv_handle_t *)d->timer);   /* keeps the loop alive until answered */
  if (d->tail)
    d->tail->next = r;
  else
    d->head = r;
  d->tail = r;
  pump(d);
}

static dreq_t *new_req(uint8_t type, act_dq_cb cb, void *arg) {
  dreq_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    act_dq_res_t res = {.ok = 0, .error = "coordination store: out of memory"};
    if (cb) cb(arg, &res);
    return NULL;
  }
  r->type = type;
  r->cb = cb;
  r->arg = arg;
  begin(&r->msg, type);
  return r;
}

static void statement(act_dq_t *d, uint8_t type, const char *sql, const act_dq_val_t *p, int n,
                      act_dq_cb cb, void *arg) {
  if (n < 0 || n > 255) {
    act_dq_res_t res = {.ok = 0, .error = "coordination store: too many parameters"};
    if (cb) cb(arg, &res);
    return;
  }
  dreq_t *r = new_req(type, cb, arg);
  if (r == NULL) return;
  put_u64(&r->msg, 0);   /* the database opened on this connection */
  put_text(&r->msg, sql);
  put_params(&r->msg, p, n);
  enqueue(d, r);
}

void act__dq_exec(act_dq_t *d, const char *sql, const act_dq_val_t *p, int n, act_dq_cb cb,
                  void *arg) {
  statement(d, RQ_EXEC_SQL, sql, p, n, cb, arg);
}
void act__dq_query(act_dq_t *d, const char *sql, const act_dq_val_t *p, int n, act_dq_cb cb,
                   void *arg) {
  statement(d, RQ_QUERY_SQL, sql, p, n, cb, arg);
}
void act__dq_add(act_dq_t *d, uint64_t id, const char *address, act_dq_cb cb, void *arg) {
  dreq_t *r = new_req(RQ_ADD, cb, arg);
  if (r == NULL) return;
  put_u64(&r->msg, id);
  put_text(&r->msg, address);
  enqueue(d, r);
}
void act__dq_assign_voter(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg) {
  dreq_t *r = new_req(RQ_ASSIGN, cb, arg);
  if (r == NULL) return;
  put_u64(&r->msg, id);
  put_u64(&r->msg, 0);   /* role: voter */
  enqueue(d, r);
}
/* Both answered EMPTY; both only by the leader. */
static void by_id(act_dq_t *d, uint8_t type, uint64_t id, act_dq_cb cb, void *arg) {
  dreq_t *r = new_req(type, cb, arg);
  if (r == NULL) return;
  put_u64(&r->msg, id);
  enqueue(d, r);
}
void act__dq_remove(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg) {
  by_id(d, RQ_REMOVE, id, cb, arg);
}
void act__dq_transfer(act_dq_t *d, uint64_t id, act_dq_cb cb, void *arg) {
  by_id(d, RQ_TRANSFER, id, cb, arg);
}
void act__dq_cluster(act_dq_t *d, act_dq_cb cb, void *arg) {
  dreq_t *r = new_req(RQ_CLUSTER, cb, arg);
  if (r == NULL) return;
  put_u64(&r->msg, 1);   /* format 1: with roles */
  enqueue(d, r);
}
