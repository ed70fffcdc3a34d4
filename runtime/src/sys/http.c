/* http.c: the C side of std.http — HTTP/1.1 messages parsed by Debian's
 * libhttp-parser (the parser node.js used for years), on connections of
 * std.net. The parser's state hangs on the connection (net_ext.h), so it
 * is found by the connection's id and goes with the socket.
 *
 * std.http feeds the bytes it receives (act_http_feed); every message the
 * parser completes is queued, whole, on the connection. std.http then
 * takes them one at a time (act_http_next) and reads the one it took
 * through the act_http_* getters. The message taken is kept on the
 * parser, not in a thread-local: the collector need not see thread-local
 * storage, and the parser is reachable from the socket.
 *
 * Limits: the request line or status line and the headers together may
 * hold at most max_head bytes (431 over it; the parser's own cap, 80 KiB,
 * also gives 431), a body at most max_body bytes (413; refused as soon as
 * Content-Length says so, before it arrives); anything the parser rejects
 * is 400. After an error the connection parses nothing more. */
#include <http_parser.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "act/act.h"
#include "sys/net_ext.h"

int64_t act_net_write(int64_t id, act_str_t *data);   /* net.c */

/* Bytes counted for each header beyond its name and value (": ", CRLF),
 * so that many empty headers also reach the limit. */
#define HEADER_OVERHEAD 4

/* Where the parser is between the messages (act_http_phase): std.http
 * times each phase differently (an idle connection, a head that is slow
 * to come, a body that stalls). */
enum { PHASE_NONE, PHASE_HEAD, PHASE_BODY };

typedef struct bytes {
  char *d;
  size_t n, cap;
} bytes_t;

typedef struct msg {
  act_str_t *method, *target;
  int64_t status, version;   /* version: 10 or 11 */
  bool keep_alive;
  int64_t nh;
  act_str_t **names, **values;
  act_str_t *body;
  struct msg *next;
} msg_t;

typedef struct hp {
  http_parser p;
  int64_t conn;
  int64_t max_head, max_body;
  int64_t head_bytes;
  bytes_t url, field, value, body;
  bool in_value;
  act_str_t **names, **values;
  size_t nh, caph;
  msg_t *head, *tail;        /* completed, not taken yet */
  msg_t *taken;              /* the one the getters read */
  int64_t queued;
  int64_t error;             /* 0, or the status to answer (400, 413, 431) */
  bool done;                 /* an upgrade or an error: parse nothing more */
  int64_t phase;             /* where the next message is: PHASE_* */
  /* A client's requests in flight: 1 for HEAD (its response has no body
   * whatever its headers say), in order. */
  unsigned char *heads;
  size_t nheads, capheads, firsthead;
} hp_t;

static act_str_t *empty(void) { return act_str_new("", 0); }

static void put(bytes_t *b, const char *at, size_t len) {
  if (len == 0) /* http-parser calls back with empty spans; b->d may be NULL */
    return;
  if (b->n + len > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + len)
      cap *= 2;
    char *d = act_alloc_atomic(cap);
    if (b->n)
      memcpy(d, b->d, b->n);
    b->d = d;
    b->cap = cap;
  }
  memcpy(b->d + b->n, at, len);
  b->n += len;
}

static act_str_t *take_bytes(bytes_t *b) {
  act_str_t *s = act_str_new(b->d ? b->d : "", (int64_t)b->n);
  b->n = 0;
  return s;
}

/* Counts head bytes; false (and 431) over the limit. */
static bool count_head(hp_t *h, size_t len) {
  h->head_bytes += (int64_t)len;
  if (h->head_bytes > h->max_head) {
    h->error = 431;
    return false;
  }
  return true;
}

static void commit_header(hp_t *h) {
  if (!h->in_value)
    return;
  h->in_value = false;
  if (h->nh == h->caph) {
    size_t cap = h->caph ? h->caph * 2 : 16;
    act_str_t **n = act_alloc(cap * sizeof *n), **v = act_alloc(cap * sizeof *v);
    if (h->nh) {
      memcpy(n, h->names, h->nh * sizeof *n);
      memcpy(v, h->values, h->nh * sizeof *v);
    }
    h->names = n;
    h->values = v;
    h->caph = cap;
  }
  /* Names are case-insensitive (RFC 9110 §5.1): lower case, once, here. */
  for (size_t i = 0; i < h->field.n; i++) {
    char c = h->field.d[i];
    if (c >= 'A' && c <= 'Z')
      h->field.d[i] = (char)(c - 'A' + 'a');
  }
  h->names[h->nh] = take_bytes(&h->field);
  h->values[h->nh] = take_bytes(&h->value);
  h->nh++;
}

