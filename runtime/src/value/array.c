/* array.c: growable arrays with copy on write (LANGUAGE.md §3).
 *
 * An array is an act_array_t header plus a data buffer of cap elements; NULL
 * is []. Value semantics come from the `shared` mark (see act.h): whoever
 * makes a second reference marks it, and every mutation below first makes
 * the array its own (act_array_own), copying a shared one. A copy holds the
 * same element values, so containers inside are marked shared too; strings
 * are immutable and need nothing.
 *
 * Push doubles the capacity (amortised O(1)); sort is a stable merge sort
 * (insertion sort for short runs; specialised loops for int/duration,
 * float and string elements, the element type's cmp otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "act/act.h"

static inline void *elem(const act_array_t *a, int64_t i) {
  return (char *)a->data + (size_t)i * a->et->size;
}

static bool plain_kind(uint32_t k) { return k <= ACT_K_F64 || k == ACT_K_DURATION; }
/* Kinds whose equality is equality of their bytes. */
static bool bytes_eq_kind(uint32_t k) {
  return k <= ACT_K_U64 || k == ACT_K_DURATION;   /* bool and the integers */
}

static void *alloc_data(const act_type_t *et, int64_t cap) {
  size_t n = (size_t)cap * et->size;
  /* Arrays of plain numbers are never scanned by the collector. */
  return plain_kind(et->kind) ? act_alloc_atomic(n ? n : 1) : act_alloc(n ? n : 1);
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
  if (a->len) memcpy(c->data, a->data, (size_t)a->len * a->et->size);
  c->len = a->len;
  if (act_value_shares(a->et))
    for (int64_t i = 0; i < c->len; i++) act_value_share(a->et, elem(c, i));
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

/* Room for one more element in an owned array. */
static void grow1(act_array_t *a) {
  if (a->len < a->cap) return;
  int64_t cap = a->cap < 4 ? 8 : a->cap * 2;
  void *d = alloc_data(a->et, cap);
  if (a->len) memcpy(d, a->data, (size_t)a->len * a->et->size);
  a->data = d;
  a->cap = cap;
}

void act_array_push(act_array_t **ap, const act_type_t *et, const void *v) {
  act_array_own(ap, et);
  act_array_t *a = *ap;
  /* v may point into the old buffer: it stays valid (and unchanged) after
   * grow1, which copies. */
  grow1(a);
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
  memset(elem(a, a->len), 0, a->et->size);   /* let the collector have it */
}

void act_array_insert(act_ctx_t *cx, act_array_t **ap, const act_type_t *et, int64_t i,
                      const void *v, const act_loc_t *loc) {
  int64_t n = act_array_len(*ap);
  if (i < 0 || i > n)
    act_fault_index(cx, i, n, loc);
  act_array_own(ap, et);
  act_array_t *a = *ap;
  size_t sz = a->et->size;
  /* v may point at an element of this very array, which the move below
   * shifts: keep a copy. */
  char small[64];
  void *tmp = sz <= sizeof small ? small : act_alloc(sz);
  memcpy(tmp, v, sz);
  grow1(a);
  memmove(elem(a, i + 1), elem(a, i), (size_t)(n - i) * sz);
  memcpy(elem(a, i), tmp, sz);
  a->len++;
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

/* xs.slice(lo, hi): a fresh array of xs[lo..hi) (hi exclusive, like ranges). */
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
    if (act_value_shares(et))
      for (int64_t i = 0; i < r->len; i++) act_value_share(et, elem(r, i));
  }
  return r;
}

/* ---- sort -------------------------------------------------------------- */

/* A stable merge sort over elements of type T with LESS(a, b) ("a sorts
 * strictly before b"), insertion sort below 16, and no merge when the two
 * halves are already in order. `c` is the comparison for the generic one. */
#define DEF_MSORT(NAME, T, LESS)                                               \
  static void NAME(T *v, T *tmp, int64_t n, int (*c)(const void *, const void *)) { \
    (void)c;                                                                   \
    if (n <= 16) {                                                             \
      for (int64_t i = 1; i < n; i++) {                                        \
        T x = v[i];                                                            \
        int64_t j = i;                                                         \
        while (j > 0 && LESS(x, v[j - 1])) { v[j] = v[j - 1]; j--; }           \
        v[j] = x;                                                              \
      }                                                                        \
      return;                                                                  \
    }                                                                          \
    int64_t h = n / 2;                                                         \
    NAME(v, tmp, h, c);                                                        \
    NAME(v + h, tmp, n - h, c);                                                \
    if (!LESS(v[h], v[h - 1])) return;                                         \
    /* Move the left run out and merge into v: the write position k stays    \
     * below j, and v[j..n) is in place once the left run is used up. */      \
    memcpy(tmp, v, (size_t)h * sizeof(T));                                     \
    int64_t i = 0, j = h, k = 0;                                               \
    while (i < h && j < n) v[k++] = LESS(v[j], tmp[i]) ? v[j++] : tmp[i++];     \
    while (i < h) v[k++] = tmp[i++];                                           \
  }

