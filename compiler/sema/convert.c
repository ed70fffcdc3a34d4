/* convert.c: the implicit conversions of LANGUAGE.md §3 — T to T?, `none`
 * to T?, an actor reference to a protocol its actor declares or to an
 * untyped reference — made explicit as CAST nodes with kids[1] == NULL
 * (sema.h), and the "expected X, found Y" report when none applies. */
#include <string.h>

#include "sema/sema_int.h"

ast_t *sema_wrap(ast_t *e, type_t *to, int conv) {
  ast_t *c = ast_new(AST_CAST, e->loc);
  ast_add(c, e);
  ast_add(c, NULL);
  c->type = to;
  c->conv = conv;
  c->flags = e->flags & AST_PARENS;
  return c;
}

bool sema_implements(const ast_t *actor, const ast_t *proto) {
  const ast_t *ps = ast_kid(actor, 1);
  for (int i = 0; ps && i < ps->nkids; i++)
    if (ps->kids[i] && ps->kids[i]->sym == proto)
      return true;
  return false;
}

/* Whether a reference of static type `target` accepts message `msg`: an
 * actor type handles the messages it has handlers for, a protocol accepts
 * exactly its messages, an untyped reference accepts anything. */
bool sema_handles(const type_t *target, const ast_t *msg) {
  if (target->kind == TY_ANYREF)
    return true;
  if (target->kind == TY_ACTOR) /* an actor with a syntax error may have lost the handler */
    return sema_handler(target->decl, msg) != NULL || (target->decl->flags & AST_SYNTAX_ERROR);
  if (target->kind == TY_PROTOCOL)
    for (int i = 0; i < target->decl->nkids; i++)
      if (target->decl->kids[i] && target->decl->kids[i]->sym == msg)
        return true;
  return false;
}

/* Make *slot (of type have) acceptable where want is expected, wrapping it
 * in a conversion when one applies. */
bool sema_convert(cx_t *c, ast_t **slot, type_t *have, type_t *want, bool report) {
  if (want == NULL || have == want || is_err(have) || is_err(want) || have->kind == TY_NEVER)
    return true;
  if (want->kind == TY_OPTIONAL) {
    if (have->kind == TY_NONE) {
      *slot = sema_wrap(*slot, want, SEMA_CONV_NONE);
      return true;
    }
    if (have == want->elem || sema_convert(c, slot, have, want->elem, false)) {
      *slot = sema_wrap(*slot, want, SEMA_CONV_OPTIONAL);
      return true;
    }
  }
  if (want->kind == TY_ANYREF && type_is_ref(have)) {
    *slot = sema_wrap(*slot, want, SEMA_CONV_REF);
    return true;
  }
  if (want->kind == TY_PROTOCOL && have->kind == TY_ACTOR && sema_implements(have->decl, want->decl)) {
    *slot = sema_wrap(*slot, want, SEMA_CONV_REF);
    return true;
  }
  if (report) {
    if (have->kind == TY_NONE) {
      diag_error(c->d, (*slot)->loc, "expected `%s`, found `none`", type_name(want));
      diag_hint(c->d, "only optional types hold `none`: declare it `%s?`", type_name(want));
      return false;
    }
    diag_error(c->d, (*slot)->loc, "expected `%s`, found `%s`", type_name(want), type_name(have));
    if (want->kind == TY_PROTOCOL && have->kind == TY_ACTOR)
      diag_hint(c->d, "declare it: `actor %s(...) : %s`", have->decl->name, want->decl->name);
    else if (type_is_numeric(want) && type_is_numeric(have))
      diag_hint(c->d, "convert explicitly with `as %s`", type_name(want));
    else if (want->kind == TY_STRING && have->kind != TY_VOID)
      diag_hint(c->d, "make text with `str(x)` or interpolation: \"{x}\"");
    else if (have->kind == TY_OPTIONAL && have->elem == want)
      diag_hint(c->d, "it may be `none`: unwrap it first, `if let v = %s { ... }`",
                (*slot)->kind == AST_NAME && (*slot)->name ? (*slot)->name : "...");
    else if (have->kind == TY_FUTURE && have->elem == want)
      diag_hint(c->d, "wait for the reply with `await`");
  }
  return false;
}

type_t *sema_expect(cx_t *c, ast_t **slot, type_t *want) {
  if (want != NULL && want->kind == TY_ERROR) {
    /* The type asked for was wrong, and that is reported: check the
     * expression for its own errors, but do not ask the user to write a
     * type for `[]` or `[:]` that is already written. */
    c->quiet_untyped++;
    sema_expr(c, slot, NULL);
    c->quiet_untyped--;
    return want;
  }
  type_t *t = sema_expr(c, slot, want);
  if (!sema_convert(c, slot, t, want, true))
    return T(TY_ERROR);
  return want ? want : t;
}
