#define _GNU_SOURCE
/* emit_stmt.c: statements to C. In a resumable handler (coroutine mode)
 * every local lives in the frame `F`, so the `case` labels of await points
 * may sit anywhere; match is emitted as if/else for the same reason. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"
#include "sema/sema.h"

const char *local_name(em_t *e, ast_t *decl) {
  (void)e;
  return decl->data ? (const char *)decl->data : "l_unknown";
}

/* A fresh C name for decl; in coroutine mode a frame field. Returns the
 * lvalue to assign; *needs_decl says whether `T name` must be written. */
static const char *fresh(em_t *e, ast_t *decl, const char *ct, int *needs_decl) {
  const char *nm = decl->name && strcmp(decl->name, "_") ? decl->name : "unused";
  char *base = xprintf("l_%s_%d", nm, e->tmp++);
  if (e->coro) {
    strbuf_printf(&e->frame, "  %s %s;\n", ct, base);
    decl->data = xprintf("F->%s", base);
    *needs_decl = 0;
  } else {
    decl->data = base;
    *needs_decl = 1;
  }
  return decl->data;
}

const char *declare_local(em_t *e, ast_t *decl, const char *ct) {
  int need;
  const char *n = fresh(e, decl, ct, &need);
  if (need) line(e, "%s %s;", ct, n);
  return n;
}

static void bind(em_t *e, ast_t *decl, const char *ct, const char *value) {
  int need;
  const char *n = fresh(e, decl, ct, &need);
  if (need) line(e, "%s %s = %s;", ct, n, value);
  else line(e, "%s = %s;", n, value);
  if (!need || strncmp(n, "l_", 2) == 0) line(e, "(void)%s;", n);
}

const char *new_temp(em_t *e, const char *ct) {
  char *n = xprintf("t_%d", e->tmp++);
  if (e->coro) {
    strbuf_printf(&e->frame, "  %s %s;\n", ct, n);
    return xprintf("F->%s", n);
  }
  line(e, "%s %s;", ct, n);
  return n;
}

/* `if (%s)` of an expression that is itself one parenthesised group would
 * read `if ((a == b))`, which clang flags; drop the outer pair. */
static char *cond(char *c) {
  size_t n = strlen(c);
  if (n < 2 || c[0] != '(' || c[n - 1] != ')') return c;
  int depth = 0, str = 0;
  for (size_t i = 0; i < n; i++) {
    if (str) {
      if (c[i] == '\\') i++;
      else if (c[i] == '"') str = 0;
      continue;
    }
    if (c[i] == '"') str = 1;
    else if (c[i] == '(') depth++;
    else if (c[i] == ')' && --depth == 0 && i != n - 1) return c;   /* not one group */
  }
  c[n - 1] = '\0';
  return c + 1;
}

void emit_block(em_t *e, ast_t *b) {
  for (int i = 0; i < b->nkids; i++) emit_stmt(e, b->kids[i]);
}

static void braced(em_t *e, ast_t *b) {
  e->indent++;
  if (b->kind == AST_BLOCK) emit_block(e, b);
  else emit_stmt(e, b);
  e->indent--;
}

static void emit_if(em_t *e, ast_t *s) {
  if (s->kind == AST_IF) {
    line(e, "if (%s) {", cond(emit_expr(e, s->kids[0])));
    braced(e, s->kids[1]);
  } else {
    type_t *ot = s->kids[0]->type;
    const char *o = new_temp(e, ctype(ot));
    line(e, "%s = %s;", o, emit_expr(e, s->kids[0]));
    line(e, "if (%s.has) {", o);
    e->indent++;
    bind(e, s, ctype(s->type), xprintf("%s.v", o));
    emit_block(e, s->kids[1]);
    e->indent--;
  }
  ast_t *el = s->kids[2];
  if (el == NULL) {
    line(e, "}");
  } else if (el->kind == AST_BLOCK) {
    line(e, "} else {");
    braced(e, el);
    line(e, "}");
  } else {
    line(e, "} else {");
    e->indent++;
    emit_source_line(e, el->loc);
    emit_if(e, el);
    e->indent--;
    line(e, "}");
  }
}

