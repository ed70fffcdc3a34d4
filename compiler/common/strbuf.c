/* strbuf.c: growable strings (strbuf.h). */
#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static void reserve(strbuf_t *b, size_t more) {
  if (more > (size_t)-1 / 2 - b->len)
    xalloc_failed();
  if (b->len + more + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + more + 1)
    cap *= 2;
  b->p = xrealloc(b->p, cap);
  b->cap = cap;
}

void strbuf_put(strbuf_t *b, const char *s, size_t len) {
  reserve(b, len);
  memcpy(b->p + b->len, s, len);
  b->len += len;
  b->p[b->len] = '\0';
}

void strbuf_puts(strbuf_t *b, const char *s) { strbuf_put(b, s, strlen(s)); }

/* Formats into the room the buffer has (at least 128 bytes, a line of
 * generated C), and a second time only when that was too little: the
 * emitter's output is almost all strbuf_printf, and measuring every
 * string first doubled its time. */
void strbuf_vprintf(strbuf_t *b, const char *fmt, va_list ap) {
  reserve(b, 128);
  size_t room = b->cap - b->len;
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(b->p + b->len, room, fmt, ap);
  if (n < 0) {
    b->p[b->len] = '\0';
  } else {
    if ((size_t)n >= room) {
      reserve(b, (size_t)n);
      vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
    }
    b->len += (size_t)n;
  }
  va_end(again);
}

void strbuf_printf(strbuf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  strbuf_vprintf(b, fmt, ap);
  va_end(ap);
}

const char *strbuf_str(const strbuf_t *b) { return b->p ? b->p : ""; }

void strbuf_free(strbuf_t *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
