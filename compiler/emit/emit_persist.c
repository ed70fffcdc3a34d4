/* emit_persist.c: code for `persistent actor`s (LANGUAGE.md §9).
 *
 * For an actor X: one C struct per event (X_ev_E) with its descriptor
 * (the runtime's codec, runtime/src/value/codec.c, encodes from it),
 * one function per `apply`, X_replay (decode an event by its journal type
 * name and apply it), the `var` fields' descriptor for snapshots, the identity
 * key, the descriptor X_ptype and a constructor that declares X's journal
 * schema: canonical texts of every event and of the state, whose
 * fingerprints the journal compares at open. `persist E(...)` becomes:
 * encode, queue, suspend until durable, check, apply, maybe snapshot. */
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"
#include "sema/sema.h"

static const char *ev_struct(ast_t *actor, ast_t *ev) { return xprintf("%s_ev_%s", decl_cname(actor), ev->name); }
static const char *ev_jname(ast_t *actor, ast_t *ev) { return xprintf("%s.%s", actor->name, ev->name); }

/* A definition's text: structs and enums spelled out, so that changing a
 * type used inside an event changes the event's fingerprint too. A
 * definition met again inside itself (a recursive enum) is named, not
 * spelled again: its text is already being written, and spelling it out
 * would never end. Types that do not recurse read as they always have, so
 * existing journals keep their fingerprints. */
typedef struct canon_path { ast_t *decl; struct canon_path *up; } canon_path_t;

static void canon_at(strbuf_t *b, type_t *t, canon_path_t *path) {
  if (t->kind == TY_STRUCT || t->kind == TY_ENUM) {
    for (canon_path_t *p = path; p; p = p->up)
      if (p->decl == t->decl) {
        strbuf_printf(b, "%s", t->decl->name);
        return;
      }
  }
  canon_path_t here = {t->decl, path};
  switch (t->kind) {
  case TY_ARRAY: strbuf_printf(b, "["); canon_at(b, t->elem, path); strbuf_printf(b, "]"); return;
  case TY_MAP:
    strbuf_printf(b, "[");
    canon_at(b, t->key, path);
    strbuf_printf(b, ": ");
    canon_at(b, t->elem, path);
    strbuf_printf(b, "]");
    return;
  case TY_OPTIONAL: canon_at(b, t->elem, path); strbuf_printf(b, "?"); return;
  case TY_STRUCT:
    strbuf_printf(b, "%s{", t->decl->name);
    for (int k = 0; k < t->decl->nkids; k++) {
      strbuf_printf(b, "%s%s: ", k ? ", " : "", t->decl->kids[k]->name);
      canon_at(b, t->decl->kids[k]->type, &here);
    }
    strbuf_printf(b, "}");
    return;
  case TY_ENUM:
    strbuf_printf(b, "%s{", t->decl->name);
    for (int v = 0; v < t->decl->nkids; v++) {
      ast_t *var = t->decl->kids[v];
      strbuf_printf(b, "%s%s(", v ? " | " : "", var->name);
      for (int k = 0; k < var->nkids; k++) {
        strbuf_printf(b, "%s%s: ", k ? ", " : "", var->kids[k]->name);
        canon_at(b, var->kids[k]->type, &here);
      }
      strbuf_printf(b, ")");
    }
    strbuf_printf(b, "}");
    return;
  default: strbuf_printf(b, "%s", type_name(t)); return;
  }
}

static const char *c_string(const char *s) {
  strbuf_t b = {0};
  strbuf_printf(&b, "\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') strbuf_printf(&b, "\\%c", *s);
    else strbuf_printf(&b, "%c", *s);
  }
  strbuf_printf(&b, "\"");
  return b.p;
}

static ast_t *apply_of(ast_t *a, ast_t *ev) {
  ast_t *ms = a->kids[2];
  for (int k = 0; k < ms->nkids; k++)
    if (ms->kids[k]->kind == AST_APPLY && ms->kids[k]->sym == ev) return ms->kids[k];
  return NULL;
}

/* Snapshots hold the `var` fields whose values can be journalled; those
 * holding references, timers or futures start afresh (from their
 * initialisers) on every start and restart. */
static int is_state(ast_t *m) {
  return m->kind == AST_VAR && (m->flags & VAR_MUTABLE) && !type_unpersistable(m->type);
}

