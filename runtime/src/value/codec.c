/* codec.c: values to bytes and back, for the journal (events and
 * snapshots). Fixed-width little-endian scalars, a length before every
 * string and container; composite types call the functions actorc
 * generates for them (act_type_t.enc/.dec). Decoding trusts nothing: a
 * short or inconsistent input returns false, never reads past the end. */
#include <string.h>

#include "act/act.h"

static void put_le(act_buf_t *b, uint64_t v, int n) {
  char tmp[8];
  for (int i = 0; i < n; i++) tmp[i] = (char)(v >> (8 * i));
  act_buf_put(b, tmp, n);
}

static bool get_le(act_reader_t *r, uint64_t *v, int n) {
  if (r->end - r->p < n) return false;
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
  return get_le(r, n, 4) && *n <= (uint64_t)(r->end - r->p) + 1;
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
  default:
    if (t->enc) t->enc(b, v);
    return;
  }
}

bool act_decode(act_reader_t *r, const act_type_t *t, void *v) {
  uint64_t x;
  switch (t->kind) {
  case ACT_K_BOOL:
    if (!get_le(r, &x, 1) || x > 1) return false;
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
    if (!act__dec_len(r, &x) || x > (uint64_t)(r->end - r->p)) return false;
    *(act_str_t **)v = act_str_new((const char *)r->p, (int64_t)x);
    r->p += x;
    return true;
  }
  default:
    return t->dec ? t->dec(r, v) : false;
  }
}
