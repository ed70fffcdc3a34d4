#define _GNU_SOURCE
/* emit.c: the emitter's driver — one .h and one .c per module: types,
 * messages, actors (state struct, start, handlers, dispatch, descriptor),
 * functions, and main() in the root module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit/emit_cuda.h"
#include "common/xalloc.h"
#include "emit/emit_int.h"
#include "sema/sema.h"


/* ---- helpers ----------------------------------------------------------- */

/* The C function of actor a's handler for msg: `<actor>_on_<Msg>` for a
 * message of the same module (names there are unique), `<actor>_on_0<C
 * name>` for one imported (the digit keeps the two forms apart). */
static const char *handler_cname(ast_t *a, ast_t *msg) {
  if (msg->loc.file == NULL) return xprintf("%s_on_DOWN", decl_cname(a));
  if (msg->loc.file == a->loc.file) return xprintf("%s_on_%s", decl_cname(a), msg->name);
  return xprintf("%s_on_0%s", decl_cname(a), decl_cname(msg));
}

static int64_t const_int(ast_t *n, int64_t def) {
  if (n == NULL) return def;
  if (n->kind == AST_INT || n->kind == AST_DURATION) return (int64_t)n->lit.i;
  return def;
}

/* A literal's value as C, or def (a constant of act.h) */
static const char *const_text(ast_t *n, const char *def) {
  if (n == NULL || (n->kind != AST_INT && n->kind != AST_DURATION)) return def;
  return xprintf(n->kind == AST_DURATION ? "INT64_C(%lld)" : "%lld", (long long)n->lit.i);
}

static ast_t *member(ast_t *actor, ast_kind_t k) {
  ast_t *ms = actor->kids[2];
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == k) return ms->kids[i];
  return NULL;
}

static void print_params(strbuf_t *b, ast_t *ps) {
  for (int i = 0; i < ps->nkids; i++) {
    ast_t *p = ps->kids[i];
    p->data = xprintf("l_%s", p->name);
    strbuf_printf(b, ", %s %s", ctype(p->type), (char *)p->data);
  }
}

/* ---- functions --------------------------------------------------------- */

static void emit_fn(em_t *e, strbuf_t *body, strbuf_t *protos, ast_t *fn, ast_t *actor) {
  const char *rt = fn->kids[1] ? ctype(fn->kids[1]->type) : "void";
  strbuf_t sig = {0};
  if (actor)
    strbuf_printf(&sig, "static %s %s_fn_%s(act_ctx_t *cx, %s *self", rt, decl_cname(actor), fn->name, decl_cname(actor));
  else
    strbuf_printf(&sig, "%s %s(act_ctx_t *cx", rt, decl_cname(fn));
  print_params(&sig, fn->kids[0]);
  strbuf_printf(&sig, ")");
  if (actor) strbuf_printf(protos, "%s;\n", sig.p);
  strbuf_printf(body, "%s {\n  (void)cx;%s\n", sig.p, actor ? " (void)self;" : "");
  e->out = body;
  e->indent = 1;
  e->coro = 0;
  e->is_handler = 0;
  e->is_ask = 0;
  e->ret = fn->kids[1] ? fn->kids[1]->type : NULL;
  emit_block(e, fn->kids[2]);
  emit_glue(e);
  if (e->ret) line(e, "__builtin_unreachable();");
  strbuf_printf(body, "}\n\n");
  free(sig.p);
}

/* A handler, init or on-stop body. kind: 0 handler (ON), 1 init, 2 stop,
 * 3 a handler that becomes a case of its actor's dispatch. An init is no
 * function of its own (each function costs the C compiler some 3 million
 * instructions at -Og -g whatever its size): a plain init returns its
 * statements for the start function to end with; one that awaits gets
 * only its frame and resumable body, which start calls. A handler that
 * does not suspend (kind 3) likewise returns its statements, which
 * dispatch runs in the message's case; one that suspends is emitted as
 * kind 0 whatever was asked. */
