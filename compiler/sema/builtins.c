/* builtins.c: the built-in functions of LANGUAGE.md §13 and the methods of
 * arrays, strings, maps and durations, with the signatures documented in
 * BUILTINS.md. */
#include <stdio.h>
#include <string.h>

#include "sema/sema_int.h"

typedef enum receiver { FN, ARRAY, STRING, MAP, DURATION } receiver_t;

typedef struct builtin {
  const char *name;
  receiver_t recv;
  int nargs, mutates;
} builtin_t;

static const builtin_t builtins[BI_COUNT] = {
#define X(id, name, recv, nargs, mutates) [BI_##id] = {name, recv, nargs, mutates},
    SEMA_BUILTINS(X)
#undef X
};

const char *sema_builtin_name(int bi) {
  return bi > 0 && bi < BI_COUNT ? builtins[bi].name : "?";
}

static symtab_t fn_table;     /* function name -> id */
static unsigned generation;   /* of the string table fn_table is keyed in */

void sema_builtins_init(void) {
  if (generation == strtab_generation())
    return;
  symtab_free(&fn_table);
  for (int i = 1; i < BI_COUNT; i++)
    if (builtins[i].recv == FN)
      symtab_put(&fn_table, strtab_cstr(builtins[i].name), (ast_t *)(intptr_t)i);
  generation = strtab_generation();
}

int sema_builtin_id(const char *name) {
  sema_builtins_init();
  return (int)(intptr_t)symtab_get(&fn_table, name);
}

/* ---- helpers ----------------------------------------------------------- */

static bool nargs(cx_t *c, ast_t *e, int n, const char *what, const char *name) {
  int got = e->nkids - 1;
  if (got == n)
    return true;
  diag_error(c->d, e->loc, "%s `%s` takes %d argument%s, but %d %s given", what, name, n,
             n == 1 ? "" : "s", got, got == 1 ? "was" : "were");
  if (got > 1 && (strcmp(name, "print") == 0 || strcmp(name, "eprint") == 0))
    diag_hint(c->d, "print one line made by interpolation: `%s(\"{a} {b}\")`", name);
  for (int i = 1; i < e->nkids; i++)
    sema_expr(c, &e->kids[i], NULL);
  return false;
}

static type_t *arg(cx_t *c, ast_t *e, int i, type_t *want) {
  return sema_expect(c, &e->kids[i], want);
}

/* A value that print/str/interpolation can show. */
static type_t *printable(cx_t *c, ast_t *e, int i) {
  type_t *t = sema_expr(c, &e->kids[i], NULL);
  if (is_err(t))
    return t;
  if (t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE) {
    diag_error(c->d, e->kids[i]->loc, "this has no value to show");
    return T(TY_ERROR);
  }
  if (t->kind == TY_NONE) {
    diag_error(c->d, e->kids[i]->loc, "`none` on its own has no type");
    diag_hint(c->d, "print an optional variable, or the text \"none\"");
    return T(TY_ERROR);
  }
  return t;
}

/* An argument of a float math function: float or f32 (literals are float). */
static type_t *float_arg(cx_t *c, ast_t *e, int i, type_t *want) {
  type_t *t = sema_expr(c, &e->kids[i], want && type_is_float(want) ? want : T(TY_F64));
  if (is_err(t))
    return t;
  if (!type_is_float(t)) {
    diag_error(c->d, e->kids[i]->loc, "`%s` needs a `float` or `f32`, not `%s`",
               sema_builtin_name(e->builtin), type_name(t));
    if (type_is_numeric(t))
      diag_hint(c->d, "convert it: `x as float`");
    return T(TY_ERROR);
  }
  return t;
}

