/* nodestore.c: a node's use of the coordination store (docs/cluster.md,
 * "The node and its store"). With --act-store the node opens the store on
 * its own loop, joins with its lease (lease.c) and keeps it; a node that
 * cannot renew in time is fenced and stops (fail-stop): its peers, and
 * supervisors that restart its children elsewhere, may already treat it
 * as gone, so it must not keep running what they replace. It also reads
 * the live members every lease / 3: a peer whose lease lapsed is reported
 * unreachable even while its heartbeats are still believed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "cluster/cluster_int.h"
#include "rt/rt.h"

struct act_nodestore {
  act_node_t *node;
  act_coord_t *store;
  act_lease_t *lease;
  uv_timer_t watch;
  int64_t lease_ms;
  int held, leaving, busy;
  char name[ACT_NAME_MAX + 1];
};

static void on_lease(void *arg, int event, const char *why) {
  act_nodestore_t *s = arg;
  if (s->leaving) return;   /* act_lease_stop fences a leaving node too */
  switch (event) {
  case ACT_LEASE_HELD:
    if (!s->held) act__logf("act: cluster: node %s joined the store (lease %lld ms)\n", s->name,
                            (long long)s->lease_ms);
    s->held = 1;
    break;
  case ACT_LEASE_FENCED:
    /* _exit, not exit: other threads are running actors, and nothing of
     * theirs may happen after the fence (atexit work included). */
    act__logf("act: cluster: node %s fenced: %s; stopping (fail-stop)\n", s->name, why);
    _exit(ACT_EXIT_FENCED);
  case ACT_LEASE_LOST:
    act__logf("act: cluster: node %s cannot join the store: %s (a previous incarnation's lease "
              "ends within %lld ms)\n",
              s->name, why, (long long)(s->lease_ms + ACT_COORD_MARGIN(s->lease_ms)));
    _exit(ACT_EXIT_FENCED);
  }
}

static void on_members(void *arg, const act_coord_result_t *r) {
  act_nodestore_t *s = arg;
  s->busy = 0;
  if (s->leaving || r->status != ACT_COORD_OK) return;   /* a failed read: the next one */
  act__node_store_members(s->node, r->members, r->nmembers);
}

static void on_watch(uv_timer_t *t) {
  act_nodestore_t *s = t->data;
  if (!s->held || s->busy || s->leaving) return;
  s->busy = 1;
  act_coord_members(s->store, on_members, s);
}

act_nodestore_t *act__nodestore_start(act_node_t *n, uv_loop_t *loop, const char *url,
                                      int64_t lease_ms, char *err, size_t cap) {
  act_nodestore_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  s->store = act_coord_open(loop, url, err, cap);
  if (s->store == NULL) {
    free(s);
    return NULL;
  }
  const act_hello_t *me = act__node_me(n, ACT_CONN_CONTROL);
  act_coord_member_t m = {.incarnation = me->incarnation};
  snprintf(m.node, sizeof m.node, "%s", me->node);
  snprintf(m.addr, sizeof m.addr, "%s", me->addr);
  snprintf(s->name, sizeof s->name, "%s", me->node);
  s->node = n;
  s->lease_ms = lease_ms;
  if (act_coord_on_fenced(on_lease, s) != 0 ||
      (s->lease = act_lease_start(loop, s->store, &m, lease_ms)) == NULL) {
    snprintf(err, cap, "cannot start the membership lease");
    act_coord_close(s->store);
    free(s);
    return NULL;
  }
  uv_timer_init(loop, &s->watch);
  s->watch.data = s;
  uint64_t every = (uint64_t)lease_ms / 3;
  uv_timer_start(&s->watch, on_watch, every, every ? every : 1);
  return s;
}

static void on_lease_gone(void *arg) {
  act_nodestore_t *s = arg;
  act_coord_close(s->store);
  free(s);
}

static void on_watch_closed(uv_handle_t *h) {
  act_nodestore_t *s = h->data;
  act_lease_stop(s->lease, on_lease_gone, s);
}

/* The clean leave: the row goes at once, so the name is free for the
 * node's next incarnation. A members read in flight is answered first
 * (the store runs its calls in order), before the store closes. */
void act__nodestore_leave(act_nodestore_t *s) {
  if (s == NULL || s->leaving) return;
  s->leaving = 1;
  uv_timer_stop(&s->watch);
  uv_close((uv_handle_t *)&s->watch, on_watch_closed);
}
