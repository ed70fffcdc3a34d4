/* check.c: name resolution and type checking of a loaded program, filling
 * the annotations promised in sema.h. One walk per body; declarations are
 * collected first so that they may appear in any order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/scope.h"
#include "sema/sema.h"
#include "sema/sema_int.h"

typedef struct local {
  const char *name;
  ast_t *decl;
} local_t;

typedef struct cx {
  diag_t *d;
  module_info_t *mi;
  ast_t *actor;          /* enclosing actor, or NULL */
  ast_t *body_owner;     /* FN / ON / INIT / APPLY / ON_STOP / CONST */
  type_t *ret;           /* expected return type (NULL: no value) */
  int ret_required;
  int await_ok;
  int has_await;
  int loops;
  int in_kernel;
  local_t *locals;
  int nlocals, caplocals;
} cx_t;

static type_t *T(type_kind_t k) { return type_prim(k); }
static ast_t *down_msg;
static symtab_t builtins;      /* builtin function name -> (ast_t*)(intptr) id */
static symtab_t type_names;    /* "int" -> (ast_t*) type_t* */

/* ---- helpers ----------------------------------------------------------- */

static void err_type(cx_t *c, loc_t at, type_t *want, type_t *got) {
  diag_error(c->d, at, "expected `%s`, found `%s`", type_name(want), type_name(got));
}

static int is_err(type_t *t) { return t == NULL || t->kind == TY_ERROR; }

static void push_local(cx_t *c, const char *name, ast_t *decl) {
  if (c->nlocals == c->caplocals) {
    c->caplocals = c->caplocals ? c->caplocals * 2 : 64;
    c->locals = realloc(c->locals, sizeof *c->locals * (size_t)c->caplocals);
  }
  c->locals[c->nlocals].name = name;
  c->locals[c->nlocals].decl = decl;
  c->nlocals++;
}

static ast_t *find_local(cx_t *c, const char *name) {
  for (int i = c->nlocals - 1; i >= 0; i--)
    if (c->locals[i].name == name)
      return c->locals[i].decl;
  return NULL;
}

static ast_t *actor_member(ast_t *actor, const char *name) {
  if (actor == NULL)
    return NULL;
  ast_t *params = actor->kids[0];
  for (int i = 0; i < params->nkids; i++)
    if (params->kids[i]->name == name)
      return params->kids[i];
  ast_t *ms = actor->kids[2];
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if ((m->kind == AST_VAR || m->kind == AST_FN || m->kind == AST_CHILD ||
         m->kind == AST_CHILDREN || m->kind == AST_EVENT) && m->name == name)
      return m;
  }
  return NULL;
}

/* A top-level name visible in the current module. */
static ast_t *global(cx_t *c, const char *name) {
  ast_t *d = symtab_get(&c->mi->decls, name);
  if (d == NULL)
    d = symtab_get(&c->mi->bare, name);
  if (d == NULL && name == down_msg->name)
    d = down_msg;
  return d;
}

static ast_t *lookup(cx_t *c, const char *name) {
  ast_t *d = find_local(c, name);
  if (d == NULL)
    d = actor_member(c->actor, name);
  if (d == NULL)
    d = global(c, name);
  return d;
}

/* Edit distance for "did you mean" hints (names are short). */
static int edits(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 30 || lb > 30)
    return 99;
  int dp[32][32];
  for (int i = 0; i <= la; i++) dp[i][0] = i;
  for (int j = 0; j <= lb; j++) dp[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int x = dp[i - 1][j] + 1, y = dp[i][j - 1] + 1, z = dp[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      dp[i][j] = x < y ? (x < z ? x : z) : (y < z ? y : z);
    }
  return dp[la][lb];
}

static void hint_similar(cx_t *c, const char *name) {
  const char *best = NULL;
  int bd = 3;
  for (int i = c->nlocals - 1; i >= 0; i--) {
    int e = edits(name, c->locals[i].name);
    if (e < bd) { bd = e; best = c->locals[i].name; }
  }
  if (c->actor) {
    ast_t *ps = c->actor->kids[0], *ms = c->actor->kids[2];
    for (int i = 0; i < ps->nkids; i++) {
      int e = edits(name, ps->kids[i]->name);
      if (e < bd) { bd = e; best = ps->kids[i]->name; }
    }
    for (int i = 0; i < ms->nkids; i++)
      if (ms->kids[i]->name && (ms->kids[i]->kind == AST_VAR || ms->kids[i]->kind == AST_FN)) {
        int e = edits(name, ms->kids[i]->name);
        if (e < bd) { bd = e; best = ms->kids[i]->name; }
      }
  }
  symtab_t *g = &c->mi->decls;
  for (int i = 0; i < g->cap; i++)
    if (g->keys[i]) {
      int e = edits(name, g->keys[i]);
      if (e < bd) { bd = e; best = g->keys[i]; }
    }
  if (best && bd > 0 && bd < (int)strlen(name))
    diag_hint(c->d, "did you mean `%s`?", best);
}

/* ---- types ------------------------------------------------------------- */

static type_t *resolve_type(cx_t *c, ast_t *n);

static type_t *decl_type(cx_t *c, ast_t *d, loc_t at) {
  switch (d->kind) {
  case AST_STRUCT: return type_nominal(TY_STRUCT, d);
  case AST_ENUM: return type_nominal(TY_ENUM, d);
  case AST_ACTOR: return type_nominal(TY_ACTOR, d);
  case AST_PROTOCOL: return type_nominal(TY_PROTOCOL, d);
  default:
    diag_error(c->d, at, "`%s` is not a type", d->name);
    return T(TY_ERROR);
  }
}

static type_t *resolve_type(cx_t *c, ast_t *n) {
  if (n == NULL)
    return NULL;
  type_t *t = T(TY_ERROR);
  switch (n->kind) {
  case AST_TNAME: {
    if (n->lit.s) {
      ast_t *m = symtab_get(&c->mi->aliases, strtab_cstr(n->lit.s));
      ast_t *d = m ? symtab_get(&((module_info_t *)m->data)->decls, n->name) : NULL;
      if (d == NULL)
        diag_error(c->d, n->loc, "unknown type `%s.%s`", n->lit.s, n->name);
      else {
        n->sym = d;
        t = decl_type(c, d, n->loc);
      }
      break;
    }
    ast_t *prim = symtab_get(&type_names, n->name);
    if (prim) {
      t = (type_t *)prim;
      break;
    }
    ast_t *d = global(c, n->name);
    if (d == NULL) {
      diag_error(c->d, n->loc, "unknown type `%s`", n->name);
      hint_similar(c, n->name);
      break;
    }
    n->sym = d;
    t = decl_type(c, d, n->loc);
    break;
  }
  case AST_TARRAY: {
    type_t *e = resolve_type(c, n->kids[0]);
    t = is_err(e) ? e : type_array(e);
    break;
  }
  case AST_TMAP: {
    type_t *k = resolve_type(c, n->kids[0]), *v = resolve_type(c, n->kids[1]);
    if (is_err(k) || is_err(v))
      break;
    if (!type_is_integer(k) && k->kind != TY_BOOL && k->kind != TY_STRING) {
      diag_error(c->d, n->kids[0]->loc, "map keys must be an integer type, bool or string, not `%s`", type_name(k));
      break;
    }
    t = type_map(k, v);
    break;
  }
  case AST_TOPT: {
    type_t *e = resolve_type(c, n->kids[0]);
    t = is_err(e) ? e : e->kind == TY_OPTIONAL ? e : type_optional(e);
    break;
  }
  case AST_TFUTURE: {
    type_t *e = resolve_type(c, n->kids[0]);
    t = is_err(e) ? e : type_future(e);
    break;
  }
  default:
    break;
  }
  n->type = t;
  return t;
}

/* ---- conversions ------------------------------------------------------- */

static ast_t *wrap(ast_t *e, type_t *to, int conv) {
  ast_t *c = ast_new(AST_CAST, e->loc);
  ast_add(c, e);
  ast_add(c, NULL);
  c->type = to;
  c->aux = conv;
  return c;
}

static int actor_implements(ast_t *actor, ast_t *proto) {
  ast_t *ps = actor->kids[1];
  for (int i = 0; i < ps->nkids; i++)
    if (ps->kids[i]->sym == proto)
      return 1;
  return 0;
}

/* Make *slot (of type have) acceptable where want is expected. */
static int convert(cx_t *c, ast_t **slot, type_t *have, type_t *want, int report) {
  if (want == NULL || have == want || is_err(have) || is_err(want) ||
      have->kind == TY_NEVER)
    return 1;
  if (want->kind == TY_OPTIONAL) {
    if (have->kind == TY_NONE) { *slot = wrap(*slot, want, SEMA_CONV_NONE); return 1; }
    if (have == want->elem) { *slot = wrap(*slot, want, SEMA_CONV_OPTIONAL); return 1; }
    if (convert(c, slot, have, want->elem, 0)) {
      *slot = wrap(*slot, want, SEMA_CONV_OPTIONAL);
      return 1;
    }
  }
  if (want->kind == TY_ANYREF && type_is_ref(have)) {
    *slot = wrap(*slot, want, SEMA_CONV_REF);
    return 1;
  }
  if (want->kind == TY_PROTOCOL && have->kind == TY_ACTOR && actor_implements(have->decl, want->decl)) {
    *slot = wrap(*slot, want, SEMA_CONV_REF);
    return 1;
  }
  if (report) {
    err_type(c, (*slot)->loc, want, have);
    if (want->kind == TY_PROTOCOL && have->kind == TY_ACTOR)
      diag_hint(c->d, "declare it: `actor %s(...) : %s`", have->decl->name, want->decl->name);
    if (type_is_numeric(want) && type_is_numeric(have))
      diag_hint(c->d, "convert explicitly with `as %s`", type_name(want));
  }
  return 0;
}

/* ---- expressions ------------------------------------------------------- */

static type_t *expr(cx_t *c, ast_t **slot, type_t *want);
static void block(cx_t *c, ast_t *b);
static void stmt(cx_t *c, ast_t *s);

static type_t *expect(cx_t *c, ast_t **slot, type_t *want) {
  type_t *t = expr(c, slot, want);
  convert(c, slot, t, want, 1);
  return want ? want : t;
}

static int is_literal(const ast_t *e) {
  if (e->kind == AST_INT || e->kind == AST_FLOAT)
    return 1;
  return e->kind == AST_UNARY && e->op == OP_NEG && is_literal(e->kids[0]);
}

static ast_t *msg_handler(ast_t *actor, ast_t *msg) {
  ast_t *ms = actor->kids[2];
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == AST_ON && ms->kids[i]->sym == msg)
      return ms->kids[i];
  return NULL;
}