static type_t *ref_arg(cx_t *c, ast_t *e, int i) {
  type_t *t = sema_expr(c, &e->kids[i], NULL);
  if (is_err(t))
    return t;
  if (!type_is_ref(t)) {
    diag_error(c->d, e->kids[i]->loc, "`%s` needs an actor reference, not `%s`", sema_builtin_name(e->builtin),
               type_name(t));
    return T(TY_ERROR);
  }
  if (e->builtin == BI_MONITOR && t->kind == TY_ACTOR && t->decl && (t->decl->flags & ACTOR_VIRTUAL)) {
    /* A key is never down: its next message activates it again. */
    diag_error(c->d, e->kids[i]->loc, "a virtual actor cannot be monitored: it is never down");
    diag_hint(c->d, "the next message to `%s[key]` activates it again", t->decl->name);
    return T(TY_ERROR);
  }
  sema_convert(c, &e->kids[i], t, T(TY_ANYREF), true);
  return T(TY_ANYREF);
}

static type_t *numeric_pair(cx_t *c, ast_t *e, type_t *want) {
  type_t *l, *r;
  type_t *hint = want && want->kind == TY_OPTIONAL ? want->elem : want;
  sema_operands(c, &e->kids[1], &e->kids[2], hint && type_is_numeric(hint) ? hint : NULL, &l, &r);
  if (is_err(l) || is_err(r))
    return T(TY_ERROR);
  if (l != r) {
    diag_error(c->d, e->loc, "`%s` needs two values of the same type, not `%s` and `%s`",
               sema_builtin_name(e->builtin), type_name(l), type_name(r));
    if (type_is_numeric(l) && type_is_numeric(r))
      diag_hint(c->d, "convert one with `as`, e.g. `x as %s`", type_name(l));
    return T(TY_ERROR);
  }
  return l;
}

/* ---- functions --------------------------------------------------------- */

