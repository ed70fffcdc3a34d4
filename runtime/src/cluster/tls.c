/* tls.c: TLS 1.3 contexts for the links between nodes (OpenSSL 3).
 *
 * PSK mode needs no certificates: both sides derive the same external
 * pre-shared key from the cookie file with HKDF and offer it under one
 * identity; a peer with another cookie fails the server's binder check
 * before any application byte crosses. Certificate mode verifies both
 * sides against the given CA. Either way only TLS 1.3 is spoken. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/cluster_int.h"

#define PSK_IDENTITY "act-cluster-v1"
#define PSK_LEN 32
#define COOKIE_MAX 4096

struct act_tls {
  SSL_CTX *server, *client;
  int psk;
  unsigned char key[PSK_LEN];
};

static int ex_index = -1;   /* where an SSL_CTX keeps its act_tls_t */

const char *act__tls_error(char *buf, size_t cap) {
  unsigned long e = ERR_get_error();
  if (e == 0)
    snprintf(buf, cap, "no detail from OpenSSL");
  else
    ERR_error_string_n(e, buf, cap);
  ERR_clear_error();
  return buf;
}

/* Reads the cookie, refusing what others could read or change. */
static int read_cookie(const char *path, unsigned char *out, size_t *n, char *err, size_t cap) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, cap, "cannot open the cookie file %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  int rc = -1;
  if (fstat(fd, &st) != 0)
    snprintf(err, cap, "cannot stat the cookie file %s: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    snprintf(err, cap, "the cookie file %s is not a regular file", path);
  else if (st.st_mode & (S_IRWXG | S_IRWXO))
    snprintf(err, cap, "the cookie file %s is accessible by group or others (mode %03o); "
             "it must be readable by its owner only: chmod 600 %s",
             path, (unsigned)(st.st_mode & 0777), path);
  else if (st.st_size <= 0 || st.st_size > COOKIE_MAX)
    snprintf(err, cap, "the cookie file %s must hold 1 to %d bytes (it has %lld)", path, COOKIE_MAX,
             (long long)st.st_size);
  else {
    ssize_t got = read(fd, out, (size_t)st.st_size);
    if (got != st.st_size)
      snprintf(err, cap, "cannot read the cookie file %s", path);
    else {
      *n = (size_t)got;
      while (*n > 0 && (out[*n - 1] == '\n' || out[*n - 1] == '\r')) (*n)--;   /* editors add one */
      if (*n == 0)
        snprintf(err, cap, "the cookie file %s is empty", path);
      else
        rc = 0;
    }
  }
  close(fd);
  return rc;
}

static int derive(const unsigned char *ikm, size_t n, const char *cluster, unsigned char *key) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  if (kdf == NULL) return -1;
  EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kc == NULL) return -1;
  static const char salt[] = "act cluster psk v1";
  OSSL_PARAM ps[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, n),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof salt - 1),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)cluster, strlen(cluster)),
      OSSL_PARAM_construct_end()};
  int ok = EVP_KDF_derive(kc, key, PSK_LEN, ps) == 1;
  EVP_KDF_CTX_free(kc);
  return ok ? 0 : -1;
}

/* The session both sides build from the key: TLS 1.3, AES-128-GCM-SHA256. */
static SSL_SESSION *psk_session(SSL *ssl) {
  act_tls_t *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index);
  static const unsigned char aes128gcm[2] = {0x13, 0x01};
  const SSL_CIPHER *c = SSL_CIPHER_find(ssl, aes128gcm);
  SSL_SESSION *s = SSL_SESSION_new();
  if (c == NULL || s == NULL || !SSL_SESSION_set1_master_key(s, t->key, PSK_LEN) ||
      !SSL_SESSION_set_cipher(s, c) || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
    SSL_SESSION_free(s);
    return NULL;
  }
  return s;
}

static int use_session(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                       SSL_SESSION **sess) {
  (void)md;   /* the only suite offered hashes with SHA-256, as the session */
  *sess = psk_session(ssl);
  *id = (const unsigned char *)PSK_IDENTITY;
  *idlen = sizeof PSK_IDENTITY - 1;
  return *sess != NULL;
}

