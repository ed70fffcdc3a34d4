/* fmt.c: the text form of values (LANGUAGE.md §13), the scalar type
 * descriptors, and line-atomic print. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <float.h>

#include "act/act.h"
#include "rt/rt.h"
#include "value_int.h"

void act__map_print(act_buf_t *b, const act_map_t *m);

/* The buffer's bytes sit 8 bytes into their block, after room for an
 * act_str_t header, and one byte is always kept for a NUL: act_buf_to_str
 * can then hand the block over as the string without copying it (the
 * common case: an interpolation builds one string). A buffer handed over
 * is frozen (cap 0): a later write copies it first. An unallocated buffer
 * points at a static "" with cap 0, so b->p is always readable. */
#define BUF_HDR ((int64_t)offsetof(act_str_t, data))

void act_buf_init(act_buf_t *b) {
  b->p = (char *)"";
  b->len = 0;
  b->cap = 0;
}

static void buf_grow(act_buf_t *b, int64_t n) {
  int64_t need = b->len + n + 1;
  int64_t cap = b->cap < 48 ? 48 : b->cap;
  while (cap < need) cap *= 2;
  char *blk = act_alloc_atomic((size_t)(cap + BUF_HDR));
  if (b->len) memcpy(blk + BUF_HDR, b->p, (size_t)b->len);
  b->p = blk + BUF_HDR;
  b->cap = cap;
}

void act_buf_put(act_buf_t *b, const char *s, int64_t n) {
  if (n <= 0) return;
  if (b->len + n + 1 > b->cap) buf_grow(b, n);
  memcpy(b->p + b->len, s, (size_t)n);
  b->len += n;
}

void act_buf_cstr(act_buf_t *b, const char *s) { act_buf_put(b, s, (int64_t)strlen(s)); }
void act_buf_str(act_buf_t *b, const act_str_t *s) { act_buf_put(b, act_str_data(s), act_str_len(s)); }

static int u64_digits(char *end, uint64_t v) {
  char *p = end;
  do { *--p = (char)('0' + v % 10); v /= 10; } while (v);
  return (int)(end - p);
}

void act_buf_i64(act_buf_t *b, int64_t v) {
  char t[24];
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  int n = u64_digits(t + sizeof t, u);
  if (v < 0) t[sizeof t - 1 - n++] = '-';
  act_buf_put(b, t + sizeof t - n, n);
}

void act_buf_u64(act_buf_t *b, uint64_t v) {
  char t[24];
  int n = u64_digits(t + sizeof t, v);
  act_buf_put(b, t + sizeof t - n, n);
}

/* Floats as Python's repr(): the shortest decimal digits that read back as
 * the same value (for f32: as the same float), positional for decimal
 * exponents -4..15, else d.ddde+XX with at least two exponent digits;
 * integral values keep a ".0"; "inf", "-inf", "nan", "-0.0".
 *
 * Any decimal of at most DBL_DIG (15) digits reads back as the double
 * nearest to it, and the nearest 15-digit decimal to a double is the
 * shortest round-trip string padded with zeros when that one has <= 15
 * digits. So: 15 digits with trailing zeros dropped, else 16, else 17 (for
 * f32: 6, then 7, 8, 9). Integral values below 1e16 (2^24 for f32, whose
 * shortest digits may differ from the integer above that) print as the
 * integer they are, which is what the digit search would give. */
static int fmt_digits(char *out, size_t n, double v, int prec) {
  int len = snprintf(out, n, "%.*e", prec - 1, v);
  /* A locale (set by C code the program calls) may spell the point
   * differently: make it '.'. */
  for (int i = 0; i < len; i++)
    if (!(out[i] >= '0' && out[i] <= '9') && out[i] != '-' && out[i] != '+' && out[i] != 'e') out[i] = '.';
  return len;
}

/* [-]d.ddde[+-]XX -> the digits (NUL-terminated) and the exponent. */
static void split_digits(const char *d, char *mant, int *nm, int *exp) {
  int n = 0;
  if (*d == '-') d++;
  for (; *d && *d != 'e'; d++)
    if (*d >= '0' && *d <= '9') mant[n++] = *d;
  mant[n] = '\0';
  *nm = n;
  *exp = *d == 'e' ? atoi(d + 1) : 0;
}

/* Do these digits read back as v? */
static bool reads_back(const char *mant, int nm, int exp, int neg, double v, int is_f32) {
  char t[64];
  int n = 0;
  if (neg) t[n++] = '-';
  t[n++] = mant[0];
  t[n++] = '.';
  memcpy(t + n, mant + 1, (size_t)nm - 1);
  n += nm - 1;
  snprintf(t + n, sizeof t - (size_t)n, "e%d", exp);
  return is_f32 ? act__strtof_c(t, NULL) == (float)v : act__strtod_c(t, NULL) == v;
}

