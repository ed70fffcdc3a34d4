/* rspawn.c: `spawn T(...) on n` and the supervision of the child (§10).
 *
 * The spawner picks the child's id and sends RK_SPAWN with the type's name
 * and its parameters, encoded by the type's parameter descriptor; the
 * reference (a proxy) is returned at once, and messages sent to it follow
 * the spawn on the same ordered connection. On the target node the
 * child's parent is the spawning node's own proxy (it is also listed
 * under a hidden local actor, "remote", which stops it on SIGTERM), and
 * that node watches it.
 *
 * A fault there does not end it: as a local child waits for its
 * supervisor (§8: "a restart keeps the actor's reference and its queued
 * messages"), it is held on its node, its mailbox kept and still taking
 * mail, and RK_FAILED tells the supervisor's node, which decides —
 * RK_RESTART (it starts again in place: the same id, so every reference
 * to it on any node stays good, and its mail runs in order), or, to end
 * it (escalation, no supervisor), RK_STOP with its fault's reason, which
 * its watchers on every node get. A temporary child simply ends
 * there, and its Down comes back. A child lost with its node failed with
 * "unreachable"; a permanent one is then restarted on the supervisor's
 * node, and its proxy forwards to the new local actor (mail in flight to
 * the lost node is lost with it). One that ended on its node for another
 * reason (its Down came) is spawned again there under a new id.
 *
 * Group restarts (one_for_all, rest_for_one) include remote children: the
 * supervisor's plan (supervise/plan.c) sends each child CTL_HOLD, then
 * CTL_RESTART, and waits for each answer. A remote child gets RK_HOLD: it
 * stops on its node as a local one does (its `on stop` runs) and is held
 * there with its mail; RK_HELD answers the plan, and RESTART becomes
 * RK_RESTART (on the supervisor's node if its node was lost meanwhile).
 * A remote child that fails under such a supervisor is reported to the
 * supervisor as a failed child (CTL_CHILD_FAILED), which restarts its
 * group. A child already moved to the supervisor's node is restarted
 * alone. */
#include <stdio.h>
#include <string.h>

#include "actor/actor.h"
#include "cluster/idmap.h"
#include "cluster/lang_int.h"
#include "cluster/remote.h"
#include "supervise/supervise.h"

/* ---- the target's side ----------------------------------------------------- */

static act_status_t guest_start(act_ctx_t *cx, act_actor_t *self) {
  (void)cx, (void)self;
  return ACT_DONE;
}
static act_status_t guest_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)cx, (void)self, (void)m;
  return ACT_UNHANDLED;
}
static const act_actor_type_t guest_type = {
    .name = "remote",
    .size = sizeof(act_actor_t),
    .start = guest_start,
    .dispatch = guest_dispatch,
    .strategy = ACT_ONE_FOR_ONE,
};
static act_actor_t *_Atomic guests;   /* made on the loop thread, read by the signal thread */

static act_actor_t *guest_parent(void) {
  act_actor_t *g = atomic_load(&guests);
  if (g == NULL) {   /* only the loop thread makes it */
    g = act_spawn_alloc(NULL, &guest_type);
    act_spawn_start(NULL, g, ACT_RESTART_PERMANENT);
    atomic_store(&guests, g);
  }
  return g;
}

void act__remote_stop_guests(void) {
  act_actor_t *g = atomic_load(&guests);
  if (g) act_stop(NULL, g);
}

static void spawn_failed(const char *from, act_aid_t id, const char *why) {
  act__logf("act: cluster: node %s asked for a spawn that failed: %s\n", from, why);
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_DOWN);
  act__put_aid(&b, id);
  act__put_cstr(&b, why);
  act__send_env(from, &b);
}

