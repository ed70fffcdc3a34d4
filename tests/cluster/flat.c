/* cluster/flat.c against the codec: a message body of numbers and bools
 * is written byte for byte as act_encode writes it and read back as
 * act_decode reads it, prefixes and a bool that is neither 0 nor 1 are
 * refused, and anything else (a string field) is left to the codec with
 * nothing written or read. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "cluster/lang_int.h"

typedef struct body {
  bool b;
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  float f32;
  double f64;
  int64_t dur;
} body_t;

#define F(name, member, type) {name, offsetof(body_t, member), 0, &type}
static const act_field_t fields[] = {
    F("b", b, act_type_bool),      F("i8", i8, act_type_i8),     F("i16", i16, act_type_i16),
    F("i32", i32, act_type_i32),   F("i64", i64, act_type_i64),  F("u16", u16, act_type_u16),
    F("u32", u32, act_type_u32),   F("u64", u64, act_type_u64),  F("f32", f32, act_type_f32),
    F("f64", f64, act_type_f64),   F("dur", dur, act_type_duration),
};
static const act_type_t body_type = {
    .name = "Body", .size = sizeof(body_t), .kind = ACT_K_STRUCT, .nfields = 11, .fields = fields};

typedef struct named {
  int64_t n;
  act_str_t *s;
} named_t;
static const act_field_t named_fields[] = {
    {"n", offsetof(named_t, n), 0, &act_type_i64},
    {"s", offsetof(named_t, s), 0, &act_type_string},
};
static const act_type_t named_type = {
    .name = "Named", .size = sizeof(named_t), .kind = ACT_K_STRUCT, .nfields = 2, .fields = named_fields};

static body_t sample(void) {
  body_t v = {true, -5, -300, -70000, -(1LL << 40), 65000, 4000000000u, 1ULL << 63, 1.5f, -2.25, 7};
  return v;
}

Test(flat, same_bytes_as_the_codec) {
  body_t v = sample();
  act_buf_t a, b;
  act_buf_init(&a);
  act_buf_init(&b);
  cr_assert(act__flat_put(&a, &body_type, &v));
  act_encode(&b, &body_type, &v);
  cr_assert_eq(a.len, b.len);
  cr_assert(memcmp(a.p, b.p, (size_t)a.len) == 0);
}

Test(flat, reads_what_the_codec_wrote) {
  body_t v = sample(), w;
  memset(&w, 0, sizeof w);
  act_buf_t b;
  act_buf_init(&b);
  act_encode(&b, &body_type, &v);
  act_reader_t r = act_reader(b.p, (size_t)b.len);
  cr_assert_eq(act__flat_get(&r, &body_type, &w), 1);
  cr_assert(r.p == r.end);
  cr_assert(w.b && w.i8 == v.i8 && w.i16 == v.i16 && w.i32 == v.i32 && w.i64 == v.i64);
  cr_assert(w.u16 == v.u16 && w.u32 == v.u32 && w.u64 == v.u64);
  cr_assert(w.f32 == v.f32 && w.f64 == v.f64 && w.dur == v.dur);
}

Test(flat, refuses_prefixes_and_bad_bools) {
  body_t v = sample(), w;
  act_buf_t b;
  act_buf_init(&b);
  act_encode(&b, &body_type, &v);
  for (int64_t cut = 0; cut < b.len; cut++) {
    act_reader_t r = act_reader(b.p, (size_t)cut);
    cr_assert_eq(act__flat_get(&r, &body_type, &w), 0, "a %lld-byte prefix was read", (long long)cut);
    cr_assert_not_null(r.err);
  }
  b.p[0] = 2;   /* the bool */
  act_reader_t r = act_reader(b.p, (size_t)b.len);
  cr_assert_eq(act__flat_get(&r, &body_type, &w), 0);
  cr_assert_str_eq(r.err, "a bool is neither 0 nor 1");
}

Test(flat, leaves_other_bodies_to_the_codec) {
  named_t v = {3, act_str_from_cstr("x")}, w = {0, NULL};
  act_buf_t b;
  act_buf_init(&b);
  cr_assert(!act__flat_put(&b, &named_type, &v));
  cr_assert_eq(b.len, 0);
  act_encode(&b, &named_type, &v);
  act_reader_t r = act_reader(b.p, (size_t)b.len);
  cr_assert_eq(act__flat_get(&r, &named_type, &w), -1);
  cr_assert(r.p == (const uint8_t *)b.p, "the codec must read from the start");
  cr_assert(act_decode(&r, &named_type, &w) && w.n == 3 && act_str_eq(w.s, v.s));
  int64_t n = 9;
  act_buf_t c;
  act_buf_init(&c);
  cr_assert(!act__flat_put(&c, &act_type_i64, &n), "not a struct");
}