static void put_float(act_buf_t *b, double v, int is_f32) {
  if (isnan(v)) { act_buf_cstr(b, "nan"); return; }
  if (isinf(v)) { act_buf_cstr(b, v < 0 ? "-inf" : "inf"); return; }
  if (v == 0) { act_buf_cstr(b, signbit(v) ? "-0.0" : "0.0"); return; }
  double lim = is_f32 ? 16777216.0 : 1e16;
  if (v == floor(v) && fabs(v) < lim) {
    act_buf_i64(b, (int64_t)v);
    act_buf_put(b, ".0", 2);
    return;
  }
  char digits[64];
  char mant[40] = "0";
  int nm = 1, neg = signbit(v) != 0, exp = 0;
  int lo = is_f32 ? 6 : 15, hi = is_f32 ? 9 : 17;
  /* Subnormals have fewer significant bits: search from one digit. */
  if (fabs(v) < (is_f32 ? (double)FLT_MIN : DBL_MIN)) lo = 1;
  /* Above a power of two the gap to the next value is twice the gap
   * below, so the correctly rounded digits may miss while the next digit
   * string up (farther, but on the wide side) reads back: Python's repr
   * takes that one. */
  int fe;
  bool pow2 = frexp(v, &fe) == (neg ? -0.5 : 0.5) && lo > 1;
  for (int prec = lo; prec <= hi; prec++) {
    fmt_digits(digits, sizeof digits, v, prec);
    split_digits(digits, mant, &nm, &exp);
    if (prec == hi || reads_back(mant, nm, exp, neg, v, is_f32)) break;
    if (pow2 && prec > lo) {
      char up[40];
      int nu = nm, eu = exp;
      memcpy(up, mant, (size_t)nm + 1);
      int i = nu - 1;
      while (i >= 0 && up[i] == '9') up[i--] = '0';
      if (i >= 0) up[i]++;
      else { up[0] = '1'; eu++; }          /* 99..9 + 1 = 100..0 */
      if (reads_back(up, nu, eu, neg, v, is_f32)) {
        memcpy(mant, up, (size_t)nu + 1);
        exp = eu;
        break;
      }
    }
  }
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

void act_buf_f64(act_buf_t *b, double v) { put_float(b, v, 0); }
void act_buf_f32(act_buf_t *b, float v) { put_float(b, (double)v, 1); }
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

act_str_t *act_buf_to_str(act_buf_t *b) {
  if (b->len == 0) return NULL;
  /* Hand the block over unless it is frozen or mostly empty. */
  if (b->cap == 0 || b->cap - b->len > b->len / 2 + 64) return act_str_new(b->p, b->len);
  act_str_t *s = (act_str_t *)(void *)(b->p - BUF_HDR);
  s->len = b->len;
  s->data[b->len] = '\0';
  b->cap = 0;                          /* frozen: the string owns the bytes */
  return s;
}

act_str_t *act_to_str(const act_type_t *t, const void *v) {
  if (t->kind == ACT_K_STRING) return *(act_str_t *const *)v;
  act_buf_t b;
  act_buf_init(&b);
  act_buf_value(&b, t, v, false);
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

void act_print(act_ctx_t *cx, act_str_t *s) {
  act__vgate_check(cx);   /* a virtual activation's output: under its lease (rt.h) */
  write_line(1, s);
}
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
  const act_type_t act_type_##NAME = {.name = #NAME, .size = sizeof(CT), .kind = KIND, .eq = eq_##NAME, \
                                      .cmp = cmp_##NAME, .hash = hash_##NAME, .print = print_##NAME};

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
const act_type_t act_type_f64 = {.name = "float", .size = 8, .kind = ACT_K_F64, .eq = eq_f64, .cmp = cmp_f64, .print = print_f64};
static bool eq_f32(const void *a, const void *b) { return *(const float *)a == *(const float *)b; }
static int cmp_f32(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}
static void print_f32(act_buf_t *b, const void *v, bool q) { (void)q; act_buf_f32(b, *(const float *)v); }
const act_type_t act_type_f32 = {.name = "f32", .size = 4, .kind = ACT_K_F32, .eq = eq_f32, .cmp = cmp_f32, .print = print_f32};

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
const act_type_t act_type_string = {.name = "string", .size = sizeof(void *), .kind = ACT_K_STRING, .eq = eq_str,
                                    .cmp = cmp_str, .hash = hash_str, .print = print_str};

static bool eq_ptr(const void *a, const void *b) { return *(void *const *)a == *(void *const *)b; }
static void print_ref(act_buf_t *b, const void *v, bool q) {
  (void)q;
  act_actor_t *a = *(act_actor_t *const *)v;
  act_buf_cstr(b, "<");
  if (a && (atomic_load_explicit(&a->flags, memory_order_relaxed) & AF_VIRTUAL)) act_buf_cstr(b, act__virtual_name(a));
  else act_buf_cstr(b, a && a->type ? a->type->name : "actor");
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
/* A node value is its interned name (cluster/declare.c), shown bare
 * even inside containers: it is a name, not a string. */
static void print_node(act_buf_t *b, const void *v, bool q) {
  (void)q;
  act_buf_str(b, *(act_str_t *const *)v);
}
static bool eq_ref(const void *a, const void *b) {
  return act_ref_eq(*(act_actor_t *const *)a, *(act_actor_t *const *)b);
}
static uint64_t hash_ref(const void *v) { return act_ref_hash(*(act_actor_t *const *)v); }
const act_type_t act_type_ref = {.name = "ref", .size = sizeof(void *), .kind = ACT_K_REF, .eq = eq_ref,
                                 .hash = hash_ref, .print = print_ref};
const act_type_t act_type_timer = {.name = "timer", .size = sizeof(void *), .kind = ACT_K_TIMER, .eq = eq_ptr, .print = print_opaque};
const act_type_t act_type_future = {.name = "future", .size = sizeof(void *), .kind = ACT_K_FUTURE, .eq = eq_ptr, .print = print_future};
const act_type_t act_type_node = {.name = "node", .size = sizeof(void *), .kind = ACT_K_NODE, .eq = eq_ptr, .print = print_node};

/* Generic container printing used by generated array/map descriptors. */
void act__array_print(act_buf_t *b, const act_array_t *a) {
  act_buf_put(b, "[", 1);
  for (int64_t i = 0; i < act_array_len(a); i++) {
    if (i) act_buf_put(b, ", ", 2);
    act_buf_value(b, a->et, (char *)a->data + (size_t)i * a->et->size, true);
  }
  act_buf_put(b, "]", 1);
}
