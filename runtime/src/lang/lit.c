/* Array and map literals in one call (act/lang.h): the emitted C passes the
 * elements as C arrays instead of a push or put per element, which made an
 * 8,000-element literal take the C compiler half a minute. */
#include "act/act.h"

act_array_t *act_array_lit(const act_type_t *et, int64_t n, const void *elems) {
  act_array_t *a = act_array_new(et, n);
  const char *e = elems;
  for (int64_t i = 0; i < n; i++) act_array_push(&a, et, e + (size_t)i * et->size);
  return a;
}

act_map_t *act_map_lit(const act_type_t *kt, const act_type_t *vt, int64_t n, const void *keys,
                       const void *vals) {
  act_map_t *m = act_map_new(kt, vt);
  const char *k = keys, *v = vals;
  for (int64_t i = 0; i < n; i++)
    act_map_put(&m, kt, vt, k + (size_t)i * kt->size, v + (size_t)i * vt->size);
  return m;
}