void act__on_spawn(const char *from, act_reader_t *r) {
  act_aid_t id;
  act_str_t *name;
  uint8_t temporary;
  if (!act__get_aid(r, &id) || !act__get_u8(r, &temporary) || !act__get_str(r, &name)) {
    act__log_drop(from, "a spawn", r->err);
    return;
  }
  const act_remote_actor_t *t = act__actor_by_name(name->data, (size_t)name->len);
  if (t == NULL) {
    spawn_failed(from, id, "no such actor type in this program");
    return;
  }
  act_actor_t *a = act_spawn_alloc(NULL, t->type);
  if (!act__wire_decode(r, t->params, a) || r->p != r->end) {
    spawn_failed(from, id, "its parameters could not be decoded");
    return;
  }
  /* Its parent is the spawning node, where its supervisor lives: a fault
   * holds it for that node's decision (act__remote_child_fault). The
   * guest lists it too, to stop it with this node. */
  act_proxy_t *sup = act__node_proxy(from, act_cluster_incarnation(from));
  a->parent = &sup->base;
  act__export_as(a, id);
  act_ctx_t as_node = {.self = &sup->base};
  act_monitor(&as_node, a);
  act_actor_t *g = guest_parent();
  act_rt_t *grt = act__rt(g);
  pthread_mutex_lock(&grt->lock);
  if (grt->nchildren == grt->capchildren) {   /* the ended ones go first: it lives long */
    int k = 0;
    for (int i = 0; i < grt->nchildren; i++)
      if (!(grt->children[i]->flags & AF_DEAD)) grt->children[k++] = grt->children[i];
    grt->nchildren = k;
  }
  act__push_actor(&grt->children, &grt->nchildren, &grt->capchildren, a);
  pthread_mutex_unlock(&grt->lock);
  act_spawn_start(NULL, a, temporary ? ACT_RESTART_TEMPORARY : ACT_RESTART_PERMANENT);
}

/* Fault reasons of held children, until RK_FAILED carries them: (actor,
 * 0) -> act_str_t, under act__lang_mu. */
static act_idmap_t fault_reasons;

int act__remote_child_fault(act_ctx_t *cx, act_actor_t *a, act_str_t *reason) {
  act_actor_t *sup = a->parent;
  if (sup == NULL || !(sup->flags & AF_REMOTE) || act__proxy(sup)->id.serial != 0) return 0;
  char path[512];
  act__logf("act: %s failed: %s; held for its supervisor on node %s\n",
            act__path(a, path, sizeof path), reason->data, act__proxy(sup)->node->data);
  pthread_mutex_lock(&act__lang_mu);
  act__idmap_put(&fault_reasons, (uint64_t)(uintptr_t)a, 0, reason);
  pthread_mutex_unlock(&act__lang_mu);
  /* Its own children stop, then it is held and CTL_CHILD_FAILED reaches
   * the node's proxy (act__guest_report), as it reaches a local parent. */
  act__wind(cx, a, WIND_FAILED, 0);
  return 1;
}

static void send_aid(const char *node, int kind, act_aid_t id, act_str_t *reason) {
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, (uint8_t)kind);
  act__put_aid(&b, id);
  if (reason) act_encode(&b, &act_type_string, &reason);
  act__send_env(node, &b);
}

void act__guest_report(act_proxy_t *node, act_ctl_t *c) {
  act_actor_t *a = c->h.sender;
  if (a == NULL || (a->flags & AF_REMOTE)) return;
  if (c->kind == CTL_CHILD_FAILED) {
    pthread_mutex_lock(&act__lang_mu);
    act_str_t *why = act__idmap_del(&fault_reasons, (uint64_t)(uintptr_t)a, 0);
    pthread_mutex_unlock(&act__lang_mu);
    send_aid(node->node->data, RK_FAILED, act__export(a), why ? why : act_str_from_cstr("failed"));
  } else if (c->kind == CTL_PLAN_ACK) {   /* RK_HOLD done: stopped and held */
    send_aid(node->node->data, RK_HELD, act__export(a), NULL);
  }
}

