/* The coordination store's conformance suite: written against
 * act_coord_*, so every backend passes the same tests. The backend under
 * test comes from the URL in ACT_TEST_STORE (tests/cluster/coord.sh
 * starts a private PostgreSQL, or three embedded dqlite nodes, and sets
 * it); `fresh` empties it before each test. Leases are short (300 ms) so
 * that lapses can be waited for; a lapse waits lease + margin + slack. */
#include <act/cluster.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "cluster/dqlite_client.h"
#include "../pg_pause.h"

#define LEASE 300
#define TABLES "act_members, act_names, act_shards, act_heads, act_journal"

/* ---- the backend under test ---- */
static int dq_done, dq_ok;
static char dq_err[256];
static void dq_got(void *arg, const act_dq_res_t *r) {
  (void)arg;
  dq_ok = r->ok;
  if (!r->ok) snprintf(dq_err, sizeof dq_err, "%s", r->error);
  dq_done = 1;
}

static void fresh(const char *url) {
  if (strncmp(url, "dqlite://", 9) == 0) {
    /* A leader that steps down mid-statement (a loaded machine misses
     * heartbeats) answers "disk I/O error": the next try finds the new one. */
    for (int tries = 0;; tries++) {
      uv_loop_t l;
      uv_loop_init(&l);
      char err[256];
      act_dq_t *d = act__dq_open(&l, url + 9, err, sizeof err);
      cr_assert(d != NULL, "%s", err);
      dq_done = 0;
      act__dq_exec(d, "DROP TABLE IF EXISTS act_members; DROP TABLE IF EXISTS act_names; "
                      "DROP TABLE IF EXISTS act_shards; DROP TABLE IF EXISTS act_heads; "
                      "DROP TABLE IF EXISTS act_journal", NULL, 0, dq_got, NULL);
      while (!dq_done) uv_run(&l, UV_RUN_ONCE);
      act__dq_close(d);
      uv_run(&l, UV_RUN_DEFAULT);
      uv_loop_close(&l);
      if (dq_ok) return;
      cr_assert(tries < 20, "%s", dq_err);
      usleep(200 * 1000);
    }
  }
  PGconn *c = PQconnectdb(url);
  cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
  PQclear(PQexec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS " TABLES));
  PQfinish(c);
}

/* ---- helpers: one call, run the loop until it is answered ---- */
static uv_loop_t loop;
static act_coord_t *S, *S2, *S3, *S4;
static const char *URL;

typedef struct answer {
  int done;
  act_coord_result_t r;
  act_coord_member_t members[16];
  act_coord_entry_t entries[8];
  uint8_t data[8][16];
  char error[256];
} answer_t;

/* Keeps what the answer points to: it is only valid during the callback. */
static void got(void *arg, const act_coord_result_t *r) {
  answer_t *a = arg;
  a->r = *r;
  a->done++;
  if (r->error) snprintf(a->error, sizeof a->error, "%s", r->error);
  for (size_t i = 0; i < r->nmembers && i < 16; i++) a->members[i] = r->members[i];
  a->r.members = a->members;
  for (size_t i = 0; i < r->nentries && i < 8; i++) {
    a->entries[i] = r->entries[i];
    memcpy(a->data[i], r->entries[i].data, r->entries[i].len < 16 ? r->entries[i].len : 16);
    a->entries[i].data = a->data[i];
  }
  a->r.entries = a->entries;
}

static void wait_for(answer_t *a, int n) {
  for (int i = 0; a->done < n && i < 100000; i++) uv_run(&loop, UV_RUN_ONCE);
  cr_assert_eq(a->done, n, "each call is answered exactly once");
}

static act_coord_member_t member(const char *node, uint64_t inc) {
  act_coord_member_t m = {.incarnation = inc};
  strcpy(m.node, node);
  snprintf(m.addr, sizeof m.addr, "10.0.0.%d:7000", node[1] - '0');
  return m;
}

/* Without a log line: an error logged makes Criterion's run fail, so
 * joins that are meant to fail use this one. */
static int join_answer(act_coord_t *s, const char *node, uint64_t inc, answer_t *a) {
  act_coord_member_t m = member(node, inc);
  act_coord_join(s, &m, LEASE, got, a);
  wait_for(a, 1);
  return a->r.status;
}

static int join(act_coord_t *s, const char *node, uint64_t inc) {
  answer_t a = {0};
  if (join_answer(s, node, inc, &a) == ACT_COORD_ERROR) cr_log_error("join %s: %s", node, a.error);
  return a.r.status;
}

static int renew(const char *node, uint64_t inc) {
  answer_t a = {0};
  act_coord_renew(S, node, inc, LEASE, got, &a);
  wait_for(&a, 1);
  return a.r.status;
}

static act_coord_owner_t own(const char *node, uint64_t inc, uint64_t actor) {
  act_coord_owner_t o = {.incarnation = inc, .actor = actor};
  strcpy(o.node, node);
  return o;
}

static answer_t reg(const char *name, act_coord_owner_t o) {
  answer_t a = {0};
  act_coord_register(S, name, &o, got, &a);
  wait_for(&a, 1);
  return a;
}

static answer_t lookup(const char *name) {
  answer_t a = {0};
  act_coord_lookup(S, name, got, &a);
  wait_for(&a, 1);
  return a;
}

static answer_t claim(act_coord_t *s, uint32_t shard, const char *node, uint64_t inc) {
  answer_t a = {0};
  act_coord_claim(s, shard, node, inc, got, &a);
  wait_for(&a, 1);
  return a;
}

static answer_t owner_of(uint32_t shard) {
  answer_t a = {0};
  act_coord_owner(S, shard, got, &a);
  wait_for(&a, 1);
  return a;
}

static int release(uint32_t shard, const char *node, uint64_t inc) {
  answer_t a = {0};
  act_coord_release(S, shard, node, inc, got, &a);
  wait_for(&a, 1);
  return a.r.status;
}

static answer_t fence(act_coord_t *s, const char *key, uint64_t epoch) {
  answer_t a = {0};
  act_coord_fence(s, key, epoch, got, &a);
  wait_for(&a, 1);
  return a;
}

static answer_t append(act_coord_t *s, const char *key, uint64_t epoch, uint64_t seq,
                       const char *data, size_t len) {
  answer_t a = {0};
  act_coord_append(s, key, epoch, seq, data, len, got, &a);
  wait_for(&a, 1);
  return a;
}

static void lapse(void) { usleep((LEASE + ACT_COORD_MARGIN(LEASE) + 120) * 1000); }

static void setup(void) {
  URL = getenv("ACT_TEST_STORE");
  cr_assert(URL != NULL, "ACT_TEST_STORE is not set: run this through tests/cluster/coord.sh");
  fresh(URL);
  uv_loop_init(&loop);
  char err[256];
  S = act_coord_open(&loop, URL, err, sizeof err);
  cr_assert(S != NULL, "%s", err);
  S2 = act_coord_open(&loop, URL, err, sizeof err);
  cr_assert(S2 != NULL, "%s", err);
  S3 = act_coord_open(&loop, URL, err, sizeof err);
  cr_assert(S3 != NULL, "%s", err);
  S4 = act_coord_open(&loop, URL, err, sizeof err);
  cr_assert(S4 != NULL, "%s", err);
}

static void teardown(void) {
  act_coord_close(S);
  act_coord_close(S2);
  act_coord_close(S3);
  act_coord_close(S4);
  uv_run(&loop, UV_RUN_NOWAIT);
}

TestSuite(coord, .init = setup, .fini = teardown);

Test(coord, join_and_members) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  answer_t a = {0};
  act_coord_members(S, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_OK);
  cr_assert_eq(a.r.nmembers, 2);
  cr_assert_str_eq(a.members[0].node, "n1");
  cr_assert_eq(a.members[0].incarnation, 11);
  cr_assert_str_eq(a.members[0].addr, "10.0.0.1:7000");
  cr_assert(a.members[0].lease_left_ms > 0 && a.members[0].lease_left_ms <= LEASE);
}

