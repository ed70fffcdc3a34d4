/* str.c: immutable strings and their methods (LANGUAGE.md §3, §13).
 *
 * A string is an act_str_t in the collected heap (or a literal in static
 * storage); NULL is "". Nothing here ever writes to a string after it has
 * been returned, so strings are shared freely between actors, and a method
 * whose result equals its input (trim with nothing to trim, lower of a
 * lower-case string, ...) returns the input itself.
 *
 * Decisions:
 *  - Everything is bytewise: len, find (a byte offset), cmp (memcmp order),
 *    trim (ASCII white space).
 *  - lower/upper map each code point by Unicode's simple (one to one) case
 *    mapping, as Go's strings.ToUpper and Erlang's string:uppercase do for
 *    all but a few special cases ("ß".upper() stays "ß"); bytes that are
 *    not valid UTF-8 are kept. The tables are the C library's C.UTF-8
 *    locale; where it has none, only ASCII letters change.
 *  - split(sep) is Python's str.split(sep): "a,,b" gives ["a", "", "b"],
 *    "" gives [""]. An empty separator (Python raises) gives [s].
 *  - parse_int accepts what an integer literal may spell: an optional sign,
 *    decimal, 0x/0X hex or 0b/0B binary digits, `_` between digits; no
 *    spaces; false on anything else or when the value does not fit an i64
 *    (-9223372036854775808 does fit).
 *  - parse_float accepts decimal floats as C's strtod and Python's float()
 *    read them ("1.5", "-2e-3", ".5", "5.", "+1"), plus "inf", "infinity"
 *    and "nan" in any case with an optional sign; no spaces, no hex floats,
 *    no `_`; the whole string must be consumed. Out-of-range values give
 *    inf or 0 as strtod does (Python does the same).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* memmem, strtod_l */
#endif
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "act/act.h"
#include "value_int.h"

act_str_t *act_str_new(const char *bytes, int64_t len) {
  if (len <= 0)
    return NULL;
  act_str_t *s = act_alloc_atomic(sizeof *s + (size_t)len + 1);
  s->len = len;
  memcpy(s->data, bytes, (size_t)len);
  s->data[len] = '\0';
  return s;
}

act_str_t *act_str_from_cstr(const char *s) {
  return s ? act_str_new(s, (int64_t)strlen(s)) : NULL;
}

act_str_t *act_str_from_i64(int64_t v) {
  act_buf_t b;
  act_buf_init(&b);
  act_buf_i64(&b, v);
  return act_buf_to_str(&b);
}

act_str_t *act_str_concat(act_str_t *a, act_str_t *b) {
  int64_t la = act_str_len(a), lb = act_str_len(b);
  if (la == 0) return b;
  if (lb == 0) return a;
  act_str_t *s = act_alloc_atomic(sizeof *s + (size_t)(la + lb) + 1);
  s->len = la + lb;
  memcpy(s->data, a->data, (size_t)la);
  memcpy(s->data + la, b->data, (size_t)lb);
  s->data[la + lb] = '\0';
  return s;
}

bool act_str_eq(const act_str_t *a, const act_str_t *b) {
  if (a == b) return true;
  int64_t la = act_str_len(a);
  if (la != act_str_len(b)) return false;
  /* (the bound keeps GCC's -Wstringop-overread quiet about negative len) */
  size_t n = (size_t)la;
  if (la <= 0 || n > ((size_t)1 << 48)) return la <= 0;
  return memcmp(a->data, b->data, n) == 0;
}

