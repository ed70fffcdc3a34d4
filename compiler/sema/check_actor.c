/* check_actor.c: actors (LANGUAGE.md §6), supervisors (§8), persistent and
 * virtual actors (§9, §10): handler signatures, protocols an actor
 * declares, fields in order, the member kinds each flavour of actor may
 * have, and the bodies of init, handlers, `on stop`, `apply` and private
 * functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema_int.h"

static const char *member_name(const ast_t *m) {
  switch (m->kind) {
  case AST_INIT: return "init";
  case AST_ON_STOP: return "on stop";
  case AST_MAILBOX: return "mailbox";
  case AST_SNAPSHOT: return "snapshot every";
  case AST_PASSIVATE: return "passivate after";
  case AST_STRATEGY: return "strategy";
  case AST_RESTARTS: return "restarts";
  case AST_SUPERVISE: return "supervise";
  case AST_BATCH: return "batch";
  default: return NULL;
  }
}

static void bind_params(cx_t *c, ast_t *h, ast_t *fields, const char *what, const char *name) {
  ast_t *hp = ast_kid(h, 0);
  int nf = fields ? fields->nkids : 0, np = hp ? hp->nkids : 0;
  for (int k = 0; k < np; k++) {
    ast_t *p = hp->kids[k];
    if (p == NULL)
      continue;
    p->type = np == nf && fields->kids[k] && fields->kids[k]->type ? fields->kids[k]->type : T(TY_ERROR);
    if (p->name && strcmp(p->name, "_") != 0)
      for (int j = 0; j < k; j++)
        if (hp->kids[j] && hp->kids[j]->name == p->name) {
          diag_error(c->d, p->loc, "`%s` is bound twice in this handler", p->name);
          break;
        }
  }
  if (np != nf) {
    diag_error(c->d, h->loc, "%s `%s` has %d field%s, the handler binds %d", what, name, nf, nf == 1 ? "" : "s",
               np);
    if (nf == 0)
      diag_hint(c->d, "write the handler without parentheses: `%s %s { ... }`",
                h->kind == AST_APPLY ? "apply" : "on", name);
    else
      diag_hint(c->d, "bind every field by position (`_` skips one)");
  }
}

static void on_signature(cx_t *c, ast_t *a, actor_info_t *ai, ast_t *m) {
  ast_t *msg = NULL;
  const char *q = m->lit.s ? strtab_cstr(m->lit.s) : NULL;
  if (q) {
    module_info_t *mod = sema_alias(c, q);
    if (mod == NULL) {
      diag_error(c->d, m->loc, "unknown module `%s`", q);
      return;
    }
    msg = sema_module_member(mod, m->name);
  } else {
    msg = sema_global(c, m->name);
  }
  if (msg == NULL || msg->kind != AST_MESSAGE) {
    if (msg == NULL) {
      sema_unknown(c, m->loc, "message", m->name, q ? 0 : SEMA_HINT_MESSAGE);
    } else {
      diag_error(c->d, m->loc, "`%s` is not a message", m->name);
      if (msg->kind == AST_EVENT)
        diag_hint(c->d, "events are handled with `apply %s(...)`", m->name);
    }
    return;
  }
  ast_t *prev = symtab_get(&ai->handlers, (const char *)msg);
  if (prev) {
    diag_error(c->d, m->loc, "`%s` already has a handler for `%s`", a->name, msg->name);
    diag_note(c->d, prev->loc, "the first handler is here");
    return;
  }
  symtab_put(&ai->handlers, (const char *)msg, m);
  m->sym = msg;
  bind_params(c, m, ast_kid(msg, 0), "message", msg->name);
}

static void apply_signature(cx_t *c, ast_t *a, actor_info_t *ai, ast_t *m) {
  ast_t *ev = sema_actor_member(a, m->name);
  if (!(a->flags & ACTOR_PERSISTENT)) {
    diag_error(c->d, m->loc, "`apply` handlers belong in a `persistent actor`");
    return;
  }
  if (ev == NULL || ev->kind != AST_EVENT) {
    diag_error(c->d, m->loc, "unknown event `%s`", m->name);
    diag_hint(c->d, "declare it in `%s`: `event %s(...)`", a->name, m->name);
    return;
  }
  ast_t *prev = symtab_get(&ai->applies, (const char *)ev);
  if (prev) {
    diag_error(c->d, m->loc, "event `%s` already has an `apply` handler", ev->name);
    diag_note(c->d, prev->loc, "the first one is here");
    return;
  }
  symtab_put(&ai->applies, (const char *)ev, m);
  m->sym = ev;
  bind_params(c, m, ast_kid(ev, 0), "event", ev->name);
}

void sema_actor_signatures(cx_t *c, ast_t *a) {
  actor_info_t *ai = sema_actor_info(a);
  if (ai == NULL)
    return;
  a->type = type_nominal(TY_ACTOR, a);
  c->actor = a;
  ast_t *params = ast_kid(a, 0), *protos = ast_kid(a, 1), *ms = ast_kid(a, 2);
  sema_fields(c, params, "parameter list");
  bool persistent = (a->flags & ACTOR_PERSISTENT) != 0, virt = (a->flags & ACTOR_VIRTUAL) != 0;
  bool super = (a->flags & ACTOR_SUPERVISOR) != 0;
  for (int i = 0; protos && i < protos->nkids; i++) {
    ast_t *p = protos->kids[i];
    if (p == NULL)
      continue;
    type_t *t = sema_resolve_type(c, p);
    if (is_err(t))
      continue;
    if (t->kind != TY_PROTOCOL) {
      diag_error(c->d, p->loc, "`%s` is not a protocol", p->name);
      diag_hint(c->d, "after `:` come the protocols the actor implements");
      continue;
    }
    p->sym = t->decl;
    for (int j = 0; j < i; j++)
      if (protos->kids[j] && protos->kids[j]->sym == t->decl)
        diag_error(c->d, p->loc, "protocol `%s` is listed twice", p->name);
  }
  if (virt) {
    if (params == NULL || params->nkids != 1) {
      diag_error(c->d, a->loc, "a virtual actor has exactly one parameter: its key");
      diag_hint(c->d, "declare it `virtual actor %s(key: string)`", a->name);
    } else if (!is_err(params->kids[0]->type) && !type_is_integer(params->kids[0]->type) &&
               params->kids[0]->type->kind != TY_STRING) {
      diag_error(c->d, params->kids[0]->loc, "a virtual actor's key is a string or an integer, not `%s`",
                 type_name(params->kids[0]->type));
    }
  }
  const ast_t *once[AST_KIND_COUNT] = {0};
  for (int i = 0; ms && i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m == NULL)
      continue;
    const char *single = member_name(m);
    if (single) {
      if (once[m->kind]) {
        diag_error(c->d, m->loc, "`%s` appears twice in `%s`", single, a->name);
        diag_note(c->d, once[m->kind]->loc, "the first one is here");
      } else {
        once[m->kind] = m;
      }
    }
    switch (m->kind) {
    case AST_FN:
      sema_signature(c, m);
      if (m->flags & FN_KERNEL)
        diag_error(c->d, m->loc, "kernels are declared at the top level, not inside an actor");
      break;
    case AST_EVENT:
      /* Not sema_message_fields: a future or timer is one of the values
       * the persistability check below names, and one error is enough. */
      sema_fields(c, ast_kid(m, 0), "event");
      for (int k = 0; ast_kid(m, 0) && k < m->kids[0]->nkids; k++) {
        ast_t *f = m->kids[0]->kids[k];
        const type_t *bad = f ? type_unpersistable(f->type) : NULL;
        if (bad) {
          diag_error(c->d, f->loc, "event field `%s` cannot be persisted: `%s` only means something in this process",
                     f->name, type_name(bad));
          diag_hint(c->d, "journal values (numbers, strings, structs, ...); refer to actors by key instead");
        }
      }
      if (!persistent) {
        diag_error(c->d, m->loc, "events belong in a `persistent actor`");
        diag_hint(c->d, "declare it `persistent actor %s(...)`", a->name);
      }
      break;
    case AST_ON:
      on_signature(c, a, ai, m);
      break;
    case AST_APPLY:
      apply_signature(c, a, ai, m);
      break;
    case AST_SNAPSHOT:
      if (!persistent)
        diag_error(c->d, m->loc, "`snapshot every` belongs in a `persistent actor`");
      break;
    case AST_PASSIVATE:
      if (!virt)
        diag_error(c->d, m->loc, "`passivate after` belongs in a `virtual actor`");
      break;
    case AST_BATCH:
      if (!(a->flags & ACTOR_GPU))
        diag_error(c->d, m->loc, "`batch` belongs in a `gpu actor`");
      break;
    case AST_STRATEGY: case AST_RESTARTS:
      if (!super) {
        diag_error(c->d, m->loc, "`%s` belongs in a `supervisor`", single);
        diag_hint(c->d, "an actor sets how it supervises what it spawns with "
                        "`supervise one_for_one restarts 3 within 5s`");
      }
      break;
    case AST_CHILD: case AST_CHILDREN:
      if (!super) {
        diag_error(c->d, m->loc, "`%s` declarations belong in a `supervisor`",
                   m->kind == AST_CHILD ? "child" : "children");
        diag_hint(c->d, "an actor starts children with `spawn`");
      }
      break;
    default:
      break;
    }
  }
  /* Every message of every declared protocol must be handled (unless a
   * syntax error may have eaten the handler). */
  bool complete = !(a->flags & AST_SYNTAX_ERROR);
  for (int i = 0; complete && protos && i < protos->nkids; i++) {
    ast_t *p = protos->kids[i] ? protos->kids[i]->sym : NULL;
    if (p == NULL)
      continue;
    for (int k = 0; k < p->nkids; k++) {
      ast_t *msg = p->kids[k] ? p->kids[k]->sym : NULL;
      if (msg && !symtab_get(&ai->handlers, (const char *)msg)) {
        diag_error(c->d, a->loc, "actor `%s` declares protocol `%s` but does not handle `%s`", a->name, p->name,
                   msg->name);
        diag_hint(c->d, "add `on %s%s { ... }`", msg->name, ast_kid(msg, 0) && msg->kids[0]->nkids ? "(...)" : "");
      }
    }
  }
  /* Every event of a persistent actor needs its apply handler. */
  for (int i = 0; complete && persistent && ms && i < ms->nkids; i++) {
    ast_t *ev = ms->kids[i];
    if (ev && ev->kind == AST_EVENT && symtab_get(&ai->members, ev->name) == ev &&
        !symtab_get(&ai->applies, (const char *)ev)) {
      diag_error(c->d, ev->loc, "event `%s` has no `apply` handler", ev->name);
      diag_hint(c->d, "add `apply %s%s { ... }`: it is how the event changes the state", ev->name,
                ast_kid(ev, 0) && ev->kids[0]->nkids ? "(...)" : "");
    }
  }
  if (a->flags & ACTOR_GPU)
    sema_gpu_actor(c, a);
  c->actor = NULL;
}