Test(coord, a_live_name_cannot_be_joined_by_another_incarnation) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK, "the same incarnation again is a renewal");
  cr_assert_eq(join(S2, "n1", 12), ACT_COORD_TAKEN);
  lapse();
  cr_assert_eq(join(S2, "n1", 12), ACT_COORD_OK, "once the lease lapsed");
  cr_assert_eq(renew("n1", 11), ACT_COORD_LOST, "the old incarnation is fenced out");
}

Test(coord, huge_incarnations_survive) {
  cr_assert_eq(join(S, "n1", 0xFEDCBA9876543210ull), ACT_COORD_OK);
  answer_t a = {0};
  act_coord_members(S, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.members[0].incarnation, 0xFEDCBA9876543210ull);
}

Test(coord, renew_and_leave) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  for (int i = 0; i < 3; i++) {
    usleep(LEASE / 3 * 1000);
    cr_assert_eq(renew("n1", 11), ACT_COORD_OK, "renewal %d", i);
  }
  answer_t a = {0};
  act_coord_leave(S, "n1", 11, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_OK);
  cr_assert_eq(renew("n1", 11), ACT_COORD_LOST);
  cr_assert_eq(join(S2, "n1", 12), ACT_COORD_OK, "a left name is free at once");
}

Test(coord, a_lapsed_lease_cannot_be_renewed) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  lapse();
  cr_assert_eq(renew("n1", 11), ACT_COORD_LOST);
  cr_assert_eq(renew("n9", 99), ACT_COORD_LOST, "never joined");
}

Test(coord, names) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  cr_assert_eq(reg("bank", own("n1", 11, 5)).r.status, ACT_COORD_OK);
  cr_assert_eq(reg("bank", own("n1", 11, 5)).r.status, ACT_COORD_OK, "again by its owner");
  answer_t t = reg("bank", own("n2", 21, 7));
  cr_assert_eq(t.r.status, ACT_COORD_TAKEN);
  cr_assert_str_eq(t.r.owner.node, "n1");
  cr_assert_eq(t.r.owner.actor, 5);
  answer_t l = lookup("bank");
  cr_assert_eq(l.r.status, ACT_COORD_OK);
  cr_assert_str_eq(l.r.owner.node, "n1");
  cr_assert_eq(l.r.owner.incarnation, 11);
  cr_assert_eq(l.r.owner.actor, 5);
  cr_assert_eq(lookup("nobody").r.status, ACT_COORD_NOTFOUND);
  cr_assert_eq(reg("x", own("n7", 71, 1)).r.status, ACT_COORD_LOST, "only members register");
  answer_t u = {0};
  act_coord_owner_t wrong = own("n2", 21, 7), right = own("n1", 11, 5);
  act_coord_unregister(S, "bank", &wrong, got, &u);
  wait_for(&u, 1);
  cr_assert_eq(u.r.status, ACT_COORD_NOTFOUND, "only the owner unregisters");
  act_coord_unregister(S, "bank", &right, got, &u);
  wait_for(&u, 2);
  cr_assert_eq(u.r.status, ACT_COORD_OK);
  cr_assert_eq(lookup("bank").r.status, ACT_COORD_NOTFOUND);
}

/* §10 sets no length for a name: two of 200 bytes that differ only in
 * their last byte are two names, in every backend (the dqlite backend
 * had cut names at 80 bytes, so these two were one). */
Test(coord, long_names_are_kept_whole) {
  char a[201], b[201];
  memset(a, 'n', 200);
  a[200] = 0;
  memcpy(b, a, sizeof b);
  b[199] = 'b';
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  cr_assert_eq(reg(a, own("n1", 11, 5)).r.status, ACT_COORD_OK);
  cr_assert_eq(reg(b, own("n2", 21, 7)).r.status, ACT_COORD_OK, "another name, however long");
  cr_assert_eq(lookup(a).r.owner.actor, 5);
  cr_assert_eq(lookup(b).r.owner.actor, 7);
  a[150] = 0;
  cr_assert_eq(lookup(a).r.status, ACT_COORD_NOTFOUND, "a prefix is not the name");
}

Test(coord, a_name_dies_with_its_owners_lease) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(reg("bank", own("n1", 11, 5)).r.status, ACT_COORD_OK);
  lapse();
  cr_assert_eq(lookup("bank").r.status, ACT_COORD_NOTFOUND);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  cr_assert_eq(reg("bank", own("n2", 21, 9)).r.status, ACT_COORD_OK);
  cr_assert_eq(lookup("bank").r.owner.actor, 9);
}

Test(coord, shards_fence_with_epochs) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  answer_t a = claim(S, 7, "n1", 11);
  cr_assert_eq(a.r.status, ACT_COORD_OK);
  cr_assert_eq(a.r.epoch, 1);
  a = claim(S, 7, "n1", 11);
  cr_assert_eq(a.r.epoch, 1, "the owner claiming again keeps its epoch");
  a = claim(S2, 7, "n2", 21);
  cr_assert_eq(a.r.status, ACT_COORD_TAKEN);
  cr_assert_str_eq(a.r.owner.node, "n1");
  cr_assert_eq(a.r.epoch, 1);
  for (int i = 0; i < 5; i++) {   /* n1 lapses while n2 renews */
    usleep(LEASE / 3 * 1000);
    cr_assert_eq(renew("n2", 21), ACT_COORD_OK);
  }
  a = claim(S2, 7, "n2", 21);
  cr_assert_eq(a.r.status, ACT_COORD_OK);
  cr_assert_eq(a.r.epoch, 2, "a takeover raises the epoch");
  cr_assert_eq(claim(S, 7, "n1", 11).r.status, ACT_COORD_LOST, "the lapsed owner is fenced");
  cr_assert_eq(claim(S, 8, "n1", 11).r.status, ACT_COORD_LOST);
}

/* Both stores ask at once: the row lock lets exactly one through. */
Test(coord, races_have_one_winner) {
  for (int round = 0; round < 20; round++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", round);
    answer_t a = {0}, b = {0};
    act_coord_member_t m1 = member(name, 1), m2 = member(name, 2);
    act_coord_join(S, &m1, 10000, got, &a);
    act_coord_join(S2, &m2, 10000, got, &b);
    wait_for(&a, 1);
    wait_for(&b, 1);
    cr_assert_eq((a.r.status == ACT_COORD_OK) + (b.r.status == ACT_COORD_OK), 1,
                 "round %d: %d %s / %d %s", round, a.r.status, a.error, b.r.status, b.error);
    cr_assert_eq((a.r.status == ACT_COORD_TAKEN) + (b.r.status == ACT_COORD_TAKEN), 1);
  }
  /* Long leases: the rounds below are about races, not lapses. */
  answer_t j1 = {0}, j2 = {0};
  act_coord_member_t c1 = member("c1", 1), c2 = member("c2", 2);
  act_coord_join(S, &c1, 10000, got, &j1);
  act_coord_join(S2, &c2, 10000, got, &j2);
  wait_for(&j1, 1);
  wait_for(&j2, 1);
  cr_assert_eq(j1.r.status, ACT_COORD_OK);
  cr_assert_eq(j2.r.status, ACT_COORD_OK);
  for (uint32_t shard = 100; shard < 120; shard++) {
    answer_t a = {0}, b = {0};
    act_coord_claim(S, shard, "c1", 1, got, &a);
    act_coord_claim(S2, shard, "c2", 2, got, &b);
    wait_for(&a, 1);
    wait_for(&b, 1);
    cr_assert_eq((a.r.status == ACT_COORD_OK) + (b.r.status == ACT_COORD_OK), 1, "shard %u", shard);
  }
}

