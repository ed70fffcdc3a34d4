/* fmt.c: the text form of values (LANGUAGE.md §13), the scalar type
 * descriptors, and line-atomic print. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "act.h"

void act__map_print(act_buf_t *b, const act_map_t *m);

void act_buf_init(act_buf_t *b) {
  b->cap = 64;
  b->len = 0;
  b->p = act_alloc_atomic((size_t)b->cap);
}

void act_buf_put(act_buf_t *b, const char *s, int64_t n) {
  if (n <= 0) return;
  if (b->len + n + 1 > b->cap) {
    int64_t cap = b->cap * 2;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = act_alloc_atomic((size_t)cap);
    memcpy(p, b->p, (size_t)b->len);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, (size_t)n);
  b->len += n;
}

void act_buf_cstr(act_buf_t *b, const char *s) { act_buf_put(b, s, (int64_t)strlen(s)); }
void act_buf_str(act_buf_t *b, const act_str_t *s) { act_buf_put(b, act_str_data(s), act_str_len(s)); }

void act_buf_i64(act_buf_t *b, int64_t v) {
  char t[24];
  int n = snprintf(t, sizeof t, "%" PRId64, v);
  act_buf_put(b, t, n);
}

void act_buf_u64(act_buf_t *b, uint64_t v) {
  char t[24];
  int n = snprintf(t, sizeof t, "%" PRIu64, v);
  act_buf_put(b, t, n);
}

/* Python's repr(): the shortest digits that read back as the same double,
 * in positional notation for exponents -4..15, else scientific with at
 * least two exponent digits; integral values keep a ".0". */
static void put_float(act_buf_t *b, double v, int maxprec, int is_f32) {
  if (isnan(v)) { act_buf_cstr(b, "nan"); return; }
  if (isinf(v)) { act_buf_cstr(b, v < 0 ? "-inf" : "inf"); return; }
  char digits[64];
  int prec;
  for (prec = 1; prec <= maxprec; prec++) {
    snprintf(digits, sizeof digits, "%.*e", prec - 1, v);
    if (is_f32 ? (float)strtod(digits, NULL) == (float)v : strtod(digits, NULL) == v) break;
  }
  /* digits is d.ddde[+-]XX: split mantissa digits and exponent. */
  char mant[40];
  int nm = 0, neg = 0;
  const char *p = digits;
  if (*p == '-') { neg = 1; p++; }
  for (; *p && *p != 'e'; p++)
    if (*p != '.') mant[nm++] = *p;
  mant[nm] = '\0';
  int exp = atoi(p + 1);
  while (nm > 1 && mant[nm - 1] == '0') mant[--nm] = '\0';
  if (neg) act_buf_put(b, "-", 1);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      act_buf_put(b, "0.", 2);
      for (int i = 0; i < -exp - 1; i++) act_buf_put(b, "0", 1);
      act_buf_put(b, mant, nm);
    } else if (nm <= exp + 1) {
      act_buf_put(b, mant, nm);
      for (int i = nm; i < exp + 1; i++) act_buf_put(b, "0", 1);
      act_buf_put(b, ".0", 2);
    } else {
      act_buf_put(b, mant, exp + 1);
      act_buf_put(b, ".", 1);
      act_buf_put(b, mant + exp + 1, nm - exp - 1);
    }
    return;
  }
  act_buf_put(b, mant, 1);
  if (nm > 1) {
    act_buf_put(b, ".", 1);
    act_buf_put(b, mant + 1, nm - 1);
  }
  char e[8];
  int n = snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  act_buf_put(b, e, n);
}

void act_buf_f64(act_buf_t *b, double v) { put_float(b, v, 17, 0); }
void act_buf_f32(act_buf_t *b, float v) { put_float(b, (double)v, 9, 1); }
void act_buf_bool(act_buf_t *b, bool v) { act_buf_cstr(b, v ? "true" : "false"); }

/* Durations print in the largest unit that keeps them exact: 250ms, 5s,
 * 1500us; zero is 0s. */
