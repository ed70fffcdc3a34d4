/* test_codec.c: the value codec (runtime/src/value/codec.c) and the
 * descriptor-driven operations (value/desc.c) on every shape: encode ->
 * decode round trips, and clear failures on truncated, corrupt or hostile
 * input. The fuzzer (fuzz_codec.c) covers random bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "codec_shapes.h"

static act_str_t *S(const char *s) { return act_str_from_cstr(s); }

static act_str_t *show(const act_type_t *t, const void *v) { return act_to_str(t, v); }

/* encode_record then decode_record; the decoded value must equal v and
 * consume every byte. Returns the encoding. */
static act_buf_t round_trip(const act_type_t *t, const void *v, void *out) {
  act_buf_t b;
  act_buf_init(&b);
  act_encode_record(&b, t, v);
  act_reader_t r = act_reader(b.p, (size_t)b.len);
  const char *err = NULL;
  cr_assert(act_decode_record(&r, t, out, &err), "%s: %s", t->name, err ? err : "?");
  cr_assert(r.p == r.end, "%s: bytes left over", t->name);
  cr_assert(act_value_eq(t, v, out), "%s: %s != %s", t->name, act_str_data(show(t, v)), act_str_data(show(t, out)));
  cr_assert(act_value_hash(t, v) == act_value_hash(t, out));
  return b;
}

/* Every proper prefix of a record fails with a reason, never crashes. */
static void every_prefix_fails(const act_type_t *t, act_buf_t b) {
  for (int64_t cut = 0; cut < b.len; cut++) {
    act_reader_t r = act_reader(b.p, (size_t)cut);
    void *v = act_alloc(t->size);
    const char *err = NULL;
    bool ok = act_decode_record(&r, t, v, &err);
    /* a shorter record may be complete only if it ends where the value does */
    if (ok) cr_assert(false, "%s: a %lld-byte prefix of %lld decoded", t->name, (long long)cut, (long long)b.len);
    cr_assert(err != NULL);
  }
}

static shape_point point(int64_t x, const char *name) {
  shape_point p = {.f_x = x, .f_name = S(name), .f_ok = x % 2 == 0, .f_small = 250, .f_w = -300, .f_f = 2.5};
  return p;
}

static shape_tree *leaf(void) {
  shape_tree *t = act_alloc(sizeof *t);
  t->tag = 0;
  return t;
}

static shape_tree *node(shape_tree *l, const char *v, shape_tree *r) {
  shape_tree *t = act_alloc(sizeof *t);
  t->tag = 1;
  t->u.v_Node.f_l = l;
  t->u.v_Node.f_r = r;
  t->u.v_Node.f_v.has = v != NULL;
  t->u.v_Node.f_v.v = v ? S(v) : NULL;
  return t;
}

Test(codec, scalars_round_trip) {
  int64_t i = INT64_MIN, i2;
  uint64_t u = UINT64_MAX, u2;
  double d = -0.125, d2;
  float f = 1e30f, f2;
  bool t = true, t2;
  int8_t b = -128, b2;
  act_str_t *s = S("héllo\n\"x\""), *s2;
  act_str_t *empty = NULL, *e2;
  round_trip(&act_type_i64, &i, &i2);
  round_trip(&act_type_u64, &u, &u2);
  round_trip(&act_type_f64, &d, &d2);
  round_trip(&act_type_f32, &f, &f2);
  round_trip(&act_type_bool, &t, &t2);
  round_trip(&act_type_i8, &b, &b2);
  every_prefix_fails(&act_type_string, round_trip(&act_type_string, &s, &s2));
  round_trip(&act_type_string, &empty, &e2);
  cr_assert_eq(act_str_len(e2), 0);
}

Test(codec, struct_round_trip_and_print) {
  shape_point p = point(-7, "origin"), q;
  every_prefix_fails(&shape_point_type, round_trip(&shape_point_type, &p, &q));
  cr_assert_str_eq(act_str_data(show(&shape_point_type, &q)),
                   "Point{x: -7, name: \"origin\", ok: false, small: 250, w: -300, f: 2.5}");
  q.f_x = 8;
  cr_assert(!act_value_eq(&shape_point_type, &p, &q));
}

