/* check_types.c: declared types — the fields of structs, variants,
 * messages and events, function signatures — with the rules on them:
 * no duplicate names, no `future` or `timer` inside a message or event
 * (LANGUAGE.md §5), and no struct or enum that contains itself by value
 * (it would have no end; arrays and maps break the chain). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

void sema_fields(cx_t *c, ast_t *list, const char *what) {
  if (list == NULL)
    return;
  for (int i = 0; i < list->nkids; i++) {
    ast_t *f = list->kids[i];
    if (f == NULL)
      continue;
    ast_t *tn = ast_kid(f, 0);
    f->type = tn ? sema_resolve_type(c, tn) : T(TY_ERROR);
    if (f->name == NULL || strcmp(f->name, "_") == 0)
      continue;
    for (int j = 0; j < i; j++)
      if (list->kids[j] && list->kids[j]->name == f->name) {
        diag_error(c->d, f->loc, "`%s` is declared twice in this %s", f->name, what);
        break;
      }
  }
}

void sema_signature(cx_t *c, ast_t *fn) {
  sema_fields(c, ast_kid(fn, 0), "parameter list");
  ast_t *rt = ast_kid(fn, 1);
  fn->type = rt ? sema_resolve_type(c, rt) : T(TY_VOID);
}

/* A future or timer held (through arrays, maps, optionals, structs or
 * enums) by t, or NULL. */
static type_t *local_only(type_t *t, symtab_t *seen, int depth) {
  if (t == NULL || depth > 300)
    return NULL;
  switch (t->kind) {
  case TY_FUTURE: case TY_TIMER:
    return t;
  case TY_ARRAY: case TY_OPTIONAL:
    return local_only(t->elem, seen, depth + 1);
  case TY_MAP:
    return local_only(t->elem, seen, depth + 1);
  case TY_STRUCT: case TY_ENUM: {
    if (symtab_get(seen, (const char *)t->decl))
      return NULL;
    symtab_put(seen, (const char *)t->decl, t->decl);
    ast_t *d = t->decl;
    for (int i = 0; i < d->nkids; i++) {
      ast_t *k = d->kids[i];
      if (k == NULL)
        continue;
      if (t->kind == TY_STRUCT) {
        type_t *r = local_only(k->type, seen, depth + 1);
        if (r)
          return r;
      } else {
        for (int j = 0; j < k->nkids; j++) {
          type_t *r = k->kids[j] ? local_only(k->kids[j]->type, seen, depth + 1) : NULL;
          if (r)
            return r;
        }
      }
    }
    return NULL;
  }
  default:
    return NULL;
  }
}

void sema_message_fields(cx_t *c, ast_t *list, const char *what) {
  sema_fields(c, list, what);
  for (int i = 0; list && i < list->nkids; i++) {
    ast_t *f = list->kids[i];
    if (f == NULL || is_err(f->type))
      continue;
    symtab_t seen = {0};
    type_t *bad = local_only(f->type, &seen, 0);
    symtab_free(&seen);
    if (bad) {
      diag_error(c->d, f->loc, "a %s cannot carry a `%s`%s%s%s", what, bad->kind == TY_FUTURE ? "future" : "timer",
                 bad == f->type ? "" : " (inside `", bad == f->type ? "" : type_name(f->type),
                 bad == f->type ? "" : "`)");
      diag_hint(c->d, "futures and timers belong to the actor that made them; send the value instead");
    }
  }
}

/* ---- types that contain themselves ------------------------------------ */

/* LANGUAGE.md §3: an enum may hold itself in its variants (a variant's
 * fields are stored apart from the enum value, so the chain has an end as
 * long as some variant ends it), but a struct may hold itself only inside
 * an array or a map: a struct is stored inline, and `S?` holds an `S`
 * inline too. So two checks: no cycle of structs held by value, and every
 * enum has a value that can be built without an infinite chain. */

typedef struct frame {
  ast_t *decl;
  int fi; /* next field */
} frame_t;

/* The struct that t holds inline (through optionals), or NULL. */
static ast_t *inline_struct(type_t *t) {
  while (t && t->kind == TY_OPTIONAL)
    t = t->elem;
  return t && t->kind == TY_STRUCT ? t->decl : NULL;
}

/* Next struct that frame's struct holds inline, or NULL when done. */
static ast_t *next_edge(frame_t *f) {
  while (f->fi < f->decl->nkids) {
    ast_t *k = f->decl->kids[f->fi++];
    ast_t *x = k ? inline_struct(k->type) : NULL;
    if (x)
      return x;
  }
  return NULL;
}

enum { WHITE = 0, GRAY = 1, BLACK = 2, REPORTED = 3 };

