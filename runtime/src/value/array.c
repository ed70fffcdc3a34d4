/* array.c: growable arrays with copy on write. */
#include <stdlib.h>
#include <string.h>

#include "act.h"

static void *elem(const act_array_t *a, int64_t i) {
  return (char *)a->data + (size_t)i * a->et->size;
}

static void *alloc_data(const act_type_t *et, int64_t cap) {
  size_t n = (size_t)cap * et->size;
  /* Arrays of plain numbers are never scanned by the collector. */
  return et->kind <= ACT_K_F64 || et->kind == ACT_K_DURATION ? act_alloc_atomic(n ? n : 1)
                                                              : act_alloc(n ? n : 1);
}

act_array_t *act_array_new(const act_type_t *et, int64_t cap) {
  act_array_t *a = act_alloc(sizeof *a);
  a->et = et;
  a->cap = cap > 0 ? cap : 4;
  a->data = alloc_data(et, a->cap);
  return a;
}

/* A copy that owns its buffer; the elements (possibly containers) are now
 * reachable from two arrays, so they are marked shared. */
static act_array_t *clone(const act_array_t *a, int64_t cap) {
  act_array_t *c = act_array_new(a->et, cap > a->len ? cap : a->len);
  memcpy(c->data, a->data, (size_t)a->len * a->et->size);
  c->len = a->len;
  if (a->et->share)
    for (int64_t i = 0; i < c->len; i++) a->et->share(elem(c, i));
  return c;
}

void act_array_own(act_array_t **a, const act_type_t *et) {
  if (*a == NULL)
    *a = act_array_new(et, 4);
  else if ((*a)->shared)
    *a = clone(*a, (*a)->cap);
}

ACT_NORETURN void act_fault_index(act_ctx_t *cx, int64_t i, int64_t len,
                                  const act_loc_t *loc) {
  act_faultf(cx, loc, "index %lld out of bounds for length %lld", (long long)i, (long long)len);
}

void act_array_push(act_array_t **ap, const act_type_t *et, const void *v) {
  act_array_own(ap, et);
  act_array_t *a = *ap;
  if (a->len == a->cap) {
    int64_t cap = a->cap * 2;
    void *d = alloc_data(a->et, cap);
    memcpy(d, a->data, (size_t)a->len * a->et->size);
    a->data = d;
    a->cap = cap;
  }
  memcpy(elem(a, a->len), v, a->et->size);
  a->len++;
}

void act_array_pop(act_ctx_t *cx, act_array_t **ap, const act_type_t *et, void *out,
                   const act_loc_t *loc) {
  if (act_array_len(*ap) == 0)
    act_faultf(cx, loc, "pop from an empty array");
  act_array_own(ap, et);
  act_array_t *a = *ap;
  a->len--;
  memcpy(out, elem(a, a->len), a->et->size);
  memset(elem(a, a->len), 0, a->et->size);
}

void act_array_insert(act_ctx_t *cx, act_array_t **ap, const act_type_t *et, int64_t i,
                      const void *v, const act_loc_t *loc) {
  int64_t n = act_array_len(*ap);
  if (i < 0 || i > n)
    act_fault_index(cx, i, n, loc);
  act_array_push(ap, et, v);
  act_array_t *a = *ap;
  size_t sz = a->et->size;
  memmove(elem(a, i + 1), elem(a, i), (size_t)(n - i) * sz);
  memcpy(elem(a, i), v, sz);
}

void act_array_remove(act_ctx_t *cx, act_array_t **ap, const act_type_t *et, int64_t i,
                      void *out, const act_loc_t *loc) {
  int64_t n = act_array_len(*ap);
  if (i < 0 || i >= n)
    act_fault_index(cx, i, n, loc);
  act_array_own(ap, et);
  act_array_t *a = *ap;
  size_t sz = a->et->size;
  memcpy(out, elem(a, i), sz);
  memmove(elem(a, i), elem(a, i + 1), (size_t)(n - i - 1) * sz);
  a->len--;
  memset(elem(a, a->len), 0, sz);
}

act_array_t *act_array_slice(act_ctx_t *cx, act_array_t *a, const act_type_t *et,
                             int64_t lo, int64_t hi, const act_loc_t *loc) {
  int64_t n = act_array_len(a);
  if (lo < 0 || hi > n || lo > hi)
    act_faultf(cx, loc, "slice %lld..%lld out of bounds for length %lld", (long long)lo,
               (long long)hi, (long long)n);
  act_array_t *r = act_array_new(et, hi - lo);
  if (hi > lo) {
    memcpy(r->data, elem(a, lo), (size_t)(hi - lo) * et->size);
    r->len = hi - lo;
    if (et->share)
      for (int64_t i = 0; i < r->len; i++) et->share(elem(r, i));
  }
  return r;
}

/* Stable merge sort with the element type's comparison. */
static void msort(char *v, char *tmp, int64_t n, size_t sz, int (*cmp)(const void *, const void *)) {
  if (n < 2) return;
  int64_t h = n / 2;
  msort(v, tmp, h, sz, cmp);
  msort(v + h * (int64_t)sz, tmp, n - h, sz, cmp);
  int64_t i = 0, j = h, k = 0;
  while (i < h && j < n) {
    if (cmp(v + j * (int64_t)sz, v + i * (int64_t)sz) < 0) memcpy(tmp + k++ * (int64_t)sz, v + j++ * (int64_t)sz, sz);
    else memcpy(tmp + k++ * (int64_t)sz, v + i++ * (int64_t)sz, sz);
  }
  while (i < h) memcpy(tmp + k++ * (int64_t)sz, v + i++ * (int64_t)sz, sz);
  while (j < n) memcpy(tmp + k++ * (int64_t)sz, v + j++ * (int64_t)sz, sz);
  memcpy(v, tmp, (size_t)n * sz);
}

void act_array_sort(act_array_t **ap, const act_type_t *et) {
  if (act_array_len(*ap) < 2) return;
  act_array_own(ap, et);
  act_array_t *a = *ap;
  char *tmp = malloc((size_t)a->len * et->size);
  msort(a->data, tmp, a->len, et->size, et->cmp);
  free(tmp);
}

bool act_array_contains(const act_array_t *a, const act_type_t *et, const void *v) {
  for (int64_t i = 0; i < act_array_len(a); i++)
    if (et->eq(elem(a, i), v)) return true;
  return false;
}

bool act_array_eq(const act_array_t *a, const act_array_t *b, const act_type_t *et) {
  int64_t n = act_array_len(a);
  if (n != act_array_len(b)) return false;
  for (int64_t i = 0; i < n; i++)
    if (!et->eq(elem(a, i), elem(b, i))) return false;
  return true;
}