void act_buf_duration(act_buf_t *b, int64_t ns) {
  static const struct { int64_t n; const char *u; } units[] = {
      {3600000000000LL, "h"}, {60000000000LL, "m"}, {1000000000LL, "s"},
      {1000000LL, "ms"}, {1000LL, "us"}, {1, "ns"}};
  if (ns == 0) { act_buf_cstr(b, "0s"); return; }
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (ns % units[i].n == 0) {
      act_buf_i64(b, ns / units[i].n);
      act_buf_cstr(b, units[i].u);
      return;
    }
}

void act_buf_quoted(act_buf_t *b, const act_str_t *s) {
  act_buf_put(b, "\"", 1);
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  for (int64_t i = 0; i < act_str_len(s); i++) {
    unsigned char c = p[i];
    switch (c) {
    case '"': act_buf_put(b, "\\\"", 2); break;
    case '\\': act_buf_put(b, "\\\\", 2); break;
    case '\n': act_buf_put(b, "\\n", 2); break;
    case '\t': act_buf_put(b, "\\t", 2); break;
    case '\r': act_buf_put(b, "\\r", 2); break;
    default:
      if (c < 0x20 || c == 0x7f) {
        char t[12];
        int n = snprintf(t, sizeof t, "\\u{%x}", c);
        act_buf_put(b, t, n);
      } else {
        act_buf_put(b, (const char *)&p[i], 1);
      }
    }
  }
  act_buf_put(b, "\"", 1);
}

void act_buf_value(act_buf_t *b, const act_type_t *t, const void *v, bool quoted) {
  t->print(b, v, quoted);
}

act_str_t *act_buf_to_str(act_buf_t *b) { return act_str_new(b->p, b->len); }

act_str_t *act_to_str(const act_type_t *t, const void *v) {
  if (t->kind == ACT_K_STRING) return *(act_str_t *const *)v;
  act_buf_t b;
  act_buf_init(&b);
  t->print(&b, v, false);
  return act_buf_to_str(&b);
}

static void write_line(int fd, act_str_t *s) {
  int64_t n = act_str_len(s);
  char small[256];
  char *p = n + 1 <= (int64_t)sizeof small ? small : malloc((size_t)n + 1);
  if (p == NULL) return;
  memcpy(p, act_str_data(s), (size_t)n);
  p[n] = '\n';
  int64_t off = 0;
  while (off < n + 1) {
    ssize_t w = write(fd, p + off, (size_t)(n + 1 - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += w;
  }
  if (p != small) free(p);
}

void act_print(act_ctx_t *cx, act_str_t *s) { (void)cx; write_line(1, s); }
void act_eprint(act_ctx_t *cx, act_str_t *s) { (void)cx; write_line(2, s); }

/* ---- scalar descriptors ------------------------------------------------ */

#define SCALAR(NAME, CT, KIND, PRINT)                                          \
  static bool eq_##NAME(const void *a, const void *b) { return *(const CT *)a == *(const CT *)b; } \
  static int cmp_##NAME(const void *a, const void *b) {                        \
    CT x = *(const CT *)a, y = *(const CT *)b; return x < y ? -1 : x > y;       \
  }                                                                            \
  static uint64_t hash_##NAME(const void *a) {                                 \
    uint64_t h = (uint64_t)*(const CT *)a; h ^= h >> 33; h *= 0xff51afd7ed558ccdull; h ^= h >> 33; return h; \
  }                                                                            \
  static void print_##NAME(act_buf_t *b, const void *v, bool q) { (void)q; PRINT(b, *(const CT *)v); } \
  const act_type_t act_type_##NAME = {#NAME, sizeof(CT), KIND, eq_##NAME, cmp_##NAME, hash_##NAME, \
                                      print_##NAME, NULL, NULL, NULL};

