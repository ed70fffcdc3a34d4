/* codec.c: values to bytes and back — the one encoding of every Act value,
 * for the journal (events and snapshots) now and messages on the wire
 * later. It walks type descriptors (act.h: field and variant tables), so
 * no code is generated per type.
 *
 * Format (ACT_CODEC_VERSION 1): fixed-width little-endian scalars (bool
 * and 8-bit in 1 byte, 16/32/64-bit in 2/4/8, floats by their bits); a
 * u32 length before the bytes of a string, the elements of an array and
 * the key/value pairs of a map (in key order); an optional's flag byte
 * then its value if present; an enum's tag (u32) then the variant's
 * fields; a struct's fields in order. A record is the version byte, then
 * one value.
 *
 * Decoding trusts nothing: a short or inconsistent input (a length past
 * the end, a bool or flag other than 0/1, an unknown tag, a repeated map
 * key, nesting deeper than ACT_CODEC_MAX_DEPTH) returns false with a
 * reason in r->err, never reads past the end, and allocates no more than
 * the input's size allows. */
#include <string.h>

#include "act/act.h"
#include "value/codec_ext.h"

_Thread_local const act_codec_ext_t *act__codec_ext;

static void put_le(act_buf_t *b, uint64_t v, int n) {
  char tmp[8];
  for (int i = 0; i < n; i++) tmp[i] = (char)(v >> (8 * i));
  act_buf_put(b, tmp, n);
}

static bool fail(act_reader_t *r, const char *why) {
  if (r->err == NULL) r->err = why;
  return false;
}

static bool get_le(act_reader_t *r, uint64_t *v, int n) {
  if (r->end - r->p < n) return fail(r, "truncated input");
  uint64_t x = 0;
  for (int i = 0; i < n; i++) x |= (uint64_t)r->p[i] << (8 * i);
  r->p += n;
  *v = x;
  return true;
}

void act__enc_len(act_buf_t *b, uint64_t n) { put_le(b, n, 4); }

bool act__dec_len(act_reader_t *r, uint64_t *n) {
  /* A length can never exceed what is left: each element takes a byte
   * at least, which bounds allocations made from hostile input. */
  if (!get_le(r, n, 4)) return false;
  return *n <= (uint64_t)(r->end - r->p) + 1 || fail(r, "a length runs past the end of the input");
}

static const void *field_at(const void *v, const act_field_t *f) {
  const char *p = (const char *)v + f->offset;
  return f->boxed ? *(const void *const *)p : p;
}

static void enc_fields(act_buf_t *b, uint32_t n, const act_field_t *fs, const void *v) {
  for (uint32_t i = 0; i < n; i++) act_encode(b, fs[i].type, field_at(v, &fs[i]));
}

void act_encode(act_buf_t *b, const act_type_t *t, const void *v) {
  switch (t->kind) {
  case ACT_K_BOOL: put_le(b, *(const bool *)v, 1); return;
  case ACT_K_I8: case ACT_K_U8: put_le(b, *(const uint8_t *)v, 1); return;
  case ACT_K_I16: case ACT_K_U16: put_le(b, *(const uint16_t *)v, 2); return;
  case ACT_K_I32: case ACT_K_U32: case ACT_K_F32: {
    uint32_t x;
    memcpy(&x, v, 4);
    put_le(b, x, 4);
    return;
  }
  case ACT_K_I64: case ACT_K_U64: case ACT_K_F64: case ACT_K_DURATION: {
    uint64_t x;
    memcpy(&x, v, 8);
    put_le(b, x, 8);
    return;
  }
  case ACT_K_STRING: {
    const act_str_t *s = *(act_str_t *const *)v;
    act__enc_len(b, (uint64_t)act_str_len(s));
    act_buf_put(b, act_str_data(s), act_str_len(s));
    return;
  }
  case ACT_K_ARRAY: {
    const act_array_t *a = *(act_array_t *const *)v;
    int64_t n = act_array_len(a);
    act__enc_len(b, (uint64_t)n);
    for (int64_t i = 0; i < n; i++) act_encode(b, t->elem, (const char *)a->data + (size_t)i * t->elem->size);
    return;
  }
  case ACT_K_MAP: {
    const act_map_t *m = *(act_map_t *const *)v;
    act_array_t *ks = act_map_keys(m, t->key);
    int64_t n = act_array_len(ks);
    act__enc_len(b, (uint64_t)n);
    for (int64_t i = 0; i < n; i++) {
      const void *k = (const char *)ks->data + (size_t)i * t->key->size;
      act_encode(b, t->key, k);
      act_encode(b, t->elem, act_map_find(m, k));
    }
    return;
  }
  case ACT_K_OPTIONAL: {
    bool has = *(const bool *)v;
    put_le(b, has, 1);
    if (has) enc_fields(b, t->nfields, t->fields, v);
    return;
  }
  case ACT_K_STRUCT: enc_fields(b, t->nfields, t->fields, v); return;
  case ACT_K_ENUM: {
    int32_t tag;
    memcpy(&tag, v, sizeof tag);
    act__enc_len(b, (uint64_t)(uint32_t)tag);
    if (tag >= 0 && (uint32_t)tag < t->nvariants)
      enc_fields(b, t->variants[tag].nfields, t->variants[tag].fields, v);
    return;
  }
  default:
    /* refs, futures, timers, nodes: kept out of the journal by the
     * checker; a message on its way to another node has the cluster's
     * encoding for them. */
    if (act__codec_ext) act__codec_ext->enc(b, t, v);
    return;
  }
}

