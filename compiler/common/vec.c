/* vec.c: growth of VEC(T) arrays (vec.h). */
#include "common/vec.h"

#include <stdint.h>

#include "common/xalloc.h"

void *vec_grow(void *p, int *cap, int need, size_t size) {
  if (need <= *cap)
    return p;
  if (need > INT32_MAX / 2 || (size_t)need > SIZE_MAX / 2 / size)
    xalloc_failed();
  int c = *cap ? *cap : 8;
  while (c < need)
    c *= 2;
  *cap = c;
  return xrealloc(p, (size_t)c * size);
}
