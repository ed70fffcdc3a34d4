/* wire.c: frames, fragments, the handshake and the peer list, as bytes.
 *
 * Everything a peer sends is read here first, so every read is checked
 * against the bytes actually there and every length against a limit
 * before it is used; a flaw is a status, never a crash. Nothing here
 * allocates except the reassembly buffer. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/cluster.h"

static const uint8_t MAGIC[4] = {'A', 'C', 'T', 'N'};

const char *act_wire_error(int st) {
  switch (st) {
  case ACT_WIRE_OK: return "ok";
  case ACT_WIRE_NEED: return "incomplete";
  case ACT_WIRE_EVERSION: return "another protocol version";
  case ACT_WIRE_ETYPE: return "unknown frame type";
  case ACT_WIRE_EFLAGS: return "invalid frame flags";
  case ACT_WIRE_ESIZE: return "frame or message over the size limit";
  case ACT_WIRE_EMALFORMED: return "malformed payload";
  case ACT_WIRE_EORDER: return "frame out of order";
  }
  return "unknown error";
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

/* ---- frames ------------------------------------------------------------ */

void act_frame_header(uint8_t out[ACT_FRAME_HEADER], uint8_t type, uint8_t flags, uint32_t len) {
  out[0] = ACT_WIRE_VERSION;
  out[1] = type;
  out[2] = flags;
  out[3] = 0;
  put32(out + 4, len);
}

int act_frame_decode(const uint8_t *buf, size_t len, act_frame_t *f, size_t *used) {
  if (len < ACT_FRAME_HEADER) return ACT_WIRE_NEED;
  if (buf[0] != ACT_WIRE_VERSION) return ACT_WIRE_EVERSION;
  uint8_t type = buf[1], flags = buf[2];
  if (type < ACT_FR_HELLO || type > ACT_FR_LAST) return ACT_WIRE_ETYPE;
  if (buf[3] != 0 || (flags & ~ACT_FRF_MORE) || ((flags & ACT_FRF_MORE) && type != ACT_FR_MSG))
    return ACT_WIRE_EFLAGS;
  uint32_t n = get32(buf + 4);
  if (n > ACT_FRAME_MAX) return ACT_WIRE_ESIZE;
  /* Fixed-size payloads are checked here so that no handler sees a short one. */
  if (type == ACT_FR_HEARTBEAT && n != 8) return ACT_WIRE_EMALFORMED;
  if (type == ACT_FR_HELLO && n > ACT_HELLO_MAX) return ACT_WIRE_ESIZE;
  if (len - ACT_FRAME_HEADER < n) return ACT_WIRE_NEED;
  f->type = type;
  f->flags = flags;
  f->len = n;
  f->payload = buf + ACT_FRAME_HEADER;
  *used = ACT_FRAME_HEADER + (size_t)n;
  return ACT_WIRE_OK;
}

void act_reasm_init(act_reasm_t *r, size_t limit) {
  memset(r, 0, sizeof *r);
  r->limit = limit;
}

void act_reasm_free(act_reasm_t *r) {
  free(r->buf);
  memset(r, 0, sizeof *r);
}

int act_reasm_add(act_reasm_t *r, const act_frame_t *f, const uint8_t **msg, size_t *n) {
  if (f->type != ACT_FR_MSG) return ACT_WIRE_EORDER;
  if (r->len == 0 && !(f->flags & ACT_FRF_MORE)) {   /* whole: no copy */
    if (f->len > r->limit) return ACT_WIRE_ESIZE;
    *msg = f->payload;
    *n = f->len;
    return ACT_WIRE_OK;
  }
  if (f->len > r->limit - r->len) return ACT_WIRE_ESIZE;
  if (r->len + f->len > r->cap) {
    size_t cap = r->cap ? r->cap : 4 * ACT_FRAME_MAX;
    while (cap < r->len + f->len) cap *= 2;
    if (cap > r->limit) cap = r->limit;
    uint8_t *b = realloc(r->buf, cap);
    if (b == NULL) return ACT_WIRE_ESIZE;
    r->buf = b;
    r->cap = cap;
  }
  if (f->len) memcpy(r->buf + r->len, f->payload, f->len);
  r->len += f->len;
  if (f->flags & ACT_FRF_MORE) return ACT_WIRE_NEED;
  *msg = r->buf;
  *n = r->len;
  r->len = 0;
  return ACT_WIRE_OK;
}

/* ---- names ------------------------------------------------------------- */

int act_name_valid(const char *s, size_t n) {
  if (n == 0 || n > ACT_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

/* "host:port" in printable ASCII without spaces (the address is only
 * dialled after it has been parsed again by the node). */
static int addr_valid(const char *s, size_t n) {
  if (n == 0 || n > ACT_ADDR_MAX) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] <= ' ' || s[i] > '~') return 0;
  return 1;
}

/* A reader that refuses to pass the end. */
typedef struct rd {
  const uint8_t *p;
  size_t n, at;
  int bad;
} rd_t;

static const uint8_t *take(rd_t *r, size_t k) {
  if (r->bad || r->n - r->at < k) {
    r->bad = 1;
    return NULL;
  }
  const uint8_t *p = r->p + r->at;
  r->at += k;
  return p;
}

