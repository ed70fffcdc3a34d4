/* check_call.c: calls — Act functions (top-level, module, actor-private,
 * extern), built-ins and methods, enum variants, kernel launches — and the
 * message constructions of `!`, `?`, timers and `persist`, and the actor
 * constructions of `spawn` and `child`. */
#include <stdio.h>
#include <string.h>

#include "sema/sema_int.h"

/* Check the arguments kids[first..] of call against params, a node whose
 * kids are FIELD or PARAM declarations with types. */
void sema_args(cx_t *c, ast_t *call, int first, ast_t *params, const char *what,
               const char *name) {
  int nargs = call->nkids - first, np = params ? params->nkids : 0;
  if (nargs != np) {
    diag_error(c->d, call->loc, "%s `%s` takes %d argument%s, but %d %s given", what, name, np,
               np == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
    for (int i = first; i < call->nkids; i++)
      sema_expr(c, &call->kids[i], NULL);
    call->type = T(TY_ERROR);
    return;
  }
  for (int i = 0; i < np; i++) {
    type_t *pt = params->kids[i] ? params->kids[i]->type : NULL;
    if (is_err(sema_expect(c, &call->kids[first + i], pt ? pt : T(TY_ERROR))) || is_err(pt))
      call->type = T(TY_ERROR);
  }
}

static type_t *args_result(ast_t *call, type_t *t) {
  if (call->type && call->type->kind == TY_ERROR)
    return T(TY_ERROR);
  return t;
}

static void check_rest(cx_t *c, ast_t *e, int first) {
  for (int i = first; i < e->nkids; i++)
    sema_expr(c, &e->kids[i], NULL);
}

/* ---- messages ---------------------------------------------------------- */

/* A message (or, for persist, an event of the enclosing actor) built by
 * CALL(M, args), NAME M or `module.M`. Returns its declaration, or NULL
 * after reporting. */
ast_t *sema_message(cx_t *c, ast_t **slot, bool event) {
  ast_t *e = *slot;
  if (e == NULL)
    return NULL;
  ast_t *callee = e->kind == AST_CALL ? ast_kid(e, 0) : e;
  ast_t *d = NULL;
  const char *name = callee ? callee->name : NULL;
  bool qualified = false;
  if (callee && callee->kind == AST_NAME) {
    if (event)
      d = sema_actor_member(c->actor, callee->name);
    if (d == NULL || d->kind != AST_EVENT)
      d = sema_global(c, callee->name);
  } else if (callee && callee->kind == AST_DOT && ast_kid(callee, 0) &&
             callee->kids[0]->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, callee->kids[0]->name);
    if (m) {
      d = sema_module_member(m, callee->name);
      qualified = true;
    }
  }
  ast_kind_t want = event ? AST_EVENT : AST_MESSAGE;
  if (d == NULL || d->kind != want) {
    if (name == NULL || (callee->kind != AST_NAME && !qualified)) {
      diag_error(c->d, e->loc, event ? "`persist` needs an event, like `persist Credited(10)`"
                                     : "expected a message here, like `Ping(1)`");
    } else if (d == NULL) {
      if (event) {
        diag_error(c->d, e->loc, "unknown event `%s`", name);
        if (c->actor)
          diag_hint(c->d, "declare it in the actor: `event %s(...)`", name);
      } else {
        sema_unknown(c, e->loc, "message", name, qualified ? 0 : SEMA_HINT_MESSAGE);
      }
    } else if (event) {
      diag_error(c->d, e->loc, "`%s` is not an event of `%s`", name, c->actor ? c->actor->name : "?");
      if (d->kind == AST_MESSAGE)
        diag_hint(c->d, "`persist` records events; messages are sent with `!`");
    } else {
      diag_error(c->d, e->loc, "`%s` is not a message", name);
      if (d->kind == AST_EVENT)
        diag_hint(c->d, "events are recorded with `persist %s(...)`", name);
    }
    if (e->kind == AST_CALL)
      check_rest(c, e, 1);
    e->type = T(TY_ERROR);
    return NULL;
  }
  callee->sym = d;
  e->sym = d;
  e->type = type_nominal(TY_MESSAGE, d);
  if (qualified && e == callee)
    e->dot = SEMA_DOT_MODULE;
  else
    e->call = event ? SEMA_CALL_EVENT : SEMA_CALL_MESSAGE;
  if (qualified && e != callee)
    callee->dot = SEMA_DOT_MODULE;
  ast_t *fields = ast_kid(d, 0);
  int nf = fields ? fields->nkids : 0;
  if (e->kind == AST_CALL) {
    if (nf == 0 && e->nkids == 1) {
      diag_error(c->d, e->loc, "%s `%s` has no fields; write it without parentheses: `%s`",
                 event ? "event" : "message", d->name, d->name);
      e->type = T(TY_ERROR);
      return NULL;
    }
    sema_args(c, e, 1, fields, event ? "event" : "message", d->name);
    if (is_err(e->type)) {
      e->type = T(TY_ERROR);
      return NULL;
    }
    e->type = type_nominal(TY_MESSAGE, d);
  } else if (nf > 0) {
    diag_error(c->d, e->loc, "%s `%s` has fields; write `%s(...)`", event ? "event" : "message", d->name,
               d->name);
    e->type = T(TY_ERROR);
    return NULL;
  }
  return d;
}

