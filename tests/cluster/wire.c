/* The cluster's decoders and its failure detector, without a network:
 * frames (limits, flags, versions, partial input), fragment reassembly,
 * the hello and its checks, the peer list, and phi over synthetic
 * heartbeat arrival times. */
#include <act/cluster.h>

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t frame(uint8_t *out, uint8_t type, uint8_t flags, const void *p, uint32_t n) {
  act_frame_header(out, type, flags, n);
  if (n) memcpy(out + ACT_FRAME_HEADER, p, n);
  return ACT_FRAME_HEADER + n;
}

Test(frame, round_trip_and_partial_input) {
  uint8_t buf[64];
  size_t n = frame(buf, ACT_FR_HEARTBEAT, 0, "12345678", 8);
  act_frame_t f;
  size_t used = 0;
  for (size_t k = 0; k < n; k++)   /* every prefix is "not yet" */
    cr_assert_eq(act_frame_decode(buf, k, &f, &used), ACT_WIRE_NEED, "prefix %zu", k);
  cr_assert_eq(act_frame_decode(buf, n, &f, &used), ACT_WIRE_OK);
  cr_assert_eq(used, n);
  cr_assert_eq(f.type, ACT_FR_HEARTBEAT);
  cr_assert_eq(f.len, 8);
  cr_assert_eq(memcmp(f.payload, "12345678", 8), 0);
}

Test(frame, refusals) {
  uint8_t b[ACT_FRAME_HEADER];
  act_frame_t f;
  size_t used;
  act_frame_header(b, ACT_FR_MSG, 0, ACT_FRAME_MAX + 1);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_ESIZE,
               "an oversized length is refused from the header alone");
  act_frame_header(b, ACT_FR_MSG, 0, 0xFFFFFFFFu);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_ESIZE);
  act_frame_header(b, ACT_FR_MSG, 0, 4);
  b[0] = ACT_WIRE_VERSION + 1;
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_EVERSION);
  act_frame_header(b, 0, 0, 0);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_ETYPE);
  act_frame_header(b, ACT_FR_LAST + 1, 0, 0);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_ETYPE);
  act_frame_header(b, ACT_FR_HEARTBEAT, ACT_FRF_MORE, 8);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_EFLAGS,
               "only messages come in fragments");
  act_frame_header(b, ACT_FR_MSG, 2, 0);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_EFLAGS);
  act_frame_header(b, ACT_FR_MSG, 0, 0);
  b[3] = 1;
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_EFLAGS);
  act_frame_header(b, ACT_FR_HEARTBEAT, 0, 7);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_EMALFORMED);
  act_frame_header(b, ACT_FR_HELLO, 0, ACT_HELLO_MAX + 1);
  cr_assert_eq(act_frame_decode(b, sizeof b, &f, &used), ACT_WIRE_ESIZE);
  cr_assert_str_eq(act_wire_error(ACT_WIRE_ESIZE), "frame or message over the size limit");
}

/* A message cut into fragments comes back whole, heartbeats between
 * fragments do not disturb it, and the limit holds across fragments. */