static char *emit_body(em_t *e, strbuf_t *out, ast_t *actor, ast_t *owner, const char *fname, int kind) {
  const char *an = decl_cname(actor);
  if (kind == 3 && owner->suspends) kind = 0;
  int handler = kind == 0 || kind == 3;
  ast_t *msg = handler ? owner->sym : NULL;
  ast_t *blk = handler ? owner->kids[1] : owner->kids[0];
  const char *mstruct = msg ? msg_cname(msg) : NULL;
  int ask = msg && msg->kids[1] != NULL;
  e->ret = ask ? msg->kids[1]->type : NULL;
  e->is_handler = 1;
  e->is_ask = ask;
  e->reply_msg = ask ? decl_cname(msg) : NULL;
  e->indent = kind == 3 ? 2 : 1;
  strbuf_t body = {0};
  e->out = &body;
  if (owner->suspends && kind != 2) {
    /* Resumable: locals in the frame, case labels at await points. */
    e->coro = 1;
    e->nstates = 0;
    memset(&e->frame, 0, sizeof e->frame);
    const char *bodyname = xprintf("%s_body", fname);
    e->resume_name = bodyname;
    e->indent = 2;
    if (kind == 0) {
      ast_t *hp = owner->kids[0];
      for (int i = 0; i < hp->nkids; i++)
        if (strcmp(hp->kids[i]->name, "_") != 0) {
          const char *lv = declare_local(e, hp->kids[i], ctype(hp->kids[i]->type));
          line(e, "%s = F->m->f_%s;", lv, msg->kids[0]->kids[i]->name);
        }
    }
    emit_block(e, blk);
    emit_glue(e);
    strbuf_printf(out, "typedef struct %s_frame {\n  int state;\n%s%s} %s_frame;\n\n", fname,
              mstruct ? xprintf("  %s *m;\n", mstruct) : "", e->frame.p ? e->frame.p : "", fname);
    strbuf_printf(out, "static act_status_t %s(act_ctx_t *cx, act_actor_t *base, void *vf) {\n", bodyname);
    strbuf_printf(out, "  %s *self = (%s *)base;\n  %s_frame *F = vf;\n  (void)self; (void)cx;\n", an, an, fname);
    strbuf_printf(out, "  switch (F->state) {\n  case 0:;\n%s  }\n  return ACT_DONE;\n}\n\n", body.p ? body.p : "");
    if (kind == 0)
      strbuf_printf(out, "static act_status_t %s(act_ctx_t *cx, %s *self, %s *m) {\n  %s_frame *F = act_frame_alloc(cx, sizeof *F);\n  F->m = m;\n  return %s(cx, &self->base, F);\n}\n\n",
                fname, an, mstruct, fname, bodyname);
    e->coro = 0;
    free(e->frame.p);
    memset(&e->frame, 0, sizeof e->frame);
  } else {
    e->coro = 0;
    if (handler) {
      ast_t *hp = owner->kids[0];
      /* dispatch's m is the plain act_msg_t */
      const char *m = kind == 3 ? xprintf("((%s *)m)", mstruct) : "m";
      for (int i = 0; i < hp->nkids; i++)
        if (strcmp(hp->kids[i]->name, "_") != 0) {
          hp->kids[i]->data = xprintf("l_%s_%d", hp->kids[i]->name, e->tmp++);
          line(e, "%s %s = %s->f_%s;", ctype(hp->kids[i]->type), (char *)hp->kids[i]->data, m, msg->kids[0]->kids[i]->name);
          line(e, "(void)%s;", (char *)hp->kids[i]->data);
        }
    }
    emit_block(e, blk);
    emit_glue(e);
    if (kind == 2)
      strbuf_printf(out, "static void %s(act_ctx_t *cx, act_actor_t *base) {\n  %s *self = (%s *)base;\n  (void)self; (void)cx;\n%s}\n\n",
                fname, an, an, body.p ? body.p : "");
    else if (kind == 0)
      strbuf_printf(out, "static act_status_t %s(act_ctx_t *cx, %s *self, %s *m) {\n  (void)self; (void)m; (void)cx;\n%s  return ACT_DONE;\n}\n\n",
                fname, an, mstruct, body.p ? body.p : "");
    else {
      e->is_handler = 0;
      return body.p ? body.p : xstrdup("");   /* init, or a handler's case */
    }
  }
  free(body.p);
  e->is_handler = 0;
  return NULL;
}

/* The actor's part of the header: its state struct, descriptor and the
 * C helper that spawns it. */
static void emit_actor_header(FILE *h, ast_t *a) {
  const char *an = decl_cname(a);
  ast_t *params = a->kids[0], *ms = a->kids[2];
  fprintf(h, "/* actor %s */\ntypedef struct %s {\n  act_actor_t base;\n", a->name, an);
  for (int i = 0; i < params->nkids; i++) {
    params->kids[i]->scope = a;
    fprintf(h, "  %s p_%s;\n", ctype(params->kids[i]->type), params->kids[i]->name);
  }
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m->kind == AST_VAR || m->kind == AST_CHILD || m->kind == AST_CHILDREN) {
      m->scope = a;
      fprintf(h, "  %s f_%s;\n", ctype(m->type), m->name);
    }
  }
  if (a->flags & ACTOR_GPU) fprintf(h, "  act_gpu_state_t *gpu_;   /* the runtime's batches */\n");
  fprintf(h, "} %s;\nextern const act_actor_type_t %s_type;\n", an, an);
  fprintf(h, "extern const act_remote_actor_t %s_remote;   /* spawn ... on n */\n", an);
  if (a->flags & ACTOR_VIRTUAL) {
    fprintf(h, "extern const act_virtual_type_t %s_vtype;\n", an);
    /* A virtual actor is not spawned: C addresses it by key like Act does. */
    fprintf(h, "/* %s[key] from C. */\nstatic inline act_actor_t *%s_ref(act_ctx_t *cx, %s key) {\n"
               "  return %s;\n}\n\n", a->name, an, ctype(params->kids[0]->type),
            params->kids[0]->type->kind == TY_STRING ? xprintf("act_virtual_str(cx, &%s_vtype, key)", an)
                                                     : xprintf("act_virtual_int(cx, &%s_vtype, (int64_t)key)", an));
    return;
  }
  /* embedding helper: spawn from C */
  fprintf(h, "/* Spawn %s from C (cx: act_external() outside actors). */\nstatic inline act_actor_t *%s_spawn(act_ctx_t *cx", a->name, an);
  for (int i = 0; i < params->nkids; i++) fprintf(h, ", %s p_%s", ctype(params->kids[i]->type), params->kids[i]->name);
  fprintf(h, ") {\n  %s *a = (%s *)act_spawn_alloc(cx, &%s_type);\n", an, an, an);
  for (int i = 0; i < params->nkids; i++) fprintf(h, "  a->p_%s = p_%s;\n", params->kids[i]->name, params->kids[i]->name);
  fprintf(h, "  act_spawn_start(cx, &a->base, ACT_RESTART_PERMANENT);\n  return &a->base;\n}\n\n");
}