Test(codec, optional_round_trip) {
  shape_opt_str some = {true, S("x")}, none = {false, NULL}, out;
  every_prefix_fails(&shape_opt_str_type, round_trip(&shape_opt_str_type, &some, &out));
  round_trip(&shape_opt_str_type, &none, &out);
  cr_assert(!out.has);
  cr_assert_str_eq(act_str_data(show(&shape_opt_str_type, &some)), "x");
  cr_assert_str_eq(act_str_data(show(&shape_opt_str_type, &none)), "none");
  cr_assert(!act_value_eq(&shape_opt_str_type, &some, &none));
}

Test(codec, containers_round_trip) {
  act_array_t *ps = NULL, *ps2;
  for (int i = 0; i < 50; i++) {
    shape_point p = point(i, i % 3 ? "a" : "bb");
    act_array_push(&ps, &shape_point_type, &p);
  }
  every_prefix_fails(&shape_arr_point_type, round_trip(&shape_arr_point_type, &ps, &ps2));
  act_map_t *m = NULL, *m2;
  for (int i = 0; i < 20; i++) {
    act_array_t *xs = NULL;
    for (int64_t k = 0; k < i; k++) act_array_push(&xs, &act_type_i64, &k);
    char key[16];
    snprintf(key, sizeof key, "k%d", i);
    act_str_t *ks = S(key);
    act_map_put(&m, &act_type_string, &shape_arr_int_type, &ks, &xs);
  }
  every_prefix_fails(&shape_map_type, round_trip(&shape_map_type, &m, &m2));
  act_array_t *none = NULL, *none2;
  round_trip(&shape_arr_int_type, &none, &none2);
  cr_assert_eq(act_array_len(none2), 0);
}

Test(codec, recursive_enum_round_trip) {
  shape_tree *t = node(node(leaf(), "a", leaf()), NULL, node(leaf(), "c", leaf()));
  shape_tree out;
  every_prefix_fails(&shape_tree_type, round_trip(&shape_tree_type, t, &out));
  cr_assert_str_eq(act_str_data(show(&shape_tree_type, t)),
                   "Tree.Node(Tree.Node(Tree.Leaf, \"a\", Tree.Leaf), none, Tree.Node(Tree.Leaf, \"c\", Tree.Leaf))");
  shape_tree many = {.tag = 2}, many2;
  int64_t one = 1;
  act_array_push(&many.u.v_Many.f_ts, &act_type_i64, &one);
  round_trip(&shape_tree_type, &many, &many2);
  /* sharing reaches arrays inside boxed payloads */
  shape_tree *holder = node(&many, "m", leaf());
  act_value_share(&shape_tree_type, holder);
  cr_assert(many.u.v_Many.f_ts->shared);
}

static bool decode_bytes(const act_type_t *t, const uint8_t *p, size_t n, const char **err) {
  act_reader_t r = act_reader(p, n);
  void *v = act_alloc(t->size > 0 ? t->size : 1);
  *err = NULL;
  return act_decode_record(&r, t, v, err);
}