Test(frame, fragments) {
  size_t len = 3 * ACT_FRAME_MAX + 123;
  uint8_t *msg = malloc(len);
  for (size_t i = 0; i < len; i++) msg[i] = (uint8_t)(i * 7 + 3);
  act_reasm_t r;
  act_reasm_init(&r, ACT_MESSAGE_MAX);
  const uint8_t *out = NULL;
  size_t n = 0;
  for (size_t off = 0; off < len;) {
    size_t k = len - off > ACT_FRAME_MAX ? ACT_FRAME_MAX : len - off;
    int last = off + k == len;
    act_frame_t f = {ACT_FR_MSG, last ? 0 : ACT_FRF_MORE, (uint32_t)k, msg + off};
    int st = act_reasm_add(&r, &f, &out, &n);
    cr_assert_eq(st, last ? ACT_WIRE_OK : ACT_WIRE_NEED);
    off += k;
  }
  cr_assert_eq(n, len);
  cr_assert_eq(memcmp(out, msg, len), 0);
  act_frame_t hb = {ACT_FR_HEARTBEAT, 0, 8, (const uint8_t *)"12345678"};
  cr_assert_eq(act_reasm_add(&r, &hb, &out, &n), ACT_WIRE_EORDER);
  act_reasm_free(&r);

  act_reasm_init(&r, 100);
  act_frame_t a = {ACT_FR_MSG, ACT_FRF_MORE, 60, msg};
  act_frame_t b = {ACT_FR_MSG, 0, 41, msg};
  cr_assert_eq(act_reasm_add(&r, &a, &out, &n), ACT_WIRE_NEED);
  cr_assert_eq(act_reasm_add(&r, &b, &out, &n), ACT_WIRE_ESIZE, "60 + 41 > 100");
  act_frame_t whole = {ACT_FR_MSG, 0, 101, msg};
  act_reasm_free(&r);
  act_reasm_init(&r, 100);
  cr_assert_eq(act_reasm_add(&r, &whole, &out, &n), ACT_WIRE_ESIZE);
  act_reasm_free(&r);
  free(msg);
}

static act_hello_t hello(const char *node) {
  act_hello_t h = {ACT_PROTOCOL_VERSION, ACT_CONN_CONTROL, 0x1122334455667788ull, 42, "prod", "", "10.0.0.1:7000"};
  strcpy(h.node, node);
  return h;
}

Test(hello, round_trip_every_truncation_and_byte_flip) {
  act_hello_t h = hello("n1"), back;
  uint8_t buf[ACT_HELLO_MAX];
  size_t n = act_hello_encode(&h, buf, sizeof buf);
  cr_assert_gt(n, 0);
  cr_assert_eq(act_hello_decode(buf, n, &back), ACT_WIRE_OK);
  cr_assert_eq(back.incarnation, h.incarnation);
  cr_assert_eq(back.schema, 42);
  cr_assert_str_eq(back.node, "n1");
  cr_assert_str_eq(back.cluster, "prod");
  cr_assert_str_eq(back.addr, "10.0.0.1:7000");
  for (size_t k = 0; k < n; k++)
    cr_assert_neq(act_hello_decode(buf, k, &back), ACT_WIRE_OK, "truncated to %zu", k);
  uint8_t longer[ACT_HELLO_MAX + 1];
  memcpy(longer, buf, n);
  longer[n] = 0;
  cr_assert_eq(act_hello_decode(longer, n + 1, &back), ACT_WIRE_EMALFORMED, "a trailing byte");
  buf[4] = 0, buf[5] = 7;
  cr_assert_eq(act_hello_decode(buf, n, &back), ACT_WIRE_EVERSION);
  cr_assert_eq(back.version, 7, "the version is reported for the log");
}

Test(hello, names_are_checked) {
  act_hello_t h = hello("n 1");
  uint8_t buf[ACT_HELLO_MAX], back_buf[ACT_HELLO_MAX];
  cr_assert_eq(act_hello_encode(&h, buf, sizeof buf), 0, "a space in a name");
  h = hello("n1");
  size_t n = act_hello_encode(&h, buf, sizeof buf);
  memcpy(back_buf, buf, n);
  back_buf[24 + 1] = '\n';   /* the cluster name's first byte */
  act_hello_t back;
  cr_assert_eq(act_hello_decode(back_buf, n, &back), ACT_WIRE_EMALFORMED);
  cr_assert_eq(act_hello_encode(&h, buf, 10), 0, "no room");
}

Test(hello, checks) {
  act_hello_t me = hello("n1"), them = hello("n2");
  char why[200];
  cr_assert_eq(act_hello_check(&me, &them, why, sizeof why), 0);
  them.schema = 43;
  cr_assert_eq(act_hello_check(&me, &them, why, sizeof why), -1);
  cr_assert(strstr(why, "another program") != NULL, "%s", why);
  them = hello("n2");
  strcpy(them.cluster, "test");
  cr_assert_eq(act_hello_check(&me, &them, why, sizeof why), -1);
  cr_assert(strstr(why, "cluster `test`") != NULL, "%s", why);
  them = hello("n1");
  cr_assert_eq(act_hello_check(&me, &them, why, sizeof why), -1);
  cr_assert(strstr(why, "own") != NULL, "%s", why);
}