static int handles(type_t *target, ast_t *msg) {
  if (target->kind == TY_ANYREF)
    return 1;
  if (target->kind == TY_ACTOR)
    return msg_handler(target->decl, msg) != NULL;
  if (target->kind == TY_PROTOCOL) {
    for (int i = 0; i < target->decl->nkids; i++)
      if (target->decl->kids[i]->sym == msg)
        return 1;
  }
  return 0;
}

/* Check args (kids[first..]) of call against a LIST of FIELD/PARAM. */
static void check_args(cx_t *c, ast_t *call, int first, ast_t *params, const char *what) {
  int nargs = call->nkids - first, np = params ? params->nkids : 0;
  if (nargs != np) {
    diag_error(c->d, call->loc, "%s takes %d argument%s, but %d %s given", what, np,
               np == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
    for (int i = first; i < call->nkids; i++)
      expr(c, &call->kids[i], NULL);
    return;
  }
  for (int i = 0; i < np; i++)
    expect(c, &call->kids[first + i], params->kids[i]->type);
}

/* A message (or event) construction: CALL(NAME M, args) or NAME M. */
static ast_t *message_expr(cx_t *c, ast_t **slot, int events) {
  ast_t *e = *slot;
  ast_t *callee = e->kind == AST_CALL ? e->kids[0] : e;
  ast_t *d = NULL;
  if (callee->kind == AST_NAME) {
    d = events && c->actor ? actor_member(c->actor, callee->name) : NULL;
    if (d == NULL || d->kind != AST_EVENT)
      d = global(c, callee->name);
  } else if (callee->kind == AST_DOT && callee->kids[0]->kind == AST_NAME) {
    ast_t *m = symtab_get(&c->mi->aliases, callee->kids[0]->name);
    if (m)
      d = symtab_get(&((module_info_t *)m->data)->decls, callee->name);
  }
  ast_kind_t want = events ? AST_EVENT : AST_MESSAGE;
  if (d == NULL || d->kind != want) {
    diag_error(c->d, e->loc, "expected %s here", events ? "an event of this actor" : "a message");
    if (d == NULL && callee->kind == AST_NAME) hint_similar(c, callee->name);
    if (e->kind == AST_CALL)
      for (int i = 1; i < e->nkids; i++)
        expr(c, &e->kids[i], NULL);
    e->type = T(TY_ERROR);
    return NULL;
  }
  callee->sym = d;
  e->sym = d;
  e->type = type_nominal(TY_MESSAGE, d);
  e->aux = events ? SEMA_CALL_EVENT : SEMA_CALL_MESSAGE;
  if (e->kind == AST_CALL)
    check_args(c, e, 1, d->kids[0], events ? "this event" : "this message");
  else if (d->kids[0]->nkids > 0)
    diag_error(c->d, e->loc, "message `%s` has fields; write `%s(...)`", d->name, d->name);
  return d;
}

static type_t *builtin_call(cx_t *c, ast_t *e, int bi);
static type_t *method_call(cx_t *c, ast_t *e, type_t *recv);
static ast_t *enum_named(cx_t *c, ast_t *o);

/* Variant by bare name: prefer the enum we expect. */
static ast_t *find_variant(cx_t *c, const char *name, type_t *want, ast_t **enum_out) {
  if (want && want->kind == TY_OPTIONAL)
    want = want->elem;
  if (want && want->kind == TY_ENUM) {
    for (int i = 0; i < want->decl->nkids; i++)
      if (want->decl->kids[i]->name == name) {
        *enum_out = want->decl;
        return want->decl->kids[i];
      }
  }
  ast_t *found = NULL;
  int count = 0;
  module_info_t *mods[64];
  int nm = 0;
  mods[nm++] = c->mi;
  for (int i = 0; i < c->mi->aliases.cap && nm < 64; i++)
    if (c->mi->aliases.keys[i])
      mods[nm++] = c->mi->aliases.vals[i]->data;
  for (int k = 0; k < nm; k++) {
    ast_t *mod = mods[k]->mod;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *en = mod->kids[i];
      if (en == NULL || en->kind != AST_ENUM)
        continue;
      for (int j = 0; j < en->nkids; j++)
        if (en->kids[j]->name == name) {
          if (k > 0 && !symtab_get(&c->mi->bare, en->name)) continue;
          found = en->kids[j];
          *enum_out = en;
          count++;
        }
    }
  }
  if (count > 1) {
    diag_error(c->d, c->body_owner ? c->body_owner->loc : (loc_t){0}, "variant `%s` is ambiguous", name);
    diag_hint(c->d, "qualify it: `Enum.%s`", name);
  }
  return found;
}

static type_t *name_expr(cx_t *c, ast_t *e, type_t *want) {
  ast_t *d = lookup(c, e->name);
  if (d == NULL) {
    ast_t *en = NULL;
    ast_t *v = find_variant(c, e->name, want, &en);
    if (v) {
      e->sym = v;
      if (v->nkids > 0)
        diag_error(c->d, e->loc, "variant `%s` has fields; write `%s(...)`", v->name, v->name);
      return type_nominal(TY_ENUM, en);
    }
    if (symtab_get(&c->mi->aliases, e->name)) {
      diag_error(c->d, e->loc, "module `%s` is not a value", e->name);
      return T(TY_ERROR);
    }
    diag_error(c->d, e->loc, "unknown name `%s`", e->name);
    hint_similar(c, e->name);
    return T(TY_ERROR);
  }
  e->sym = d;
  switch (d->kind) {
  case AST_VAR: case AST_PARAM: case AST_CONST: case AST_IF_LET: case AST_CHILD:
  case AST_CHILDREN:
    if (d->type == NULL) {
      diag_error(c->d, e->loc, "`%s` is used before its type is known", e->name);
      return T(TY_ERROR);
    }
    return d->type;
  case AST_MESSAGE:
    e->type = type_nominal(TY_MESSAGE, d);
    e->aux = SEMA_CALL_MESSAGE;
    if (d->kids[0]->nkids > 0)
      diag_error(c->d, e->loc, "message `%s` has fields; write `%s(...)`", d->name, d->name);
    return e->type;
  case AST_VARIANT:
    return d->scope ? type_nominal(TY_ENUM, d->scope) : T(TY_ERROR);
  default:
    diag_error(c->d, e->loc, "`%s` is not a value here", e->name);
    return T(TY_ERROR);
  }
}

static type_t *binary(cx_t *c, ast_t *e, type_t *want) {
  ast_op_t op = e->op;
  if (op == OP_AND || op == OP_OR) {
    expect(c, &e->kids[0], T(TY_BOOL));
    expect(c, &e->kids[1], T(TY_BOOL));
    return T(TY_BOOL);
  }
  int cmp = op >= OP_EQ && op <= OP_GE;
  type_t *hint = cmp ? NULL : want;
  if (hint && hint->kind == TY_OPTIONAL) hint = NULL;
  type_t *l, *r;
  if (is_literal(e->kids[0]) && !is_literal(e->kids[1])) {
    r = expr(c, &e->kids[1], hint);
    l = expr(c, &e->kids[0], type_is_numeric(r) ? r : hint);
  } else {
    l = expr(c, &e->kids[0], hint);
    if (op == OP_SHL || op == OP_SHR)
      r = expr(c, &e->kids[1], is_literal(e->kids[1]) ? l : NULL);
    else
      r = expr(c, &e->kids[1], l->kind == TY_NONE ? NULL : l);
  }
  if (is_err(l) || is_err(r))
    return cmp ? T(TY_BOOL) : T(TY_ERROR);
  if (op == OP_SHL || op == OP_SHR) {
    if (!type_is_integer(l) || !type_is_integer(r)) {
      diag_error(c->d, e->loc, "shifts need integer operands, not `%s` and `%s`", type_name(l), type_name(r));
      return T(TY_ERROR);
    }
    return l;
  }
  if (cmp) {
    if (l != r && !(r->kind == TY_NONE && l->kind == TY_OPTIONAL) &&
        !(l->kind == TY_NONE && r->kind == TY_OPTIONAL) && !convert(c, &e->kids[1], r, l, 0) &&
        !convert(c, &e->kids[0], l, r, 0)) {
      diag_error(c->d, e->loc, "cannot compare `%s` with `%s`", type_name(l), type_name(r));
      return T(TY_BOOL);
    }
    if (r->kind == TY_NONE) e->kids[1] = wrap(e->kids[1], l, SEMA_CONV_NONE);
    if (l->kind == TY_NONE) e->kids[0] = wrap(e->kids[0], r, SEMA_CONV_NONE);
    if (op != OP_EQ && op != OP_NE && !type_is_numeric(l) && l->kind != TY_STRING &&
        l->kind != TY_DURATION) {
      diag_error(c->d, e->loc, "`%s` values cannot be ordered", type_name(l));
    }
    return T(TY_BOOL);
  }
  if (l != r) {
    diag_error(c->d, e->loc, "mismatched operand types `%s` and `%s`", type_name(l), type_name(r));
    if (type_is_numeric(l) && type_is_numeric(r))
      diag_hint(c->d, "convert one side with `as`");
    return T(TY_ERROR);
  }
  switch (op) {
  case OP_ADD:
    if (type_is_numeric(l) || l->kind == TY_STRING || l->kind == TY_DURATION) return l;
    break;
  case OP_SUB:
    if (type_is_numeric(l) || l->kind == TY_DURATION) return l;
    break;
  case OP_MUL: case OP_DIV:
    if (type_is_numeric(l)) return l;
    break;
  case OP_MOD: case OP_BAND: case OP_BOR: case OP_BXOR:
    if (type_is_integer(l)) return l;
    if (op != OP_MOD && l->kind == TY_BOOL) return l;
    break;
  default:
    break;
  }
  diag_error(c->d, e->loc, "operator not defined for `%s`", type_name(l));
  return T(TY_ERROR);
}