Test(coord, calls_queue_in_order) {
  /* A long lease: 50 calls in a row outlast a 300 ms one under ASan on a
   * loaded machine, and a lapsed lease rightly fails the renewal. */
  answer_t a[50] = {{0}};
  act_coord_member_t m = member("n1", 11);
  act_coord_join(S, &m, 10000, got, &a[0]);
  for (int i = 1; i < 50; i++) act_coord_renew(S, "n1", 11, 10000, got, &a[i]);
  wait_for(&a[49], 1);
  for (int i = 0; i < 50; i++) cr_assert_eq(a[i].r.status, ACT_COORD_OK, "call %d", i);
}

Test(coord, shard_owner_and_release) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  answer_t o = owner_of(7);
  cr_assert_eq(o.r.status, ACT_COORD_NOTFOUND);
  cr_assert_eq(o.r.epoch, 0, "never claimed");
  cr_assert_eq(claim(S, 7, "n1", 11).r.epoch, 1);
  o = owner_of(7);
  cr_assert_eq(o.r.status, ACT_COORD_OK);
  cr_assert_str_eq(o.r.owner.node, "n1");
  cr_assert_eq(o.r.owner.incarnation, 11);
  cr_assert_eq(o.r.epoch, 1);
  cr_assert_eq(release(7, "n2", 21), ACT_COORD_NOTFOUND, "only the owner releases");
  cr_assert_eq(release(7, "n1", 11), ACT_COORD_OK);
  o = owner_of(7);
  cr_assert_eq(o.r.status, ACT_COORD_NOTFOUND);
  cr_assert_eq(o.r.epoch, 1, "a released shard keeps its epoch");
  answer_t a = claim(S2, 7, "n2", 21);
  cr_assert_eq(a.r.status, ACT_COORD_OK);
  cr_assert_eq(a.r.epoch, 2, "the claim after a release raises the epoch");
  cr_assert_eq(owner_of(7).r.owner.incarnation, 21);
}

/* Node names[i] joins through store s[i], with a long lease (the tests
 * that use it are about races, not lapses). */
static void join_each(act_coord_t **s, const char **names, int n) {
  for (int i = 0; i < n; i++) {
    answer_t j = {0};
    act_coord_member_t m = member(names[i], 100 + (uint64_t)i);
    act_coord_join(s[i], &m, 10000, got, &j);
    wait_for(&j, 1);
    cr_assert_eq(j.r.status, ACT_COORD_OK);
  }
}

/* Four stores claim the same shards at once for four live nodes: per
 * shard exactly one wins, every other is told who won and at which epoch,
 * and owner() agrees — at most one owner, whatever the interleaving. */
Test(coord, concurrent_claims_have_at_most_one_owner) {
  act_coord_t *s[4] = {S, S2, S3, S4};
  const char *names[4] = {"m1", "m2", "m3", "m4"};
  join_each(s, names, 4);
  enum { SHARDS = 15 };
  static answer_t a[SHARDS][4];
  memset(a, 0, sizeof a);
  for (uint32_t sh = 0; sh < SHARDS; sh++)
    for (int i = 0; i < 4; i++) act_coord_claim(s[i], 500 + sh, names[i], 100 + (uint64_t)i, got, &a[sh][i]);
  for (uint32_t sh = 0; sh < SHARDS; sh++)
    for (int i = 0; i < 4; i++) wait_for(&a[sh][i], 1);
  for (uint32_t sh = 0; sh < SHARDS; sh++) {
    int wins = 0, winner = -1;
    for (int i = 0; i < 4; i++)
      if (a[sh][i].r.status == ACT_COORD_OK) wins++, winner = i;
    cr_assert_eq(wins, 1, "shard %u: %d owners", 500 + sh, wins);
    cr_assert_eq(a[sh][winner].r.epoch, 1);
    for (int i = 0; i < 4; i++) {
      if (i == winner) continue;
      cr_assert_eq(a[sh][i].r.status, ACT_COORD_TAKEN, "shard %u, store %d: %d %s", 500 + sh, i,
                   a[sh][i].r.status, a[sh][i].error);
      cr_assert_str_eq(a[sh][i].r.owner.node, names[winner]);
      cr_assert_eq(a[sh][i].r.epoch, 1);
    }
    answer_t o = owner_of(500 + sh);
    cr_assert_str_eq(o.r.owner.node, names[winner]);
  }
}

/* A batch claim: each shard answered as a claim of it alone would be. */
typedef struct claims_answer {
  int done, status;
  act_coord_claim_t v[16];
  size_t n;
} claims_answer_t;

static void got_claims(void *arg, const act_coord_result_t *r) {
  claims_answer_t *a = arg;
  a->status = r->status;
  a->n = r->nclaims;
  for (size_t i = 0; i < r->nclaims && i < 16; i++) a->v[i] = r->claims[i];
  a->done++;
}

static claims_answer_t claims(act_coord_t *s, const char *node, uint64_t inc, const uint32_t *shards,
                              size_t n) {
  act_coord_claim_t v[16] = {{0}};
  for (size_t i = 0; i < n; i++) v[i].shard = shards[i], v[i].for_ = own(node, inc, 0);
  claims_answer_t a = {0};
  act_coord_claims(s, v, n, got_claims, &a);
  while (!a.done) uv_run(&loop, UV_RUN_ONCE);
  cr_assert_eq(a.done, 1, "answered once");
  cr_assert_eq(a.status, ACT_COORD_OK);
  cr_assert_eq(a.n, n, "one answer per shard");
  for (size_t i = 0; i < n; i++) cr_assert_eq(a.v[i].shard, shards[i], "in the order asked");
  return a;
}

Test(coord, batch_claims_answer_each_shard_as_alone) {
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK);
  cr_assert_eq(join(S, "n2", 21), ACT_COORD_OK);
  const uint32_t mine[] = {20, 21, 22};
  claims_answer_t a = claims(S, "n1", 11, mine, 3);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(a.v[i].status, ACT_COORD_OK, "shard %u: %d", mine[i], a.v[i].status);
    cr_assert_eq(a.v[i].epoch, 1, "created at epoch 1");
  }
  cr_assert_eq(claim(S, 21, "n1", 11).r.epoch, 1, "single and batch claims agree");
  const uint32_t mixed[] = {20, 23, 22};
  a = claims(S2, "n2", 21, mixed, 3);
  cr_assert_eq(a.v[0].status, ACT_COORD_TAKEN, "a live holder keeps its shard");
  cr_assert_str_eq(a.v[0].owner.node, "n1");
  cr_assert_eq(a.v[0].owner.incarnation, 11);
  cr_assert_eq(a.v[0].epoch, 1);
  cr_assert_eq(a.v[1].status, ACT_COORD_OK, "a free shard is created in the same batch");
  cr_assert_eq(a.v[1].epoch, 1);
  cr_assert_eq(a.v[2].status, ACT_COORD_TAKEN);
  a = claims(S, "n1", 11, mine, 3);
  for (int i = 0; i < 3; i++) cr_assert_eq(a.v[i].epoch, 1, "the owner's claim keeps its epoch");
  for (int i = 0; i < 5; i++) {   /* n1 lapses while n2 renews */
    usleep(LEASE / 3 * 1000);
    cr_assert_eq(renew("n2", 21), ACT_COORD_OK);
  }
  const uint32_t all[] = {20, 21, 22, 23};
  a = claims(S2, "n2", 21, all, 4);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(a.v[i].status, ACT_COORD_OK, "shard %u taken over: %d", all[i], a.v[i].status);
    cr_assert_eq(a.v[i].epoch, 2, "a takeover raises the epoch");
    cr_assert_str_eq(a.v[i].owner.node, "n2");
  }
  cr_assert_eq(a.v[3].status, ACT_COORD_OK);
  cr_assert_eq(a.v[3].epoch, 1, "its own shard keeps its epoch");
  cr_assert_eq(owner_of(20).r.owner.incarnation, 21);
  cr_assert_eq(release(23, "n2", 21), ACT_COORD_OK);
  const uint32_t freed[] = {23};
  a = claims(S2, "n2", 21, freed, 1);
  cr_assert_eq(a.v[0].status, ACT_COORD_OK);
  cr_assert_eq(a.v[0].epoch, 2, "a released shard is claimed at epoch + 1");
  a = claims(S, "n1", 11, mine, 3);
  for (int i = 0; i < 3; i++) cr_assert_eq(a.v[i].status, ACT_COORD_LOST, "the lapsed owner is fenced");
}