/* ---- members with values ----------------------------------------------- */

static bool restart_kind(cx_t *c, ast_t *r) {
  if (r == NULL)
    return true;
  if (r->name && (strcmp(r->name, "temporary") == 0 || strcmp(r->name, "permanent") == 0))
    return true;
  diag_error(c->d, r->loc, "unknown restart kind `%s`", r->name ? r->name : "?");
  diag_hint(c->d, "write `restart permanent` (the default) or `restart temporary`");
  return false;
}

static void strategy(cx_t *c, ast_t *m) {
  static const char *const names[] = {"one_for_one", "one_for_all", "rest_for_one"};
  if (m->name == NULL)
    return;
  for (int i = 0; i < 3; i++)
    if (strcmp(m->name, names[i]) == 0)
      return;
  diag_error(c->d, m->loc, "unknown strategy `%s`", m->name);
  const char *best = NULL;
  int bd = 4;
  for (int i = 0; i < 3; i++) {
    int d = sema_edits(m->name, names[i]);
    if (d < bd) {
      bd = d;
      best = names[i];
    }
  }
  if (best)
    diag_hint(c->d, "did you mean `%s`?", best);
  else
    diag_hint(c->d, "the strategies are one_for_one, one_for_all and rest_for_one");
}

static void child(cx_t *c, ast_t *m) {
  ast_t *k = ast_kid(m, 0);
  if (k == NULL) {
    m->type = T(TY_ERROR);
    return;
  }
  type_t *t = sema_construct(c, k, "child");
  restart_kind(c, ast_kid(m, 1));
  if (!is_err(t) && (t->decl->flags & ACTOR_VIRTUAL)) {
    diag_error(c->d, k->loc, "a virtual actor is not a child: it starts when a message reaches it");
    t = T(TY_ERROR);
  }
  m->type = t;
}