/* `ref ! Msg(...)` and the target/message pair of after/every. */
void sema_send_target(cx_t *c, ast_t **tslot, ast_t **mslot) {
  type_t *tt = sema_expr(c, tslot, NULL);
  ast_t *m = sema_message(c, mslot, false);
  if (is_err(tt) || m == NULL)
    return;
  if (!type_is_ref(tt)) {
    diag_error(c->d, (*tslot)->loc, "messages are sent to actor references, not to `%s`", type_name(tt));
    return;
  }
  if (sema_handles(tt, m))
    return;
  ast_t *fs = ast_kid(m, 0);
  if (tt->kind == TY_PROTOCOL) {
    diag_error(c->d, (*mslot)->loc, "protocol `%s` does not include message `%s`", tt->decl->name, m->name);
    diag_hint(c->d, "add it: `protocol %s { ..., %s }`, or send it a message of the protocol",
              tt->decl->name, m->name);
  } else {
    diag_error(c->d, (*mslot)->loc, "actor `%s` does not handle message `%s`", tt->decl->name, m->name);
    diag_hint(c->d, "add `on %s%s { ... }` to `%s`, or send it a message it handles", m->name,
              fs && fs->nkids ? "(...)" : "", tt->decl->name);
  }
  (*mslot)->type = T(TY_ERROR);
}

/* ---- actor construction ------------------------------------------------ */

/* `Counter(0)` or `Counter` inside spawn / child / children. */
type_t *sema_construct(cx_t *c, ast_t *k, const char *what) {
  ast_t *callee = k->kind == AST_CALL ? ast_kid(k, 0) : k;
  ast_t *a = sema_actor_named(c, callee);
  if (a == NULL) {
    ast_t *d = NULL;
    if (callee && callee->kind == AST_NAME)
      d = sema_lookup(c, callee->name);
    if (d && d->kind == AST_PROTOCOL) {
      diag_error(c->d, k->loc, "`%s` is a protocol; %s an actor that implements it", d->name, what);
    } else if (callee && callee->kind == AST_NAME && d == NULL) {
      sema_unknown(c, k->loc, "actor", callee->name, SEMA_HINT_ACTOR);
    } else {
      diag_error(c->d, k->loc, "`%s` needs an actor, like `%s Worker(1)`", what,
                 strcmp(what, "spawn") == 0 ? "spawn" : "child w =");
    }
    if (k->kind == AST_CALL)
      check_rest(c, k, 1);
    k->type = T(TY_ERROR);
    return T(TY_ERROR);
  }
  k->sym = a;
  k->call = SEMA_CALL_ACTOR;
  type_t *t = type_nominal(TY_ACTOR, a);
  k->type = t;
  if (callee != k)
    callee->type = t;
  ast_t *ps = ast_kid(a, 0);
  if (k->kind == AST_CALL) {
    sema_args(c, k, 1, ps, "actor", a->name);
  } else if (ps && ps->nkids) {
    diag_error(c->d, k->loc, "actor `%s` takes %d argument%s: `%s(...)`", a->name, ps->nkids,
               ps->nkids == 1 ? "" : "s", a->name);
    k->type = T(TY_ERROR);
  }
  if (is_err(k->type)) {
    k->type = t; /* the construction names the actor; its arguments were wrong */
    return T(TY_ERROR);
  }
  return t;
}