/* Four stores batch-claim the same shards at once: per shard one owner. */
Test(coord, concurrent_batch_claims_have_at_most_one_owner) {
  act_coord_t *s[4] = {S, S2, S3, S4};
  const char *names[4] = {"m1", "m2", "m3", "m4"};
  join_each(s, names, 4);
  enum { SHARDS = 12 };
  static claims_answer_t a[4];
  memset(a, 0, sizeof a);
  for (int i = 0; i < 4; i++) {
    act_coord_claim_t v[SHARDS] = {{0}};
    for (uint32_t sh = 0; sh < SHARDS; sh++) v[sh].shard = 600 + sh, v[sh].for_ = own(names[i], 100 + (uint64_t)i, 0);
    act_coord_claims(s[i], v, SHARDS, got_claims, &a[i]);
  }
  for (int i = 0; i < 4; i++)
    while (!a[i].done) uv_run(&loop, UV_RUN_ONCE);
  for (uint32_t sh = 0; sh < SHARDS; sh++) {
    int wins = 0, winner = -1;
    for (int i = 0; i < 4; i++) {
      cr_assert_eq(a[i].status, ACT_COORD_OK);
      if (a[i].v[sh].status == ACT_COORD_OK) wins++, winner = i;
    }
    cr_assert_eq(wins, 1, "shard %u: %d owners", 600 + sh, wins);
    for (int i = 0; i < 4; i++) {
      cr_assert_str_eq(a[i].v[sh].owner.node, names[winner], "store %d, shard %u", i, 600 + sh);
      cr_assert_eq(a[i].v[sh].epoch, 1);
    }
    cr_assert_str_eq(owner_of(600 + sh).r.owner.node, names[winner]);
  }
}

Test(coord, stale_epoch_appends_are_refused) {
  const char bin[] = {'a', 0, 'b', (char)0xff};
  cr_assert_eq(append(S, "cart/u42", 1, 1, "x", 1).r.status, ACT_COORD_LOST, "never fenced");
  cr_assert_eq(fence(S, "cart/u42", 1).r.status, ACT_COORD_OK);
  cr_assert_eq(fence(S, "cart/u42", 1).r.status, ACT_COORD_OK, "fencing again at E is harmless");
  cr_assert_eq(append(S, "cart/u42", 1, 1, bin, sizeof bin).r.status, ACT_COORD_OK);
  answer_t f = fence(S2, "cart/u42", 2);   /* a new owner at epoch 2 */
  cr_assert_eq(f.r.status, ACT_COORD_OK);
  answer_t st = append(S, "cart/u42", 1, 2, "old", 3);
  cr_assert_eq(st.r.status, ACT_COORD_LOST, "the old owner's append is refused");
  cr_assert_eq(st.r.epoch, 2, "and told the epoch that fenced it");
  cr_assert_eq(fence(S, "cart/u42", 1).r.status, ACT_COORD_LOST, "an epoch never goes back");
  cr_assert_eq(append(S2, "cart/u42", 2, 2, "new", 3).r.status, ACT_COORD_OK);
  cr_assert_eq(append(S2, "cart/u42", 2, 2, "dup", 3).r.status, ACT_COORD_TAKEN,
               "one sequence number is written once");
  answer_t r = {0};
  act_coord_read(S3, "cart/u42", 0, got, &r);
  wait_for(&r, 1);
  cr_assert_eq(r.r.status, ACT_COORD_OK);
  cr_assert_eq(r.r.nentries, 2);
  cr_assert_eq(r.r.entries[0].seq, 1);
  cr_assert_eq(r.r.entries[0].epoch, 1);
  cr_assert_eq(r.r.entries[0].len, sizeof bin);
  cr_assert_arr_eq(r.r.entries[0].data, bin, sizeof bin);
  cr_assert_eq(r.r.entries[1].seq, 2);
  cr_assert_eq(r.r.entries[1].epoch, 2);
  cr_assert_arr_eq(r.r.entries[1].data, "new", 3);
}

static void read_seqs(void *arg, const act_coord_result_t *r) {
  uint8_t *have = arg;
  cr_assert_eq(r->status, ACT_COORD_OK, "%s", r->error ? r->error : "");
  for (size_t i = 0; i < r->nentries; i++) {
    cr_assert(r->entries[i].seq >= 1 && r->entries[i].seq <= 60);
    cr_assert_eq(r->entries[i].epoch, 1);
    have[r->entries[i].seq] = 1;
  }
  have[0] = 1;
}

/* Appends at epoch 1 race with a fence to epoch 2 from another store:
 * exactly the appends answered OK are in the journal, and they form a
 * prefix (once fenced, no later append of the old owner gets in). */
Test(coord, appends_racing_a_fence) {
  cr_assert_eq(fence(S, "acct/7", 1).r.status, ACT_COORD_OK);
  enum { N = 60 };
  static answer_t a[N + 1];
  memset(a, 0, sizeof a);
  answer_t f = {0};
  for (int i = 1; i <= N; i++) {
    act_coord_append(S, "acct/7", 1, (uint64_t)i, "e", 1, got, &a[i]);
    if (i == N / 3) act_coord_fence(S2, "acct/7", 2, got, &f);
  }
  for (int i = 1; i <= N; i++) wait_for(&a[i], 1);
  wait_for(&f, 1);
  cr_assert_eq(f.r.status, ACT_COORD_OK, "%d %s", f.r.status, f.error);
  uint8_t have[N + 1] = {0};
  act_coord_read(S3, "acct/7", 0, read_seqs, have);
  for (int i = 0; !have[0] && i < 100000; i++) uv_run(&loop, UV_RUN_ONCE);
  int refused = 0;
  for (int i = 1; i <= N; i++) {
    int ok = a[i].r.status == ACT_COORD_OK;
    cr_assert(ok || a[i].r.status == ACT_COORD_LOST, "append %d: %d %s", i, a[i].r.status,
              a[i].error);
    cr_assert_eq(have[i], ok, "append %d answered %d but is %sin the journal", i, a[i].r.status,
                 have[i] ? "" : "not ");
    if (!ok) refused++;
    if (i > 1 && ok) cr_assert(a[i - 1].r.status == ACT_COORD_OK, "a gap before %d", i);
  }
  cr_log_info("appends_racing_a_fence: %d of %d refused after the fence", refused, N);
}

