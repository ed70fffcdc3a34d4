/* check_gpu.c: the numeric subset of LANGUAGE.md §11 that kernel bodies
 * and `gpu actor` handlers are written in: numbers and bools, local
 * let/var, if, while, for over ranges, reads of array parameters, math
 * built-ins and calls of other kernels. Runs on a body after it is typed;
 * each construct outside the subset is reported once, at its node. */
#include <stdio.h>
#include <string.h>

#include "sema/sema_int.h"

typedef struct gw {
  cx_t *c;
  const char *where; /* "a kernel", "a gpu actor" */
} gw_t;

static bool scalar(const type_t *t) {
  return t && (type_is_numeric(t) || t->kind == TY_BOOL);
}

static bool scalar_array(const type_t *t) {
  return t && t->kind == TY_ARRAY && scalar(t->elem);
}

static void g_expr(gw_t *g, ast_t *e);
static void g_stmt(gw_t *g, ast_t *s);

static void bad(gw_t *g, ast_t *at, const char *what) {
  diag_error(g->c->d, at->loc, "%s cannot use %s", g->where, what);
}

static void g_call(gw_t *g, ast_t *e) {
  switch (e->call) {
  case SEMA_CALL_BUILTIN: {
    int bi = e->builtin;
    bool math = bi == BI_MIN || bi == BI_MAX || bi == BI_ABS || bi == BI_SQRT || bi == BI_SIN ||
                bi == BI_COS || bi == BI_EXP || bi == BI_LOG || bi == BI_POW || bi == BI_FLOOR ||
                bi == BI_CEIL || bi == BI_LEN;
    if (!math) {
      diag_error(g->c->d, e->loc, "`%s` cannot be called in %s", sema_builtin_name(bi), g->where);
      diag_hint(g->c->d, "only math built-ins (abs min max sqrt sin cos exp log pow floor ceil) and "
                         "other kernels are available there");
      return;
    }
    break;
  }
  case SEMA_CALL_METHOD:
    if (e->builtin != BI_A_LEN) {
      diag_error(g->c->d, e->loc, "method `%s` cannot be called in %s", sema_builtin_name(e->builtin), g->where);
      return;
    }
    g_expr(g, ast_kid(ast_kid(e, 0), 0));
    return;
  case SEMA_CALL_FN:
    if (e->sym == NULL || !(e->sym->flags & FN_KERNEL)) {
      diag_error(g->c->d, e->loc, "`%s` cannot be called in %s", e->sym && e->sym->name ? e->sym->name : "this",
                 g->where);
      diag_hint(g->c->d, "declare it as a `kernel` to call it here, or use a math built-in");
      return;
    }
    break;
  case SEMA_CALL_KERNEL:
    diag_error(g->c->d, e->loc, "%s cannot launch kernels (a launch allocates an array)", g->where);
    return;
  case SEMA_CALL_MESSAGE: case SEMA_CALL_EVENT:
    bad(g, e, "messages");
    return;
  case SEMA_CALL_VARIANT:
    bad(g, e, "enums");
    return;
  default:
    return;
  }
  for (int i = 1; i < e->nkids; i++)
    g_expr(g, e->kids[i]);
}

static void g_expr(gw_t *g, ast_t *e) {
  if (e == NULL)
    return;
  switch (e->kind) {
  case AST_STRING: case AST_INTERP: bad(g, e, "strings"); return;
  case AST_DURATION: bad(g, e, "durations"); return;
  case AST_NONE: bad(g, e, "optionals"); return;
  case AST_ARRAY_LIT: case AST_MAP_LIT: case AST_STRUCT_LIT:
    diag_error(g->c->d, e->loc, "%s cannot allocate: array, map and struct literals are not allowed", g->where);
    return;
  case AST_AWAIT: bad(g, e, "`await`"); return;
  case AST_ASK: diag_error(g->c->d, e->loc, "%s cannot ask other actors", g->where); return;
  case AST_SPAWN: diag_error(g->c->d, e->loc, "%s cannot spawn actors", g->where); return;
  case AST_SELF: bad(g, e, "`self`"); return;
  case AST_SENDER: bad(g, e, "`sender`"); return;
  case AST_AT: diag_error(g->c->d, e->loc, "%s cannot look up actors", g->where); return;
  case AST_CALL: g_call(g, e); return;
  case AST_CAST:
    if (ast_kid(e, 1) == NULL) {
      bad(g, e, e->conv == SEMA_CONV_REF ? "actor references" : "optionals");
      return;
    }
    break;
  case AST_INDEX:
    if (e->index != SEMA_INDEX_ARRAY) {
      bad(g, e, e->index == SEMA_INDEX_MAP ? "maps" : "actor references");
      return;
    }
    break;
  case AST_NAME:
    if (e->sym && (e->sym->kind == AST_MESSAGE || e->sym->kind == AST_EVENT)) {
      bad(g, e, "messages");
      return;
    }
    if (e->type && scalar_array(e->type))
      return; /* a read of an array parameter or field */
    break;
  default:
    break;
  }
  if (e->type && !is_err(e->type) && !scalar(e->type)) {
    diag_error(g->c->d, e->loc, "%s uses only numbers and bools, not `%s`", g->where, type_name(e->type));
    return;
  }
  int first = e->kind == AST_CALL ? 1 : 0;
  for (int i = first; i < e->nkids; i++)
    if (e->kind != AST_CAST || i == 0)
      g_expr(g, e->kids[i]);
}