/* A virtual actor's activations are made by the runtime (virtual.c) from
 * the key: the key is its one parameter. */
static void emit_virtual_type(strbuf_t *out, ast_t *a) {
  const char *an = decl_cname(a);
  ast_t *key = a->kids[0]->kids[0];
  ast_t *pa = member(a, AST_PASSIVATE);
  strbuf_printf(out, "static act_actor_t *%s_activate(act_ctx_t *cx, const act_vkey_t *key) {\n"
                 "  %s *a = (%s *)act_spawn_alloc(cx, &%s_type);\n  a->p_%s = %s;\n  return &a->base;\n}\n\n",
            an, an, an, an, key->name,
            key->type->kind == TY_STRING ? "key->s" : xprintf("(%s)key->i", ctype(key->type)));
  strbuf_printf(out, "static struct act_virtual_reg *%s_vreg;\n"
                 "const act_virtual_type_t %s_vtype = {\n  .type = &%s_type,\n  .activate = %s_activate,\n"
                 "  .passivate_ns = INT64_C(%lld),\n  .reg = &%s_vreg,\n};\n\n",
            an, an, an, an, (long long)(pa ? const_int(pa->kids[0], 0) : 0), an);
  /* Declared before main: in a cluster, a node activates keys that other
   * nodes send it, whether or not its own code ever names the type. */
  strbuf_printf(out, "__attribute__((constructor)) static void %s_1vdeclare(void) { act_virtual_declare(&%s_vtype); }\n\n",
                an, an);
}

/* The parameters as a struct descriptor over the state struct: what
 * `spawn ... on n` encodes and the node that runs it decodes (§10). */
static void emit_actor_params(strbuf_t *out, ast_t *a) {
  const char *an = decl_cname(a);
  ast_t *ps = a->kids[0];
  strbuf_printf(out, "static const act_field_t %s_param_fields[] = {\n", an);
  for (int i = 0; i < ps->nkids; i++)
    strbuf_printf(out, "  {.name = \"%s\", .offset = offsetof(%s, p_%s), .type = %s},\n", ps->kids[i]->name, an,
              ps->kids[i]->name, tdesc(ps->kids[i]->type));
  if (ps->nkids == 0) strbuf_printf(out, "  {.name = NULL},\n");
  strbuf_printf(out, "};\nstatic const act_type_t %s_params = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n"
                 "  .kind = ACT_K_STRUCT,\n  .nfields = %d,\n  .fields = %s_param_fields,\n};\n",
            an, a->name, an, ps->nkids, an);
  strbuf_printf(out, "const act_remote_actor_t %s_remote = {&%s_type, &%s_params};\n\n", an, an, an);
}

/* Each module declares its actor and message types to the runtime before
 * main: a node decodes messages and spawns actors by them, and they make
 * the program's schema fingerprint (cluster/declare.c). */
static void emit_declare(strbuf_t *out, ast_t *mod) {
  const char *mn = mod->data;
  strbuf_t actors = {0}, msgs = {0};
  int na = 0, nm = 0;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *d = mod->kids[i];
    if (d && d->kind == AST_ACTOR && !(d->flags & ACTOR_VIRTUAL)) {
      strbuf_printf(&actors, "    &%s_remote,\n", decl_cname(d));
      na++;
    }
    if (d && d->kind == AST_MESSAGE) {
      const char *cn = decl_cname(d);
      strbuf_printf(&msgs, "    {&%s_desc, %s},\n", cn, d->kids[1] ? xprintf("&%s_reply_desc", cn) : "NULL");
      nm++;
    }
  }
  if (na + nm > 0) {
    /* `_1...`: no Act name gives it (emit_names.c), so no declaration meets it */
    strbuf_printf(out, "__attribute__((constructor)) static void %s_1declare(void) {\n", mn);
    if (na) strbuf_printf(out, "  static const act_remote_actor_t *const actors[] = {\n%s  };\n", actors.p);
    if (nm) strbuf_printf(out, "  static const act_remote_msg_t msgs[] = {\n%s  };\n", msgs.p);
    strbuf_printf(out, "  act_remote_declare(%s, %d, %s, %d);\n}\n", na ? "actors" : "NULL", na, nm ? "msgs" : "NULL", nm);
  }
  free(actors.p);
  free(msgs.p);
}