void act__guests_node_down(const char *node) {
  act_actor_t *g = atomic_load(&guests);
  if (g == NULL) return;
  act_str_t *name = act__node_value(node);
  act_rt_t *rt = act__rt(g);
  pthread_mutex_lock(&rt->lock);
  int n = rt->nchildren;
  act_actor_t **kids = act_alloc(sizeof *kids * (size_t)(n ? n : 1));
  if (n) memcpy(kids, rt->children, sizeof *kids * (size_t)n);
  pthread_mutex_unlock(&rt->lock);
  /* Nobody is left to decide for a child held for that node: it ends. */
  for (int i = 0; i < n; i++) {
    act_actor_t *a = kids[i], *sup = a ? a->parent : NULL;
    uint32_t f = a ? atomic_load(&a->flags) : 0;
    if (sup && (sup->flags & AF_REMOTE) && act__proxy(sup)->node == name && (f & AF_HELD) &&
        !(f & AF_DEAD))
      act_stop(NULL, a);
  }
}

/* ---- the spawner's side ---------------------------------------------------- */

static void revive(act_proxy_t *p) {
  act__rt(&p->base)->end_reason = NULL;
  atomic_fetch_and(&p->base.flags, ~(uint32_t)AF_DEAD);
}

static void send_spawn(act_proxy_t *p) {
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_SPAWN);
  act__put_aid(&b, p->id);
  /* Without a supervisor nobody decides: it ends where it faults. */
  act__put_u8(&b, p->restart == ACT_RESTART_TEMPORARY || p->base.parent == NULL);
  act__put_cstr(&b, p->spawn_type->type->name);
  act_buf_put(&b, (const char *)p->params, (int64_t)p->nparams);
  if (act__send_env(p->node->data, &b) != 0) act__proxy_ended(p, act__unreachable(), 1);
}

/* Start it again on its node: in place if it waits held there (the same
 * id, its mail kept), else (it ended there) as a new actor, a new id. */
static void respawn(act_proxy_t *p) {
  pthread_mutex_lock(&act__lang_mu);
  int waiting = p->waiting;
  p->waiting = 0;
  pthread_mutex_unlock(&act__lang_mu);
  if (waiting) {
    send_aid(p->node->data, RK_RESTART, p->id, NULL);
    return;
  }
  act__proxy_rekey(p, act__fresh_aid());
  revive(p);
  send_spawn(p);
}

static void copy_params(const act_remote_actor_t *t, act_actor_t *to, const act_actor_t *from) {
  for (uint32_t i = 0; i < t->params->nfields; i++) {
    const act_field_t *f = &t->params->fields[i];
    memcpy((char *)to + f->offset, (const char *)from + f->offset, f->type->size);
  }
}

static int is_node(const act_str_t *node, const char *name) {
  return name && strcmp(node->data, name) == 0;
}

act_actor_t *act_spawn_on(act_ctx_t *cx, void *node, const act_remote_actor_t *t,
                          const act_actor_t *tmpl, int restart, const act_loc_t *loc) {
  act__vgate_check(cx);   /* a virtual activation's spawn: under its lease (rt.h) */
  act_str_t *n = node;
  const char *me = act_cluster_self(NULL);
  if (me == NULL || is_node(n, me)) {   /* here: an ordinary spawn */
    act_actor_t *a = act_spawn_alloc(cx, t->type);
    copy_params(t, a, tmpl);
    act_spawn_start(cx, a, restart);
    return a;
  }
  act_buf_t pb;
  act_buf_init(&pb);
  const char *what = NULL;
  if (!act__wire_encode(&pb, t->params, tmpl, &what))
    act_faultf(cx, loc, "spawn %s on %s: its parameters hold %s: not sendable to another node",
               t->type->name, n->data, what);
  act_proxy_t *p =
      act__proxy_get(n->data, act_cluster_incarnation(n->data), act__fresh_aid(), t->type->name);
  p->spawn_type = t;
  p->params = act_alloc_atomic(pb.len ? (size_t)pb.len : 1);
  memcpy(p->params, pb.p, (size_t)pb.len);
  p->nparams = (size_t)pb.len;
  p->restart = restart;
  act_actor_t *sup = cx ? cx->self : NULL;
  if (sup) {   /* a child like any other: it stops when its supervisor does */
    p->base.parent = sup;
    act_rt_t *rt = act__rt(sup);
    pthread_mutex_lock(&rt->lock);
    act__push_actor(&rt->children, &rt->nchildren, &rt->capchildren, &p->base);
    pthread_mutex_unlock(&rt->lock);
  }
  if (p->base.flags & AF_DEAD) {   /* its node is not reachable: lost at once */
    revive(p);
    act__proxy_ended(p, act__unreachable(), 1);
  } else {
    send_spawn(p);
  }
  return &p->base;
}