static void emit_for(em_t *e, ast_t *s) {
  ast_t *binds = s->kids[0], *it = s->kids[1];
  if (s->loop == SEMA_FOR_RANGE) {
    type_t *t = it->type;
    const char *ct = ctype(t);
    const char *hi = new_temp(e, ct);
    line(e, "%s = %s;", hi, emit_expr(e, it->kids[1]));
    const char *i = new_temp(e, ct);
    line(e, "for (%s = %s; %s < %s; %s++) {", i, emit_expr(e, it->kids[0]), i, hi, i);
    e->indent++;
    bind(e, binds->kids[0], ct, i);
    emit_block(e, s->kids[2]);
    e->indent--;
    line(e, "}");
    return;
  }
  if (s->loop == SEMA_FOR_ARRAY) {
    type_t *et = it->type->elem;
    const char *arr = new_temp(e, "act_array_t *");
    /* Shared for the loop: writes to the array inside the body copy it, so
     * the loop walks the array as it was (value semantics). */
    line(e, "%s = act_sa(%s);", arr, emit_expr(e, it));
    const char *i = new_temp(e, "int64_t");
    line(e, "for (%s = 0; %s < act_array_len(%s); %s++) {", i, i, arr, i);
    e->indent++;
    bind(e, binds->kids[0], ctype(et), xprintf("((%s *)%s->data)[%s]", ctype(et), arr, i));
    emit_block(e, s->kids[2]);
    e->indent--;
    line(e, "}");
    return;
  }
  /* map: walk the keys in order */
  type_t *mt = it->type;
  const char *m = new_temp(e, "act_map_t *");
  line(e, "%s = act_sm(%s);", m, emit_expr(e, it));
  const char *ks = new_temp(e, "act_array_t *");
  line(e, "%s = act_map_keys(%s, %s);", ks, m, tdesc(mt->key));
  const char *i = new_temp(e, "int64_t");
  line(e, "for (%s = 0; %s < act_array_len(%s); %s++) {", i, i, ks, i);
  e->indent++;
  bind(e, binds->kids[0], ctype(mt->key), xprintf("((%s *)%s->data)[%s]", ctype(mt->key), ks, i));
  bind(e, binds->kids[1], ctype(mt->elem),
       xprintf("*(%s *)act_map_find(%s, &%s)", ctype(mt->elem), m, local_name(e, binds->kids[0])));
  emit_block(e, s->kids[2]);
  e->indent--;
  line(e, "}");
}

static void emit_match(em_t *e, ast_t *s) {
  type_t *st = s->kids[0]->type;
  const char *v = new_temp(e, ctype(st));
  line(e, "%s = %s;", v, emit_expr(e, s->kids[0]));
  int first = 1;
  for (int i = 1; i < s->nkids; i++) {
    ast_t *arm = s->kids[i], *p = arm->kids[0];
    char *cond;
    if (p->kind == AST_PWILD) {
      cond = NULL;
    } else if (p->kind == AST_PVARIANT) {
      int tag = 0;
      for (int k = 0; k < st->decl->nkids; k++) if (st->decl->kids[k] == p->sym) tag = k;
      cond = xprintf("%s.tag == %d", v, tag);
    } else {
      ast_t *lit = p->kids[0];
      if (st->kind == TY_STRING) cond = xprintf("act_str_eq(%s, %s)", v, emit_expr(e, lit));
      else cond = xprintf("%s == %s", v, emit_expr(e, lit));
    }
    if (cond) line(e, "%sif (%s) {", first ? "" : "} else ", cond);
    else line(e, "%s{", first ? "if (1) " : "} else ");
    first = 0;
    e->indent++;
    if (p->kind == AST_PVARIANT && p->sym) {
      for (int k = 0; k < p->nkids && k < p->sym->nkids; k++) {
        ast_t *b = p->kids[k];
        if (b->kind != AST_PARAM) continue;
        const char *fld = xprintf("%s.u.v_%s.f_%s", v, p->sym->name, p->sym->kids[k]->name);
        if (field_boxed(st->decl, p->sym->kids[k])) fld = xprintf("(*(%s *)%s)", ctype(b->type), fld);
        bind(e, b, ctype(b->type), fld);
      }
    }
    ast_t *body = arm->kids[1];
    if (body->kind == AST_BLOCK) emit_block(e, body);
    else emit_stmt(e, body);
    e->indent--;
    if (cond == NULL) break;
  }
  if (!first) line(e, "}");
}

/* A place without effects to compute: a name, or a field of one. */
static bool simple_place(ast_t *n) {
  while (n->kind == AST_DOT) n = n->kids[0];
  return n->kind == AST_NAME;
}