static void emit_actor(em_t *e, FILE *h, strbuf_t *out, strbuf_t *protos, ast_t *a) {
  const char *an = decl_cname(a);
  ast_t *ms = a->kids[2];
  if (h) emit_actor_header(h, a);
  /* private functions */
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == AST_FN) emit_fn(e, out, protos, ms->kids[i], a);
  e->actor = a;
  if (a->flags & ACTOR_PERSISTENT) {
    ast_t *snap = member(a, AST_SNAPSHOT);
    emit_persist_actor(e, out, a, snap ? const_int(snap->kids[0], 0) : 0);
  }
  /* handlers: those that do not suspend become their message's case in
   * dispatch (cases[i], for member i), one C function for all of them;
   * a GPU actor's handlers stay functions, which its batches call */
  char **cases = xcalloc((size_t)ms->nkids + 1, sizeof *cases);
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m->kind == AST_ON && m->sym)
      cases[i] = emit_body(e, out, a, m, handler_cname(a, m->sym), (a->flags & ACTOR_GPU) ? 0 : 3);
  }
  ast_t *init = member(a, AST_INIT);
  char *init_text = init ? emit_body(e, out, a, init, xprintf("%s_init", an), 1) : NULL;
  ast_t *stop = member(a, AST_ON_STOP);
  if (stop) emit_body(e, out, a, stop, xprintf("%s_on_stop", an), 2);
  if (a->flags & ACTOR_GPU) cuda_emit_actor(out, a, e->mod->data, handler_cname);

  /* start: fields in order, children, then init */
  strbuf_t body = {0};
  e->out = &body;
  e->indent = 1;
  e->coro = 0;
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m->kind == AST_VAR || m->kind == AST_CHILD || m->kind == AST_CHILDREN) emit_source_line(e, m->loc);
    if (m->kind == AST_VAR) {
      if (m->kids[1]) line(e, "self->f_%s = %s;", m->name, emit_value(e, m->kids[1]));
      else line(e, "self->f_%s = (%s){0};", m->name, ctype(m->type));
    } else if (m->kind == AST_CHILD) {
      ast_t *r = m->kids[1];
      int temp = r && strcmp(r->name, "temporary") == 0;
      ast_t sp = {0};
      sp.kind = AST_SPAWN;
      sp.name = m->name;   /* the child's name in supervision paths */
      ast_t *kids[3] = {m->kids[0], NULL, m->kids[1]};
      sp.kids = kids;
      sp.nkids = 3;
      (void)temp;
      line(e, "self->f_%s = %s;", m->name, emit_expr(e, &sp));
    } else if (m->kind == AST_CHILDREN) {
      ast_t *it = m->kids[2];
      line(e, "self->f_%s = act_array_new(&act_type_ref, 0);", m->name);
      line(e, "for (int64_t i_ = %s, n_ = %s, k_ = 0; i_ < n_; i_++, k_++) {", emit_expr(e, it->kids[0]), emit_expr(e, it->kids[1]));
      e->indent++;
      m->kids[1]->data = xprintf("l_%s_%d", m->kids[1]->name, e->tmp++);
      line(e, "%s %s = i_;", ctype(m->kids[1]->type), (char *)m->kids[1]->data);
      ast_t sp = {0};
      sp.kind = AST_SPAWN;
      sp.name = m->name;   /* `tellers[k_]` in supervision paths */
      e->spawn_nth = "k_";
      ast_t *kids[3] = {m->kids[0], NULL, m->kids[3]};
      sp.kids = kids;
      sp.nkids = 3;
      line(e, "act_array_push(&self->f_%s, &act_type_ref, (act_actor_t *[]){%s});", m->name, emit_expr(e, &sp));
      e->indent--;
      line(e, "}");
    }
  }
  emit_glue(e);
  /* a persistent actor recovers after its fields, before init (§9) */
  if (a->flags & ACTOR_PERSISTENT) line(e, "%s", emit_persist_recover(a));
  if (a->flags & ACTOR_GPU) line(e, "act_gpu_started(cx, base, &self->gpu_, &%s_gpu);", an);
  strbuf_printf(out, "static act_status_t %s_start(act_ctx_t *cx, act_actor_t *base) {\n  %s *self = (%s *)base;\n  (void)self; (void)cx;\n  cx->where = %s;\n%s",
            an, an, an, emit_loc(e, init ? init->loc : a->loc), body.p ? body.p : "");
  if (init_text) strbuf_printf(out, "  /* init */\n%s  return ACT_DONE;\n}\n\n", init_text);
  else if (init)
    strbuf_printf(out, "  return %s_init_body(cx, base, act_frame_alloc(cx, sizeof(%s_init_frame)));\n}\n\n", an, an);
  else strbuf_printf(out, "  return ACT_DONE;\n}\n\n");
  free(init_text);
  free(body.p);

  /* dispatch: an actor without handlers shares the runtime's
   * act_dispatch_none rather than a function of its own */
  int handlers = 0;
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == AST_ON && ms->kids[i]->sym) handlers++;
  const char *dispatch = handlers || (a->flags & ACTOR_GPU) ? xprintf("%s_dispatch", an) : "act_dispatch_none";
  if (strcmp(dispatch, "act_dispatch_none") != 0) {
  strbuf_printf(out, "static act_status_t %s_dispatch(act_ctx_t *cx, act_actor_t *base, act_msg_t *m) {\n  %s *self = (%s *)base;\n  (void)self; (void)cx;\n  switch (m->type->id) {\n",
            an, an, an);
  for (int i = 0, batched = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m->kind != AST_ON || m->sym == NULL) continue;
    const char *at = emit_loc(e, m->loc);
    if ((a->flags & ACTOR_GPU) && cuda_dispatch_case(out, a, m, batched, at)) {
      batched++;
      continue;
    }
    if (cases[i])
      strbuf_printf(out, "  case %s: {\n    cx->where = %s;\n%s    return ACT_DONE;\n  }\n", msg_id_name(m->sym), at,
                    cases[i]);
    else
      strbuf_printf(out, "  case %s: cx->where = %s; return %s(cx, self, (%s *)m);\n", msg_id_name(m->sym), at,
                    handler_cname(a, m->sym), msg_cname(m->sym));
    free(cases[i]);
  }
  if (a->flags & ACTOR_GPU)
    strbuf_printf(out, "  case ACT_MSG_GPU_FLUSH: return act_gpu_flush(cx, base, &self->gpu_, &%s_gpu, m);\n", an);
  strbuf_printf(out, "  default: return ACT_UNHANDLED;\n  }\n}\n\n");
  }
  free(cases);

  /* supervision clause */
  const char *strategy = "ACT_ONE_FOR_ONE";
  const char *max = "ACT_DEFAULT_MAX_RESTARTS", *window = "ACT_DEFAULT_RESTART_WINDOW_NS";
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *m = ms->kids[i];
    if (m->kind == AST_STRATEGY || m->kind == AST_SUPERVISE) {
      strategy = strcmp(m->name, "one_for_all") == 0 ? "ACT_ONE_FOR_ALL"
                 : strcmp(m->name, "rest_for_one") == 0 ? "ACT_REST_FOR_ONE" : "ACT_ONE_FOR_ONE";
      if (m->kind == AST_SUPERVISE) {
        max = const_text(m->kids[0], max);
        window = const_text(m->kids[1], window);
      }
    }
    if (m->kind == AST_RESTARTS) {
      max = const_text(m->kids[0], max);
      window = const_text(m->kids[1], window);
    }
  }
  ast_t *mb = member(a, AST_MAILBOX);
  strbuf_printf(out, "const act_actor_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .mailbox_bound = %lld,\n"
                 "  .start = %s_start,\n  .dispatch = %s,\n  .on_stop = %s,\n  .strategy = %s,\n"
                 "  .max_restarts = %s,\n  .restart_window_ns = %s,\n  .ordered_start = %d,\n};\n\n",
            an, a->name, an, (long long)(mb ? const_int(mb->kids[0], 0) : 0), an, dispatch,
            stop ? xprintf("%s_on_stop", an) : "NULL", strategy, max, window,
            (a->flags & ACTOR_SUPERVISOR) ? 1 : 0);
  if (a->flags & ACTOR_VIRTUAL) emit_virtual_type(out, a);
  emit_actor_params(out, a);
  e->actor = NULL;
}