/* The supervisor's node takes a child whose node is gone (§10). */
static int restart_here(act_proxy_t *p, const char *path) {
  act_actor_t *a = act_spawn_alloc(NULL, p->spawn_type->type);
  act_reader_t r = act_reader(p->params, p->nparams);
  if (!act__wire_decode(&r, p->spawn_type->params, a)) {   /* what we encoded ourselves */
    act__logf("act: %s: its parameters no longer decode; not restarted\n", path);
    return 0;
  }
  a->parent = p->base.parent;
  pthread_mutex_lock(&act__lang_mu);
  p->local = a;
  pthread_mutex_unlock(&act__lang_mu);
  revive(p);
  act_spawn_start(NULL, a, ACT_RESTART_PERMANENT);
  return 1;
}

int act__child_ended(act_proxy_t *p, act_str_t *reason, int lost) {
  act_actor_t *sup = p->base.parent;
  if (sup->flags & AF_DEAD) return 0;
  char path[512];
  act__path(&p->base, path, sizeof path);
  if (p->restart == ACT_RESTART_TEMPORARY) {
    act__logf("act: %s on node %s failed and is not restarted (temporary): %s\n", path,
              p->node->data, reason->data);
    return 0;
  }
  if (!act__may_restart(sup)) {
    /* It ends with its fault's reason: dead before the escalation, or the
     * supervisor's own end could stop it first, as a normal stop (an
     * RK_STOP without the reason, then Down "normal" on its node). */
    act__proxy_dead(p, reason);
    char buf[1024];
    snprintf(buf, sizeof buf, "too many restarts of %s: %s", path, reason->data);
    act_ctl_t *e = act__ctl_new(CTL_ESCALATE);
    e->reason = act_str_from_cstr(buf);
    act__enqueue(NULL, sup, &e->h);
    return 0;
  }
  lost = lost || act_cluster_incarnation(p->node->data) != p->inc;
  if (sup->type->strategy != ACT_ONE_FOR_ONE) {
    /* Its group restarts with it: held (not dead, so the plan restarts
     * it too) until the supervisor's CTL_RESTART. */
    act__logf("act: %s on node %s failed: %s; its supervisor restarts its group\n", path,
              p->node->data, reason->data);
    pthread_mutex_lock(&act__lang_mu);
    p->lost = lost;
    pthread_mutex_unlock(&act__lang_mu);
    atomic_fetch_or(&p->base.flags, AF_HELD);
    act__ctl_send(NULL, sup, CTL_CHILD_FAILED, &p->base, 0);
    return 1;
  }
  if (!lost) {
    act__logf("act: restarting %s on node %s after fault: %s\n", path, p->node->data, reason->data);
    respawn(p);
    return 1;
  }
  /* Its node is gone: the supervisor's node takes it (§10). */
  act__logf("act: restarting %s on this node after fault: %s (node %s)\n", path, reason->data,
            p->node->data);
  return restart_here(p, path);
}

int act__child_held(act_proxy_t *p, act_str_t *reason, int lost) {
  (void)reason;
  pthread_mutex_lock(&act__lang_mu);
  int holding = p->holding;
  act_actor_t *req = p->hold_req;
  uint32_t token = p->hold_token;
  p->holding = 0;
  p->hold_req = NULL;
  if (holding) p->lost = lost || act_cluster_incarnation(p->node->data) != p->inc;
  pthread_mutex_unlock(&act__lang_mu);
  if (!holding) return 0;
  if (p->restart == ACT_RESTART_TEMPORARY) {   /* OTP: not restarted with its group */
    act__proxy_dead(p, act__normal());
    act__notify_down(&p->base, act__normal());
  } else {
    atomic_fetch_or(&p->base.flags, AF_HELD);
  }
  act__plan_ack(NULL, req, &p->base, token);
  return 1;
}

