/* utf8.h: well-formed UTF-8, for the lexer (strings must be) and for
 * diagnostics (lines are echoed with anything else shown as '?'). */
#ifndef ACT_UTF8_H
#define ACT_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence of two or more bytes at s
 * (no overlong forms, no surrogates, at most U+10FFFF), or 0. */
static inline size_t utf8_seq(const char *s, const char *lim) {
  const unsigned char *p = (const unsigned char *)s;
  size_t avail = (size_t)(lim - s);
  unsigned char c = p[0];
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || avail < n)
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
      (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
    return 0;
  return n;
}

#endif
