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
#include "cluster/cluster_int.h"
#include "cluster/dqlite_client.h"
#include "rt/rt.h"

#ifdef ACT_HAVE_DQLITE
#include <dqlite.h>

struct act_store_node {
  dqlite_node *node;
  /* The background join (join_timeout_ms < 0): its thread, and the flag
   * that ends it when the node stops first. joining (under joiners_mu):
   * the thread is still to be joined. */
  pthread_t joiner;
  int joining;
  atomic_int stop;
  uint64_t id;
  char addr[128], voters[1024];
};

/* A join that ends by itself detaches its thread, for nobody may ever join
 * it: a fenced node _exits without stopping its store (TSan reported the
 * finished, unjoined thread as a leak). One still trying when the node
 * stops is joined. The lock, static so that it outlives the node, decides
 * which of the two happens. */
static pthread_mutex_t joiners_mu = PTHREAD_MUTEX_INITIALIZER;

static void end_join(act_store_node_t *s) {
  pthread_mutex_lock(&joiners_mu);
  atomic_store(&s->stop, 1);
  int joinable = s->joining;
  s->joining = 0;
  pthread_mutex_unlock(&joiners_mu);
  if (joinable) pthread_join(s->joiner, NULL);
}

/* ---- requests to the store's leader, driven on a private loop ----
 * A walk issues one request per step (next) and reads its answer (took);
 * a step that fails (no leader yet, a leader that changed, a connection
 * lost) starts the walk over from step 0, until it is done or the time
 * is up. The join, the leave and the probe are walks. */
typedef struct walk {
  uv_loop_t loop;
  act_dq_t *dq;
  int step, done, failed;
  void (*next)(struct walk *w);
  void (*took)(struct walk *w, const act_dq_res_t *r);
  uint64_t id;             /* join, leave: this node's id */
  const char *addr;        /* ... and address */
  uint64_t to;             /* leave: the voter that takes over the lead */
  int removed;             /* leave: the configuration no longer has this node */
  int answered;            /* a server answered `who leads` (act__dq_answered) */
  int until_answer;        /* probe_one: done once it answered at all */
  int members;             /* probe_one: how many members it knew, without a leader */
  char why[256];
} walk_t;

static void on_step(void *arg, const act_dq_res_t *r) {
  walk_t *w = arg;
  if (!r->ok) {
    snprintf(w->why, sizeof w->why, "%s", r->error);
    w->failed = 1;
    return;
  }
  w->took(w, r);
  if (!w->done) w->next(w);
}

/* Raft writes to peers that may have died, and a walk's client writes
 * into the store's tunnel, which closes when a peer cannot be reached:
 * with SIGPIPE at its default either would end the process (the walks of
 * the bootstrap rule run while the runtime starts, before act_main
 * ignores it; a program that embeds the store alone must ignore it too). */
static void quiet_sigpipe(void) {
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
}

static int walk(walk_t *w, const char *servers, int64_t timeout_ms, atomic_int *stop, char *err,
                size_t cap) {
  quiet_sigpipe();
  uv_loop_init(&w->loop);
  w->dq = act__dq_open(&w->loop, servers, err, cap);
  if (w->dq == NULL) {
    uv_loop_close(&w->loop);
    return -1;
  }
  if (w->until_answer) act__dq_want_members(w->dq);
  uint64_t until = uv_now(&w->loop) + (uint64_t)timeout_ms;
  while (!w->done && uv_now(&w->loop) < until && !(stop && atomic_load(stop)) &&
         !(w->until_answer && act__dq_answered(w->dq))) {
    w->failed = 0;
    w->step = 0;
    w->next(w);
    while (!w->done && !w->failed && uv_now(&w->loop) < until &&
           !(w->until_answer && act__dq_answered(w->dq)))
      uv_run(&w->loop, UV_RUN_ONCE);
    if (w->failed) {
      uv_sleep(100);
      uv_update_time(&w->loop);
    }
  }
  w->answered = act__dq_answered(w->dq);
  w->members = act__dq_members(w->dq);
  act__dq_close(w->dq);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  uv_loop_close(&w->loop);
  return w->done ? 0 : -1;
}

/* The join: is this node in the configuration, and as what? Then add it
 * and make it a voter, as needed. */
static void join_took(walk_t *w, const act_dq_res_t *r) {
  if (w->step == 0) {
    for (size_t i = 0; i < r->nrows; i++)
      if ((uint64_t)r->v[3 * i].i == w->id) w->step = r->v[3 * i + 2].i == 0 ? 3 : 2;
    if (w->step == 0) w->step = 1;
  } else {
    w->step++;
  }
}

static void join_next(walk_t *w) {
  switch (w->step) {
  case 0: act__dq_cluster(w->dq, on_step, w); break;
  case 1: act__dq_add(w->dq, w->id, w->addr, on_step, w); break;
  case 2: act__dq_assign_voter(w->dq, w->id, on_step, w); break;
  default: w->done = 1; break;
  }
}

static int join_cluster(uint64_t id, const char *addr, const char *voters, int64_t timeout_ms,
                        atomic_int *stop, char *err, size_t cap) {
  walk_t w = {.id = id, .addr = addr, .next = join_next, .took = join_took};
  err[0] = 0;
  if (walk(&w, voters, timeout_ms, stop, err, cap) == 0) return 0;
  if (err[0] == 0)   /* not a bad server list: the store said why, or nothing in time */
    snprintf(err, cap, "the embedded store could not join its peers: %s",
             w.why[0] ? w.why : "no answer in time");
  return -1;
}

