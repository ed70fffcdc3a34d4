/* desc.c: equality, hashing, sharing and printing of any value, driven by
 * its type descriptor. Scalars carry their own functions (fmt.c); the
 * descriptors actorc emits for structs, enums, optionals, arrays and maps
 * are data (field tables, variant tables, element types), walked here once
 * for every program instead of being generated per type. The codec walks
 * the same tables (codec.c). */
#include <string.h>

#include "act/act.h"

static const void *at(const void *v, const act_field_t *f) {
  const char *p = (const char *)v + f->offset;
  return f->boxed ? *(const void *const *)p : p;
}

static const act_variant_t *variant_of(const act_type_t *t, const void *v) {
  int32_t tag;
  memcpy(&tag, v, sizeof tag);
  return tag >= 0 && (uint32_t)tag < t->nvariants ? &t->variants[tag] : NULL;
}

static bool fields_eq(uint32_t n, const act_field_t *fs, const void *a, const void *b) {
  for (uint32_t i = 0; i < n; i++) {
    const void *x = at(a, &fs[i]), *y = at(b, &fs[i]);
    if (x != y && (x == NULL || y == NULL || !act_value_eq(fs[i].type, x, y))) return false;
  }
  return true;
}

/* A descriptor's own function, where it has one (scalars; descriptors
 * written by hand for embedding), comes first; data is walked otherwise. */

bool act_value_eq(const act_type_t *t, const void *a, const void *b) {
  if (t->eq) return t->eq(a, b);
  switch (t->kind) {
  case ACT_K_ARRAY: return act_array_eq(*(act_array_t *const *)a, *(act_array_t *const *)b, t->elem);
  case ACT_K_MAP: return act_map_eq(*(act_map_t *const *)a, *(act_map_t *const *)b, t->key, t->elem);
  case ACT_K_OPTIONAL: {
    bool ha = *(const bool *)a, hb = *(const bool *)b;
    return ha == hb && (!ha || fields_eq(t->nfields, t->fields, a, b));
  }
  case ACT_K_STRUCT: return fields_eq(t->nfields, t->fields, a, b);
  case ACT_K_ENUM: {
    const act_variant_t *va = variant_of(t, a), *vb = variant_of(t, b);
    return va == vb && (va == NULL || fields_eq(va->nfields, va->fields, a, b));
  }
  default: return false;   /* no equality and no data: nothing is equal */
  }
}

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

static uint64_t fields_hash(uint64_t h, uint32_t n, const act_field_t *fs, const void *v) {
  for (uint32_t i = 0; i < n; i++) {
    const void *x = at(v, &fs[i]);
    h = mix(h, x ? act_value_hash(fs[i].type, x) : 0);
  }
  return h;
}

uint64_t act_value_hash(const act_type_t *t, const void *v) {
  if (t->hash) return t->hash(v);
  switch (t->kind) {
  case ACT_K_ARRAY: {
    const act_array_t *a = *(act_array_t *const *)v;
    uint64_t h = (uint64_t)act_array_len(a);
    for (int64_t i = 0; i < act_array_len(a); i++)
      h = mix(h, act_value_hash(t->elem, (const char *)a->data + (size_t)i * t->elem->size));
    return h;
  }
  case ACT_K_MAP: {
    /* in key order, so equal maps hash alike */
    const act_map_t *m = *(act_map_t *const *)v;
    act_array_t *ks = act_map_keys(m, t->key);
    uint64_t h = (uint64_t)act_array_len(ks);
    for (int64_t i = 0; i < act_array_len(ks); i++) {
      const void *k = (const char *)ks->data + (size_t)i * t->key->size;
      h = mix(mix(h, act_value_hash(t->key, k)), act_value_hash(t->elem, act_map_find(m, k)));
    }
    return h;
  }
  case ACT_K_OPTIONAL:
    return *(const bool *)v ? fields_hash(1, t->nfields, t->fields, v) : 0;
  case ACT_K_STRUCT: return fields_hash(0, t->nfields, t->fields, v);
  case ACT_K_ENUM: {
    const act_variant_t *var = variant_of(t, v);
    if (var == NULL) return 0;
    return fields_hash((uint64_t)(var - t->variants) + 1, var->nfields, var->fields, v);
  }
  default: {
    /* scalars without a hash function (floats, refs): their bytes (0.0
     * and -0.0 differ, which only costs a collision) */
    uint64_t x = 0;
    memcpy(&x, v, t->size < sizeof x ? t->size : sizeof x);
    return mix(0, x);
  }
  }
}

