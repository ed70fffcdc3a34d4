/* Runtime values (runtime/src/value): text as LANGUAGE.md §13 prints it
 * (floats as Python's repr), strings and their methods, arrays and maps
 * with copy on write, key order, faults. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "act/act.h"

/* ---- helpers ------------------------------------------------------------ */

static act_str_t *S(const char *s) { return act_str_from_cstr(s); }
static const char *C(const act_str_t *s) { return act_str_data(s); }

static const char *text(const act_type_t *t, const void *v) {
  return C(act_to_str(t, v));
}
static const char *f64(double v) { return text(&act_type_f64, &v); }
static const char *f32(float v) { return text(&act_type_f32, &v); }
static const char *dur(int64_t ns) { return text(&act_type_duration, &ns); }
static const char *quoted(const char *s, int64_t n) {
  act_buf_t b;
  act_buf_init(&b);
  act_buf_quoted(&b, act_str_new(s, n));
  return C(act_buf_to_str(&b));
}
static const char *arr_text(const act_array_t *a) {
  act_buf_t b;
  act_buf_init(&b);
  act__array_print(&b, a);
  return C(act_buf_to_str(&b));
}
static const char *map_text(const act_map_t *m) {
  act_buf_t b;
  act_buf_init(&b);
  act__map_print(&b, m);
  return C(act_buf_to_str(&b));
}

/* Descriptors as actorc emits them for [string], [int] and [string: int]
 * (used as elements of other containers). */
static bool eq_arr_str(const void *a, const void *b) {
  return act_array_eq(*(act_array_t *const *)a, *(act_array_t *const *)b, &act_type_string);
}
static void pr_arr(act_buf_t *b, const void *v, bool q) { (void)q; act__array_print(b, *(act_array_t *const *)v); }
static void sh_arr(void *v) { act_share_array(*(act_array_t **)v); }
static const act_type_t td_arr_str = {.name = "[string]", .size = sizeof(void *), .kind = ACT_K_ARRAY,
                                      .eq = eq_arr_str, .print = pr_arr, .share = sh_arr,
                                      .elem = &act_type_string};
static bool eq_arr_i64(const void *a, const void *b) {
  return act_array_eq(*(act_array_t *const *)a, *(act_array_t *const *)b, &act_type_i64);
}
static const act_type_t td_arr_i64 = {.name = "[int]", .size = sizeof(void *), .kind = ACT_K_ARRAY,
                                      .eq = eq_arr_i64, .print = pr_arr, .share = sh_arr,
                                      .elem = &act_type_i64};
static bool eq_map_si(const void *a, const void *b) {
  return act_map_eq(*(act_map_t *const *)a, *(act_map_t *const *)b, &act_type_string, &act_type_i64);
}
static void pr_map(act_buf_t *b, const void *v, bool q) { (void)q; act__map_print(b, *(act_map_t *const *)v); }
static void sh_map(void *v) { act_share_map(*(act_map_t **)v); }
static const act_type_t td_map_si = {.name = "[string: int]", .size = sizeof(void *), .kind = ACT_K_MAP,
                                     .eq = eq_map_si, .print = pr_map, .share = sh_map,
                                     .elem = &act_type_i64, .key = &act_type_string};

static act_array_t *ints(int n, const int64_t *v) {
  act_array_t *a = NULL;
  for (int i = 0; i < n; i++) act_array_push(&a, &act_type_i64, &v[i]);
  return a;
}
static act_array_t *strs(int n, const char **v) {
  act_array_t *a = NULL;
  for (int i = 0; i < n; i++) {
    act_str_t *s = S(v[i]);
    act_array_push(&a, &act_type_string, &s);
  }
  return a;
}
static int64_t I(const act_array_t *a, int64_t i) { return ((const int64_t *)a->data)[i]; }
static act_str_t *SA(const act_array_t *a, int64_t i) { return ((act_str_t *const *)a->data)[i]; }

/* Run fn in a child with no actor context: a fault there prints
 * "act: fault outside any actor: REASON" and exits 1. Gives REASON. */
static const char *fault_of(void (*fn)(void)) {
  static char out[512];
  int p[2];
  cr_assert_eq(pipe(p), 0);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 2);
    close(p[0]);
    fn();
    _exit(99);                         /* no fault */
  }
  close(p[1]);
  ssize_t n = 0, r;
  while ((r = read(p[0], out + n, sizeof out - 1 - (size_t)n)) > 0) n += r;
  out[n] = '\0';
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "no fault (status %d): %s", st, out);
  const char *pre = "act: fault outside any actor: ";
  char *nl = strchr(out, '\n');
  if (nl) *nl = '\0';
  return strncmp(out, pre, strlen(pre)) == 0 ? out + strlen(pre) : out;
}

/* ---- floats -------------------------------------------------------------- */

Test(values, float_repr_like_python) {
  cr_expect_str_eq(f64(9.0), "9.0");
  cr_expect_str_eq(f64(0.1), "0.1");
  cr_expect_str_eq(f64(1e-08), "1e-08");
  cr_expect_str_eq(f64(0.0001), "0.0001");
  cr_expect_str_eq(f64(0.00001), "1e-05");
  cr_expect_str_eq(f64(1e16), "1e+16");
  cr_expect_str_eq(f64(1e15), "1000000000000000.0");
  cr_expect_str_eq(f64(9999999999999998.0), "9999999999999998.0");
  cr_expect_str_eq(f64(1.5e300), "1.5e+300");
  cr_expect_str_eq(f64(123456789012345678.0), "1.2345678901234568e+17");
  cr_expect_str_eq(f64(-0.0), "-0.0");
  cr_expect_str_eq(f64(0.0), "0.0");
  cr_expect_str_eq(f64(5e-324), "5e-324");
  cr_expect_str_eq(f64(2.2250738585072014e-308), "2.2250738585072014e-308");
  cr_expect_str_eq(f64(1.7976931348623157e308), "1.7976931348623157e+308");
  cr_expect_str_eq(f64(0.1 + 0.2), "0.30000000000000004");
  cr_expect_str_eq(f64(1.0 / 3.0), "0.3333333333333333");
  cr_expect_str_eq(f64(-2.5), "-2.5");
  cr_expect_str_eq(f64(123.456), "123.456");
  cr_expect_str_eq(f64(1e22), "1e+22");
  cr_expect_str_eq(f64(INFINITY), "inf");
  cr_expect_str_eq(f64(-INFINITY), "-inf");
  cr_expect_str_eq(f64(NAN), "nan");
  /* powers of two, where the shortest digits are not the nearest ones */
  cr_expect_str_eq(f64(ldexp(1.0, -1017)), "7.120236347223045e-307");
  cr_expect_str_eq(f64(ldexp(1.0, -44)), "5.684341886080802e-14");
  cr_expect_str_eq(f64(ldexp(1.0, 60)), "1.152921504606847e+18");
}

