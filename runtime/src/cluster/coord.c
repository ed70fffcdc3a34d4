/* coord.c: the coordination store's calls, dispatched to the backend the
 * URL names (act/cluster.h describes the contract). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/cluster.h"

static const act_coord_ops_t *const backends[] = {&act_coord_pg_ops, &act_coord_dqlite_ops};

act_coord_t *act_coord_open(struct uv_loop_s *loop, const char *url, char *err, size_t cap) {
  for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
    const char *s = backends[i]->scheme;
    if (strncmp(url, s, strlen(s)) == 0) return backends[i]->open(loop, url, err, cap);
  }
  /* libpq also takes "postgresql://" */
  if (strncmp(url, "postgresql://", 13) == 0) return act_coord_pg_ops.open(loop, url, err, cap);
  snprintf(err, cap, "no coordination store takes `%.80s` (postgres://... and dqlite://HOST:PORT,... are supported)", url);
  return NULL;
}

void act_coord_close(act_coord_t *c) { if (c) c->ops->close(c); }
void act_coord_join(act_coord_t *c, const act_coord_member_t *m, int64_t lease_ms, act_coord_cb cb,
                    void *arg) {
  c->ops->join(c, m, lease_ms, cb, arg);
}
void act_coord_renew(act_coord_t *c, const char *node, uint64_t inc, int64_t lease_ms,
                     act_coord_cb cb, void *arg) {
  c->ops->renew(c, node, inc, lease_ms, cb, arg);
}
void act_coord_leave(act_coord_t *c, const char *node, uint64_t inc, act_coord_cb cb, void *arg) {
  c->ops->leave(c, node, inc, cb, arg);
}
void act_coord_members(act_coord_t *c, act_coord_cb cb, void *arg) { c->ops->members(c, cb, arg); }
void act_coord_register(act_coord_t *c, const char *name, const act_coord_owner_t *o,
                        act_coord_cb cb, void *arg) {
  c->ops->reg(c, name, o, cb, arg);
}
void act_coord_lookup(act_coord_t *c, const char *name, act_coord_cb cb, void *arg) {
  c->ops->lookup(c, name, cb, arg);
}
void act_coord_unregister(act_coord_t *c, const char *name, const act_coord_owner_t *o,
                          act_coord_cb cb, void *arg) {
  c->ops->unreg(c, name, o, cb, arg);
}
void act_coord_claim(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc,
                     act_coord_cb cb, void *arg) {
  c->ops->claim(c, shard, node, inc, cb, arg);
}
void act_coord_owner(act_coord_t *c, uint32_t shard, act_coord_cb cb, void *arg) {
  c->ops->owner(c, shard, cb, arg);
}
void act_coord_release(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc,
                       act_coord_cb cb, void *arg) {
  c->ops->release(c, shard, node, inc, cb, arg);
}
/* A backend without a batch claim: one claim per shard, all queued at
 * once (the backend runs them in order), answered together. */
typedef struct each each_t;
typedef struct slot {
  each_t *all;
  size_t i;
} slot_t;
struct each {
  act_coord_claim_t *v;
  slot_t *slots;
  size_t n, left;
  act_coord_cb cb;
  void *arg;
};

static void on_each(void *arg, const act_coord_result_t *r) {
  slot_t *s = arg;
  each_t *e = s->all;
  act_coord_claim_t *c = &e->v[s->i];
  c->status = r->status;
  c->owner = r->owner;
  c->epoch = r->epoch;
  c->takeover_ms = -1;
  if (--e->left) return;
  act_coord_result_t res = {.status = ACT_COORD_OK, .claims = e->v, .nclaims = e->n};
  if (e->cb) e->cb(e->arg, &res);
  free(e->v);
  free(e->slots);
  free(e);
}

void act_coord_claims(act_coord_t *c, const act_coord_claim_t *v, size_t n, act_coord_cb cb,
                      void *arg) {
  act_coord_result_t res = {.status = ACT_COORD_OK};
  if (n == 0 || n > ACT_COORD_CLAIMS_MAX) {
    if (n) res.status = ACT_COORD_ERROR, res.error = "coordination store: too many claims at once";
    if (cb) cb(arg, &res);
    return;
  }
  if (c->ops->claims) {
    c->ops->claims(c, v, n, cb, arg);
    return;
  }
  each_t *e = calloc(1, sizeof *e);
  if (e) e->v = malloc(n * sizeof *v), e->slots = malloc(n * sizeof *e->slots);
  if (e == NULL || e->v == NULL || e->slots == NULL) {
    if (e) free(e->v), free(e->slots);
    free(e);
    res.status = ACT_COORD_ERROR, res.error = "coordination store: out of memory";
    if (cb) cb(arg, &res);
    return;
  }
  memcpy(e->v, v, n * sizeof *v);
  e->n = e->left = n;
  e->cb = cb;
  e->arg = arg;
  for (size_t i = 0; i < n; i++) e->slots[i] = (slot_t){e, i};
  /* Answers may come at once (a failed store): e lives until the last. */
  for (size_t i = 0; i < n; i++)
    c->ops->claim(c, v[i].shard, v[i].for_.node, v[i].for_.incarnation, on_each, &e->slots[i]);
}

/* Keys travel as SQL parameters of bounded size in every backend. */
static int key_ok(const char *key, act_coord_cb cb, void *arg) {
  if (key && *key && strlen(key) <= ACT_ADDR_MAX) return 1;
  act_coord_result_t r = {.status = ACT_COORD_ERROR,
                          .error = "coordination store: a journal key must have 1..80 bytes"};
  if (cb) cb(arg, &r);
  return 0;
}
void act_coord_fence(act_coord_t *c, const char *key, uint64_t epoch, act_coord_cb cb, void *arg) {
  if (key_ok(key, cb, arg)) c->ops->fence(c, key, epoch, cb, arg);
}
void act_coord_append(act_coord_t *c, const char *key, uint64_t epoch, uint64_t seq,
                      const void *data, size_t len, act_coord_cb cb, void *arg) {
  if (key_ok(key, cb, arg)) c->ops->append(c, key, epoch, seq, data, len, cb, arg);
}
void act_coord_read(act_coord_t *c, const char *key, uint64_t after, act_coord_cb cb, void *arg) {
  if (key_ok(key, cb, arg)) c->ops->read(c, key, after, cb, arg);
}
