/* declare.c: the program's actor and message types as generated code
 * declares them (act_remote_declare, from a constructor per module), so a
 * node can decode a message by its id and spawn an actor by its name; the
 * schema fingerprint computed from them, which peers must share (the
 * handshake refuses another program); and `node` values. */
#define GC_THREADS
#include <gc/gc.h>

#include <stdlib.h>
#include <string.h>

#include "cluster/lang_int.h"

static const act_remote_msg_t **msgs;   /* by id: ids are small and dense */
static uint32_t nmsgs;
static const act_remote_actor_t **actors;
static size_t nactors, capactors;
static uint64_t schema;

/* FNV-1a over a type's shape: names, kinds and fields, to some depth
 * (a recursive enum is cut off there, on both sides alike). */
static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
  return h;
}
static uint64_t mix_str(uint64_t h, const char *s) { return mix(h, s ? s : "", s ? strlen(s) + 1 : 1); }

static uint64_t shape(uint64_t h, const act_type_t *t, int depth) {
  if (t == NULL || depth > 8) return mix(h, "-", 1);
  h = mix_str(h, t->name);
  h = mix(h, &t->kind, sizeof t->kind);
  h = shape(h, t->elem, depth + 1);
  if (t->key) h = shape(h, t->key, depth + 1);
  for (uint32_t i = 0; i < t->nfields; i++) {
    h = mix_str(h, t->fields[i].name);
    h = shape(h, t->fields[i].type, depth + 1);
  }
  for (uint32_t v = 0; v < t->nvariants; v++) {
    h = mix_str(h, t->variants[v].name);
    for (uint32_t i = 0; i < t->variants[v].nfields; i++) {
      h = mix_str(h, t->variants[v].fields[i].name);
      h = shape(h, t->variants[v].fields[i].type, depth + 1);
    }
  }
  return h;
}

void act_remote_declare(const act_remote_actor_t *const *as, size_t na, const act_remote_msg_t *ms,
                        size_t nm) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < nm; i++) {
    uint32_t id = ms[i].msg->type.id;
    if (id >= nmsgs) {
      uint32_t n = id + 64;
      const act_remote_msg_t **p = realloc(msgs, n * sizeof *p);
      if (p == NULL) abort();
      memset(p + nmsgs, 0, (n - nmsgs) * sizeof *p);
      msgs = p;
      nmsgs = n;
    }
    msgs[id] = &ms[i];
    h = mix(h, &id, sizeof id);
    h = mix_str(h, ms[i].msg->type.name);
    h = shape(h, ms[i].msg->body, 0);
    if (ms[i].reply) h = shape(h, ms[i].reply->body, 0);
  }
  for (size_t i = 0; i < na; i++) {
    if (nactors == capactors) {
      capactors = capactors ? capactors * 2 : 32;
      const act_remote_actor_t **p = realloc(actors, capactors * sizeof *p);
      if (p == NULL) abort();
      actors = p;
    }
    actors[nactors++] = as[i];
    h = mix_str(h, as[i]->type->name);
    h = shape(h, as[i]->params, 0);
  }
  /* Modules declare in link order; a sum does not depend on it. */
  schema += h;
  act_cluster_schema(schema);
}

const act_remote_msg_t *act__msg_by_id(uint32_t id) { return id < nmsgs ? msgs[id] : NULL; }

const act_remote_actor_t *act__actor_by_name(const char *name, size_t len) {
  for (size_t i = 0; i < nactors; i++)
    if (strlen(actors[i]->type->name) == len && memcmp(actors[i]->type->name, name, len) == 0)
      return actors[i];
  return NULL;
}

/* ---- node values ---------------------------------------------------------
 * A node is its name, interned, so `==` on nodes is a pointer compare and
 * printing shows the name (act_type_node in value/fmt.c). */

static pthread_mutex_t names_mu = PTHREAD_MUTEX_INITIALIZER;
static act_str_t **names;   /* uncollectable */
static size_t nnames, capnames;

act_str_t *act__node_value(const char *name) {
  pthread_mutex_lock(&names_mu);
  for (size_t i = 0; i < nnames; i++)
    if (strcmp(names[i]->data, name) == 0) {
      pthread_mutex_unlock(&names_mu);
      return names[i];
    }
  if (nnames == capnames) {
    capnames = capnames ? capnames * 2 : 16;
    act_str_t **p = GC_MALLOC_UNCOLLECTABLE(capnames * sizeof *p);
    if (nnames) memcpy(p, names, nnames * sizeof *p);
    GC_FREE(names);
    names = p;
  }
  act_str_t *s = act_str_from_cstr(name);
  names[nnames++] = s;
  pthread_mutex_unlock(&names_mu);
  return s;
}

/* A program that is not a node is a cluster of one, named "local". */
void *act_node_self(act_ctx_t *cx) {
  (void)cx;
  const char *me = act_cluster_self(NULL);
  return act__node_value(me ? me : "local");
}

act_array_t *act_nodes(act_ctx_t *cx) {
  char (*list)[ACT_NAME_MAX + 1] = NULL;
  size_t n = 0, cap = 16;
  for (;;) {   /* the list may grow between the count and the copy */
    list = realloc(list, cap * sizeof *list);
    if (list == NULL) abort();
    n = act_cluster_nodes(list, cap);
    if (n <= cap) break;
    cap = n + 16;
  }
  act_array_t *a = act_array_new(&act_type_node, n ? (int64_t)n : 1);
  if (n == 0) {
    void *me = act_node_self(cx);
    act_array_push(&a, &act_type_node, &me);
  }
  for (size_t i = 0; i < n; i++) {
    void *v = act__node_value(list[i]);
    act_array_push(&a, &act_type_node, &v);
  }
  free(list);
  return a;
}