static void children(cx_t *c, ast_t *m) {
  ast_t *var = ast_kid(m, 1), *it = ast_kid(m, 2), *k = ast_kid(m, 0);
  if (var == NULL || it == NULL || k == NULL) {
    m->type = T(TY_ERROR);
    return;
  }
  type_t *vt = T(TY_ERROR);
  if (it->kind == AST_RANGE) {
    type_t *lo = T(TY_ERROR), *hi = T(TY_ERROR);
    if (ast_kid(it, 0) && ast_kid(it, 1))
      sema_operands(c, &it->kids[0], &it->kids[1], NULL, &lo, &hi);
    if (!is_err(lo) && !is_err(hi)) {
      if (!type_is_integer(lo) || lo != hi)
        diag_error(c->d, it->loc, "a range needs two integers of one type, not `%s` and `%s`", type_name(lo),
                   type_name(hi));
      else
        vt = lo;
    }
    it->type = vt;
    m->loop = SEMA_FOR_RANGE;
  } else {
    type_t *t = sema_expr(c, &m->kids[2], NULL);
    if (t->kind == TY_ARRAY) {
      vt = t->elem;
      m->loop = SEMA_FOR_ARRAY;
    } else if (!is_err(t)) {
      diag_error(c->d, it->loc, "children are made for each element of a range or an array, not `%s`",
                 type_name(t));
    }
  }
  var->type = vt;
  int mark = scope_mark(c);
  scope_push(c, var->name, var);
  type_t *t = sema_construct(c, k, "children");
  scope_pop(c, mark);
  restart_kind(c, ast_kid(m, 3));
  if (!is_err(t) && (t->decl->flags & ACTOR_VIRTUAL)) {
    diag_error(c->d, k->loc, "a virtual actor is not a child: it starts when a message reaches it");
    t = T(TY_ERROR);
  }
  m->type = is_err(t) ? T(TY_ERROR) : type_array(t);
}