static void fields_share(uint32_t n, const act_field_t *fs, void *v) {
  for (uint32_t i = 0; i < n; i++) {
    void *x = (void *)at(v, &fs[i]);
    if (x && act_value_shares(fs[i].type)) act_value_share(fs[i].type, x);
  }
}

void act_value_share(const act_type_t *t, void *v) {
  if (t->share) {
    t->share(v);
    return;
  }
  switch (t->kind) {
  case ACT_K_ARRAY: act_share_array(*(act_array_t **)v); return;
  case ACT_K_MAP: act_share_map(*(act_map_t **)v); return;
  case ACT_K_OPTIONAL:
    if (*(const bool *)v) fields_share(t->nfields, t->fields, v);
    return;
  case ACT_K_STRUCT: fields_share(t->nfields, t->fields, v); return;
  case ACT_K_ENUM: {
    const act_variant_t *var = variant_of(t, v);
    if (var) fields_share(var->nfields, var->fields, v);
    return;
  }
  default: return;
  }
}

void *act_box(const void *v, size_t size) {
  void *p = act_alloc(size);
  memcpy(p, v, size);
  return p;
}

/* `(a, b)` of positional fields, or `{x: a, y: b}` of named ones. */
static void fields_print(act_buf_t *b, uint32_t n, const act_field_t *fs, const void *v, bool named) {
  act_buf_cstr(b, named ? "{" : "(");
  for (uint32_t i = 0; i < n; i++) {
    if (i) act_buf_cstr(b, ", ");
    if (named) {
      act_buf_cstr(b, fs[i].name);
      act_buf_cstr(b, ": ");
    }
    const void *x = at(v, &fs[i]);
    if (x) act_buf_value(b, fs[i].type, x, true);
  }
  act_buf_cstr(b, named ? "}" : ")");
}

void act_buf_value(act_buf_t *b, const act_type_t *t, const void *v, bool quoted) {
  if (t->print) {
    t->print(b, v, quoted);
    return;
  }
  switch (t->kind) {
  case ACT_K_ARRAY: act__array_print(b, *(act_array_t *const *)v); return;
  case ACT_K_MAP: act__map_print(b, *(act_map_t *const *)v); return;
  case ACT_K_OPTIONAL:
    if (*(const bool *)v) act_buf_value(b, t->fields[0].type, at(v, &t->fields[0]), quoted);
    else act_buf_cstr(b, "none");
    return;
  case ACT_K_STRUCT:
    act_buf_cstr(b, t->name);
    fields_print(b, t->nfields, t->fields, v, true);
    return;
  case ACT_K_ENUM: {
    const act_variant_t *var = variant_of(t, v);
    act_buf_cstr(b, t->name);
    act_buf_cstr(b, ".");
    act_buf_cstr(b, var ? var->name : "?");
    if (var && var->nfields) fields_print(b, var->nfields, var->fields, v, false);
    return;
  }
  default: act_buf_cstr(b, t->name ? t->name : "?"); return;
  }
}

/* Messages: `Ping(3)` from the body's fields. Only generated message
 * types (act_msg_desc_t) name these two functions. */
void act__msg_print(act_buf_t *b, const act_msg_t *m) {
  const act_type_t *body = ((const act_msg_desc_t *)m->type)->body;
  act_buf_cstr(b, m->type->name);
  if (body && body->nfields) fields_print(b, body->nfields, body->fields, m, false);
}

void act__msg_share(act_msg_t *m) {
  const act_type_t *body = ((const act_msg_desc_t *)m->type)->body;
  if (body && act_value_shares(body)) act_value_share(body, m);
}
