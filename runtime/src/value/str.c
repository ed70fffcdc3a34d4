/* str.c: immutable strings and their methods. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "act.h"

act_str_t *act_str_new(const char *bytes, int64_t len) {
  if (len <= 0)
    return NULL;
  act_str_t *s = act_alloc_atomic(sizeof *s + (size_t)len + 1);
  s->len = len;
  memcpy(s->data, bytes, (size_t)len);
  s->data[len] = '\0';
  return s;
}

act_str_t *act_str_from_cstr(const char *s) { return act_str_new(s, (int64_t)strlen(s)); }

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
  if (a == NULL || b == NULL) return act_str_len(a) == act_str_len(b);
  int64_t la = act_str_len(a);
  if (la != act_str_len(b)) return false;
  size_t n = (size_t)la;
  if (la <= 0 || n > ((size_t)1 << 48)) return la == 0;
  return memcmp(a->data, b->data, n) == 0;
}

int act_str_cmp(const act_str_t *a, const act_str_t *b) {
  int64_t la = act_str_len(a), lb = act_str_len(b);
  int64_t n = la < lb ? la : lb;
  int c = n ? memcmp(act_str_data(a), act_str_data(b), (size_t)n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb;
}

uint64_t act_str_hash(const act_str_t *s) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  for (int64_t i = 0; i < act_str_len(s); i++)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

static const char *find_bytes(const char *h, int64_t hl, const char *n, int64_t nl) {
  if (nl == 0) return h;
  if (nl > hl) return NULL;
  return memmem(h, (size_t)hl, n, (size_t)nl);
}

act_array_t *act_str_split(act_str_t *s, act_str_t *sep) {
  act_array_t *out = act_array_new(&act_type_string, 4);
  const char *p = act_str_data(s), *end = p + act_str_len(s);
  int64_t sl = act_str_len(sep);
  if (sl == 0) {
    act_str_t *whole = s;
    act_array_push(&out, &act_type_string, &whole);
    return out;
  }
  for (;;) {
    const char *hit = find_bytes(p, end - p, sep->data, sl);
    act_str_t *part = act_str_new(p, (hit ? hit : end) - p);
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
  return n <= act_str_len(s) && memcmp(act_str_data(s), act_str_data(p), (size_t)n) == 0;
}

bool act_str_ends_with(act_str_t *s, act_str_t *p) {
  int64_t n = act_str_len(p), m = act_str_len(s);
  return n <= m && memcmp(act_str_data(s) + m - n, act_str_data(p), (size_t)n) == 0;
}

int64_t act_str_find(act_str_t *s, act_str_t *sub) {
  const char *h = act_str_data(s);
  const char *r = find_bytes(h, act_str_len(s), act_str_data(sub), act_str_len(sub));
  return r ? r - h : -1;
}

act_str_t *act_str_trim(act_str_t *s) {
  const char *p = act_str_data(s), *e = p + act_str_len(s);
  while (p < e && isspace((unsigned char)*p)) p++;
  while (e > p && isspace((unsigned char)e[-1])) e--;
  return act_str_new(p, e - p);
}

static act_str_t *map_case(act_str_t *s, int upper) {
  act_str_t *r = act_str_new(act_str_data(s), act_str_len(s));
  for (int64_t i = 0; r && i < r->len; i++)
    r->data[i] = (char)(upper ? toupper((unsigned char)r->data[i]) : tolower((unsigned char)r->data[i]));
  return r;
}
act_str_t *act_str_lower(act_str_t *s) { return map_case(s, 0); }
act_str_t *act_str_upper(act_str_t *s) { return map_case(s, 1); }

act_array_t *act_str_bytes(act_str_t *s) {
  act_array_t *a = act_array_new(&act_type_u8, act_str_len(s));
  for (int64_t i = 0; i < act_str_len(s); i++) {
    uint8_t b = (uint8_t)s->data[i];
    act_array_push(&a, &act_type_u8, &b);
  }
  return a;
}

/* Decimal with optional sign, 0x/0b prefixes and `_` separators, as the
 * language's literals; the whole string must be consumed. */
bool act_parse_int(act_str_t *s, int64_t *out) {
  const char *p = act_str_data(s), *e = p + act_str_len(s);
  int neg = 0, base = 10, digits = 0;
  if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
  if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) { base = 16; p += 2; }
  else if (e - p > 2 && p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) { base = 2; p += 2; }
  uint64_t v = 0;
  for (; p < e; p++) {
    if (*p == '_' && digits) continue;
    int d = isdigit((unsigned char)*p) ? *p - '0' : isxdigit((unsigned char)*p) ? (tolower((unsigned char)*p) - 'a' + 10) : 99;
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

bool act_parse_float(act_str_t *s, double *out) {
  int64_t n = act_str_len(s);
  if (n == 0 || n > 400 || isspace((unsigned char)s->data[0])) return false;
  char buf[512];
  memcpy(buf, s->data, (size_t)n);
  buf[n] = '\0';
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (end != buf + n) return false;
  *out = v;
  return true;
}