static void field(cx_t *c, ast_t *m) {
  sema_local(c, m);
  type_t *t = m->type;
  if (!is_err(t) && t->kind == TY_FUTURE) {
    diag_error(c->d, m->loc, "a future cannot be kept in a field: it belongs to the handler that asked");
    diag_hint(c->d, "await it in that handler and keep the reply");
  }
}

/* The runtime counts queued messages in uint32: ACT_MAILBOX_MAX in
 * runtime/include/act/act.h says why the bound stops here. */
#define MAILBOX_MAX 2147483647

/* The value of a constant of literal kind `lit` (AST_INT or AST_DURATION):
 * a literal, its negation, or a `const` naming one (through the checker's
 * implicit conversions). */
static bool const_literal(const ast_t *n, ast_kind_t lit, bool *neg, uint64_t *v, int depth) {
  if (n == NULL || depth > 64) return false;
  if (n->kind == lit) {
    *neg = false;
    *v = n->lit.i;
    return true;
  }
  switch (n->kind) {
  case AST_UNARY:
    if (n->op != OP_NEG || !const_literal(ast_kid(n, 0), lit, neg, v, depth + 1)) return false;
    *neg = !*neg && *v != 0;
    return true;
  case AST_CAST: return ast_kid(n, 1) == NULL && const_literal(ast_kid(n, 0), lit, neg, v, depth + 1);
  case AST_NAME:
    return n->sym && n->sym->kind == AST_CONST && const_literal(ast_kid(n->sym, 1), lit, neg, v, depth + 1);
  default: return false;
  }
}

static bool const_whole(const ast_t *n, bool *neg, uint64_t *v, int depth) {
  return const_literal(n, AST_INT, neg, v, depth);
}