static int on_begin(http_parser *p) {
  hp_t *h = p->data;
  h->url.n = h->field.n = h->value.n = h->body.n = 0;
  h->in_value = false;
  h->nh = 0;
  h->head_bytes = 0;
  h->phase = PHASE_HEAD;
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  hp_t *h = p->data;
  if (!count_head(h, len))
    return -1;
  put(&h->url, at, len);
  return 0;
}

static int on_field(http_parser *p, const char *at, size_t len) {
  hp_t *h = p->data;
  if (h->in_value) {
    commit_header(h);
    if (!count_head(h, HEADER_OVERHEAD))
      return -1;
  }
  if (!count_head(h, len))
    return -1;
  put(&h->field, at, len);
  return 0;
}

static int on_value(http_parser *p, const char *at, size_t len) {
  hp_t *h = p->data;
  h->in_value = true;
  if (!count_head(h, len))
    return -1;
  put(&h->value, at, len);
  return 0;
}

static int on_headers(http_parser *p) {
  hp_t *h = p->data;
  commit_header(h);
  h->phase = PHASE_BODY;
  if (p->type == HTTP_RESPONSE) {
    bool head = false;
    /* 1xx responses come before the real one and do not answer a request. */
    if (h->nheads > 0 && p->status_code >= 200) {
      head = h->heads[h->firsthead] != 0;
      h->firsthead++;
      h->nheads--;
    }
    return head ? 1 : 0;   /* 1: this message has no body */
  }
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > (uint64_t)h->max_body) {
    h->error = 413;
    return -1;
  }
  /* A client that waits for leave to send its body (curl does, for bodies
   * over 1 KiB) gets it now: the body is within the limit. */
  for (size_t i = 0; i < h->nh; i++)
    if (act_str_len(h->names[i]) == 6 && memcmp(act_str_data(h->names[i]), "expect", 6) == 0 &&
        act_str_len(h->values[i]) == 12 && strncasecmp(act_str_data(h->values[i]), "100-continue", 12) == 0 &&
        p->http_minor >= 1)
      act_net_write(h->conn, act_str_from_cstr("HTTP/1.1 100 Continue\r\n\r\n"));
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  hp_t *h = p->data;
  if ((int64_t)(h->body.n + len) > h->max_body) {
    h->error = 413;
    return -1;
  }
  put(&h->body, at, len);
  return 0;
}

