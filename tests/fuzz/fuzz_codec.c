/* libFuzzer target: the value decoder on arbitrary bytes, for every
 * descriptor shape (codec_shapes.h; the first byte picks one). Decoding
 * must never crash or read out of bounds (ASan/UBSan watch), and whatever
 * it accepts must encode back to the same bytes and decode to an equal
 * value. Built by `make fuzz` (clang) beside fuzz_front. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_shapes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NaN is never equal to itself: equality is asserted only without floats. */
static bool has_float(const act_type_t *t, int depth) {
  if (depth > 8) return false;
  if (t->kind == ACT_K_F32 || t->kind == ACT_K_F64) return true;
  if (t->elem && has_float(t->elem, depth + 1)) return true;
  for (uint32_t i = 0; i < t->nfields; i++)
    if (has_float(t->fields[i].type, depth + 1)) return true;
  for (uint32_t v = 0; v < t->nvariants; v++)
    for (uint32_t i = 0; i < t->variants[v].nfields; i++)
      if (has_float(t->variants[v].fields[i].type, depth + 1)) return true;
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const act_type_t *t = shapes[data[0] % NSHAPES];
  act_reader_t r = act_reader(data + 1, size - 1);
  void *v = act_alloc(t->size);
  const char *err = NULL;
  if (!act_decode_record(&r, t, v, &err)) {
    if (err == NULL) abort();   /* a failure always says why */
    return 0;
  }
  size_t used = (size_t)(r.p - (data + 1));
  act_buf_t b;
  act_buf_init(&b);
  act_encode_record(&b, t, v);
  /* floats decode from any bits and encode back bit for bit, and a map
   * is written in key order, so the accepted prefix round-trips unless
   * its map keys came out of order */
  if (t != &shape_map_type && ((size_t)b.len != used || memcmp(b.p, data + 1, used) != 0)) abort();
  act_reader_t r2 = act_reader(b.p, (size_t)b.len);
  void *w = act_alloc(t->size);
  if (!act_decode_record(&r2, t, w, NULL) || r2.p != r2.end) abort();
  act_buf_t b2;
  act_buf_init(&b2);
  act_encode_record(&b2, t, w);
  if (b2.len != b.len || memcmp(b2.p, b.p, (size_t)b.len) != 0) abort();
  bool eq = act_value_eq(t, v, w);
  if (!eq && !has_float(t, 0)) abort();
  act_value_hash(t, v);
  act_to_str(t, v);
  return 0;
}