/* A server that is not there: every call is answered with an error. */
Test(coord_down, unreachable_server_answers_errors) {
  uv_loop_init(&loop);
  char err[256];
  act_coord_t *s = act_coord_open(&loop, "postgres:///x?host=/nonexistent-act-dir&port=1", err,
                                  sizeof err);
  if (s == NULL) {
    cr_assert(strstr(err, "coordination store") != NULL, "%s", err);
    return;
  }
  answer_t a = {0};
  act_coord_member_t m = member("n1", 1);
  act_coord_join(s, &m, LEASE, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_ERROR);
  cr_assert(strlen(a.error) > 0);
  act_coord_close(s);
}

Test(coord_down, unreachable_dqlite_answers_errors) {
  uv_loop_init(&loop);
  char err[256];
  act_coord_t *s = act_coord_open(&loop, "dqlite://127.0.0.1:1", err, sizeof err);
  cr_assert(s != NULL, "%s", err);
  answer_t a = {0};
  act_coord_member_t m = member("n1", 1);
  act_coord_join(s, &m, LEASE, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_ERROR);
  cr_assert(strstr(a.error, "coordination store") != NULL, "%s", a.error);
  act_coord_close(s);
  cr_assert_null(act_coord_open(&loop, "dqlite://nohost", err, sizeof err));
  cr_assert(strstr(err, "HOST:PORT") != NULL, "%s", err);
}

/* A store whose first server leads only after the client's first call
 * has failed (a new cluster's first seed bootstrapping late, as under
 * TSan): the tables are made by the next call, not lost with the first. */
Test(coord_down, a_store_that_leads_late_is_usable) {
  if (!act_store_node_available()) cr_skip_test("built without libdqlite-dev");
  uv_loop_init(&loop);
  /* A port nobody listens on yet: the kernel's choice, freed again. */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
            getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
  close(fd);
  char addr[32], url[48], dir[] = "/tmp/act-coord-late-XXXXXX", err[256];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sa.sin_port));
  snprintf(url, sizeof url, "dqlite://%s", addr);
  act_coord_t *s = act_coord_open(&loop, url, err, sizeof err);
  cr_assert(s != NULL, "%s", err);
  answer_t a = {0};
  cr_assert_eq(join_answer(s, "n1", 1, &a), ACT_COORD_ERROR, "no server yet: the call fails");
  cr_assert(mkdtemp(dir) != NULL);
  act_store_node_config_t cfg = {.id = 1, .addr = addr, .dir = dir, .latency_ms = 10};
  act_store_node_t *n = act_store_node_start(&cfg, err, sizeof err);
  cr_assert(n != NULL, "%s", err);
  /* Its election may take a moment: a call that finds no leader yet fails. */
  int st = ACT_COORD_ERROR;
  for (int i = 0; i < 5 && st == ACT_COORD_ERROR; i++) {
    a = (answer_t){0};
    st = join_answer(s, "n1", 1, &a);
  }
  cr_assert_eq(st, ACT_COORD_OK, "the store leads now: the join must succeed: %s", a.error);
  a = (answer_t){0};
  act_coord_members(s, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_OK, "%s", a.error);
  cr_assert_eq(a.r.nmembers, 1);
  act_coord_close(s);
  uv_run(&loop, UV_RUN_NOWAIT);
  act_store_node_stop(n);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(coord_down, bad_journal_keys_are_refused) {
  uv_loop_init(&loop);
  char err[256];
  act_coord_t *s = act_coord_open(&loop, "dqlite://127.0.0.1:1", err, sizeof err);
  cr_assert(s != NULL, "%s", err);
  char longkey[200];
  memset(longkey, 'k', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = 0;
  answer_t a = {0};
  act_coord_append(s, longkey, 1, 1, "x", 1, got, &a);
  act_coord_fence(s, "", 1, got, &a);
  cr_assert_eq(a.done, 2, "answered at once");
  cr_assert_eq(a.r.status, ACT_COORD_ERROR);
  act_coord_close(s);
}

Test(coord_down, unknown_scheme_is_refused) {
  uv_loop_init(&loop);
  char err[256];
  cr_assert_null(act_coord_open(&loop, "etcd://x", err, sizeof err));
  cr_assert(strstr(err, "no coordination store takes") != NULL, "%s", err);
}

/* ---- the lease loop and fail-stop, over the backend under test ----
 * A cut store stands between the loop and the real one: while `cut` is
 * set, every call fails as an unreachable store's would. */
typedef struct cut_store {
  act_coord_t base;
  act_coord_t *real;
  int cut;
  uint64_t sent, last_ok_sent;   /* ms: the renewal in flight, the last one that held */
} cut_store_t;
static cut_store_t CUT;

static uint64_t ms(void) { return uv_hrtime() / 1000000u; }

static void cut_answer(void *arg, const act_coord_result_t *r) {
  act_coord_cb *cb = arg;   /* the caller's callback and argument, in a pair */
  if (r->status == ACT_COORD_OK) CUT.last_ok_sent = CUT.sent;
  cb[0](((void **)arg)[1], r);
  free(arg);
}
static void *pair(act_coord_cb cb, void *arg) {
  void **p = malloc(2 * sizeof *p);
  cr_assert(p != NULL);
  memcpy(&p[0], &cb, sizeof cb);
  p[1] = arg;
  return p;
}
static int refuse(act_coord_cb cb, void *arg) {
  if (!CUT.cut) return 0;
  act_coord_result_t r = {.status = ACT_COORD_ERROR, .error = "cut off"};
  cb(arg, &r);
  return 1;
}
static void cut_join(act_coord_t *c, const act_coord_member_t *m, int64_t lease, act_coord_cb cb,
                     void *arg) {
  (void)c;
  if (refuse(cb, arg)) return;
  CUT.sent = ms();
  act_coord_join(CUT.real, m, lease, cut_answer, pair(cb, arg));
}
static void cut_renew(act_coord_t *c, const char *node, uint64_t inc, int64_t lease,
                      act_coord_cb cb, void *arg) {
  (void)c;
  if (refuse(cb, arg)) return;
  CUT.sent = ms();
  act_coord_renew(CUT.real, node, inc, lease, cut_answer, pair(cb, arg));
}
static void cut_leave(act_coord_t *c, const char *node, uint64_t inc, act_coord_cb cb,
                      void *arg) {
  (void)c;
  if (refuse(cb, arg)) return;
  act_coord_leave(CUT.real, node, inc, cb, arg);
}
static const act_coord_ops_t cut_ops = {.scheme = "cut://", .join = cut_join, .renew = cut_renew,
                                        .leave = cut_leave};

typedef struct events {
  int n[4];
  uint64_t at[4];   /* ms of the last event of each kind */
} events_t;
static events_t EV;
static void on_event(void *arg, int event, const char *why) {
  (void)arg;
  cr_log_info("lease event %d at %llu ms: %s", event, (unsigned long long)ms(), why);
  EV.n[event]++;
  EV.at[event] = ms();
}

static void run_until(int *flag, int want, int64_t limit_ms) {
  uint64_t until = ms() + (uint64_t)limit_ms;
  while (*flag < want && ms() < until) uv_run(&loop, UV_RUN_ONCE);
}
static void run_for(int64_t d) {
  int never = 0;
  run_until(&never, 1, d);
}

static void lease_setup(void) {
  setup();
  /* The first call also connects and creates the tables, which can take
   * longer than a 300 ms lease leaves: done before the lease starts. */
  answer_t warm = {0};
  act_coord_members(S, got, &warm);
  wait_for(&warm, 1);
  CUT = (cut_store_t){.base = {.ops = &cut_ops}, .real = S};
  memset(&EV, 0, sizeof EV);
  act_coord_on_fenced_clear();
  act_coord_on_fenced(on_event, NULL);
}
TestSuite(lease, .init = lease_setup, .fini = teardown);

static int stopped;
static void on_stopped(void *arg) { (void)arg; stopped = 1; }

/* A longer lease here: the guard (lease/5) is what a loaded machine's
 * scheduling delays must stay under. */
#define LLEASE 1000

Test(lease, renewed_then_fenced_before_it_ends) {
  act_coord_member_t me = member("n1", 11);
  act_lease_t *l = act_lease_start(&loop, &CUT.base, &me, LLEASE);
  run_until(&EV.n[ACT_LEASE_HELD], 1, 3000);
  cr_assert_eq(EV.n[ACT_LEASE_HELD], 1);
  run_for(2 * LLEASE);   /* two leases long: only renewals keep it */
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 0, "renewed in time");
  cr_assert(act_lease_left_ms(l) > 0, "left %lld", (long long)act_lease_left_ms(l));
  cr_assert_eq(join(S2, "n1", 12), ACT_COORD_TAKEN, "the lease is live for others too");

  CUT.cut = 1;   /* the store is gone for this node; another incarnation keeps trying */
  uint64_t t0 = ms(), took = 0;
  while (!took && ms() - t0 < 4 * LLEASE) {
    uint64_t sent = ms();
    if (join(S2, "n1", 12) == ACT_COORD_OK) took = sent;
    run_for(10);
  }
  cr_assert(took, "taken over at last");
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 1);
  uint64_t end = CUT.last_ok_sent + LLEASE;
  cr_assert(EV.at[ACT_LEASE_FENCED] < end, "fenced %lld ms after its lease ended",
            (long long)(EV.at[ACT_LEASE_FENCED] - end));
  cr_assert(EV.at[ACT_LEASE_FENCED] < took, "taken over before the holder was fenced");
  cr_log_info("lease: fenced %lld ms before the lease ended, %lld ms before the takeover",
              (long long)(end - EV.at[ACT_LEASE_FENCED]), (long long)(took - EV.at[ACT_LEASE_FENCED]));
  cr_assert_eq(act_lease_left_ms(l), 0);

  CUT.cut = 0;   /* back: the old incarnation finds its name taken */
  run_until(&EV.n[ACT_LEASE_LOST], 1, 4 * LLEASE);
  cr_assert_eq(EV.n[ACT_LEASE_LOST], 1);
  cr_assert_eq(EV.n[ACT_LEASE_HELD], 1, "never held again");
  stopped = 0;
  act_lease_stop(l, on_stopped, NULL);
  run_until(&stopped, 1, 2000);
  cr_assert(stopped);
}