static int on_complete(http_parser *p) {
  hp_t *h = p->data;
  msg_t *m = act_alloc(sizeof *m);
  m->method = p->type == HTTP_REQUEST ? act_str_from_cstr(http_method_str(p->method)) : empty();
  m->target = take_bytes(&h->url);
  m->status = p->status_code;
  m->version = p->http_major * 10 + p->http_minor;
  /* An upgrade (or CONNECT) is not followed: answer it, then close. */
  m->keep_alive = http_should_keep_alive(p) && !p->upgrade;
  m->nh = (int64_t)h->nh;
  m->names = h->names;
  m->values = h->values;
  h->names = h->values = NULL;   /* the message owns them now */
  h->nh = h->caph = 0;
  m->body = take_bytes(&h->body);
  if (h->tail)
    h->tail->next = m;
  else
    h->head = m;
  h->tail = m;
  h->queued++;
  h->phase = PHASE_NONE;
  return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

/* Attach a parser to connection `conn`: requests when `requests`, else
 * responses. False for no such connection or limits below 1. */
bool act_http_attach(int64_t conn, bool requests, int64_t max_head, int64_t max_body) {
  if (max_head < 1 || max_body < 0)
    return false;
  hp_t *h = act_alloc(sizeof *h);
  http_parser_init(&h->p, requests ? HTTP_REQUEST : HTTP_RESPONSE);
  h->p.data = h;
  h->conn = conn;
  h->max_head = max_head;
  h->max_body = max_body;
  return act__net_set_ext(conn, h);
}

static hp_t *parser(int64_t conn) { return act__net_ext(conn); }

static int64_t error_status(hp_t *h) {
  if (h->error)
    return h->error;
  enum http_errno e = HTTP_PARSER_ERRNO(&h->p);
  return e == HPE_HEADER_OVERFLOW ? 431 : 400;
}

/* Parse `data` (empty: the peer ended, which completes a response whose
 * body runs to the end). The number of complete messages waiting, or
 * -status when the bytes broke the protocol or a limit (the messages
 * before the error still wait); -1 for no parser on `conn`. */
int64_t act_http_feed(int64_t conn, act_str_t *data) {
  hp_t *h = parser(conn);
  if (h == NULL)
    return -1;
  if (h->done)
    return h->error ? -h->error : h->queued;
  size_t len = (size_t)act_str_len(data);
  size_t n = http_parser_execute(&h->p, &settings, act_str_data(data), len);
  if (h->p.upgrade) {
    h->done = true;   /* what follows is another protocol: not ours */
  } else if (HTTP_PARSER_ERRNO(&h->p) != HPE_OK || n != len) {
    h->error = error_status(h);
    h->done = true;
  }
  return h->error ? -h->error : h->queued;
}

/* 0: nothing of a next message has come; 1: part of its head has; 2:
 * its head has, its body has not all come (-1: no parser on `conn`). */
int64_t act_http_phase(int64_t conn) {
  hp_t *h = parser(conn);
  return h ? h->phase : -1;
}

/* A client: the next request written is a HEAD (its response has no
 * body) or not. */
bool act_http_expect(int64_t conn, bool head) {
  hp_t *h = parser(conn);
  if (h == NULL)
    return false;
  if (h->firsthead + h->nheads == h->capheads) {
    size_t cap = h->nheads * 2 + 16;
    unsigned char *q = act_alloc_atomic(cap);
    if (h->nheads)
      memcpy(q, h->heads + h->firsthead, h->nheads);
    h->heads = q;
    h->capheads = cap;
    h->firsthead = 0;
  }
  h->heads[h->firsthead + h->nheads++] = head;
  return true;
}

/* Take the next complete message for the getters below; false if none. */
bool act_http_next(int64_t conn) {
  hp_t *h = parser(conn);
  if (h == NULL)
    return false;
  msg_t *m = h->taken = h->head;
  if (m == NULL)
    return false;
  h->head = m->next;
  if (h->head == NULL)
    h->tail = NULL;
  m->next = NULL;
  h->queued--;
  return true;
}

static const msg_t *taken(int64_t conn) {
  hp_t *h = parser(conn);
  return h ? h->taken : NULL;
}

/* The message taken, part by part ("" or 0 when there is none). */
act_str_t *act_http_method(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->method : empty();
}

act_str_t *act_http_target(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->target : empty();
}

int64_t act_http_status(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->status : 0;
}

int64_t act_http_version(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->version : 0;
}

bool act_http_keep_alive(int64_t conn) {
  const msg_t *m = taken(conn);
  return m && m->keep_alive;
}

int64_t act_http_header_count(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->nh : 0;
}

act_str_t *act_http_header_name(int64_t conn, int64_t i) {
  const msg_t *m = taken(conn);
  return m && i >= 0 && i < m->nh ? m->names[i] : empty();
}

act_str_t *act_http_header_value(int64_t conn, int64_t i) {
  const msg_t *m = taken(conn);
  return m && i >= 0 && i < m->nh ? m->values[i] : empty();
}

act_str_t *act_http_body(int64_t conn) {
  const msg_t *m = taken(conn);
  return m ? m->body : empty();
}

/* The Date header's value (RFC 9110 §5.6.7, IMF-fixdate); formatted
 * once a second per thread (plain bytes: nothing for the collector). */
act_str_t *act_http_date(void) {
  static _Thread_local time_t made;
  static _Thread_local char text[40];
  static _Thread_local size_t len;
  time_t t = time(NULL);
  if (len == 0 || t != made) {
    struct tm tm;
    gmtime_r(&t, &tm);
    len = strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    made = t;
  }
  return act_str_new(text, (int64_t)len);
}