Test(values, f32_shortest_digits) {
  cr_expect_str_eq(f32(0.1f), "0.1");
  cr_expect_str_eq(f32(0.5f), "0.5");
  cr_expect_str_eq(f32(1.0f / 3.0f), "0.33333334");
  cr_expect_str_eq(f32(16777216.0f), "16777216.0");
  cr_expect_str_eq(f32(123456789.0f), "123456790.0");
  cr_expect_str_eq(f32(1e10f), "10000000000.0");
  cr_expect_str_eq(f32(3.4028235e38f), "3.4028235e+38");
  cr_expect_str_eq(f32(1e-45f), "1e-45");
  cr_expect_str_eq(f32(-0.0f), "-0.0");
  cr_expect_str_eq(f32(INFINITY), "inf");
  cr_expect_str_eq(f32(NAN), "nan");
}

/* ---- other scalars -------------------------------------------------------- */

Test(values, integers_bools_durations) {
  int64_t v = -42;
  cr_expect_str_eq(text(&act_type_i64, &v), "-42");
  v = INT64_MIN;
  cr_expect_str_eq(text(&act_type_i64, &v), "-9223372036854775808");
  uint64_t u = UINT64_MAX;
  cr_expect_str_eq(text(&act_type_u64, &u), "18446744073709551615");
  int8_t i8 = -128;
  cr_expect_str_eq(text(&act_type_i8, &i8), "-128");
  uint8_t u8 = 255;
  cr_expect_str_eq(text(&act_type_u8, &u8), "255");
  int16_t i16 = -300;
  cr_expect_str_eq(text(&act_type_i16, &i16), "-300");
  uint16_t u16 = 65535;
  cr_expect_str_eq(text(&act_type_u16, &u16), "65535");
  int32_t i32 = INT32_MIN;
  cr_expect_str_eq(text(&act_type_i32, &i32), "-2147483648");
  uint32_t u32 = UINT32_MAX;
  cr_expect_str_eq(text(&act_type_u32, &u32), "4294967295");
  bool t = true, f = false;
  cr_expect_str_eq(text(&act_type_bool, &t), "true");
  cr_expect_str_eq(text(&act_type_bool, &f), "false");
  cr_expect_str_eq(C(act_str_from_i64(-7)), "-7");
  cr_expect_str_eq(C(act_str_from_i64(0)), "0");

  cr_expect_str_eq(dur(0), "0s");
  cr_expect_str_eq(dur(250000000), "250ms");
  cr_expect_str_eq(dur(5000000000), "5s");
  cr_expect_str_eq(dur(1500000000), "1500ms");
  cr_expect_str_eq(dur(120000000000), "2m");
  cr_expect_str_eq(dur(3600000000000), "1h");
  cr_expect_str_eq(dur(1500), "1500ns");
  cr_expect_str_eq(dur(2000), "2us");
  cr_expect_str_eq(dur(-250000000), "-250ms");
}

Test(values, scalar_descriptors) {
  int64_t a = 1, b = 2;
  cr_expect(act_type_i64.cmp(&a, &b) < 0 && act_type_i64.cmp(&b, &a) > 0 && act_type_i64.cmp(&a, &a) == 0);
  cr_expect(!act_type_i64.eq(&a, &b));
  cr_expect_eq(act_type_i64.hash(&a), act_type_i64.hash(&a));
  uint64_t x = UINT64_MAX, y = 1;
  cr_expect(act_type_u64.cmp(&x, &y) > 0);     /* unsigned order */
  double n1 = NAN, z1 = 0.0, z2 = -0.0;
  cr_expect(!act_type_f64.eq(&n1, &n1));       /* IEEE == */
  cr_expect(act_type_f64.eq(&z1, &z2));
  act_str_t *s1 = S("abc"), *s2 = act_str_concat(S("ab"), S("c"));
  cr_expect(act_type_string.eq(&s1, &s2));
  cr_expect_eq(act_type_string.hash(&s1), act_type_string.hash(&s2));
  cr_expect_eq(act_type_i64.size, 8);
  cr_expect_eq(act_type_u8.size, 1);
  cr_expect_eq(act_type_string.kind, ACT_K_STRING);
  cr_expect_eq(act_type_duration.kind, ACT_K_DURATION);
  cr_expect_null(act_type_f64.hash);           /* floats are not map keys */
}

/* ---- text buffers and quoting --------------------------------------------- */

Test(values, quoting) {
  cr_expect_str_eq(quoted("say \"hi\"\n", 9), "\"say \\\"hi\\\"\\n\"");
  cr_expect_str_eq(quoted("a\\b\tc\r", 6), "\"a\\\\b\\tc\\r\"");
  cr_expect_str_eq(quoted("\x01\x7f", 2), "\"\\u{1}\\u{7f}\"");
  cr_expect_str_eq(quoted("nul\0x", 5), "\"nul\\u{0}x\"");
  cr_expect_str_eq(quoted("h\xc3\xa9", 3), "\"h\xc3\xa9\"");     /* UTF-8 kept */
  cr_expect_str_eq(quoted("", 0), "\"\"");
}

Test(values, buffers) {
  act_buf_t b;
  act_buf_init(&b);
  cr_expect_eq(b.len, 0);
  cr_expect_not_null(b.p);                       /* readable at once */
  cr_expect_null(act_buf_to_str(&b));            /* "" is NULL */
  for (int i = 0; i < 10000; i++) act_buf_i64(&b, i % 10);
  cr_expect_eq(b.len, 10000);
  act_str_t *s = act_buf_to_str(&b);
  cr_expect_eq(act_str_len(s), 10000);
  cr_expect_eq(s->data[10000], '\0');
  cr_expect_eq(s->data[9999], '9');

  /* the string handed over stays as it was while the buffer goes on */
  act_buf_init(&b);
  act_buf_cstr(&b, "x = ");
  act_buf_i64(&b, 42);
  act_str_t *first = act_buf_to_str(&b);
  act_buf_cstr(&b, "!!");
  act_str_t *second = act_buf_to_str(&b);
  act_str_t *third = act_buf_to_str(&b);
  cr_expect_str_eq(C(first), "x = 42");
  cr_expect_eq(act_str_len(first), 6);
  cr_expect_str_eq(C(second), "x = 42!!");
  cr_expect_str_eq(C(third), "x = 42!!");

  act_buf_init(&b);
  act_buf_put(&b, "abc", 0);
  act_buf_put(&b, "abc", -1);
  act_buf_str(&b, NULL);
  act_buf_bool(&b, true);
  act_buf_u64(&b, 18446744073709551615ull);
  act_buf_f64(&b, 0.5);
  act_buf_f32(&b, 0.25f);
  act_buf_duration(&b, 1000000);
  act_buf_put(&b, "", 0);
  cr_expect_str_eq(C(act_buf_to_str(&b)), "true184467440737095516150.50.251ms");
}