/* ---- calls ------------------------------------------------------------- */

static bool kernel_context(const cx_t *c) {
  if (c->owner && c->owner->kind == AST_FN && (c->owner->flags & FN_KERNEL))
    return true;
  return c->actor && (c->actor->flags & ACTOR_GPU) && c->owner &&
         (c->owner->kind == AST_ON || c->owner->kind == AST_FN);
}

static type_t *fn_call(cx_t *c, ast_t *e, ast_t *fn) {
  if ((fn->flags & FN_KERNEL) && !kernel_context(c)) {
    diag_error(c->d, e->loc, "a kernel is launched over a range: `%s[n](...)`", fn->name);
    diag_hint(c->d, "the index parameter `%s` is not passed; it runs from 0 to n-1",
              ast_kid(fn, 0) && fn->kids[0]->nkids ? fn->kids[0]->kids[0]->name : "i");
    check_rest(c, e, 1);
    return T(TY_ERROR);
  }
  e->call = SEMA_CALL_FN;
  e->sym = fn;
  sema_args(c, e, 1, ast_kid(fn, 0), (fn->flags & FN_KERNEL) ? "kernel" : "function", fn->name);
  ast_t *rt = ast_kid(fn, 1);
  type_t *t = rt ? rt->type : T(TY_VOID);
  return args_result(e, t ? t : T(TY_ERROR));
}

static type_t *variant_call(cx_t *c, ast_t *e, ast_t *v) {
  e->call = SEMA_CALL_VARIANT;
  e->sym = v;
  if (v->nkids == 0) {
    diag_error(c->d, e->loc, "variant `%s` has no fields; write it without parentheses: `%s`", v->name,
               v->name);
    check_rest(c, e, 1);
    return T(TY_ERROR);
  }
  sema_args(c, e, 1, v, "variant", v->name);
  return args_result(e, v->scope ? type_nominal(TY_ENUM, v->scope) : T(TY_ERROR));
}

static type_t *decl_call(cx_t *c, ast_t *e, ast_t *f, ast_t *d, type_t *want) {
  f->sym = d;
  switch (d->kind) {
  case AST_FN:
    return fn_call(c, e, d);
  case AST_MESSAGE: {
    ast_t *slot = e;
    sema_message(c, &slot, false);
    return e->type ? e->type : T(TY_ERROR);
  }
  case AST_EVENT:
    diag_error(c->d, e->loc, "event `%s` is only built in `persist`", d->name);
    diag_hint(c->d, "write `persist %s(...)`", d->name);
    check_rest(c, e, 1);
    return T(TY_ERROR);
  case AST_VARIANT:
    return variant_call(c, e, d);
  case AST_ACTOR:
    diag_error(c->d, e->loc, "actors are started with `spawn`: `spawn %s(...)`", d->name);
    check_rest(c, e, 1);
    return T(TY_ERROR);
  case AST_STRUCT:
    diag_error(c->d, e->loc, "`%s` is a struct; build it with `%s{field: value, ...}`", d->name, d->name);
    check_rest(c, e, 1);
    return T(TY_ERROR);
  default:
    diag_error(c->d, f->loc, "`%s` is not a function", d->name ? d->name : "this");
    check_rest(c, e, 1);
    return T(TY_ERROR);
  }
}

