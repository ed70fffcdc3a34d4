/* check.c: the checker's passes over a loaded program —
 *   1. names (decls.c): every module's declarations, imports, actor members;
 *   2. signatures: struct/enum/message fields, protocols, functions, actor
 *      handlers (check_types.c, check_actor.c), values that contain
 *      themselves;
 *   3. bodies: constants (on demand, so they may refer to each other in any
 *      order), functions, actors;
 *   4. `actor Main`, and a last walk that makes sure no expression of an
 *      error-free program is left untyped (the emitter relies on it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/cimport.h"
#include "sema/sema_int.h"

/* ---- the built-in Down message ------------------------------------------ */

static ast_t down, down_fields, down_who, down_reason;
static ast_t *down_kids[2], *down_field_kids[2];

ast_t *sema_down_message(void) {
  /* Rebuilt on every call: the string table and the types may have been
   * reset since the last compilation (fuzzer, unit tests). */
  down.kind = AST_MESSAGE;
  down.name = strtab_cstr("Down");
  down.kids = down_kids;
  down.nkids = down.cap = 2;
  down_kids[0] = &down_fields;
  down_kids[1] = NULL;
  down_fields.kind = AST_LIST;
  down_fields.kids = down_field_kids;
  down_fields.nkids = down_fields.cap = 2;
  down_field_kids[0] = &down_who;
  down_field_kids[1] = &down_reason;
  down_who.kind = AST_FIELD;
  down_who.name = strtab_cstr("who");
  down_who.type = type_prim(TY_ANYREF);
  down_reason.kind = AST_FIELD;
  down_reason.name = strtab_cstr("reason");
  down_reason.type = type_prim(TY_STRING);
  return &down;
}

/* ---- context ------------------------------------------------------------ */

void sema_cx_init(cx_t *c, diag_t *d, const sema_opts_t *opts, program_t *prog) {
  memset(c, 0, sizeof *c);
  c->d = d;
  c->opts = opts;
  c->prog = prog;
}

static bool storable_const(const type_t *t) {
  return t->kind != TY_NONE && t->kind != TY_VOID && t->kind != TY_NEVER && t->kind != TY_MESSAGE;
}

/* The type of a constant, checking it first if need be (in a context of
 * its own: constants see only top-level names of their module). */
type_t *sema_const_type(cx_t *c, ast_t *k, loc_t at) {
  if (k->type)
    return k->type;
  if (k->flags & AST_CHECKING) {
    diag_error(c->d, at, "constant `%s` is defined in terms of itself", k->name);
    k->type = T(TY_ERROR);
    return k->type;
  }
  k->flags |= AST_CHECKING;
  cx_t kc;
  sema_cx_init(&kc, c->d, c->opts, c->prog);
  kc.mi = k->scope && k->scope->info ? k->scope->info : c->mi;
  kc.owner = k;
  ast_t *tn = ast_kid(k, 0);
  type_t *t = tn ? sema_resolve_type(&kc, tn) : NULL;
  type_t *it = T(TY_ERROR);
  if (ast_kid(k, 1))
    it = t ? sema_expect(&kc, &k->kids[1], t) : sema_expr(&kc, &k->kids[1], NULL);
  if (t == NULL) {
    t = it;
    if (!is_err(t) && !storable_const(t)) {
      diag_error(c->d, k->loc, "constant `%s` has no value of its own", k->name);
      t = T(TY_ERROR);
    }
  }
  scope_free(&kc);
  k->flags &= ~(unsigned)AST_CHECKING;
  k->flags |= AST_CHECKED;
  if (k->type == NULL) /* a cycle through k already set it */
    k->type = t;
  return k->type;
}

/* ---- signatures --------------------------------------------------------- */

/* Actor references pass as `act_actor_t *` so that C code (the standard
 * library's sockets and signals) can deliver messages to an actor. */
static bool c_ref(const type_t *t) {
  return t->kind == TY_ACTOR || t->kind == TY_PROTOCOL || t->kind == TY_ANYREF;
}

