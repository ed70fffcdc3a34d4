/* flat.c: message bodies made only of numbers and bools — most small
 * messages — written and read here directly, in the codec's own layout
 * (value/codec.c: each field in order, little-endian, 1/2/4/8 bytes; a
 * bool 0 or 1). The codec's walk over the descriptor (a call, a switch
 * and a byte loop per field, and the extension hooks around it) was about
 * 170 instructions of a one-int tell on each side (callgrind,
 * bench/cluster/profile.sh); anything else goes to the codec as before. */
#include <endian.h>
#include <string.h>

#include "cluster/lang_int.h"

/* The encoded size of a field of type t, or 0 if it is not a number. */
static int fixed(const act_type_t *t) {
  switch (t->kind) {
  case ACT_K_BOOL: case ACT_K_I8: case ACT_K_U8: return 1;
  case ACT_K_I16: case ACT_K_U16: return 2;
  case ACT_K_I32: case ACT_K_U32: case ACT_K_F32: return 4;
  case ACT_K_I64: case ACT_K_U64: case ACT_K_F64: case ACT_K_DURATION: return 8;
  default: return 0;
  }
}

/* One field: its bytes from p to out (little-endian), n of them. */
static void put_one(char *out, const char *p, int n) {
  switch (n) {
  case 1: *out = *p; return;
  case 2: { uint16_t y; memcpy(&y, p, 2); y = htole16(y); memcpy(out, &y, 2); return; }
  case 4: { uint32_t y; memcpy(&y, p, 4); y = htole32(y); memcpy(out, &y, 4); return; }
  default: { uint64_t y; memcpy(&y, p, 8); y = htole64(y); memcpy(out, &y, 8); return; }
  }
}

/* One field back: n bytes at in (little-endian) to p; false for a bool
 * that is neither 0 nor 1. */
static bool get_one(char *p, const uint8_t *in, int n, bool is_bool) {
  switch (n) {
  case 1:
    if (is_bool && *in > 1) return false;
    *p = (char)*in;
    return true;
  case 2: { uint16_t y; memcpy(&y, in, 2); y = le16toh(y); memcpy(p, &y, 2); return true; }
  case 4: { uint32_t y; memcpy(&y, in, 4); y = le32toh(y); memcpy(p, &y, 4); return true; }
  default: { uint64_t y; memcpy(&y, in, 8); y = le64toh(y); memcpy(p, &y, 8); return true; }
  }
}

/* At most this many bytes of fields here (more go to the codec). */
#define FLAT_MAX 256

bool act__flat_put(act_buf_t *b, const act_type_t *t, const void *v) {
  if (t->kind != ACT_K_STRUCT) return false;
  char out[FLAT_MAX + 8];
  size_t at = 0;
  for (uint32_t i = 0; i < t->nfields; i++) {
    int n = fixed(t->fields[i].type);
    if (n == 0 || t->fields[i].boxed || at + (size_t)n > FLAT_MAX) return false;   /* b untouched */
    put_one(out + at, (const char *)v + t->fields[i].offset, n);
    at += (size_t)n;
  }
  act_buf_put(b, out, (int64_t)at);
  return true;
}

int act__flat_get(act_reader_t *r, const act_type_t *t, void *v) {
  if (t->kind != ACT_K_STRUCT) return -1;
  const uint8_t *start = r->p;
  for (uint32_t i = 0; i < t->nfields; i++) {
    const act_type_t *ft = t->fields[i].type;
    int n = fixed(ft);
    if (n == 0 || t->fields[i].boxed || r->p - start + n > FLAT_MAX) {
      r->p = start;   /* the codec reads it all again (into the same fields) */
      return -1;
    }
    if (r->end - r->p < n) {
      if (r->err == NULL) r->err = "truncated input";
      return 0;
    }
    if (!get_one((char *)v + t->fields[i].offset, r->p, n, ft->kind == ACT_K_BOOL)) {
      if (r->err == NULL) r->err = "a bool is neither 0 nor 1";
      return 0;
    }
    r->p += n;
  }
  return 1;
}