/* A string of 1..max bytes after a one-byte length, checked by ok. */
static void take_str(rd_t *r, char *out, size_t max, int (*ok)(const char *, size_t)) {
  const uint8_t *l = take(r, 1);
  if (l == NULL) return;
  const uint8_t *s = take(r, *l);
  if (s == NULL || *l > max || !ok((const char *)s, *l)) {
    r->bad = 1;
    return;
  }
  memcpy(out, s, *l);
  out[*l] = 0;
}

static size_t put_str(uint8_t *p, const char *s) {
  size_t n = strlen(s);
  p[0] = (uint8_t)n;
  memcpy(p + 1, s, n);
  return n + 1;
}

/* ---- the handshake ------------------------------------------------------- */

size_t act_hello_encode(const act_hello_t *h, uint8_t *out, size_t cap) {
  size_t lc = strlen(h->cluster), ln = strlen(h->node), la = strlen(h->addr);
  if (!act_name_valid(h->cluster, lc) || !act_name_valid(h->node, ln) || !addr_valid(h->addr, la))
    return 0;
  size_t need = 4 + 2 + 2 + 8 + 8 + 3 + lc + ln + la;
  if (need > cap) return 0;
  memcpy(out, MAGIC, 4);
  put16(out + 4, h->version);
  out[6] = h->kind;
  out[7] = 0;
  put64(out + 8, h->incarnation);
  put64(out + 16, h->schema);
  size_t at = 24;
  at += put_str(out + at, h->cluster);
  at += put_str(out + at, h->node);
  at += put_str(out + at, h->addr);
  return at;
}

int act_hello_decode(const uint8_t *p, size_t n, act_hello_t *h) {
  memset(h, 0, sizeof *h);
  rd_t r = {p, n, 0, 0};
  const uint8_t *m = take(&r, 4);
  if (m == NULL || memcmp(m, MAGIC, 4) != 0) return ACT_WIRE_EMALFORMED;
  const uint8_t *v = take(&r, 2);
  if (v == NULL) return ACT_WIRE_EMALFORMED;
  h->version = get16(v);
  /* Another version may lay out the rest differently: stop reading. */
  if (h->version != ACT_PROTOCOL_VERSION) return ACT_WIRE_EVERSION;
  const uint8_t *k = take(&r, 2);
  const uint8_t *inc = take(&r, 8);
  const uint8_t *sch = take(&r, 8);
  if (r.bad) return ACT_WIRE_EMALFORMED;
  if ((k[0] != ACT_CONN_CONTROL && k[0] != ACT_CONN_DATA) || k[1] != 0) return ACT_WIRE_EMALFORMED;
  h->kind = k[0];
  h->incarnation = get64(inc);
  h->schema = get64(sch);
  take_str(&r, h->cluster, ACT_NAME_MAX, act_name_valid);
  take_str(&r, h->node, ACT_NAME_MAX, act_name_valid);
  take_str(&r, h->addr, ACT_ADDR_MAX, addr_valid);
  if (r.bad || r.at != n) return ACT_WIRE_EMALFORMED;
  return ACT_WIRE_OK;
}

int act_hello_check(const act_hello_t *mine, const act_hello_t *theirs, char *why, size_t cap) {
  if (theirs->version != mine->version)
    snprintf(why, cap, "protocol version %u, this node speaks %u", theirs->version, mine->version);
  else if (strcmp(theirs->cluster, mine->cluster) != 0)
    snprintf(why, cap, "cluster `%s`, this node is in `%s`", theirs->cluster, mine->cluster);
  else if (theirs->schema != mine->schema)
    snprintf(why, cap,
             "another program: message schema %016" PRIx64 ", this node's is %016" PRIx64,
             theirs->schema, mine->schema);
  else if (strcmp(theirs->node, mine->node) == 0)
    snprintf(why, cap, "node name `%s` is this node's own", theirs->node);
  else
    return 0;
  return -1;
}

/* ---- the peer list ------------------------------------------------------- */

size_t act_peers_encode(const act_peer_entry_t *e, size_t n, uint8_t *out, size_t cap) {
  if (n > ACT_PEERS_MAX || cap < 2) return 0;
  put16(out, (uint16_t)n);
  size_t at = 2;
  for (size_t i = 0; i < n; i++) {
    size_t ln = strlen(e[i].node), la = strlen(e[i].addr);
    if (!act_name_valid(e[i].node, ln) || !addr_valid(e[i].addr, la)) return 0;
    if (cap - at < 8 + 2 + ln + la) return 0;
    put64(out + at, e[i].incarnation);
    at += 8;
    at += put_str(out + at, e[i].node);
    at += put_str(out + at, e[i].addr);
  }
  return at;
}

int act_peers_decode(const uint8_t *p, size_t n, void (*fn)(void *arg, const act_peer_entry_t *e),
                     void *arg) {
  rd_t r = {p, n, 0, 0};
  const uint8_t *c = take(&r, 2);
  if (c == NULL || get16(c) > ACT_PEERS_MAX) return ACT_WIRE_EMALFORMED;
  for (unsigned i = 0, count = get16(c); i < count; i++) {
    act_peer_entry_t e;
    memset(&e, 0, sizeof e);
    const uint8_t *inc = take(&r, 8);
    take_str(&r, e.node, ACT_NAME_MAX, act_name_valid);
    take_str(&r, e.addr, ACT_ADDR_MAX, addr_valid);
    if (r.bad) return ACT_WIRE_EMALFORMED;
    e.incarnation = get64(inc);
    fn(arg, &e);
  }
  return r.at == n ? ACT_WIRE_OK : ACT_WIRE_EMALFORMED;
}
