/* type.c: interned types. */
#include "sema/type.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"
#include "common/xalloc.h"

static type_t **all;
static int nall, capall;
static type_t *prims[TY_KIND_COUNT];

static type_t *new_type(type_kind_t k, type_t *elem, type_t *key, ast_t *decl) {
  type_t *t = ast_alloc(sizeof *t);
  t->kind = k;
  t->elem = elem;
  t->key = key;
  t->decl = decl;
  t->id = nall;
  if (nall == capall) {
    capall = capall ? capall * 2 : 256;
    all = xrealloc(all, sizeof *all * (size_t)capall);
  }
  all[nall++] = t;
  return t;
}

type_t *type_prim(type_kind_t kind) {
  if (prims[kind] == NULL)
    prims[kind] = new_type(kind, NULL, NULL, NULL);
  return prims[kind];
}

/* Composite and nominal types are interned in an open-addressing table
 * that doubles when half full. */
static type_t **htab;
static unsigned hcap, hcount;

static unsigned hkey(type_kind_t k, const void *a, const void *b) {
  uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)a * 0xC2B2AE3D27D4EB4Full ^
               (uint64_t)(uintptr_t)b * 0x165667B19E3779F9ull;
  h ^= h >> 29;
  return (unsigned)h;
}

static void hgrow(void) {
  unsigned cap = hcap ? hcap * 2 : 1024;
  type_t **nt = xcalloc(cap, sizeof *nt);
  for (unsigned i = 0; i < hcap; i++) {
    type_t *t = htab[i];
    if (t == NULL) continue;
    unsigned s = hkey(t->kind, t->elem ? (void *)t->elem : (void *)t->decl, t->key) & (cap - 1);
    while (nt[s]) s = (s + 1) & (cap - 1);
    nt[s] = t;
  }
  free(htab);
  htab = nt;
  hcap = cap;
}

static type_t *intern(type_kind_t k, type_t *elem, type_t *key, ast_t *decl) {
  if ((hcount + 1) * 2 > hcap) hgrow();
  unsigned s = hkey(k, elem ? (void *)elem : (void *)decl, key) & (hcap - 1);
  for (;; s = (s + 1) & (hcap - 1)) {
    type_t *t = htab[s];
    if (t == NULL) {
      t = new_type(k, elem, key, decl);
      htab[s] = t;
      hcount++;
      return t;
    }
    if (t->kind == k && t->elem == elem && t->key == key && t->decl == decl) return t;
  }
}

type_t *type_array(type_t *elem) { return intern(TY_ARRAY, elem, NULL, NULL); }
type_t *type_map(type_t *key, type_t *val) { return intern(TY_MAP, val, key, NULL); }
type_t *type_optional(type_t *elem) { return intern(TY_OPTIONAL, elem, NULL, NULL); }
type_t *type_future(type_t *elem) { return intern(TY_FUTURE, elem, NULL, NULL); }
type_t *type_nominal(type_kind_t kind, ast_t *decl) { return intern(kind, NULL, NULL, decl); }

bool type_is_integer(const type_t *t) { return t && t->kind >= TY_I8 && t->kind <= TY_U64; }
bool type_is_signed(const type_t *t) { return t && t->kind >= TY_I8 && t->kind <= TY_I64; }
bool type_is_float(const type_t *t) { return t && (t->kind == TY_F32 || t->kind == TY_F64); }
bool type_is_numeric(const type_t *t) { return type_is_integer(t) || type_is_float(t); }
bool type_is_ref(const type_t *t) {
  return t && (t->kind == TY_ACTOR || t->kind == TY_PROTOCOL || t->kind == TY_ANYREF);
}

/* References, futures, timers and nodes name things that live only in
 * this process: they cannot go into a journal. Each struct and enum is
 * looked into once (`seen`): a recursive enum (`Node(l: Tree, r: Tree)`)
 * would otherwise be walked once per path, exponentially many. */
typedef VEC(const ast_t *) seen_t;

static bool seen_before(seen_t *seen, const ast_t *decl) {
  for (int i = 0; i < seen->n; i++)
    if (seen->v[i] == decl)
      return true;
  VEC_PUSH(seen, decl);
  return false;
}