static int find_session(SSL *ssl, const unsigned char *id, size_t idlen, SSL_SESSION **sess) {
  *sess = NULL;   /* an unknown identity: no PSK, and no certificate either */
  if (idlen == sizeof PSK_IDENTITY - 1 && memcmp(id, PSK_IDENTITY, idlen) == 0)
    *sess = psk_session(ssl);
  return 1;
}

static SSL_CTX *new_ctx(act_tls_t *t, int server) {
  SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (c == NULL) return NULL;
  SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_TICKET);   /* every connection does the full handshake */
  SSL_CTX_set_num_tickets(c, 0);
  SSL_CTX_set_ex_data(c, ex_index, t);
  return c;
}

static act_tls_t *fresh(char *err, size_t cap) {
  if (ex_index < 0) ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  act_tls_t *t = calloc(1, sizeof *t);
  if (t) t->server = new_ctx(t, 1), t->client = new_ctx(t, 0);
  if (t == NULL || t->server == NULL || t->client == NULL) {
    char e[160];
    snprintf(err, cap, "cannot set up TLS: %s", act__tls_error(e, sizeof e));
    act__tls_free(t);
    return NULL;
  }
  return t;
}

act_tls_t *act__tls_psk(const char *cookie_file, const char *cluster, char *err, size_t cap) {
  unsigned char cookie[COOKIE_MAX];
  size_t n = 0;
  if (read_cookie(cookie_file, cookie, &n, err, cap) != 0) return NULL;
  act_tls_t *t = fresh(err, cap);
  if (t == NULL) return NULL;
  t->psk = 1;
  int bad = derive(cookie, n, cluster, t->key) != 0;
  OPENSSL_cleanse(cookie, sizeof cookie);
  for (int s = 0; s < 2 && !bad; s++) {
    SSL_CTX *c = s ? t->server : t->client;
    bad = SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256") != 1;
  }
  if (bad) {
    char e[160];
    snprintf(err, cap, "cannot derive the cluster key: %s", act__tls_error(e, sizeof e));
    act__tls_free(t);
    return NULL;
  }
  SSL_CTX_set_psk_use_session_callback(t->client, use_session);
  SSL_CTX_set_psk_find_session_callback(t->server, find_session);
  return t;
}

act_tls_t *act__tls_cert(const char *cert, const char *key, const char *ca, char *err, size_t cap) {
  if (!cert || !key || !ca) {
    snprintf(err, cap, "certificate mode needs all of --act-tls-cert, --act-tls-key and --act-tls-ca");
    return NULL;
  }
  act_tls_t *t = fresh(err, cap);
  if (t == NULL) return NULL;
  for (int s = 0; s < 2; s++) {
    SSL_CTX *c = s ? t->server : t->client;
    const char *what = NULL, *file = NULL;
    if (SSL_CTX_use_certificate_chain_file(c, cert) != 1)
      what = "certificate", file = cert;
    else if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
      what = "private key", file = key;
    else if (SSL_CTX_check_private_key(c) != 1)
      what = "private key (it does not match the certificate)", file = key;
    else if (SSL_CTX_load_verify_locations(c, ca, NULL) != 1)
      what = "CA certificates", file = ca;
    if (what) {
      char e[160];
      snprintf(err, cap, "cannot load the %s from %s: %s", what, file, act__tls_error(e, sizeof e));
      act__tls_free(t);
      return NULL;
    }
    /* Both directions: a node proves itself to the other either way. */
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  return t;
}

SSL *act__tls_ssl(act_tls_t *t, int server) {
  SSL *s = SSL_new(server ? t->server : t->client);
  if (s == NULL) return NULL;
  if (server)
    SSL_set_accept_state(s);
  else
    SSL_set_connect_state(s);
  return s;
}

void act__tls_free(act_tls_t *t) {
  if (t == NULL) return;
  SSL_CTX_free(t->server);
  SSL_CTX_free(t->client);
  OPENSSL_cleanse(t->key, sizeof t->key);
  free(t);
}