Test(codec, hostile_input_fails_clearly) {
  const char *err;
  uint8_t badver[] = {9, 1};
  cr_assert(!decode_bytes(&act_type_bool, badver, sizeof badver, &err));
  cr_assert(strstr(err, "version"), "%s", err);
  uint8_t badbool[] = {ACT_CODEC_VERSION, 2};
  cr_assert(!decode_bytes(&act_type_bool, badbool, sizeof badbool, &err));
  cr_assert(strstr(err, "bool"), "%s", err);
  uint8_t badtag[] = {ACT_CODEC_VERSION, 7, 0, 0, 0};
  cr_assert(!decode_bytes(&shape_tree_type, badtag, sizeof badtag, &err));
  cr_assert(strstr(err, "tag"), "%s", err);
  uint8_t negtag[] = {ACT_CODEC_VERSION, 0xff, 0xff, 0xff, 0xff};
  cr_assert(!decode_bytes(&shape_tree_type, negtag, sizeof negtag, &err));
  uint8_t badflag[] = {ACT_CODEC_VERSION, 3};
  cr_assert(!decode_bytes(&shape_opt_str_type, badflag, sizeof badflag, &err));
  cr_assert(strstr(err, "flag"), "%s", err);
  /* a 4 GiB array length in a 6-byte input: refused before allocating */
  uint8_t huge[] = {ACT_CODEC_VERSION, 0xff, 0xff, 0xff, 0xff, 0};
  cr_assert(!decode_bytes(&shape_arr_point_type, huge, sizeof huge, &err));
  cr_assert(strstr(err, "length"), "%s", err);
  uint8_t longstr[] = {ACT_CODEC_VERSION, 5, 0, 0, 0, 'a', 'b'};
  cr_assert(!decode_bytes(&act_type_string, longstr, sizeof longstr, &err));
  /* a map with one key twice */
  uint8_t dup[] = {ACT_CODEC_VERSION, 2, 0, 0, 0, 1, 0, 0, 0, 'k', 0, 0, 0, 0, 1, 0, 0, 0, 'k', 0, 0, 0, 0};
  cr_assert(!decode_bytes(&shape_map_type, dup, sizeof dup, &err));
  cr_assert(strstr(err, "twice"), "%s", err);
  cr_assert(!decode_bytes(&act_type_i64, NULL, 0, &err));
  cr_assert(strstr(err, "truncated"), "%s", err);
  /* references cannot travel */
  uint8_t ref[] = {ACT_CODEC_VERSION, 0, 0, 0, 0, 0, 0, 0, 0};
  cr_assert(!decode_bytes(&act_type_ref, ref, sizeof ref, &err));
}

Test(codec, nesting_is_bounded) {
  /* Node(Node(Node(... without end: each level is a tag and a boxed left
   * child; the decoder stops at ACT_CODEC_MAX_DEPTH instead of the stack */
  size_t levels = 100000, n = 1 + levels * 4;
  uint8_t *p = act_alloc_atomic(n);
  p[0] = ACT_CODEC_VERSION;
  for (size_t i = 0; i < levels; i++) memcpy(p + 1 + i * 4, (uint8_t[]){1, 0, 0, 0}, 4);
  const char *err;
  cr_assert(!decode_bytes(&shape_tree_type, p, n, &err));
  cr_assert(strstr(err, "deeply"), "%s", err);
}

Test(codec, messages_print_and_share_from_their_body) {
  typedef struct { act_msg_t h; int64_t f_n; act_array_t *f_xs; } ping_msg;
  static const act_field_t fields[] = {
    {.name = "n", .offset = offsetof(ping_msg, f_n), .type = &act_type_i64},
    {.name = "xs", .offset = offsetof(ping_msg, f_xs), .type = &shape_arr_int_type},
  };
  static const act_type_t body = {.name = "Ping", .size = sizeof(ping_msg), .kind = ACT_K_STRUCT,
                                  .nfields = 2, .fields = fields, .flags = ACT_TF_SHARE};
  static const act_msg_desc_t desc = {
    .type = {.name = "Ping", .id = 16, .size = sizeof(ping_msg), .print = act__msg_print, .share = act__msg_share},
    .body = &body};
  ping_msg m = {.h = {.type = &desc.type}, .f_n = 3};
  int64_t x = 4;
  act_array_push(&m.f_xs, &act_type_i64, &x);
  act_buf_t b;
  act_buf_init(&b);
  desc.type.print(&b, &m.h);
  cr_assert_str_eq(act_str_data(act_buf_to_str(&b)), "Ping(3, [4])");
  desc.type.share(&m.h);
  cr_assert(m.f_xs->shared);
  /* the message's fields encode like any struct: the wire's input */
  ping_msg m2 = {.h = {.type = &desc.type}};
  round_trip(&body, &m, &m2);
}