static const type_t *unpersistable(const type_t *t, seen_t *seen) {
  if (t == NULL)
    return NULL;
  switch (t->kind) {
  case TY_ACTOR: case TY_PROTOCOL: case TY_ANYREF: case TY_FUTURE: case TY_TIMER: case TY_NODE:
    return t;
  case TY_ARRAY: case TY_OPTIONAL:
    return unpersistable(t->elem, seen);
  case TY_MAP: {
    const type_t *k = unpersistable(t->key, seen);
    return k ? k : unpersistable(t->elem, seen);
  }
  case TY_STRUCT:
    if (t->decl == NULL || seen_before(seen, t->decl))
      return NULL;
    for (int i = 0; i < t->decl->nkids; i++) {
      const type_t *f = t->decl->kids[i] ? unpersistable(t->decl->kids[i]->type, seen) : NULL;
      if (f)
        return f;
    }
    return NULL;
  case TY_ENUM:
    if (t->decl == NULL || seen_before(seen, t->decl))
      return NULL;
    for (int v = 0; v < t->decl->nkids; v++)
      for (int i = 0; t->decl->kids[v] && i < t->decl->kids[v]->nkids; i++) {
        const type_t *f = t->decl->kids[v]->kids[i] ? unpersistable(t->decl->kids[v]->kids[i]->type, seen) : NULL;
        if (f)
          return f;
      }
    return NULL;
  default:
    return NULL;
  }
}

const type_t *type_unpersistable(const type_t *t) {
  seen_t seen = {0};
  const type_t *r = unpersistable(t, &seen);
  VEC_FREE(&seen);
  return r;
}

bool type_is_managed(const type_t *t) {
  if (t == NULL)
    return false;
  switch (t->kind) {
  case TY_STRING: case TY_ARRAY: case TY_MAP: case TY_FUTURE: case TY_TIMER:
  case TY_ACTOR: case TY_PROTOCOL: case TY_ANYREF: case TY_STRUCT: case TY_ENUM:
    return true;
  case TY_OPTIONAL:
    return type_is_managed(t->elem);
  default:
    return false;
  }
}

static void put(char **p, size_t *n, const char *s) {
  size_t l = strlen(s);
  if (l >= *n)
    l = *n ? *n - 1 : 0;
  memcpy(*p, s, l);
  *p += l;
  *n -= l;
  **p = '\0';
}

static void name_into(const type_t *t, char **p, size_t *n) {
  static const char *const names[] = {
      "<error>", "void", "never", "bool", "i8", "i16", "i32", "int", "u8", "u16",
      "u32", "u64", "f32", "float", "string", "duration", "timer"};
  if (t == NULL) { put(p, n, "?"); return; }
  switch (t->kind) {
  case TY_ARRAY: put(p, n, "["); name_into(t->elem, p, n); put(p, n, "]"); return;
  case TY_MAP:
    put(p, n, "["); name_into(t->key, p, n); put(p, n, ": "); name_into(t->elem, p, n);
    put(p, n, "]");
    return;
  case TY_OPTIONAL: name_into(t->elem, p, n); put(p, n, "?"); return;
  case TY_FUTURE: put(p, n, "future<"); name_into(t->elem, p, n); put(p, n, ">"); return;
  case TY_STRUCT: case TY_ENUM: case TY_ACTOR: case TY_PROTOCOL: case TY_MESSAGE:
    put(p, n, t->decl && t->decl->name ? t->decl->name : "?");
    return;
  case TY_ANYREF: put(p, n, "sender"); return;
  case TY_NONE: put(p, n, "none"); return;
  case TY_NODE: put(p, n, "node"); return;
  default:
    put(p, n, (size_t)t->kind < sizeof names / sizeof *names ? names[t->kind] : "?");
  }
}

const char *type_name(const type_t *t) {
  char buf[512], *p = buf;
  size_t n = sizeof buf;
  buf[0] = '\0';
  name_into(t, &p, &n);
  return strtab_cstr(buf);
}

type_t **type_all(int *count) {
  *count = nall;
  return all;
}

void type_reset(void) {
  free(all);
  all = NULL;
  nall = capall = 0;
  memset(prims, 0, sizeof prims);
  free(htab);
  htab = NULL;
  hcap = hcount = 0;
}