static void g_block(gw_t *g, ast_t *b) {
  if (b == NULL)
    return;
  if (b->kind != AST_BLOCK) {
    g_stmt(g, b);
    return;
  }
  for (int i = 0; i < b->nkids; i++)
    g_stmt(g, b->kids[i]);
}

static void g_assign(gw_t *g, ast_t *s) {
  ast_t *t = ast_kid(s, 0);
  if (t == NULL)
    return;
  if (t->kind == AST_INDEX) {
    diag_error(g->c->d, t->loc, "%s cannot write to arrays: array parameters are read-only", g->where);
    return;
  }
  if (t->kind == AST_NAME && t->sym && t->sym->scope && t->sym->scope->kind == AST_ACTOR) {
    diag_error(g->c->d, t->loc, "%s cannot change actor state: `%s` is a field", g->where, t->name);
    diag_hint(g->c->d, "each message runs as its own GPU thread; reply with the result instead");
    return;
  }
  if (t->kind != AST_NAME) {
    diag_error(g->c->d, t->loc, "%s assigns only to local variables", g->where);
    return;
  }
  g_expr(g, ast_kid(s, 1));
}

static void g_stmt(gw_t *g, ast_t *s) {
  if (s == NULL)
    return;
  switch (s->kind) {
  case AST_BLOCK: g_block(g, s); return;
  case AST_VAR:
    if (s->type && !is_err(s->type) && !scalar(s->type)) {
      diag_error(g->c->d, s->loc, "local `%s` in %s must be a number or a bool, not `%s`", s->name, g->where,
                 type_name(s->type));
      return;
    }
    g_expr(g, ast_kid(s, 1));
    return;
  case AST_ASSIGN: g_assign(g, s); return;
  case AST_IF:
    g_expr(g, ast_kid(s, 0));
    g_block(g, ast_kid(s, 1));
    g_block(g, ast_kid(s, 2));
    return;
  case AST_WHILE:
    g_expr(g, ast_kid(s, 0));
    g_block(g, ast_kid(s, 1));
    return;
  case AST_FOR: {
    ast_t *it = ast_kid(s, 1);
    if (it == NULL || it->kind != AST_RANGE) {
      diag_error(g->c->d, s->loc, "%s loops only over ranges: `for i in 0..n`", g->where);
      return;
    }
    g_expr(g, ast_kid(it, 0));
    g_expr(g, ast_kid(it, 1));
    g_block(g, ast_kid(s, 2));
    return;
  }
  case AST_RETURN: g_expr(g, ast_kid(s, 0)); return;
  case AST_BREAK: case AST_CONTINUE: return;
  case AST_EXPR_STMT: g_expr(g, ast_kid(s, 0)); return;
  case AST_IF_LET: bad(g, s, "`if let` (optionals)"); return;
  case AST_MATCH:
    diag_error(g->c->d, s->loc, "%s cannot use `match`", g->where);
    diag_hint(g->c->d, "use `if` / `else if`");
    return;
  case AST_SEND: diag_error(g->c->d, s->loc, "%s cannot send messages", g->where); return;
  case AST_STOP: diag_error(g->c->d, s->loc, "%s cannot stop actors", g->where); return;
  case AST_PERSIST: diag_error(g->c->d, s->loc, "%s cannot persist events", g->where); return;
  default: return;
  }
}

