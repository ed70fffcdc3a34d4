/* tlsio.c: the bytes under a connection's TLS (conn.c). OpenSSL never
 * touches the socket; it reads ciphertext from the bytes libuv just
 * received and writes records straight into the buffer the next write
 * hands to libuv. Memory BIOs did the same with two extra copies of every
 * byte, a zero-fill of every byte written and a cleanse each time their
 * buffer moved: a fifth of the loop thread's instructions per small tell
 * on each side (callgrind, bench/cluster/profile.sh). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_int.h"

#define OUT_MIN (20u * 1024u)          /* a full TLS record and its overhead */
#define CARRY_MAX (1024u * 1024u)      /* unread ciphertext kept across reads */

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static int grow(uint8_t **p, size_t *cap, size_t need, size_t min) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : min;
  while (c < need) c *= 2;
  uint8_t *q = realloc(*p, c);
  if (q == NULL) return -1;
  *p = q;
  *cap = c;
  return 0;
}

static int io_write(BIO *b, const char *data, int n) {
  act_tlsio_t *io = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (n <= 0) return 0;
  if (grow(&io->out, &io->out_cap, io->out_len + (size_t)n, OUT_MIN) != 0) return -1;
  memcpy(io->out + io->out_len, data, (size_t)n);
  io->out_len += (size_t)n;
  return n;
}

/* Empty means "wait for more", never end of stream: the socket's end is
 * libuv's to report. */
static int io_read(BIO *b, char *out, int n) {
  act_tlsio_t *io = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (io->in_len == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  size_t k = io->in_len < (size_t)n ? io->in_len : (size_t)n;
  memcpy(out, io->in, k);
  io->in += k;
  io->in_len -= k;
  return (int)k;
}

static long io_ctrl(BIO *b, int cmd, long num, void *ptr) {
  act_tlsio_t *io = BIO_get_data(b);
  (void)num, (void)ptr;
  switch (cmd) {
  case BIO_CTRL_FLUSH: return 1;
  case BIO_CTRL_PENDING: return (long)io->in_len;
  case BIO_CTRL_WPENDING: return (long)io->out_len;
  default: return 0;
  }
}

static int io_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void make_method(void) {
  BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "act cluster io");
  if (m && BIO_meth_set_write(m, io_write) && BIO_meth_set_read(m, io_read) &&
      BIO_meth_set_ctrl(m, io_ctrl) && BIO_meth_set_create(m, io_create))
    method = m;
  else
    BIO_meth_free(m);
}

BIO *act__tlsio_bio(act_tlsio_t *io) {
  pthread_once(&method_once, make_method);
  if (method == NULL) return NULL;
  BIO *b = BIO_new(method);
  if (b) BIO_set_data(b, io);
  return b;
}

int act__tlsio_feed(act_tlsio_t *io, const uint8_t *p, size_t n) {
  if (io->carry_len == 0) {   /* the usual case: TLS reads libuv's buffer itself */
    io->in = p;
    io->in_len = n;
    io->in_carry = 0;
    return 0;
  }
  if (io->carry_len + n > CARRY_MAX ||
      grow(&io->carry, &io->carry_cap, io->carry_len + n, OUT_MIN) != 0)
    return -1;
  memcpy(io->carry + io->carry_len, p, n);
  io->carry_len += n;
  io->in = io->carry;
  io->in_len = io->carry_len;
  io->in_carry = 1;
  return 0;
}

int act__tlsio_keep(act_tlsio_t *io) {
  size_t rest = io->in_len;
  const uint8_t *at = io->in;
  int in_carry = io->in_carry;
  io->in = NULL;
  io->in_len = 0;
  io->in_carry = 0;
  if (rest == 0) {
    io->carry_len = 0;
    return 0;
  }
  if (in_carry) {
    memmove(io->carry, at, rest);
  } else {
    if (rest > CARRY_MAX || grow(&io->carry, &io->carry_cap, rest, OUT_MIN) != 0) return -1;
    memcpy(io->carry, at, rest);
  }
  io->carry_len = rest;
  return 0;
}

uint8_t *act__tlsio_take(act_tlsio_t *io, size_t *n) {
  uint8_t *p = io->out;
  *n = io->out_len;
  io->out = NULL;
  io->out_len = io->out_cap = 0;
  return p;
}

void act__tlsio_drop(act_tlsio_t *io, size_t n) {
  if (n >= io->out_len) {
    io->out_len = 0;
    return;
  }
  memmove(io->out, io->out + n, io->out_len - n);
  io->out_len -= n;
}

void act__tlsio_free(act_tlsio_t *io) {
  free(io->out);
  free(io->carry);
  memset(io, 0, sizeof *io);
}