static bool c_type(const type_t *t) {
  return type_is_numeric(t) || t->kind == TY_BOOL || t->kind == TY_STRING ||
         (t->kind == TY_ARRAY && (type_is_numeric(t->elem) || t->elem->kind == TY_BOOL));
}

/* A function of `import c` may also take and return structs: they are
 * copied to and from the C struct by glue (emit_cglue.c). */
static bool c_struct(const ast_t *f, const type_t *t) {
  return (f->flags & IMPORT_C) && t->kind == TY_STRUCT;
}

static void extern_fn(cx_t *c, ast_t *f) {
  sema_signature(c, f);
  ast_t *ps = ast_kid(f, 0);
  for (int i = 0; ps && i < ps->nkids; i++) {
    ast_t *p = ps->kids[i];
    if (p && p->type && !is_err(p->type) && !c_type(p->type) && !c_ref(p->type) && !c_struct(f, p->type))
      diag_error(c->d, p->loc, "a C function takes numbers, bools, strings, arrays of numbers and actor references, not `%s`",
                 type_name(p->type));
  }
  ast_t *rt = ast_kid(f, 1);
  if (rt && rt->type && !is_err(rt->type) && !c_type(rt->type) && !c_struct(f, rt->type))
    diag_error(c->d, rt->loc, "a C function returns a number, a bool, a string or an array of numbers, not `%s`",
               type_name(rt->type));
}

static void protocol(cx_t *c, ast_t *p) {
  for (int k = 0; k < p->nkids; k++) {
    ast_t *n = p->kids[k];
    if (n == NULL || n->name == NULL)
      continue;
    ast_t *m = sema_global(c, n->name);
    if (m == NULL || m->kind != AST_MESSAGE) {
      if (m == NULL) {
        sema_unknown(c, n->loc, "message", n->name, SEMA_HINT_MESSAGE);
      } else {
        diag_error(c->d, n->loc, "`%s` is not a message; a protocol lists messages", n->name);
      }
      continue;
    }
    n->sym = m;
    for (int j = 0; j < k; j++)
      if (p->kids[j] && p->kids[j]->sym == m) {
        diag_error(c->d, n->loc, "message `%s` is listed twice in protocol `%s`", n->name, p->name);
        break;
      }
  }
}

static void signatures(cx_t *c, ast_t *mod) {
  c->mi = mod->info;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *dcl = mod->kids[i];
    if (dcl == NULL)
      continue;
    switch (dcl->kind) {
    case AST_STRUCT:
      sema_fields(c, dcl, "struct");
      dcl->type = type_nominal(TY_STRUCT, dcl);
      break;
    case AST_ENUM:
      for (int k = 0; k < dcl->nkids; k++)
        if (dcl->kids[k])
          sema_fields(c, dcl->kids[k], "variant");
      dcl->type = type_nominal(TY_ENUM, dcl);
      break;
    case AST_MESSAGE:
      sema_message_fields(c, ast_kid(dcl, 0), "message");
      if (ast_kid(dcl, 1)) {
        type_t *rt = sema_resolve_type(c, dcl->kids[1]);
        if (!is_err(rt) && (rt->kind == TY_FUTURE || rt->kind == TY_TIMER))
          diag_error(c->d, dcl->kids[1]->loc, "a reply cannot be a `%s`", type_name(rt));
      }
      break;
    case AST_PROTOCOL:
      protocol(c, dcl);
      dcl->type = type_nominal(TY_PROTOCOL, dcl);
      break;
    case AST_FN:
      sema_signature(c, dcl);
      break;
    case AST_EXTERN:
      for (int k = 0; k < dcl->nkids; k++)
        if (dcl->kids[k])
          extern_fn(c, dcl->kids[k]);
      if (dcl->lit.s && !(dcl->flags & IMPORT_C))
        cextern_check(c->mi, dcl, c->opts, c->d);
      break;
    default:
      break;
    }
  }
}

static void bodies(cx_t *c, ast_t *mod) {
  c->mi = mod->info;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *dcl = mod->kids[i];
    if (dcl == NULL)
      continue;
    switch (dcl->kind) {
    case AST_CONST: sema_const_type(c, dcl, dcl->loc); break;
    case AST_FN: sema_check_fn(c, dcl); break;
    case AST_ACTOR: sema_actor_bodies(c, dcl); break;
    default: break;
    }
  }
}

