/* map.c: hash maps with copy on write. Entries live in insertion order in
 * one buffer; an open-addressing index of entry numbers finds them. */
#include <stdlib.h>
#include <string.h>

#include "act.h"

struct act_map {
  const act_type_t *kt, *vt;
  int64_t len;            /* live entries */
  int64_t n;              /* used entry slots (live + dead) */
  int64_t cap;            /* entry slots */
  int32_t *index;         /* 0 empty, -1 deleted, else entry + 1 */
  int64_t icap;           /* power of two */
  uint8_t *dead;
  char *ent;              /* n entries of esz bytes: key, then value */
  size_t voff, esz;
  uint8_t shared;
};

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

act_map_t *act_map_new(const act_type_t *kt, const act_type_t *vt) {
  act_map_t *m = act_alloc(sizeof *m);
  m->kt = kt;
  m->vt = vt;
  m->voff = align8(kt->size);
  m->esz = m->voff + align8(vt->size);
  m->cap = 8;
  m->ent = act_alloc(m->cap * m->esz);
  m->dead = act_alloc_atomic((size_t)m->cap);
  memset(m->dead, 0, (size_t)m->cap);
  m->icap = 16;
  m->index = act_alloc_atomic(sizeof(int32_t) * (size_t)m->icap);
  memset(m->index, 0, sizeof(int32_t) * (size_t)m->icap);
  return m;
}

int64_t act_map_len(const act_map_t *m) { return m ? m->len : 0; }
void act_share_map(act_map_t *m) { if (m && !m->shared) m->shared = 1; }

static char *key_at(const act_map_t *m, int64_t e) { return m->ent + (size_t)e * m->esz; }
static char *val_at(const act_map_t *m, int64_t e) { return key_at(m, e) + m->voff; }

static int64_t lookup(const act_map_t *m, const void *key) {
  uint64_t h = m->kt->hash(key);
  int64_t mask = m->icap - 1;
  for (int64_t i = (int64_t)(h & (uint64_t)mask);; i = (i + 1) & mask) {
    int32_t s = m->index[i];
    if (s == 0) return -1;
    if (s > 0 && m->kt->eq(key_at(m, s - 1), key)) return s - 1;
  }
}

void *act_map_find(const act_map_t *m, const void *key) {
  if (m == NULL || m->len == 0) return NULL;
  int64_t e = lookup(m, key);
  return e < 0 ? NULL : val_at(m, e);
}

void *act_map_at(act_ctx_t *cx, const act_map_t *m, const void *key, const act_loc_t *loc) {
  void *v = act_map_find(m, key);
  if (v == NULL) {
    act_buf_t b;
    act_buf_init(&b);
    act_buf_value(&b, m ? m->kt : &act_type_string, key, true);
    act_faultf(cx, loc, "missing key %.*s", (int)(b.len > 200 ? 200 : b.len), b.p);
  }
  return v;
}

/* Rebuild the index and drop dead entries into a buffer of capacity cap. */
static void rebuild(act_map_t *m, int64_t cap) {
  char *ent = act_alloc((size_t)cap * m->esz);
  uint8_t *dead = act_alloc_atomic((size_t)cap);
  memset(dead, 0, (size_t)cap);
  int64_t k = 0;
  for (int64_t e = 0; e < m->n; e++)
    if (!m->dead[e]) memcpy(ent + (size_t)k++ * m->esz, key_at(m, e), m->esz);
  m->ent = ent;
  m->dead = dead;
  m->n = k;
  m->cap = cap;
  int64_t icap = 16;
  while (icap < cap * 2) icap *= 2;
  m->icap = icap;
  m->index = act_alloc_atomic(sizeof(int32_t) * (size_t)icap);
  memset(m->index, 0, sizeof(int32_t) * (size_t)icap);
  for (int64_t e = 0; e < k; e++) {
    uint64_t h = m->kt->hash(key_at(m, e));
    int64_t i = (int64_t)(h & (uint64_t)(icap - 1));
    while (m->index[i]) i = (i + 1) & (icap - 1);
    m->index[i] = (int32_t)(e + 1);
  }
}

static act_map_t *clone(const act_map_t *m) {
  act_map_t *c = act_alloc(sizeof *c);
  *c = *m;
  c->shared = 0;
  c->dead = m->dead;
  rebuild(c, m->cap);      /* fresh buffers, same contents */
  for (int64_t e = 0; e < c->n; e++) {
    if (c->kt->share) c->kt->share(key_at(c, e));
    if (c->vt->share) c->vt->share(val_at(c, e));
  }
  return c;
}

static void own(act_map_t **mp, const act_type_t *kt, const act_type_t *vt) {
  if (*mp == NULL) *mp = act_map_new(kt, vt);
  else if ((*mp)->shared) *mp = clone(*mp);
}