static int seen;
static void count(void *arg, const act_peer_entry_t *e) {
  (void)arg;
  cr_assert_eq(e->incarnation, (uint64_t)seen + 1);
  seen++;
}

Test(peers, round_trip_and_flaws) {
  act_peer_entry_t e[3] = {{1, "a", "10.0.0.1:1"}, {2, "b", "10.0.0.2:2"}, {3, "c", "[::1]:3"}};
  uint8_t buf[512];
  size_t n = act_peers_encode(e, 3, buf, sizeof buf);
  cr_assert_gt(n, 0);
  seen = 0;
  cr_assert_eq(act_peers_decode(buf, n, count, NULL), ACT_WIRE_OK);
  cr_assert_eq(seen, 3);
  for (size_t k = 0; k < n; k++) {
    seen = 0;
    cr_assert_eq(act_peers_decode(buf, k, count, NULL), ACT_WIRE_EMALFORMED, "cut at %zu", k);
  }
  buf[0] = 0xFF;   /* a count over ACT_PEERS_MAX */
  cr_assert_eq(act_peers_decode(buf, n, count, NULL), ACT_WIRE_EMALFORMED);
}

/* ---- phi over synthetic arrival times (ns) ---- */
#define MS 1000000LL

Test(phi, regular_heartbeats_keep_phi_low_and_silence_raises_it) {
  act_phi_t d;
  act_phi_init(&d, 0, 100 * MS, 25 * MS, 100 * MS);
  int64_t t = 0;
  for (int i = 0; i < 50; i++) {
    t += 100 * MS + (i % 3 - 1) * 5 * MS;   /* 95..105 ms apart */
    cr_assert_lt(act_phi(&d, t), 1.0, "on time at beat %d", i);
    act_phi_beat(&d, t);
  }
  cr_assert_lt(act_phi(&d, t + 150 * MS), 1.0, "half an interval late is normal");
  double prev = 0;
  int64_t crossed = 0;
  for (int64_t s = 0; s <= 2000 * MS; s += 10 * MS) {
    double phi = act_phi(&d, t + s);
    cr_assert_geq(phi, prev, "phi never falls while silence grows");
    prev = phi;
    if (!crossed && phi > 8.0) crossed = s;
  }
  /* mean 100 + pause 100 + about 5.3 deviations of 25: ~330 ms */
  cr_assert(crossed > 250 * MS && crossed < 450 * MS, "crossed 8 after %lld ms",
            (long long)(crossed / MS));
  cr_assert(isfinite(act_phi(&d, t + 3600000 * MS)), "an hour of silence is still a number");
}

Test(phi, jittery_history_waits_longer) {
  act_phi_t calm, jit;
  act_phi_init(&calm, 0, 100 * MS, 10 * MS, 0);
  act_phi_init(&jit, 0, 100 * MS, 10 * MS, 0);
  int64_t t = 0, u = 0;
  for (int i = 0; i < 100; i++) {
    t += 100 * MS;
    act_phi_beat(&calm, t);
    u += (i % 2 ? 40 : 160) * MS;   /* same mean, deviation 60 ms */
    act_phi_beat(&jit, u);
  }
  cr_assert_gt(act_phi(&calm, t + 250 * MS), 8.0);
  cr_assert_lt(act_phi(&jit, u + 250 * MS), 8.0, "the same silence is normal for a jittery peer");
}

Test(phi, first_beat_is_enough) {
  act_phi_t d;
  act_phi_init(&d, 0, 1000 * MS, 250 * MS, 0);
  cr_assert_lt(act_phi(&d, 1000 * MS), 1.0);
  cr_assert_gt(act_phi(&d, 5000 * MS), 8.0, "a peer that never beats is still found");
}