Test(lease, a_fenced_node_that_comes_back_in_time_holds_again) {
  act_coord_member_t me = member("n1", 11);
  act_lease_t *l = act_lease_start(&loop, &CUT.base, &me, LEASE);
  run_until(&EV.n[ACT_LEASE_HELD], 1, 2000);
  CUT.cut = 1;
  run_until(&EV.n[ACT_LEASE_FENCED], 1, 4 * LEASE);
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 1);
  CUT.cut = 0;   /* nobody took the name: the same incarnation joins again */
  run_until(&EV.n[ACT_LEASE_HELD], 2, 4 * LEASE);
  cr_assert_eq(EV.n[ACT_LEASE_HELD], 2);
  cr_assert(act_lease_left_ms(l) > 0);
  stopped = 0;
  act_lease_stop(l, on_stopped, NULL);
  run_until(&stopped, 1, 2000);
}

Test(lease, stopping_fences_and_leaves) {
  act_coord_member_t me = member("n1", 11);
  act_lease_t *l = act_lease_start(&loop, &CUT.base, &me, LEASE);
  run_until(&EV.n[ACT_LEASE_HELD], 1, 2000);
  stopped = 0;
  act_lease_stop(l, on_stopped, NULL);
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 1, "owners stop before the node leaves");
  run_until(&stopped, 1, 2000);
  cr_assert(stopped);
  cr_assert_eq(join(S2, "n1", 12), ACT_COORD_OK, "a left name is free at once");
}

/* ---- the embedded store loses its leader (coord.sh runs this last, with
 * ACT_TEST_FAILOVER=1: it kills a store node) ---- */
static void failover_setup(void) {
  if (getenv("ACT_TEST_FAILOVER") == NULL) cr_skip_test("run by coord.sh after the suite");
  setup();
}
TestSuite(failover, .init = failover_setup, .fini = teardown);

static void note(void *arg, const act_dq_res_t *r) {
  (void)r;
  *(int *)arg = 1;
}

static void count_voters(void *arg, const act_dq_res_t *r) {
  int n = 0;
  for (size_t i = 0; r->ok && i < r->nrows; i++) {
    fprintf(stderr, "store node %lld %s role %lld\n", (long long)r->v[3 * i].i, r->v[3 * i + 1].s,
            (long long)r->v[3 * i + 2].i);
    n += r->v[3 * i + 2].i == 0;
  }
  *(int *)arg = n ? n : -1;
}

Test(failover, the_store_survives_its_leader) {
  const char *pids = getenv("ACT_TEST_STORE_PIDS");
  cr_assert(pids != NULL && strncmp(URL, "dqlite://", 9) == 0, "dqlite only");
  answer_t j = {0};
  act_coord_member_t me = member("n1", 11);
  act_coord_join(S, &me, 60000, got, &j);
  wait_for(&j, 1);
  cr_assert_eq(j.r.status, ACT_COORD_OK, "%s", j.error);
  cr_assert_eq(claim(S, 9, "n1", 11).r.epoch, 1);
  cr_assert_eq(fence(S, "k", 1).r.status, ACT_COORD_OK);
  cr_assert_eq(append(S, "k", 1, 1, "before", 6).r.status, ACT_COORD_OK);

  /* Which node leads: ask, then find its process (same order as the URL). */
  char err[256];
  act_dq_t *d = act__dq_open(&loop, URL + 9, err, sizeof err);
  int asked = 0;
  act__dq_query(d, "SELECT 1", NULL, 0, note, &asked);
  for (int i = 0; !asked && i < 100000; i++) uv_run(&loop, UV_RUN_ONCE);
  cr_assert(act__dq_leader(d) != NULL);
  char leader[64];
  snprintf(leader, sizeof leader, "%s", act__dq_leader(d));
  static int voters;
  asked = 0;
  act__dq_cluster(d, count_voters, &voters);
  for (int i = 0; !voters && i < 100000; i++) uv_run(&loop, UV_RUN_ONCE);
  cr_assert_eq(voters, 3, "three voters before the kill");
  char list[512];
  snprintf(list, sizeof list, "%s", URL + 9);
  int index = 0;
  for (char *a = strtok(list, ","); a && strcmp(a, leader) != 0; a = strtok(NULL, ",")) index++;
  long pid = 0;
  const char *p = pids;
  for (int i = 0; i <= index && p; i++) {
    pid = strtol(p, (char **)&p, 10);
  }
  cr_assert(pid > 0, "no process for the leader %s", leader);
  act__dq_close(d);
  uint64_t t0 = ms();
  kill((pid_t)pid, SIGKILL);

  /* Calls fail (the one in flight is lost) until a new leader is elected. */
  answer_t a = {0};
  int errors = 0;
  while (ms() - t0 < 20000) {
    a = claim(S, 9, "n1", 11);
    if (a.r.status != ACT_COORD_ERROR) break;
    errors++;
    usleep(50 * 1000);
  }
  uint64_t took = ms() - t0;
  cr_assert_eq(a.r.status, ACT_COORD_OK, "%s", a.error);
  cr_assert_eq(a.r.epoch, 1, "the shard kept its owner and epoch");
  fprintf(stderr, "failover: leader %s killed (kill -9); the store answered again after %llu ms "
          "(%d calls failed)\n", leader, (unsigned long long)took, errors);
  cr_assert_eq(append(S, "k", 1, 2, "after", 5).r.status, ACT_COORD_OK);
  answer_t r = {0};
  act_coord_read(S2, "k", 0, got, &r);
  wait_for(&r, 1);
  cr_assert_eq(r.r.nentries, 2, "nothing committed was lost");
  cr_assert_arr_eq(r.r.entries[0].data, "before", 6);
}

