/* watch.c: the watcher, an actor written in C (watch.h says why). Its
 * state is a hash table from watched actor to the callbacks waiting for
 * it; only the watcher's handler touches it, so it needs no lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rt/rt.h"
#include "sys/watch.h"

typedef struct watch_msg {
  act_msg_t h;
  act_actor_t *who;
  act__gone_fn gone;
} watch_msg_t;

static const act_msg_type_t watch_type = {"<watch>", 0, sizeof(watch_msg_t), NULL, NULL, 0};

typedef struct entry {
  act_actor_t *who;   /* NULL: free; TOMB: deleted */
  act__gone_fn gone;
} entry_t;
#define TOMB ((act_actor_t *)1)

/* The watcher's state. Static storage is scanned by the collector, so the
 * actors named here stay alive while watched. */
static entry_t *table;
static size_t cap, used;

static size_t slot_of(act_actor_t *who, act__gone_fn gone) {
  uintptr_t h = (uintptr_t)who * 0x9e3779b97f4a7c15u ^ (uintptr_t)gone;
  return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static void put(act_actor_t *who, act__gone_fn gone);

static void grow(void) {
  entry_t *old = table;
  size_t oldcap = cap;
  cap = cap ? cap * 2 : 64;
  table = act_alloc(sizeof *table * cap);
  used = 0;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].who && old[i].who != TOMB)
      put(old[i].who, old[i].gone);
}

static void put(act_actor_t *who, act__gone_fn gone) {
  if ((used + 1) * 2 > cap)
    grow();
  size_t i = slot_of(who, gone);
  while (table[i].who != NULL && table[i].who != TOMB)
    i = (i + 1) & (cap - 1);
  table[i].who = who;
  table[i].gone = gone;
  used++;
}

/* The distinct callbacks ever registered (one per std module that owns
 * things), so that an ending looks up each pair instead of scanning. */
static act__gone_fn fns[8];
static int nfns;

static entry_t *find(act_actor_t *who, act__gone_fn gone) {
  if (cap == 0)
    return NULL;
  for (size_t i = slot_of(who, gone);; i = (i + 1) & (cap - 1)) {
    if (table[i].who == NULL)
      return NULL;
    if (table[i].who == who && table[i].gone == gone)
      return &table[i];
  }
}

/* Every callback waiting for who, removed from the table and called. */
static void ended(act_actor_t *who) {
  for (int k = 0; k < nfns; k++) {
    entry_t *e = find(who, fns[k]);
    if (e) {
      e->who = TOMB;
      fns[k](who);
    }
  }
}

static act_status_t watcher_start(act_ctx_t *cx, act_actor_t *self) {
  (void)cx;
  (void)self;
  return ACT_DONE;
}

static act_status_t watcher_dispatch(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)self;
  if (m->type == &act_down_type) {
    ended(((act_down_msg_t *)m)->f_who);
  } else if (m->type == &watch_type) {
    watch_msg_t *w = (watch_msg_t *)m;
    if (find(w->who, w->gone) == NULL) {
      int k = 0;
      while (k < nfns && fns[k] != w->gone)
        k++;
      if (k == nfns && nfns < (int)(sizeof fns / sizeof fns[0]))
        fns[nfns++] = w->gone;
      put(w->who, w->gone);
      act_monitor(cx, w->who);   /* Down at once if it has already ended */
    }
  }
  return ACT_DONE;
}

static const act_actor_type_t watcher_type = {
    "<std watcher>", sizeof(act_actor_t), 0, watcher_start, watcher_dispatch, NULL,
    ACT_ONE_FOR_ONE, 0, 0, 0};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static act_actor_t *watcher;

static void spawn_watcher(void) {
  watcher = act_spawn_alloc(NULL, &watcher_type);
  act_spawn_start(NULL, watcher, ACT_RESTART_TEMPORARY);
}

act_actor_t *act__watch_actor(void) {
  pthread_once(&once, spawn_watcher);
  return watcher;
}

void act__watch(act_actor_t *who, act__gone_fn gone) {
  if (who == NULL)
    return;
  watch_msg_t *m = (watch_msg_t *)act_alloc(sizeof *m);
  m->h.type = &watch_type;
  m->who = who;
  m->gone = gone;
  act_send(NULL, act__watch_actor(), &m->h);
}