Test(values, to_str_and_value) {
  act_str_t *s = S("plain");
  cr_expect_eq(act_to_str(&act_type_string, &s), s);     /* str(s) is s */
  act_buf_t b;
  act_buf_init(&b);
  act_buf_value(&b, &act_type_string, &s, false);
  act_buf_put(&b, " ", 1);
  act_buf_value(&b, &act_type_string, &s, true);
  cr_expect_str_eq(C(act_buf_to_str(&b)), "plain \"plain\"");
  act_array_t *e = NULL;
  cr_expect_str_eq(text(&td_arr_i64, &e), "[]");
}

/* ---- strings -------------------------------------------------------------- */

static const ACT_STR_LIT_T(6) lit_hello = ACT_STR_LIT("hello");

Test(values, string_basics) {
  cr_expect_null(act_str_new("x", 0));
  cr_expect_null(S(""));
  cr_expect_eq(act_str_len(NULL), 0);
  cr_expect_str_eq(act_str_data(NULL), "");
  act_str_t *h = ACT_STR(&lit_hello);
  cr_expect_eq(act_str_len(h), 5);
  cr_expect(act_str_eq(h, S("hello")));
  cr_expect(act_str_eq(NULL, S("")));
  cr_expect(!act_str_eq(NULL, S("a")));
  cr_expect(!act_str_eq(S("ab"), S("ac")));
  act_str_t *w = S(" world");
  cr_expect_str_eq(C(act_str_concat(h, w)), "hello world");
  cr_expect_eq(act_str_concat(h, NULL), h);
  cr_expect_eq(act_str_concat(NULL, w), w);
  cr_expect_null(act_str_concat(NULL, NULL));
  cr_expect_eq(act_str_len(act_str_concat(h, w)), 11);

  cr_expect_eq(act_str_cmp(S("a"), S("b")), -1);
  cr_expect_eq(act_str_cmp(S("b"), S("a")), 1);
  cr_expect_eq(act_str_cmp(S("ab"), S("ab")), 0);
  cr_expect_eq(act_str_cmp(S("ab"), S("abc")), -1);
  cr_expect_eq(act_str_cmp(NULL, S("a")), -1);
  cr_expect_eq(act_str_cmp(NULL, NULL), 0);
  cr_expect_eq(act_str_cmp(S("Z"), S("a")), -1);           /* bytewise */
  cr_expect_eq(act_str_cmp(S("\xc3\xa9"), S("z")), 1);      /* bytes >= 0x80 after ASCII */

  cr_expect_eq(act_str_hash(NULL), act_str_hash(S("")));
  cr_expect_eq(act_str_hash(h), act_str_hash(S("hello")));
  /* every length path of the hash; distinct strings rarely collide */
  char buf[64];
  uint64_t seen[64];
  for (int n = 0; n < 40; n++) {
    memset(buf, 'a', (size_t)n);
    act_str_t *x = act_str_new(buf, n);
    seen[n] = act_str_hash(x);
    cr_expect_eq(seen[n], act_str_hash(act_str_new(buf, n)));
    for (int k = 0; k < n; k++) cr_expect_neq(seen[k], seen[n], "hash of %d vs %d a's", k, n);
    if (n > 0) {
      buf[n - 1] = 'b';
      cr_expect_neq(act_str_hash(act_str_new(buf, n)), seen[n]);
      buf[0] = 'b';
      cr_expect_neq(act_str_hash(act_str_new(buf, n)), seen[n]);
    }
  }
}

Test(values, string_split) {
  act_array_t *p = act_str_split(S("a,b,,c"), S(","));
  cr_expect_str_eq(arr_text(p), "[\"a\", \"b\", \"\", \"c\"]");
  p = act_str_split(S("a--b--"), S("--"));
  cr_expect_str_eq(arr_text(p), "[\"a\", \"b\", \"\"]");
  p = act_str_split(NULL, S(","));
  cr_expect_str_eq(arr_text(p), "[\"\"]");
  act_str_t *whole = S("no separator");
  p = act_str_split(whole, S(","));
  cr_expect_eq(act_array_len(p), 1);
  cr_expect_eq(SA(p, 0), whole);
  p = act_str_split(whole, NULL);              /* empty separator: [s] */
  cr_expect_eq(act_array_len(p), 1);
  cr_expect_eq(SA(p, 0), whole);
  p = act_str_split(S(",x,"), S(","));
  cr_expect_str_eq(arr_text(p), "[\"\", \"x\", \"\"]");
  p = act_str_split(S("the quick  fox"), S(" "));
  cr_expect_eq(act_array_len(p), 4);
  cr_expect_str_eq(C(SA(p, 3)), "fox");
}

Test(values, string_search) {
  act_str_t *s = S("hello world");
  cr_expect(act_str_contains(s, S("lo w")));
  cr_expect(act_str_contains(s, NULL));
  cr_expect(act_str_contains(NULL, NULL));
  cr_expect(!act_str_contains(s, S("low")));
  cr_expect(!act_str_contains(S("ab"), S("abc")));
  cr_expect(act_str_starts_with(s, S("hell")));
  cr_expect(act_str_starts_with(s, NULL));
  cr_expect(!act_str_starts_with(s, S("world")));
  cr_expect(!act_str_starts_with(S("he"), S("hello")));
  cr_expect(act_str_ends_with(s, S("world")));
  cr_expect(act_str_ends_with(s, NULL));
  cr_expect(act_str_ends_with(NULL, NULL));
  cr_expect(!act_str_ends_with(s, S("hello")));
  cr_expect(!act_str_ends_with(S("ld"), S("world")));
  cr_expect_eq(act_str_find(s, S("o")), 4);
  cr_expect_eq(act_str_find(s, S("world")), 6);
  cr_expect_eq(act_str_find(s, S("z")), -1);
  cr_expect_eq(act_str_find(s, NULL), 0);
  cr_expect_eq(act_str_find(NULL, S("a")), -1);
  cr_expect_eq(act_str_find(S("h\xc3\xa9llo"), S("l")), 3);   /* a byte offset */
}