static void emit_event(em_t *e, strbuf_t *out, ast_t *a, ast_t *ev) {
  const char *st = ev_struct(a, ev);
  ast_t *fs = ev->kids[0];
  strbuf_printf(out, "/* event %s */\ntypedef struct %s {\n  char _none;\n", ev_jname(a, ev), st);
  for (int i = 0; i < fs->nkids; i++) strbuf_printf(out, "  %s f_%s;\n", ctype(fs->kids[i]->type), fs->kids[i]->name);
  strbuf_printf(out, "} %s;\n", st);
  /* its descriptor: the runtime's codec encodes and decodes from it */
  emit_fields_table(out, xprintf("%s_fields", st), st, NULL, fs, "");
  strbuf_printf(out, "static const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_STRUCT,\n"
                 "  .nfields = %d,\n  .fields = %s_fields,\n};\n", st, ev_jname(a, ev), st, fs->nkids, st);
  (void)e;
}

static void emit_apply(em_t *e, strbuf_t *out, ast_t *a, ast_t *ap) {
  const char *an = decl_cname(a);
  ast_t *ev = ap->sym;
  const char *st = ev_struct(a, ev);
  strbuf_t body = {0};
  e->out = &body;
  e->indent = 1;
  e->coro = 0;
  e->is_handler = 1;
  e->is_ask = 0;
  e->ret = NULL;
  ast_t *ps = ap->kids[0];
  for (int i = 0; i < ps->nkids && i < ev->kids[0]->nkids; i++)
    if (strcmp(ps->kids[i]->name, "_") != 0) {
      ps->kids[i]->data = xprintf("l_%s_%d", ps->kids[i]->name, e->tmp++);
      line(e, "%s %s = m->f_%s;", ctype(ps->kids[i]->type), (char *)ps->kids[i]->data, ev->kids[0]->kids[i]->name);
      line(e, "(void)%s;", (char *)ps->kids[i]->data);
    }
  emit_block(e, ap->kids[1]);
  emit_glue(e);
  strbuf_printf(out, "static act_status_t %s_apply_%s(act_ctx_t *cx, %s *self, const %s *m) {\n  (void)cx; (void)self; (void)m;\n%s  return ACT_DONE;\n}\n\n",
            an, ev->name, an, st, body.p ? body.p : "");
  free(body.p);
  e->is_handler = 0;
}