static type_t *call(cx_t *c, ast_t *e, type_t *want) {
  ast_t *f = e->kids[0];
  if (f->kind == AST_NAME) {
    ast_t *d = lookup(c, f->name);
    if (d == NULL) {
      ast_t *bi = symtab_get(&builtins, f->name);
      if (bi) {
        e->aux = SEMA_CALL_BUILTIN;
        e->aux2 = (int)(intptr_t)bi;
        return builtin_call(c, e, (int)(intptr_t)bi);
      }
      ast_t *en = NULL;
      ast_t *v = find_variant(c, f->name, want, &en);
      if (v) d = v;
    }
    if (d == NULL) {
      diag_error(c->d, f->loc, "unknown function `%s`", f->name);
      hint_similar(c, f->name);
      for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i], NULL);
      return T(TY_ERROR);
    }
    f->sym = d;
    e->sym = d;
    switch (d->kind) {
    case AST_FN:
      if (d->flags & FN_KERNEL) {
        diag_error(c->d, e->loc, "a kernel is launched with `%s[n](...)`", d->name);
        return T(TY_ERROR);
      }
      if (c->in_kernel && !(d->flags & FN_KERNEL)) {
        diag_error(c->d, e->loc, "kernels may call only math built-ins");
      }
      e->aux = SEMA_CALL_FN;
      check_args(c, e, 1, d->kids[0], "this function");
      return d->kids[1] ? d->kids[1]->type : T(TY_VOID);
    case AST_MESSAGE: {
      ast_t *slot = e;
      message_expr(c, &slot, 0);
      return e->type;
    }
    case AST_EVENT: {
      ast_t *slot = e;
      message_expr(c, &slot, 1);
      return e->type;
    }
    case AST_VARIANT:
      e->aux = SEMA_CALL_VARIANT;
      check_args(c, e, 1, d, "this variant");
      return type_nominal(TY_ENUM, d->scope);
    case AST_ACTOR:
      e->aux = SEMA_CALL_ACTOR;
      check_args(c, e, 1, d->kids[0], "this actor");
      return type_nominal(TY_ACTOR, d);
    default:
      diag_error(c->d, f->loc, "`%s` is not a function", f->name);
      for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i], NULL);
      return T(TY_ERROR);
    }
  }
  if (f->kind == AST_DOT) {
    ast_t *o = f->kids[0];
    ast_t *od = o->kind == AST_NAME ? lookup(c, o->name) : NULL;
    if (o->kind == AST_NAME && (od == NULL || od->kind == AST_ENUM)) {
      ast_t *m = symtab_get(&c->mi->aliases, o->name);
      if (m) {
        module_info_t *mi = m->data;
        ast_t *d = symtab_get(&mi->decls, f->name);
        if (d == NULL) {
          diag_error(c->d, f->loc, "module `%s` has no `%s`", o->name, f->name);
          return T(TY_ERROR);
        }
        f->sym = d;
        f->aux = SEMA_DOT_MODULE;
        e->sym = d;
        switch (d->kind) {
        case AST_FN:
          e->aux = SEMA_CALL_FN;
          check_args(c, e, 1, d->kids[0], "this function");
          return d->kids[1] ? d->kids[1]->type : T(TY_VOID);
        case AST_MESSAGE: {
          ast_t *slot = e;
          message_expr(c, &slot, 0);
          return e->type;
        }
        case AST_ACTOR:
          e->aux = SEMA_CALL_ACTOR;
          check_args(c, e, 1, d->kids[0], "this actor");
          return type_nominal(TY_ACTOR, d);
        default:
          diag_error(c->d, f->loc, "`%s.%s` cannot be called", o->name, f->name);
          return T(TY_ERROR);
        }
      }
    }
    /* Shape.Circle(...) or module.Shape.Circle(...) */
    ast_t *qen = enum_named(c, o);
    if (qen) {
      for (int j = 0; j < qen->nkids; j++)
        if (qen->kids[j]->name == f->name) {
          f->sym = qen->kids[j];
          f->aux = SEMA_DOT_VARIANT;
          e->sym = qen->kids[j];
          e->aux = SEMA_CALL_VARIANT;
          check_args(c, e, 1, qen->kids[j], "this variant");
          return type_nominal(TY_ENUM, qen);
        }
      diag_error(c->d, f->loc, "enum `%s` has no variant `%s`", qen->name, f->name);
      return T(TY_ERROR);
    }
    type_t *recv = expr(c, &f->kids[0], NULL);
    if (is_err(recv)) {
      for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i], NULL);
      return recv;
    }
    e->aux = SEMA_CALL_METHOD;
    return method_call(c, e, recv);
  }
  if (f->kind == AST_INDEX && f->kids[0]->kind == AST_NAME) {
    ast_t *k = lookup(c, f->kids[0]->name);
    if (k && k->kind == AST_FN && (k->flags & FN_KERNEL)) {
      f->kids[0]->sym = k;
      e->sym = k;
      e->aux = SEMA_CALL_KERNEL;
      expect(c, &f->kids[1], T(TY_I64));
      ast_t *ps = k->kids[0];
      int np = ps->nkids - 1, na = e->nkids - 1;
      if (np != na)
        diag_error(c->d, e->loc, "kernel `%s` takes %d arguments after the index, but %d were given", k->name, np, na);
      else
        for (int i = 0; i < np; i++)
          expect(c, &e->kids[1 + i], ps->kids[1 + i]->type);
      return k->kids[1] ? type_array(k->kids[1]->type) : T(TY_ERROR);
    }
  }
  diag_error(c->d, e->loc, "this cannot be called");
  return T(TY_ERROR);
}

/* `Shape` or `module.Shape` naming an enum (for `Shape.Circle(...)`). */
static ast_t *enum_named(cx_t *c, ast_t *o) {
  if (o->kind == AST_NAME) {
    ast_t *d = lookup(c, o->name);
    return d && d->kind == AST_ENUM ? d : NULL;
  }
  if (o->kind == AST_DOT && o->kids[0]->kind == AST_NAME && !lookup(c, o->kids[0]->name)) {
    ast_t *m = symtab_get(&c->mi->aliases, o->kids[0]->name);
    ast_t *d = m ? symtab_get(&((module_info_t *)m->data)->decls, o->name) : NULL;
    if (d && d->kind == AST_ENUM) {
      o->sym = d;
      o->aux = SEMA_DOT_MODULE;
      return d;
    }
  }
  return NULL;
}