/* ---- PostgreSQL: a connection that breaks is made again ----
 * A session ended by the server (pg_terminate_backend: 57P01, as in a
 * fast shutdown) with a statement in flight: the statement's outcome is
 * unknown. One that may be sent twice (a claim) is answered as if the
 * connection had not broken; one that may not (a release) fails. The
 * statement is held in flight by a row lock another session keeps. */
static PGconn *locker;
static void lock_shard(uint32_t shard) {
  locker = PQconnectdb(URL);
  cr_assert_eq(PQstatus(locker), CONNECTION_OK, "%s", PQerrorMessage(locker));
  char sql[128];
  snprintf(sql, sizeof sql, "BEGIN; SELECT 1 FROM act_shards WHERE shard = %u FOR UPDATE", shard);
  PGresult *r = PQexec(locker, sql);
  cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(locker));
  cr_assert_eq(PQntuples(r), 1);
  PQclear(r);
}
/* Runs the loop until the call `a` waits on the lock, then ends its
 * session and the lock; its answer comes after the connection is made
 * again (the loop runs until then). */
static void end_waiting_session(answer_t *a) {
  int ended = 0;
  for (uint64_t t0 = ms(); !ended && ms() - t0 < 10000;) {
    uv_run(&loop, UV_RUN_NOWAIT);
    PGresult *r = PQexec(locker, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(locker));
    ended = PQntuples(r) == 1;
    PQclear(r);
    if (!ended) usleep(10 * 1000);
  }
  cr_assert(ended, "the call never waited on the lock");
  cr_assert_eq(a->done, 0, "answered while it waited on the lock");
  PQclear(PQexec(locker, "COMMIT"));
  PQfinish(locker);
  wait_for(a, 1);
}

static void pg_only(void) {
  const char *url = getenv("ACT_TEST_STORE");
  if (url && strncmp(url, "postgres", 8) != 0) cr_skip_test("PostgreSQL's connection only");
  setup();
}
TestSuite(reconnect, .init = pg_only, .fini = teardown);

/* node joins through S with a lease of lease_ms. */
static void join_for(const char *node, uint64_t inc, int64_t lease_ms) {
  answer_t a = {0};
  act_coord_member_t m = member(node, inc);
  act_coord_join(S, &m, lease_ms, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_OK, "%s", a.error);
}
/* A lease that outlasts a test's waits on a loaded machine (300 ms does not). */
static void join_for_a_minute(const char *node, uint64_t inc) { join_for(node, inc, 60000); }

/* n1 owns shard 9, whose row another session has locked. */
static void own_locked_shard(void) {
  join_for_a_minute("n1", 11);
  cr_assert_eq(claim(S, 9, "n1", 11).r.epoch, 1);
  lock_shard(9);
}

Test(reconnect, a_claim_in_flight_is_sent_again) {
  own_locked_shard();
  answer_t a = {0};
  act_coord_claim(S, 9, "n1", 11, got, &a);
  end_waiting_session(&a);
  cr_assert_eq(a.r.status, ACT_COORD_OK, "%s", a.error);
  cr_assert_eq(a.r.epoch, 1, "the owner's epoch, unchanged");
  cr_assert_eq(renew("n1", 11), ACT_COORD_OK, "the connection works again");
}

Test(reconnect, a_release_in_flight_fails) {
  own_locked_shard();
  answer_t a = {0};
  act_coord_release(S, 9, "n1", 11, got, &a);
  end_waiting_session(&a);
  cr_assert_eq(a.r.status, ACT_COORD_ERROR, "a release whose outcome is unknown is no success");
  cr_assert(strstr(a.error, "outcome is unknown") != NULL, "%s", a.error);
  cr_assert_eq(owner_of(9).r.status, ACT_COORD_OK, "not released: the statement was ended");
  cr_assert_eq(release(9, "n1", 11), ACT_COORD_OK, "released now, on a new connection");
}

/* ---- PostgreSQL: a server that stops answering without closing ----
 * Every session but the test's own is stopped (SIGSTOP on its backend
 * process: the postmaster still takes new connections). A statement sent
 * into such a connection hears nothing; it is given up after a quarter of
 * the lease (1 s at the 4 s lease here), and answered on a new connection.
 * Each loop run is bounded, so that a call never answered fails the test
 * instead of hanging it. */
static void wake(uv_timer_t *t) { (void)t; }
static void wait_at_most(answer_t *a, uint64_t limit_ms) {
  uv_timer_t guard;
  uv_timer_init(&loop, &guard);
  uv_timer_start(&guard, wake, 100, 100);
  for (uint64_t t0 = ms(); a->done == 0 && ms() - t0 < limit_ms;) uv_run(&loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&guard, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
}

/* n1's renewal (inc 11, 4 s lease) while some of the server is stopped:
 * its answer in *a (done 0 if none within limit_ms), and how long it took. */
static uint64_t renew_while_stopped(answer_t *a, uint64_t limit_ms) {
  uint64_t t0 = ms();
  act_coord_renew(S, "n1", 11, 4000, got, a);
  wait_at_most(a, limit_ms);
  return ms() - t0;
}

static int is_one_of(pid_t pid, const pid_t *pids, int n) {
  for (int i = 0; i < n; i++)
    if (pids[i] == pid) return 1;
  return 0;
}

Test(reconnect, a_server_that_stops_answering_is_given_up) {
  join_for("n1", 11, 4000);   /* a statement is given up after 1 s */
  pid_t stopped_pids[64], now_pids[64];
  int n = pg_sessions(URL, "true", stopped_pids, 64);
  cr_assert(n >= 1, "no session of the store's to stop");
  pid_t guard = pg_stop_for(stopped_pids, n, 20);
  answer_t a = {0};
  uint64_t took = renew_while_stopped(&a, 10000);
  int k = pg_sessions(URL, "true", now_pids, 64), fresh_ones = 0;
  for (int i = 0; i < k; i++) fresh_ones += !is_one_of(now_pids[i], stopped_pids, n);
  pg_go_on(guard, stopped_pids, n);
  cr_log_info("reconnect: a renewal sent to a stopped backend answered %d after %llu ms",
              a.r.status, (unsigned long long)took);
  cr_assert_eq(a.done, 1, "no answer in 10 s: the silent connection was never given up");
  cr_assert_eq(a.r.status, ACT_COORD_OK, "%s", a.error);
  cr_assert(took >= 900, "answered after %llu ms, before the statement's 1 s", (unsigned long long)took);
  cr_assert(took < 4000, "answered after %llu ms: 1 s, then a new connection", (unsigned long long)took);
  cr_assert(fresh_ones >= 1, "no new session: the answer came from a stopped one?");
  cr_assert_eq(renew("n1", 11), ACT_COORD_OK, "the new connection works");
}

/* ---- PostgreSQL stopped and started again (coord.sh runs this last,
 * with ACT_TEST_PG_SH, _DIR and _PORT: pg.sh's pg_halt and pg_serve) ---- */
static void restart_setup(void) {
  if (getenv("ACT_TEST_PG_SH") == NULL) cr_skip_test("run by coord.sh after the suite");
  setup();
}

/* Runs pg.sh's HALT or SERVE on the test's server after `delay` seconds,
 * in a process of its own (the loop keeps running meanwhile); its pid. */
#define HALT "pg_halt \"$ACT_TEST_PG_DIR\""
#define SERVE "pg_serve \"$ACT_TEST_PG_DIR\" \"$ACT_TEST_PG_PORT\""
/* SERVE, then the wall clock in ms (the child's only clock the parent can
 * read) in $ACT_TEST_PG_DIR/served: when the server took connections. */
#define SERVE_NOTED SERVE " && date +%s%3N >\"$ACT_TEST_PG_DIR/served\""
static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
/* How long after `since` (wall_ms) SERVE_NOTED's server took connections. */
static int64_t served_after(int64_t since) {
  char path[512];
  snprintf(path, sizeof path, "%s/served", getenv("ACT_TEST_PG_DIR"));
  FILE *f = fopen(path, "r");
  cr_assert(f != NULL, "no %s", path);
  long long at = 0;
  cr_assert_eq(fscanf(f, "%lld", &at), 1);
  fclose(f);
  return (int64_t)at - since;
}
static pid_t server(const char *what, double delay) {
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sleep %.2f; . \"$ACT_TEST_PG_SH\" && %s", delay, what);
    execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  return pid;
}
static void done(pid_t pid) {
  int st;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pg.sh failed");
}