type_t *sema_builtin_call(cx_t *c, ast_t *e, int bi, type_t *want) {
  const char *name = sema_builtin_name(bi);
  const char *fn = "function";
  switch (bi) {
  case BI_PRINT: case BI_EPRINT:
    if (!nargs(c, e, 1, fn, name) || is_err(printable(c, e, 1)))
      return T(TY_ERROR);
    return T(TY_VOID);
  case BI_STR:
    if (!nargs(c, e, 1, fn, name) || is_err(printable(c, e, 1)))
      return T(TY_ERROR);
    return T(TY_STRING);
  case BI_EXIT:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_I64))))
      return T(TY_ERROR);
    return T(TY_NEVER);
  case BI_FAIL:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_STRING))))
      return T(TY_ERROR);
    return T(TY_NEVER);
  case BI_ASSERT: {
    if (!nargs(c, e, 2, fn, name))
      return T(TY_ERROR);
    type_t *a = arg(c, e, 1, T(TY_BOOL)), *b = arg(c, e, 2, T(TY_STRING));
    return is_err(a) || is_err(b) ? T(TY_ERROR) : T(TY_VOID);
  }
  case BI_NOW:
    return nargs(c, e, 0, fn, name) ? T(TY_DURATION) : T(TY_ERROR);
  case BI_NODES:
    return nargs(c, e, 0, fn, name) ? type_array(T(TY_NODE)) : T(TY_ERROR);
  case BI_NODE:
    return nargs(c, e, 0, fn, name) ? T(TY_NODE) : T(TY_ERROR);
  case BI_RAND:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_I64))))
      return T(TY_ERROR);
    return T(TY_I64);
  case BI_LEN: {
    if (!nargs(c, e, 1, fn, name))
      return T(TY_ERROR);
    type_t *t = sema_expr(c, &e->kids[1], NULL);
    if (is_err(t))
      return t;
    if (t->kind != TY_STRING && t->kind != TY_ARRAY && t->kind != TY_MAP) {
      diag_error(c->d, e->kids[1]->loc, "`len` needs a string, array or map, not `%s`", type_name(t));
      return T(TY_ERROR);
    }
    return T(TY_I64);
  }
  case BI_MIN: case BI_MAX: {
    if (!nargs(c, e, 2, fn, name))
      return T(TY_ERROR);
    type_t *t = numeric_pair(c, e, want);
    if (!is_err(t) && !type_is_numeric(t) && t->kind != TY_DURATION) {
      diag_error(c->d, e->loc, "`%s` needs numbers or durations, not `%s`", name, type_name(t));
      return T(TY_ERROR);
    }
    return t;
  }
  case BI_ABS: {
    if (!nargs(c, e, 1, fn, name))
      return T(TY_ERROR);
    type_t *hint = want && want->kind == TY_OPTIONAL ? want->elem : want;
    type_t *t = sema_expr(c, &e->kids[1], hint && type_is_numeric(hint) ? hint : NULL);
    if (is_err(t))
      return t;
    if (!type_is_numeric(t) && t->kind != TY_DURATION) {
      diag_error(c->d, e->kids[1]->loc, "`abs` needs a number, not `%s`", type_name(t));
      return T(TY_ERROR);
    }
    return t;
  }
  case BI_SQRT: case BI_SIN: case BI_COS: case BI_EXP: case BI_LOG: case BI_FLOOR: case BI_CEIL:
    if (!nargs(c, e, 1, fn, name))
      return T(TY_ERROR);
    return float_arg(c, e, 1, want && want->kind == TY_OPTIONAL ? want->elem : want);
  case BI_POW: {
    if (!nargs(c, e, 2, fn, name))
      return T(TY_ERROR);
    /* The non-literal side decides between float and f32. */
    int first = sema_is_literal(e->kids[1]) && !sema_is_literal(e->kids[2]) ? 2 : 1;
    type_t *a = float_arg(c, e, first, NULL);
    type_t *b = float_arg(c, e, 3 - first, is_err(a) ? NULL : a);
    if (is_err(a) || is_err(b))
      return T(TY_ERROR);
    if (a != b) {
      diag_error(c->d, e->loc, "`pow` needs two values of the same type, not `%s` and `%s`",
                 type_name(first == 1 ? a : b), type_name(first == 1 ? b : a));
      return T(TY_ERROR);
    }
    return a;
  }
  case BI_PARSE_INT:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_STRING))))
      return T(TY_ERROR);
    return type_optional(T(TY_I64));
  case BI_PARSE_FLOAT:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_STRING))))
      return T(TY_ERROR);
    return type_optional(T(TY_F64));
  case BI_AFTER: case BI_EVERY: {
    if (!nargs(c, e, 3, fn, name))
      return T(TY_ERROR);
    type_t *d = arg(c, e, 1, T(TY_DURATION));
    sema_send_target(c, &e->kids[2], &e->kids[3]);
    if (is_err(d) || is_err(e->kids[2]->type) || is_err(e->kids[3]->type))
      return T(TY_ERROR);
    return T(TY_TIMER);
  }
  case BI_CANCEL:
    if (!nargs(c, e, 1, fn, name) || is_err(arg(c, e, 1, T(TY_TIMER))))
      return T(TY_ERROR);
    return T(TY_VOID);
  case BI_MONITOR:
    if (!nargs(c, e, 1, fn, name) || is_err(ref_arg(c, e, 1)))
      return T(TY_ERROR);
    return T(TY_VOID);
  case BI_REGISTER: {
    if (!nargs(c, e, 2, fn, name))
      return T(TY_ERROR);
    type_t *a = ref_arg(c, e, 1), *b = arg(c, e, 2, T(TY_STRING));
    return is_err(a) || is_err(b) ? T(TY_ERROR) : T(TY_BOOL);   /* false: name taken (§10) */
  }
  default:
    return T(TY_ERROR);
  }
}

/* ---- methods ----------------------------------------------------------- */

static receiver_t receiver_of(const type_t *t) {
  switch (t->kind) {
  case TY_ARRAY: return ARRAY;
  case TY_STRING: return STRING;
  case TY_MAP: return MAP;
  case TY_DURATION: return DURATION;
  default: return FN; /* no methods */
  }
}

static bool ordered_elem(const type_t *t) {
  return type_is_numeric(t) || t->kind == TY_STRING || t->kind == TY_DURATION;
}