Test(values, string_case_trim_bytes) {
  cr_expect_str_eq(C(act_str_trim(S("  hi \n"))), "hi");
  cr_expect_str_eq(C(act_str_trim(S("\t\r\v\fx y\t"))), "x y");
  cr_expect_null(act_str_trim(S(" \n\t ")));
  cr_expect_null(act_str_trim(NULL));
  act_str_t *t = S("tight");
  cr_expect_eq(act_str_trim(t), t);              /* unchanged: the same string */
  cr_expect_str_eq(C(act_str_trim(S("\xc2\xa0x"))), "\xc2\xa0x");   /* ASCII only */

  cr_expect_str_eq(C(act_str_lower(S("Hello, WORLD 42"))), "hello, world 42");
  cr_expect_str_eq(C(act_str_upper(S("Hello, world 42"))), "HELLO, WORLD 42");
  cr_expect_str_eq(C(act_str_upper(S("\xc3\xa9t\xc3\xa9"))), "\xc3\x89T\xc3\x89");   /* été -> ÉTÉ */
  /* bytes that are not UTF-8 (a lone continuation byte, an overlong '/',
   * a cut sequence) are kept as they are, letters around them mapped */
  cr_expect_str_eq(C(act_str_upper(S("a\x80b\xc0\xafc\xc3"))), "A\x80B\xc0\xafC\xc3");
  cr_expect_str_eq(C(act_str_lower(S("\xc8\xba"))), "\xe2\xb1\xa5");  /* U+023A -> U+2C65: grows */
  act_str_t *low = S("already lower");
  cr_expect_eq(act_str_lower(low), low);
  cr_expect_null(act_str_lower(NULL));
  act_str_t *mixed = S("MiXed");
  act_str_t *l = act_str_lower(mixed);
  cr_expect_str_eq(C(mixed), "MiXed");            /* the input is not touched */
  cr_expect_str_eq(C(l), "mixed");

  act_array_t *b = act_str_bytes(S("A\xff"));
  cr_expect_eq(act_array_len(b), 2);
  cr_expect_eq(b->et, &act_type_u8);
  cr_expect_eq(((uint8_t *)b->data)[0], 65);
  cr_expect_eq(((uint8_t *)b->data)[1], 255);
  cr_expect_str_eq(arr_text(b), "[65, 255]");
  cr_expect_eq(act_array_len(act_str_bytes(NULL)), 0);
  uint8_t x = 1;
  act_array_push(&b, &act_type_u8, &x);            /* a real, growable array */
  cr_expect_str_eq(arr_text(b), "[65, 255, 1]");
}

