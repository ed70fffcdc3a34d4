/* map.c: hash maps [K: V] with copy on write (LANGUAGE.md §3).
 *
 * Entries (key, then value, each 8-byte aligned) live densely in one buffer
 * in insertion order, with a parallel array of their 32-bit hashes and a
 * dead mark for removed ones. An open-addressing index (linear probing,
 * at most half full) maps a hash to an entry: each slot holds the entry's
 * hash in its high 32 bits and entry number + 1 in the low 32 bits (0:
 * empty, TOMB: removed), so probing compares hashes before it touches an
 * entry, and growing never hashes a key again.
 *
 * Keys are integers or bool (compared and hashed as their bytes, inline),
 * strings (act_str_hash / act_str_eq, inline), or anything with a hash and
 * eq in its descriptor. Iteration order (keys, values, printing) is key
 * order by the key type's cmp: numeric for numbers, bytewise for strings.
 *
 * Copy on write as for arrays: a map marked shared is copied (four
 * memcpys) before its first mutation; containers inside the copy are then
 * marked shared in turn.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* qsort_r */
#endif
#include <stdlib.h>
#include <string.h>

#include "act/act.h"

enum { KM_INT, KM_STR, KM_ANY };
#define TOMB 0xffffffffu

struct act_map {
  const act_type_t *kt, *vt;
  int64_t len;            /* live entries */
  int64_t n;              /* used entry slots (live + dead) */
  int64_t cap;            /* entry slots */
  uint64_t *index;        /* icap slots, see above */
  int64_t icap;           /* power of two, >= 2 * cap */
  uint32_t *hs;           /* hash of each entry */
  uint8_t *dead;          /* 1: removed */
  char *ent;              /* cap entries of esz bytes */
  uint32_t voff, esz;
  uint8_t kmode;
  uint8_t shared;
};

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }
static bool plain_kind(uint32_t k) { return k <= ACT_K_F64 || k == ACT_K_DURATION; }

static inline char *key_at(const act_map_t *m, int64_t e) { return m->ent + (size_t)e * m->esz; }
static inline char *val_at(const act_map_t *m, int64_t e) { return key_at(m, e) + m->voff; }

static inline uint64_t int_key(const act_map_t *m, const void *k) {
  switch (m->kt->size) {
  case 1: return *(const uint8_t *)k;
  case 2: return *(const uint16_t *)k;
  case 4: return *(const uint32_t *)k;
  default: return *(const uint64_t *)k;
  }
}

static inline uint32_t hash_of(const act_map_t *m, const void *k) {
  uint64_t h;
  switch (m->kmode) {
  case KM_INT:
    h = int_key(m, k);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    break;
  case KM_STR: h = act_str_hash(*(act_str_t *const *)k); break;
  default: h = act_value_hash(m->kt, k); break;
  }
  return (uint32_t)(h ^ (h >> 32));
}

static inline bool key_eq(const act_map_t *m, const void *a, const void *b) {
  switch (m->kmode) {
  case KM_INT: return int_key(m, a) == int_key(m, b);
  case KM_STR: return act_str_eq(*(act_str_t *const *)a, *(act_str_t *const *)b);
  default: return act_value_eq(m->kt, a, b);
  }
}

static void alloc_buffers(act_map_t *m, int64_t cap, int64_t icap) {
  size_t eb = (size_t)cap * m->esz;
  m->ent = plain_kind(m->kt->kind) && plain_kind(m->vt->kind) ? act_alloc_atomic(eb) : act_alloc(eb);
  m->hs = act_alloc_atomic(sizeof(uint32_t) * (size_t)cap);
  m->dead = act_alloc_atomic((size_t)cap);
  m->index = act_alloc_atomic(sizeof(uint64_t) * (size_t)icap);
  m->cap = cap;
  m->icap = icap;
}

act_map_t *act_map_new(const act_type_t *kt, const act_type_t *vt) {
  act_map_t *m = act_alloc(sizeof *m);
  m->kt = kt;
  m->vt = vt;
  m->voff = (uint32_t)align8(kt->size);
  m->esz = m->voff + (uint32_t)align8(vt->size ? vt->size : 1);
  m->kmode = kt->kind <= ACT_K_U64 || kt->kind == ACT_K_DURATION ? KM_INT
             : kt->kind == ACT_K_STRING ? KM_STR : KM_ANY;
  if (m->kmode == KM_INT && kt->size != 1 && kt->size != 2 && kt->size != 4 && kt->size != 8)
    m->kmode = KM_ANY;
  alloc_buffers(m, 8, 16);
  return m;
}

int64_t act_map_len(const act_map_t *m) { return m ? m->len : 0; }
void act_share_map(act_map_t *m) { if (m && !m->shared) m->shared = 1; }

