/* Runtime values: float text as Python's repr, containers with copy on
 * write, map order, string methods. */
#include <criterion/criterion.h>
#include <string.h>

#include "act.h"

static const char *text(const act_type_t *t, const void *v) {
  act_str_t *s = act_to_str(t, v);
  return s ? s->data : "";
}

static const char *f64(double v) { return text(&act_type_f64, &v); }

Test(values, float_repr_like_python) {
  cr_expect_str_eq(f64(9.0), "9.0");
  cr_expect_str_eq(f64(0.1), "0.1");
  cr_expect_str_eq(f64(1e-08), "1e-08");
  cr_expect_str_eq(f64(0.0001), "0.0001");
  cr_expect_str_eq(f64(1e16), "1e+16");
  cr_expect_str_eq(f64(1e15), "1000000000000000.0");
  cr_expect_str_eq(f64(1.5e300), "1.5e+300");
  cr_expect_str_eq(f64(123456789012345678.0), "1.2345678901234568e+17");
  cr_expect_str_eq(f64(-0.0), "-0.0");
  cr_expect_str_eq(f64(5e-324), "5e-324");
  cr_expect_str_eq(f64(0.1 + 0.2), "0.30000000000000004");
  cr_expect_str_eq(f64(1.0 / 0.0), "inf");
  cr_expect_str_eq(f64(-1.0 / 0.0), "-inf");
}

Test(values, integers_and_durations) {
  int64_t v = -42;
  cr_expect_str_eq(text(&act_type_i64, &v), "-42");
  uint64_t u = UINT64_MAX;
  cr_expect_str_eq(text(&act_type_u64, &u), "18446744073709551615");
  int64_t d = 250000000;
  cr_expect_str_eq(text(&act_type_duration, &d), "250ms");
  d = 5000000000;
  cr_expect_str_eq(text(&act_type_duration, &d), "5s");
}

Test(values, array_copy_on_write) {
  act_array_t *a = act_array_new(&act_type_i64, 0);
  for (int64_t i = 0; i < 100; i++) act_array_push(&a, &act_type_i64, &i);
  act_array_t *b = act_sa(a);      /* a second place holds it */
  int64_t x = 999;
  act_array_push(&a, &act_type_i64, &x);
  cr_expect_eq(act_array_len(a), 101);
  cr_expect_eq(act_array_len(b), 100);
  cr_expect_neq(a, b);
  *(int64_t *)act_array_mut(NULL, &b, &act_type_i64, 0, NULL) = 7;
  cr_expect_eq(*(int64_t *)act_array_at(NULL, a, 0, NULL), 0);
  cr_expect_eq(*(int64_t *)act_array_at(NULL, b, 0, NULL), 7);
}

Test(values, sort_is_stable_and_ordered) {
  act_array_t *a = NULL;
  int64_t v[] = {5, 3, 9, 1, 3, 7};
  for (int i = 0; i < 6; i++) act_array_push(&a, &act_type_i64, &v[i]);
  act_array_sort(&a, &act_type_i64);
  act_buf_t b;
  act_buf_init(&b);
  act__array_print(&b, a);
  cr_expect_str_eq(act_buf_to_str(&b)->data, "[1, 3, 3, 5, 7, 9]");
}

Test(values, map_order_and_cow) {
  act_map_t *m = NULL;
  const char *keys[] = {"pear", "apple", "fig"};
  for (int64_t i = 0; i < 3; i++) {
    act_str_t *k = act_str_from_cstr(keys[i]);
    act_map_put(&m, &act_type_string, &act_type_i64, &k, &i);
  }
  act_buf_t b;
  act_buf_init(&b);
  act__map_print(&b, m);
  cr_expect_str_eq(act_buf_to_str(&b)->data, "{\"apple\": 1, \"fig\": 2, \"pear\": 0}");
  act_map_t *copy = act_sm(m);
  act_str_t *k = act_str_from_cstr("fig");
  act_map_remove(&m, &act_type_string, &act_type_i64, &k);
  cr_expect_eq(act_map_len(m), 2);
  cr_expect_eq(act_map_len(copy), 3);
  cr_expect_not_null(act_map_find(copy, &k));
  cr_expect_null(act_map_find(m, &k));
}

Test(values, map_many_int_keys) {
  act_map_t *m = NULL;
  for (int64_t i = 0; i < 20000; i++) {
    int64_t v = i * 2;
    act_map_put(&m, &act_type_i64, &act_type_i64, &i, &v);
  }
  for (int64_t i = 0; i < 20000; i += 2) act_map_remove(&m, &act_type_i64, &act_type_i64, &i);
  cr_expect_eq(act_map_len(m), 10000);
  int64_t k = 4001;
  cr_expect_eq(*(int64_t *)act_map_find(m, &k), 8002);
  act_array_t *keys = act_map_keys(m, &act_type_i64);
  cr_expect_eq(((int64_t *)keys->data)[0], 1);
  cr_expect_eq(((int64_t *)keys->data)[9999], 19999);
}

Test(values, string_methods) {
  act_str_t *s = act_str_from_cstr("a,b,,c");
  act_array_t *parts = act_str_split(s, act_str_from_cstr(","));
  cr_expect_eq(act_array_len(parts), 4);
  cr_expect_eq(act_str_find(s, act_str_from_cstr("b")), 2);
  cr_expect_eq(act_str_find(s, act_str_from_cstr("z")), -1);
  cr_expect_str_eq(act_str_trim(act_str_from_cstr("  hi \n"))->data, "hi");
  int64_t v;
  cr_expect(act_parse_int(act_str_from_cstr("-1_000"), &v));
  cr_expect_eq(v, -1000);
  cr_expect(!act_parse_int(act_str_from_cstr("12a"), &v));
  cr_expect(!act_parse_int(act_str_from_cstr("99999999999999999999"), &v));
  double f;
  cr_expect(act_parse_float(act_str_from_cstr("2.5e3"), &f));
  cr_expect_float_eq(f, 2500.0, 1e-9);
  cr_expect(!act_parse_float(act_str_from_cstr(" 1"), &f));
}

Test(values, quoted_strings_in_containers) {
  act_array_t *a = NULL;
  act_str_t *s = act_str_from_cstr("say \"hi\"\n");
  act_array_push(&a, &act_type_string, &s);
  act_buf_t b;
  act_buf_init(&b);
  act__array_print(&b, a);
  cr_expect_str_eq(act_buf_to_str(&b)->data, "[\"say \\\"hi\\\"\\n\"]");
}
