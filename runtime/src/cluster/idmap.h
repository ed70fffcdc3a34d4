/* idmap.h: a hash map from a 128-bit key (two u64, not both 0) to a
 * pointer that the collector sees, for the tables of the language layer
 * (actor ids, proxies, asks in flight). Not thread-safe: callers lock. */
#ifndef ACT_CLUSTER_IDMAP_H
#define ACT_CLUSTER_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct act_idmap {
  uint64_t *keys;   /* 2 per slot; (0, 0) is an empty slot */
  void **vals;      /* uncollectable: keeps what it points to alive */
  size_t cap, n;
} act_idmap_t;

void *act__idmap_get(const act_idmap_t *m, uint64_t a, uint64_t b);
void act__idmap_put(act_idmap_t *m, uint64_t a, uint64_t b, void *v);
void *act__idmap_del(act_idmap_t *m, uint64_t a, uint64_t b);   /* the value it held */
/* Calls fn for each value; fn may not change the map. */
void act__idmap_each(const act_idmap_t *m, void (*fn)(void *arg, void *v), void *arg);

#endif
