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

typedef struct frame {
  ast_t *decl;
  int vi, fi; /* next variant (enums) and field */
} frame_t;

static ast_t *by_value(type_t *t) {
  while (t && t->kind == TY_OPTIONAL)
    t = t->elem;
  return t && (t->kind == TY_STRUCT || t->kind == TY_ENUM) ? t->decl : NULL;
}

/* Next nominal type that frame's decl holds by value, or NULL when done. */
static ast_t *next_edge(frame_t *f) {
  ast_t *d = f->decl;
  if (d->kind == AST_STRUCT) {
    while (f->fi < d->nkids) {
      ast_t *k = d->kids[f->fi++];
      ast_t *x = k ? by_value(k->type) : NULL;
      if (x)
        return x;
    }
    return NULL;
  }
  /* An enum may hold itself in its variants (LANGUAGE.md §3): the emitter
   * boxes such payloads, so its variants are no by-value edges. */
  if (d->kind == AST_ENUM)
    return NULL;
  while (f->vi < d->nkids) {
    ast_t *v = d->kids[f->vi];
    while (v && f->fi < v->nkids) {
      ast_t *k = v->kids[f->fi++];
      ast_t *x = k ? by_value(k->type) : NULL;
      if (x)
        return x;
    }
    f->vi++;
    f->fi = 0;
  }
  return NULL;
}

enum { WHITE = 0, GRAY = 1, BLACK = 2, REPORTED = 3 };

void sema_recursive_values(cx_t *c, program_t *prog) {
  symtab_t color = {0};
  frame_t *stack = NULL;
  int n = 0, cap = 0;
  for (int m = 0; m < prog->nmodules; m++) {
    ast_t *mod = prog->modules[m];
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *root = mod->kids[i];
      if (root == NULL || (root->kind != AST_STRUCT && root->kind != AST_ENUM))
        continue;
      if (symtab_get(&color, (const char *)root))
        continue;
      n = 0;
      if (cap == 0) {
        cap = 64;
        stack = malloc(sizeof *stack * (size_t)cap);
      }
      stack[n++] = (frame_t){root, 0, 0};
      symtab_put(&color, (const char *)root, (ast_t *)(intptr_t)GRAY);
      while (n > 0) {
        frame_t *f = &stack[n - 1];
        ast_t *x = next_edge(f);
        if (x == NULL) {
          if ((intptr_t)symtab_get(&color, (const char *)f->decl) == GRAY)
            symtab_put(&color, (const char *)f->decl, (ast_t *)(intptr_t)BLACK);
          n--;
          continue;
        }
        intptr_t col = (intptr_t)symtab_get(&color, (const char *)x);
        if (col == GRAY) {
          diag_error(c->d, x->loc, "%s `%s` contains itself, so a value of it would never end",
                     x->kind == AST_STRUCT ? "struct" : "enum", x->name);
          diag_hint(c->d, "hold the inner values in an array, e.g. `children: [%s]`", x->name);
          symtab_put(&color, (const char *)x, (ast_t *)(intptr_t)REPORTED);
        } else if (col == WHITE) {
          if (n == cap) {
            cap *= 2;
            stack = realloc(stack, sizeof *stack * (size_t)cap);
          }
          stack[n++] = (frame_t){x, 0, 0};
          symtab_put(&color, (const char *)x, (ast_t *)(intptr_t)GRAY);
        }
      }
    }
  }
  free(stack);
  symtab_free(&color);
}