type_t *sema_method_call(cx_t *c, ast_t *e, type_t *recv) {
  ast_t *f = e->kids[0];
  const char *m = f->name;
  receiver_t rv = receiver_of(recv);
  int id = BI_NONE;
  for (int i = BI_FIRST_METHOD; rv != FN && i < BI_COUNT; i++)
    if (builtins[i].recv == rv && strcmp(builtins[i].name, m) == 0)
      id = i;
  if (id == BI_NONE) {
    diag_error(c->d, f->loc, "`%s` has no method `%s`", type_name(recv), m);
    const char *best = NULL;
    int bd = 3;
    for (int i = BI_FIRST_METHOD; rv != FN && i < BI_COUNT; i++) {
      int d = builtins[i].recv == rv ? sema_edits(m, builtins[i].name) : 99;
      if (d < bd) {
        bd = d;
        best = builtins[i].name;
      }
    }
    if (best)
      diag_hint(c->d, "did you mean `%s`?", best);
    else if (recv->kind == TY_OPTIONAL)
      diag_hint(c->d, "unwrap it first: `if let x = ... { x.%s(...) }`", m);
    for (int i = 1; i < e->nkids; i++)
      sema_expr(c, &e->kids[i], NULL);
    return T(TY_ERROR);
  }
  e->builtin = id;
  f->sym = NULL;
  f->type = recv;
  if (!nargs(c, e, builtins[id].nargs, "method", m))
    return T(TY_ERROR);
  if (builtins[id].mutates && !sema_mutable_place(c, f->kids[0], "modify"))
    return T(TY_ERROR);
  type_t *a = T(TY_VOID), *b = T(TY_VOID);
  switch (id) {
  case BI_A_PUSH:
    return is_err(arg(c, e, 1, recv->elem)) ? T(TY_ERROR) : T(TY_VOID);
  case BI_A_POP:
    return recv->elem;
  case BI_A_LEN: case BI_S_LEN: case BI_M_LEN: case BI_D_MS: case BI_D_NS:
    return T(TY_I64);
  case BI_A_INSERT:
    a = arg(c, e, 1, T(TY_I64));
    b = arg(c, e, 2, recv->elem);
    return is_err(a) || is_err(b) ? T(TY_ERROR) : T(TY_VOID);
  case BI_A_REMOVE:
    return is_err(arg(c, e, 1, T(TY_I64))) ? T(TY_ERROR) : recv->elem;
  case BI_A_SLICE:
    a = arg(c, e, 1, T(TY_I64));
    b = arg(c, e, 2, T(TY_I64));
    return is_err(a) || is_err(b) ? T(TY_ERROR) : recv;
  case BI_A_SORT:
    if (!ordered_elem(recv->elem)) {
      diag_error(c->d, e->loc, "`sort` needs numbers, strings or durations, not `%s`", type_name(recv->elem));
      return T(TY_ERROR);
    }
    return T(TY_VOID);
  case BI_A_CONTAINS:
    return is_err(arg(c, e, 1, recv->elem)) ? T(TY_ERROR) : T(TY_BOOL);
  case BI_S_SPLIT:
    return is_err(arg(c, e, 1, T(TY_STRING))) ? T(TY_ERROR) : type_array(T(TY_STRING));
  case BI_S_CONTAINS: case BI_S_STARTS_WITH: case BI_S_ENDS_WITH:
    return is_err(arg(c, e, 1, T(TY_STRING))) ? T(TY_ERROR) : T(TY_BOOL);
  case BI_S_FIND:
    return is_err(arg(c, e, 1, T(TY_STRING))) ? T(TY_ERROR) : type_optional(T(TY_I64));
  case BI_S_TRIM: case BI_S_LOWER: case BI_S_UPPER:
    return T(TY_STRING);
  case BI_S_BYTES:
    return type_array(T(TY_U8));
  case BI_M_GET:
    return is_err(arg(c, e, 1, recv->key)) ? T(TY_ERROR) : type_optional(recv->elem);
  case BI_M_HAS:
    return is_err(arg(c, e, 1, recv->key)) ? T(TY_ERROR) : T(TY_BOOL);
  case BI_M_REMOVE:
    return is_err(arg(c, e, 1, recv->key)) ? T(TY_ERROR) : T(TY_VOID);
  case BI_M_KEYS:
    return type_array(recv->key);
  case BI_M_VALUES:
    return type_array(recv->elem);
  default:
    return T(TY_ERROR);
  }
}