/* The server runs after each test, even one that failed with it stopped
 * (pg_serve fails, harmlessly, when it already runs). */
static void restart_teardown(void) {
  teardown();
  int st;
  waitpid(server(SERVE " >/dev/null 2>&1", 0), &st, 0);
}
TestSuite(restart, .init = restart_setup, .fini = restart_teardown);

/* A call made while the server is down is answered once it is back, if
 * that is within the call's wait (3 s): here about 0.5 s, unless the
 * machine is so loaded that starting the server takes seconds; then the
 * call must fail, and only after its wait. */
Test(restart, a_call_waits_for_the_server) {
  join_for_a_minute("n1", 11);
  done(server(HALT, 0));
  int64_t down = wall_ms();
  pid_t up = server(SERVE_NOTED, 0.5);
  uint64_t t0 = ms();
  answer_t a = {0};
  act_coord_renew(S, "n1", 11, 60000, got, &a);
  wait_for(&a, 1);
  uint64_t took = ms() - t0;
  done(up);
  int64_t back = served_after(down);
  cr_log_info("restart: the server back %lld ms after it stopped; a renewal made meanwhile "
              "answered %d after %llu ms", (long long)back, a.r.status, (unsigned long long)took);
  if (back < 2000)
    cr_assert_eq(a.r.status, ACT_COORD_OK, "server back after %lld ms: %s", (long long)back, a.error);
  else if (a.r.status != ACT_COORD_OK)
    cr_assert(took >= 2900, "failed after %llu ms, before its wait", (unsigned long long)took);
  cr_assert_eq(claim(S2, 3, "n1", 11).r.status, ACT_COORD_OK, "every connection came back");
}

/* Down longer than a call's wait: the call fails, and the next one, once
 * the server is back, succeeds. */
Test(restart, a_server_down_too_long_fails_calls_then_serves_again) {
  join_for_a_minute("n1", 11);
  done(server(HALT, 0));
  uint64_t t0 = ms();
  answer_t a = {0};
  act_coord_renew(S, "n1", 11, 60000, got, &a);
  wait_for(&a, 1);
  cr_assert_eq(a.r.status, ACT_COORD_ERROR);
  cr_assert(ms() - t0 >= 2900, "failed after %llu ms, before its wait",
            (unsigned long long)(ms() - t0));
  done(server(SERVE, 0));
  cr_assert_eq(renew("n1", 11), ACT_COORD_OK, "connected again");
}

/* The lease loop over a restart shorter than its lease: never fenced.
 * Lease 6 s: renewals every 2 s, the fence 4.8 s after the last good one,
 * so a restart (and the reconnection's backoff, at most 0.5 s more) of
 * up to 2.3 s is always within it; one that took longer on a loaded
 * machine proves nothing, and the test is skipped. */
#define RLEASE 6000
Test(restart, a_short_restart_does_not_fence) {
  act_coord_on_fenced_clear();
  act_coord_on_fenced(on_event, NULL);
  memset(&EV, 0, sizeof EV);
  act_coord_member_t me = member("n1", 11);
  act_lease_t *l = act_lease_start(&loop, S, &me, RLEASE);
  run_until(&EV.n[ACT_LEASE_HELD], 1, 5000);
  cr_assert_eq(EV.n[ACT_LEASE_HELD], 1);
  int64_t t0 = wall_ms();
  done(server(HALT, 0));
  pid_t up = server(SERVE_NOTED, 0.5);
  run_for(RLEASE);   /* a fence the restart caused comes within a lease */
  done(up);
  int64_t back = served_after(t0);
  cr_log_info("restart: down and back in %lld ms; fenced %d times", (long long)back,
              EV.n[ACT_LEASE_FENCED]);
  if (back > 2300 && EV.n[ACT_LEASE_FENCED])
    cr_skip_test("the restart took %lld ms on this machine: too slow to judge", (long long)back);
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 0, "fenced by a restart of %lld ms", (long long)back);
  cr_assert(act_lease_left_ms(l) > 0);
  /* Down longer than the lease: fenced, as ever. */
  done(server(HALT, 0));
  run_until(&EV.n[ACT_LEASE_FENCED], 1, 2 * RLEASE);
  cr_assert_eq(EV.n[ACT_LEASE_FENCED], 1, "not fenced with the server down a whole lease");
  done(server(SERVE, 0));
  stopped = 0;
  act_lease_stop(l, on_stopped, NULL);
  run_until(&stopped, 1, 5000);
  cr_assert(stopped);
}

/* The postmaster stopped too: it takes a connection on its socket's
 * backlog and never answers it. Each attempt to connect is given up after
 * 2 s, so the call fails after its wait (3 s from the loss of the silent
 * connection), saying why; once the server goes on, calls are answered. */
Test(restart, an_attempt_that_is_never_answered_is_given_up) {
  join_for("n1", 11, 4000);   /* a statement is given up after 1 s */
  char path[512];
  snprintf(path, sizeof path, "%s/pg/postmaster.pid", getenv("ACT_TEST_PG_DIR"));
  FILE *f = fopen(path, "r");
  cr_assert(f != NULL, "no %s", path);
  pid_t pids[65];
  cr_assert_eq(fscanf(f, "%d", &pids[0]), 1);
  fclose(f);
  int n = 1 + pg_sessions(URL, "true", pids + 1, 64);
  pid_t guard = pg_stop_for(pids, n, 20);
  answer_t a = {0};
  uint64_t took = renew_while_stopped(&a, 15000);
  pg_go_on(guard, pids, n);
  cr_log_info("restart: a renewal with the whole server stopped answered %d after %llu ms: %s",
              a.r.status, (unsigned long long)took, a.error);
  cr_assert_eq(a.done, 1, "no answer in 15 s");
  cr_assert_eq(a.r.status, ACT_COORD_ERROR);
  cr_assert(took >= 3900 && took < 8000, "failed after %llu ms, not 1 s + 3 s",
            (unsigned long long)took);
  cr_assert(strstr(a.error, "no connection within 2000 ms") != NULL, "%s", a.error);
  /* Its 4 s lease has lapsed meanwhile: the same incarnation joins again. */
  cr_assert_eq(join(S, "n1", 11), ACT_COORD_OK, "connected again once the server went on");
}