#define P_I(b, v) act_buf_i64(b, (int64_t)(v))
#define P_U(b, v) act_buf_u64(b, (uint64_t)(v))
SCALAR(i8, int8_t, ACT_K_I8, P_I)
SCALAR(i16, int16_t, ACT_K_I16, P_I)
SCALAR(i32, int32_t, ACT_K_I32, P_I)
SCALAR(i64, int64_t, ACT_K_I64, P_I)
SCALAR(u8, uint8_t, ACT_K_U8, P_U)
SCALAR(u16, uint16_t, ACT_K_U16, P_U)
SCALAR(u32, uint32_t, ACT_K_U32, P_U)
SCALAR(u64, uint64_t, ACT_K_U64, P_U)
SCALAR(bool, bool, ACT_K_BOOL, act_buf_bool)
SCALAR(duration, int64_t, ACT_K_DURATION, act_buf_duration)

static bool eq_f64(const void *a, const void *b) { return *(const double *)a == *(const double *)b; }
static int cmp_f64(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static void print_f64(act_buf_t *b, const void *v, bool q) { (void)q; act_buf_f64(b, *(const double *)v); }
const act_type_t act_type_f64 = {"float", 8, ACT_K_F64, eq_f64, cmp_f64, NULL, print_f64, NULL, NULL, NULL};
static bool eq_f32(const void *a, const void *b) { return *(const float *)a == *(const float *)b; }
static int cmp_f32(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}
static void print_f32(act_buf_t *b, const void *v, bool q) { (void)q; act_buf_f32(b, *(const float *)v); }
const act_type_t act_type_f32 = {"f32", 4, ACT_K_F32, eq_f32, cmp_f32, NULL, print_f32, NULL, NULL, NULL};

static bool eq_str(const void *a, const void *b) {
  return act_str_eq(*(act_str_t *const *)a, *(act_str_t *const *)b);
}
static int cmp_str(const void *a, const void *b) {
  return act_str_cmp(*(act_str_t *const *)a, *(act_str_t *const *)b);
}
static uint64_t hash_str(const void *a) { return act_str_hash(*(act_str_t *const *)a); }
static void print_str(act_buf_t *b, const void *v, bool q) {
  if (q) act_buf_quoted(b, *(act_str_t *const *)v);
  else act_buf_str(b, *(act_str_t *const *)v);
}
const act_type_t act_type_string = {"string", sizeof(void *), ACT_K_STRING, eq_str, cmp_str,
                                    hash_str, print_str, NULL, NULL, NULL};

static bool eq_ptr(const void *a, const void *b) { return *(void *const *)a == *(void *const *)b; }
static void print_ref(act_buf_t *b, const void *v, bool q) {
  (void)q;
  act_actor_t *a = *(act_actor_t *const *)v;
  act_buf_cstr(b, "<");
  act_buf_cstr(b, a && a->type ? a->type->name : "actor");
  act_buf_cstr(b, ">");
}
static void print_opaque(act_buf_t *b, const void *v, bool q) {
  (void)v; (void)q;
  act_buf_cstr(b, "<timer>");
}
static void print_future(act_buf_t *b, const void *v, bool q) {
  (void)v; (void)q;
  act_buf_cstr(b, "<future>");
}
static void print_node(act_buf_t *b, const void *v, bool q) {
  (void)v; (void)q;
  act_buf_cstr(b, "<node>");
}
const act_type_t act_type_ref = {"ref", sizeof(void *), ACT_K_REF, eq_ptr, NULL, NULL, print_ref, NULL, NULL, NULL};
const act_type_t act_type_timer = {"timer", sizeof(void *), ACT_K_TIMER, eq_ptr, NULL, NULL, print_opaque, NULL, NULL, NULL};
const act_type_t act_type_future = {"future", sizeof(void *), ACT_K_FUTURE, eq_ptr, NULL, NULL, print_future, NULL, NULL, NULL};
const act_type_t act_type_node = {"node", sizeof(void *), ACT_K_NODE, eq_ptr, NULL, NULL, print_node, NULL, NULL, NULL};

/* Generic container printing used by generated array/map descriptors. */
void act__array_print(act_buf_t *b, const act_array_t *a) {
  act_buf_put(b, "[", 1);
  for (int64_t i = 0; i < act_array_len(a); i++) {
    if (i) act_buf_put(b, ", ", 2);
    act_buf_value(b, a->et, (char *)a->data + (size_t)i * a->et->size, true);
  }
  act_buf_put(b, "]", 1);
}
