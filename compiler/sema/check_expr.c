/* check_expr.c: typing expressions (LANGUAGE.md §3, §4, §7). Each
 * expression is checked once, against the type its context wants (which
 * numeric literals adopt); the result type is stored in the node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

/* A numeric literal, possibly negated, or arithmetic on such: it takes the
 * type of its context. */
bool sema_is_literal(const ast_t *e) {
  for (int depth = 0; e && depth < 300; depth++) {
    if (e->kind == AST_INT || e->kind == AST_FLOAT)
      return true;
    if (e->kind == AST_UNARY && e->op == OP_NEG) {
      e = ast_kid(e, 0);
      continue;
    }
    if (e->kind == AST_BINARY && e->op >= OP_ADD && e->op <= OP_MOD)
      return sema_is_literal(ast_kid(e, 0)) && sema_is_literal(ast_kid(e, 1));
    return false;
  }
  return false;
}

static bool has_float_literal(const ast_t *e) {
  for (int depth = 0; e && depth < 300; depth++) {
    if (e->kind == AST_FLOAT)
      return true;
    if (e->kind == AST_UNARY) {
      e = ast_kid(e, 0);
      continue;
    }
    if (e->kind == AST_BINARY)
      return has_float_literal(ast_kid(e, 0)) || has_float_literal(ast_kid(e, 1));
    return false;
  }
  return false;
}

static type_t *numeric_want(type_t *want) {
  if (want && want->kind == TY_OPTIONAL)
    want = want->elem;
  return want && type_is_numeric(want) ? want : NULL;
}

/* Type two operands together: a literal side adopts the other side's
 * type, so `x + 1` and `1 + x` are both of x's type. */
void sema_operands(cx_t *c, ast_t **a, ast_t **b, type_t *hint, type_t **ta, type_t **tb) {
  bool la = sema_is_literal(*a), lb = sema_is_literal(*b);
  if (la && lb && numeric_want(hint) == NULL && (has_float_literal(*a) || has_float_literal(*b)))
    hint = T(TY_F64);
  if (la && !lb) {
    *tb = sema_expr(c, b, hint);
    type_t *h = numeric_want(*tb);
    *ta = sema_expr(c, a, h ? h : hint);
    return;
  }
  *ta = sema_expr(c, a, hint);
  type_t *h = *ta;
  if (is_err(h) || h->kind == TY_NONE || h->kind == TY_VOID || h->kind == TY_NEVER)
    h = lb ? hint : NULL;
  *tb = sema_expr(c, b, h);
}

/* ---- literals ---------------------------------------------------------- */

static int bits_of(const type_t *t) {
  switch (t->kind) {
  case TY_I8: case TY_U8: return 8;
  case TY_I16: case TY_U16: return 16;
  case TY_I32: case TY_U32: return 32;
  default: return 64;
  }
}

/* Largest magnitude an integer literal may have in t (negated or not). */
static uint64_t max_magnitude(const type_t *t, bool neg) {
  int bits = bits_of(t);
  if (type_is_signed(t))
    return neg ? (1ull << (bits - 1)) : (1ull << (bits - 1)) - 1;
  if (neg)
    return 0;
  return bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
}

static type_t *int_literal(cx_t *c, ast_t *e, type_t *want, bool neg, loc_t at) {
  type_t *t = numeric_want(want);
  if (t == NULL)
    t = T(TY_I64);
  if (type_is_float(t)) {
    double v = (double)e->lit.i;
    e->kind = AST_FLOAT;
    e->lit.f = v;
    return t;
  }
  if (e->lit.i > max_magnitude(t, neg)) {
    if (neg)
      diag_error(c->d, at, "-%llu does not fit in `%s`", (unsigned long long)e->lit.i, type_name(t));
    else
      diag_error(c->d, at, "%llu does not fit in `%s`", (unsigned long long)e->lit.i, type_name(t));
    if (neg && !type_is_signed(t))
      diag_hint(c->d, "`%s` has no negative values", type_name(t));
    return T(TY_ERROR);
  }
  return t;
}

static type_t *float_literal(ast_t *e, type_t *want) {
  type_t *t = numeric_want(want);
  return t && t->kind == TY_F32 ? t : T(TY_F64);
}

/* ---- names ------------------------------------------------------------- */

static type_t *decl_value(cx_t *c, ast_t *e, ast_t *d) {
  switch (d->kind) {
  case AST_VAR: case AST_PARAM: case AST_IF_LET: case AST_CHILD: case AST_CHILDREN:
    if (c->in_fields && d->scope == c->actor && d->kind != AST_PARAM && !(d->flags & AST_CHECKED)) {
      diag_error(c->d, e->loc, "`%s` is used before it is initialised", e->name);
      diag_hint(c->d, "fields are initialised in order; declare `%s` earlier", e->name);
      return T(TY_ERROR);
    }
    return d->type ? d->type : T(TY_ERROR);
  case AST_CONST:
    return sema_const_type(c, d, e->loc);
  case AST_MESSAGE: {
    ast_t *fs = ast_kid(d, 0);
    if (fs && fs->nkids > 0) {
      diag_error(c->d, e->loc, "message `%s` has fields; write `%s(...)`", d->name, d->name);
      return T(TY_ERROR);
    }
    e->call = SEMA_CALL_MESSAGE;
    return type_nominal(TY_MESSAGE, d);
  }
  case AST_EVENT:
    diag_error(c->d, e->loc, "event `%s` is only built in `persist`", d->name);
    return T(TY_ERROR);
  case AST_VARIANT:
    if (d->nkids > 0) {
      diag_error(c->d, e->loc, "variant `%s` has fields; write `%s(...)`", d->name, d->name);
      return T(TY_ERROR);
    }
    return d->scope ? type_nominal(TY_ENUM, d->scope) : T(TY_ERROR);
  case AST_FN:
    diag_error(c->d, e->loc, "`%s` is a function, not a value", d->name);
    diag_hint(c->d, "call it: `%s(...)`", d->name);
    return T(TY_ERROR);
  case AST_ACTOR:
    diag_error(c->d, e->loc, "`%s` is an actor type, not a value", d->name);
    if (d->flags & ACTOR_VIRTUAL)
      diag_hint(c->d, "address one by its key: `%s[key]`", d->name);
    else
      diag_hint(c->d, "start one with `spawn %s(...)`", d->name);
    return T(TY_ERROR);
  default:
    diag_error(c->d, e->loc, "`%s` is a type, not a value", d->name);
    return T(TY_ERROR);
  }
}

static type_t *name_expr(cx_t *c, ast_t *e, type_t *want) {
  if (e->name == NULL)
    return T(TY_ERROR);
  ast_t *d = sema_lookup(c, e->name);
  if (d == NULL) {
    ast_t *v = sema_find_variant(c, e->name, want, e->loc);
    if (v == NULL && symtab_get(&c->mi->variants, e->name) == SEMA_AMBIGUOUS)
      return T(TY_ERROR);
    d = v;
  }
  if (d == NULL) {
    if (sema_alias(c, e->name)) {
      diag_error(c->d, e->loc, "module `%s` is not a value", e->name);
      diag_hint(c->d, "use one of its members: `%s.name`", e->name);
      return T(TY_ERROR);
    }
    if (sema_builtin_id(e->name)) {
      diag_error(c->d, e->loc, "`%s` is a built-in function, not a value", e->name);
      diag_hint(c->d, "call it: `%s(...)`", e->name);
      return T(TY_ERROR);
    }
    sema_unknown(c, e->loc, "name", e->name, SEMA_HINT_VALUE);
    return T(TY_ERROR);
  }
  e->sym = d;
  return decl_value(c, e, d);
}

/* `Shape` or `module.Shape` naming an enum (for `Shape.Circle`). */
static ast_t *enum_named(cx_t *c, ast_t *o) {
  if (o == NULL)
    return NULL;
  if (o->kind == AST_NAME) {
    if (scope_get(c, o->name) || (c->actor && sema_actor_member(c->actor, o->name)))
      return NULL;
    ast_t *d = sema_global(c, o->name);
    if (d && d->kind == AST_ENUM) {
      o->sym = d;
      return d;
    }
    return NULL;
  }
  if (o->kind == AST_DOT && ast_kid(o, 0) && o->kids[0]->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, o->kids[0]->name);
    ast_t *d = sema_module_member(m, o->name);
    if (d && d->kind == AST_ENUM) {
      o->sym = d;
      o->dot = SEMA_DOT_MODULE;
      return d;
    }
  }
  return NULL;
}

ast_t *sema_enum_named(cx_t *c, ast_t *o) { return enum_named(c, o); }

void sema_hint_module_member(cx_t *c, const module_info_t *m, const char *alias, const char *name) {
  const char *best = NULL;
  int bd = 3;
  for (int i = 0; i < m->decls.cap; i++)
    if (m->decls.keys[i]) {
      int e = sema_edits(name, m->decls.keys[i]);
      if (e < bd || (e == bd && best && strcmp(m->decls.keys[i], best) < 0 && e < 3)) {
        bd = e;
        best = m->decls.keys[i];
      }
    }
  if (best) {
    diag_hint(c->d, "did you mean `%s`?", best);
    return;
  }
  /* `cart.Tool(4)`: a variant needs its enum's name across modules. */
  for (int i = 0; i < m->decls.cap; i++) {
    ast_t *d = m->decls.keys[i] ? m->decls.vals[i] : NULL;
    if (d && d->kind == AST_ENUM && sema_variant_of(d, name)) {
      diag_hint(c->d, "`%s` is a variant of the enum `%s`: write `%s.%s.%s`", name, d->name,
                alias, d->name, name);
      return;
    }
  }
}

static type_t *dot_expr(cx_t *c, ast_t *e) {
  ast_t *o = ast_kid(e, 0);
  if (o == NULL || e->name == NULL)
    return T(TY_ERROR);
  if (o->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, o->name);
    if (m) {
      ast_t *d = sema_module_member(m, e->name);
      if (d == NULL) {
        diag_error(c->d, e->loc, "module `%s` has no `%s`", o->name, e->name);
        sema_hint_module_member(c, m, o->name, e->name);
        return T(TY_ERROR);
      }
      e->sym = d;
      e->dot = SEMA_DOT_MODULE;
      if (d->kind == AST_MESSAGE) {
        ast_t *fs = ast_kid(d, 0);
        if (fs && fs->nkids > 0) {
          diag_error(c->d, e->loc, "message `%s` has fields; write `%s.%s(...)`", d->name, o->name, d->name);
          return T(TY_ERROR);
        }
        return type_nominal(TY_MESSAGE, d);
      }
      if (d->kind == AST_CONST)
        return sema_const_type(c, d, e->loc);
      return decl_value(c, e, d);
    }
  }
  ast_t *en = enum_named(c, o);
  if (en) {
    ast_t *v = sema_variant_of(en, e->name);
    if (v == NULL) {
      diag_error(c->d, e->loc, "enum `%s` has no variant `%s`", en->name, e->name);
      return T(TY_ERROR);
    }
    e->sym = v;
    e->dot = SEMA_DOT_VARIANT;
    if (v->nkids > 0) {
      diag_error(c->d, e->loc, "variant `%s` has fields; write `%s.%s(...)`", e->name, en->name, e->name);
      return T(TY_ERROR);
    }
    return type_nominal(TY_ENUM, en);
  }
  type_t *ot = sema_expr(c, &e->kids[0], NULL);
  if (is_err(ot))
    return T(TY_ERROR);
  if (ot->kind == TY_STRUCT) {
    for (int i = 0; i < ot->decl->nkids; i++)
      if (ot->decl->kids[i] && ot->decl->kids[i]->name == e->name) {
        e->sym = ot->decl->kids[i];
        e->dot = SEMA_DOT_FIELD;
        return e->sym->type ? e->sym->type : T(TY_ERROR);
      }
    diag_error(c->d, e->loc, "struct `%s` has no field `%s`", ot->decl->name, e->name);
    const char *best = NULL;
    int bd = 3;
    for (int i = 0; i < ot->decl->nkids; i++)
      if (ot->decl->kids[i]) {
        int d = sema_edits(e->name, ot->decl->kids[i]->name);
        if (d < bd) {
          bd = d;
          best = ot->decl->kids[i]->name;
        }
      }
    if (best)
      diag_hint(c->d, "did you mean `%s`?", best);
    return T(TY_ERROR);
  }
  if (ot->kind == TY_ACTOR || ot->kind == TY_PROTOCOL || ot->kind == TY_ANYREF) {
    diag_error(c->d, e->loc, "an actor's state is private: `%s` has no field `%s` to read",
               type_name(ot), e->name);
    diag_hint(c->d, "ask for it with a message: `await ref ? Get%s`", "");
    return T(TY_ERROR);
  }
  diag_error(c->d, e->loc, "`%s` has no field `%s`", type_name(ot), e->name);
  if (ot->kind == TY_ARRAY || ot->kind == TY_STRING || ot->kind == TY_MAP || ot->kind == TY_DURATION)
    diag_hint(c->d, "methods are called with parentheses: `.%s()`", e->name);
  return T(TY_ERROR);
}

/* An actor named by a NAME or `module.Name`, or NULL. */
ast_t *sema_actor_named(cx_t *c, ast_t *n) {
  if (n == NULL)
    return NULL;
  ast_t *d = NULL;
  if (n->kind == AST_NAME)
    d = sema_lookup(c, n->name);
  else if (n->kind == AST_DOT && ast_kid(n, 0) && n->kids[0]->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, n->kids[0]->name);
    d = sema_module_member(m, n->name);
    if (d)
      n->dot = SEMA_DOT_MODULE;
  }
  if (d && d->kind == AST_ACTOR) {
    n->sym = d;
    return d;
  }
  return NULL;
}

static type_t *index_expr(cx_t *c, ast_t *e) {
  ast_t *o = ast_kid(e, 0);
  if (o == NULL || ast_kid(e, 1) == NULL)
    return T(TY_ERROR);
  ast_t *a = sema_actor_named(c, o);
  if (a) {
    o->type = type_nominal(TY_ACTOR, a);
    e->index = SEMA_INDEX_VIRTUAL;
    if (!(a->flags & ACTOR_VIRTUAL)) {
      diag_error(c->d, e->loc, "`%s` is not a virtual actor, so it is not addressed by key", a->name);
      diag_hint(c->d, "declare it `virtual actor %s(key: string)`, or start one with `spawn`", a->name);
      sema_expr(c, &e->kids[1], NULL);
      return T(TY_ERROR);
    }
    ast_t *ps = ast_kid(a, 0);
    type_t *kt = ps && ps->nkids > 0 && ps->kids[0]->type ? ps->kids[0]->type : T(TY_STRING);
    sema_expect(c, &e->kids[1], kt);
    return type_nominal(TY_ACTOR, a);
  }
  if (o->kind == AST_NAME) {
    ast_t *k = sema_lookup(c, o->name);
    if (k && k->kind == AST_FN && (k->flags & FN_KERNEL)) {
      diag_error(c->d, e->loc, "a kernel is launched with arguments: `%s[n](...)`", k->name);
      return T(TY_ERROR);
    }
  }
  type_t *ot = sema_expr(c, &e->kids[0], NULL);
  if (is_err(ot)) {
    sema_expr(c, &e->kids[1], NULL);
    return T(TY_ERROR);
  }
  if (ot->kind == TY_ARRAY) {
    e->index = SEMA_INDEX_ARRAY;
    type_t *it = sema_expr(c, &e->kids[1], T(TY_I64));
    if (!is_err(it) && !type_is_integer(it)) {
      diag_error(c->d, e->kids[1]->loc, "an array index is an integer, not `%s`", type_name(it));
      return T(TY_ERROR);
    }
    return ot->elem;
  }
  if (ot->kind == TY_MAP) {
    e->index = SEMA_INDEX_MAP;
    if (is_err(sema_expect(c, &e->kids[1], ot->key)))
      return T(TY_ERROR);
    return ot->elem;
  }
  sema_expr(c, &e->kids[1], NULL);
  diag_error(c->d, e->loc, "`%s` cannot be indexed", type_name(ot));
  if (ot->kind == TY_STRING)
    diag_hint(c->d, "index its bytes: `s.bytes()[i]`");
  else if (ot->kind == TY_OPTIONAL)
    diag_hint(c->d, "unwrap it first: `if let x = ... { }`");
  return T(TY_ERROR);
}

static type_t *struct_lit(cx_t *c, ast_t *e) {
  ast_t *tn = ast_kid(e, 0);
  ast_t *d = NULL;
  if (tn && tn->kind == AST_NAME)
    d = sema_global(c, tn->name);
  else if (tn && tn->kind == AST_DOT && ast_kid(tn, 0) && tn->kids[0]->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, tn->kids[0]->name);
    d = sema_module_member(m, tn->name);
    if (m && d)
      tn->dot = SEMA_DOT_MODULE;
  }
  if (d == NULL || d->kind != AST_STRUCT) {
    if (tn && tn->name) {
      if (d == NULL) {
        sema_unknown(c, tn->loc, "struct", tn->name, tn->kind == AST_NAME ? SEMA_HINT_STRUCT : 0);
      } else {
        diag_error(c->d, tn->loc, "`%s` is not a struct", tn->name);
      }
    }
    for (int i = 1; i < e->nkids; i++)
      if (e->kids[i] && ast_kid(e->kids[i], 0))
        sema_expr(c, &e->kids[i]->kids[0], NULL);
    return T(TY_ERROR);
  }
  tn->sym = d;
  tn->type = type_nominal(TY_STRUCT, d);
  e->sym = d;
  int nf = d->nkids;
  ast_t **given = xcalloc((size_t)nf + 1, sizeof *given);
  bool bad = false;
  for (int i = 1; i < e->nkids; i++) {
    ast_t *fi = e->kids[i];
    if (fi == NULL || ast_kid(fi, 0) == NULL)
      continue;
    int fj = -1;
    for (int j = 0; j < nf; j++)
      if (d->kids[j] && d->kids[j]->name == fi->name) {
        fj = j;
        break;
      }
    if (fj < 0) {
      diag_error(c->d, fi->loc, "struct `%s` has no field `%s`", d->name, fi->name);
      sema_expr(c, &fi->kids[0], NULL);
      bad = true;
      continue;
    }
    if (given[fj]) {
      diag_error(c->d, fi->loc, "field `%s` is given twice", fi->name);
      sema_expr(c, &fi->kids[0], NULL);
      bad = true;
      continue;
    }
    given[fj] = fi;
    fi->sym = d->kids[fj];
    fi->type = d->kids[fj]->type;
    if (is_err(sema_expect(c, &fi->kids[0], d->kids[fj]->type)))
      bad = true;
  }
  char missing[512] = "";
  int nmiss = 0;
  for (int j = 0; j < nf; j++)
    if (given[j] == NULL && d->kids[j]) {
      size_t l = strlen(missing);
      if (l < sizeof missing - 64)
        snprintf(missing + l, sizeof missing - l, "%s`%s`", nmiss ? ", " : "", d->kids[j]->name);
      nmiss++;
    }
  free(given);
  if (nmiss) {
    diag_error(c->d, e->loc, "`%s` literal is missing field%s %s", d->name, nmiss == 1 ? "" : "s", missing);
    diag_hint(c->d, "every field is given exactly once: `%s{...}`", d->name);
    return T(TY_ERROR);
  }
  return bad ? T(TY_ERROR) : type_nominal(TY_STRUCT, d);
}

static bool storable(cx_t *c, type_t *t, ast_t *at) {
  if (is_err(t))
    return false;
  if (t->kind == TY_NONE || t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE) {
    if (t->kind == TY_NONE)
      diag_error(c->d, at->loc, "cannot tell the type of `none` here");
    else
      diag_error(c->d, at->loc, "this has no value to store");
    return false;
  }
  return true;
}

/* Element type of a literal list without context: the first element that
 * is not a numeric literal decides; all-literal lists are int, or float if
 * any literal is. */
static int decider(ast_t **xs, int n) {
  for (int i = 0; i < n; i++)
    if (xs[i] && !sema_is_literal(xs[i]))
      return i;
  return -1;
}

static type_t *array_lit(cx_t *c, ast_t *e, type_t *want) {
  if (want && want->kind == TY_OPTIONAL)
    want = want->elem;
  type_t *et = want && want->kind == TY_ARRAY ? want->elem : NULL;
  if (e->nkids == 0) {
    if (et == NULL) {
      if (c->quiet_untyped)
        return T(TY_ERROR);
      diag_error(c->d, e->loc, "cannot tell the element type of `[]`");
      diag_hint(c->d, "give the variable a type: `var xs: [int] = []`");
      return T(TY_ERROR);
    }
    return type_array(et);
  }
  int first = -1;
  if (et == NULL) {
    first = decider(e->kids, e->nkids);
    if (first >= 0) {
      et = sema_expr(c, &e->kids[first], NULL);
    } else {
      bool fl = false;
      for (int i = 0; i < e->nkids; i++)
        fl = fl || has_float_literal(e->kids[i]);
      et = fl ? T(TY_F64) : T(TY_I64);
    }
    if (!storable(c, et, e->kids[first >= 0 ? first : 0])) {
      for (int i = 0; i < e->nkids; i++)
        if (i != first && e->kids[i])
          sema_expr(c, &e->kids[i], NULL);
      return T(TY_ERROR);
    }
  }
  bool bad = false;
  for (int i = 0; i < e->nkids; i++)
    if (i != first && e->kids[i] && is_err(sema_expect(c, &e->kids[i], et)))
      bad = true;
  return bad ? T(TY_ERROR) : type_array(et);
}

static type_t *map_lit(cx_t *c, ast_t *e, type_t *want) {
  if (want && want->kind == TY_OPTIONAL)
    want = want->elem;
  type_t *kt = want && want->kind == TY_MAP ? want->key : NULL;
  type_t *vt = want && want->kind == TY_MAP ? want->elem : NULL;
  if (e->nkids == 0) {
    if (kt == NULL) {
      if (c->quiet_untyped)
        return T(TY_ERROR);
      diag_error(c->d, e->loc, "cannot tell the key and value types of `[:]`");
      diag_hint(c->d, "give the variable a type: `var m: [string: int] = [:]`");
      return T(TY_ERROR);
    }
    return want;
  }
  int n = e->nkids;
  ast_t **ks = xcalloc((size_t)n, sizeof *ks), **vs = xcalloc((size_t)n, sizeof *vs);
  for (int i = 0; i < n; i++) {
    ks[i] = ast_kid(e->kids[i], 0);
    vs[i] = ast_kid(e->kids[i], 1);
  }
  int fk = -1, fv = -1;
  bool bad = false;
  if (kt == NULL) {
    fk = decider(ks, n);
    if (fk >= 0)
      kt = sema_expr(c, &e->kids[fk]->kids[0], NULL);
    else
      kt = T(TY_I64);
    fv = decider(vs, n);
    if (fv >= 0)
      vt = sema_expr(c, &e->kids[fv]->kids[1], NULL);
    else {
      bool fl = false;
      for (int i = 0; i < n; i++)
        fl = fl || has_float_literal(vs[i]);
      vt = fl ? T(TY_F64) : T(TY_I64);
    }
    if (!storable(c, kt, e->kids[0]) || !storable(c, vt, e->kids[0]))
      bad = true;
    else if (!type_is_integer(kt) && kt->kind != TY_BOOL && kt->kind != TY_STRING) {
      diag_error(c->d, e->kids[fk >= 0 ? fk : 0]->loc,
                 "map keys must be an integer type, bool or string, not `%s`", type_name(kt));
      bad = true;
    }
  }
  for (int i = 0; i < n; i++) {
    ast_t *p = e->kids[i];
    if (p == NULL || ast_kid(p, 0) == NULL || ast_kid(p, 1) == NULL)
      continue;
    if (i != fk && (bad ? (sema_expr(c, &p->kids[0], NULL), true)
                        : is_err(sema_expect(c, &p->kids[0], kt))))
      bad = true;
    if (i != fv && (bad ? (sema_expr(c, &p->kids[1], NULL), true)
                        : is_err(sema_expect(c, &p->kids[1], vt))))
      bad = true;
  }
  free(ks);
  free(vs);
  return bad ? T(TY_ERROR) : type_map(kt, vt);
}

/* ---- operators --------------------------------------------------------- */

static bool ordered(const type_t *t) {
  return type_is_numeric(t) || t->kind == TY_STRING || t->kind == TY_DURATION;
}

/* Result of l OP r for arithmetic and bit operators on same-typed operands
 * (also used by compound assignment); reports and returns TY_ERROR when
 * the operator does not apply. */
type_t *sema_arith(cx_t *c, ast_t *at, ast_op_t op, type_t *l, type_t *r) {
  if (is_err(l) || is_err(r))
    return T(TY_ERROR);
  if (op == OP_SHL || op == OP_SHR) {
    if (!type_is_integer(l) || !type_is_integer(r)) {
      diag_error(c->d, at->loc, "`%s` needs integer operands, not `%s` and `%s`", ast_op_name(op),
                 type_name(l), type_name(r));
      return T(TY_ERROR);
    }
    return l;
  }
  /* LANGUAGE.md §3: a duration scales by an integer, `d * n`, `n * d` and
   * `d / n`. That integer is an `int` (durations count int nanoseconds),
   * so the generated C multiplies two int64_t. */
  if ((op == OP_MUL || op == OP_DIV) && l != r &&
      (l->kind == TY_DURATION || (op == OP_MUL && r->kind == TY_DURATION))) {
    type_t *n = l->kind == TY_DURATION ? r : l;
    if (n == T(TY_I64))
      return T(TY_DURATION);
    if (type_is_integer(n)) {
      diag_error(c->d, at->loc, "a duration is scaled by an `int`, not `%s`", type_name(n));
      diag_hint(c->d, "convert it first: `x as int`");
      return T(TY_ERROR);
    }
  }
  if (l != r) {
    diag_error(c->d, at->loc, "mismatched operand types `%s` and `%s` for `%s`", type_name(l),
               type_name(r), ast_op_name(op));
    if (type_is_numeric(l) && type_is_numeric(r))
      diag_hint(c->d, "convert one side with `as`, e.g. `x as %s`", type_name(l));
    else if ((l->kind == TY_OPTIONAL && l->elem == r) || (r->kind == TY_OPTIONAL && r->elem == l))
      diag_hint(c->d, "the `%s` may be `none`: unwrap it first, `if let v = ... { ... }`",
                type_name(l->kind == TY_OPTIONAL ? l : r));
    else if ((l->kind == TY_FUTURE && l->elem == r) || (r->kind == TY_FUTURE && r->elem == l))
      diag_hint(c->d, "wait for the reply with `await`");
    else if (l->kind == TY_STRING || r->kind == TY_STRING)
      diag_hint(c->d, "make text with `str(x)` or interpolation: \"{x}\"");
    return T(TY_ERROR);
  }
  switch (op) {
  case OP_ADD:
    if (type_is_numeric(l) || l->kind == TY_STRING || l->kind == TY_DURATION)
      return l;
    break;
  case OP_SUB:
    if (type_is_numeric(l) || l->kind == TY_DURATION)
      return l;
    break;
  case OP_MUL: case OP_DIV:
    if (type_is_numeric(l))
      return l;
    break;
  case OP_MOD: case OP_BAND: case OP_BOR: case OP_BXOR:
    if (type_is_integer(l))
      return l;
    diag_error(c->d, at->loc, "`%s` needs integers, not `%s`", ast_op_name(op), type_name(l));
    if (l->kind == TY_BOOL && op != OP_MOD)
      diag_hint(c->d, "for booleans use `%s`", op == OP_BAND ? "&&" : op == OP_BOR ? "||" : "!=");
    return T(TY_ERROR);
  default:
    break;
  }
  diag_error(c->d, at->loc, "`%s` is not defined for `%s`", ast_op_name(op), type_name(l));
  if (l->kind == TY_DURATION && (op == OP_MUL || op == OP_DIV))
    diag_hint(c->d, "durations are added, subtracted and compared; use `d.ms()` for arithmetic");
  return T(TY_ERROR);
}

static type_t *binary(cx_t *c, ast_t *e, type_t *want) {
  if (ast_kid(e, 0) == NULL || ast_kid(e, 1) == NULL)
    return T(TY_ERROR);
  ast_op_t op = e->op;
  if (op == OP_AND || op == OP_OR) {
    type_t *a = sema_expect(c, &e->kids[0], T(TY_BOOL));
    type_t *b = sema_expect(c, &e->kids[1], T(TY_BOOL));
    return is_err(a) || is_err(b) ? T(TY_ERROR) : T(TY_BOOL);
  }
  bool cmp = op >= OP_EQ && op <= OP_GE;
  type_t *l, *r;
  if (op == OP_SHL || op == OP_SHR) {
    l = sema_expr(c, &e->kids[0], numeric_want(want));
    r = sema_expr(c, &e->kids[1], sema_is_literal(e->kids[1]) && type_is_integer(l) ? l : NULL);
    return sema_arith(c, e, op, l, r);
  }
  sema_operands(c, &e->kids[0], &e->kids[1], cmp ? NULL : want, &l, &r);
  if (is_err(l) || is_err(r))
    return T(TY_ERROR);
  if (!cmp)
    return sema_arith(c, e, op, l, r);
  if (l->kind == TY_NONE && r->kind == TY_NONE) {
    diag_error(c->d, e->loc, "comparing `none` with `none` is always true");
    return T(TY_ERROR);
  }
  type_t *t = l;
  if (l != r) {
    if (sema_convert(c, &e->kids[1], r, l, false)) {
      t = l;
    } else if (sema_convert(c, &e->kids[0], l, r, false)) {
      t = r;
    } else {
      diag_error(c->d, e->loc, "cannot compare `%s` with `%s`", type_name(l), type_name(r));
      if (type_is_numeric(l) && type_is_numeric(r))
        diag_hint(c->d, "convert one side with `as`, e.g. `x as %s`", type_name(l));
      return T(TY_ERROR);
    }
  }
  if (t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE) {
    diag_error(c->d, e->loc, "`%s` values cannot be compared", type_name(t));
    return T(TY_ERROR);
  }
  if (op != OP_EQ && op != OP_NE && !ordered(t)) {
    diag_error(c->d, e->loc, "`%s` values cannot be ordered with `%s`", type_name(t), ast_op_name(op));
    diag_hint(c->d, "`<`, `<=`, `>` and `>=` compare numbers, strings and durations");
    return T(TY_ERROR);
  }
  return T(TY_BOOL);
}

static type_t *unary(cx_t *c, ast_t *e, type_t *want) {
  ast_t *x = ast_kid(e, 0);
  if (x == NULL)
    return T(TY_ERROR);
  if (e->op == OP_NOT) {
    type_t *t = sema_expect(c, &e->kids[0], T(TY_BOOL));
    return is_err(t) ? t : T(TY_BOOL);
  }
  if (e->op == OP_NEG && x->kind == AST_INT) {
    type_t *t = int_literal(c, x, want, true, e->loc);
    x->type = t;
    return t;
  }
  type_t *t = sema_expr(c, &e->kids[0], numeric_want(want));
  if (is_err(t))
    return t;
  if (e->op == OP_NEG && (type_is_numeric(t) || t->kind == TY_DURATION))
    return t;
  if (e->op == OP_BNOT && type_is_integer(t))
    return t;
  diag_error(c->d, e->loc, "`%s` is not defined for `%s`", ast_op_name(e->op), type_name(t));
  if (e->op == OP_BNOT && t->kind == TY_BOOL)
    diag_hint(c->d, "for booleans use `!`");
  return T(TY_ERROR);
}

/* ---- actors and messages ----------------------------------------------- */

static bool await_allowed(const cx_t *c) {
  return c->owner && (c->owner->kind == AST_ON || c->owner->kind == AST_INIT) && !c->in_fields;
}

static type_t *await_expr(cx_t *c, ast_t *e) {
  if (!await_allowed(c)) {
    diag_error(c->d, e->loc, "`await` is only allowed in `on` handlers and `init`");
    if (c->owner && c->owner->kind == AST_FN)
      diag_hint(c->d, "move the ask into the handler that calls this function");
    else if (c->owner && c->owner->kind == AST_ON_STOP)
      diag_hint(c->d, "`on stop` cannot wait; tell the other actor instead (`ref ! Msg`)");
    else if (c->owner && c->owner->kind == AST_APPLY)
      diag_hint(c->d, "`apply` handlers only change state; ask in the `on` handler");
  }
  c->has_await = true;
  if (ast_kid(e, 0) == NULL)
    return T(TY_ERROR);
  type_t *t = sema_expr(c, &e->kids[0], NULL);
  bool bad = false;
  if (ast_kid(e, 1) && is_err(sema_expect(c, &e->kids[1], T(TY_DURATION))))
    bad = true;
  if (is_err(t))
    return T(TY_ERROR);
  if (t->kind != TY_FUTURE) {
    diag_error(c->d, e->loc, "`await` needs a future (the result of an ask `ref ? Msg`), not `%s`",
               type_name(t));
    return T(TY_ERROR);
  }
  return bad ? T(TY_ERROR) : t->elem;
}

static type_t *ask_expr(cx_t *c, ast_t *e) {
  if (ast_kid(e, 0) == NULL || ast_kid(e, 1) == NULL)
    return T(TY_ERROR);
  type_t *tt = sema_expr(c, &e->kids[0], NULL);
  ast_t *m = sema_message(c, &e->kids[1], false);
  if (is_err(tt) || m == NULL)
    return T(TY_ERROR);
  if (!type_is_ref(tt)) {
    diag_error(c->d, e->kids[0]->loc, "`?` asks an actor reference, not `%s`", type_name(tt));
    return T(TY_ERROR);
  }
  if (ast_kid(m, 1) == NULL) {
    diag_error(c->d, e->kids[1]->loc, "message `%s` has no reply type, so it cannot be asked", m->name);
    diag_hint(c->d, "declare it `message %s(...) -> T`, or send it with `!`", m->name);
    return T(TY_ERROR);
  }
  if (!sema_handles(tt, m)) {
    if (tt->kind == TY_PROTOCOL) {
      diag_error(c->d, e->kids[1]->loc, "protocol `%s` does not include message `%s`", tt->decl->name, m->name);
      diag_hint(c->d, "add it: `protocol %s { ..., %s }`", tt->decl->name, m->name);
    } else {
      diag_error(c->d, e->kids[1]->loc, "actor `%s` does not handle message `%s`", tt->decl->name, m->name);
      diag_hint(c->d, "add `on %s { return ... }` to `%s`", m->name, tt->decl->name);
    }
    return T(TY_ERROR);
  }
  type_t *rt = m->kids[1]->type;
  return is_err(rt) ? T(TY_ERROR) : type_future(rt);
}

static bool is_restart_kind(const ast_t *n) {
  return n && n->name && (strcmp(n->name, "temporary") == 0 || strcmp(n->name, "permanent") == 0);
}

static type_t *spawn_expr(cx_t *c, ast_t *e) {
  ast_t *k = ast_kid(e, 0);
  if (k == NULL)
    return T(TY_ERROR);
  type_t *t = sema_construct(c, k, "spawn");
  if (ast_kid(e, 1) && is_err(sema_expect(c, &e->kids[1], T(TY_NODE))))
    t = T(TY_ERROR);
  ast_t *r = ast_kid(e, 2);
  if (r && !is_restart_kind(r)) {
    diag_error(c->d, r->loc, "unknown restart kind `%s`", r->name ? r->name : "?");
    diag_hint(c->d, "write `restart permanent` (the default) or `restart temporary`");
    t = T(TY_ERROR);
  }
  if (!is_err(t) && (t->decl->flags & ACTOR_VIRTUAL)) {
    diag_error(c->d, e->loc, "a virtual actor is not spawned: it starts when a message reaches it");
    diag_hint(c->d, "address it by key: `%s[key] ! Msg`", t->decl->name);
    return T(TY_ERROR);
  }
  return t;
}

static type_t *cast_expr(cx_t *c, ast_t *e) {
  if (ast_kid(e, 1) == NULL) /* an implicit conversion, already typed */
    return e->type ? e->type : T(TY_ERROR);
  if (ast_kid(e, 0) == NULL)
    return T(TY_ERROR);
  type_t *to = sema_resolve_type(c, e->kids[1]);
  type_t *from = sema_expr(c, &e->kids[0], NULL);
  if (is_err(from) || is_err(to))
    return T(TY_ERROR);
  if (type_is_numeric(from) && type_is_numeric(to))
    return to;
  if (type_is_ref(from) && type_is_ref(to) && (from == to || sema_convert(c, &e->kids[0], from, to, false)))
    return to;
  diag_error(c->d, e->loc, "cannot convert `%s` to `%s` with `as`", type_name(from), type_name(to));
  if (to->kind == TY_STRING)
    diag_hint(c->d, "make text with `str(x)` or interpolation: \"{x}\"");
  else if (from->kind == TY_STRING && type_is_integer(to))
    diag_hint(c->d, "parse it: `parse_int(s)` gives `int?`");
  else if (from->kind == TY_STRING && type_is_float(to))
    diag_hint(c->d, "parse it: `parse_float(s)` gives `float?`");
  else if (from->kind == TY_ACTOR && to->kind == TY_PROTOCOL)
    diag_hint(c->d, "declare it: `actor %s(...) : %s`", from->decl->name, to->decl->name);
  else if (from->kind == TY_DURATION && type_is_numeric(to))
    diag_hint(c->d, "use `d.ms()` or `d.ns()`");
  else
    diag_hint(c->d, "`as` converts between number types, and actor references to their protocols");
  return T(TY_ERROR);
}

static type_t *at_expr(cx_t *c, ast_t *e) {
  ast_t *tn = ast_kid(e, 0);
  if (tn == NULL || ast_kid(e, 1) == NULL)
    return T(TY_ERROR);
  type_t *t = sema_resolve_type(c, tn);
  type_t *n = sema_expect(c, &e->kids[1], T(TY_STRING));
  if (is_err(t))
    return t;
  if (t->kind != TY_ACTOR && t->kind != TY_PROTOCOL) {
    diag_error(c->d, tn->loc, "`@` looks up an actor or protocol type, not `%s`", type_name(t));
    return T(TY_ERROR);
  }
  return is_err(n) ? T(TY_ERROR) : t;
}

static type_t *interp(cx_t *c, ast_t *e) {
  bool bad = false;
  for (int i = 0; i < e->nkids; i++) {
    if (e->kids[i] == NULL)
      continue;
    type_t *t = sema_expr(c, &e->kids[i], NULL);
    if (is_err(t)) {
      bad = true;
    } else if (t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE || t->kind == TY_NONE) {
      diag_error(c->d, e->kids[i]->loc, "this has no text form");
      bad = true;
    }
  }
  return bad ? T(TY_ERROR) : T(TY_STRING);
}

/* ---- dispatch ---------------------------------------------------------- */

static type_t *expr_inner(cx_t *c, ast_t **slot, type_t *want) {
  ast_t *e = *slot;
  switch (e->kind) {
  case AST_INT: return int_literal(c, e, want, false, e->loc);
  case AST_FLOAT: return float_literal(e, want);
  case AST_DURATION: return T(TY_DURATION);
  case AST_STRING: return T(TY_STRING);
  case AST_BOOL: return T(TY_BOOL);
  case AST_NONE: return T(TY_NONE);
  case AST_INTERP: return interp(c, e);
  case AST_SELF:
    if (c->actor == NULL) {
      diag_error(c->d, e->loc, "`self` is only available inside an actor");
      return T(TY_ERROR);
    }
    return type_nominal(TY_ACTOR, c->actor);
  case AST_SENDER:
    if (c->actor == NULL) {
      diag_error(c->d, e->loc, "`sender` is only available inside an actor");
      return T(TY_ERROR);
    }
    c->actor->flags |= ACTOR_READS_SENDER;
    return T(TY_ANYREF);
  case AST_NAME: return name_expr(c, e, want);
  case AST_DOT: return dot_expr(c, e);
  case AST_INDEX: return index_expr(c, e);
  case AST_CALL: return sema_call(c, e, want);
  case AST_STRUCT_LIT: return struct_lit(c, e);
  case AST_ARRAY_LIT: return array_lit(c, e, want);
  case AST_MAP_LIT: return map_lit(c, e, want);
  case AST_BINARY: return binary(c, e, want);
  case AST_UNARY: return unary(c, e, want);
  case AST_AWAIT: return await_expr(c, e);
  case AST_ASK: return ask_expr(c, e);
  case AST_CAST: return cast_expr(c, e);
  case AST_SPAWN: return spawn_expr(c, e);
  case AST_AT: return at_expr(c, e);
  case AST_RANGE:
    diag_error(c->d, e->loc, "`..` is only allowed in the head of a `for` loop");
    return T(TY_ERROR);
  default:
    diag_error(c->d, e->loc, "expected an expression");
    return T(TY_ERROR);
  }
}

type_t *sema_expr(cx_t *c, ast_t **slot, type_t *want) {
  ast_t *e = slot ? *slot : NULL;
  if (e == NULL)
    return T(TY_ERROR);
  type_t *t = expr_inner(c, slot, want);
  if (t == NULL)
    t = T(TY_ERROR);
  e->type = t;
  return t;
}
