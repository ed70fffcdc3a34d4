/* scope.c: pointer-keyed hash tables, and the local scope of a body: one
 * table of visible names plus an undo log, so entering and leaving blocks
 * costs O(names declared) and a lookup O(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

static unsigned phash(const void *p) {
  uint64_t h = (uint64_t)(uintptr_t)p;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ull;
  return (unsigned)(h >> 32);
}

void symtab_put(symtab_t *t, const char *name, ast_t *decl) {
  if (name == NULL)
    return;
  if ((t->count + 1) * 2 > t->cap) {
    int cap = t->cap ? t->cap * 2 : 16;
    const char **k = xcalloc((size_t)cap, sizeof *k);
    ast_t **v = xcalloc((size_t)cap, sizeof *v);
    for (int i = 0; i < t->cap; i++) {
      if (t->keys[i] == NULL)
        continue;
      unsigned s = phash(t->keys[i]) & (unsigned)(cap - 1);
      while (k[s])
        s = (s + 1) & (unsigned)(cap - 1);
      k[s] = t->keys[i];
      v[s] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = k;
    t->vals = v;
    t->cap = cap;
  }
  unsigned s = phash(name) & (unsigned)(t->cap - 1);
  while (t->keys[s] && t->keys[s] != name)
    s = (s + 1) & (unsigned)(t->cap - 1);
  if (t->keys[s] == NULL)
    t->count++;
  t->keys[s] = name;
  t->vals[s] = decl;
}

ast_t *symtab_get(const symtab_t *t, const char *name) {
  if (t->cap == 0 || name == NULL)
    return NULL;
  unsigned s = phash(name) & (unsigned)(t->cap - 1);
  while (t->keys[s]) {
    if (t->keys[s] == name)
      return t->vals[s];
    s = (s + 1) & (unsigned)(t->cap - 1);
  }
  return NULL;
}

void symtab_free(symtab_t *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

/* ---- local scope ------------------------------------------------------- */

void scope_push(cx_t *c, const char *name, ast_t *decl) {
  if (name == NULL || decl == NULL)
    return;
  if (name[0] == '_' && name[1] == '\0')
    return; /* `_` binds nothing */
  VEC_PUSH(&c->undo, ((undo_t){name, symtab_get(&c->locals, name), symtab_get(&c->local_block, name)}));
  symtab_put(&c->locals, name, decl);
  symtab_put(&c->local_block, name, (ast_t *)(intptr_t)(c->block + 1));
}

int scope_mark(const cx_t *c) { return c->undo.n; }

void scope_pop(cx_t *c, int mark) {
  while (c->undo.n > mark) {
    c->undo.n--;
    const undo_t *u = &c->undo.v[c->undo.n];
    symtab_put(&c->locals, u->name, u->prev);
    symtab_put(&c->local_block, u->name, u->prev_block);
  }
}

ast_t *scope_get(const cx_t *c, const char *name) { return symtab_get(&c->locals, name); }

ast_t *scope_in_block(const cx_t *c, const char *name) {
  ast_t *d = symtab_get(&c->locals, name);
  if (d == NULL || (intptr_t)symtab_get(&c->local_block, name) != c->block + 1)
    return NULL;
  return d;
}

void scope_free(cx_t *c) {
  symtab_free(&c->locals);
  symtab_free(&c->local_block);
  VEC_FREE(&c->undo);
}