static type_t *kernel_launch(cx_t *c, ast_t *e, ast_t *k) {
  ast_t *f = e->kids[0];
  f->kids[0]->sym = k;
  e->sym = k;
  e->call = SEMA_CALL_KERNEL;
  bool bad = is_err(sema_expect(c, &f->kids[1], T(TY_I64)));
  ast_t *ps = ast_kid(k, 0);
  int np = ps ? ps->nkids - 1 : 0, na = e->nkids - 1;
  if (np < 0)
    np = 0;
  if (np != na) {
    diag_error(c->d, e->loc, "kernel `%s` takes %d argument%s after its index, but %d %s given", k->name, np,
               np == 1 ? "" : "s", na, na == 1 ? "was" : "were");
    check_rest(c, e, 1);
    return T(TY_ERROR);
  }
  for (int i = 0; i < np; i++)
    if (is_err(sema_expect(c, &e->kids[1 + i], ps->kids[1 + i]->type)))
      bad = true;
  ast_t *rt = ast_kid(k, 1);
  if (bad || rt == NULL || is_err(rt->type))
    return T(TY_ERROR);
  f->type = type_array(rt->type);
  return f->type;
}

static type_t *dot_call(cx_t *c, ast_t *e, ast_t *f, type_t *want) {
  ast_t *o = ast_kid(f, 0);
  if (o && o->kind == AST_NAME) {
    module_info_t *m = sema_alias(c, o->name);
    if (m) {
      ast_t *d = sema_module_member(m, f->name);
      if (d == NULL) {
        diag_error(c->d, f->loc, "module `%s` has no `%s`", o->name, f->name);
        sema_hint_module_member(c, m, o->name, f->name);
        check_rest(c, e, 1);
        return T(TY_ERROR);
      }
      f->dot = SEMA_DOT_MODULE;
      e->sym = d;
      return decl_call(c, e, f, d, want);
    }
  }
  ast_t *en = sema_enum_named(c, o);
  if (en) {
    ast_t *v = sema_variant_of(en, f->name);
    if (v == NULL) {
      diag_error(c->d, f->loc, "enum `%s` has no variant `%s`", en->name, f->name);
      check_rest(c, e, 1);
      return T(TY_ERROR);
    }
    f->sym = v;
    f->dot = SEMA_DOT_VARIANT;
    return variant_call(c, e, v);
  }
  type_t *recv = sema_expr(c, &f->kids[0], NULL);
  if (is_err(recv)) {
    check_rest(c, e, 1);
    return T(TY_ERROR);
  }
  e->call = SEMA_CALL_METHOD;
  return sema_method_call(c, e, recv);
}

type_t *sema_call(cx_t *c, ast_t *e, type_t *want) {
  ast_t *f = ast_kid(e, 0);
  if (f == NULL)
    return T(TY_ERROR);
  if (f->kind == AST_NAME && f->name) {
    ast_t *d = sema_lookup(c, f->name);
    if (d == NULL) {
      int bi = sema_builtin_id(f->name);
      if (bi) {
        e->call = SEMA_CALL_BUILTIN;
        e->builtin = bi;
        return sema_builtin_call(c, e, bi, want);
      }
      d = sema_find_variant(c, f->name, want, f->loc);
      if (d == NULL && symtab_get(&c->mi->variants, f->name) == SEMA_AMBIGUOUS) {
        check_rest(c, e, 1);
        return T(TY_ERROR);
      }
    }
    if (d == NULL) {
      sema_unknown(c, f->loc, "function", f->name, SEMA_HINT_FN);
      check_rest(c, e, 1);
      return T(TY_ERROR);
    }
    return decl_call(c, e, f, d, want);
  }
  if (f->kind == AST_DOT && f->name)
    return dot_call(c, e, f, want);
  if (f->kind == AST_INDEX && ast_kid(f, 0) && f->kids[0]->kind == AST_NAME && ast_kid(f, 1)) {
    ast_t *k = sema_lookup(c, f->kids[0]->name);
    if (k && k->kind == AST_FN && (k->flags & FN_KERNEL))
      return kernel_launch(c, e, k);
  }
  type_t *t = sema_expr(c, &e->kids[0], NULL);
  check_rest(c, e, 1);
  if (!is_err(t))
    diag_error(c->d, e->loc, "a value of type `%s` cannot be called", type_name(t));
  return T(TY_ERROR);
}
