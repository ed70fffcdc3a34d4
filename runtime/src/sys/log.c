/* log.c: the C side of std.log — the level threshold, where lines go, and
 * writing one line with one write(2), so that lines from actors running on
 * different workers never interleave (as print does, LANGUAGE.md §13). The
 * settings are process-wide: a logger is configured once, at start. */
#include "act/act.h"
#include "act/sys.h"
#include "rt/rt.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int64_t min_level = 0;   /* INFO */
static _Atomic int out_fd = 2;
static _Atomic bool with_time = true;

void act_log_configure(int64_t level, bool to_stdout, bool timestamps) {
  atomic_store(&min_level, level);
  atomic_store(&out_fd, to_stdout ? 1 : 2);
  atomic_store(&with_time, timestamps);
}

int64_t act_log_level(void) { return atomic_load(&min_level); }
bool act_log_timestamps(void) { return atomic_load(&with_time); }

void act_log_write(act_str_t *line) {
  act__vgate_here();   /* a virtual activation's effect: under its lease (rt.h) */
  int64_t n = act_str_len(line);
  char stackbuf[1024];
  char *buf = n + 1 <= (int64_t)sizeof stackbuf ? stackbuf : malloc((size_t)n + 1);
  if (buf == NULL)
    return;   /* out of memory: the line is lost, the program goes on */
  memcpy(buf, act_str_data(line), (size_t)n);
  buf[n] = '\n';
  /* One write; a short write (a line longer than the pipe's buffer) is
   * finished by more writes rather than lost. */
  const char *p = buf;
  size_t left = (size_t)n + 1;
  int fd = atomic_load(&out_fd);
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    p += w;
    left -= (size_t)w;
  }
  if (buf != stackbuf)
    free(buf);
}

/* A value as logfmt writes it: bare when it is a plain word, otherwise in
 * double quotes with \" \\ \n \r \t and \xHH for other control bytes. */
act_str_t *act_log_quote(act_str_t *s) {
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  int64_t n = act_str_len(s);
  bool plain = n > 0;
  for (int64_t i = 0; i < n && plain; i++)
    if (p[i] <= ' ' || p[i] == '"' || p[i] == '=' || p[i] == '\\' || p[i] == 0x7f)
      plain = false;
  if (plain)
    return s;
  act_buf_t b;
  act_buf_init(&b);
  act_buf_put(&b, "\"", 1);
  for (int64_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    switch (c) {
    case '"': act_buf_put(&b, "\\\"", 2); break;
    case '\\': act_buf_put(&b, "\\\\", 2); break;
    case '\n': act_buf_put(&b, "\\n", 2); break;
    case '\r': act_buf_put(&b, "\\r", 2); break;
    case '\t': act_buf_put(&b, "\\t", 2); break;
    default:
      if (c < ' ' || c == 0x7f) {
        char hex[5];
        static const char digits[] = "0123456789abcdef";
        hex[0] = '\\'; hex[1] = 'x'; hex[2] = digits[c >> 4]; hex[3] = digits[c & 15];
        act_buf_put(&b, hex, 4);
      } else {
        act_buf_put(&b, (const char *)&p[i], 1);
      }
    }
  }
  act_buf_put(&b, "\"", 1);
  return act_buf_to_str(&b);
}