static void check_main(cx_t *c, program_t *prog) {
  ast_t *root = prog->root;
  module_info_t *rmi = root->info;
  ast_t *m = symtab_get(&rmi->decls, strtab_cstr("Main"));
  if (m && m->kind == AST_ACTOR) {
    prog->main_actor = m;
    ast_t *ps = ast_kid(m, 0);
    if (ps == NULL || ps->nkids != 1 || (ps->kids[0]->type != type_array(T(TY_STRING)) && !is_err(ps->kids[0]->type))) {
      diag_error(c->d, m->loc, "`Main` takes exactly one parameter, `args: [string]`");
      diag_hint(c->d, "declare it `actor Main(args: [string])`");
    }
    if (m->flags & (ACTOR_VIRTUAL | ACTOR_PERSISTENT | ACTOR_GPU))
      diag_error(c->d, m->loc, "`Main` is a plain actor (or a supervisor)");
  } else if (c->opts->require_main && !(root->flags & AST_SYNTAX_ERROR)) {
    loc_t l = {root->loc.file, 1, 1};
    if (l.file == NULL && root->nkids > 0 && root->kids[0])
      l.file = root->kids[0]->loc.file;
    diag_error(c->d, l, "no `actor Main(args: [string])` in the root file");
    if (m)
      diag_hint(c->d, "`Main` is declared here, but it is not an actor");
    else
      diag_hint(c->d, "add one: it is where the program starts");
  }
}

/* ---- the emitter's guarantee ---------------------------------------------- */

typedef struct vw {
  cx_t *c;
  int bad;
} vw_t;

static void v_expr(vw_t *v, const ast_t *e);

static void v_kids(vw_t *v, const ast_t *e, int from) {
  for (int i = from; i < e->nkids; i++)
    v_expr(v, e->kids[i]);
}

static void v_expr(vw_t *v, const ast_t *e) {
  if (e == NULL || v->bad > 0)
    return;
  if (e->kind == AST_FIELD_INIT || e->kind == AST_PAIR) {
    v_kids(v, e, 0);
    return;
  }
  if (e->type == NULL || e->type->kind == TY_ERROR) {
    diag_error(v->c->d, e->loc, "internal error: the checker left this %s untyped", ast_kind_name(e->kind));
    diag_hint(v->c->d, "please report this program to the actorc developers");
    v->bad++;
    return;
  }
  switch (e->kind) {
  case AST_CALL:
    if (e->call == SEMA_CALL_METHOD && ast_kid(e, 0))
      v_expr(v, ast_kid(e->kids[0], 0));
    else if (e->call == SEMA_CALL_KERNEL && ast_kid(e, 0))
      v_expr(v, ast_kid(e->kids[0], 1));
    v_kids(v, e, 1);
    return;
  case AST_DOT:
    if (e->dot == SEMA_DOT_FIELD)
      v_kids(v, e, 0);
    return;
  case AST_INDEX:
    v_kids(v, e, e->index == SEMA_INDEX_VIRTUAL ? 1 : 0);
    return;
  case AST_STRUCT_LIT:
    v_kids(v, e, 1);
    return;
  case AST_CAST:
    v_expr(v, ast_kid(e, 0));
    return;
  case AST_SPAWN:
    v_expr(v, ast_kid(e, 0));
    v_expr(v, ast_kid(e, 1));
    return;
  case AST_AT:
    v_expr(v, ast_kid(e, 1));
    return;
  case AST_AWAIT: case AST_ASK: case AST_BINARY: case AST_UNARY: case AST_ARRAY_LIT: case AST_MAP_LIT:
  case AST_INTERP:
    v_kids(v, e, 0);
    return;
  default:
    return;
  }
}

