/* vec.h: a growable array of any element type, as Lua's luaM_growvector:
 * the vector is three fields of its owner (or a VEC(T) struct), and
 * VEC_PUSH doubles the capacity when it is full.
 *
 *   VEC(ast_t *) mods = {0};
 *   VEC_PUSH(&mods, m);          ... mods.v[i], mods.n ...
 *   VEC_FREE(&mods);
 */
#ifndef ACT_VEC_H
#define ACT_VEC_H

#include <stddef.h>

#define VEC(T) struct { T *v; int n, cap; }

/* Returns p grown (xrealloc) to hold at least `need` elements of `size`
 * bytes, updating *cap; p itself when it already does. */
void *vec_grow(void *p, int *cap, int need, size_t size);

#define VEC_RESERVE(vec, need) \
  ((vec)->v = vec_grow((vec)->v, &(vec)->cap, (need), sizeof *(vec)->v))
#define VEC_PUSH(vec, x) \
  (VEC_RESERVE((vec), (vec)->n + 1), (vec)->v[(vec)->n++] = (x))
#define VEC_FREE(vec) \
  (free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

#endif