static type_t *expr_inner(cx_t *c, ast_t **slot, type_t *want) {
  ast_t *e = *slot;
  switch (e->kind) {
  case AST_INT:
    if (want && want->kind == TY_OPTIONAL) want = want->elem;
    if (want && type_is_numeric(want)) {
      if (type_is_integer(want) && want->kind != TY_U64 && want->kind != TY_I64) {
        int bits = want->kind == TY_I8 || want->kind == TY_U8 ? 8 : want->kind == TY_I16 || want->kind == TY_U16 ? 16 : 32;
        uint64_t max = type_is_signed(want) ? (1ull << (bits - 1)) : (1ull << bits) - 1;
        if (e->lit.i > max)
          diag_error(c->d, e->loc, "%llu does not fit in `%s`", (unsigned long long)e->lit.i, type_name(want));
      }
      if (type_is_float(want)) {
        double v = (double)e->lit.i;
        e->kind = AST_FLOAT;
        e->lit.f = v;
      }
      return want;
    }
    if (e->lit.i > (uint64_t)INT64_MAX + 1)
      diag_error(c->d, e->loc, "%llu does not fit in `int`", (unsigned long long)e->lit.i);
    return T(TY_I64);
  case AST_FLOAT:
    if (want && want->kind == TY_OPTIONAL) want = want->elem;
    return want && want->kind == TY_F32 ? want : T(TY_F64);
  case AST_DURATION: return T(TY_DURATION);
  case AST_STRING: return T(TY_STRING);
  case AST_BOOL: return T(TY_BOOL);
  case AST_NONE: return T(TY_NONE);
  case AST_INTERP:
    for (int i = 0; i < e->nkids; i++) {
      type_t *t = expr(c, &e->kids[i], NULL);
      if (t->kind == TY_VOID || t->kind == TY_MESSAGE)
        diag_error(c->d, e->kids[i]->loc, "this has no text form");
    }
    return T(TY_STRING);
  case AST_SELF:
    if (c->actor == NULL) {
      diag_error(c->d, e->loc, "`self` is only available inside an actor");
      return T(TY_ERROR);
    }
    return c->actor->type;
  case AST_SENDER:
    if (c->actor == NULL) {
      diag_error(c->d, e->loc, "`sender` is only available inside an actor");
      return T(TY_ERROR);
    }
    return T(TY_ANYREF);
  case AST_NAME: return name_expr(c, e, want);
  case AST_DOT: {
    ast_t *o = e->kids[0];
    ast_t *od = o->kind == AST_NAME ? lookup(c, o->name) : NULL;
    if (o->kind == AST_NAME && (od == NULL || od->kind == AST_ENUM)) {
      ast_t *m = symtab_get(&c->mi->aliases, o->name);
      if (m) {
        ast_t *d = symtab_get(&((module_info_t *)m->data)->decls, e->name);
        if (d == NULL) {
          diag_error(c->d, e->loc, "module `%s` has no `%s`", o->name, e->name);
          return T(TY_ERROR);
        }
        e->sym = d;
        e->aux = SEMA_DOT_MODULE;
        if (d->kind == AST_CONST) return d->type ? d->type : T(TY_ERROR);
        if (d->kind == AST_MESSAGE) { e->type = type_nominal(TY_MESSAGE, d); return e->type; }
        diag_error(c->d, e->loc, "`%s.%s` is not a value", o->name, e->name);
        return T(TY_ERROR);
      }
    }
    /* Shape.Empty or module.Shape.Empty */
    ast_t *qen = enum_named(c, o);
    if (qen) {
      for (int j = 0; j < qen->nkids; j++)
        if (qen->kids[j]->name == e->name) {
          e->sym = qen->kids[j];
          e->aux = SEMA_DOT_VARIANT;
          if (qen->kids[j]->nkids > 0)
            diag_error(c->d, e->loc, "variant `%s` has fields; write `%s.%s(...)`", e->name, qen->name, e->name);
          return type_nominal(TY_ENUM, qen);
        }
      diag_error(c->d, e->loc, "enum `%s` has no variant `%s`", qen->name, e->name);
      return T(TY_ERROR);
    }
    type_t *ot = expr(c, &e->kids[0], NULL);
    if (is_err(ot)) return ot;
    if (ot->kind == TY_STRUCT) {
      for (int i = 0; i < ot->decl->nkids; i++)
        if (ot->decl->kids[i]->name == e->name) {
          e->sym = ot->decl->kids[i];
          e->aux = SEMA_DOT_FIELD;
          return e->sym->type;
        }
      diag_error(c->d, e->loc, "struct `%s` has no field `%s`", ot->decl->name, e->name);
      return T(TY_ERROR);
    }
    diag_error(c->d, e->loc, "`%s` has no field `%s`", type_name(ot), e->name);
    if (ot->kind == TY_ARRAY || ot->kind == TY_STRING || ot->kind == TY_MAP)
      diag_hint(c->d, "methods are called with parentheses: `.%s()`", e->name);
    return T(TY_ERROR);
  }
  case AST_INDEX: {
    ast_t *o = e->kids[0];
    if (o->kind == AST_NAME) {
      ast_t *d = lookup(c, o->name);
      if (d && d->kind == AST_ACTOR) {
        o->sym = d;
        e->aux = SEMA_INDEX_VIRTUAL;
        if (!(d->flags & ACTOR_VIRTUAL))
          diag_error(c->d, e->loc, "`%s` is not a virtual actor", d->name);
        else
          expect(c, &e->kids[1], d->kids[0]->nkids ? d->kids[0]->kids[0]->type : T(TY_STRING));
        return type_nominal(TY_ACTOR, d);
      }
    }
    type_t *ot = expr(c, &e->kids[0], NULL);
    if (is_err(ot)) { expr(c, &e->kids[1], NULL); return ot; }
    if (ot->kind == TY_ARRAY) {
      type_t *it = expr(c, &e->kids[1], T(TY_I64));
      if (!is_err(it) && !type_is_integer(it))
        diag_error(c->d, e->kids[1]->loc, "array index must be an integer, not `%s`", type_name(it));
      e->aux = SEMA_INDEX_ARRAY;
      return ot->elem;
    }
    if (ot->kind == TY_MAP) {
      expect(c, &e->kids[1], ot->key);
      e->aux = SEMA_INDEX_MAP;
      return ot->elem;
    }
    diag_error(c->d, e->loc, "`%s` cannot be indexed", type_name(ot));
    return T(TY_ERROR);
  }
  case AST_CALL: return call(c, e, want);
  case AST_STRUCT_LIT: {
    ast_t *tn = e->kids[0];
    ast_t *d = NULL;
    if (tn->kind == AST_NAME) d = global(c, tn->name);
    else if (tn->kind == AST_DOT) {
      ast_t *m = symtab_get(&c->mi->aliases, tn->kids[0]->name);
      if (m) d = symtab_get(&((module_info_t *)m->data)->decls, tn->name);
    }
    if (d == NULL || d->kind != AST_STRUCT) {
      diag_error(c->d, tn->loc, "`%s` is not a struct", tn->name);
      for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i]->kids[0], NULL);
      return T(TY_ERROR);
    }
    tn->sym = d;
    e->sym = d;
    for (int i = 1; i < e->nkids; i++) {
      ast_t *fi = e->kids[i];
      ast_t *fd = NULL;
      for (int j = 0; j < d->nkids; j++)
        if (d->kids[j]->name == fi->name) fd = d->kids[j];
      for (int k = 1; k < i; k++)
        if (e->kids[k]->name == fi->name)
          diag_error(c->d, fi->loc, "field `%s` is given twice", fi->name);
      if (fd == NULL) {
        diag_error(c->d, fi->loc, "struct `%s` has no field `%s`", d->name, fi->name);
        expr(c, &fi->kids[0], NULL);
        continue;
      }
      fi->sym = fd;
      expect(c, &fi->kids[0], fd->type);
    }
    for (int j = 0; j < d->nkids; j++) {
      int found = 0;
      for (int i = 1; i < e->nkids; i++)
        if (e->kids[i]->name == d->kids[j]->name) found = 1;
      if (!found)
        diag_error(c->d, e->loc, "missing field `%s` in `%s` literal", d->kids[j]->name, d->name);
    }
    return type_nominal(TY_STRUCT, d);
  }
  case AST_ARRAY_LIT: {
    type_t *et = want && want->kind == TY_ARRAY ? want->elem : NULL;
    if (e->nkids == 0) {
      if (et == NULL) {
        diag_error(c->d, e->loc, "cannot tell the element type of `[]`");
        diag_hint(c->d, "give the variable a type: `var xs: [int] = []`");
        return T(TY_ERROR);
      }
      return want;
    }
    if (et == NULL) et = expr(c, &e->kids[0], NULL);
    else expect(c, &e->kids[0], et);
    if (is_err(et)) return et;
    if (et->kind == TY_NONE || et->kind == TY_VOID || et->kind == TY_MESSAGE) {
      diag_error(c->d, e->loc, "cannot make an array of `%s`", type_name(et));
      return T(TY_ERROR);
    }
    for (int i = 1; i < e->nkids; i++) expect(c, &e->kids[i], et);
    return type_array(et);
  }
  case AST_MAP_LIT: {
    type_t *kt = want && want->kind == TY_MAP ? want->key : NULL;
    type_t *vt = want && want->kind == TY_MAP ? want->elem : NULL;
    if (e->nkids == 0) {
      if (kt == NULL) {
        diag_error(c->d, e->loc, "cannot tell the key and value types of `[:]`");
        diag_hint(c->d, "give the variable a type: `var m: [string: int] = [:]`");
        return T(TY_ERROR);
      }
      return want;
    }
    ast_t *p0 = e->kids[0];
    if (kt == NULL) { kt = expr(c, &p0->kids[0], NULL); vt = expr(c, &p0->kids[1], NULL); }
    else { expect(c, &p0->kids[0], kt); expect(c, &p0->kids[1], vt); }
    if (is_err(kt) || is_err(vt)) return T(TY_ERROR);
    if (!type_is_integer(kt) && kt->kind != TY_BOOL && kt->kind != TY_STRING) {
      diag_error(c->d, p0->loc, "map keys must be an integer type, bool or string, not `%s`", type_name(kt));
      return T(TY_ERROR);
    }
    for (int i = 1; i < e->nkids; i++) {
      expect(c, &e->kids[i]->kids[0], kt);
      expect(c, &e->kids[i]->kids[1], vt);
    }
    return type_map(kt, vt);
  }
  case AST_BINARY: return binary(c, e, want);
  case AST_UNARY: {
    if (e->op == OP_NOT) { expect(c, &e->kids[0], T(TY_BOOL)); return T(TY_BOOL); }
    type_t *t = expr(c, &e->kids[0], want && type_is_numeric(want) ? want : NULL);
    if (is_err(t)) return t;
    if (e->op == OP_NEG && (type_is_signed(t) || type_is_float(t) || t->kind == TY_DURATION)) return t;
    if (e->op == OP_NEG && type_is_integer(t)) return t;
    if (e->op == OP_BNOT && type_is_integer(t)) return t;
    diag_error(c->d, e->loc, "operator not defined for `%s`", type_name(t));
    return T(TY_ERROR);
  }
  case AST_AWAIT: {
    if (!c->await_ok) {
      diag_error(c->d, e->loc, "`await` is only allowed in `on` handlers and `init`");
      if (c->body_owner && c->body_owner->kind == AST_FN)
        diag_hint(c->d, "move the ask into the handler that calls this function");
    }
    c->has_await = 1;
    type_t *t = expr(c, &e->kids[0], NULL);
    if (e->kids[1]) expect(c, &e->kids[1], T(TY_DURATION));
    if (is_err(t)) return t;
    if (t->kind != TY_FUTURE) {
      diag_error(c->d, e->loc, "`await` needs a future (an ask), not `%s`", type_name(t));
      return T(TY_ERROR);
    }
    return t->elem;
  }
  case AST_ASK: {
    type_t *tt = expr(c, &e->kids[0], NULL);
    ast_t *m = message_expr(c, &e->kids[1], 0);
    if (is_err(tt) || m == NULL) return T(TY_ERROR);
    if (!type_is_ref(tt)) {
      diag_error(c->d, e->kids[0]->loc, "`?` needs an actor reference, not `%s`", type_name(tt));
      return T(TY_ERROR);
    }
    if (m->kids[1] == NULL) {
      diag_error(c->d, e->kids[1]->loc, "message `%s` has no reply type, so it cannot be asked", m->name);
      diag_hint(c->d, "declare it `message %s(...) -> T`, or send it with `!`", m->name);
      return T(TY_ERROR);
    }
    if (!handles(tt, m)) {
      diag_error(c->d, e->kids[1]->loc, "`%s` does not handle message `%s`", type_name(tt), m->name);
      return T(TY_ERROR);
    }
    return type_future(m->kids[1]->type);
  }
  case AST_CAST: {
    if (e->kids[1] == NULL) return e->type;
    type_t *from = expr(c, &e->kids[0], NULL);
    type_t *to = resolve_type(c, e->kids[1]);
    if (is_err(from) || is_err(to)) return T(TY_ERROR);
    if (type_is_numeric(from) && type_is_numeric(to)) return to;
    if (from == to) return to;
    if (convert(c, &e->kids[0], from, to, 0)) return to;
    diag_error(c->d, e->loc, "cannot convert `%s` to `%s` with `as`", type_name(from), type_name(to));
    if (to->kind == TY_STRING) diag_hint(c->d, "use `str(x)` or interpolation for text");
    return T(TY_ERROR);
  }
  case AST_SPAWN: {
    ast_t *k = e->kids[0];
    if (c->actor == NULL && c->body_owner && c->body_owner->kind != AST_FN) {
      /* fine: spawning from functions is allowed too */
    }
    ast_t *callee = k->kind == AST_CALL ? k->kids[0] : k;
    ast_t *d = NULL;
    if (callee->kind == AST_NAME) d = lookup(c, callee->name);
    else if (callee->kind == AST_DOT && callee->kids[0]->kind == AST_NAME) {
      ast_t *m = symtab_get(&c->mi->aliases, callee->kids[0]->name);
      if (m) d = symtab_get(&((module_info_t *)m->data)->decls, callee->name);
    }
    if (d == NULL || d->kind != AST_ACTOR) {
      diag_error(c->d, k->loc, "`spawn` needs an actor type");
      return T(TY_ERROR);
    }
    callee->sym = d;
    k->sym = d;
    k->aux = SEMA_CALL_ACTOR;
    k->type = type_nominal(TY_ACTOR, d);
    if (k->kind == AST_CALL) check_args(c, k, 1, d->kids[0], "this actor");
    else if (d->kids[0]->nkids) diag_error(c->d, k->loc, "actor `%s` takes parameters", d->name);
    if (e->kids[1]) expect(c, &e->kids[1], T(TY_NODE));
    if (e->kids[2] && strcmp(e->kids[2]->name, "temporary") && strcmp(e->kids[2]->name, "permanent"))
      diag_error(c->d, e->kids[2]->loc, "restart is `permanent` or `temporary`");
    if (d->flags & ACTOR_VIRTUAL)
      diag_error(c->d, e->loc, "virtual actors are not spawned; address them with `%s[key]`", d->name);
    return type_nominal(TY_ACTOR, d);
  }
  case AST_AT: {
    ast_t *tn = e->kids[0];
    type_t *t = resolve_type(c, tn);
    expect(c, &e->kids[1], T(TY_STRING));
    if (!is_err(t) && !type_is_ref(t)) {
      diag_error(c->d, tn->loc, "`@` needs an actor or protocol type");
      return T(TY_ERROR);
    }
    return t;
  }
  default:
    diag_error(c->d, e->loc, "expected an expression");
    return T(TY_ERROR);
  }
}

static type_t *expr(cx_t *c, ast_t **slot, type_t *want) {
  ast_t *e = *slot;
  type_t *t = expr_inner(c, slot, want);
  if (t == NULL) t = T(TY_ERROR);
  e->type = t;
  if (c->in_kernel && !is_err(t) && !type_is_numeric(t) && t->kind != TY_BOOL &&
      !(t->kind == TY_ARRAY && type_is_numeric(t->elem)) && t->kind != TY_VOID) {
    diag_error(c->d, e->loc, "kernels and gpu actors use only numbers and bools, not `%s`", type_name(t));
  }
  return t;
}