static int body_shares(ast_t *fields) {
  for (int i = 0; i < fields->nkids; i++)
    if (type_shares(fields->kids[i]->type)) return 1;
  return 0;
}

static void emit_message(FILE *h, strbuf_t *out, ast_t *m) {
  const char *cn = decl_cname(m), *st = msg_cname(m);
  ast_t *fs = m->kids[0];
  fprintf(h, "/* message %s */\ntypedef struct %s {\n  act_msg_t h;\n", m->name, st);
  for (int i = 0; i < fs->nkids; i++) fprintf(h, "  %s f_%s;\n", ctype(fs->kids[i]->type), fs->kids[i]->name);
  fprintf(h, "} %s;\nenum { %s = ACT_MSG_FIRST_USER + %d };   /* act_msg_type_t.id */\n", st, msg_id_name(m), m->emit_id);
  fprintf(h, "extern const act_msg_desc_t %s_desc;\n#define %s_type (%s_desc.type)\n", cn, cn, cn);
  /* embedding helper: build from C */
  fprintf(h, "static inline act_msg_t *%s_new(act_ctx_t *cx", cn);
  for (int i = 0; i < fs->nkids; i++) fprintf(h, ", %s f_%s", ctype(fs->kids[i]->type), fs->kids[i]->name);
  fprintf(h, ") {\n  %s *m = (%s *)act_msg_new(cx, &%s_type);\n", st, st, cn);
  for (int i = 0; i < fs->nkids; i++) fprintf(h, "  m->f_%s = f_%s;\n", fs->kids[i]->name, fs->kids[i]->name);
  fprintf(h, "  return &m->h;\n}\n");
  if (m->kids[1]) {
    fprintf(h, "typedef %s %s_reply;\nextern const act_msg_desc_t %s_reply_desc;\n#define %s_reply_type (%s_reply_desc.type)\n",
            reply_cname(m->kids[1]->type), cn, cn, cn, cn);
  }
  fprintf(h, "\n");
  /* descriptor: the fields as data; the runtime prints and shares from it */
  emit_fields_table(out, xprintf("%s_fields", cn), st, NULL, fs, "");
  strbuf_printf(out, "static const act_type_t %s_body = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_STRUCT,\n"
                 "  .nfields = %d,\n  .fields = %s_fields%s,\n};\n", cn, m->name, st, fs->nkids, cn,
            body_shares(fs) ? ",\n  .flags = ACT_TF_SHARE" : "");
  strbuf_printf(out, "const act_msg_desc_t %s_desc = {\n  .type = {\n    .name = \"%s\",\n    .id = %s,\n    .size = sizeof(%s),\n"
                 "    .print = act__msg_print,\n    .share = act__msg_share,\n%s  },\n  .body = &%s_body,\n};\n",
            cn, m->name, msg_id_name(m), st,
            (m->flags & MSG_SENDER_READ) ? "" : "    .flags = ACT_MSGT_NO_SENDER,\n", cn);
  if (m->kids[1]) {
    type_t *rt = m->kids[1]->type;
    strbuf_printf(out, "static const act_field_t %s_reply_fields[] = {{.name = \"value\", .offset = offsetof(%s_reply, value), .type = %s}};\n",
              cn, cn, tdesc(rt));
    strbuf_printf(out, "static const act_type_t %s_reply_body = {\n  .name = \"%s reply\",\n  .size = sizeof(%s_reply),\n"
                   "  .kind = ACT_K_STRUCT,\n  .nfields = 1,\n  .fields = %s_reply_fields%s,\n};\n",
              cn, m->name, cn, cn, type_shares(rt) ? ",\n  .flags = ACT_TF_SHARE" : "");
    strbuf_printf(out, "const act_msg_desc_t %s_reply_desc = {\n  .type = {\n    .name = \"%s reply\",\n    .size = sizeof(%s_reply),\n"
                   "    .share = act__msg_share,\n  },\n  .body = &%s_reply_body,\n};\n",
              cn, m->name, cn, cn);
  }
  strbuf_printf(out, "\n");
}