/* `mailbox N`: N must be known here (the emitter writes it into the actor
 * type as a number) and within 1..MAILBOX_MAX. A `const` is replaced by
 * its value for the emitter. */
static void mailbox(cx_t *c, ast_t *m) {
  if (ast_kid(m, 0) == NULL || is_err(sema_expect(c, &m->kids[0], T(TY_I64))))
    return;
  ast_t *e = m->kids[0];
  bool neg;
  uint64_t v;
  if (!const_whole(e, &neg, &v, 0)) {
    diag_error(c->d, e->loc, "`mailbox` takes a whole number known when compiling");
    diag_hint(c->d, "write a number or a `const`, like `mailbox 10_000`");
  } else if (neg || v == 0 || v > MAILBOX_MAX) {
    diag_error(c->d, e->loc, "a mailbox bound must be from 1 to 2_147_483_647, not %s%llu", neg ? "-" : "",
               (unsigned long long)v);
    if (v == 0 || neg)
      diag_hint(c->d, "leave `mailbox` out for the runtime's default bound (--act-mailbox)");
    else
      diag_hint(c->d, "the runtime counts queued messages in 32 bits");
  } else if (e->kind != AST_INT) {
    ast_t *k = ast_new(AST_INT, e->loc);
    k->lit.i = v;
    k->type = e->type;
    m->kids[0] = k;
  }
}

/* The numbers of `restarts N within D`, `supervise ... restarts N within
 * D`, `passivate after D` and `snapshot every N` go into the actor's type
 * as numbers: each must be known when compiling (a literal or a `const`)
 * and in range. It is replaced by its literal for the emitter, which
 * reads literals only: a `const` or `-1` there once silently gave the
 * default (`restarts MAX within 5s` restarted 3 times, not MAX). */
static void known_member_number(cx_t *c, ast_t *m, int i, bool duration, uint64_t lo, uint64_t hi,
                                const char *what, const char *example) {
  if (ast_kid(m, i) == NULL || is_err(sema_expect(c, &m->kids[i], duration ? T(TY_DURATION) : T(TY_I64))))
    return;
  ast_t *e = m->kids[i];
  bool neg = false;
  uint64_t v = 0;
  bool known = const_literal(e, duration ? AST_DURATION : AST_INT, &neg, &v, 0);
  if (!known || neg || v < lo || v > hi) {
    diag_error(c->d, e->loc, "`%s` takes %s known when compiling, like `%s`", what,
               duration ? "a positive duration" : lo > 0 ? "a positive whole number" : "a whole number (0 or more)",
               example);
    if (!known)
      diag_hint(c->d, "write a literal or the name of a `const`");
    else if (!neg && v > hi)
      diag_hint(c->d, "at most %llu", (unsigned long long)hi);
    return;
  }
  if (e->kind != (duration ? AST_DURATION : AST_INT)) {
    ast_t *k = ast_new(duration ? AST_DURATION : AST_INT, e->loc);
    k->lit.i = v;
    k->type = e->type;
    m->kids[i] = k;
  }
}

static void value_members(cx_t *c, ast_t *a) {
  ast_t *ms = ast_kid(a, 2);
  c->in_fields = true;
  for (int i = 0; ms && i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m == NULL)
      continue;
    c->owner = m;
    /* A member named like a parameter shadows it, except in its own
     * initialiser (see decls.c). */
    ast_t *param = NULL;
    actor_info_t *ai = sema_actor_info(a);
    if (ai && m->name && (m->kind == AST_VAR || m->kind == AST_CHILD || m->kind == AST_CHILDREN))
      for (int k = 0; ast_kid(a, 0) && k < a->kids[0]->nkids; k++)
        if (a->kids[0]->kids[k] && a->kids[0]->kids[k]->name == m->name)
          param = a->kids[0]->kids[k];
    if (param && symtab_get(&ai->members, m->name) == m)
      symtab_put(&ai->members, m->name, param);
    else
      param = NULL;
    switch (m->kind) {
    case AST_VAR: field(c, m); break;
    case AST_CHILD: child(c, m); break;
    case AST_CHILDREN: children(c, m); break;
    case AST_MAILBOX: mailbox(c, m); break;
    case AST_SNAPSHOT:
      known_member_number(c, m, 0, false, 1, INT64_MAX, "snapshot every", "snapshot every 1000");
      break;
    case AST_PASSIVATE:
      known_member_number(c, m, 0, true, 1, INT64_MAX, "passivate after", "passivate after 10m");
      break;
    case AST_BATCH:
      sema_gpu_batch(c, m);
      break;
    case AST_SUPERVISE:
    case AST_RESTARTS:
      if (m->kind == AST_SUPERVISE)
        strategy(c, m);
      known_member_number(c, m, 0, false, 0, UINT32_MAX, "restarts", "restarts 3 within 5s");
      known_member_number(c, m, 1, true, 1, INT64_MAX, "within", "restarts 3 within 5s");
      break;
    case AST_STRATEGY:
      strategy(c, m);
      break;
    default:
      break;
    }
    if (param)
      symtab_put(&ai->members, m->name, m);
    m->flags |= AST_CHECKED;
  }
  c->in_fields = false;
  c->owner = NULL;
}