/* ---- builtins ---------------------------------------------------------- */

static int nargs_ok(cx_t *c, ast_t *e, int n, const char *name) {
  if (e->nkids - 1 != n) {
    diag_error(c->d, e->loc, "`%s` takes %d argument%s, but %d %s given", name, n,
               n == 1 ? "" : "s", e->nkids - 1, e->nkids == 2 ? "was" : "were");
    for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i], NULL);
    return 0;
  }
  return 1;
}

static type_t *float_arg(cx_t *c, ast_t *e, int i) {
  type_t *t = expr(c, &e->kids[i], NULL);
  if (is_err(t)) return t;
  if (type_is_integer(t) && is_literal(e->kids[i])) {
    expr(c, &e->kids[i], T(TY_F64));
    e->kids[i]->type = T(TY_F64);
    return T(TY_F64);
  }
  if (!type_is_float(t)) {
    diag_error(c->d, e->kids[i]->loc, "expected a float, found `%s`", type_name(t));
    diag_hint(c->d, "convert with `as float`");
    return T(TY_ERROR);
  }
  return t;
}

static void send_target(cx_t *c, ast_t *e, ast_t **tslot, ast_t **mslot) {
  type_t *tt = expr(c, tslot, NULL);
  ast_t *m = message_expr(c, mslot, 0);
  if (is_err(tt) || m == NULL) return;
  if (!type_is_ref(tt)) {
    diag_error(c->d, (*tslot)->loc, "messages go to actor references, not `%s`", type_name(tt));
    return;
  }
  if (!handles(tt, m)) {
    diag_error(c->d, (*mslot)->loc, "%s `%s` does not handle message `%s`",
               tt->kind == TY_PROTOCOL ? "protocol" : "actor", tt->decl->name, m->name);
    if (tt->kind == TY_ACTOR)
      diag_hint(c->d, "add `on %s(...) { ... }` to `%s`, or send it a message it handles", m->name, tt->decl->name);
  }
  (void)e;
}

static type_t *builtin_call(cx_t *c, ast_t *e, int bi) {
  const char *name = e->kids[0]->name;
  if (c->in_kernel && !(bi >= BI_MIN && bi <= BI_CEIL))
    diag_error(c->d, e->loc, "kernels may call only math built-ins, not `%s`", name);
  switch (bi) {
  case BI_PRINT: case BI_EPRINT:
    if (!nargs_ok(c, e, 1, name)) return T(TY_VOID);
    { type_t *t = expr(c, &e->kids[1], NULL);
      if (t->kind == TY_VOID || t->kind == TY_MESSAGE || t->kind == TY_NONE)
        if (t->kind != TY_NONE) diag_error(c->d, e->kids[1]->loc, "this has no text form"); }
    return T(TY_VOID);
  case BI_EXIT:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_I64));
    return T(TY_NEVER);
  case BI_FAIL:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_STRING));
    return T(TY_NEVER);
  case BI_ASSERT:
    if (nargs_ok(c, e, 2, name)) { expect(c, &e->kids[1], T(TY_BOOL)); expect(c, &e->kids[2], T(TY_STRING)); }
    return T(TY_VOID);
  case BI_NOW: nargs_ok(c, e, 0, name); return T(TY_DURATION);
  case BI_RAND:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_I64));
    return T(TY_I64);
  case BI_LEN: {
    if (!nargs_ok(c, e, 1, name)) return T(TY_I64);
    type_t *t = expr(c, &e->kids[1], NULL);
    if (!is_err(t) && t->kind != TY_STRING && t->kind != TY_ARRAY && t->kind != TY_MAP)
      diag_error(c->d, e->kids[1]->loc, "`len` needs a string, array or map, not `%s`", type_name(t));
    return T(TY_I64);
  }
  case BI_MIN: case BI_MAX: {
    if (!nargs_ok(c, e, 2, name)) return T(TY_ERROR);
    ast_t *fake = ast_new(AST_BINARY, e->loc);
    fake->op = OP_ADD;
    ast_add(fake, e->kids[1]);
    ast_add(fake, e->kids[2]);
    type_t *t = binary(c, fake, NULL);
    e->kids[1] = fake->kids[0];
    e->kids[2] = fake->kids[1];
    if (!is_err(t) && !type_is_numeric(t) && t->kind != TY_DURATION) {
      diag_error(c->d, e->loc, "`%s` needs numbers", name);
      return T(TY_ERROR);
    }
    return t;
  }
  case BI_ABS: {
    if (!nargs_ok(c, e, 1, name)) return T(TY_ERROR);
    type_t *t = expr(c, &e->kids[1], NULL);
    if (!is_err(t) && !type_is_numeric(t) && t->kind != TY_DURATION)
      diag_error(c->d, e->loc, "`abs` needs a number");
    return t;
  }
  case BI_SQRT: case BI_SIN: case BI_COS: case BI_EXP: case BI_LOG: case BI_FLOOR: case BI_CEIL:
    if (!nargs_ok(c, e, 1, name)) return T(TY_F64);
    return float_arg(c, e, 1);
  case BI_POW: {
    if (!nargs_ok(c, e, 2, name)) return T(TY_F64);
    type_t *a = float_arg(c, e, 1);
    if (!is_err(a)) expect(c, &e->kids[2], a);
    return a;
  }
  case BI_STR:
    if (nargs_ok(c, e, 1, name)) expr(c, &e->kids[1], NULL);
    return T(TY_STRING);
  case BI_PARSE_INT:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_STRING));
    return type_optional(T(TY_I64));
  case BI_PARSE_FLOAT:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_STRING));
    return type_optional(T(TY_F64));
  case BI_AFTER: case BI_EVERY:
    if (nargs_ok(c, e, 3, name)) {
      expect(c, &e->kids[1], T(TY_DURATION));
      send_target(c, e, &e->kids[2], &e->kids[3]);
    }
    return T(TY_TIMER);
  case BI_CANCEL:
    if (nargs_ok(c, e, 1, name)) expect(c, &e->kids[1], T(TY_TIMER));
    return T(TY_VOID);
  case BI_MONITOR:
    if (nargs_ok(c, e, 1, name)) {
      type_t *t = expr(c, &e->kids[1], NULL);
      if (!is_err(t) && !type_is_ref(t)) diag_error(c->d, e->kids[1]->loc, "`monitor` needs an actor reference");
      else if (!is_err(t)) convert(c, &e->kids[1], t, T(TY_ANYREF), 1);
      if (c->actor && !msg_handler(c->actor, down_msg))
        diag_warning(c->d, e->loc, "`%s` has no `on Down(who, reason)` handler", c->actor->name);
    }
    return T(TY_VOID);
  case BI_REGISTER:
    if (nargs_ok(c, e, 2, name)) {
      type_t *t = expr(c, &e->kids[1], NULL);
      if (!is_err(t) && !type_is_ref(t)) diag_error(c->d, e->kids[1]->loc, "`register` needs an actor reference");
      else if (!is_err(t)) convert(c, &e->kids[1], t, T(TY_ANYREF), 1);
      expect(c, &e->kids[2], T(TY_STRING));
    }
    return T(TY_VOID);
  case BI_NODES: nargs_ok(c, e, 0, name); return type_array(T(TY_NODE));
  case BI_NODE: nargs_ok(c, e, 0, name); return T(TY_NODE);
  default:
    return T(TY_ERROR);
  }
}

static int is_mutable_place(cx_t *c, ast_t *e, int report);

static type_t *method_call(cx_t *c, ast_t *e, type_t *recv) {
  ast_t *f = e->kids[0];
  const char *m = f->name;
  int n = e->nkids - 1;
#define M(nm, id, argc) if (strcmp(m, nm) == 0) { bi = id; want_args = argc; }
  int bi = 0, want_args = -1, mutates = 0;
  if (recv->kind == TY_ARRAY) {
    M("push", BI_A_PUSH, 1) M("pop", BI_A_POP, 0) M("len", BI_A_LEN, 0)
    M("insert", BI_A_INSERT, 2) M("remove", BI_A_REMOVE, 1) M("slice", BI_A_SLICE, 2)
    M("sort", BI_A_SORT, 0) M("contains", BI_A_CONTAINS, 1)
    mutates = bi == BI_A_PUSH || bi == BI_A_POP || bi == BI_A_INSERT || bi == BI_A_REMOVE || bi == BI_A_SORT;
  } else if (recv->kind == TY_STRING) {
    M("len", BI_S_LEN, 0) M("split", BI_S_SPLIT, 1) M("contains", BI_S_CONTAINS, 1)
    M("starts_with", BI_S_STARTS_WITH, 1) M("ends_with", BI_S_ENDS_WITH, 1)
    M("find", BI_S_FIND, 1) M("trim", BI_S_TRIM, 0) M("lower", BI_S_LOWER, 0)
    M("upper", BI_S_UPPER, 0) M("bytes", BI_S_BYTES, 0)
  } else if (recv->kind == TY_MAP) {
    M("get", BI_M_GET, 1) M("has", BI_M_HAS, 1) M("remove", BI_M_REMOVE, 1)
    M("len", BI_M_LEN, 0) M("keys", BI_M_KEYS, 0) M("values", BI_M_VALUES, 0)
    mutates = bi == BI_M_REMOVE;
  } else if (recv->kind == TY_DURATION) {
    M("ms", BI_D_MS, 0) M("ns", BI_D_NS, 0)
  }
#undef M
  if (bi == 0) {
    diag_error(c->d, f->loc, "`%s` has no method `%s`", type_name(recv), m);
    for (int i = 1; i < e->nkids; i++) expr(c, &e->kids[i], NULL);
    return T(TY_ERROR);
  }
  e->aux2 = bi;
  if (n != want_args) {
    diag_error(c->d, e->loc, "`%s` takes %d argument%s, but %d %s given", m, want_args,
               want_args == 1 ? "" : "s", n, n == 1 ? "was" : "were");
    return T(TY_ERROR);
  }
  if (mutates) is_mutable_place(c, f->kids[0], 1);
  switch (bi) {
  case BI_A_PUSH: expect(c, &e->kids[1], recv->elem); return T(TY_VOID);
  case BI_A_POP: return recv->elem;
  case BI_A_LEN: case BI_S_LEN: case BI_M_LEN: case BI_D_MS: case BI_D_NS: return T(TY_I64);
  case BI_A_INSERT: expect(c, &e->kids[1], T(TY_I64)); expect(c, &e->kids[2], recv->elem); return T(TY_VOID);
  case BI_A_REMOVE: expect(c, &e->kids[1], T(TY_I64)); return recv->elem;
  case BI_A_SLICE: expect(c, &e->kids[1], T(TY_I64)); expect(c, &e->kids[2], T(TY_I64)); return recv;
  case BI_A_SORT:
    if (!type_is_numeric(recv->elem) && recv->elem->kind != TY_STRING && recv->elem->kind != TY_DURATION)
      diag_error(c->d, e->loc, "`sort` needs numbers, strings or durations, not `%s`", type_name(recv->elem));
    return T(TY_VOID);
  case BI_A_CONTAINS: expect(c, &e->kids[1], recv->elem); return T(TY_BOOL);
  case BI_S_SPLIT: expect(c, &e->kids[1], T(TY_STRING)); return type_array(T(TY_STRING));
  case BI_S_CONTAINS: case BI_S_STARTS_WITH: case BI_S_ENDS_WITH:
    expect(c, &e->kids[1], T(TY_STRING)); return T(TY_BOOL);
  case BI_S_FIND: expect(c, &e->kids[1], T(TY_STRING)); return type_optional(T(TY_I64));
  case BI_S_TRIM: case BI_S_LOWER: case BI_S_UPPER: return T(TY_STRING);
  case BI_S_BYTES: return type_array(T(TY_U8));
  case BI_M_GET: expect(c, &e->kids[1], recv->key); return type_optional(recv->elem);
  case BI_M_HAS: expect(c, &e->kids[1], recv->key); return T(TY_BOOL);
  case BI_M_REMOVE: expect(c, &e->kids[1], recv->key); return T(TY_VOID);
  case BI_M_KEYS: return type_array(recv->key);
  case BI_M_VALUES: return type_array(recv->elem);
  default: return T(TY_ERROR);
  }
}