/* The probe: does any of these stores have a leader (and so a
 * configuration)? */
static void probe_took(walk_t *w, const act_dq_res_t *r) {
  (void)r;
  w->done = 1;
}
static void probe_next(walk_t *w) { act__dq_cluster(w->dq, on_step, w); }

int act__store_probe(const char *servers, int64_t timeout_ms) {
  char err[256];
  walk_t w = {.next = probe_next, .took = probe_took};
  return walk(&w, servers, timeout_ms, NULL, err, sizeof err) == 0;
}
/* Does this one store answer at all (a leader or "nobody yet"), and
 * without a leader, has it belonged to a store? */
int act__store_probe_one(const char *server, int64_t timeout_ms, int *answered, int *members) {
  char err[256];
  walk_t w = {.next = probe_next, .took = probe_took, .until_answer = 1};
  int led = walk(&w, server, timeout_ms, NULL, err, sizeof err) == 0;
  *answered = led || w.answered;
  *members = led ? -1 : w.members;
  return led;
}

/* The leave: where is this node in the configuration? If it is the only
 * voter there is nobody to hand the store to: it keeps it. If it leads,
 * the lead goes to another voter first (a removal the leader makes of
 * itself would leave the store without a leader until an election);
 * then the leader removes it. A failed step (the old leader answers "not
 * leader" after the transfer) starts over from the configuration, which
 * also tells whether a removal whose answer was lost went through. */
static void leave_took(walk_t *w, const act_dq_res_t *r) {
  if (w->step != 0) {
    w->step = w->step == 1 ? 2 : 3;
    if (w->step == 3) w->removed = w->done = 1;
    return;
  }
  int here = 0;
  w->to = 0;
  for (size_t i = 0; i < r->nrows; i++) {
    uint64_t id = (uint64_t)r->v[3 * i].i;
    if (id == w->id) here = 1;
    else if (r->v[3 * i + 2].i == 0 && w->to == 0) w->to = id;   /* another voter */
  }
  if (!here) {
    w->removed = w->done = 1;
    return;
  }
  if (w->to == 0) {
    snprintf(w->why, sizeof w->why, "it is the store's last voter");
    w->done = 1;
    return;
  }
  const char *leader = act__dq_leader(w->dq);
  w->step = leader && strcmp(leader, w->addr) == 0 ? 1 : 2;
}

static void leave_next(walk_t *w) {
  switch (w->step) {
  case 0: act__dq_cluster(w->dq, on_step, w); break;
  case 1: act__dq_transfer(w->dq, w->to, on_step, w); break;
  default: act__dq_remove(w->dq, w->id, on_step, w); break;
  }
}

int act__store_node_leave(act_store_node_t *s, int64_t timeout_ms, char *why, size_t cap) {
  if (s == NULL) return 0;
  end_join(s);   /* a join still trying ends first */
  walk_t w = {.id = s->id, .addr = s->addr, .next = leave_next, .took = leave_took};
  why[0] = 0;
  int ok = walk(&w, s->voters, timeout_ms, NULL, why, cap) == 0 && w.removed;
  if (!ok && why[0] == 0)
    snprintf(why, cap, "%s", w.why[0] ? w.why : "no answer in time");
  act_store_node_stop(s);
  return ok;
}

/* Seeds start in any order: one that finds no leader yet keeps asking,
 * for as long as it runs, and says when it is in. */
static void *join_later(void *arg) {
  act_store_node_t *s = arg;
  char err[256];
  if (join_cluster(s->id, s->addr, s->voters, INT64_MAX / 2, &s->stop, err, sizeof err) == 0)
    act__logf("act: cluster: the embedded store at %s joined its peers as a voter (id %llu)\n",
              s->addr, (unsigned long long)s->id);
  else if (!atomic_load(&s->stop))
    act__logf("act: cluster: %s\n", err);
  pthread_mutex_lock(&joiners_mu);
  if (s->joining) {   /* nobody stops the node yet: nobody will join this */
    s->joining = 0;
    pthread_detach(pthread_self());
  }
  pthread_mutex_unlock(&joiners_mu);   /* s may be freed from here on */
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
  quiet_sigpipe();
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
  s->id = cfg->id;
  snprintf(s->addr, sizeof s->addr, "%s", cfg->addr);
  snprintf(s->voters, sizeof s->voters, "%s", cfg->voters ? cfg->voters : cfg->addr);
  if (cfg->id != 1 && cfg->join_timeout_ms < 0) {
    pthread_mutex_lock(&joiners_mu);   /* before the thread can end */
    int started = pthread_create(&s->joiner, NULL, join_later, s) == 0;
    s->joining = started;
    pthread_mutex_unlock(&joiners_mu);
    if (!started) {
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
  end_join(s);
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
int act__store_probe(const char *servers, int64_t timeout_ms) {
  (void)servers, (void)timeout_ms;
  return 0;
}
int act__store_probe_one(const char *server, int64_t timeout_ms, int *answered, int *members) {
  (void)server, (void)timeout_ms;
  *answered = 0;
  *members = -1;
  return 0;
}
int act__store_node_leave(act_store_node_t *s, int64_t timeout_ms, char *why, size_t cap) {
  (void)s, (void)timeout_ms;
  snprintf(why, cap, "built without dqlite");
  return 0;
}

#endif