/* CTL_HOLD from a group restart: stop it on its node; the plan is
 * answered when its Down comes (act__child_held). 0: answer now (it is
 * dead, held already, or lives on this node). */
static int group_hold(act_proxy_t *p, act_actor_t *sup, uint32_t token) {
  pthread_mutex_lock(&act__lang_mu);
  uint32_t f = atomic_load(&p->base.flags);
  int now = (f & (AF_DEAD | AF_HELD)) || p->local || p->holding || p->id.serial == 0;
  if (!now) {
    p->holding = 1;
    p->hold_req = sup;
    p->hold_token = token;
  }
  pthread_mutex_unlock(&act__lang_mu);
  if (now) return 0;
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_HOLD);
  act__put_aid(&b, p->id);
  if (act__send_env(p->node->data, &b) != 0) act__proxy_ended(p, act__unreachable(), 1);
  return 1;
}

/* CTL_RESTART from a group restart: a held child starts again on its
 * node, or here if that node was lost. */
static void group_restart(act_proxy_t *p) {
  pthread_mutex_lock(&act__lang_mu);
  int held = (atomic_load(&p->base.flags) & AF_HELD) && !p->local;
  int lost = p->lost || act_cluster_incarnation(p->node->data) != p->inc;
  pthread_mutex_unlock(&act__lang_mu);
  if (!held) return;
  atomic_fetch_and(&p->base.flags, ~(uint32_t)AF_HELD);
  char path[512];
  act__path(&p->base, path, sizeof path);
  if (!lost) {
    respawn(p);
  } else {
    act__logf("act: restarting %s on this node (node %s was lost)\n", path, p->node->data);
    if (!restart_here(p, path)) {
      act__proxy_dead(p, act__unreachable());
      act__notify_down(&p->base, act__unreachable());
    }
  }
}

/* Control messages a supervisor sends its remote child (and those a
 * child held here reports to its supervisor's node). */
void act__remote_ctl(act_ctx_t *cx, act_actor_t *to, act_msg_t *m) {
  act_ctl_t *c = (act_ctl_t *)m;
  act_proxy_t *p = act__proxy(to);
  if (p->id.serial == 0) {
    act__guest_report(p, c);
    return;
  }
  if (c->kind == CTL_HOLD || c->kind == CTL_RESTART) {
    /* group restarts (see above); a HOLD is answered when it stopped */
    if (c->kind == CTL_HOLD && m->sender && p->spawn_type && group_hold(p, m->sender, c->token))
      return;
    if (c->kind == CTL_RESTART && p->spawn_type) group_restart(p);
    if (m->sender) act__plan_ack(cx, m->sender, to, c->token);
    return;
  }
  if (c->kind != CTL_STOP) return;
  if (atomic_load(&to->flags) & AF_HELD) {   /* stopped already, for its group's restart */
    atomic_fetch_and(&to->flags, ~(uint32_t)AF_HELD);
    pthread_mutex_lock(&act__lang_mu);
    int waiting = p->waiting;
    p->waiting = 0;
    pthread_mutex_unlock(&act__lang_mu);
    if (waiting) send_aid(p->node->data, RK_STOP, p->id, NULL);   /* held there: it ends */
    act__proxy_dead(p, act__normal());
    act__notify_down(to, act__normal());
    if (m->sender) act__ctl_send(cx, m->sender, CTL_CHILD_DONE, NULL, 0);
    return;
  }
  pthread_mutex_lock(&act__lang_mu);
  int here = p->local != NULL, dead = (to->flags & AF_DEAD) != 0;
  if (!here && !dead) {
    p->stopping = 1;
    p->stop_req = m->sender;
  }
  pthread_mutex_unlock(&act__lang_mu);
  if (here || dead) {
    /* a restarted child is a local child of its own, stopped as one */
    if (here) act__proxy_dead(p, act__normal());
    if (m->sender) act__ctl_send(cx, m->sender, CTL_CHILD_DONE, NULL, 0);
    return;
  }
  if (p->id.serial == 0) return;
  act_buf_t b;
  act__env_begin(&b);
  act__put_u8(&b, RK_STOP);
  act__put_aid(&b, p->id);
  if (act__send_env(p->node->data, &b) != 0) act__proxy_ended(p, act__unreachable(), 1);
}