/* ---- statements -------------------------------------------------------- */

static int is_mutable_place(cx_t *c, ast_t *e, int report) {
  switch (e->kind) {
  case AST_NAME: {
    ast_t *d = e->sym;
    if (d == NULL) return 1;
    if (d->kind == AST_VAR && (d->flags & VAR_MUTABLE)) return 1;
    if (report) {
      if (d->kind == AST_VAR) {
        diag_error(c->d, e->loc, "cannot assign to `%s`: it is declared with `let`", e->name);
        diag_hint(c->d, "declare it with `var`");
      } else {
        diag_error(c->d, e->loc, "cannot assign to `%s`", e->name);
      }
    }
    return 0;
  }
  case AST_DOT: case AST_INDEX:
    if (e->kind == AST_DOT && e->aux != SEMA_DOT_FIELD) {
      if (report) diag_error(c->d, e->loc, "cannot assign to this");
      return 0;
    }
    return is_mutable_place(c, e->kids[0], report);
  default:
    if (report) diag_error(c->d, e->loc, "cannot assign to this expression");
    return 0;
  }
}

static int always_returns(ast_t *s);

static int block_returns(ast_t *b) {
  for (int i = 0; i < b->nkids; i++)
    if (always_returns(b->kids[i])) return 1;
  return 0;
}

static int always_returns(ast_t *s) {
  if (s == NULL) return 0;
  switch (s->kind) {
  case AST_RETURN: return 1;
  case AST_BLOCK: return block_returns(s);
  case AST_IF: case AST_IF_LET:
    return s->kids[2] && always_returns(s->kids[1]) && always_returns(s->kids[2]);
  case AST_EXPR_STMT:
    return s->kids[0]->type && s->kids[0]->type->kind == TY_NEVER;
  case AST_MATCH: {
    int wild = 0;
    for (int i = 1; i < s->nkids; i++) {
      if (!always_returns(s->kids[i]->kids[1])) return 0;
      if (s->kids[i]->kids[0]->kind == AST_PWILD) wild = 1;
    }
    return wild || s->aux == 1;
  }
  case AST_WHILE:
    return s->kids[0]->kind == AST_BOOL && s->kids[0]->lit.i == 1;
  default: return 0;
  }
}

static void local_decl(cx_t *c, ast_t *s) {
  type_t *t = s->kids[0] ? resolve_type(c, s->kids[0]) : NULL;
  if (s->kids[1]) {
    type_t *it = t ? expect(c, &s->kids[1], t) : expr(c, &s->kids[1], NULL);
    if (t == NULL) {
      t = it;
      if (t->kind == TY_NONE) {
        diag_error(c->d, s->loc, "cannot tell the type of `%s` from `none`", s->name);
        diag_hint(c->d, "write its type: `var %s: T? = none`", s->name);
        t = T(TY_ERROR);
      } else if (t->kind == TY_VOID || t->kind == TY_NEVER || t->kind == TY_MESSAGE) {
        diag_error(c->d, s->kids[1]->loc, "this has no value to store");
        t = T(TY_ERROR);
      }
    }
  } else if (!(s->flags & VAR_MUTABLE)) {
    diag_error(c->d, s->loc, "`let %s` needs a value", s->name);
  }
  s->type = t ? t : T(TY_ERROR);
  if (t && t->kind == TY_FUTURE && c->actor && c->body_owner == NULL)
    diag_error(c->d, s->loc, "futures cannot be actor fields");
}

static void check_match(cx_t *c, ast_t *s) {
  type_t *st = expr(c, &s->kids[0], NULL);
  int wild = 0;
  ast_t *en = st->kind == TY_ENUM ? st->decl : NULL;
  char *seen = en ? calloc((size_t)en->nkids + 1, 1) : NULL;
  for (int i = 1; i < s->nkids; i++) {
    ast_t *arm = s->kids[i];
    ast_t *p = arm->kids[0];
    int mark = c->nlocals;
    if (p->kind == AST_PWILD) {
      wild = 1;
    } else if (p->kind == AST_PVARIANT) {
      if (en == NULL) {
        if (!is_err(st)) diag_error(c->d, p->loc, "`%s` is not a variant of `%s`", p->name, type_name(st));
      } else {
        int vi = -1;
        for (int j = 0; j < en->nkids; j++)
          if (en->kids[j]->name == p->name) vi = j;
        if (vi < 0 || (p->lit.s && strcmp(p->lit.s, en->name))) {
          diag_error(c->d, p->loc, "`%s` is not a variant of `%s`", p->name, en->name);
        } else {
          ast_t *v = en->kids[vi];
          p->sym = v;
          if (seen[vi]) diag_warning(c->d, p->loc, "variant `%s` is already matched above", p->name);
          seen[vi] = 1;
          if (p->nkids != v->nkids && !(p->nkids == 0))
            diag_error(c->d, p->loc, "variant `%s` has %d field%s, the pattern binds %d", v->name, v->nkids, v->nkids == 1 ? "" : "s", p->nkids);
          for (int k = 0; k < p->nkids && k < v->nkids; k++) {
            ast_t *b = p->kids[k];
            if (b->kind == AST_PARAM) {
              b->type = v->kids[k]->type;
              push_local(c, b->name, b);
            }
          }
        }
      }
    } else if (p->kind == AST_PLIT) {
      type_t *lt = expr(c, &p->kids[0], st);
      if (!is_err(st) && !is_err(lt) && lt != st) err_type(c, p->loc, st, lt);
      if (!is_err(st) && !type_is_integer(st) && st->kind != TY_STRING && st->kind != TY_BOOL)
        diag_error(c->d, p->loc, "match on `%s` needs variant patterns", type_name(st));
    }
    ast_t *body = arm->kids[1];
    if (body->kind == AST_BLOCK) block(c, body);
    else stmt(c, body);
    c->nlocals = mark;
  }
  if (en && !wild) {
    char missing[512] = "";
    int nm = 0;
    for (int j = 0; j < en->nkids; j++)
      if (!seen[j]) {
        if (nm++) strncat(missing, ", ", sizeof missing - strlen(missing) - 1);
        strncat(missing, en->kids[j]->name, sizeof missing - strlen(missing) - 1);
      }
    if (nm) {
      diag_error(c->d, s->loc, "`match` on `%s` does not cover %s", en->name, missing);
      diag_hint(c->d, "add arms for them, or a `_ => { }` arm");
    } else {
      s->aux = 1;
    }
  } else if (!en && !wild && !is_err(st) && st->kind != TY_BOOL) {
    /* integers and strings: non-exhaustive matches are allowed; no arm runs */
  }
  free(seen);
}