void sema_gpu_body(cx_t *c, ast_t *owner, const char *where) {
  gw_t g = {c, where};
  ast_t *body = owner->kind == AST_FN ? ast_kid(owner, 2) : ast_kid(owner, 1);
  if (body != NULL && !(body->flags & AST_SYNTAX_ERROR)) /* unchecked, see sema_body */
    g_block(&g, body);
}

/* A kernel: `kernel k(i: int, ...) -> R`, parameters numbers, bools or
 * arrays of them, R a number or bool. */
void sema_gpu_signature(cx_t *c, ast_t *fn) {
  ast_t *ps = ast_kid(fn, 0), *rt = ast_kid(fn, 1);
  if (ps == NULL || ps->nkids == 0 || ps->kids[0] == NULL || ps->kids[0]->type != T(TY_I64)) {
    diag_error(c->d, fn->loc, "a kernel's first parameter is its index: `kernel %s(i: int, ...)`", fn->name);
  }
  for (int i = 1; ps && i < ps->nkids; i++) {
    ast_t *p = ps->kids[i];
    if (p && p->type && !is_err(p->type) && !scalar(p->type) && !scalar_array(p->type))
      diag_error(c->d, p->loc, "a kernel parameter is a number, a bool or an array of them, not `%s`",
                 type_name(p->type));
  }
  if (rt == NULL) {
    diag_error(c->d, fn->loc, "a kernel returns a value per index: `kernel %s(i: int, ...) -> float`", fn->name);
  } else if (rt->type && !is_err(rt->type) && !scalar(rt->type)) {
    diag_error(c->d, rt->loc, "a kernel returns a number or a bool, not `%s`", type_name(rt->type));
  }
}

/* A gpu actor: parameters, the fields of the messages it handles and their
 * reply types are numbers, bools or (not replies) arrays of them. */
void sema_gpu_actor(cx_t *c, ast_t *a) {
  ast_t *ps = ast_kid(a, 0), *ms = ast_kid(a, 2);
  for (int i = 0; ps && i < ps->nkids; i++) {
    ast_t *p = ps->kids[i];
    if (p && p->type && !is_err(p->type) && !scalar(p->type) && !scalar_array(p->type))
      diag_error(c->d, p->loc, "a gpu actor's parameter is a number, a bool or an array of them, not `%s`",
                 type_name(p->type));
  }
  for (int i = 0; ms && i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m == NULL || m->kind != AST_ON || m->sym == NULL)
      continue;
    ast_t *fs = ast_kid(m->sym, 0), *rt = ast_kid(m->sym, 1);
    for (int k = 0; fs && k < fs->nkids; k++) {
      type_t *t = fs->kids[k] ? fs->kids[k]->type : NULL;
      if (t && !is_err(t) && !scalar(t) && !scalar_array(t)) {
        diag_error(c->d, m->loc, "a gpu actor handles messages of numbers and arrays of them; field `%s` of `%s` is `%s`",
                   fs->kids[k]->name, m->sym->name, type_name(t));
        break;
      }
    }
    if (rt && rt->type && !is_err(rt->type) && !scalar(rt->type))
      diag_error(c->d, m->loc, "a gpu actor replies with a number or a bool, not `%s`", type_name(rt->type));
  }
}

/* `batch N within D` of a gpu actor: how many queued messages make a
 * batch and how long the first of them may wait for the rest. Both are
 * literals, since the runtime sizes the device buffers from them; the
 * limits keep one batch's buffers small and a wait shorter than a
 * supervisor's patience. */
enum { GPU_BATCH_MAX = 1 << 20 };

void sema_gpu_batch(cx_t *c, ast_t *m) {
  if (ast_kid(m, 0)) {
    sema_expect(c, &m->kids[0], T(TY_I64));
    ast_t *n = m->kids[0];
    if (n->kind != AST_INT || n->lit.i == 0 || n->lit.i > GPU_BATCH_MAX)
      diag_error(c->d, n->loc, "`batch` takes a whole number from 1 to %d, like `batch 256`", GPU_BATCH_MAX);
  }
  if (ast_kid(m, 1)) {
    sema_expect(c, &m->kids[1], T(TY_DURATION));
    ast_t *d = m->kids[1];
    if (d->kind != AST_DURATION || d->lit.i == 0 || d->lit.i > 10ull * 1000000000ull)
      diag_error(c->d, d->loc, "`within` takes a duration literal from 1ns to 10s, like `within 1ms`");
  }
}
