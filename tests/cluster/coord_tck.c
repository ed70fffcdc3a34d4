/* The coordination store's conformance suite: written against
 * act_coord_*, so every backend passes the same tests. The backend under
 * test comes from the URL in ACT_TEST_STORE (tests/cluster/coord.sh
 * starts a private PostgreSQL and sets it); `fresh` empties it before
 * each test. Leases are short (300 ms) so that lapses can be waited for. */
#include <act/cluster.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define LEASE 300

/* ---- the backend under test ---- */
static void fresh(const char *url) {
  PGconn *c = PQconnectdb(url);
  cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
  PQclear(PQexec(c, "SET client_min_messages = warning; "
                     "DROP TABLE IF EXISTS act_members, act_names, act_shards"));
  PQfinish(c);
}

/* ---- helpers: one call, run the loop until it is answered ---- */
static uv_loop_t loop;
static act_coord_t *S, *S2;
static const char *URL;

typedef struct answer {
  int done;
  act_coord_result_t r;
  act_coord_member_t members[16];
  char error[256];
} answer_t;

static void got(void *arg, const act_coord_result_t *r) {
  answer_t *a = arg;
  a->r = *r;
  a->done++;
  if (r->error) snprintf(a->error, sizeof a->error, "%s", r->error);
  for (size_t i = 0; i < r->nmembers && i < 16; i++) a->members[i] = r->members[i];
  a->r.members = a->members;
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

static int join(act_coord_t *s, const char *node, uint64_t inc) {
  answer_t a = {0};
  act_coord_member_t m = member(node, inc);
  act_coord_join(s, &m, LEASE, got, &a);
  wait_for(&a, 1);
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

static void lapse(void) { usleep((LEASE + 150) * 1000); }

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
}

static void teardown(void) {
  act_coord_close(S);
  act_coord_close(S2);
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
    cr_assert_eq((a.r.status == ACT_COORD_OK) + (b.r.status == ACT_COORD_OK), 1, "round %d", round);
    cr_assert_eq((a.r.status == ACT_COORD_TAKEN) + (b.r.status == ACT_COORD_TAKEN), 1);
  }
  cr_assert_eq(join(S, "c1", 1), ACT_COORD_OK);
  cr_assert_eq(join(S, "c2", 2), ACT_COORD_OK);
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
  answer_t a[50] = {{0}};
  act_coord_member_t m = member("n1", 11);
  act_coord_join(S, &m, LEASE, got, &a[0]);
  for (int i = 1; i < 50; i++) act_coord_renew(S, "n1", 11, LEASE, got, &a[i]);
  wait_for(&a[49], 1);
  for (int i = 0; i < 50; i++) cr_assert_eq(a[i].r.status, ACT_COORD_OK, "call %d", i);
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

Test(coord_down, unknown_scheme_is_refused) {
  uv_loop_init(&loop);
  char err[256];
  cr_assert_null(act_coord_open(&loop, "etcd://x", err, sizeof err));
  cr_assert(strstr(err, "no coordination store takes") != NULL, "%s", err);
}
