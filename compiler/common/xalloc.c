/* xalloc.c: allocation that reports and exits (xalloc.h). */
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void xalloc_failed(void) {
  fputs("actorc: out of memory\n", stderr);
  exit(3);
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (p == NULL)
    xalloc_failed();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL)
    xalloc_failed();
  return p;
}

void *xrealloc(void *p, size_t size) {
  void *q = realloc(p, size ? size : 1);
  if (q == NULL)
    xalloc_failed();
  return q;
}

char *xstrndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *d = xmalloc(len + 1);
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }
