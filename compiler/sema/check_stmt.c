/* check_stmt.c: statements (LANGUAGE.md §4): locals, assignment and what
 * may be assigned, if / while / for / match, return and the check that
 * every path of a body with a result returns one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

/* ---- locals ------------------------------------------------------------ */

/* A `let` / `var` (a local, or an actor field): its declared or inferred
 * type goes into var->type. The caller makes the name visible. */
void sema_local(cx_t *c, ast_t *s) {
  ast_t *tn = ast_kid(s, 0), *init = ast_kid(s, 1);
  type_t *t = tn ? sema_resolve_type(c, tn) : NULL;
  if (init) {
    if (t) {
      sema_expect(c, &s->kids[1], t);
    } else {
      t = sema_expr(c, &s->kids[1], NULL);
      if (t->kind == TY_NONE) {
        diag_error(c->d, s->loc, "cannot tell the type of `%s` from `none`", s->name);
        diag_hint(c->d, "write its type: `var %s: T? = none`", s->name);
        t = T(TY_ERROR);
      } else if (t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE) {
        diag_error(c->d, s->kids[1]->loc, "this has no value to store in `%s`", s->name);
        if (t->kind == TY_MESSAGE)
          diag_hint(c->d, "messages are sent, not stored: `ref ! %s`",
                    s->kids[1]->sym && s->kids[1]->sym->name ? s->kids[1]->sym->name : "Msg");
        t = T(TY_ERROR);
      }
    }
  } else if (!(s->flags & VAR_MUTABLE)) {
    /* LANGUAGE.md §4: a `let` is immutable, so it gets its value where it
     * is declared; only a `var` may be declared first and set later. */
    diag_error(c->d, s->loc, "`let %s` needs a value", s->name);
    if (t && !is_err(t))
      diag_hint(c->d, "give it one: `let %s: %s = ...`, or declare it `var %s: %s` to set it later",
                s->name, type_name(t), s->name, type_name(t));
    else if (tn == NULL)
      diag_hint(c->d, "give it one: `let %s = ...`", s->name);
  } else if (tn == NULL) {
    diag_error(c->d, s->loc, "cannot tell the type of `%s`", s->name);
    diag_hint(c->d, "give it a value or a type: `var %s = 0` or `var %s: int`", s->name, s->name);
  }
  s->type = t ? t : T(TY_ERROR);
}

/* ---- places ------------------------------------------------------------ */

/* Whether e names something that may be assigned (or changed in place by
 * a method like push); reports why not. */
bool sema_mutable_place(cx_t *c, ast_t *e, const char *verb) {
  for (int depth = 0; e && depth < 300; depth++) {
    switch (e->kind) {
    case AST_NAME: {
      ast_t *d = e->sym;
      if (d == NULL)
        return true; /* already reported */
      if (d->kind == AST_VAR && (d->flags & VAR_MUTABLE))
        return true;
      switch (d->kind) {
      case AST_VAR:
        diag_error(c->d, e->loc, "cannot %s `%s`: it is declared with `let`", verb, e->name);
        diag_hint(c->d, "declare it with `var`");
        break;
      case AST_PARAM:
        if (d->scope && d->scope->kind == AST_ACTOR)
          diag_error(c->d, e->loc, "cannot %s `%s`: it is a parameter of actor `%s`", verb, e->name,
                     d->scope->name);
        else
          diag_error(c->d, e->loc, "cannot %s `%s`: it is a parameter", verb, e->name);
        diag_hint(c->d, "copy it into a variable first: `var x = %s`", e->name);
        break;
      case AST_IF_LET:
        diag_error(c->d, e->loc, "cannot %s `%s`: it is bound by `if let`", verb, e->name);
        diag_hint(c->d, "copy it into a variable first: `var x = %s`", e->name);
        break;
      case AST_CONST:
        diag_error(c->d, e->loc, "cannot %s `%s`: it is a constant", verb, e->name);
        break;
      case AST_CHILD: case AST_CHILDREN:
        diag_error(c->d, e->loc, "cannot %s `%s`: a supervisor's children are fixed", verb, e->name);
        break;
      default:
        diag_error(c->d, e->loc, "cannot %s `%s`", verb, e->name);
        break;
      }
      return false;
    }
    case AST_DOT:
      if (e->dot != SEMA_DOT_FIELD) {
        diag_error(c->d, e->loc, "cannot %s this", verb);
        return false;
      }
      e = ast_kid(e, 0);
      continue;
    case AST_INDEX:
      if (e->index == SEMA_INDEX_VIRTUAL) {
        diag_error(c->d, e->loc, "cannot %s an actor reference", verb);
        return false;
      }
      e = ast_kid(e, 0);
      continue;
    case AST_SELF: case AST_SENDER:
      diag_error(c->d, e->loc, "cannot %s `%s`", verb, e->kind == AST_SELF ? "self" : "sender");
      return false;
    default:
      if (e->type && is_err(e->type))
        return true;
      diag_error(c->d, e->loc, "cannot %s this: it is not a variable", verb);
      diag_hint(c->d, "store it in a `var` first");
      return false;
    }
  }
  return true;
}

/* ---- return paths ------------------------------------------------------ */

static bool always_returns(const ast_t *s);

bool sema_block_returns(const ast_t *b) {
  if (b == NULL)
    return false;
  if (b->kind != AST_BLOCK)
    return always_returns(b);
  for (int i = 0; i < b->nkids; i++)
    if (always_returns(b->kids[i]))
      return true;
  return false;
}

/* Whether a `break` leaves this loop body (not one of its inner loops). */
static bool breaks_out(const ast_t *s) {
  if (s == NULL)
    return false;
  switch (s->kind) {
  case AST_BREAK: return true;
  case AST_WHILE: case AST_FOR: return false;
  case AST_BLOCK: case AST_IF: case AST_IF_LET: case AST_MATCH: case AST_ARM:
    for (int i = 0; i < s->nkids; i++)
      if (breaks_out(s->kids[i]))
        return true;
    return false;
  default: return false;
  }
}

static bool always_returns(const ast_t *s) {
  if (s == NULL)
    return false;
  switch (s->kind) {
  case AST_RETURN: return true;
  case AST_BLOCK: return sema_block_returns(s);
  case AST_IF: case AST_IF_LET:
    return ast_kid(s, 2) && always_returns(s->kids[1]) && always_returns(s->kids[2]);
  case AST_EXPR_STMT:
    return ast_kid(s, 0) && s->kids[0]->type && s->kids[0]->type->kind == TY_NEVER;
  case AST_MATCH: {
    bool wild = false;
    for (int i = 1; i < s->nkids; i++) {
      ast_t *arm = s->kids[i];
      if (arm == NULL)
        continue;
      if (!always_returns(ast_kid(arm, 1)))
        return false;
      if (ast_kid(arm, 0) && arm->kids[0]->kind == AST_PWILD)
        wild = true;
    }
    return wild || s->exhaustive;
  }
  case AST_WHILE: {
    const ast_t *cond = ast_kid(s, 0);
    return cond && cond->kind == AST_BOOL && cond->lit.i == 1 && !breaks_out(ast_kid(s, 1));
  }
  default: return false;
  }
}

/* ---- statements -------------------------------------------------------- */

static void sub_block(cx_t *c, ast_t *b) {
  if (b == NULL)
    return;
  if (b->kind == AST_BLOCK)
    sema_block(c, b);
  else
    sema_stmt(c, b);
}

static void assign(cx_t *c, ast_t *s) {
  if (ast_kid(s, 0) == NULL || ast_kid(s, 1) == NULL)
    return;
  type_t *lt = sema_expr(c, &s->kids[0], NULL);
  if (!is_err(lt))
    sema_mutable_place(c, s->kids[0], "assign to");
  if (s->op == OP_ASSIGN || s->op == OP_NONE) {
    sema_expect(c, &s->kids[1], lt ? lt : T(TY_ERROR));
    return;
  }
  if (is_err(lt)) {
    sema_expr(c, &s->kids[1], NULL);
    return;
  }
  type_t *rt = sema_expr(c, &s->kids[1], lt);
  if (is_err(rt))
    return;
  if (lt != rt) {
    diag_error(c->d, s->loc, "`%s=` needs a `%s` on the right, not `%s`", ast_op_name(s->op), type_name(lt),
               type_name(rt));
    if (type_is_numeric(lt) && type_is_numeric(rt))
      diag_hint(c->d, "convert it: `x as %s`", type_name(lt));
    return;
  }
  bool ok = type_is_numeric(lt) || (lt->kind == TY_DURATION && (s->op == OP_ADD || s->op == OP_SUB)) ||
            (lt->kind == TY_STRING && s->op == OP_ADD);
  if (s->op == OP_MOD && !type_is_integer(lt))
    ok = false;
  if (!ok)
    diag_error(c->d, s->loc, "`%s=` is not defined for `%s`", ast_op_name(s->op), type_name(lt));
}

static void if_let(cx_t *c, ast_t *s) {
  type_t *t = ast_kid(s, 0) ? sema_expr(c, &s->kids[0], NULL) : T(TY_ERROR);
  if (!is_err(t) && t->kind != TY_OPTIONAL) {
    diag_error(c->d, s->kids[0]->loc, "`if let` unwraps an optional, not `%s`", type_name(t));
    diag_hint(c->d, "use `if` with a condition, or `let %s = ...`", s->name ? s->name : "x");
    t = T(TY_ERROR);
  }
  s->type = is_err(t) ? T(TY_ERROR) : t->elem;
  int mark = scope_mark(c);
  scope_push(c, s->name, s);
  sub_block(c, ast_kid(s, 1));
  scope_pop(c, mark);
  sub_block(c, ast_kid(s, 2));
}

static void bind_all(ast_t *binds, type_t *t) {
  for (int i = 0; binds && i < binds->nkids; i++)
    if (binds->kids[i])
      binds->kids[i]->type = t;
}

static void for_loop(cx_t *c, ast_t *s) {
  ast_t *binds = ast_kid(s, 0), *it = ast_kid(s, 1);
  if (binds == NULL || it == NULL)
    return;
  int nb = binds->nkids;
  if (it->kind == AST_RANGE) {
    s->loop = SEMA_FOR_RANGE;
    type_t *lo = T(TY_ERROR), *hi = T(TY_ERROR);
    if (ast_kid(it, 0) && ast_kid(it, 1))
      sema_operands(c, &it->kids[0], &it->kids[1], NULL, &lo, &hi);
    type_t *t = T(TY_ERROR);
    if (!is_err(lo) && !is_err(hi)) {
      if (!type_is_integer(lo) || lo != hi) {
        if (lo != hi && type_is_integer(lo) && type_is_integer(hi))
          diag_error(c->d, it->loc, "the bounds of a range have one integer type, not `%s` and `%s`",
                     type_name(lo), type_name(hi));
        else
          diag_error(c->d, it->loc, "a range needs integers, not `%s`", type_name(type_is_integer(lo) ? hi : lo));
      } else {
        t = lo;
      }
    }
    it->type = t;
    if (nb != 1) {
      diag_error(c->d, binds->loc, "a range gives one value per step: `for i in a..b`");
      t = T(TY_ERROR);
    }
    bind_all(binds, t);
  } else {
    type_t *t = sema_expr(c, &s->kids[1], NULL);
    if (t->kind == TY_ARRAY) {
      s->loop = SEMA_FOR_ARRAY;
      if (nb != 1) {
        diag_error(c->d, binds->loc, "an array gives one value per step: `for x in xs`");
        diag_hint(c->d, "for the index too, loop over a range: `for i in 0..xs.len()`");
        bind_all(binds, T(TY_ERROR));
      } else {
        bind_all(binds, t->elem);
      }
    } else if (t->kind == TY_MAP) {
      s->loop = SEMA_FOR_MAP;
      if (nb != 2) {
        diag_error(c->d, binds->loc, "a map gives a key and a value per step: `for k, v in m`");
        bind_all(binds, T(TY_ERROR));
      } else {
        binds->kids[0]->type = t->key;
        binds->kids[1]->type = t->elem;
      }
    } else {
      if (!is_err(t)) {
        diag_error(c->d, s->kids[1]->loc, "cannot loop over `%s`", type_name(t));
        if (t->kind == TY_STRING)
          diag_hint(c->d, "loop over its parts: `s.split(\" \")` or `s.bytes()`");
        else if (type_is_integer(t))
          diag_hint(c->d, "loop over a range: `for i in 0..n`");
      }
      bind_all(binds, T(TY_ERROR));
    }
  }
  int mark = scope_mark(c);
  for (int i = 0; i < nb; i++)
    if (binds->kids[i])
      scope_push(c, binds->kids[i]->name, binds->kids[i]);
  c->loops++;
  sub_block(c, ast_kid(s, 2));
  c->loops--;
  scope_pop(c, mark);
}

/* ---- match ------------------------------------------------------------- */

static void variant_pattern(cx_t *c, ast_t *p, ast_t *en, char *seen) {
  ast_t *v = sema_variant_of(en, p->name);
  if (v == NULL || (p->lit.s && strcmp(p->lit.s, en->name) != 0)) {
    if (p->lit.s && strcmp(p->lit.s, en->name) != 0)
      diag_error(c->d, p->loc, "`%s.%s` is not a variant of `%s`", p->lit.s, p->name, en->name);
    else
      diag_error(c->d, p->loc, "`%s` is not a variant of `%s`", p->name, en->name);
    const char *best = NULL;
    int bd = 3;
    for (int j = 0; j < en->nkids; j++)
      if (en->kids[j]) {
        int d = sema_edits(p->name, en->kids[j]->name);
        if (d < bd) {
          bd = d;
          best = en->kids[j]->name;
        }
      }
    if (best)
      diag_hint(c->d, "did you mean `%s`?", best);
    return;
  }
  int vi = 0;
  while (en->kids[vi] != v)
    vi++;
  p->sym = v;
  p->type = type_nominal(TY_ENUM, en);
  if (seen[vi])
    diag_warning(c->d, p->loc, "variant `%s` is already matched above", p->name);
  seen[vi] = 1;
  if (p->nkids != 0 && p->nkids != v->nkids) {
    diag_error(c->d, p->loc, "variant `%s` has %d field%s, the pattern binds %d", v->name, v->nkids,
               v->nkids == 1 ? "" : "s", p->nkids);
    diag_hint(c->d, "bind every field (`_` skips one), or write just `%s` to bind none", v->name);
    return; /* the bindings are declared with the error type by the caller */
  }
  for (int k = 0; k < p->nkids; k++) {
    ast_t *b = p->kids[k];
    if (b && b->kind == AST_PARAM) {
      b->type = v->kids[k] && v->kids[k]->type ? v->kids[k]->type : T(TY_ERROR);
      for (int j = 0; j < k; j++)
        if (p->kids[j] && p->kids[j]->kind == AST_PARAM && p->kids[j]->name == b->name &&
            strcmp(b->name, "_") != 0)
          diag_error(c->d, b->loc, "`%s` is bound twice in this pattern", b->name);
      scope_push(c, b->name, b);
    }
  }
}

/* Literal patterns: the key of a literal for duplicate detection. */
static bool same_literal(const ast_t *a, const ast_t *b) {
  if (a == NULL || b == NULL || a->kind != b->kind)
    return false;
  switch (a->kind) {
  case AST_INT: case AST_BOOL: return a->lit.i == b->lit.i;
  case AST_STRING: return a->lit.len == b->lit.len && memcmp(a->lit.s, b->lit.s, a->lit.len) == 0;
  case AST_UNARY: return a->op == b->op && same_literal(ast_kid(a, 0), ast_kid(b, 0));
  default: return false;
  }
}

static void match_stmt(cx_t *c, ast_t *s) {
  if (ast_kid(s, 0) == NULL)
    return;
  type_t *st = sema_expr(c, &s->kids[0], NULL);
  ast_t *en = !is_err(st) && st->kind == TY_ENUM ? st->decl : NULL;
  bool lit_ok = !is_err(st) && (type_is_integer(st) || st->kind == TY_STRING || st->kind == TY_BOOL);
  if (!is_err(st) && en == NULL && !lit_ok) {
    diag_error(c->d, s->kids[0]->loc, "cannot match on `%s`", type_name(st));
    diag_hint(c->d, "`match` works on enums, integers, strings and bools; use `if` for the rest");
    st = T(TY_ERROR);
  }
  char *seen = en ? xcalloc((size_t)en->nkids + 1, 1) : NULL;
  bool wild = false, seen_true = false, seen_false = false;
  for (int i = 1; i < s->nkids; i++) {
    ast_t *arm = s->kids[i];
    if (arm == NULL)
      continue;
    ast_t *p = ast_kid(arm, 0);
    int mark = scope_mark(c);
    if (p == NULL) {
    } else if (p->kind == AST_PWILD) {
      if (wild)
        diag_warning(c->d, p->loc, "a second `_` arm is never reached");
      wild = true;
    } else if (p->kind == AST_PVARIANT) {
      if (en)
        variant_pattern(c, p, en, seen);
      else if (!is_err(st)) {
        diag_error(c->d, p->loc, "`%s` is not a variant of `%s`", p->name, type_name(st));
        diag_hint(c->d, "a bare name in a pattern is a variant, never a new binding; use `_` and the subject");
      }
      for (int k = 0; k < p->nkids; k++)
        if (p->kids[k] && p->kids[k]->kind == AST_PARAM && p->kids[k]->type == NULL) {
          p->kids[k]->type = T(TY_ERROR);
          scope_push(c, p->kids[k]->name, p->kids[k]);
        }
    } else if (p->kind == AST_PLIT && ast_kid(p, 0)) {
      if (en) {
        diag_error(c->d, p->loc, "a match on `%s` needs variant patterns", en->name);
        sema_expr(c, &p->kids[0], NULL);
      } else if (!is_err(st)) {
        type_t *lt = sema_expr(c, &p->kids[0], st);
        if (!is_err(lt) && lt != st)
          diag_error(c->d, p->loc, "expected a `%s` pattern, found `%s`", type_name(st), type_name(lt));
        p->type = st;
        for (int j = 1; j < i; j++) {
          ast_t *q = s->kids[j] ? ast_kid(s->kids[j], 0) : NULL;
          if (q && q->kind == AST_PLIT && same_literal(ast_kid(q, 0), p->kids[0])) {
            diag_warning(c->d, p->loc, "this case is already matched above");
            break;
          }
        }
        if (p->kids[0]->kind == AST_BOOL) {
          if (p->kids[0]->lit.i)
            seen_true = true;
          else
            seen_false = true;
        }
      }
    }
    sub_block(c, ast_kid(arm, 1));
    scope_pop(c, mark);
  }
  if (en && !wild) {
    strbuf_t missing = {0};
    int nm = 0;
    for (int j = 0; j < en->nkids; j++)
      if (!seen[j] && en->kids[j]) {
        strbuf_printf(&missing, "%s`%s`", nm ? ", " : "", en->kids[j]->name);
        nm++;
      }
    if (nm) {
      diag_error(c->d, s->loc, "`match` on `%s` does not cover %s", en->name, strbuf_str(&missing));
      diag_hint(c->d, "add arms for them, or a `_ => { }` arm");
    } else {
      s->exhaustive = true;
    }
    strbuf_free(&missing);
  }
  (void)seen_true;
  (void)seen_false;
  free(seen);
}

/* ---- return ------------------------------------------------------------ */

static const char *owner_desc(const ast_t *o) {
  if (o == NULL)
    return "this code";
  switch (o->kind) {
  case AST_FN: return (o->flags & FN_KERNEL) ? "this kernel" : "this function";
  case AST_ON: return "this handler";
  case AST_INIT: return "`init`";
  case AST_ON_STOP: return "`on stop`";
  case AST_APPLY: return "this `apply` handler";
  default: return "this code";
  }
}

static void return_stmt(cx_t *c, ast_t *s) {
  ast_t *v = ast_kid(s, 0);
  if (c->owner == NULL || c->in_fields || c->owner->kind == AST_CONST) {
    diag_error(c->d, s->loc, "`return` outside a function or handler");
    if (v)
      sema_expr(c, &s->kids[0], NULL);
    return;
  }
  if (v) {
    if (c->ret == NULL) {
      if (c->owner->kind == AST_ON)
        diag_error(c->d, s->loc, "this handler's message has no reply type, so it returns no value");
      else
        diag_error(c->d, s->loc, "%s returns no value", owner_desc(c->owner));
      if (c->owner->kind == AST_ON && c->owner->sym && c->owner->sym->name)
        diag_hint(c->d, "to reply, declare the message `message %s(...) -> T`", c->owner->sym->name);
      else if (c->owner->kind == AST_FN)
        diag_hint(c->d, "declare the result type: `fn %s(...) -> T`", c->owner->name);
      sema_expr(c, &s->kids[0], NULL);
    } else if (c->owner->kind == AST_ON && c->owner->sym && !is_err(c->ret)) {
      /* A reply: say which message's reply type it must be. */
      type_t *t = sema_expr(c, &s->kids[0], c->ret);
      if (!is_err(t) && !sema_convert(c, &s->kids[0], t, c->ret, false)) {
        const char *m = c->owner->sym->name;
        diag_error(c->d, s->kids[0]->loc, "`%s` replies with `%s`, not `%s`", m,
                   type_name(c->ret), type_name(t));
        ast_t *fields = ast_kid(c->owner->sym, 0);
        diag_hint(c->d, "return a value of type `%s`, or change the reply type: `message %s%s -> %s`",
                  type_name(c->ret), m, fields && fields->nkids ? "(...)" : "", type_name(t));
      }
    } else {
      sema_expect(c, &s->kids[0], c->ret);
    }
  } else if (c->ret != NULL && !is_err(c->ret)) {
    diag_error(c->d, s->loc, "missing value: %s returns `%s`", owner_desc(c->owner), type_name(c->ret));
  }
}

/* ---- dispatch ---------------------------------------------------------- */

void sema_stmt(cx_t *c, ast_t *s) {
  if (s == NULL)
    return;
  switch (s->kind) {
  case AST_BLOCK:
    sema_block(c, s);
    return;
  case AST_VAR: {
    sema_local(c, s);
    /* One name, one meaning per block (docs/decisions.md): an inner
     * block may hide an outer name, as in Go, but not redeclare it in
     * the same block. */
    ast_t *prev = s->name ? scope_in_block(c, s->name) : NULL;
    if (prev && prev->kind == AST_PARAM) {
      diag_error(c->d, s->loc, "`%s` is already declared as a parameter", s->name);
      diag_hint(c->d, "give the local another name");
      diag_note(c->d, prev->loc, "the parameter `%s` is here", s->name);
    } else if (prev) {
      diag_error(c->d, s->loc, "`%s` is already declared in this block", s->name);
      diag_hint(c->d, "give it another name, or declare the first with `var` and assign: `%s = ...`",
                s->name);
      diag_note(c->d, prev->loc, "the first `%s` is here", s->name);
    }
    scope_push(c, s->name, s);
    return;
  }
  case AST_EXPR_STMT: {
    ast_t *e = ast_kid(s, 0);
    if (e == NULL)
      return;
    type_t *t = sema_expr(c, &s->kids[0], NULL);
    if (t->kind == TY_MESSAGE) {
      diag_error(c->d, e->loc, "a message on its own does nothing");
      diag_hint(c->d, "send it: `ref ! %s`", e->sym && e->sym->name ? e->sym->name : "Msg");
    }
    return;
  }
  case AST_ASSIGN:
    assign(c, s);
    return;
  case AST_IF:
    if (ast_kid(s, 0))
      sema_expect(c, &s->kids[0], T(TY_BOOL));
    sub_block(c, ast_kid(s, 1));
    sub_block(c, ast_kid(s, 2));
    return;
  case AST_IF_LET:
    if_let(c, s);
    return;
  case AST_WHILE:
    if (ast_kid(s, 0))
      sema_expect(c, &s->kids[0], T(TY_BOOL));
    c->loops++;
    sub_block(c, ast_kid(s, 1));
    c->loops--;
    return;
  case AST_FOR:
    for_loop(c, s);
    return;
  case AST_MATCH:
    match_stmt(c, s);
    return;
  case AST_RETURN:
    return_stmt(c, s);
    return;
  case AST_BREAK: case AST_CONTINUE:
    if (c->loops == 0)
      diag_error(c->d, s->loc, "`%s` outside a loop", s->kind == AST_BREAK ? "break" : "continue");
    return;
  case AST_SEND:
    if (ast_kid(s, 0) && ast_kid(s, 1))
      sema_send_target(c, &s->kids[0], &s->kids[1]);
    return;
  case AST_STOP:
    if (ast_kid(s, 0)) {
      type_t *t = sema_expr(c, &s->kids[0], NULL);
      if (!is_err(t) && !type_is_ref(t))
        diag_error(c->d, s->kids[0]->loc, "`stop` needs an actor reference");
      else if (!is_err(t))
        sema_convert(c, &s->kids[0], t, T(TY_ANYREF), true);
    } else if (c->actor == NULL) {
      diag_error(c->d, s->loc, "`stop` outside an actor");
      diag_hint(c->d, "stop another actor with `stop(ref)`");
    }
    return;
  case AST_PERSIST: {
    ast_t *a = c->actor;
    if (a == NULL || !(a->flags & ACTOR_PERSISTENT)) {
      diag_error(c->d, s->loc, "`persist` is only allowed in a persistent actor");
      if (a)
        diag_hint(c->d, "declare it `persistent actor %s(...)`", a->name);
      if (ast_kid(s, 0) && s->kids[0]->kind == AST_CALL)
        for (int i = 1; i < s->kids[0]->nkids; i++)
          sema_expr(c, &s->kids[0]->kids[i], NULL);
      return;
    }
    if (c->owner == NULL || c->owner->kind != AST_ON) {
      diag_error(c->d, s->loc, "`persist` is only allowed in `on` handlers");
      if (c->owner && c->owner->kind == AST_APPLY)
        diag_hint(c->d, "`apply` runs when an event is persisted or replayed; it only changes state");
    }
    c->has_await = true;
    if (ast_kid(s, 0))
      sema_message(c, &s->kids[0], true);
    return;
  }
  default:
    diag_error(c->d, s->loc, "expected a statement");
    return;
  }
}

void sema_block(cx_t *c, ast_t *b) {
  if (b == NULL)
    return;
  int mark = scope_mark(c), outer = c->block;
  if (c->body_block)
    c->body_block = false; /* a body: one scope with its parameters */
  else
    c->block = ++c->nblocks;
  for (int i = 0; i < b->nkids; i++)
    sema_stmt(c, b->kids[i]);
  scope_pop(c, mark);
  c->block = outer;
}

/* Check a body owned by a FN, ON, INIT, ON_STOP or APPLY; ret is the
 * result its `return`s give (NULL: none). The caller has made parameters
 * visible. */
void sema_body(cx_t *c, ast_t *owner, ast_t *blk, type_t *ret) {
  /* A body with a syntax error lost statements (a `let`, a `return`):
   * checking what is left would report those losses, not the program's
   * errors. The syntax error is reported already. */
  if (blk != NULL && (blk->flags & AST_SYNTAX_ERROR))
    return;
  ast_t *save_owner = c->owner;
  type_t *save_ret = c->ret;
  bool save_await = c->has_await;
  int save_loops = c->loops;
  c->owner = owner;
  c->ret = ret;
  c->has_await = false;
  c->loops = 0;
  c->body_block = true;
  sema_block(c, blk);
  c->body_block = false;
  if (c->has_await)
    owner->suspends = true;
  if (ret && !is_err(ret) && blk && !sema_block_returns(blk)) {
    if (owner->kind == AST_ON)
      diag_error(c->d, owner->loc, "missing `return`: this handler must reply with a `%s` value on every path",
                 type_name(ret));
    else
      diag_error(c->d, owner->loc, "missing `return`: not every path returns a value of type `%s`",
                 type_name(ret));
  }
  c->owner = save_owner;
  c->ret = save_ret;
  c->has_await = save_await;
  c->loops = save_loops;
}
