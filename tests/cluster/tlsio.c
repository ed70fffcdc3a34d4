/* The bytes under a connection's TLS (runtime/src/cluster/tlsio.c),
 * without a network: a real TLS 1.3 handshake (the cookie's PSK) and
 * application data between two SSL objects whose BIOs are act_tlsio_t,
 * with the ciphertext handed over in awkward pieces — one byte at a time,
 * and cut in the middle of records (OpenSSL takes every byte offered and
 * keeps a partial record itself, so nothing is left over); and the bound
 * on bytes left unread (when a connection stops reading mid-turn), which
 * are kept for the next read up to a limit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/cluster_int.h"

typedef struct side {
  SSL *ssl;
  act_tlsio_t io;
} side_t;

static act_tls_t *tls;
static side_t cli, srv;

static void setup(void) {
  char path[] = "/tmp/act_tlsio_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  cr_assert_eq(write(fd, "a cookie for the tlsio test", 27), 27);
  close(fd);
  chmod(path, 0600);
  char err[256];
  tls = act__tls_psk(path, "tlsio", err, sizeof err);
  unlink(path);
  cr_assert_not_null(tls, "%s", err);
  side_t *s[2] = {&cli, &srv};
  for (int i = 0; i < 2; i++) {
    memset(&s[i]->io, 0, sizeof s[i]->io);
    s[i]->ssl = act__tls_ssl(tls, i == 1);
    BIO *b = act__tlsio_bio(&s[i]->io);
    cr_assert(s[i]->ssl && b);
    SSL_set_bio(s[i]->ssl, b, b);
  }
}

static void teardown(void) {
  SSL_free(cli.ssl);
  SSL_free(srv.ssl);
  act__tlsio_free(&cli.io);
  act__tlsio_free(&srv.io);
  act__tls_free(tls);
}

/* What `from` has written, to `to` in pieces of `piece` bytes, each kept
 * (as conn.c's on_read does) after `to` has read what it could. */
static void carry(side_t *from, side_t *to, size_t piece, char *got, size_t *got_len, size_t cap) {
  size_t n;
  uint8_t *bytes = act__tlsio_take(&from->io, &n);
  for (size_t at = 0; at < n; at += piece) {
    size_t k = n - at < piece ? n - at : piece;
    cr_assert_eq(act__tlsio_feed(&to->io, bytes + at, k), 0);
    if (!SSL_is_init_finished(to->ssl)) {
      SSL_do_handshake(to->ssl);
    } else {
      int r;
      while (*got_len < cap && (r = SSL_read(to->ssl, got + *got_len, (int)(cap - *got_len))) > 0)
        *got_len += (size_t)r;
    }
    cr_assert_eq(act__tlsio_keep(&to->io), 0);
  }
  free(bytes);
}

static void handshake(size_t piece) {
  size_t none = 0;
  for (int round = 0; round < 6 && !(SSL_is_init_finished(cli.ssl) && SSL_is_init_finished(srv.ssl));
       round++) {
    SSL_do_handshake(cli.ssl);
    carry(&cli, &srv, piece, NULL, &none, 0);
    SSL_do_handshake(srv.ssl);
    carry(&srv, &cli, piece, NULL, &none, 0);
  }
  cr_assert(SSL_is_init_finished(cli.ssl) && SSL_is_init_finished(srv.ssl), "handshake done");
}

static void send_and_check(size_t piece, size_t len) {
  char *msg = malloc(len), *got = malloc(len);
  for (size_t i = 0; i < len; i++) msg[i] = (char)('a' + (i * 7 + i / 13) % 26);
  for (size_t at = 0; at < len; at += 16384) {   /* records as conn.c seals them */
    int k = (int)(len - at < 16384 ? len - at : 16384);
    cr_assert_eq(SSL_write(cli.ssl, msg + at, k), k);
  }
  cr_assert(cli.io.out_len > len, "records written straight into the out buffer");
  size_t got_len = 0;
  carry(&cli, &srv, piece, got, &got_len, len);
  cr_assert_eq(got_len, len, "piece %zu: all %zu bytes read back (got %zu)", piece, len, got_len);
  cr_assert_eq(memcmp(got, msg, len), 0);
  cr_assert_eq(srv.io.carry_len, 0, "nothing left over once every record is whole");
  free(msg);
  free(got);
}

Test(tlsio, one_byte_at_a_time, .init = setup, .fini = teardown) {
  handshake(1);
  send_and_check(1, 3000);
}

Test(tlsio, pieces_that_cut_records, .init = setup, .fini = teardown) {
  handshake(7);
  send_and_check(1000, 100000);    /* every record cut somewhere */
  send_and_check(16411, 70000);    /* just past a record: a header and a bit kept */
  send_and_check(65536, 200000);   /* libuv's read size */
}

Test(tlsio, take_hands_the_buffer_over, .init = setup, .fini = teardown) {
  handshake(4096);
  size_t n;
  free(act__tlsio_take(&cli.io, &n));
  cr_assert_eq(n, 0);
  cr_assert_null(act__tlsio_take(&cli.io, &n), "nothing written: no buffer");
  cr_assert_eq(SSL_write(cli.ssl, "x", 1), 1);
  uint8_t *p = act__tlsio_take(&cli.io, &n);
  cr_assert(p != NULL && n > 1);
  cr_assert_eq(cli.io.out_len, 0);
  free(p);
}

Test(tlsio, unread_bytes_are_bounded, .init = setup, .fini = teardown) {
  /* Bytes TLS never reads (here: nobody calls it) pile up in the carry
   * until the limit, then the feed is refused: the connection closes
   * rather than buffer without end. */
  static uint8_t junk[64 * 1024];
  int refused = 0;
  for (int i = 0; i < 64 && !refused; i++) {
    if (act__tlsio_feed(&srv.io, junk, sizeof junk) != 0) refused = 1;
    else cr_assert_eq(act__tlsio_keep(&srv.io), 0);
  }
  cr_assert(refused, "a megabyte unread is refused");
  cr_assert(srv.io.carry_len <= 1024 * 1024);
}
