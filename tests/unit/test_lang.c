/* The helpers generated code calls (runtime/src/lang, act/lang.h):
 * act_interp's directives and their text, and the one-call literals. */
#include <criterion/criterion.h>
#include <string.h>

#include "act/act.h"

static const char *C(const act_str_t *s) { return act_str_data(s); }

Test(interp, literal_text_and_percent) {
  cr_assert_str_eq(C(act_interp("plain")), "plain");
  cr_assert_str_eq(C(act_interp("")), "");
  cr_assert_str_eq(C(act_interp("100%% sure %%d")), "100% sure %d");
}

Test(interp, scalars) {
  act_str_t *s = act_str_from_cstr("tag");
  cr_assert_str_eq(C(act_interp("%S=%d/%u", s, (int64_t)-5, (uint64_t)UINT64_MAX)),
                   "tag=-5/18446744073709551615");
  cr_assert_str_eq(C(act_interp("%F %F %f", 1.0, 0.1, (double)0.1f)), "1.0 0.1 0.1");
  cr_assert_str_eq(C(act_interp("%b %b", 1, 0)), "true false");
  cr_assert_str_eq(C(act_interp("%t %t", (int64_t)1500000000, (int64_t)2000000000)), "1500ms 2s");
}

Test(interp, values_by_descriptor_print_as_act_to_str) {
  int64_t v[] = {1, 2, 3};
  act_array_t *a = act_array_lit(&act_type_i64, 3, v);
  act_str_t *want = act_to_str(&act_type_i64, &v[0]);
  cr_assert_str_eq(C(act_interp("%V", &act_type_i64, &v[0])), C(want));
  act_type_t arr = {.name = "[int]", .size = sizeof(void *), .kind = ACT_K_ARRAY, .elem = &act_type_i64,
                    .flags = ACT_TF_SHARE};
  cr_assert_str_eq(C(act_interp("<%V>", &arr, &a)), "<[1, 2, 3]>");
}

Test(lit, array_in_order) {
  act_str_t *v[] = {act_str_from_cstr("a"), act_str_from_cstr("b")};
  act_array_t *a = act_array_lit(&act_type_string, 2, v);
  cr_assert_eq(act_array_len(a), 2);
  cr_assert_str_eq(C(((act_str_t **)a->data)[1]), "b");
  cr_assert_eq(act_array_len(act_array_lit(&act_type_i64, 0, NULL)), 0);
}

Test(lit, map_repeated_key_keeps_last_value_and_first_place) {
  act_str_t *k[] = {act_str_from_cstr("a"), act_str_from_cstr("b"), act_str_from_cstr("a")};
  int64_t v[] = {1, 2, 3};
  act_map_t *m = act_map_lit(&act_type_string, &act_type_i64, 3, k, v);
  cr_assert_eq(act_map_len(m), 2);
  cr_assert_eq(*(int64_t *)act_map_find(m, &k[0]), 3);
  act_buf_t b;
  act_buf_init(&b);
  act__map_print(&b, m);
  cr_assert_str_eq(C(act_buf_to_str(&b)), "{\"a\": 3, \"b\": 2}");
}
