/* act_interp: string interpolation from a format and its arguments
 * (act/lang.h). The format is written by actorc, never by a user: text of
 * the program's literal pieces with '%' doubled, and one directive per
 * interpolated value. */
#include <stdio.h>
#include <stdlib.h>

#include "act/act.h"

static void bad_directive(const char *fmt, char c) {
  fprintf(stderr, "act: internal error: act_interp directive %%%c in \"%s\"\n", c, fmt);
  abort();
}

act_str_t *act_interp(const char *fmt, ...) {
  act_buf_t b;
  act_buf_init(&b);
  va_list ap;
  va_start(ap, fmt);
  const char *p = fmt;
  while (*p) {
    const char *q = p;
    while (*q && *q != '%') q++;
    if (q > p) act_buf_put(&b, p, q - p);
    if (*q == '\0') break;
    switch (q[1]) {
    case 'S': act_buf_str(&b, va_arg(ap, act_str_t *)); break;
    case 'd': act_buf_i64(&b, va_arg(ap, int64_t)); break;
    case 'u': act_buf_u64(&b, va_arg(ap, uint64_t)); break;
    case 'F': act_buf_f64(&b, va_arg(ap, double)); break;
    case 'f': act_buf_f32(&b, (float)va_arg(ap, double)); break;
    case 'b': act_buf_bool(&b, va_arg(ap, int) != 0); break;
    case 't': act_buf_duration(&b, va_arg(ap, int64_t)); break;
    case 'V': {
      const act_type_t *t = va_arg(ap, const act_type_t *);
      act_buf_value(&b, t, va_arg(ap, const void *), false);
      break;
    }
    case '%': act_buf_put(&b, "%", 1); break;
    default: bad_directive(fmt, q[1]);
    }
    p = q + 2;
  }
  va_end(ap);
  return act_buf_to_str(&b);
}