/* `extern "C" "h.h"`: a header next to the .act file that names it is
 * included by its full path, since the C is compiled elsewhere; any other
 * is left to the C compiler's search path and --c-flags (LANGUAGE.md §12). */
static const char *extern_header(ast_t *mod, const char *header) {
  if (header[0] == '/' || mod->lit.s == NULL) return header;
  const char *slash = strrchr(mod->lit.s, '/');
  char *beside = slash ? xprintf("%.*s/%s", (int)(slash - mod->lit.s), mod->lit.s, header) : xprintf("%s", header);
  char *full = realpath(beside, NULL);
  free(beside);
  return full ? full : header;
}

/* The #include of an extern block's header, guarded by a name made from
 * its path: two modules may name one header (`mathx.h` beside one,
 * `lib/mathx.h` from another: one file), and a small header without a
 * guard of its own was then defined twice in one translation unit. */
static char *header_include(const char *hp) {
  unsigned long long g = (unsigned long long)emit_hash(hp, strlen(hp));
  int path = hp[0] == '/';
  return xprintf("#ifndef ACT_HEADER_%016llx\n#define ACT_HEADER_%016llx\n#include %c%s%c\n#endif\n",
                 g, g, path ? '"' : '<', hp, path ? '"' : '>');
}

static int is_literal_const(ast_t *x) {
  if (x->kind == AST_INT || x->kind == AST_FLOAT || x->kind == AST_BOOL || x->kind == AST_DURATION) return 1;
  return x->kind == AST_UNARY && x->op == OP_NEG && is_literal_const(x->kids[0]);
}

/* ---- splitting a large module into several translation units ---------
 *
 * The C compiler's time and memory grow with the size of a translation
 * unit, and only one core works on it. A module of more than SPLIT_LINES
 * lines of Act is therefore written as <module>.c (descriptors, messages,
 * constants, main) plus <module>.part<N>.c files holding its functions and
 * actors, which the driver compiles in parallel and caches one by one.
 * Everything a part defines for other parts is declared in the module's
 * header; what is static (an actor's handlers, act_L locations) stays
 * inside the part, so each part numbers its locations and temporaries
 * from 0: an edit inside one function changes only its own part's text.
 * A part ends after a declaration whose C name hashes to 0 modulo CUT_EVERY
 * (so the cuts do not move when code elsewhere grows or shrinks), once it
 * holds PART_MIN bytes, or at PART_MAX bytes whatever the names. Every
 * unit costs a fixed 0.05-0.1 s of CPU (the runtime's headers, the C
 * compiler's set-up, the assembler): parts of 256 KB to 1 MB made the
 * 100,000-line program 54 units, of 640 KB to 2 MB 23, and its cold build
 * 6 s of CPU shorter (bench/check/build.sh); a one-line change compiles
 * one part, some 1.2 s of CPU at -O0 -g. */
enum { SPLIT_LINES = 3000, CUT_EVERY = 8, PART_MIN = 640 * 1024, PART_MAX = 2048 * 1024 };

static int module_lines(ast_t *mod) {
  int last = 0;
  for (int i = 0; i < mod->nkids; i++)
    if (mod->kids[i] && mod->kids[i]->loc.line > last) last = mod->kids[i]->loc.line;
  return last;
}

