/* time.c: the C side of std.time — the wall clock and ISO 8601 (RFC 3339)
 * text. Times cross as int64 nanoseconds since the Unix epoch, UTC; that
 * covers the years 1678 to 2262, which every text we accept fits in or is
 * refused. */
#include "act/act.h"
#include "act/sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

int64_t act_time_wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Seconds and a non-negative nanosecond part (floor division, so times
 * before 1970 keep their fraction the right way round). */
static void split_ns(int64_t ns, int64_t *sec, int64_t *frac) {
  *sec = ns / NS_PER_S;
  *frac = ns % NS_PER_S;
  if (*frac < 0) {
    *frac += NS_PER_S;
    *sec -= 1;
  }
}

act_array_t *act_time_civil(int64_t ns, int64_t offset_min) {
  int64_t sec, frac;
  split_ns(ns, &sec, &frac);
  time_t t = (time_t)(sec + offset_min * 60);
  struct tm tm;
  act_array_t *out = act_array_new(&act_type_i64, 8);
  if (gmtime_r(&t, &tm) == NULL)
    return out;
  int64_t f[8] = {tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, frac, tm.tm_wday};
  for (int i = 0; i < 8; i++)
    act_array_push(&out, &act_type_i64, &f[i]);
  return out;
}

static int days_in_month(int64_t y, int64_t m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

/* Nanoseconds for a civil time at a UTC offset, in [0] of the result; an
 * empty array when a field is out of range or the time does not fit. */
act_array_t *act_time_from_civil(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi,
                                 int64_t s, int64_t frac, int64_t offset_min) {
  act_array_t *out = act_array_new(&act_type_i64, 1);
  if (y < 1678 || y > 2262 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
      h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || frac < 0 ||
      frac >= NS_PER_S || offset_min <= -24 * 60 || offset_min >= 24 * 60)
    return out;
  struct tm tm = {0};
  tm.tm_year = (int)(y - 1900);
  tm.tm_mon = (int)(mo - 1);
  tm.tm_mday = (int)d;
  tm.tm_hour = (int)h;
  tm.tm_min = (int)mi;
  tm.tm_sec = (int)s;   /* a leap second (60) becomes the next second */
  int64_t sec = (int64_t)timegm(&tm) - offset_min * 60;
  int64_t ns;
  if (__builtin_mul_overflow(sec, NS_PER_S, &ns) || __builtin_add_overflow(ns, frac, &ns))
    return out;
  act_array_push(&out, &act_type_i64, &ns);
  return out;
}

act_str_t *act_time_format(int64_t ns, int64_t offset_min) {
  act_array_t *c = act_time_civil(ns, offset_min);
  if (act_array_len(c) != 8)
    return act_str_from_cstr("");
  const int64_t *f = c->data;
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", (long long)f[0],
                   (long long)f[1], (long long)f[2], (long long)f[3], (long long)f[4],
                   (long long)f[5]);
  /* The fraction in groups of three digits, as many as it needs. */
  int64_t frac = f[6];
  if (frac % 1000000 == 0 && frac != 0)
    n += snprintf(buf + n, sizeof buf - (size_t)n, ".%03lld", (long long)(frac / 1000000));
  else if (frac % 1000 == 0 && frac != 0)
    n += snprintf(buf + n, sizeof buf - (size_t)n, ".%06lld", (long long)(frac / 1000));
  else if (frac != 0)
    n += snprintf(buf + n, sizeof buf - (size_t)n, ".%09lld", (long long)frac);
  if (offset_min == 0)
    snprintf(buf + n, sizeof buf - (size_t)n, "Z");
  else
    snprintf(buf + n, sizeof buf - (size_t)n, "%c%02lld:%02lld", offset_min < 0 ? '-' : '+',
             (long long)(llabs(offset_min) / 60), (long long)(llabs(offset_min) % 60));
  return act_str_from_cstr(buf);
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, const char *end, int n, int64_t *out) {
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    if (*p >= end || (*p)[0] < '0' || (*p)[0] > '9')
      return false;
    v = v * 10 + ((*p)[0] - '0');
    (*p)++;
  }
  *out = v;
  return true;
}

static bool lit(const char **p, const char *end, const char *set) {
  if (*p < end && strchr(set, **p) != NULL && **p != '\0') {
    (*p)++;
    return true;
  }
  return false;
}

/* RFC 3339: YYYY-MM-DD[T ]HH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); a date
 * alone is midnight UTC. Anything else gives an empty array. */
act_array_t *act_time_parse(act_str_t *s) {
  const char *p = act_str_data(s), *end = p + act_str_len(s);
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
  act_array_t *none = act_array_new(&act_type_i64, 0);
  if (!digits(&p, end, 4, &y) || !lit(&p, end, "-") || !digits(&p, end, 2, &mo) ||
      !lit(&p, end, "-") || !digits(&p, end, 2, &d))
    return none;
  if (p == end)
    return act_time_from_civil(y, mo, d, 0, 0, 0, 0, 0);
  if (!lit(&p, end, "Tt ") || !digits(&p, end, 2, &h) || !lit(&p, end, ":") ||
      !digits(&p, end, 2, &mi) || !lit(&p, end, ":") || !digits(&p, end, 2, &sec))
    return none;
  if (lit(&p, end, ".")) {
    int nd = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (nd < 9) {
        frac = frac * 10 + (*p - '0');
        nd++;
      }
      p++;   /* digits past nanoseconds are dropped (truncation) */
    }
    if (nd == 0)
      return none;
    for (; nd < 9; nd++)
      frac *= 10;
  }
  if (lit(&p, end, "Zz")) {
    off = 0;
  } else if (p < end && (*p == '+' || *p == '-')) {
    int sign = *p == '-' ? -1 : 1;
    p++;
    int64_t oh, om;
    if (!digits(&p, end, 2, &oh) || !lit(&p, end, ":") || !digits(&p, end, 2, &om) || om > 59)
      return none;
    off = sign * (oh * 60 + om);
  } else {
    return none;
  }
  if (p != end)
    return none;
  return act_time_from_civil(y, mo, d, h, mi, sec, frac, off);
}