/* ---- a child held on its node ------------------------------------------------ */

/* RK_FAILED on the supervisor's node: the child faulted and waits held. */
static void child_failed(act_proxy_t *p, act_str_t *reason) {
  pthread_mutex_lock(&act__lang_mu);
  int gone = (p->base.flags & AF_DEAD) || p->local != NULL;
  int holding = p->holding, stopping = p->stopping;
  if (!gone) p->waiting = 1;
  pthread_mutex_unlock(&act__lang_mu);
  if (gone) {   /* nobody here wants it any more */
    send_aid(p->node->data, RK_STOP, p->id, NULL);
    return;
  }
  if (holding) {   /* a group restart wanted it stopped: held is as good */
    act__child_held(p, reason, 0);
    return;
  }
  if (stopping) return;   /* RK_STOP is on its way: its Down ends it */
  if (p->base.parent && p->spawn_type && act__child_ended(p, reason, 0)) return;
  /* It ends with its fault's reason, here and there (held, by RK_STOP):
   * its watchers on other nodes hear of it from its node (§8: "normal"
   * only for a normal stop). */
  pthread_mutex_lock(&act__lang_mu);
  p->waiting = 0;
  pthread_mutex_unlock(&act__lang_mu);
  send_aid(p->node->data, RK_STOP, p->id, reason);
  act__proxy_dead(p, reason);
  act__notify_down(&p->base, reason);
}

void act__on_stop(const char *from, act_reader_t *r) {
  act_aid_t id;
  act_str_t *why = NULL;
  if (!act__get_aid(r, &id) || (r->p != r->end && !act__get_str(r, &why))) {
    act__log_drop(from, "a stop", r->err);
    return;
  }
  act_actor_t *a = act__exported(id);
  if (a == NULL) return;
  if (why == NULL || (a->flags & (AF_DEAD | AF_REMOTE | AF_VIRTUAL))) {
    act_stop(NULL, a);
    return;
  }
  /* Its supervisor's node ended it after its fault: held here, it ends
   * with that reason (act__graceful_stop_why). */
  act_ctl_t *c = act__ctl_new(CTL_STOP);
  c->reason = why;
  act__enqueue(NULL, a, &c->h);
}

void act__on_child(const char *from, int kind, act_reader_t *r) {
  act_aid_t id;
  act_str_t *reason = NULL;
  if (!act__get_aid(r, &id) || (kind == RK_FAILED && !act__get_str(r, &reason))) {
    act__log_drop(from, "a supervision message", r->err);
    return;
  }
  if (kind == RK_RESTART || kind == RK_HOLD) {   /* to the child, on its node */
    act_actor_t *a = act__exported(id);
    if (a == NULL || (a->flags & (AF_DEAD | AF_REMOTE))) return;
    if (kind == RK_RESTART) {
      if (atomic_load(&a->flags) & AF_HELD) act__ctl_send(NULL, a, CTL_RESTART, NULL, 0);
    } else {   /* answered by CTL_PLAN_ACK to the node's proxy: RK_HELD */
      act_proxy_t *node = act__node_proxy(from, act_cluster_incarnation(from));
      act__ctl_send(NULL, a, CTL_HOLD, &node->base, 0);
    }
    return;
  }
  act_proxy_t *p = act__proxy_of(id);   /* to its supervisor's node */
  if (p == NULL || strcmp(p->node->data, from) != 0) return;
  if (kind == RK_FAILED) {
    child_failed(p, reason);
    return;
  }
  pthread_mutex_lock(&act__lang_mu);   /* RK_HELD */
  int gone = (p->base.flags & AF_DEAD) || p->local != NULL;
  if (!gone && p->holding) p->waiting = 1;
  pthread_mutex_unlock(&act__lang_mu);
  act__child_held(p, act__normal(), 0);
}