static bool dec_fields(act_reader_t *r, uint32_t n, const act_field_t *fs, void *v) {
  for (uint32_t i = 0; i < n; i++) {
    char *p = (char *)v + fs[i].offset;
    if (fs[i].boxed) {
      /* a recursive value: decoded into its own block, depth-bounded */
      if (r->depth >= ACT_CODEC_MAX_DEPTH) return fail(r, "values nested too deeply");
      void *box = act_alloc(fs[i].type->size ? fs[i].type->size : 1);
      r->depth++;
      bool ok = act_decode(r, fs[i].type, box);
      r->depth--;
      if (!ok) return false;
      memcpy(p, &box, sizeof box);
    } else if (!act_decode(r, fs[i].type, p)) {
      return false;
    }
  }
  return true;
}

bool act_decode(act_reader_t *r, const act_type_t *t, void *v) {
  uint64_t x;
  switch (t->kind) {
  case ACT_K_BOOL:
    if (!get_le(r, &x, 1)) return false;
    if (x > 1) return fail(r, "a bool is neither 0 nor 1");
    *(bool *)v = x != 0;
    return true;
  case ACT_K_I8: case ACT_K_U8:
    if (!get_le(r, &x, 1)) return false;
    *(uint8_t *)v = (uint8_t)x;
    return true;
  case ACT_K_I16: case ACT_K_U16:
    if (!get_le(r, &x, 2)) return false;
    *(uint16_t *)v = (uint16_t)x;
    return true;
  case ACT_K_I32: case ACT_K_U32: case ACT_K_F32: {
    if (!get_le(r, &x, 4)) return false;
    uint32_t y = (uint32_t)x;
    memcpy(v, &y, 4);
    return true;
  }
  case ACT_K_I64: case ACT_K_U64: case ACT_K_F64: case ACT_K_DURATION:
    if (!get_le(r, &x, 8)) return false;
    memcpy(v, &x, 8);
    return true;
  case ACT_K_STRING: {
    if (!act__dec_len(r, &x)) return false;
    if (x > (uint64_t)(r->end - r->p)) return fail(r, "a string runs past the end of the input");
    *(act_str_t **)v = act_str_new((const char *)r->p, (int64_t)x);
    r->p += x;
    return true;
  }
  case ACT_K_ARRAY: {
    if (!act__dec_len(r, &x)) return false;
    act_array_t *a = act_array_new(t->elem, (int64_t)x);
    void *e = act_alloc(t->elem->size ? t->elem->size : 1);
    for (uint64_t i = 0; i < x; i++) {
      memset(e, 0, t->elem->size);
      if (!act_decode(r, t->elem, e)) return false;
      act_array_push(&a, t->elem, e);
    }
    *(act_array_t **)v = a;
    return true;
  }
  case ACT_K_MAP: {
    if (!act__dec_len(r, &x)) return false;
    act_map_t *m = act_map_new(t->key, t->elem);
    void *k = act_alloc(t->key->size ? t->key->size : 1);
    void *e = act_alloc(t->elem->size ? t->elem->size : 1);
    for (uint64_t i = 0; i < x; i++) {
      memset(k, 0, t->key->size);
      memset(e, 0, t->elem->size);
      if (!act_decode(r, t->key, k) || !act_decode(r, t->elem, e)) return false;
      if (act_map_find(m, k) != NULL) return fail(r, "a map key appears twice");
      act_map_put(&m, t->key, t->elem, k, e);
    }
    *(act_map_t **)v = m;
    return true;
  }
  case ACT_K_OPTIONAL:
    if (!get_le(r, &x, 1)) return false;
    if (x > 1) return fail(r, "an optional's flag is neither 0 nor 1");
    *(bool *)v = x != 0;
    return x == 0 || dec_fields(r, t->nfields, t->fields, v);
  case ACT_K_STRUCT: return dec_fields(r, t->nfields, t->fields, v);
  case ACT_K_ENUM: {
    if (!get_le(r, &x, 4)) return false;
    if (x >= t->nvariants) return fail(r, "an enum tag names no variant");
    int32_t tag = (int32_t)x;
    memcpy(v, &tag, sizeof tag);
    return dec_fields(r, t->variants[x].nfields, t->variants[x].fields, v);
  }
  default:
    if (act__codec_ext) return act__codec_ext->dec(r, t, v);
    return fail(r, "a reference, future, timer or node cannot be decoded");
  }
}

void act_encode_record(act_buf_t *b, const act_type_t *t, const void *v) {
  put_le(b, ACT_CODEC_VERSION, 1);
  act_encode(b, t, v);
}

bool act_decode_record(act_reader_t *r, const act_type_t *t, void *v, const char **err) {
  uint64_t ver;
  bool ok = get_le(r, &ver, 1);
  if (ok && ver != ACT_CODEC_VERSION) ok = fail(r, "written by an unknown version of the encoding");
  ok = ok && act_decode(r, t, v);
  if (!ok && err) *err = r->err ? r->err : "malformed input";
  return ok;
}