static void stmt(cx_t *c, ast_t *s) {
  switch (s->kind) {
  case AST_BLOCK: block(c, s); return;
  case AST_VAR:
    local_decl(c, s);
    push_local(c, s->name, s);
    return;
  case AST_EXPR_STMT: {
    ast_t *e = s->kids[0];
    type_t *t = expr(c, &s->kids[0], NULL);
    if (t->kind == TY_MESSAGE)
      diag_error(c->d, e->loc, "a message on its own does nothing; send it with `ref ! %s`", e->sym ? e->sym->name : "M");
    return;
  }
  case AST_ASSIGN: {
    type_t *lt = expr(c, &s->kids[0], NULL);
    if (!is_err(lt)) is_mutable_place(c, s->kids[0], 1);
    if (s->op == OP_ASSIGN) {
      expect(c, &s->kids[1], is_err(lt) ? NULL : lt);
      return;
    }
    type_t *rt = expect(c, &s->kids[1], is_err(lt) ? NULL : lt);
    if (is_err(lt) || is_err(rt)) return;
    int ok = type_is_numeric(lt) || (lt->kind == TY_DURATION && (s->op == OP_ADD || s->op == OP_SUB)) ||
             (lt->kind == TY_STRING && s->op == OP_ADD);
    if (s->op == OP_MOD && !type_is_integer(lt)) ok = 0;
    if (!ok) diag_error(c->d, s->loc, "compound assignment not defined for `%s`", type_name(lt));
    return;
  }
  case AST_IF:
    expect(c, &s->kids[0], T(TY_BOOL));
    block(c, s->kids[1]);
    if (s->kids[2]) stmt(c, s->kids[2]);
    return;
  case AST_IF_LET: {
    type_t *t = expr(c, &s->kids[0], NULL);
    if (!is_err(t) && t->kind != TY_OPTIONAL) {
      diag_error(c->d, s->kids[0]->loc, "`if let` needs an optional, not `%s`", type_name(t));
      t = T(TY_ERROR);
    }
    s->type = is_err(t) ? t : t->elem;
    int mark = c->nlocals;
    push_local(c, s->name, s);
    block(c, s->kids[1]);
    c->nlocals = mark;
    if (s->kids[2]) stmt(c, s->kids[2]);
    return;
  }
  case AST_WHILE:
    expect(c, &s->kids[0], T(TY_BOOL));
    c->loops++;
    block(c, s->kids[1]);
    c->loops--;
    return;
  case AST_FOR: {
    ast_t *binds = s->kids[0], *it = s->kids[1];
    int mark = c->nlocals;
    if (it->kind == AST_RANGE) {
      type_t *lo = expr(c, &it->kids[0], NULL);
      type_t *hi = expect(c, &it->kids[1], type_is_integer(lo) ? lo : NULL);
      if (!is_err(lo) && !type_is_integer(lo)) diag_error(c->d, it->loc, "ranges need integers, not `%s`", type_name(lo));
      s->aux = SEMA_FOR_RANGE;
      it->type = lo;
      if (binds->nkids != 1) diag_error(c->d, s->loc, "a range gives one value per step");
      binds->kids[0]->type = lo;
      (void)hi;
    } else {
      type_t *t = expr(c, &s->kids[1], NULL);
      if (t->kind == TY_ARRAY) {
        s->aux = SEMA_FOR_ARRAY;
        if (binds->nkids != 1) diag_error(c->d, s->loc, "an array gives one value per step");
        binds->kids[0]->type = t->elem;
        if (binds->nkids > 1) binds->kids[1]->type = T(TY_ERROR);
      } else if (t->kind == TY_MAP) {
        s->aux = SEMA_FOR_MAP;
        if (binds->nkids != 2) {
          diag_error(c->d, s->loc, "a map gives a key and a value per step: `for k, v in m`");
          binds->kids[0]->type = T(TY_ERROR);
        } else {
          binds->kids[0]->type = t->key;
          binds->kids[1]->type = t->elem;
        }
      } else {
        if (!is_err(t)) diag_error(c->d, s->kids[1]->loc, "cannot iterate over `%s`", type_name(t));
        for (int i = 0; i < binds->nkids; i++) binds->kids[i]->type = T(TY_ERROR);
      }
    }
    for (int i = 0; i < binds->nkids; i++) push_local(c, binds->kids[i]->name, binds->kids[i]);
    c->loops++;
    block(c, s->kids[2]);
    c->loops--;
    c->nlocals = mark;
    return;
  }
  case AST_MATCH: check_match(c, s); return;
  case AST_RETURN:
    if (s->kids[0]) {
      if (c->ret == NULL) {
        diag_error(c->d, s->loc, c->body_owner && c->body_owner->kind == AST_ON
                   ? "this handler's message has no reply type, so it returns no value"
                   : "this function returns no value");
        expr(c, &s->kids[0], NULL);
      } else {
        expect(c, &s->kids[0], c->ret);
      }
    } else if (c->ret != NULL) {
      diag_error(c->d, s->loc, "missing value: this must return `%s`", type_name(c->ret));
    }
    return;
  case AST_BREAK: case AST_CONTINUE:
    if (c->loops == 0) diag_error(c->d, s->loc, "`%s` outside a loop", s->kind == AST_BREAK ? "break" : "continue");
    return;
  case AST_SEND:
    if (c->in_kernel) diag_error(c->d, s->loc, "kernels and gpu actors cannot send messages");
    send_target(c, s, &s->kids[0], &s->kids[1]);
    return;
  case AST_STOP:
    if (s->kids[0]) {
      type_t *t = expr(c, &s->kids[0], NULL);
      if (!is_err(t) && !type_is_ref(t)) diag_error(c->d, s->kids[0]->loc, "`stop` needs an actor reference");
    } else if (c->actor == NULL) {
      diag_error(c->d, s->loc, "`stop` outside an actor");
    }
    return;
  case AST_PERSIST:
    if (c->actor == NULL || !(c->actor->flags & ACTOR_PERSISTENT))
      diag_error(c->d, s->loc, "`persist` is only allowed in a persistent actor");
    else if (!c->await_ok)
      diag_error(c->d, s->loc, "`persist` is only allowed in `on` handlers");
    c->has_await = 1;
    message_expr(c, &s->kids[0], 1);
    return;
  default:
    diag_error(c->d, s->loc, "expected a statement");
  }
}

static void block(cx_t *c, ast_t *b) {
  int mark = c->nlocals;
  for (int i = 0; i < b->nkids; i++)
    stmt(c, b->kids[i]);
  c->nlocals = mark;
}

/* ---- declarations ------------------------------------------------------ */

static void fields_types(cx_t *c, ast_t *list) {
  for (int i = 0; i < list->nkids; i++) {
    ast_t *f = list->kids[i];
    f->type = resolve_type(c, f->kids[0]);
    for (int j = 0; j < i; j++)
      if (list->kids[j]->name == f->name)
        diag_error(c->d, f->loc, "`%s` is declared twice", f->name);
  }
}

static void signature(cx_t *c, ast_t *fn) {
  fields_types(c, fn->kids[0]);
  if (fn->kids[1]) resolve_type(c, fn->kids[1]);
}

static void body(cx_t *c, ast_t *owner, ast_t *blk, type_t *ret, int await_ok) {
  c->body_owner = owner;
  c->ret = ret;
  c->await_ok = await_ok;
  c->has_await = 0;
  c->loops = 0;
  int mark = c->nlocals;
  block(c, blk);
  c->nlocals = mark;
  if (c->has_await) owner->aux = 1;
  if (ret && ret->kind != TY_ERROR && !block_returns(blk)) {
    diag_error(c->d, owner->loc, "missing `return`: not every path returns a value of type `%s`", type_name(ret));
  }
  c->body_owner = NULL;
}

static void check_fn(cx_t *c, ast_t *fn) {
  if (fn->kids[2] == NULL) return;
  int mark = c->nlocals;
  ast_t *ps = fn->kids[0];
  for (int i = 0; i < ps->nkids; i++) push_local(c, ps->kids[i]->name, ps->kids[i]);
  c->in_kernel = (fn->flags & FN_KERNEL) != 0;
  if (c->in_kernel && (ps->nkids == 0 || ps->kids[0]->type != T(TY_I64)))
    diag_error(c->d, fn->loc, "a kernel's first parameter is its index: `i: int`");
  body(c, fn, fn->kids[2], fn->kids[1] ? fn->kids[1]->type : NULL, 0);
  c->in_kernel = 0;
  c->nlocals = mark;
}

static void check_actor_sigs(cx_t *c, ast_t *a) {
  a->type = type_nominal(TY_ACTOR, a);
  fields_types(c, a->kids[0]);
  ast_t *ps = a->kids[1];
  for (int i = 0; i < ps->nkids; i++) {
    type_t *t = resolve_type(c, ps->kids[i]);
    if (!is_err(t) && t->kind != TY_PROTOCOL)
      diag_error(c->d, ps->kids[i]->loc, "`%s` is not a protocol", ps->kids[i]->name);
    else if (!is_err(t)) ps->kids[i]->sym = t->decl;
  }
  ast_t *ms = a->kids[2];
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    switch (m->kind) {
    case AST_FN: signature(c, m); m->scope = a; break;
    case AST_EVENT:
      if (!(a->flags & ACTOR_PERSISTENT)) diag_error(c->d, m->loc, "events belong in a `persistent actor`");
      fields_types(c, m->kids[0]);
      break;
    case AST_ON: {
      ast_t *msg = NULL;
      if (m->lit.s) {
        ast_t *mod = symtab_get(&c->mi->aliases, strtab_cstr(m->lit.s));
        if (mod) msg = symtab_get(&((module_info_t *)mod->data)->decls, m->name);
      } else {
        msg = global(c, m->name);
      }
      if (msg == NULL || msg->kind != AST_MESSAGE) {
        diag_error(c->d, m->loc, "unknown message `%s`", m->name);
        hint_similar(c, m->name);
        break;
      }
      m->sym = msg;
      for (int j = 0; j < i; j++)
        if (ms->kids[j]->kind == AST_ON && ms->kids[j]->sym == msg)
          diag_error(c->d, m->loc, "`%s` already has a handler for `%s`", a->name, msg->name);
      ast_t *hp = m->kids[0], *mf = msg->kids[0];
      if (hp->nkids != mf->nkids) {
        diag_error(c->d, m->loc, "message `%s` has %d field%s, the handler binds %d", msg->name,
                   mf->nkids, mf->nkids == 1 ? "" : "s", hp->nkids);
        for (int k = 0; k < hp->nkids; k++) hp->kids[k]->type = T(TY_ERROR);
      } else {
        for (int k = 0; k < hp->nkids; k++) hp->kids[k]->type = mf->kids[k]->type;
      }
      break;
    }
    case AST_APPLY: {
      ast_t *ev = actor_member(a, m->name);
      if (ev == NULL || ev->kind != AST_EVENT) {
        diag_error(c->d, m->loc, "unknown event `%s`", m->name);
        break;
      }
      m->sym = ev;
      ast_t *hp = m->kids[0];
      for (int k = 0; k < hp->nkids; k++)
        hp->kids[k]->type = k < ev->kids[0]->nkids ? ev->kids[0]->kids[k]->type : T(TY_ERROR);
      if (hp->nkids != ev->kids[0]->nkids)
        diag_error(c->d, m->loc, "event `%s` has %d fields, the handler binds %d", ev->name, ev->kids[0]->nkids, hp->nkids);
      break;
    }
    default: break;
    }
  }
  /* Every message of every declared protocol must be handled. */
  for (int i = 0; i < ps->nkids; i++) {
    ast_t *p = ps->kids[i]->sym;
    if (p == NULL) continue;
    for (int k = 0; k < p->nkids; k++)
      if (p->kids[k]->sym && !msg_handler(a, p->kids[k]->sym))
        diag_error(c->d, a->loc, "actor `%s` declares protocol `%s` but does not handle `%s`",
                   a->name, p->name, p->kids[k]->name);
  }
}

