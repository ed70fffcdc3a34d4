/* registry.c: names for actors (register, Type@"name"; LANGUAGE.md §10). */
#define GC_THREADS
#include <gc/gc.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/cluster.h"
#include "cluster/remote.h"
#include "rt/rt.h"

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;

static act_str_t **reg_names;

static act_actor_t **reg_actors;

static int nreg, capreg;

/* §10: a name is held until its actor is gone; taking a held name fails
 * (false), as erlang:register does, instead of stealing it. Registering
 * the holder again under the same name succeeds. An entry whose actor
 * died is free even before act__unregister() removed it (the two race). */
static void forget(act_str_t *name, act_actor_t *a) {
  pthread_mutex_lock(&reg_mu);
  for (int i = nreg - 1; i >= 0; i--)
    if (reg_actors[i] == a && act_str_eq(reg_names[i], name)) {
      reg_names[i] = reg_names[nreg - 1];
      reg_actors[i] = reg_actors[nreg - 1];
      nreg--;
    }
  pthread_mutex_unlock(&reg_mu);
}

/* On a node the name must also be free on every other node: the local
 * entry is made first (so a peer asking meanwhile finds it taken), then
 * the peers are asked (cluster/rname.c), and a refusal undoes it. */
static bool claim(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  if (!act_cluster_running() || act__remote_register(cx, a, name)) return true;
  forget(name, a);
  return false;
}

static bool register_now(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  if (a == NULL || (a->flags & AF_DEAD)) return false;
  act__rt(a)->registered = name;   /* before it is visible: see act__unregister */
  pthread_mutex_lock(&reg_mu);
  for (int i = 0; i < nreg; i++)
    if (act_str_eq(reg_names[i], name)) {
      int again = reg_actors[i] == a, ok = again || (reg_actors[i]->flags & AF_DEAD);
      if (ok) reg_actors[i] = a;
      pthread_mutex_unlock(&reg_mu);
      return ok && (again || claim(cx, a, name));
    }
  if (nreg == capreg) {
    capreg = capreg ? capreg * 2 : 16;
    act_str_t **n = GC_MALLOC_UNCOLLECTABLE(sizeof *n * (size_t)capreg);
    act_actor_t **v = GC_MALLOC_UNCOLLECTABLE(sizeof *v * (size_t)capreg);
    if (nreg) { memcpy(n, reg_names, sizeof *n * (size_t)nreg); memcpy(v, reg_actors, sizeof *v * (size_t)nreg); }
    GC_FREE(reg_names);
    GC_FREE(reg_actors);
    reg_names = n;
    reg_actors = v;
  }
  reg_names[nreg] = name;
  reg_actors[nreg++] = a;
  pthread_mutex_unlock(&reg_mu);
  return claim(cx, a, name);
}

/* A virtual activation's `register` is made under its lease (rt.h); the
 * registry's and the cluster's work after it runs with the gate off. */
bool act_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name) {
  int g = act__vgate_begin(cx);
  bool ok = register_now(cx, a, name);
  act__vgate_end(cx, g);
  return ok;
}

act_actor_t *act__registered(act_str_t *name) {
  pthread_mutex_lock(&reg_mu);
  act_actor_t *a = NULL;
  for (int i = 0; i < nreg && a == NULL; i++)
    if (act_str_eq(reg_names[i], name) && !(reg_actors[i]->flags & AF_DEAD)) a = reg_actors[i];
  pthread_mutex_unlock(&reg_mu);
  return a;
}

/* Every name `a` holds goes (it may hold several). */
void act__unregister(act_actor_t *a) {
  if (act__rt_of(a) == NULL || act__rt_of(a)->registered == NULL) return;
  act_str_t *gone[64];
  int ngone = 0;
  pthread_mutex_lock(&reg_mu);
  for (int i = nreg - 1; i >= 0; i--)
    if (reg_actors[i] == a) {
      if (ngone < 64) gone[ngone++] = reg_names[i];
      reg_names[i] = reg_names[nreg - 1];
      reg_actors[i] = reg_actors[nreg - 1];
      nreg--;
    }
  pthread_mutex_unlock(&reg_mu);
  /* The other nodes hold the names for this node: free them there. */
  if (act_cluster_running())
    for (int i = 0; i < ngone; i++) act__remote_release(gone[i]);
}

act_actor_t *act_lookup(act_ctx_t *cx, act_str_t *name, const act_loc_t *loc) {
  return act_lookup_as(cx, name, NULL, loc);
}

/* `want` is the actor type of `Type@"name"` (NULL for a protocol): a name
 * held by another type faults here, at the lookup, rather than turning
 * every later send into a dead letter. A proxy knows its type by name. */
act_actor_t *act_lookup_as(act_ctx_t *cx, act_str_t *name, const act_actor_type_t *want,
                           const act_loc_t *loc) {
  act_actor_t *a = act__registered(name);
  if (a == NULL && act_cluster_running()) a = act__remote_lookup(cx, name);
  if (a == NULL)
    act_faultf(cx, loc, "no actor is registered as \"%.*s\"", (int)act_str_len(name), act_str_data(name));
  uint32_t fl = atomic_load(&a->flags);
  int same = want == NULL || a->type == want || (fl & AF_VIRTUAL) ||
             ((fl & AF_REMOTE) && a->type && strcmp(a->type->name, want->name) == 0);
  if (!same)
    act_faultf(cx, loc, "\"%.*s\" is registered by %s, not %s", (int)act_str_len(name),
               act_str_data(name), a->type ? a->type->name : "an actor", want->name);
  return a;
}