static void v_stmt(vw_t *v, const ast_t *s) {
  if (s == NULL || v->bad > 0)
    return;
  switch (s->kind) {
  case AST_BLOCK:
    for (int i = 0; i < s->nkids; i++)
      v_stmt(v, s->kids[i]);
    return;
  case AST_VAR: v_expr(v, ast_kid(s, 1)); return;
  case AST_ASSIGN: case AST_SEND: v_expr(v, ast_kid(s, 0)); v_expr(v, ast_kid(s, 1)); return;
  case AST_IF: case AST_IF_LET: case AST_WHILE:
    v_expr(v, ast_kid(s, 0));
    for (int i = 1; i < s->nkids; i++)
      v_stmt(v, s->kids[i]);
    return;
  case AST_FOR: {
    const ast_t *it = ast_kid(s, 1);
    if (it && it->kind == AST_RANGE) {
      v_expr(v, ast_kid(it, 0));
      v_expr(v, ast_kid(it, 1));
    } else {
      v_expr(v, it);
    }
    v_stmt(v, ast_kid(s, 2));
    return;
  }
  case AST_MATCH:
    v_expr(v, ast_kid(s, 0));
    for (int i = 1; i < s->nkids; i++)
      if (s->kids[i])
        v_stmt(v, ast_kid(s->kids[i], 1));
    return;
  case AST_RETURN: case AST_STOP: case AST_PERSIST: case AST_EXPR_STMT:
    v_expr(v, ast_kid(s, 0));
    return;
  default:
    return;
  }
}

static void verify(cx_t *c, program_t *prog) {
  vw_t v = {c, 0};
  for (int m = 0; m < prog->nmodules; m++) {
    ast_t *mod = prog->modules[m];
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *d = mod->kids[i];
      if (d == NULL)
        continue;
      if (d->kind == AST_CONST)
        v_expr(&v, ast_kid(d, 1));
      else if (d->kind == AST_FN)
        v_stmt(&v, ast_kid(d, 2));
      else if (d->kind == AST_ACTOR) {
        ast_t *ms = ast_kid(d, 2);
        for (int k = 0; ms && k < ms->nkids; k++) {
          ast_t *x = ms->kids[k];
          if (x == NULL)
            continue;
          switch (x->kind) {
          case AST_VAR: case AST_MAILBOX: case AST_SNAPSHOT: case AST_PASSIVATE: case AST_CHILD:
            v_expr(&v, ast_kid(x, x->kind == AST_VAR ? 1 : 0));
            break;
          case AST_CHILDREN: v_expr(&v, ast_kid(x, 0)); break;
          case AST_RESTARTS: case AST_SUPERVISE:
            v_expr(&v, ast_kid(x, 0));
            v_expr(&v, ast_kid(x, 1));
            break;
          case AST_FN: v_stmt(&v, ast_kid(x, 2)); break;
          case AST_INIT: case AST_ON_STOP: v_stmt(&v, ast_kid(x, 0)); break;
          case AST_ON: case AST_APPLY: v_stmt(&v, ast_kid(x, 1)); break;
          default: break;
          }
        }
      }
      if (v.bad)
        return;
    }
  }
}

/* ---- the passes ----------------------------------------------------------- */

bool sema_check_program(program_t *prog, const sema_opts_t *opts, diag_t *d) {
  sema_builtins_init();
  sema_down_message();
  sema_actor_infos_reset();
  sema_collect(prog, d);
  cx_t c;
  sema_cx_init(&c, d, opts, prog);
  for (int i = 0; i < prog->nmodules; i++)
    signatures(&c, prog->modules[i]);
  for (int i = 0; i < prog->nmodules; i++) {
    ast_t *mod = prog->modules[i];
    c.mi = mod->info;
    for (int k = 0; k < mod->nkids; k++)
      if (mod->kids[k] && mod->kids[k]->kind == AST_ACTOR)
        sema_actor_signatures(&c, mod->kids[k]);
  }
  sema_recursive_values(&c, prog);
  for (int i = 0; i < prog->nmodules; i++)
    bodies(&c, prog->modules[i]);
  c.mi = prog->root->info;
  check_main(&c, prog);
  if (d->errors == 0)
    verify(&c, prog);
  scope_free(&c);
  return d->errors == 0;
}