static void emit_assign(em_t *e, ast_t *s) {
  ast_t *l = s->kids[0], *r = s->kids[1];
  type_t *t = l->type;
  if (s->op == OP_ASSIGN) {
    if (l->kind == AST_INDEX && l->index == SEMA_INDEX_MAP) {
      type_t *mt = l->kids[0]->type;
      char *val = emit_value(e, r);
      line(e, "act_map_put(&%s, %s, %s, (%s[]){%s}, (%s[]){%s});", emit_place(e, l->kids[0]), tdesc(mt->key),
           tdesc(mt->elem), ctype(mt->key), emit_expr(e, l->kids[1]), ctype(mt->elem), val);
      return;
    }
    char *val = emit_value(e, r);
    line(e, "%s = %s;", emit_place(e, l), val);
    return;
  }
  char *val = emit_expr(e, r);
  const char *op = s->op == OP_ADD ? "+" : s->op == OP_SUB ? "-" : s->op == OP_MUL ? "*" : s->op == OP_DIV ? "/" : "%";
  char *place = emit_place(e, l);
  /* A variable or a field of one is named twice (`x = x + v`); a place
   * with an index is computed once, through a pointer, since its index
   * may have effects. The pointer and its line cost the C compiler more
   * than the operation itself. */
  const char *p;
  if (simple_place(l)) p = place;
  else {
    p = new_temp(e, xprintf("%s *", ctype(t)));
    line(e, "%s = &%s;", p, place);
    p = xprintf("*%s", p);
  }
  if (t->kind == TY_STRING) {
    line(e, "%s = act_str_concat(%s, %s);", p, p, val);
  } else if (type_is_float(t)) {
    if (s->op == OP_MOD) line(e, "%s = fmod(%s, %s);", p, p, val);
    else line(e, "%s = %s %s (%s);", p, p, op, val);
  } else if (s->op == OP_DIV || s->op == OP_MOD) {
    static const char *sfx[] = {[TY_I8] = "i8", [TY_I16] = "i16", [TY_I32] = "i32", [TY_I64] = "i64",
                                [TY_U8] = "u8", [TY_U16] = "u16", [TY_U32] = "u32", [TY_U64] = "u64"};
    line(e, "%s = act_%s_%s(cx, %s, %s, %s);", p, s->op == OP_DIV ? "div" : "mod", sfx[t->kind], p, val,
         emit_loc(e, s->loc));
  } else {
    const char *ut = t->kind == TY_I8 ? "uint8_t" : t->kind == TY_I16 ? "uint16_t" : t->kind == TY_I32 ? "uint32_t" : "uint64_t";
    line(e, "%s = (%s)((%s)%s %s (%s)(%s));", p, ctype(t), ut, p, op, ut, val);
  }
}

void emit_stmt(em_t *e, ast_t *s) {
  emit_source_line(e, s->loc);
  switch (s->kind) {
  case AST_BLOCK:
    line(e, "{");
    braced(e, s);
    line(e, "}");
    return;
  case AST_VAR: {
    const char *ct = ctype(s->type);
    if (s->kids[1]) bind(e, s, ct, emit_value(e, s->kids[1]));
    else bind(e, s, ct, xprintf("(%s){0}", ct));
    return;
  }
  case AST_EXPR_STMT: {
    char *c = emit_expr(e, s->kids[0]);
    line(e, "(void)(%s);", c);
    return;
  }
  case AST_ASSIGN: emit_assign(e, s); return;
  case AST_IF: case AST_IF_LET: emit_if(e, s); return;
  case AST_WHILE:
    if (has_await(s->kids[0])) {
      /* The condition's await must run on every round, not once before
       * the loop: test it at the top of an endless loop. */
      line(e, "for (;;) {");
      e->indent++;
      line(e, "if (!(%s)) break;", emit_expr(e, s->kids[0]));
      e->indent--;
      braced(e, s->kids[1]);
      line(e, "}");
      return;
    }
    line(e, "while (%s) {", cond(emit_expr(e, s->kids[0])));
    braced(e, s->kids[1]);
    line(e, "}");
    return;
  case AST_FOR: emit_for(e, s); return;
  case AST_MATCH: emit_match(e, s); return;
  case AST_RETURN:
    if (s->kids[0] == NULL) {
      line(e, "return%s;", e->is_handler ? " ACT_DONE" : "");
    } else if (e->is_handler && e->is_ask) {
      char *v = emit_value(e, s->kids[0]);
      line(e, "{");
      line(e, "  %s_reply *r_ = (%s_reply *)act_msg_new(cx, &%s_reply_type);", e->reply_msg, e->reply_msg, e->reply_msg);
      line(e, "  r_->value = %s;", v);
      line(e, "  act_reply(cx, &r_->h);");
      line(e, "  return ACT_DONE;");
      line(e, "}");
    } else {
      line(e, "return %s;", emit_value(e, s->kids[0]));
    }
    return;
  case AST_BREAK: line(e, "break;"); return;
  case AST_CONTINUE: line(e, "continue;"); return;
  case AST_SEND: {
    char *t = emit_expr(e, s->kids[0]);
    ast_t *m = s->kids[1];
    char *msg = emit_expr(e, m);
    line(e, "act_send(cx, %s, %s);", t, msg);
    return;
  }
  case AST_PERSIST: emit_persist_stmt(e, s); return;
  case AST_STOP:
    if (s->kids[0]) line(e, "act_stop(cx, %s);", emit_expr(e, s->kids[0]));
    else line(e, "act_stop_self(cx);");
    return;
  default:
    return;
  }
}