void emit_persist_actor(em_t *e, strbuf_t *out, ast_t *a, int64_t snapshot_every) {
  const char *an = decl_cname(a);
  ast_t *ms = a->kids[2], *params = a->kids[0];
  strbuf_printf(out, "/* ---- persistence of %s ---- */\n", a->name);
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == AST_EVENT) emit_event(e, out, a, ms->kids[i]);
  for (int i = 0; i < ms->nkids; i++)
    if (ms->kids[i]->kind == AST_APPLY && ms->kids[i]->sym) emit_apply(e, out, a, ms->kids[i]);
  /* replay: the journal's type name picks the event */
  strbuf_printf(out, "static int %s_replay(act_ctx_t *cx, act_actor_t *base, const char *type, act_reader_t *r) {\n  %s *self = (%s *)base;\n  (void)cx; (void)self; (void)r;\n",
            an, an, an);
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *ev = ms->kids[i];
    if (ev->kind != AST_EVENT) continue;
    ast_t *ap = apply_of(a, ev);
    const char *st = ev_struct(a, ev);
    strbuf_printf(out, "  if (strcmp(type, \"%s\") == 0) {\n    %s ev;\n    memset(&ev, 0, sizeof ev);\n"
                   "    if (!act_decode_record(r, &%s_type, &ev, NULL)) return -1;\n",
              ev_jname(a, ev), st, st);
    if (ap) strbuf_printf(out, "    %s_apply_%s(cx, self, &ev);\n", an, ev->name);
    strbuf_printf(out, "    return 0;\n  }\n");
  }
  strbuf_printf(out, "  return -2;\n}\n");
  /* state: the `var` fields, in order, as a struct descriptor over the
   * actor's state struct */
  ast_t **vars = calloc((size_t)ms->nkids + 1, sizeof *vars);
  ast_t state = {0};
  state.kids = vars;
  for (int i = 0; i < ms->nkids; i++)
    if (is_state(ms->kids[i])) vars[state.nkids++] = ms->kids[i];
  emit_fields_table(out, xprintf("%s_state_fields", an), an, NULL, &state, "");
  strbuf_printf(out, "static const act_type_t %s_state_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_STRUCT,\n"
                 "  .nfields = %d,\n  .fields = %s_state_fields,\n};\n", an, a->name, an, state.nkids, an);
  free(vars);
  strbuf_printf(out, "static void %s_enc_state(act_buf_t *b, const act_actor_t *base) {\n"
                 "  act_encode_record(b, &%s_state_type, base);\n}\n", an, an);
  strbuf_printf(out, "static bool %s_dec_state(act_reader_t *r, act_actor_t *base) {\n"
                 "  return act_decode_record(r, &%s_state_type, base, NULL);\n}\n", an, an);
  /* identity: the type name and the first parameter */
  strbuf_printf(out, "static void %s_key(act_buf_t *b, const act_actor_t *base) {\n  const %s *self = (const %s *)base;\n  (void)b; (void)self;\n",
            an, an, an);
  if (params->nkids > 0)
    strbuf_printf(out, "  act_buf_value(b, %s, &self->p_%s, false);\n", tdesc(params->kids[0]->type), params->kids[0]->name);
  strbuf_printf(out, "}\n");
  strbuf_printf(out, "static const act_persist_type_t %s_ptype = {\n  .name = \"%s\",\n  .key = %s_key,\n  .enc_state = %s_enc_state,\n"
                 "  .dec_state = %s_dec_state,\n  .replay = %s_replay,\n  .snapshot_every = %lld,\n};\n",
            an, a->name, an, an, an, an, (long long)snapshot_every);
  /* schema */
  strbuf_printf(out, "static const act_persist_schema_t %s_schema[] = {\n", an);
  for (int i = 0; i < ms->nkids; i++) {
    ast_t *ev = ms->kids[i];
    if (ev->kind != AST_EVENT) continue;
    strbuf_t c = {0};
    strbuf_printf(&c, "event %s(", ev_jname(a, ev));
    for (int k = 0; k < ev->kids[0]->nkids; k++) {
      strbuf_printf(&c, "%s%s: ", k ? ", " : "", ev->kids[0]->kids[k]->name);
      canon_at(&c, ev->kids[0]->kids[k]->type, NULL);
    }
    strbuf_printf(&c, ")");
    strbuf_printf(out, "  {.kind = 1, .name = \"%s\", .canonical = %s},\n", ev_jname(a, ev), c_string(c.p));
    free(c.p);
  }
  strbuf_t c = {0};
  strbuf_printf(&c, "state %s(", a->name);
  int n = 0;
  for (int i = 0; i < ms->nkids; i++)
    if (is_state(ms->kids[i])) {
      strbuf_printf(&c, "%s%s: ", n++ ? ", " : "", ms->kids[i]->name);
      canon_at(&c, ms->kids[i]->type, NULL);
    }
  strbuf_printf(&c, ")");
  strbuf_printf(out, "  {.kind = 2, .name = \"%s\", .canonical = %s%s},\n};\n", a->name, c_string(c.p),
                (a->flags & ACTOR_VIRTUAL) ? ", .virt = 1" : "");
  free(c.p);
  strbuf_printf(out, "__attribute__((constructor)) static void %s_declare_schema(void) {\n  act_persist_schema(%s_schema, sizeof %s_schema / sizeof %s_schema[0]);\n}\n\n",
            an, an, an, an);
}

const char *emit_persist_recover(ast_t *a) {
  return xprintf("act_persist_recover(cx, &self->base, &%s_ptype);", decl_cname(a));
}

/* `persist E(args)`: only in `on` handlers, which the checker made
 * resumable, so the wait for durability is a suspension. */
void emit_persist_stmt(em_t *e, ast_t *s) {
  ast_t *call = s->kids[0], *ev = call ? call->sym : NULL;
  ast_t *a = e->actor;
  if (ev == NULL || a == NULL || !e->coro) return;
  const char *an = decl_cname(a), *st = ev_struct(a, ev);
  ast_t *fs = ev->kids[0];
  const char *tev = new_temp(e, xprintf("%s *", st));
  const char *tf = new_temp(e, "act_future_t *");
  line(e, "%s = act_alloc(sizeof *%s);", tev, tev);
  if (call->kind == AST_CALL)
    for (int i = 1; i < call->nkids && i - 1 < fs->nkids; i++)
      line(e, "%s->f_%s = %s;", tev, fs->kids[i - 1]->name, emit_value(e, call->kids[i]));
  line(e, "%s = ({ act_buf_t b_; act_buf_init(&b_); act_encode_record(&b_, &%s_type, %s); act_persist_event(cx, &%s_ptype, \"%s\", &b_); });",
       tf, st, tev, an, ev_jname(a, ev));
  int stn = ++e->nstates;
  line(e, "act_persist_wait(cx, %s);", tf);
  line(e, "F->state = %d;", stn);
  line(e, "return act_suspend(cx, F, %s);", e->resume_name);
  line(e, "/* fallthrough */ case %d:;", stn);
  line(e, "act_persist_check(cx, %s, %s);", tf, emit_loc(e, s->loc));
  if (apply_of(a, ev)) line(e, "%s_apply_%s(cx, self, %s);", an, ev->name, tev);
  line(e, "act_persist_applied(cx, &%s_ptype);", an);
}
