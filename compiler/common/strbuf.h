/* strbuf.h: a growable, always NUL-terminated string, for building
 * messages and names of unknown length (instead of fixed buffers that
 * truncate). The memory is the caller's: strbuf_free, or keep `p`. */
#ifndef ACT_STRBUF_H
#define ACT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
  char *p;      /* NULL until something is added */
  size_t len, cap;
} strbuf_t;

void strbuf_printf(strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(strbuf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void strbuf_put(strbuf_t *b, const char *s, size_t len);
void strbuf_puts(strbuf_t *b, const char *s);
/* The text so far ("" when empty); valid until the next change. */
const char *strbuf_str(const strbuf_t *b);
void strbuf_free(strbuf_t *b);

#endif
