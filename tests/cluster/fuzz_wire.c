/* libFuzzer target: the cluster's decoders (frames as a stream, fragment
 * reassembly, the hello, the peer list) on arbitrary bytes — everything a
 * peer can send after TLS. A decoded hello or peer list must encode back
 * to the same bytes. Built by `make fuzz-cluster` (clang). */
#include <act/cluster.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void hello(const uint8_t *p, size_t n) {
  act_hello_t h;
  if (act_hello_decode(p, n, &h) != ACT_WIRE_OK) return;
  uint8_t back[ACT_HELLO_MAX];
  size_t m = act_hello_encode(&h, back, sizeof back);
  if (m != n || memcmp(back, p, n) != 0) abort();
  char why[256];
  act_hello_check(&h, &h, why, sizeof why);
}

static size_t npeers;
static act_peer_entry_t peers[64];
static void peer(void *arg, const act_peer_entry_t *e) {
  (void)arg;
  if (npeers < 64) peers[npeers] = *e;
  npeers++;
}

static void peer_list(const uint8_t *p, size_t n) {
  npeers = 0;
  if (act_peers_decode(p, n, peer, NULL) != ACT_WIRE_OK || npeers > 64) return;
  static uint8_t back[ACT_FRAME_MAX];
  size_t m = act_peers_encode(peers, npeers, back, sizeof back);
  if (m != n || memcmp(back, p, n) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hello(data, size);
  peer_list(data, size);
  act_reasm_t r;
  act_reasm_init(&r, 4 * ACT_FRAME_MAX);   /* small, so the limit is reached */
  size_t at = 0;
  for (;;) {
    act_frame_t f;
    size_t used;
    if (act_frame_decode(data + at, size - at, &f, &used) != ACT_WIRE_OK) break;
    if (used < ACT_FRAME_HEADER || used > size - at) abort();
    if (f.type == ACT_FR_HELLO) hello(f.payload, f.len);
    if (f.type == ACT_FR_PEERS) peer_list(f.payload, f.len);
    if (f.type == ACT_FR_MSG) {
      const uint8_t *m;
      size_t n;
      int st = act_reasm_add(&r, &f, &m, &n);
      if (st == ACT_WIRE_OK && n > 4 * ACT_FRAME_MAX) abort();
      if (st != ACT_WIRE_OK && st != ACT_WIRE_NEED) break;
    }
    at += used;
  }
  act_reasm_free(&r);
  return 0;
}
