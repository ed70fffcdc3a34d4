/* store_node.c: the embedded coordination store — a dqlite node (Raft-
 * replicated SQLite) running inside a seed node, on dqlite's own thread.
 *
 * Seed i of the list runs the node with Raft id i + 1. Id 1 bootstraps a
 * one-voter cluster the first time its data directory is empty; every
 * other seed, once its node is up, asks the leader to add it and make it
 * a voter (skipped when the configuration already has it, as after a
 * restart). The join is done before start returns, on a private loop,
 * so a seed that cannot join fails at start-up with the reason instead of
 * running outside the quorum. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "act/cluster.h"
#include "cluster/dqlite_client.h"
#include "rt/rt.h"

#ifdef ACT_HAVE_DQLITE
#include <dqlite.h>

struct act_store_node {
  dqlite_node *node;
  /* The background join (join_timeout_ms < 0): its thread, and the flag
   * that ends it when the node stops first. */
  pthread_t joiner;
  int joining;
  atomic_int stop;
  uint64_t id;
  char addr[128], voters[1024];
};

/* ---- the join, driven on a private loop ---- */
typedef struct join {
  uv_loop_t loop;
  act_dq_t *dq;
  uint64_t id;
  const char *addr;
  int step, done, failed;
  char why[256];
} join_t;

static void next(join_t *j);

static void on_step(void *arg, const act_dq_res_t *r) {
  join_t *j = arg;
  if (!r->ok) {
    snprintf(j->why, sizeof j->why, "%s", r->error);
    j->failed = 1;
    return;
  }
  if (j->step == 0) {   /* the configuration: are we in it, and as what? */
    for (size_t i = 0; i < r->nrows; i++)
      if ((uint64_t)r->v[3 * i].i == j->id) j->step = r->v[3 * i + 2].i == 0 ? 3 : 2;
    if (j->step == 0) j->step = 1;
  } else {
    j->step++;
  }
  next(j);
}

static void next(join_t *j) {
  switch (j->step) {
  case 0: act__dq_cluster(j->dq, on_step, j); break;
  case 1: act__dq_add(j->dq, j->id, j->addr, on_step, j); break;
  case 2: act__dq_assign_voter(j->dq, j->id, on_step, j); break;
  default: j->done = 1; break;
  }
}

static int join_cluster(uint64_t id, const char *addr, const char *voters, int64_t timeout_ms,
                        atomic_int *stop, char *err, size_t cap) {
  join_t j = {.id = id, .addr = addr};
  uv_loop_init(&j.loop);
  j.dq = act__dq_open(&j.loop, voters, err, cap);
  if (j.dq == NULL) {
    uv_loop_close(&j.loop);
    return -1;
  }
  uint64_t until = uv_now(&j.loop) + (uint64_t)timeout_ms;
  /* A step that fails (no leader yet, a leader that changed) starts the
   * join over from the configuration, until the time is up. */
  while (!j.done && uv_now(&j.loop) < until && !(stop && atomic_load(stop))) {
    j.failed = 0;
    j.step = 0;
    next(&j);
    while (!j.done && !j.failed) uv_run(&j.loop, UV_RUN_ONCE);
    if (j.failed) {
      uv_sleep(100);
      uv_update_time(&j.loop);
    }
  }
  act__dq_close(j.dq);
  uv_run(&j.loop, UV_RUN_DEFAULT);
  uv_loop_close(&j.loop);
  if (!j.done) snprintf(err, cap, "the embedded store could not join its peers: %s", j.why);
  return j.done ? 0 : -1;
}

/* Seeds start in any order: one that finds no leader yet keeps asking,
 * for as long as it runs, and says when it is in. */
static void *join_later(void *arg) {
  act_store_node_t *s = arg;
  char err[256];
  if (join_cluster(s->id, s->addr, s->voters, INT64_MAX / 2, &s->stop, err, sizeof err) == 0)
    act__logf("act: cluster: the embedded store at %s joined its peers as voter %llu\n", s->addr,
              (unsigned long long)s->id);
  else if (!atomic_load(&s->stop))
    act__logf("act: cluster: %s\n", err);
  return NULL;
}

act_store_node_t *act_store_node_start(const act_store_node_config_t *cfg, char *err,
                                       size_t cap) {
  if (cfg->id == 0 || cfg->addr == NULL || cfg->dir == NULL) {
    snprintf(err, cap, "the embedded store needs an id, an address and a directory");
    return NULL;
  }
  if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, cap, "the embedded store's directory %s: %s", cfg->dir, strerror(errno));
    return NULL;
  }
  /* Raft writes to peers that may have died: with SIGPIPE at its default a
   * crashed peer would kill this node too (the runtime ignores it at start;
   * a program that embeds the store alone must as well). */
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  act_store_node_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  int rv = dqlite_node_create(cfg->id, cfg->addr, cfg->dir, &s->node);
  if (rv == 0) rv = dqlite_node_set_bind_address(s->node, cfg->bind ? cfg->bind : cfg->addr);
  if (rv == 0 && cfg->connect)
    rv = dqlite_node_set_connect_func(s->node, cfg->connect, cfg->connect_arg);
  if (rv == 0 && cfg->latency_ms > 0)
    rv = dqlite_node_set_network_latency_ms(s->node, (unsigned)cfg->latency_ms);
  if (rv == 0) rv = dqlite_node_start(s->node);
  if (rv != 0) {
    snprintf(err, cap, "the embedded store at %s: %s", cfg->addr,
             s->node ? dqlite_node_errmsg(s->node) : "cannot create the node");
    if (s->node) dqlite_node_destroy(s->node);
    free(s);
    return NULL;
  }
  if (cfg->id != 1 && cfg->join_timeout_ms < 0) {
    s->id = cfg->id;
    snprintf(s->addr, sizeof s->addr, "%s", cfg->addr);
    snprintf(s->voters, sizeof s->voters, "%s", cfg->voters ? cfg->voters : "");
    s->joining = pthread_create(&s->joiner, NULL, join_later, s) == 0;
    if (!s->joining) {
      snprintf(err, cap, "cannot start the embedded store's join");
      act_store_node_stop(s);
      return NULL;
    }
  } else if (cfg->id != 1 &&
             join_cluster(cfg->id, cfg->addr, cfg->voters,
                          cfg->join_timeout_ms > 0 ? cfg->join_timeout_ms : 10000, NULL, err,
                          cap) != 0) {
    act_store_node_stop(s);
    return NULL;
  }
  return s;
}

void act_store_node_stop(act_store_node_t *s) {
  if (s == NULL) return;
  if (s->joining) {
    atomic_store(&s->stop, 1);
    pthread_join(s->joiner, NULL);
  }
  dqlite_node_stop(s->node);
  dqlite_node_destroy(s->node);
  free(s);
}

int act_store_node_available(void) { return 1; }

#else /* built without libdqlite-dev: the embedded store says so */

act_store_node_t *act_store_node_start(const act_store_node_config_t *cfg, char *err,
                                       size_t cap) {
  (void)cfg;
  snprintf(err, cap, "this runtime was built without dqlite (libdqlite-dev): the embedded store "
                     "is not available; use --act-store postgres://...");
  return NULL;
}
void act_store_node_stop(act_store_node_t *s) { (void)s; }
int act_store_node_available(void) { return 0; }

#endif