static bool cut_after(const char *cname, size_t bytes) {
  if (bytes >= PART_MAX) return true;
  unsigned h = 2166136261u;
  for (const char *p = cname; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
  return bytes >= PART_MIN && h % CUT_EVERY == 0;
}

static void add_file(char ***files, int *nfiles, char *path) {
  *files = realloc(*files, sizeof(char *) * (size_t)(*nfiles + 2));
  (*files)[(*nfiles)++] = path;
  (*files)[*nfiles] = NULL;
}

/* Write part n of module mn (locations, prototypes, code) and list it.
 * Instead of the module's header, which declares the whole module, the
 * part carries the declarations its code uses (emit_decls.c). */
static bool write_part(em_t *e, ast_t *mod, const emit_opts_t *opts, int n, strbuf_t *protos, strbuf_t *out,
                       char ***files, int *nfiles) {
  const char *mn = mod->data;
  char *path = xprintf("%s/%s.part%d.c", opts->out_dir, mn, n);
  /* put, not printf: the code is megabytes, and printf's %s walks it in
   * small pieces */
  strbuf_t code = {0}, text = {0};
  strbuf_put(&code, strbuf_str(&e->locs), e->locs.len);
  strbuf_put(&code, "\n", 1);
  strbuf_put(&code, strbuf_str(protos), protos->len);
  strbuf_put(&code, "\n", 1);
  strbuf_put(&code, strbuf_str(out), out->len);
  char *used = decls_used(e->decls, strbuf_str(&code));
  strbuf_printf(&text, "/* %s.part%d.c: generated by actorc from %s, part %d of module `%s`; "
                       "#line directives point back to it. */\n#include <stddef.h>\n#include <math.h>\n"
                       "#include <act/act.h>\n\n/* what this part uses of %s.h and the headers it includes */\n",
                mn, n, mod->lit.s, n, mod->name, mn);
  strbuf_puts(&text, used);
  strbuf_put(&text, "\n", 1);
  strbuf_put(&text, strbuf_str(&code), code.len);
  bool ok = cw_write(path, strbuf_str(&text), true);
  strbuf_free(&text);
  strbuf_free(&code);
  free(used);
  free(e->locs.p);
  free(protos->p);
  free(out->p);
  memset(&e->locs, 0, sizeof e->locs);
  memset(protos, 0, sizeof *protos);
  memset(out, 0, sizeof *out);
  strtab_clear(&e->strs);
  e->nlocs = 0;
  e->tmp = 0;
  if (ok) add_file(files, nfiles, path);
  return ok;
}

/* The functions and actors of mod, in parts (see above); the parts an
 * earlier emit into the same directory left beyond the last are removed. */
static bool emit_parts(em_t *e, ast_t *mod, const emit_opts_t *opts, char ***files, int *nfiles) {
  strbuf_t saved = e->locs, out = {0}, protos = {0};
  strtab_t saved_strs = e->strs;
  int saved_n = e->nlocs, n = 1;
  memset(&e->locs, 0, sizeof e->locs);
  memset(&e->strs, 0, sizeof e->strs);
  e->nlocs = 0;
  e->tmp = 0;
  bool ok = true;
  for (int pass = 0; pass < 2 && ok; pass++)
    for (int i = 0; i < mod->nkids && ok; i++) {
      ast_t *d = mod->kids[i];
      if (d == NULL || d->kind != (pass == 0 ? AST_FN : AST_ACTOR)) continue;
      if (pass == 0) emit_fn(e, &out, &protos, d, NULL);
      else emit_actor(e, NULL, &out, &protos, d);
      if (cut_after(decl_cname(d), out.len)) ok = write_part(e, mod, opts, n++, &protos, &out, files, nfiles);
    }
  if (ok && out.len > 0) ok = write_part(e, mod, opts, n++, &protos, &out, files, nfiles);
  for (;; n++) {
    char *stale = xprintf("%s/%s.part%d.c", opts->out_dir, (const char *)mod->data, n);
    int gone = unlink(stale) != 0;
    free(stale);
    if (gone) break;
  }
  strtab_clear(&e->strs);
  e->locs = saved;
  e->strs = saved_strs;
  e->nlocs = saved_n;
  return ok;
}

static bool emit_module(em_t *e, ast_t *mod, const emit_opts_t *opts, char ***files, int *nfiles) {
  const char *mn = mod->data;
  char *hpath = xprintf("%s/%s.h", opts->out_dir, mn);
  char *cpath = xprintf("%s/%s.c", opts->out_dir, mn);
  /* Both files are built in memory and written only if their text
   * changed (emit_writer.c). */
  char *htext = NULL, *ctext = NULL;
  size_t hlen = 0, clen = 0;
  FILE *h = open_memstream(&htext, &hlen);
  if (h == NULL) return false;
  fprintf(h, "/* %s.h: generated by actorc from %s. The C API of module `%s`:\n"
             " * message structs and constructors (<module>_<Msg>_new), actor spawn\n"
             " * functions (<module>_<Actor>_spawn) and the functions of the module.\n"
             " * Send with act_send(cx, ref, msg); ask with act_ask or act_ask_sync. */\n",
          mn, mod->lit.s, mod->name);
  fprintf(h, "#ifndef ACT_MODULE_%s_H\n#define ACT_MODULE_%s_H\n#include <math.h>\n#include <act/act.h>\n", mn, mn);
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *d = mod->kids[i];
    if (d && d->kind == AST_IMPORT && d->sym) fprintf(h, "#include \"%s.h\"\n", (char *)d->sym->data);
    if (d && d->kind == AST_EXTERN && d->lit.s) {
      /* <h.h> unless found by path: a module named like the header (zlib.act
       * for zlib.h) writes a zlib.h of its own into the generated C's directory */
      char *inc = header_include(extern_header(mod, d->lit.s));
      fputs(inc, h);
      /* a part includes it when it calls one of the block's functions */
      for (int k = 0; k < d->nkids; k++) decls_add(e->decls, d->kids[k]->name, inc, k ? d->kids[0]->name : NULL);
      free(inc);
    }
  }
  if (cuda_module_needed(mod)) fprintf(h, "#include <act/gpu.h>\n");
  fprintf(h, "\n");
  decls_begin(e->decls, h);
  emit_type_defs(h, e->decls);
  fprintf(h, "\n");
  cuda_emit_header(h, mod);

  strbuf_t out = {0}, protos = {0};
  memset(&e->locs, 0, sizeof e->locs);
  strtab_clear(&e->strs);
  e->nlocs = 0;
  e->mod = mod;
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *d = mod->kids[i];
    if (d == NULL) continue;
    switch (d->kind) {
    case AST_MESSAGE:
      emit_message(h, &out, d);
      decls_mark(e->decls, h, decl_cname(d));
      break;
    case AST_CONST: {
      if (is_literal_const(d->kids[1])) {
        e->out = &out;
        fprintf(h, "static const %s %s = %s;\n", ctype(d->type), decl_cname(d), emit_expr(e, d->kids[1]));
      } else {
        fprintf(h, "%s %s_value(act_ctx_t *cx);\n#define %s (%s_value(cx))\n", ctype(d->type), decl_cname(d),
                decl_cname(d), decl_cname(d));
        strbuf_t body = {0};
        e->out = &body;
        char *v = emit_value(e, d->kids[1]);
        emit_glue(e);
        strbuf_printf(&out, "%s %s_value(act_ctx_t *cx) {\n  (void)cx;\n%s  return %s;\n}\n\n", ctype(d->type), decl_cname(d),
                  body.p ? body.p : "", v);
      }
      decls_mark(e->decls, h, decl_cname(d));
      break;
    }
    case AST_EXTERN:
      for (int k = 0; k < d->nkids; k++) {
        ast_t *f = d->kids[k];
        if (d->lit.s) continue;
        fprintf(h, "%s %s(", f->kids[1] ? ctype(f->kids[1]->type) : "void", f->name);
        for (int p = 0; p < f->kids[0]->nkids; p++)
          fprintf(h, "%s%s", p ? ", " : "", ctype(f->kids[0]->kids[p]->type));
        fprintf(h, "%s);\n", f->kids[0]->nkids ? "" : "void");
        decls_mark(e->decls, h, f->name);
      }
      if (d->flags & IMPORT_C) emit_cglue(h, d);
      break;
    case AST_FN: {
      strbuf_t sig = {0};
      strbuf_printf(&sig, "%s %s(act_ctx_t *cx", d->kids[1] ? ctype(d->kids[1]->type) : "void", decl_cname(d));
      print_params(&sig, d->kids[0]);
      fprintf(h, "%s);\n", sig.p);
      decls_mark(e->decls, h, decl_cname(d));
      free(sig.p);
      break;
    }
    default: break;
    }
  }
  bool split = module_lines(mod) > SPLIT_LINES;
  if (split) {
    /* the actors' part of the header first: parts are written as they fill */
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *d = mod->kids[i];
      if (d && d->kind == AST_ACTOR) {
        emit_actor_header(h, d);
        decls_mark(e->decls, h, decl_cname(d));
      }
    }
    fflush(h);
    decls_take(e->decls, htext);
    if (!emit_parts(e, mod, opts, files, nfiles)) {
      fclose(h);
      free(htext);
      return false;
    }
  } else {
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *d = mod->kids[i];
      if (d && d->kind == AST_FN) emit_fn(e, &out, &protos, d, NULL);
    }
    for (int i = 0; i < mod->nkids; i++) {
      ast_t *d = mod->kids[i];
      if (d && d->kind == AST_ACTOR) {
        emit_actor(e, h, &out, &protos, d);
        decls_mark(e->decls, h, decl_cname(d));
      }
    }
  }
  cuda_emit_module(&out, e->prog, mod);
  emit_declare(&out, mod);
  int is_root = mod == e->prog->root;
  if (is_root && e->prog->main_actor && !opts->no_main) {
    const char *an = decl_cname(e->prog->main_actor);
    strbuf_printf(&out, "static void %s_set_args(act_actor_t *a, act_array_t *args) {\n  ((%s *)a)->p_%s = args;\n}\n\n", an,
              an, e->prog->main_actor->kids[0]->kids[0]->name);
    strbuf_printf(&out, "int main(int argc, char **argv) {\n  return act_main(argc, argv, &%s_type, %s_set_args);\n}\n", an, an);
  }
  fprintf(h, "#endif\n");
  fclose(h);
  decls_take(e->decls, htext);

  FILE *c = open_memstream(&ctext, &clen);
  if (c == NULL) return false;
  fprintf(c, "/* %s.c: generated by actorc from %s; #line directives point back to it. */\n", mn, mod->lit.s);
  fprintf(c, "#include <stddef.h>\n#include \"%s.h\"\n\n", mn);
  strbuf_t descs = {0};
  int index = 0;
  while (e->prog->modules[index] != mod) index++;
  emit_type_descs(&descs, index, e->type_owners);
  if (descs.p) fprintf(c, "%s", descs.p);
  free(descs.p);
  fprintf(c, "\n%s\n%s\n%s", e->locs.p ? e->locs.p : "", protos.p ? protos.p : "", out.p ? out.p : "");
  fclose(c);
  bool ok = cw_write(hpath, htext, false) && cw_write(cpath, ctext, true);
  free(htext);
  free(ctext);
  if (!ok) return false;
  free(out.p);
  free(protos.p);
  free(e->locs.p);
  memset(&e->locs, 0, sizeof e->locs);
  strtab_clear(&e->strs);
  add_file(files, nfiles, cpath);
  free(hpath);
  return true;
}

bool emit_program(program_t *prog, const emit_opts_t *opts, diag_t *d, char ***c_files) {
  em_t e;
  memset(&e, 0, sizeof e);
  e.d = d;
  e.prog = prog;
  e.line_directives = opts->line_directives;
  e.decls = decls_new();
  emit_assign_names(prog);
  /* message ids, in declaration order across the program, counted from
   * the runtime's ACT_MSG_FIRST_USER (act.h; ids below are its own); a
   * message with a reply gets the future type whose reply struct it uses
   * (emit_type_defs), asked or not */
  int next_id = 0;
  for (int i = 0; i < prog->nmodules; i++)
    for (int k = 0; k < prog->modules[i]->nkids; k++) {
      ast_t *dcl = prog->modules[i]->kids[k];
      if (dcl && dcl->kind == AST_MESSAGE) {
        dcl->emit_id = next_id++;
        if (dcl->kids[1]) type_future(dcl->kids[1]->type);
      }
    }
  e.type_owners = emit_type_owners(prog);
  char **files = NULL;
  int nfiles = 0;
  for (int i = 0; i < prog->nmodules; i++)
    if (!emit_module(&e, prog->modules[i], opts, &files, &nfiles)) return false;
  *c_files = files;
  return true;
}
