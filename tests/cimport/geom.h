/* geom.h: a project header for the `import c` tests (header-only, so no
 * library needs linking): every form cimport maps, and some it refuses. */
#ifndef GEOM_H
#define GEOM_H
#include <stdint.h>

#define GEOM_SCALE 3
#define GEOM_BIG 0xFFFFFFFFu
#define GEOM_NEG (-7)
#define GEOM_HUGE 5000000000
#define GEOM_NAME "geom"
#define GEOM_TWICE(x) ((x) * 2)

enum color { RED, GREEN = 5, BLUE };
typedef struct point { int32_t x; int32_t y; } point_t;
struct size { double w, h; };
struct flagged { double w; unsigned flags : 3; };
union either { int i; float f; };

static inline point_t geom_add(point_t a, point_t b) {
  point_t r = {a.x + b.x, a.y + b.y};
  return r;
}
static inline int64_t geom_dot(point_t a, point_t b) { return (int64_t)a.x * b.x + (int64_t)a.y * b.y; }
static inline double geom_area(struct size s) { return s.w * s.h; }
static inline int geom_sum(const int32_t *xs, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += xs[i];
  return s;
}
static inline const char *geom_greet(const char *who) { return who[0] ? "hello" : NULL; }
static inline int geom_len(const char *s) {
  int n = 0;
  while (s[n]) n++;
  return n;
}
static inline enum color geom_next(enum color c) { return c == RED ? GREEN : BLUE; }
static inline _Bool geom_odd(long n) { return n % 2 != 0; }
static inline void geom_fill(int32_t *out, int n) {
  for (int i = 0; i < n; i++) out[i] = i;
}
int geom_printf(const char *fmt, ...);
extern int geom_counter;
#endif