/* Entry number of key, or -1. */
static int64_t lookup(const act_map_t *m, const void *key, uint32_t h) {
  uint64_t mask = (uint64_t)m->icap - 1;
  for (uint64_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t s = m->index[i];
    uint32_t e = (uint32_t)s;
    if (e == 0) return -1;
    if ((uint32_t)(s >> 32) == h && e != TOMB && key_eq(m, key_at(m, e - 1), key)) return (int64_t)e - 1;
  }
}

void *act_map_find(const act_map_t *m, const void *key) {
  if (m == NULL || m->len == 0) return NULL;
  int64_t e = lookup(m, key, hash_of(m, key));
  return e < 0 ? NULL : val_at(m, e);
}

void *act_map_at(act_ctx_t *cx, const act_map_t *m, const void *key, const act_loc_t *loc) {
  void *v = act_map_find(m, key);
  if (v == NULL) {
    /* A NULL map (zero-initialised, never written) has no key type to
     * print the key with. */
    act_buf_t b;
    act_buf_init(&b);
    if (m) act_buf_value(&b, m->kt, key, true);
    else act_buf_cstr(&b, "(the map is empty)");
    act_faultf(cx, loc, "missing key %.*s", (int)(b.len > 200 ? 200 : b.len), b.p);
  }
  return v;
}

static void index_insert(act_map_t *m, uint32_t h, int64_t e) {
  uint64_t mask = (uint64_t)m->icap - 1;
  uint64_t i = h & mask;
  while ((uint32_t)m->index[i] != 0 && (uint32_t)m->index[i] != TOMB) i = (i + 1) & mask;
  m->index[i] = ((uint64_t)h << 32) | (uint64_t)(e + 1);
}

/* Move the live entries into fresh buffers of capacity cap, in order,
 * dropping dead ones, and index them again (from their stored hashes). */
static void rebuild(act_map_t *m, int64_t cap) {
  char *oent = m->ent;
  uint32_t *ohs = m->hs;
  uint8_t *odead = m->dead;
  int64_t on = m->n;
  int64_t icap = 16;
  while (icap < cap * 2) icap *= 2;
  alloc_buffers(m, cap, icap);
  int64_t k = 0;
  if (m->len == on) {
    memcpy(m->ent, oent, (size_t)on * m->esz);
    memcpy(m->hs, ohs, sizeof(uint32_t) * (size_t)on);
    k = on;
  } else {
    for (int64_t e = 0; e < on; e++)
      if (!odead[e]) {
        memcpy(key_at(m, k), oent + (size_t)e * m->esz, m->esz);
        m->hs[k++] = ohs[e];
      }
  }
  m->n = k;
  for (int64_t e = 0; e < k; e++) index_insert(m, m->hs[e], e);
}