int act_str_cmp(const act_str_t *a, const act_str_t *b) {
  int64_t la = act_str_len(a), lb = act_str_len(b);
  size_t n = (size_t)(la < lb ? la : lb);
  int c = n > 0 && n < ((size_t)1 << 48) ? memcmp(act_str_data(a), act_str_data(b), n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb;
}

/* wyhash-style: short strings are read as a few (overlapping) words, long
 * ones 16 bytes at a time, all folded with 64x64->128-bit multiplies, so
 * every bit of the result depends on every byte (the maps use the low
 * bits as the slot). Not keyed: nothing outside the process sees it. */
static inline uint64_t mum(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}
static inline uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

uint64_t act_str_hash(const act_str_t *s) {
  const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
  size_t n = (size_t)act_str_len(s);
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  uint64_t seed = k0, a, b;
  if (n <= 16) {
    if (n >= 4) {
      size_t q = (n >> 3) << 2;
      a = (rd32(p) << 32) | rd32(p + q);
      b = (rd32(p + n - 4) << 32) | rd32(p + n - 4 - q);
    } else if (n > 0) {
      a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    while (i > 16) {
      seed = mum(rd64(p) ^ k1, rd64(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = rd64(p + i - 16);
    b = rd64(p + i - 8);
  }
  return mum(k1 ^ (uint64_t)n, mum(a ^ k1, b ^ seed ^ k2));
}

static const char *find_bytes(const char *h, int64_t hl, const char *n, int64_t nl) {
  if (nl == 0) return h;
  if (nl > hl) return NULL;
  if (nl == 1) return memchr(h, (unsigned char)n[0], (size_t)hl);
  return memmem(h, (size_t)hl, n, (size_t)nl);
}

act_array_t *act_str_split(act_str_t *s, act_str_t *sep) {
  act_array_t *out = act_array_new(&act_type_string, 4);
  int64_t sl = act_str_len(sep);
  if (sl == 0) {
    act_array_push(&out, &act_type_string, &s);
    return out;
  }
  const char *p = act_str_data(s), *end = p + act_str_len(s);
  for (;;) {
    const char *hit = find_bytes(p, end - p, sep->data, sl);
    act_str_t *part = (p == act_str_data(s) && hit == NULL) ? s : act_str_new(p, (hit ? hit : end) - p);
    act_array_push(&out, &act_type_string, &part);
    if (hit == NULL) break;
    p = hit + sl;
  }
  return out;
}

bool act_str_contains(act_str_t *s, act_str_t *sub) {
  return find_bytes(act_str_data(s), act_str_len(s), act_str_data(sub), act_str_len(sub)) != NULL;
}

bool act_str_starts_with(act_str_t *s, act_str_t *p) {
  int64_t n = act_str_len(p);
  return n <= act_str_len(s) && (n == 0 || memcmp(s->data, p->data, (size_t)n) == 0);
}

bool act_str_ends_with(act_str_t *s, act_str_t *p) {
  int64_t n = act_str_len(p), m = act_str_len(s);
  return n <= m && (n == 0 || memcmp(s->data + m - n, p->data, (size_t)n) == 0);
}

int64_t act_str_find(act_str_t *s, act_str_t *sub) {
  const char *h = act_str_data(s);
  const char *r = find_bytes(h, act_str_len(s), act_str_data(sub), act_str_len(sub));
  return r ? r - h : -1;
}

static bool ascii_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

act_str_t *act_str_trim(act_str_t *s) {
  const char *b = act_str_data(s), *p = b, *e = p + act_str_len(s);
  while (p < e && ascii_space((unsigned char)*p)) p++;
  while (e > p && ascii_space((unsigned char)e[-1])) e--;
  if (p == b && e - p == act_str_len(s)) return s;
  return act_str_new(p, e - p);
}

/* One code point at p (n bytes left): its value and length, or -1 for a
 * byte that does not begin well-formed UTF-8 (overlong, surrogate, cut). */
static int32_t utf8_next(const unsigned char *p, int64_t n, int *len) {
  unsigned c = p[0];
  int k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (k == 0 || k > n) return -1;
  uint32_t v = k == 1 ? c : c & (0x7f >> k);
  for (int i = 1; i < k; i++) {
    if ((p[i] & 0xc0) != 0x80) return -1;
    v = v << 6 | (p[i] & 0x3f);
  }
  static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < least[k] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return -1;
  *len = k;
  return (int32_t)v;
}

static int utf8_put(char *o, uint32_t v) {
  if (v < 0x80) { o[0] = (char)v; return 1; }
  if (v < 0x800) { o[0] = (char)(0xc0 | v >> 6); o[1] = (char)(0x80 | (v & 0x3f)); return 2; }
  if (v < 0x10000) {
    o[0] = (char)(0xe0 | v >> 12); o[1] = (char)(0x80 | (v >> 6 & 0x3f));
    o[2] = (char)(0x80 | (v & 0x3f)); return 3;
  }
  o[0] = (char)(0xf0 | v >> 18); o[1] = (char)(0x80 | (v >> 12 & 0x3f));
  o[2] = (char)(0x80 | (v >> 6 & 0x3f)); o[3] = (char)(0x80 | (v & 0x3f)); return 4;
}

static locale_t utf8_locale(void);

static uint32_t case_of(uint32_t v, bool up) {
  if (v < 0x80) {
    if (up && v >= 'a' && v <= 'z') return v - ('a' - 'A');
    if (!up && v >= 'A' && v <= 'Z') return v + ('a' - 'A');
    return v;
  }
  locale_t l = utf8_locale();
  if (l == (locale_t)0) return v;
  wint_t w = up ? towupper_l((wint_t)v, l) : towlower_l((wint_t)v, l);
  return w > 0x10ffff || (w >= 0xd800 && w <= 0xdfff) ? v : (uint32_t)w;
}

static act_str_t *map_case(act_str_t *s, bool up) {
  int64_t n = act_str_len(s);
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  int64_t i = 0;
  for (;;) {                          /* find the first code point that changes */
    if (i == n) return s;
    int k = 1;
    int32_t v = utf8_next(p + i, n - i, &k);
    if (v >= 0 && case_of((uint32_t)v, up) != (uint32_t)v) break;
    i += v < 0 ? 1 : k;
  }
  act_buf_t b;
  act_buf_init(&b);
  act_buf_put(&b, (const char *)p, i);
  while (i < n) {
    int k = 1;
    int32_t v = utf8_next(p + i, n - i, &k);
    char o[4];
    if (v < 0) { act_buf_put(&b, (const char *)p + i, 1); i++; continue; }
    act_buf_put(&b, o, utf8_put(o, case_of((uint32_t)v, up)));
    i += k;
  }
  return act_buf_to_str(&b);
}
act_str_t *act_str_lower(act_str_t *s) { return map_case(s, false); }
act_str_t *act_str_upper(act_str_t *s) { return map_case(s, true); }

act_array_t *act_str_bytes(act_str_t *s) {
  int64_t n = act_str_len(s);
  act_array_t *a = act_array_new(&act_type_u8, n);
  if (n > 0) memcpy(a->data, s->data, (size_t)n);
  a->len = n;
  return a;
}

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool act_parse_int(act_str_t *s, int64_t *out) {
  const char *p = act_str_data(s), *e = p + act_str_len(s);
  int neg = 0, base = 10, digits = 0;
  if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
  if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
  else if (e - p > 2 && p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) { base = 2; p += 2; }
  uint64_t v = 0;
  for (; p < e; p++) {
    if (*p == '_') {
      /* only between two digits */
      if (!digits || p + 1 == e || p[1] == '_') return false;
      continue;
    }
    int d = digit_value(*p);
    if (d >= base) return false;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
    v = v * (uint64_t)base + (uint64_t)d;
    digits++;
  }
  if (!digits) return false;
  if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

/* A locale made once and shared by every thread (newlocale is not cheap,
 * and a locale_t is read-only once made). */
static locale_t shared_locale(locale_t *slot, int mask, const char *name) {
  locale_t l = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (l == (locale_t)0) {
    locale_t n = newlocale(mask, name, (locale_t)0);
    if (n == (locale_t)0) return (locale_t)0;
    locale_t expected = (locale_t)0;
    if (__atomic_compare_exchange_n(slot, &expected, n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      l = n;
    else {
      freelocale(n);
      l = expected;
    }
  }
  return l;
}

/* strtod/strtof in the "C" locale whatever the program (or C code it
 * calls) set with setlocale. */
static locale_t c_locale(void) {
  static locale_t loc;
  return shared_locale(&loc, LC_ALL_MASK, "C");
}

/* Case tables for lower/upper, whatever locale the program set. */
static locale_t utf8_locale(void) {
  static locale_t loc;
  return shared_locale(&loc, LC_CTYPE_MASK, "C.UTF-8");
}

double act__strtod_c(const char *s, char **end) {
  locale_t l = c_locale();
  return l ? strtod_l(s, end, l) : strtod(s, end);
}

float act__strtof_c(const char *s, char **end) {
  locale_t l = c_locale();
  return l ? strtof_l(s, end, l) : strtof(s, end);
}

bool act_parse_float(act_str_t *s, double *out) {
  int64_t n = act_str_len(s);
  if (n == 0) return false;
  /* Only the characters of a decimal float, "inf", "infinity" or "nan":
   * this rules out spaces, hex floats, "nan(...)" and embedded NULs. */
  bool letters = false, digits = false;
  for (int64_t i = 0; i < n; i++) {
    char c = s->data[i];
    if (c >= '0' && c <= '9') digits = true;
    else if (c == '+' || c == '-' || c == '.') {}
    else if (c == 'e' || c == 'E') {}
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letters = true;
    else return false;
  }
  if (letters) {
    /* optional sign, then one of the words */
    const char *w = s->data + (s->data[0] == '+' || s->data[0] == '-');
    if (strcasecmp(w, "inf") != 0 && strcasecmp(w, "infinity") != 0 && strcasecmp(w, "nan") != 0)
      return false;
  } else if (!digits) {
    return false;
  }
  char *end;
  double v = act__strtod_c(s->data, &end);
  if (end != s->data + n) return false;
  *out = v;
  return true;
}