Test(values, parse_int) {
  static const struct { const char *s; bool ok; int64_t v; } cases[] = {
      {"0", true, 0}, {"-0", true, 0}, {"+7", true, 7}, {"42", true, 42}, {"-1_000", true, -1000},
      {"1_000_000", true, 1000000}, {"0x2a", true, 42}, {"0X2A", true, 42}, {"-0x10", true, -16},
      {"0b101010", true, 42}, {"0B11", true, 3}, {"0x7fffffffffffffff", true, INT64_MAX},
      {"9223372036854775807", true, INT64_MAX}, {"-9223372036854775808", true, INT64_MIN},
      {"007", true, 7}, {"0x_ff", false, 0},
      {"9223372036854775808", false, 0}, {"-9223372036854775809", false, 0},
      {"99999999999999999999", false, 0}, {"0xffffffffffffffff", false, 0},
      {"", false, 0}, {"-", false, 0}, {"+", false, 0}, {" 1", false, 0}, {"1 ", false, 0},
      {"12a", false, 0}, {"0x", false, 0}, {"0b", false, 0}, {"0b102", false, 0}, {"1.0", false, 0},
      {"_1", false, 0}, {"1_", false, 0}, {"1__0", false, 0}, {"--1", false, 0}, {"0xg", false, 0},
      {"abc", false, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int64_t v = 12345;
    bool ok = act_parse_int(S(cases[i].s), &v);
    cr_expect_eq(ok, cases[i].ok, "parse_int(\"%s\")", cases[i].s);
    if (ok && cases[i].ok) cr_expect_eq(v, cases[i].v, "parse_int(\"%s\") = %lld", cases[i].s, (long long)v);
    if (!ok) cr_expect_eq(v, 12345, "parse_int(\"%s\") wrote on failure", cases[i].s);
  }
  int64_t v;
  cr_expect(!act_parse_int(act_str_new("1\0", 2), &v));
}

Test(values, parse_float) {
  static const struct { const char *s; bool ok; double v; } cases[] = {
      {"2.5e3", true, 2500.0}, {"-1.5", true, -1.5}, {".5", true, 0.5}, {"5.", true, 5.0},
      {"+1", true, 1.0}, {"1e-9", true, 1e-9}, {"1E3", true, 1000.0}, {"0", true, 0.0},
      {"1e400", true, INFINITY}, {"inf", true, INFINITY}, {"-Infinity", true, -INFINITY},
      {"INF", true, INFINITY}, {"0.1", true, 0.1},
      {"", false, 0}, {" 1", false, 0}, {"1 ", false, 0}, {"1.5x", false, 0}, {"0x1p3", false, 0},
      {"1_0.5", false, 0}, {"abc", false, 0}, {"nan(1)", false, 0}, {"1e", false, 0},
      {"e5", false, 0}, {".", false, 0}, {"-", false, 0}, {"infinit", false, 0}, {"1,5", false, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    double v = 12345;
    bool ok = act_parse_float(S(cases[i].s), &v);
    cr_expect_eq(ok, cases[i].ok, "parse_float(\"%s\")", cases[i].s);
    if (ok && cases[i].ok) cr_expect(v == cases[i].v, "parse_float(\"%s\") = %g", cases[i].s, v);
  }
  double v;
  cr_expect(act_parse_float(S("nan"), &v) && isnan(v));
  cr_expect(act_parse_float(S("-NaN"), &v) && isnan(v));
  cr_expect(!act_parse_float(NULL, &v));
  cr_expect(!act_parse_float(act_str_new("1\0", 2), &v));
  /* long inputs, and every repr reads back */
  char big[600];
  memset(big, '0', sizeof big);
  big[0] = '0';
  big[1] = '.';
  big[598] = '1';
  big[599] = '\0';
  cr_expect(act_parse_float(S(big), &v) && v == 0.0);
  double samples[] = {0.1, 1e-300, 123456.789, 5e-324, 1.7976931348623157e308, -2.5e-10};
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
    cr_expect(act_parse_float(S(f64(samples[i])), &v) && v == samples[i], "%s", f64(samples[i]));
  }
}

/* ---- arrays --------------------------------------------------------------- */

Test(values, array_basics) {
  act_array_t *a = NULL;
  cr_expect_eq(act_array_len(a), 0);
  cr_expect_str_eq(arr_text(a), "[]");
  for (int64_t i = 0; i < 1000; i++) act_array_push(&a, &act_type_i64, &i);
  cr_expect_eq(act_array_len(a), 1000);
  cr_expect_eq(*(int64_t *)act_array_at(NULL, a, 999, NULL), 999);
  int64_t out;
  act_array_pop(NULL, &a, &act_type_i64, &out, NULL);
  cr_expect_eq(out, 999);
  cr_expect_eq(act_array_len(a), 999);
  int64_t v = -1;
  act_array_insert(NULL, &a, &act_type_i64, 0, &v, NULL);
  act_array_insert(NULL, &a, &act_type_i64, act_array_len(a), &v, NULL);   /* at the end */
  cr_expect_eq(I(a, 0), -1);
  cr_expect_eq(I(a, 1), 0);
  cr_expect_eq(I(a, 1000), -1);
  act_array_remove(NULL, &a, &act_type_i64, 0, &out, NULL);
  cr_expect_eq(out, -1);
  cr_expect_eq(I(a, 0), 0);
  act_array_remove(NULL, &a, &act_type_i64, act_array_len(a) - 1, &out, NULL);
  cr_expect_eq(act_array_len(a), 999);

  /* insert of an element of the array itself */
  int64_t three[] = {10, 20, 30};
  act_array_t *t = ints(3, three);
  act_array_insert(NULL, &t, &act_type_i64, 0, (int64_t *)t->data + 2, NULL);
  cr_expect_str_eq(arr_text(t), "[30, 10, 20, 30]");
  act_array_push(&t, &act_type_i64, (int64_t *)t->data + 1);
  cr_expect_str_eq(arr_text(t), "[30, 10, 20, 30, 10]");

  act_array_t *s = act_array_slice(NULL, t, &act_type_i64, 1, 3, NULL);
  cr_expect_str_eq(arr_text(s), "[10, 20]");
  cr_expect_str_eq(arr_text(act_array_slice(NULL, t, &act_type_i64, 2, 2, NULL)), "[]");
  cr_expect_str_eq(arr_text(act_array_slice(NULL, NULL, &act_type_i64, 0, 0, NULL)), "[]");
  act_array_push(&s, &act_type_i64, &v);           /* a slice is its own array */
  cr_expect_str_eq(arr_text(t), "[30, 10, 20, 30, 10]");

  int64_t x = 20, y = 99;
  cr_expect(act_array_contains(t, &act_type_i64, &x));
  cr_expect(!act_array_contains(t, &act_type_i64, &y));
  cr_expect(!act_array_contains(NULL, &act_type_i64, &y));
  cr_expect(act_array_eq(ints(3, three), ints(3, three), &act_type_i64));
  cr_expect(act_array_eq(NULL, act_array_new(&act_type_i64, 0), &act_type_i64));
  cr_expect(!act_array_eq(ints(2, three), ints(3, three), &act_type_i64));
  int64_t other[] = {10, 20, 31};
  cr_expect(!act_array_eq(ints(3, other), ints(3, three), &act_type_i64));

  const char *w[] = {"a", "b"};
  act_str_t *b = S("b"), *c = S("c");
  cr_expect(act_array_contains(strs(2, w), &act_type_string, &b));
  cr_expect(!act_array_contains(strs(2, w), &act_type_string, &c));
  cr_expect(act_array_eq(strs(2, w), strs(2, w), &act_type_string));
  /* floats compare as IEEE: [nan] != [nan], [0.0] == [-0.0] */
  act_array_t *fa = NULL, *fb = NULL;
  double nan = NAN, z = 0.0, nz = -0.0;
  act_array_push(&fa, &act_type_f64, &nan);
  cr_expect(!act_array_eq(fa, fa, &act_type_f64));
  act_array_push(&fb, &act_type_f64, &z);
  act_array_t *fc = NULL;
  act_array_push(&fc, &act_type_f64, &nz);
  cr_expect(act_array_eq(fb, fc, &act_type_f64));
  cr_expect_str_eq(arr_text(fc), "[-0.0]");
}

Test(values, array_copy_on_write) {
  act_array_t *a = act_array_new(&act_type_i64, 0);
  for (int64_t i = 0; i < 100; i++) act_array_push(&a, &act_type_i64, &i);
  act_array_t *b = act_sa(a);      /* let b = a */
  int64_t x = 999;
  act_array_push(&a, &act_type_i64, &x);
  cr_expect_eq(act_array_len(a), 101);
  cr_expect_eq(act_array_len(b), 100);
  cr_expect_neq(a, b);
  *(int64_t *)act_array_mut(NULL, &b, &act_type_i64, 0, NULL) = 7;
  cr_expect_eq(*(int64_t *)act_array_at(NULL, a, 0, NULL), 0);
  cr_expect_eq(*(int64_t *)act_array_at(NULL, b, 0, NULL), 7);

  /* every mutation copies a shared array first */
  int64_t v3[] = {3, 1, 2}, out;
  act_array_t *o = ints(3, v3), *keep = act_sa(o);
  act_array_pop(NULL, &o, &act_type_i64, &out, NULL);
  cr_expect_str_eq(arr_text(keep), "[3, 1, 2]");
  o = act_sa(keep);
  act_array_insert(NULL, &o, &act_type_i64, 1, &x, NULL);
  cr_expect_str_eq(arr_text(keep), "[3, 1, 2]");
  o = act_sa(keep);
  act_array_remove(NULL, &o, &act_type_i64, 0, &out, NULL);
  cr_expect_str_eq(arr_text(keep), "[3, 1, 2]");
  o = act_sa(keep);
  act_array_sort(&o, &act_type_i64);
  cr_expect_str_eq(arr_text(o), "[1, 2, 3]");
  cr_expect_str_eq(arr_text(keep), "[3, 1, 2]");
  /* an unshared array is written in place */
  act_array_t *u = ints(3, v3), *before = u;
  act_array_sort(&u, &act_type_i64);
  cr_expect_eq(u, before);
}

Test(values, nested_arrays_copy_on_write) {
  /* var xss = [["a"]]; let yss = xss; xss[0].push("b") */
  const char *one[] = {"a"};
  act_array_t *inner = strs(1, one);
  act_array_t *xss = NULL;
  act_array_t *pushed = act_sa(inner);                /* generated code marks it */
  act_array_push(&xss, &td_arr_str, &pushed);
  act_array_t *yss = act_sa(xss);
  act_array_t **slot = act_array_mut(NULL, &xss, &td_arr_str, 0, NULL);
  act_str_t *b = S("b");
  act_array_push(slot, &act_type_string, &b);
  cr_expect_str_eq(arr_text(xss), "[[\"a\", \"b\"]]");
  cr_expect_str_eq(arr_text(yss), "[[\"a\"]]");
  cr_expect_str_eq(arr_text(inner), "[\"a\"]");
  cr_expect(!act_array_eq(xss, yss, &td_arr_str));
  /* printing nests, quoting strings inside */
  act_array_t *e = NULL;
  act_array_push(&xss, &td_arr_str, &e);
  cr_expect_str_eq(text(&td_arr_str, (act_array_t **)xss->data), "[\"a\", \"b\"]");
  cr_expect_str_eq(arr_text(xss), "[[\"a\", \"b\"], []]");
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

Test(values, sort) {
  int64_t v[] = {5, 3, 9, 1, 3, 7};
  act_array_t *a = ints(6, v);
  act_array_sort(&a, &act_type_i64);
  cr_expect_str_eq(arr_text(a), "[1, 3, 3, 5, 7, 9]");
  act_array_t *e = NULL;
  act_array_sort(&e, &act_type_i64);
  cr_expect_null(e);

  /* large inputs of each specialised kind and the generic path */
  enum { N = 5000 };
  int64_t *ref = malloc(sizeof *ref * N);
  uint64_t r = 12345;
  for (int pass = 0; pass < 4; pass++) {
    act_array_t *xi = NULL, *xf = NULL, *xs = NULL, *x32 = NULL, *xu8 = NULL;
    for (int i = 0; i < N; i++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      int64_t k = pass == 0 ? (int64_t)(r >> 40) % 1000 - 500 : pass == 1 ? i : pass == 2 ? N - i : (int64_t)(r >> 20);
      ref[i] = k;
      double d = (double)k / 7.0;
      char t[32];
      snprintf(t, sizeof t, "%08lld", (long long)(k + 1000000000));
      act_str_t *s = S(t);
      int32_t k32 = (int32_t)k;
      uint8_t k8 = (uint8_t)k;
      act_array_push(&xi, &act_type_i64, &k);
      act_array_push(&xf, &act_type_f64, &d);
      act_array_push(&xs, &act_type_string, &s);
      act_array_push(&x32, &act_type_i32, &k32);
      act_array_push(&xu8, &act_type_u8, &k8);
    }
    qsort(ref, N, sizeof *ref, cmp_i64);
    act_array_sort(&xi, &act_type_i64);
    act_array_sort(&xf, &act_type_f64);
    act_array_sort(&xs, &act_type_string);
    act_array_sort(&x32, &act_type_i32);
    act_array_sort(&xu8, &act_type_u8);
    for (int i = 0; i < N; i++) {
      cr_assert_eq(I(xi, i), ref[i]);
      cr_assert_eq(((double *)xf->data)[i], (double)ref[i] / 7.0);
      if (pass != 3) cr_assert_eq(((int32_t *)x32->data)[i], (int32_t)ref[i]);
      if (i) {
        cr_assert(act_str_cmp(SA(xs, i - 1), SA(xs, i)) <= 0);
        cr_assert(((uint8_t *)xu8->data)[i - 1] <= ((uint8_t *)xu8->data)[i]);
      }
    }
  }
  free(ref);
}

/* A struct {key, seq} ordered by key only: sort must keep seq order for
 * equal keys (stable). */
typedef struct { int32_t key, seq; } pair_t;
static int cmp_pair(const void *a, const void *b) {
  int32_t x = ((const pair_t *)a)->key, y = ((const pair_t *)b)->key;
  return x < y ? -1 : x > y;
}
static bool eq_pair(const void *a, const void *b) { return memcmp(a, b, sizeof(pair_t)) == 0; }
static const act_type_t td_pair = {.name = "Pair", .size = sizeof(pair_t), .kind = ACT_K_STRUCT,
                                   .eq = eq_pair, .cmp = cmp_pair};

Test(values, sort_is_stable) {
  act_array_t *a = NULL;
  for (int32_t i = 0; i < 3000; i++) {
    pair_t p = {(i * 7919) % 13, i};
    act_array_push(&a, &td_pair, &p);
  }
  act_array_sort(&a, &td_pair);
  pair_t *d = a->data;
  for (int i = 1; i < 3000; i++) {
    cr_assert(d[i - 1].key <= d[i].key);
    if (d[i - 1].key == d[i].key) cr_assert(d[i - 1].seq < d[i].seq, "unstable at %d", i);
  }
}

static void oob_read(void) {
  int64_t v[] = {1, 2, 3};
  act_array_at(NULL, ints(3, v), 5, NULL);
}
static void oob_negative(void) {
  int64_t v[] = {1, 2, 3};
  act_array_at(NULL, ints(3, v), -1, NULL);
}
static void oob_write(void) {
  act_array_t *a = NULL;
  act_array_mut(NULL, &a, &act_type_i64, 0, NULL);
}
static void pop_empty(void) {
  act_array_t *a = NULL;
  int64_t out;
  act_array_pop(NULL, &a, &act_type_i64, &out, NULL);
}
static void insert_past_end(void) {
  int64_t v[] = {1, 2, 3};
  act_array_t *a = ints(3, v);
  act_array_insert(NULL, &a, &act_type_i64, 4, &v[0], NULL);
}
static void remove_past_end(void) {
  int64_t v[] = {1, 2, 3}, out;
  act_array_t *a = ints(3, v);
  act_array_remove(NULL, &a, &act_type_i64, 3, &out, NULL);
}
static void bad_slice(void) {
  int64_t v[] = {1, 2, 3};
  act_array_slice(NULL, ints(3, v), &act_type_i64, 2, 5, NULL);
}
static void missing_str_key(void) {
  act_map_t *m = act_map_new(&act_type_string, &act_type_i64);
  act_str_t *k = S("a\"b");
  act_map_at(NULL, m, &k, NULL);
}
static void missing_int_key(void) {
  act_map_t *m = NULL;
  int64_t k = 1, v = 2;
  act_map_put(&m, &act_type_i64, &act_type_i64, &k, &v);
  k = -5;
  act_map_mut(NULL, &m, &act_type_i64, &act_type_i64, &k, NULL);
}

Test(values, faults) {
  cr_expect_str_eq(fault_of(oob_read), "index 5 out of bounds for length 3");
  cr_expect_str_eq(fault_of(oob_negative), "index -1 out of bounds for length 3");
  cr_expect_str_eq(fault_of(oob_write), "index 0 out of bounds for length 0");
  cr_expect_str_eq(fault_of(pop_empty), "pop from an empty array");
  cr_expect_str_eq(fault_of(insert_past_end), "index 4 out of bounds for length 3");
  cr_expect_str_eq(fault_of(remove_past_end), "index 3 out of bounds for length 3");
  cr_expect_str_eq(fault_of(bad_slice), "slice 2..5 out of bounds for length 3");
  cr_expect_str_eq(fault_of(missing_str_key), "missing key \"a\\\"b\"");
  cr_expect_str_eq(fault_of(missing_int_key), "missing key -5");
}

/* ---- maps ----------------------------------------------------------------- */

static void put_si(act_map_t **m, const char *k, int64_t v) {
  act_str_t *s = S(k);
  act_map_put(m, &act_type_string, &act_type_i64, &s, &v);
}
static int64_t *get_si(act_map_t *m, const char *k) {
  act_str_t *s = S(k);
  return act_map_find(m, &s);
}

Test(values, map_basics) {
  act_map_t *m = NULL;
  cr_expect_eq(act_map_len(m), 0);
  cr_expect_str_eq(map_text(m), "{}");
  act_str_t *k = S("a");
  cr_expect_null(act_map_find(m, &k));
  put_si(&m, "pear", 0);
  put_si(&m, "apple", 1);
  put_si(&m, "fig", 2);
  put_si(&m, "", 3);
  put_si(&m, "Zebra", 4);
  put_si(&m, "apple", 10);                     /* overwrite */
  cr_expect_eq(act_map_len(m), 5);
  cr_expect_eq(*get_si(m, "apple"), 10);
  cr_expect_eq(*get_si(m, ""), 3);
  cr_expect_null(get_si(m, "grape"));
  cr_expect_str_eq(map_text(m), "{\"\": 3, \"Zebra\": 4, \"apple\": 10, \"fig\": 2, \"pear\": 0}");
  act_str_t *fig = S("fig");
  *(int64_t *)act_map_mut(NULL, &m, &act_type_string, &act_type_i64, &fig, NULL) += 5;
  cr_expect_eq(*(int64_t *)act_map_at(NULL, m, &fig, NULL), 7);

  act_array_t *keys = act_map_keys(m, &act_type_string);
  cr_expect_str_eq(arr_text(keys), "[\"\", \"Zebra\", \"apple\", \"fig\", \"pear\"]");
  act_array_t *vals = act_map_values(m, &act_type_string, &act_type_i64);
  cr_expect_str_eq(arr_text(vals), "[3, 4, 10, 7, 0]");
  act_str_t *x = S("x");
  act_array_push(&keys, &act_type_string, &x);  /* fresh arrays */
  cr_expect_eq(act_map_len(m), 5);

  act_map_remove(&m, &act_type_string, &act_type_i64, &fig);
  act_map_remove(&m, &act_type_string, &act_type_i64, &fig);   /* absent: nothing */
  cr_expect_eq(act_map_len(m), 4);
  cr_expect_null(act_map_find(m, &fig));
  act_map_t *none = NULL;
  act_map_remove(&none, &act_type_string, &act_type_i64, &fig);
  cr_expect_null(none);
  cr_expect_eq(act_array_len(act_map_keys(NULL, &act_type_string)), 0);
  cr_expect_eq(act_array_len(act_map_values(NULL, &act_type_string, &act_type_i64)), 0);

  /* remove everything, then use it again */
  act_str_t *ks[] = {S(""), S("Zebra"), S("apple"), S("pear")};
  for (int i = 0; i < 4; i++) act_map_remove(&m, &act_type_string, &act_type_i64, &ks[i]);
  cr_expect_eq(act_map_len(m), 0);
  cr_expect_str_eq(map_text(m), "{}");
  put_si(&m, "again", 1);
  cr_expect_str_eq(map_text(m), "{\"again\": 1}");
}

Test(values, map_key_order_numeric) {
  act_map_t *m = NULL;
  int64_t ks[] = {10, -3, 2, 100, -50, 0};
  for (int i = 0; i < 6; i++) {
    act_str_t *v = act_str_from_i64(ks[i] * 2);
    act_map_put(&m, &act_type_i64, &act_type_string, &ks[i], &v);
  }
  cr_expect_str_eq(map_text(m), "{-50: \"-100\", -3: \"-6\", 0: \"0\", 2: \"4\", 10: \"20\", 100: \"200\"}");
  cr_expect_str_eq(arr_text(act_map_keys(m, &act_type_i64)), "[-50, -3, 0, 2, 10, 100]");

  act_map_t *u = NULL;
  uint64_t uk[] = {UINT64_MAX, 1, 1ull << 63};
  for (int i = 0; i < 3; i++) {
    bool t = i == 1;
    act_map_put(&u, &act_type_u64, &act_type_bool, &uk[i], &t);
  }
  cr_expect_str_eq(map_text(u), "{1: true, 9223372036854775808: false, 18446744073709551615: false}");

  act_map_t *s32 = NULL;
  int32_t k32[] = {7, -7, 0};
  for (int i = 0; i < 3; i++) act_map_put(&s32, &act_type_i32, &act_type_i32, &k32[i], &k32[i]);
  cr_expect_str_eq(map_text(s32), "{-7: -7, 0: 0, 7: 7}");
  int32_t q = -7;
  cr_expect_eq(*(int32_t *)act_map_find(s32, &q), -7);

  act_map_t *bm = NULL;
  bool t = true, f = false;
  int64_t one = 1, two = 2;
  act_map_put(&bm, &act_type_bool, &act_type_i64, &t, &one);
  act_map_put(&bm, &act_type_bool, &act_type_i64, &f, &two);
  cr_expect_str_eq(map_text(bm), "{false: 2, true: 1}");

  act_map_t *dm = NULL;
  int64_t d1 = 2000000000, d2 = 5000000;
  act_map_put(&dm, &act_type_duration, &act_type_duration, &d1, &d2);
  act_map_put(&dm, &act_type_duration, &act_type_duration, &d2, &d1);
  cr_expect_str_eq(map_text(dm), "{5ms: 2s, 2s: 5ms}");

  act_map_t *u8m = NULL;
  for (int i = 0; i < 256; i++) {
    uint8_t k = (uint8_t)(255 - i);
    int64_t v = i;
    act_map_put(&u8m, &act_type_u8, &act_type_i64, &k, &v);
  }
  cr_expect_eq(act_map_len(u8m), 256);
  act_array_t *k8 = act_map_keys(u8m, &act_type_u8);
  for (int i = 0; i < 256; i++) cr_assert_eq(((uint8_t *)k8->data)[i], i);
}

Test(values, map_copy_on_write) {
  act_map_t *m = NULL;
  put_si(&m, "pear", 0);
  put_si(&m, "apple", 1);
  put_si(&m, "fig", 2);
  act_map_t *copy = act_sm(m);                 /* let copy = m */
  act_str_t *fig = S("fig");
  act_map_remove(&m, &act_type_string, &act_type_i64, &fig);
  cr_expect_eq(act_map_len(m), 2);
  cr_expect_eq(act_map_len(copy), 3);
  cr_expect_not_null(act_map_find(copy, &fig));
  cr_expect_null(act_map_find(m, &fig));

  act_map_t *c2 = act_sm(m);
  put_si(&m, "kiwi", 9);
  cr_expect_null(get_si(c2, "kiwi"));
  act_map_t *c3 = act_sm(m);
  act_str_t *pear = S("pear");
  *(int64_t *)act_map_mut(NULL, &m, &act_type_string, &act_type_i64, &pear, NULL) = 42;
  cr_expect_eq(*get_si(c3, "pear"), 0);
  cr_expect_eq(*get_si(m, "pear"), 42);
  cr_expect(!act_map_eq(m, c3, &act_type_string, &act_type_i64));
}

Test(values, map_of_arrays_copy_on_write) {
  /* var m: [string: [int]] = ["a": [1]]; let c = m; m["a"].push(2) */
  act_map_t *m = NULL;
  int64_t one = 1, two = 2;
  act_array_t *a = ints(1, &one);
  act_str_t *k = S("a");
  act_array_t *val = act_sa(a);
  act_map_put(&m, &act_type_string, &td_arr_i64, &k, &val);
  act_map_t *c = act_sm(m);
  act_array_t **slot = act_map_mut(NULL, &m, &act_type_string, &td_arr_i64, &k, NULL);
  act_array_push(slot, &act_type_i64, &two);
  cr_expect_str_eq(map_text(m), "{\"a\": [1, 2]}");
  cr_expect_str_eq(map_text(c), "{\"a\": [1]}");
  cr_expect_str_eq(arr_text(a), "[1]");
  /* values() hands out arrays that are shared with the map */
  act_array_t *vs = act_map_values(m, &act_type_string, &td_arr_i64);
  act_array_t **v0 = act_array_mut(NULL, &vs, &td_arr_i64, 0, NULL);
  act_array_push(v0, &act_type_i64, &two);
  cr_expect_str_eq(map_text(m), "{\"a\": [1, 2]}");

  /* a map inside an array, printed */
  act_array_t *ms = NULL;
  act_map_t *in = NULL;
  put_si(&in, "b", 2);
  put_si(&in, "a", 1);
  act_array_push(&ms, &td_map_si, &in);
  act_array_push(&ms, &td_map_si, &(act_map_t *){NULL});
  cr_expect_str_eq(arr_text(ms), "[{\"a\": 1, \"b\": 2}, {}]");
}

Test(values, map_eq) {
  act_map_t *a = NULL, *b = NULL;
  cr_expect(act_map_eq(a, b, &act_type_string, &act_type_i64));
  put_si(&a, "x", 1);
  put_si(&a, "y", 2);
  put_si(&b, "y", 2);
  cr_expect(!act_map_eq(a, b, &act_type_string, &act_type_i64));
  put_si(&b, "x", 1);
  cr_expect(act_map_eq(a, b, &act_type_string, &act_type_i64));   /* order does not matter */
  put_si(&b, "x", 3);
  cr_expect(!act_map_eq(a, b, &act_type_string, &act_type_i64));
  put_si(&b, "x", 1);
  put_si(&b, "z", 1);
  cr_expect(!act_map_eq(a, b, &act_type_string, &act_type_i64));
  act_map_t *e = act_map_new(&act_type_string, &act_type_i64);
  cr_expect(act_map_eq(NULL, e, &act_type_string, &act_type_i64));
}

/* Random puts, removes and lookups against a plain array as the model:
 * exercises growth, tombstones and compaction. */
Test(values, map_churn_against_model) {
  enum { K = 2000 };
  static int64_t model[K];
  static bool present[K];
  act_map_t *m = NULL, *snap = NULL;
  int64_t snap_len = 0;
  uint64_t r = 99;
  for (int step = 0; step < 200000; step++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    int64_t k = (int64_t)((r >> 33) % K);
    int op = (int)((r >> 20) % 10);
    if (op < 5) {
      int64_t v = (int64_t)(r >> 40);
      act_map_put(&m, &act_type_i64, &act_type_i64, &k, &v);
      model[k] = v;
      present[k] = true;
    } else if (op < 8) {
      act_map_remove(&m, &act_type_i64, &act_type_i64, &k);
      present[k] = false;
    } else {
      int64_t *p = act_map_find(m, &k);
      cr_assert_eq(p != NULL, present[k], "step %d key %lld", step, (long long)k);
      if (p) cr_assert_eq(*p, model[k]);
    }
    if (step == 100000) {
      snap = act_sm(m);
      snap_len = act_map_len(m);
    }
  }
  int64_t n = 0;
  for (int i = 0; i < K; i++) n += present[i];
  cr_expect_eq(act_map_len(m), n);
  act_array_t *keys = act_map_keys(m, &act_type_i64);
  cr_expect_eq(act_array_len(keys), n);
  for (int64_t i = 1; i < n; i++) cr_assert(I(keys, i - 1) < I(keys, i));
  cr_expect_eq(act_map_len(snap), snap_len);   /* the snapshot did not move */
}

Test(values, map_many_string_keys) {
  act_map_t *m = NULL;
  char t[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(t, sizeof t, "w%d", i);
    put_si(&m, t, i);
  }
  cr_expect_eq(act_map_len(m), 100000);
  for (int i = 0; i < 100000; i += 997) {
    snprintf(t, sizeof t, "w%d", i);
    cr_assert_eq(*get_si(m, t), i);
  }
  act_array_t *keys = act_map_keys(m, &act_type_string);
  cr_expect_str_eq(C(SA(keys, 0)), "w0");
  cr_expect_str_eq(C(SA(keys, 1)), "w1");
  cr_expect_str_eq(C(SA(keys, 2)), "w10");
  cr_expect_str_eq(C(SA(keys, 99999)), "w99999");
}

/* The journal codec: scalars and strings round-trip; short or bad input
 * is refused without reading past the end. */
Test(codec, round_trip_and_truncation) {
  act_buf_t b;
  act_buf_init(&b);
  int64_t i = -42;
  double d = 2.5;
  bool t = true;
  act_str_t *s = act_str_from_cstr("héllo");
  act_encode(&b, &act_type_i64, &i);
  act_encode(&b, &act_type_f64, &d);
  act_encode(&b, &act_type_bool, &t);
  act_encode(&b, &act_type_string, &s);
  act_reader_t r = act_reader(b.p, (size_t)b.len);
  int64_t i2 = 0;
  double d2 = 0;
  bool t2 = false;
  act_str_t *s2 = NULL;
  cr_assert(act_decode(&r, &act_type_i64, &i2) && i2 == -42);
  cr_assert(act_decode(&r, &act_type_f64, &d2) && d2 == 2.5);
  cr_assert(act_decode(&r, &act_type_bool, &t2) && t2);
  cr_assert(act_decode(&r, &act_type_string, &s2) && act_str_eq(s, s2));
  cr_assert(r.p == r.end);
  for (int64_t cut = 0; cut < b.len; cut++) {
    act_reader_t q = act_reader(b.p, (size_t)cut);
    bool ok = act_decode(&q, &act_type_i64, &i2) && act_decode(&q, &act_type_f64, &d2) &&
              act_decode(&q, &act_type_bool, &t2) && act_decode(&q, &act_type_string, &s2);
    cr_assert(!ok, "a %lld-byte prefix decoded", (long long)cut);
  }
  unsigned char badbool = 7;
  act_reader_t q = act_reader(&badbool, 1);
  cr_assert(!act_decode(&q, &act_type_bool, &t2));
}