static void check_actor_bodies(cx_t *c, ast_t *a) {
  c->actor = a;
  int gpu = (a->flags & ACTOR_GPU) != 0;
  ast_t *ms = a->kids[2];
  int mark = c->nlocals;
  int persistent = (a->flags & ACTOR_PERSISTENT) != 0;
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    switch (m->kind) {
    case AST_VAR: {
      /* Fields: visible to later fields; handlers see all of them. */
      int save = c->nlocals;
      c->body_owner = NULL;
      local_decl(c, m);
      c->nlocals = save;
      break;
    }
    case AST_CHILD: case AST_CHILDREN: {
      if (!(a->flags & ACTOR_SUPERVISOR))
        diag_error(c->d, m->loc, "`child` declarations belong in a `supervisor`");
      int save = c->nlocals;
      if (m->kind == AST_CHILDREN) {
        ast_t *it = m->kids[2];
        if (it->kind == AST_RANGE) {
          type_t *lo = expr(c, &it->kids[0], NULL);
          expect(c, &it->kids[1], lo);
          m->kids[1]->type = lo;
        } else {
          type_t *t = expr(c, &m->kids[2], NULL);
          m->kids[1]->type = t->kind == TY_ARRAY ? t->elem : T(TY_ERROR);
        }
        push_local(c, m->kids[1]->name, m->kids[1]);
      }
      ast_t *k = m->kids[0];
      ast_t *callee = k->kind == AST_CALL ? k->kids[0] : k;
      ast_t *d = callee->kind == AST_NAME ? global(c, callee->name) : NULL;
      if (d == NULL || d->kind != AST_ACTOR) {
        diag_error(c->d, k->loc, "a child is an actor: `child x = Worker(...)`");
        m->type = T(TY_ERROR);
      } else {
        callee->sym = d;
        k->sym = d;
        k->aux = SEMA_CALL_ACTOR;
        k->type = type_nominal(TY_ACTOR, d);
        if (k->kind == AST_CALL) check_args(c, k, 1, d->kids[0], "this actor");
        m->type = m->kind == AST_CHILD ? k->type : type_array(k->type);
      }
      c->nlocals = save;
      break;
    }
    case AST_MAILBOX: expect(c, &m->kids[0], T(TY_I64)); break;
    case AST_SNAPSHOT:
      if (!persistent) diag_error(c->d, m->loc, "`snapshot every` belongs in a `persistent actor`");
      expect(c, &m->kids[0], T(TY_I64));
      break;
    case AST_PASSIVATE:
      if (!(a->flags & ACTOR_VIRTUAL)) diag_error(c->d, m->loc, "`passivate after` belongs in a `virtual actor`");
      expect(c, &m->kids[0], T(TY_DURATION));
      break;
    case AST_RESTARTS:
      expect(c, &m->kids[0], T(TY_I64));
      expect(c, &m->kids[1], T(TY_DURATION));
      break;
    case AST_STRATEGY: case AST_SUPERVISE:
      if (strcmp(m->name, "one_for_one") && strcmp(m->name, "one_for_all") && strcmp(m->name, "rest_for_one"))
        diag_error(c->d, m->loc, "unknown strategy `%s`; use one_for_one, one_for_all or rest_for_one", m->name);
      if (m->kind == AST_SUPERVISE) {
        if (m->kids[0]) expect(c, &m->kids[0], T(TY_I64));
        if (m->kids[1]) expect(c, &m->kids[1], T(TY_DURATION));
      }
      break;
    default: break;
    }
  }
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    c->in_kernel = gpu;
    switch (m->kind) {
    case AST_FN: check_fn(c, m); break;
    case AST_INIT: body(c, m, m->kids[0], NULL, 1); break;
    case AST_ON_STOP: body(c, m, m->kids[0], NULL, 0); break;
    case AST_ON: case AST_APPLY: {
      if (m->sym == NULL) break;
      int save = c->nlocals;
      ast_t *hp = m->kids[0];
      for (int k = 0; k < hp->nkids; k++) push_local(c, hp->kids[k]->name, hp->kids[k]);
      type_t *ret = m->kind == AST_ON && m->sym->kids[1] ? m->sym->kids[1]->type : NULL;
      body(c, m, m->kids[1], ret, m->kind == AST_ON);
      c->nlocals = save;
      break;
    }
    default: break;
    }
    c->in_kernel = 0;
  }
  c->nlocals = mark;
  c->actor = NULL;
}

static void init_builtins(void) {
  if (builtins.cap) return;
  static const struct { const char *n; int id; } bis[] = {
      {"print", BI_PRINT}, {"eprint", BI_EPRINT}, {"exit", BI_EXIT}, {"fail", BI_FAIL},
      {"assert", BI_ASSERT}, {"now", BI_NOW}, {"rand", BI_RAND}, {"len", BI_LEN},
      {"min", BI_MIN}, {"max", BI_MAX}, {"abs", BI_ABS}, {"sqrt", BI_SQRT}, {"sin", BI_SIN},
      {"cos", BI_COS}, {"exp", BI_EXP}, {"log", BI_LOG}, {"pow", BI_POW}, {"floor", BI_FLOOR},
      {"ceil", BI_CEIL}, {"str", BI_STR}, {"parse_int", BI_PARSE_INT},
      {"parse_float", BI_PARSE_FLOAT}, {"after", BI_AFTER}, {"every", BI_EVERY},
      {"cancel", BI_CANCEL}, {"monitor", BI_MONITOR}, {"register", BI_REGISTER},
      {"nodes", BI_NODES}, {"node", BI_NODE}};
  for (size_t i = 0; i < sizeof bis / sizeof *bis; i++)
    symtab_put(&builtins, strtab_cstr(bis[i].n), (ast_t *)(intptr_t)bis[i].id);
  static const struct { const char *n; type_kind_t k; } tys[] = {
      {"bool", TY_BOOL}, {"i8", TY_I8}, {"i16", TY_I16}, {"i32", TY_I32}, {"i64", TY_I64},
      {"int", TY_I64}, {"u8", TY_U8}, {"u16", TY_U16}, {"u32", TY_U32}, {"u64", TY_U64},
      {"f32", TY_F32}, {"f64", TY_F64}, {"float", TY_F64}, {"string", TY_STRING},
      {"duration", TY_DURATION}, {"timer", TY_TIMER}, {"node", TY_NODE}};
  for (size_t i = 0; i < sizeof tys / sizeof *tys; i++)
    symtab_put(&type_names, strtab_cstr(tys[i].n), (ast_t *)type_prim(tys[i].k));
}

ast_t *sema_down_message(void) {
  if (down_msg == NULL) {
    loc_t l0 = {0};
    down_msg = ast_new(AST_MESSAGE, l0);
    down_msg->name = strtab_cstr("Down");
    ast_t *fs = ast_new(AST_LIST, l0);
    ast_t *who = ast_new(AST_FIELD, l0);
    who->name = strtab_cstr("who");
    who->type = type_prim(TY_ANYREF);
    ast_t *why = ast_new(AST_FIELD, l0);
    why->name = strtab_cstr("reason");
    why->type = type_prim(TY_STRING);
    ast_add(fs, who);
    ast_add(fs, why);
    ast_add(down_msg, fs);
    ast_add(down_msg, NULL);
  }
  return down_msg;
}

bool sema_check_program(program_t *prog, const sema_opts_t *opts, diag_t *d) {
  init_builtins();
  sema_down_message();
  cx_t c;
  memset(&c, 0, sizeof c);
  c.d = d;
  /* Pass 1: declarations by name, bare imports. */
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    module_info_t *mi = mod->data;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *dcl = mod->kids[i];
      if (dcl == NULL) continue;
      if (dcl->kind == AST_EXTERN) {
        for (int k = 0; k < dcl->nkids; k++) {
          ast_t *f = dcl->kids[k];
          if (symtab_get(&mi->decls, f->name))
            diag_error(d, f->loc, "`%s` is declared twice", f->name);
          symtab_put(&mi->decls, f->name, f);
        }
        continue;
      }
      if (dcl->kind == AST_IMPORT || dcl->name == NULL) continue;
      ast_t *prev = symtab_get(&mi->decls, dcl->name);
      if (prev) {
        diag_error(d, dcl->loc, "`%s` is declared twice", dcl->name);
        diag_note(d, prev->loc, "the first declaration is here");
        continue;
      }
      symtab_put(&mi->decls, dcl->name, dcl);
      if (dcl->kind == AST_ENUM)
        for (int k = 0; k < dcl->nkids; k++) dcl->kids[k]->scope = dcl;
    }
  }
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    module_info_t *mi = mod->data;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *imp = mod->kids[i];
      if (imp == NULL || imp->kind != AST_IMPORT || imp->kids[1] == NULL || imp->sym == NULL) continue;
      module_info_t *dep = imp->sym->data;
      for (int k = 0; k < imp->kids[1]->nkids; k++) {
        ast_t *n = imp->kids[1]->kids[k];
        ast_t *dd = symtab_get(&dep->decls, n->name);
        if (dd == NULL) diag_error(d, n->loc, "module `%s` has no `%s`", imp->name, n->name);
        else symtab_put(&mi->bare, n->name, dd);
      }
    }
  }
  /* Pass 2: signatures. */
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    c.mi = mod->data;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *dcl = mod->kids[i];
      if (dcl == NULL) continue;
      switch (dcl->kind) {
      case AST_STRUCT: fields_types(&c, dcl); break;
      case AST_ENUM:
        for (int k = 0; k < dcl->nkids; k++) fields_types(&c, dcl->kids[k]);
        break;
      case AST_MESSAGE:
        fields_types(&c, dcl->kids[0]);
        if (dcl->kids[1]) resolve_type(&c, dcl->kids[1]);
        for (int k = 0; k < dcl->kids[0]->nkids; k++) {
          type_t *ft = dcl->kids[0]->kids[k]->type;
          if (ft && (ft->kind == TY_FUTURE || ft->kind == TY_TIMER))
            diag_error(d, dcl->kids[0]->kids[k]->loc, "message fields cannot be `%s`", type_name(ft));
        }
        break;
      case AST_PROTOCOL:
        for (int k = 0; k < dcl->nkids; k++) {
          ast_t *m = global(&c, dcl->kids[k]->name);
          if (m == NULL || m->kind != AST_MESSAGE)
            diag_error(d, dcl->kids[k]->loc, "unknown message `%s`", dcl->kids[k]->name);
          else
            dcl->kids[k]->sym = m;
        }
        break;
      case AST_FN: signature(&c, dcl); break;
      case AST_EXTERN:
        for (int k = 0; k < dcl->nkids; k++) signature(&c, dcl->kids[k]);
        break;
      default: break;
      }
    }
  }
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    c.mi = mod->data;
    for (int i = 0; i < mod->nkids; i++)
      if (mod->kids[i] && mod->kids[i]->kind == AST_ACTOR) check_actor_sigs(&c, mod->kids[i]);
  }
  /* Pass 3: constants (in order), then bodies. */
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    c.mi = mod->data;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *dcl = mod->kids[i];
      if (dcl && dcl->kind == AST_CONST) {
        type_t *t = dcl->kids[0] ? resolve_type(&c, dcl->kids[0]) : NULL;
        type_t *it = t ? expect(&c, &dcl->kids[1], t) : expr(&c, &dcl->kids[1], NULL);
        dcl->type = t ? t : it;
      }
    }
  }
  for (int mi_i = 0; mi_i < prog->nmodules; mi_i++) {
    ast_t *mod = prog->modules[mi_i];
    c.mi = mod->data;
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *dcl = mod->kids[i];
      if (dcl == NULL) continue;
      if (dcl->kind == AST_FN) check_fn(&c, dcl);
      else if (dcl->kind == AST_ACTOR) check_actor_bodies(&c, dcl);
    }
  }
  /* Main. */
  ast_t *root = prog->root;
  module_info_t *rmi = root->data;
  ast_t *mainact = symtab_get(&rmi->decls, strtab_cstr("Main"));
  if (mainact && mainact->kind == AST_ACTOR) {
    prog->main_actor = mainact;
    ast_t *ps = mainact->kids[0];
    if (ps->nkids != 1 || ps->kids[0]->type != type_array(T(TY_STRING)))
      diag_error(d, mainact->loc, "`Main` must take exactly `args: [string]`");
  } else if (opts->require_main) {
    loc_t l = {root->loc.file, 1, 1};
    diag_error(d, l, "no `actor Main(args: [string])` in the root file");
    diag_hint(d, "add one: it is where the program starts");
  }
  free(c.locals);
  return d->errors == 0;
}