/* ---- bodies ------------------------------------------------------------ */

void sema_check_fn(cx_t *c, ast_t *fn) {
  ast_t *ps = ast_kid(fn, 0), *body = ast_kid(fn, 2);
  if (fn->flags & FN_KERNEL)
    sema_gpu_signature(c, fn);
  if (body == NULL)
    return;
  int mark = scope_mark(c);
  for (int i = 0; ps && i < ps->nkids; i++)
    if (ps->kids[i])
      scope_push(c, ps->kids[i]->name, ps->kids[i]);
  ast_t *rt = ast_kid(fn, 1);
  sema_body(c, fn, body, rt ? (rt->type ? rt->type : T(TY_ERROR)) : NULL);
  scope_pop(c, mark);
  if (fn->flags & FN_KERNEL)
    sema_gpu_body(c, fn, "a kernel");
}

static void handler(cx_t *c, ast_t *m) {
  if (m->sym == NULL)
    return; /* unknown message or event, reported */
  int mark = scope_mark(c);
  ast_t *hp = ast_kid(m, 0);
  for (int k = 0; hp && k < hp->nkids; k++)
    if (hp->kids[k])
      scope_push(c, hp->kids[k]->name, hp->kids[k]);
  type_t *ret = NULL;
  if (m->kind == AST_ON && ast_kid(m->sym, 1))
    ret = m->sym->kids[1]->type ? m->sym->kids[1]->type : T(TY_ERROR);
  sema_body(c, m, ast_kid(m, 1), ret);
  scope_pop(c, mark);
}

void sema_actor_bodies(cx_t *c, ast_t *a) {
  /* After a syntax error inside the actor, its members may be missing:
   * checking its bodies would report names that are only lost. */
  if (sema_actor_info(a) == NULL || (a->flags & AST_SYNTAX_ERROR))
    return;
  c->actor = a;
  value_members(c, a);
  ast_t *ms = ast_kid(a, 2);
  bool gpu = (a->flags & ACTOR_GPU) != 0;
  for (int i = 0; ms && i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m == NULL)
      continue;
    switch (m->kind) {
    case AST_FN:
      if (!(m->flags & FN_KERNEL)) {
        sema_check_fn(c, m);
        if (gpu)
          sema_gpu_body(c, m, "a gpu actor");
      }
      break;
    case AST_INIT: case AST_ON_STOP:
      sema_body(c, m, ast_kid(m, 0), NULL);
      break;
    case AST_ON:
      handler(c, m);
      if (gpu && m->sym)
        sema_gpu_body(c, m, "a gpu actor");
      break;
    case AST_APPLY:
      handler(c, m);
      break;
    default:
      break;
    }
  }
  /* Tells of a message no handler's actor can name the sender of carry
   * none (the emitter's ACT_MSGT_NO_SENDER): a sender that has stopped is
   * then not kept alive by the mail it left behind (fjcreate's Acks). */
  if (a->flags & ACTOR_READS_SENDER)
    for (int i = 0; ms && i < ms->nkids; i++)
      if (ms->kids[i] && ms->kids[i]->kind == AST_ON && ms->kids[i]->sym)
        ms->kids[i]->sym->flags |= MSG_SENDER_READ;
  c->actor = NULL;
}