#define LESS_NUM(a, b) ((a) < (b))
#define LESS_STR(a, b) (act_str_cmp((a), (b)) < 0)
DEF_MSORT(msort_i64, int64_t, LESS_NUM)
DEF_MSORT(msort_f64, double, LESS_NUM)
DEF_MSORT(msort_str, act_str_t *, LESS_STR)

/* Any element size, through the type's cmp. */
static void msort_any(char *v, char *tmp, int64_t n, size_t sz, char *x,
                      int (*cmp)(const void *, const void *)) {
#define AT(p, i) ((p) + (size_t)(i) * sz)
  if (n <= 16) {
    for (int64_t i = 1; i < n; i++) {
      if (cmp(AT(v, i), AT(v, i - 1)) >= 0) continue;
      memcpy(x, AT(v, i), sz);
      int64_t j = i;
      while (j > 0 && cmp(x, AT(v, j - 1)) < 0) j--;
      memmove(AT(v, j + 1), AT(v, j), (size_t)(i - j) * sz);
      memcpy(AT(v, j), x, sz);
    }
    return;
  }
  int64_t h = n / 2;
  msort_any(v, tmp, h, sz, x, cmp);
  msort_any(AT(v, h), tmp, n - h, sz, x, cmp);
  if (cmp(AT(v, h), AT(v, h - 1)) >= 0) return;
  memcpy(tmp, v, (size_t)h * sz);
  int64_t i = 0, j = h, k = 0;
  while (i < h && j < n) {
    if (cmp(AT(v, j), AT(tmp, i)) < 0) memcpy(AT(v, k++), AT(v, j++), sz);
    else memcpy(AT(v, k++), AT(tmp, i++), sz);
  }
  if (i < h) memcpy(AT(v, k), AT(tmp, i), (size_t)(h - i) * sz);
#undef AT
}

void act_array_sort(act_array_t **ap, const act_type_t *et) {
  if (act_array_len(*ap) < 2) return;
  act_array_own(ap, et);
  act_array_t *a = *ap;
  size_t sz = et->size;
  int64_t n = a->len;
  /* Scratch for half the elements is enough (only the left run is moved
   * out), plus one element. While merging, an element may live only in the
   * scratch, so scratch that can hold pointers must be seen by the
   * collector: the stack or act_alloc, malloc only for plain numbers. */
  size_t bytes = (size_t)(n / 2 + 1) * sz + sz;
  _Alignas(16) char small[1024];
  char *tmp = small;
  bool heap = false;
  if (bytes > sizeof small) {
    if (plain_kind(et->kind) && (tmp = malloc(bytes)) != NULL) heap = true;
    else tmp = plain_kind(et->kind) ? act_alloc_atomic(bytes) : act_alloc(bytes);
  }
  if (et->kind == ACT_K_I64 || et->kind == ACT_K_DURATION)
    msort_i64(a->data, (int64_t *)(void *)tmp, n, NULL);
  else if (et->kind == ACT_K_F64)
    msort_f64(a->data, (double *)(void *)tmp, n, NULL);
  else if (et->kind == ACT_K_STRING)
    msort_str(a->data, (act_str_t **)(void *)tmp, n, NULL);
  else
    msort_any(a->data, tmp + sz, n, sz, tmp, et->cmp);
  if (heap) free(tmp);
}

bool act_array_contains(const act_array_t *a, const act_type_t *et, const void *v) {
  int64_t n = act_array_len(a);
  if (n == 0) return false;
  size_t sz = et->size;
  if (bytes_eq_kind(et->kind)) {
    for (int64_t i = 0; i < n; i++)
      if (memcmp(elem(a, i), v, sz) == 0) return true;
    return false;
  }
  if (et->kind == ACT_K_STRING) {
    act_str_t *s = *(act_str_t *const *)v, **d = a->data;
    for (int64_t i = 0; i < n; i++)
      if (act_str_eq(d[i], s)) return true;
    return false;
  }
  for (int64_t i = 0; i < n; i++)
    if (act_value_eq(et, elem(a, i), v)) return true;
  return false;
}

bool act_array_eq(const act_array_t *a, const act_array_t *b, const act_type_t *et) {
  int64_t n = act_array_len(a);
  if (n != act_array_len(b)) return false;
  if (n == 0) return true;
  /* No shortcut for a == b in general: [nan] != [nan], as nan != nan. */
  if (bytes_eq_kind(et->kind)) return a == b || memcmp(a->data, b->data, (size_t)n * et->size) == 0;
  if (et->kind == ACT_K_STRING) {
    act_str_t **x = a->data, **y = b->data;
    for (int64_t i = 0; i < n; i++)
      if (!act_str_eq(x[i], y[i])) return false;
    return true;
  }
  for (int64_t i = 0; i < n; i++)
    if (!act_value_eq(et, elem(a, i), elem(b, i))) return false;
  return true;
}