static void struct_cycles(cx_t *c, program_t *prog, symtab_t *color) {
  frame_t *stack = NULL;
  int n = 0, cap = 0;
  for (int m = 0; m < prog->nmodules; m++) {
    ast_t *mod = prog->modules[m];
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *root = mod->kids[i];
      if (root == NULL || root->kind != AST_STRUCT || symtab_get(color, (const char *)root))
        continue;
      n = 0;
      if (cap == 0) {
        cap = 64;
        stack = xmalloc(sizeof *stack * (size_t)cap);
      }
      stack[n++] = (frame_t){root, 0};
      symtab_put(color, (const char *)root, (ast_t *)(intptr_t)GRAY);
      while (n > 0) {
        frame_t *f = &stack[n - 1];
        ast_t *x = next_edge(f);
        if (x == NULL) {
          if ((intptr_t)symtab_get(color, (const char *)f->decl) == GRAY)
            symtab_put(color, (const char *)f->decl, (ast_t *)(intptr_t)BLACK);
          n--;
          continue;
        }
        intptr_t col = (intptr_t)symtab_get(color, (const char *)x);
        if (col == GRAY) {
          diag_error(c->d, x->loc, "struct `%s` contains itself, so a value of it would never end",
                     x->name);
          diag_hint(c->d, "a struct may hold itself only inside an array or a map, e.g. "
                          "`children: [%s]`; or make it an enum with a variant that ends the chain",
                    x->name);
          symtab_put(color, (const char *)x, (ast_t *)(intptr_t)REPORTED);
        } else if (col == WHITE) {
          if (n == cap) {
            cap *= 2;
            stack = xrealloc(stack, sizeof *stack * (size_t)cap);
          }
          stack[n++] = (frame_t){x, 0};
          symtab_put(color, (const char *)x, (ast_t *)(intptr_t)GRAY);
        }
      }
    }
  }
  free(stack);
}

/* Whether a value of t can be built from finitely many parts, given what
 * is known so far about structs and enums (`finite`: decl -> non-NULL).
 * Arrays, maps and optionals can always be empty. */
static bool finite_type(const symtab_t *finite, type_t *t) {
  if (t == NULL || (t->kind != TY_STRUCT && t->kind != TY_ENUM))
    return true;
  return symtab_get(finite, (const char *)t->decl) != NULL;
}

static bool finite_fields(const symtab_t *finite, const ast_t *list) {
  for (int i = 0; i < list->nkids; i++)
    if (list->kids[i] && !finite_type(finite, list->kids[i]->type))
      return false;
  return true;
}

static bool finite_decl(const symtab_t *finite, const ast_t *d) {
  if (d->kind == AST_STRUCT)
    return finite_fields(finite, d);
  for (int v = 0; v < d->nkids; v++)
    if (d->kids[v] && finite_fields(finite, d->kids[v]))
      return true;
  return false;
}

/* The least fixed point: a type is finite once its parts are. Each round
 * settles at least one more declaration or stops. */
static void enums_end(cx_t *c, program_t *prog, const symtab_t *color) {
  symtab_t finite = {0};
  for (bool changed = true; changed;) {
    changed = false;
    for (int m = 0; m < prog->nmodules; m++) {
      ast_t *mod = prog->modules[m];
      for (int i = 0; i < mod->nkids; i++) {
        ast_t *d = mod->kids[i];
        if (d == NULL || (d->kind != AST_STRUCT && d->kind != AST_ENUM) ||
            symtab_get(&finite, (const char *)d) || !finite_decl(&finite, d))
          continue;
        symtab_put(&finite, (const char *)d, d);
        changed = true;
      }
    }
  }
  /* Report enums only: a struct that cannot end either holds itself
   * (reported above) or holds such an enum. */
  for (int m = 0; m < prog->nmodules; m++) {
    ast_t *mod = prog->modules[m];
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *d = mod->kids[i];
      if (d == NULL || d->kind != AST_ENUM || symtab_get(&finite, (const char *)d) ||
          (intptr_t)symtab_get(color, (const char *)d) == REPORTED)
        continue;
      diag_error(c->d, d->loc, "no value of enum `%s` can be built: every variant holds a `%s` "
                               "again, directly or through other types", d->name, d->name);
      diag_hint(c->d, "add a variant without one, as `Leaf` in `enum Tree { Leaf, Node(l: Tree, r: Tree) }`");
    }
  }
  symtab_free(&finite);
}

void sema_recursive_values(cx_t *c, program_t *prog) {
  symtab_t color = {0};
  struct_cycles(c, prog, &color);
  enums_end(c, prog, &color);
  symtab_free(&color);
}