static act_map_t *clone(const act_map_t *m) {
  act_map_t *c = act_alloc(sizeof *c);
  *c = *m;
  c->shared = 0;
  alloc_buffers(c, m->cap, m->icap);
  memcpy(c->ent, m->ent, (size_t)m->n * m->esz);
  memcpy(c->hs, m->hs, sizeof(uint32_t) * (size_t)m->n);
  memcpy(c->dead, m->dead, (size_t)m->n);
  memcpy(c->index, m->index, sizeof(uint64_t) * (size_t)m->icap);
  if (act_value_shares(c->kt) || act_value_shares(c->vt))
    for (int64_t e = 0; e < c->n; e++) {
      if (c->dead[e]) continue;
      if (act_value_shares(c->kt)) act_value_share(c->kt, key_at(c, e));
      if (act_value_shares(c->vt)) act_value_share(c->vt, val_at(c, e));
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
  uint32_t h = hash_of(m, key);
  int64_t e = m->len ? lookup(m, key, h) : -1;
  if (e >= 0) {
    memmove(val_at(m, e), v, vt->size);
    return;
  }
  if (m->n == m->cap) {
    /* Grow, or only compact when at least half the slots are dead. Key and
     * value may point into the old buffers, which stay valid. */
    rebuild(m, m->len * 2 >= m->cap ? m->cap * 2 : m->cap);
  }
  e = m->n++;
  memcpy(key_at(m, e), key, kt->size);
  memcpy(val_at(m, e), v, vt->size);
  m->hs[e] = h;
  index_insert(m, h, e);
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
  if (*mp == NULL || (*mp)->len == 0) return;
  uint32_t h = hash_of(*mp, key);
  if (lookup(*mp, key, h) < 0) return;
  own(mp, kt, vt);
  act_map_t *m = *mp;
  uint64_t mask = (uint64_t)m->icap - 1;
  for (uint64_t i = h & mask;; i = (i + 1) & mask) {
    uint64_t s = m->index[i];
    uint32_t e = (uint32_t)s;
    if (e == 0) return;   /* not reached: the key is there */
    if ((uint32_t)(s >> 32) == h && e != TOMB && key_eq(m, key_at(m, e - 1), key)) {
      m->index[i] = TOMB;
      m->dead[e - 1] = 1;
      memset(key_at(m, e - 1), 0, m->esz);   /* let the collector have them */
      m->len--;
      if (m->len == 0) {
        /* Start over: no tombstones left behind. */
        memset(m->index, 0, sizeof(uint64_t) * (size_t)m->icap);
        memset(m->dead, 0, (size_t)m->n);
        m->n = 0;
      }
      return;
    }
  }
}

/* ---- key order --------------------------------------------------------- */

/* The live entry numbers of a map in key order. */
typedef struct {
  int64_t *o;
  bool heap;                /* o came from malloc */
  int64_t small[32];
} order_t;

static int cmp_entries(const void *a, const void *b, void *arg) {
  const act_map_t *m = arg;
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return m->kt->cmp(key_at(m, x), key_at(m, y));
}
static int cmp_str_entries(const void *a, const void *b, void *arg) {
  const act_map_t *m = arg;
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return act_str_cmp(*(act_str_t **)(void *)key_at(m, x), *(act_str_t **)(void *)key_at(m, y));
}
static int cmp_i64_entries(const void *a, const void *b, void *arg) {
  const act_map_t *m = arg;
  int64_t x = *(const int64_t *)(void *)key_at(m, *(const int64_t *)a);
  int64_t y = *(const int64_t *)(void *)key_at(m, *(const int64_t *)b);
  return x < y ? -1 : x > y;
}

static void ordered(const act_map_t *m, order_t *r) {
  size_t bytes = sizeof(int64_t) * (size_t)m->len;
  r->heap = false;
  r->o = r->small;
  if (m->len > (int64_t)(sizeof r->small / sizeof *r->small)) {
    r->o = malloc(bytes);
    r->heap = r->o != NULL;
    if (r->o == NULL) r->o = act_alloc_atomic(bytes);
  }
  int64_t k = 0;
  for (int64_t e = 0; e < m->n; e++)
    if (!m->dead[e]) r->o[k++] = e;
  int (*cmp)(const void *, const void *, void *) = cmp_entries;
  if (m->kmode == KM_STR) cmp = cmp_str_entries;
  else if (m->kt->kind == ACT_K_I64 || m->kt->kind == ACT_K_DURATION) cmp = cmp_i64_entries;
  else if (m->kt->cmp == NULL) return;          /* unordered key type: insertion order */
  qsort_r(r->o, (size_t)k, sizeof *r->o, cmp, (void *)m);
}

static void order_done(order_t *r) {
  if (r->heap) free(r->o);
}

act_array_t *act_map_keys(const act_map_t *m, const act_type_t *kt) {
  act_array_t *a = act_array_new(kt, act_map_len(m));
  if (m == NULL || m->len == 0) return a;
  order_t ord;
  ordered(m, &ord);
  const int64_t *o = ord.o;
  size_t sz = kt->size;
  for (int64_t i = 0; i < m->len; i++) {
    void *k = key_at(m, o[i]);
    if (act_value_shares(kt)) act_value_share(kt, k);
    memcpy((char *)a->data + (size_t)i * sz, k, sz);
  }
  a->len = m->len;
  order_done(&ord);
  return a;
}

act_array_t *act_map_values(const act_map_t *m, const act_type_t *kt, const act_type_t *vt) {
  (void)kt;
  act_array_t *a = act_array_new(vt, act_map_len(m));
  if (m == NULL || m->len == 0) return a;
  order_t ord;
  ordered(m, &ord);
  const int64_t *o = ord.o;
  size_t sz = vt->size;
  for (int64_t i = 0; i < m->len; i++) {
    void *v = val_at(m, o[i]);
    if (act_value_shares(vt)) act_value_share(vt, v);
    memcpy((char *)a->data + (size_t)i * sz, v, sz);
  }
  a->len = m->len;
  order_done(&ord);
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
    if (v == NULL || !act_value_eq(vt, val_at(a, e), v)) return false;
  }
  return true;
}

/* {k: v, ...} in key order, keys and values as inside a container. */
void act__map_print(act_buf_t *b, const act_map_t *m) {
  act_buf_put(b, "{", 1);
  if (m && m->len) {
    order_t ord;
    ordered(m, &ord);
    const int64_t *o = ord.o;
    for (int64_t i = 0; i < m->len; i++) {
      if (i) act_buf_put(b, ", ", 2);
      act_buf_value(b, m->kt, key_at(m, o[i]), true);
      act_buf_put(b, ": ", 2);
      act_buf_value(b, m->vt, val_at(m, o[i]), true);
    }
    order_done(&ord);
  }
  act_buf_put(b, "}", 1);
}