void act_map_put(act_map_t **mp, const act_type_t *kt, const act_type_t *vt,
                 const void *key, const void *v) {
  own(mp, kt, vt);
  act_map_t *m = *mp;
  int64_t e = m->len ? lookup(m, key) : -1;
  if (e >= 0) {
    memcpy(val_at(m, e), v, vt->size);
    return;
  }
  if (m->n == m->cap || (m->n + 1) * 2 > m->icap)
    rebuild(m, m->len * 2 + 8 > m->cap ? m->cap * 2 : m->cap);
  e = m->n++;
  memcpy(key_at(m, e), key, kt->size);
  memcpy(val_at(m, e), v, vt->size);
  uint64_t h = kt->hash(key);
  int64_t i = (int64_t)(h & (uint64_t)(m->icap - 1));
  while (m->index[i] > 0) i = (i + 1) & (m->icap - 1);
  m->index[i] = (int32_t)(e + 1);
  m->len++;
}

void *act_map_mut(act_ctx_t *cx, act_map_t **mp, const act_type_t *kt,
                  const act_type_t *vt, const void *key, const act_loc_t *loc) {
  act_map_at(cx, *mp, key, loc);
  own(mp, kt, vt);
  return act_map_find(*mp, key);
}

void act_map_remove(act_map_t **mp, const act_type_t *kt, const act_type_t *vt,
                    const void *key) {
  if (*mp == NULL || (*mp)->len == 0 || act_map_find(*mp, key) == NULL) return;
  own(mp, kt, vt);
  act_map_t *m = *mp;
  uint64_t h = kt->hash(key);
  int64_t mask = m->icap - 1;
  for (int64_t i = (int64_t)(h & (uint64_t)mask);; i = (i + 1) & mask) {
    int32_t s = m->index[i];
    if (s > 0 && kt->eq(key_at(m, s - 1), key)) {
      m->index[i] = -1;
      m->dead[s - 1] = 1;
      memset(key_at(m, s - 1), 0, m->esz);
      m->len--;
      return;
    }
  }
}

/* qsort has no context argument in C11: the comparison reads these, which
 * are per thread so that actors on other workers do not interfere. */
static _Thread_local const act_type_t *sort_kt;
static _Thread_local const act_map_t *sort_map;
static int cmp_entries(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return sort_kt->cmp(key_at(sort_map, x), key_at(sort_map, y));
}

/* Live entry numbers in key order. */
static int64_t *ordered(const act_map_t *m) {
  int64_t *o = malloc(sizeof(int64_t) * (size_t)(m->len ? m->len : 1));
  int64_t k = 0;
  for (int64_t e = 0; e < m->n; e++)
    if (!m->dead[e]) o[k++] = e;
  sort_kt = m->kt;
  sort_map = m;
  qsort(o, (size_t)k, sizeof *o, cmp_entries);
  return o;
}

act_array_t *act_map_keys(const act_map_t *m, const act_type_t *kt) {
  act_array_t *a = act_array_new(kt, act_map_len(m));
  if (m == NULL) return a;
  int64_t *o = ordered(m);
  for (int64_t i = 0; i < m->len; i++) {
    void *k = key_at(m, o[i]);
    if (kt->share) kt->share(k);
    act_array_push(&a, kt, k);
  }
  free(o);
  return a;
}

act_array_t *act_map_values(const act_map_t *m, const act_type_t *kt, const act_type_t *vt) {
  (void)kt;
  act_array_t *a = act_array_new(vt, act_map_len(m));
  if (m == NULL) return a;
  int64_t *o = ordered(m);
  for (int64_t i = 0; i < m->len; i++) {
    void *v = val_at(m, o[i]);
    if (vt->share) vt->share(v);
    act_array_push(&a, vt, v);
  }
  free(o);
  return a;
}

bool act_map_eq(const act_map_t *a, const act_map_t *b, const act_type_t *kt,
                const act_type_t *vt) {
  (void)kt;
  if (act_map_len(a) != act_map_len(b)) return false;
  if (act_map_len(a) == 0) return true;
  for (int64_t e = 0; e < a->n; e++) {
    if (a->dead[e]) continue;
    void *v = act_map_find(b, key_at(a, e));
    if (v == NULL || !vt->eq(val_at(a, e), v)) return false;
  }
  return true;
}

/* Printing needs the sorted walk too; fmt.c calls this. */
void act__map_print(act_buf_t *b, const act_map_t *m) {
  act_buf_put(b, "{", 1);
  if (m && m->len) {
    int64_t *o = ordered(m);
    for (int64_t i = 0; i < m->len; i++) {
      if (i) act_buf_put(b, ", ", 2);
      act_buf_value(b, m->kt, key_at(m, o[i]), true);
      act_buf_put(b, ": ", 2);
      act_buf_value(b, m->vt, val_at(m, o[i]), true);
    }
    free(o);
  }
  act_buf_put(b, "}", 1);
}
