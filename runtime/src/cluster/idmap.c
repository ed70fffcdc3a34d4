/* idmap.c: open addressing with linear probing; deletion shifts the
 * following entries back, so there are no tombstones to sweep. */
#define GC_THREADS
#include <gc/gc.h>

#include <stdlib.h>
#include <string.h>

#include "cluster/idmap.h"

static size_t slot_of(const act_idmap_t *m, uint64_t a, uint64_t b) {
  uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return (size_t)h & (m->cap - 1);
}

static int empty(const act_idmap_t *m, size_t i) { return m->keys[2 * i] == 0 && m->keys[2 * i + 1] == 0; }

static size_t find(const act_idmap_t *m, uint64_t a, uint64_t b) {
  size_t i = slot_of(m, a, b);
  while (!empty(m, i) && (m->keys[2 * i] != a || m->keys[2 * i + 1] != b)) i = (i + 1) & (m->cap - 1);
  return i;
}

void *act__idmap_get(const act_idmap_t *m, uint64_t a, uint64_t b) {
  if (m->cap == 0) return NULL;
  size_t i = find(m, a, b);
  return empty(m, i) ? NULL : m->vals[i];
}

static void grow(act_idmap_t *m) {
  act_idmap_t old = *m;
  m->cap = old.cap ? old.cap * 2 : 64;
  m->keys = calloc(2 * m->cap, sizeof *m->keys);
  m->vals = GC_MALLOC_UNCOLLECTABLE(m->cap * sizeof *m->vals);
  if (m->keys == NULL || m->vals == NULL) abort();   /* as act_alloc does when memory runs out */
  m->n = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (!empty(&old, i)) act__idmap_put(m, old.keys[2 * i], old.keys[2 * i + 1], old.vals[i]);
  free(old.keys);
  GC_FREE(old.vals);
}

void act__idmap_put(act_idmap_t *m, uint64_t a, uint64_t b, void *v) {
  if ((m->n + 1) * 4 > m->cap * 3) grow(m);
  size_t i = find(m, a, b);
  if (empty(m, i)) m->n++;
  m->keys[2 * i] = a;
  m->keys[2 * i + 1] = b;
  m->vals[i] = v;
}

void *act__idmap_del(act_idmap_t *m, uint64_t a, uint64_t b) {
  if (m->cap == 0) return NULL;
  size_t i = find(m, a, b);
  if (empty(m, i)) return NULL;
  void *v = m->vals[i];
  m->n--;
  /* Move back every entry of the run after i that would not be found
   * past the hole (backward-shift deletion). */
  for (size_t j = (i + 1) & (m->cap - 1); !empty(m, j); j = (j + 1) & (m->cap - 1)) {
    size_t home = slot_of(m, m->keys[2 * j], m->keys[2 * j + 1]);
    if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
      m->keys[2 * i] = m->keys[2 * j];
      m->keys[2 * i + 1] = m->keys[2 * j + 1];
      m->vals[i] = m->vals[j];
      i = j;
    }
  }
  m->keys[2 * i] = m->keys[2 * i + 1] = 0;
  m->vals[i] = NULL;
  return v;
}

void act__idmap_each(const act_idmap_t *m, void (*fn)(void *arg, void *v), void *arg) {
  for (size_t i = 0; i < m->cap; i++)
    if (!empty(m, i)) fn(arg, m->vals[i]);
}
