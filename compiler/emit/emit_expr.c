#define _GNU_SOURCE
/* emit_expr.c: expressions to C. Values are garbage collected, so an
 * expression is just C code; the one extra duty is copy on write: a value
 * read from a place (variable, field, element) and stored somewhere else is
 * marked shared (emit_value). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "emit/emit_int.h"
#include "sema/sema.h"

static int is_place(ast_t *n) {
  if (n->kind == AST_CAST && n->kids[1] == NULL) return 0;
  return n->kind == AST_NAME || n->kind == AST_DOT || n->kind == AST_INDEX || n->kind == AST_SELF;
}

/* Mark the containers of a value as shared, as an expression. */
static char *shared(type_t *t, char *code) {
  if (t->kind == TY_ARRAY) return xprintf("act_sa(%s)", code);
  if (t->kind == TY_MAP) return xprintf("act_sm(%s)", code);
  return xprintf("({ %s s_ = %s; act_value_share(%s, &s_); s_; })", ctype(t), code, tdesc(t));
}

char *emit_value(em_t *e, ast_t *n) {
  char *c = emit_expr(e, n);
  if (is_place(n) && type_shares(n->type)) return shared(n->type, c);
  return c;
}

static const char *width_utype(type_t *t) {
  switch (t->kind) {
  case TY_I8: return "uint8_t";
  case TY_I16: return "uint16_t";
  case TY_I32: return "uint32_t";
  default: return "uint64_t";
  }
}

static int bits(type_t *t) {
  switch (t->kind) {
  case TY_I8: case TY_U8: return 8;
  case TY_I16: case TY_U16: return 16;
  case TY_I32: case TY_U32: return 32;
  default: return 64;
  }
}

static const char *suffix(type_t *t) {
  switch (t->kind) {
  case TY_I8: return "i8"; case TY_I16: return "i16"; case TY_I32: return "i32"; case TY_I64: return "i64";
  case TY_U8: return "u8"; case TY_U16: return "u16"; case TY_U32: return "u32"; case TY_U64: return "u64";
  default: return "i64";
  }
}

/* The C string literal for bytes (escaped). */
static char *c_string(const char *s, size_t n) {
  strbuf_t b = {0};
  strbuf_printf(&b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') strbuf_printf(&b, "\\%c", c);
    else if (c == '\n') strbuf_printf(&b, "\\n");
    else if (c < 0x20 || c >= 0x7f || c == '?') strbuf_printf(&b, "\\%03o", c);
    else strbuf_printf(&b, "%c", c);
  }
  strbuf_printf(&b, "\"");
  return b.p;
}

void strtab_clear(strtab_t *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->keys[i]);
  free(t->keys);
  free(t->ids);
  memset(t, 0, sizeof *t);
}

/* The slot of key in t (open addressing; the table is at most half full). */
static size_t strtab_slot(const strtab_t *t, const char *key) {
  size_t i = emit_hash(key, strlen(key)) & (t->cap - 1);
  while (t->keys[i] && strcmp(t->keys[i], key) != 0) i = (i + 1) & (t->cap - 1);
  return i;
}

static void strtab_grow(strtab_t *t) {
  strtab_t old = *t;
  t->cap = old.cap ? old.cap * 2 : 64;
  t->keys = xcalloc(t->cap, sizeof *t->keys);
  t->ids = xcalloc(t->cap, sizeof *t->ids);
  for (size_t i = 0; i < old.cap; i++)
    if (old.keys[i]) {
      size_t j = strtab_slot(t, old.keys[i]);
      t->keys[j] = old.keys[i];
      t->ids[j] = old.ids[i];
    }
  free(old.keys);
  free(old.ids);
}

/* A string literal: a static object of the unit, defined once among its
 * locations for every use of the same text. In place, as a statement
 * expression declaring the object, each use cost the C compiler a block,
 * a static variable and their debug information. */
static char *str_lit(em_t *e, const char *s, size_t n) {
  if (n == 0) return xprintf("((act_str_t *)0)");
  char *lit = c_string(s, n);
  strtab_t *t = &e->strs;
  if (2 * (t->n + 1) > t->cap) strtab_grow(t);
  size_t i = strtab_slot(t, lit);
  if (t->keys[i] == NULL) {
    t->keys[i] = lit;
    t->ids[i] = e->nlocs++;
    t->n++;
    strbuf_printf(&e->locs, "static const ACT_STR_LIT_T(%zu) act_S%d = ACT_STR_LIT(%s);\n", n + 1, t->ids[i], lit);
  } else {
    free(lit);
  }
  return xprintf("ACT_STR(&act_S%d)", t->ids[i]);
}

/* A C floating literal that stays floating: "1.0", not "1" (which would
 * make 1.0 / 3.0 an integer division in C). */
static char *float_lit(double v, int f32) {
  if (isinf(v)) return xprintf("%s(INFINITY)", f32 ? "(float)" : "(double)");
  char buf[64];
  snprintf(buf, sizeof buf, f32 ? "%.9g" : "%.17g", v);
  if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
  return xprintf("%s%s", buf, f32 ? "f" : "");
}

char *as_text(em_t *e, ast_t *n) {
  char *c = emit_expr(e, n);
  type_t *t = n->type;
  if (t->kind == TY_STRING) return c;
  return xprintf("act_to_str(%s, (%s[]){%s})", tdesc(t), ctype(t), c);
}

/* Whether evaluating n can have no visible effect: no call, no fault (an
 * index, a division, a cast may fault), so its order among the arguments
 * of one C call does not matter. */
static bool effect_free(const ast_t *n) {
  switch (n->kind) {
  case AST_INT: case AST_FLOAT: case AST_DURATION: case AST_STRING: case AST_BOOL: case AST_NONE:
  case AST_NAME: case AST_SELF: case AST_SENDER:
    return true;
  case AST_DOT: case AST_UNARY: case AST_INTERP:
    break;
  case AST_BINARY:
    if (n->op == OP_DIV || n->op == OP_MOD || n->op == OP_SHL || n->op == OP_SHR) return false;
    break;
  default:
    return false;
  }
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i] && !effect_free(n->kids[i])) return false;
  return true;
}

/* One interpolated value, C expression c: its act_interp directive, and
 * its arguments appended to args. Scalars go by value, other types by
 * descriptor and address. */
static const char *interp_arg(type_t *t, const char *c, strbuf_t *args) {
  if (t->kind == TY_STRING) { strbuf_printf(args, ", %s", c); return "%S"; }
  if (t->kind == TY_F64) { strbuf_printf(args, ", %s", c); return "%F"; }
  if (t->kind == TY_F32) { strbuf_printf(args, ", (double)(%s)", c); return "%f"; }
  if (t->kind == TY_BOOL) { strbuf_printf(args, ", (int)(%s)", c); return "%b"; }
  if (t->kind == TY_DURATION) { strbuf_printf(args, ", (int64_t)(%s)", c); return "%t"; }
  if (type_is_integer(t) && type_is_signed(t)) { strbuf_printf(args, ", (int64_t)(%s)", c); return "%d"; }
  if (type_is_integer(t)) { strbuf_printf(args, ", (uint64_t)(%s)", c); return "%u"; }
  strbuf_printf(args, ", %s, (%s[]){%s}", tdesc(t), ctype(t), c);
  return "%V";
}

/* "a {x} b" is one call, act_interp("a %d b", x) (act/lang.h): a buffer
 * and a call per piece cost the C compiler several times more. Literal
 * text goes into the format with '%' doubled; text holding a NUL byte,
 * which would end the format, goes in as a %S argument instead. C leaves
 * the order of a call's arguments open, so when two or more values could
 * have effects, all such values are first computed in order into v<i>_. */
static char *interp(em_t *e, ast_t *n) {
  strbuf_t fmt = {0}, args = {0}, pre = {0};
  int effects = 0;
  for (int i = 0; i < n->nkids; i++)
    if (n->kids[i]->kind != AST_STRING && !effect_free(n->kids[i])) effects++;
  for (int i = 0; i < n->nkids; i++) {
    ast_t *k = n->kids[i];
    if (k->kind != AST_STRING) {
      char *c = emit_expr(e, k);
      if (effects > 1 && !effect_free(k)) {
        strbuf_printf(&pre, "%s v%d_ = %s; ", ctype(k->type), i, c);
        c = xprintf("v%d_", i);
      }
      strbuf_puts(&fmt, interp_arg(k->type, c, &args));
    } else if (memchr(k->lit.s, '\0', k->lit.len) != NULL) {
      strbuf_puts(&fmt, "%S");
      strbuf_printf(&args, ", %s", str_lit(e, k->lit.s, k->lit.len));
    } else {
      for (size_t j = 0; j < k->lit.len; j++) {
        if (k->lit.s[j] == '%') strbuf_put(&fmt, "%", 1);
        strbuf_put(&fmt, &k->lit.s[j], 1);
      }
    }
  }
  const char *f = strbuf_str(&fmt);
  char *r = pre.len ? xprintf("({ %sact_interp(%s%s); })", strbuf_str(&pre), c_string(f, strlen(f)), strbuf_str(&args))
                    : xprintf("act_interp(%s%s)", c_string(f, strlen(f)), strbuf_str(&args));
  strbuf_free(&fmt);
  strbuf_free(&args);
  strbuf_free(&pre);
  return r;
}

static char *equality(type_t *t, const char *a, const char *b) {
  switch (t->kind) {
  case TY_STRING: return xprintf("act_str_eq(%s, %s)", a, b);
  case TY_ARRAY: case TY_MAP: case TY_OPTIONAL: case TY_STRUCT: case TY_ENUM:
    return xprintf("act_value_eq(%s, (%s[]){%s}, (%s[]){%s})", tdesc(t), ctype(t), a, ctype(t), b);
  case TY_ACTOR: case TY_ANYREF: return xprintf("act_ref_eq(%s, %s)", a, b);
  default: return xprintf("((%s) == (%s))", a, b);
  }
}

bool has_await(const ast_t *n) {
  if (n == NULL) return false;
  if (n->kind == AST_AWAIT) return true;
  for (int i = 0; i < n->nkids; i++)
    if (has_await(n->kids[i])) return true;
  return false;
}

/* `<<` and `>>` (§3): a count that is a literal below the width is plain
 * C (in the unsigned type for `<<`, so nothing overflows); any other goes
 * through act.h's checked helper, which faults outside 0..width-1. */
static char *shift(em_t *e, ast_t *n, const char *a, const char *b) {
  type_t *t = n->kids[0]->type;
  ast_t *r = n->kids[1];
  while (r->kind == AST_CAST && r->kids[1] == NULL) r = r->kids[0];
  if (r->kind == AST_INT && r->lit.i < (uint64_t)bits(t)) {
    if (n->op == OP_SHL) return xprintf("((%s)((%s)(%s) << %d))", ctype(t), width_utype(t), a, (int)r->lit.i);
    return xprintf("((%s)((%s) >> %d))", ctype(t), a, (int)r->lit.i);
  }
  const char *count = n->kids[1]->type->kind == TY_U64 ? xprintf("act_shift_count_u64(%s)", b)
                                                       : xprintf("(int64_t)(%s)", b);
  return xprintf("act_%s_%s(cx, %s, %s, %s)", n->op == OP_SHL ? "shl" : "shr", suffix(t), a, count,
                 emit_loc(e, n->loc));
}

static char *binary(em_t *e, ast_t *n) {
  ast_t *l = n->kids[0], *r = n->kids[1];
  type_t *t = l->type;
  if ((n->op == OP_AND || n->op == OP_OR) && has_await(r)) {
    /* An await is evaluated at statement level, so short-circuiting is
     * spelled out: the right side (and its await) only when needed. */
    const char *v = new_temp(e, "bool");
    line(e, "%s = %s;", v, emit_expr(e, l));
    line(e, "if (%s%s) {", n->op == OP_AND ? "" : "!", v);
    e->indent++;
    char *b = emit_expr(e, r);
    line(e, "%s = %s;", v, b);
    e->indent--;
    line(e, "}");
    return xprintf("%s", v);
  }
  char *a = emit_expr(e, l), *b = emit_expr(e, r);
  const char *ct = ctype(n->type);
  switch (n->op) {
  case OP_AND: return xprintf("(%s && %s)", a, b);
  case OP_OR: return xprintf("(%s || %s)", a, b);
  case OP_EQ: return equality(t, a, b);
  case OP_NE: return xprintf("(!%s)", equality(t, a, b));
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
    const char *op = n->op == OP_LT ? "<" : n->op == OP_LE ? "<=" : n->op == OP_GT ? ">" : ">=";
    if (t->kind == TY_STRING) return xprintf("(act_str_cmp(%s, %s) %s 0)", a, b, op);
    return xprintf("((%s) %s (%s))", a, op, b);
  }
  case OP_ADD:
    if (t->kind == TY_STRING) return xprintf("act_str_concat(%s, %s)", a, b);
    /* fall through */
  case OP_SUB: case OP_MUL: {
    const char *op = n->op == OP_ADD ? "+" : n->op == OP_SUB ? "-" : "*";
    if (type_is_float(t)) return xprintf("((%s) %s (%s))", a, op, b);
    if (type_is_integer(t) || t->kind == TY_DURATION)
      return xprintf("((%s)((%s)(%s) %s (%s)(%s)))", ct, width_utype(t), a, op, width_utype(t), b);
    return xprintf("((%s) %s (%s))", a, op, b);
  }
  case OP_DIV: case OP_MOD:
    if (type_is_float(t)) {
      if (n->op == OP_DIV) return xprintf("((%s) / (%s))", a, b);
      return xprintf("%s(%s, %s)", t->kind == TY_F32 ? "fmodf" : "fmod", a, b);
    }
    return xprintf("act_%s_%s(cx, %s, %s, %s)", n->op == OP_DIV ? "div" : "mod", suffix(t), a, b,
                   emit_loc(e, n->loc));
  case OP_BAND: return xprintf("((%s)((%s) & (%s)))", ct, a, b);
  case OP_BOR: return xprintf("((%s)((%s) | (%s)))", ct, a, b);
  case OP_BXOR: return xprintf("((%s)((%s) ^ (%s)))", ct, a, b);
  case OP_SHL: case OP_SHR: return shift(e, n, a, b);
  default:
    return xprintf("0");
  }
}

const char *emit_loc(em_t *e, loc_t l) {
  int id = e->nlocs++;
  strbuf_printf(&e->locs, "static const act_loc_t act_L%d = {.file = %s, .line = %d, .col = %d};\n", id,
            c_string(l.file ? l.file->path : "?", strlen(l.file ? l.file->path : "?")), l.line, l.col);
  return xprintf("&act_L%d", id);
}

/* Build a message with its header's constructor, <msg>_new (CALL(M,
 * args...) or NAME M); returns `act_msg_t *`. C leaves the order of
 * arguments open, so with more than one argument they are evaluated into
 * temporaries first, left to right as Act says. */
static char *message(em_t *e, ast_t *n) {
  ast_t *m = n->sym;
  ast_t *fields = m->kids[0];
  int nargs = n->kind == AST_CALL ? n->nkids - 1 : 0;
  if (nargs > fields->nkids) nargs = fields->nkids;
  strbuf_t b = {0};
  if (nargs > 1) {
    strbuf_printf(&b, "({ ");
    for (int i = 0; i < nargs; i++)
      strbuf_printf(&b, "%s a%d_ = %s; ", ctype(fields->kids[i]->type), i, emit_value(e, n->kids[i + 1]));
    strbuf_printf(&b, "%s_new(cx", decl_cname(m));
    for (int i = 0; i < nargs; i++) strbuf_printf(&b, ", a%d_", i);
    strbuf_printf(&b, "); })");
  } else {
    strbuf_printf(&b, "%s_new(cx", decl_cname(m));
    if (nargs == 1) strbuf_printf(&b, ", %s", emit_value(e, n->kids[1]));
    strbuf_printf(&b, ")");
  }
  return b.p;
}

static char *spawn(em_t *e, ast_t *k, const char *restart, const char *child, const char *nth) {
  ast_t *a = k->sym;
  const char *cn = decl_cname(a);
  strbuf_t b = {0};
  strbuf_printf(&b, "({ %s *a_ = (%s *)act_spawn_alloc(cx, &%s_type); ", cn, cn, cn);
  ast_t *ps = a->kids[0];
  if (k->kind == AST_CALL)
    for (int i = 1; i < k->nkids && i - 1 < ps->nkids; i++)
      strbuf_printf(&b, "a_->p_%s = %s; ", ps->kids[i - 1]->name, emit_value(e, k->kids[i]));
  /* shown in supervision paths: `ledger`, or `tellers[2]` for one of `children` */
  if (child && nth) strbuf_printf(&b, "act_spawn_name_nth(&a_->base, \"%s\", %s); ", child, nth);
  else if (child) strbuf_printf(&b, "act_spawn_name(&a_->base, \"%s\"); ", child);
  strbuf_printf(&b, "act_spawn_start(cx, &a_->base, %s); &a_->base; })", restart);
  return b.p;
}

/* `spawn T(...) on n`: the parameters in an unstarted state struct, which
 * the runtime sends to node n (or spawns from, when n is this node). */
static char *spawn_on(em_t *e, ast_t *k, ast_t *node, const char *restart, loc_t loc) {
  ast_t *a = k->sym;
  const char *cn = decl_cname(a);
  strbuf_t b = {0};
  strbuf_printf(&b, "({ void *n_ = %s; %s *t_ = (%s *)act_alloc(sizeof(%s)); ", emit_expr(e, node), cn, cn, cn);
  ast_t *ps = a->kids[0];
  if (k->kind == AST_CALL)
    for (int i = 1; i < k->nkids && i - 1 < ps->nkids; i++)
      strbuf_printf(&b, "t_->p_%s = %s; ", ps->kids[i - 1]->name, emit_value(e, k->kids[i]));
  strbuf_printf(&b, "act_spawn_on(cx, n_, &%s_remote, &t_->base, %s, %s); })", cn, restart, emit_loc(e, loc));
  return b.p;
}

static char *variant(em_t *e, ast_t *n, ast_t *v) {
  ast_t *en = v->scope;
  int tag = 0;
  for (int i = 0; i < en->nkids; i++) if (en->kids[i] == v) tag = i;
  strbuf_t b = {0};
  strbuf_printf(&b, "((%s){.tag = %d", decl_cname(en), tag);
  if (n && n->kind == AST_CALL && v->nkids) {
    strbuf_printf(&b, ", .u.v_%s = {", v->name);
    for (int i = 1; i < n->nkids && i - 1 < v->nkids; i++) {
      ast_t *f = v->kids[i - 1];
      char *val = emit_value(e, n->kids[i]);
      if (field_boxed(en, f))   /* a recursive enum's payload: an immutable copy */
        val = xprintf("act_box((%s[]){%s}, sizeof(%s))", ctype(f->type), val, ctype(f->type));
      strbuf_printf(&b, "%s.f_%s = %s", i > 1 ? ", " : "", f->name, val);
    }
    strbuf_printf(&b, "}");
  }
  strbuf_printf(&b, "})");
  return b.p;
}

static char *fn_call(em_t *e, ast_t *n, ast_t *fn) {
  strbuf_t b = {0};
  int ext = (fn->flags & FN_EXTERN) != 0;
  if (ext) {   /* a C function of `import c` that needs glue: emit_cglue.c */
    strbuf_printf(&b, (fn->flags & IMPORT_C) ? "act_c_%s(" : "%s(", fn->name);
  } else if (fn->scope && fn->scope->kind == AST_ACTOR) {
    strbuf_printf(&b, "%s_fn_%s(cx, self", decl_cname(fn->scope), fn->name);
  } else {
    strbuf_printf(&b, "%s(cx", decl_cname(fn));
  }
  for (int i = 1; i < n->nkids; i++)
    strbuf_printf(&b, "%s%s", (ext && i == 1) ? "" : ", ", emit_value(e, n->kids[i]));
  strbuf_printf(&b, ")");
  if (fn->flags & FN_BLOCKING) {
    const char *rt = fn->kids[1] ? ctype(fn->kids[1]->type) : NULL;
    if (rt)
      return xprintf("({ act_blocking_enter(cx); %s r_ = %s; act_blocking_leave(cx); r_; })", rt, b.p);
    return xprintf("({ act_blocking_enter(cx); %s; act_blocking_leave(cx); })", b.p);
  }
  return b.p;
}

/* k[n](args) (LANGUAGE.md §11): the arguments are evaluated once; the
 * runtime runs the indices it can on the GPU (act_gpu_launch, emit_cuda.c)
 * and answers where the CPU path takes over: n when the GPU did them all,
 * 0 without a GPU, or the index that faulted there, which then faults
 * here as it would without a GPU. */
static char *kernel_launch(em_t *e, ast_t *n) {
  ast_t *k = n->sym;
  ast_t *ps = k->kids[0];
  type_t *rt = n->type->elem;
  strbuf_t b = {0};
  strbuf_printf(&b, "({ int64_t n_ = %s; ", emit_expr(e, n->kids[0]->kids[1]));
  for (int i = 1; i < n->nkids && i < ps->nkids; i++)
    strbuf_printf(&b, "%s a%d_ = %s; ", ctype(ps->kids[i]->type), i, emit_value(e, n->kids[i]));
  strbuf_printf(&b, "act_array_t *out_ = act_array_new(%s, n_ > 0 ? n_ : 0); void *args_[] = {", tdesc(rt));
  for (int i = 1; i < n->nkids && i < ps->nkids; i++) strbuf_printf(&b, "%s&a%d_", i > 1 ? ", " : "", i);
  strbuf_printf(&b, "%s}; ", n->nkids > 1 ? "" : "NULL");
  strbuf_printf(&b, "for (int64_t i_ = act_gpu_launch(cx, &%s_gpu, n_, args_, out_, %s); i_ < n_; i_++) { %s v_ = %s(cx, i_",
            decl_cname(k), emit_loc(e, n->loc), ctype(rt), decl_cname(k));
  for (int i = 1; i < n->nkids && i < ps->nkids; i++) strbuf_printf(&b, ", a%d_", i);
  strbuf_printf(&b, "); act_array_push(&out_, %s, &v_); } out_; })", tdesc(rt));
  return b.p;
}

static const char *mathfn(int bi, type_t *t) {
  const char *n = bi == BI_SQRT ? "sqrt" : bi == BI_SIN ? "sin" : bi == BI_COS ? "cos" : bi == BI_EXP ? "exp"
                  : bi == BI_LOG ? "log" : bi == BI_FLOOR ? "floor" : bi == BI_CEIL ? "ceil" : "pow";
  return t->kind == TY_F32 ? xprintf("%sf", n) : n;
}

static char *builtin(em_t *e, ast_t *n) {
  int bi = n->builtin;
  ast_t *a1 = n->nkids > 1 ? n->kids[1] : NULL, *a2 = n->nkids > 2 ? n->kids[2] : NULL;
  switch (bi) {
  case BI_PRINT: return xprintf("act_print(cx, %s)", as_text(e, a1));
  case BI_EPRINT: return xprintf("act_eprint(cx, %s)", as_text(e, a1));
  case BI_EXIT: return xprintf("act_exit_code(cx, (int64_t)(%s), %s)", emit_expr(e, a1), emit_loc(e, n->loc));
  case BI_FAIL: return xprintf("act_fail(cx, %s, %s)", emit_expr(e, a1), emit_loc(e, n->loc));
  case BI_ASSERT:
    return xprintf("((%s) ? (void)0 : act_fail(cx, %s, %s))", emit_expr(e, a1), emit_expr(e, a2), emit_loc(e, n->loc));
  case BI_NOW: return xprintf("act_now()");
  case BI_RAND: return xprintf("act_rand(cx, %s, %s)", emit_expr(e, a1), emit_loc(e, n->loc));
  case BI_LEN:
    if (a1->type->kind == TY_STRING) return xprintf("act_str_len(%s)", emit_expr(e, a1));
    if (a1->type->kind == TY_MAP) return xprintf("act_map_len(%s)", emit_expr(e, a1));
    return xprintf("act_array_len(%s)", emit_expr(e, a1));
  case BI_MIN: case BI_MAX: {
    const char *ct = ctype(n->type);
    return xprintf("({ %s a_ = %s, b_ = %s; a_ %s b_ ? a_ : b_; })", ct, emit_expr(e, a1), emit_expr(e, a2),
                   bi == BI_MIN ? "<=" : ">=");
  }
  case BI_ABS: {
    const char *ct = ctype(n->type);
    if (type_is_float(n->type)) return xprintf("%s(%s)", n->type->kind == TY_F32 ? "fabsf" : "fabs", emit_expr(e, a1));
    if (type_is_signed(n->type) || n->type->kind == TY_DURATION)
      return xprintf("({ %s v_ = %s; v_ < 0 ? (%s)(0 - (%s)v_) : v_; })", ct, emit_expr(e, a1), ct, width_utype(n->type));
    return emit_expr(e, a1);
  }
  case BI_SQRT: case BI_SIN: case BI_COS: case BI_EXP: case BI_LOG: case BI_FLOOR: case BI_CEIL:
    return xprintf("%s(%s)", mathfn(bi, n->type), emit_expr(e, a1));
  case BI_POW: return xprintf("%s(%s, %s)", mathfn(bi, n->type), emit_expr(e, a1), emit_expr(e, a2));
  case BI_STR: return as_text(e, a1);
  case BI_PARSE_INT: case BI_PARSE_FLOAT: {
    const char *ct = ctype(n->type), *vt = bi == BI_PARSE_INT ? "int64_t" : "double";
    return xprintf("({ %s v_ = 0; bool ok_ = act_parse_%s(%s, &v_); (%s){.has = ok_, .v = v_}; })", vt,
                   bi == BI_PARSE_INT ? "int" : "float", emit_expr(e, a1), ct);
  }
  case BI_AFTER: case BI_EVERY:
    return xprintf("act_%s(cx, %s, %s, %s)", bi == BI_AFTER ? "after" : "every", emit_expr(e, a1),
                   emit_expr(e, a2), message(e, n->kids[3]));
  case BI_CANCEL: return xprintf("act_cancel(cx, %s)", emit_expr(e, a1));
  case BI_MONITOR: return xprintf("act_monitor(cx, %s)", emit_expr(e, a1));
  case BI_REGISTER: return xprintf("act_register(cx, %s, %s)", emit_expr(e, a1), emit_expr(e, a2));
  case BI_NODE: return xprintf("act_node_self(cx)");
  case BI_NODES: return xprintf("act_nodes(cx)");
  default:
    return xprintf("0");
  }
}

static char *method(em_t *e, ast_t *n) {
  ast_t *recv = n->kids[0]->kids[0];
  type_t *rt = recv->type;
  int bi = n->builtin;
  ast_t *a1 = n->nkids > 1 ? n->kids[1] : NULL, *a2 = n->nkids > 2 ? n->kids[2] : NULL;
  const char *L = NULL;
  switch (bi) {
  case BI_A_PUSH:
    return xprintf("act_array_push(&%s, %s, (%s[]){%s})", emit_place(e, recv), tdesc(rt->elem), ctype(rt->elem),
                   emit_value(e, a1));
  case BI_A_POP:
    L = emit_loc(e, n->loc);
    return xprintf("({ %s v_; act_array_pop(cx, &%s, %s, &v_, %s); v_; })", ctype(rt->elem), emit_place(e, recv),
                   tdesc(rt->elem), L);
  case BI_A_LEN: return xprintf("act_array_len(%s)", emit_expr(e, recv));
  case BI_A_INSERT:
    L = emit_loc(e, n->loc);
    return xprintf("act_array_insert(cx, &%s, %s, %s, (%s[]){%s}, %s)", emit_place(e, recv), tdesc(rt->elem),
                   emit_expr(e, a1), ctype(rt->elem), emit_value(e, a2), L);
  case BI_A_REMOVE:
    L = emit_loc(e, n->loc);
    return xprintf("({ %s v_; act_array_remove(cx, &%s, %s, %s, &v_, %s); v_; })", ctype(rt->elem),
                   emit_place(e, recv), tdesc(rt->elem), emit_expr(e, a1), L);
  case BI_A_SLICE:
    L = emit_loc(e, n->loc);
    return xprintf("act_array_slice(cx, %s, %s, %s, %s, %s)", emit_expr(e, recv), tdesc(rt->elem), emit_expr(e, a1),
                   emit_expr(e, a2), L);
  case BI_A_SORT: return xprintf("act_array_sort(&%s, %s)", emit_place(e, recv), tdesc(rt->elem));
  case BI_A_CONTAINS:
    return xprintf("act_array_contains(%s, %s, (%s[]){%s})", emit_expr(e, recv), tdesc(rt->elem), ctype(rt->elem),
                   emit_expr(e, a1));
  case BI_S_LEN: return xprintf("act_str_len(%s)", emit_expr(e, recv));
  case BI_S_SPLIT: return xprintf("act_str_split(%s, %s)", emit_expr(e, recv), emit_expr(e, a1));
  case BI_S_CONTAINS: return xprintf("act_str_contains(%s, %s)", emit_expr(e, recv), emit_expr(e, a1));
  case BI_S_STARTS_WITH: return xprintf("act_str_starts_with(%s, %s)", emit_expr(e, recv), emit_expr(e, a1));
  case BI_S_ENDS_WITH: return xprintf("act_str_ends_with(%s, %s)", emit_expr(e, recv), emit_expr(e, a1));
  case BI_S_FIND:
    return xprintf("({ int64_t i_ = act_str_find(%s, %s); (%s){.has = i_ >= 0, .v = i_}; })", emit_expr(e, recv),
                   emit_expr(e, a1), ctype(n->type));
  case BI_S_TRIM: return xprintf("act_str_trim(%s)", emit_expr(e, recv));
  case BI_S_LOWER: return xprintf("act_str_lower(%s)", emit_expr(e, recv));
  case BI_S_UPPER: return xprintf("act_str_upper(%s)", emit_expr(e, recv));
  case BI_S_BYTES: return xprintf("act_str_bytes(%s)", emit_expr(e, recv));
  case BI_M_GET: {
    type_t *vt = rt->elem;
    return xprintf("({ %s *p_ = act_map_find(%s, (%s[]){%s}); (%s){.has = p_ != NULL, .v = p_ ? %s : (%s){0}}; })",
                   ctype(vt), emit_expr(e, recv), ctype(rt->key), emit_expr(e, a1), ctype(n->type),
                   type_shares(vt) ? shared(vt, "*p_") : "*p_", ctype(vt));
  }
  case BI_M_HAS:
    return xprintf("(act_map_find(%s, (%s[]){%s}) != NULL)", emit_expr(e, recv), ctype(rt->key), emit_expr(e, a1));
  case BI_M_REMOVE:
    return xprintf("act_map_remove(&%s, %s, %s, (%s[]){%s})", emit_place(e, recv), tdesc(rt->key), tdesc(rt->elem),
                   ctype(rt->key), emit_expr(e, a1));
  case BI_M_LEN: return xprintf("act_map_len(%s)", emit_expr(e, recv));
  case BI_M_KEYS: return xprintf("act_map_keys(%s, %s)", emit_expr(e, recv), tdesc(rt->key));
  case BI_M_VALUES:
    return xprintf("act_map_values(%s, %s, %s)", emit_expr(e, recv), tdesc(rt->key), tdesc(rt->elem));
  case BI_D_MS: return xprintf("((%s) / 1000000)", emit_expr(e, recv));
  case BI_D_NS: return xprintf("(%s)", emit_expr(e, recv));
  default: return xprintf("0");
  }
}

/* A reference to the virtual actor a's key (LANGUAGE.md §10). */
static char *virtual_ref(em_t *e, ast_t *a, const char *key) {
  (void)e;
  type_t *kt = a->kids[0]->kids[0]->type;
  if (kt->kind == TY_STRING) return xprintf("act_virtual_str(cx, &%s_vtype, %s)", decl_cname(a), key);
  return xprintf("act_virtual_int(cx, &%s_vtype, (int64_t)(%s))", decl_cname(a), key);
}

static char *name_ref(em_t *e, ast_t *n) {
  ast_t *d = n->sym;
  switch (d->kind) {
  case AST_VAR:
    if (d->scope && d->scope->kind == AST_ACTOR) return xprintf("self->f_%s", d->name);
    return xprintf("%s", local_name(e, d));
  case AST_PARAM:
    if (d->scope && d->scope->kind == AST_ACTOR) return xprintf("self->p_%s", d->name);
    return xprintf("%s", local_name(e, d));
  case AST_IF_LET: return xprintf("%s", local_name(e, d));
  case AST_CHILD: case AST_CHILDREN: return xprintf("self->f_%s", d->name);
  case AST_CONST: return xprintf("%s", decl_cname(d));
  case AST_MESSAGE: return message(e, n);
  case AST_VARIANT: return variant(e, NULL, d);
  default: return xprintf("0");
  }
}

char *emit_expr(em_t *e, ast_t *n) {
  switch (n->kind) {
  case AST_INT: {
    type_t *t = n->type;
    if (type_is_float(t)) return float_lit((double)n->lit.i, t->kind == TY_F32);
    if (t->kind == TY_U64) return xprintf("UINT64_C(%llu)", (unsigned long long)n->lit.i);
    if (n->lit.i > (uint64_t)INT64_MAX) return xprintf("INT64_MIN");
    return xprintf("((%s)INT64_C(%llu))", ctype(t), (unsigned long long)n->lit.i);
  }
  case AST_FLOAT:
    return float_lit(n->lit.f, n->type->kind == TY_F32);
  case AST_DURATION: return xprintf("INT64_C(%llu)", (unsigned long long)n->lit.i);
  case AST_BOOL: return xprintf("%s", n->lit.i ? "true" : "false");
  case AST_STRING: return str_lit(e, n->lit.s, n->lit.len);
  case AST_INTERP: return interp(e, n);
  case AST_NONE: return xprintf("0");
  case AST_SELF:
    /* Inside a virtual actor `self` names its key, not this activation, so
     * it stays valid after the activation passivates. */
    if (e->actor && (e->actor->flags & ACTOR_VIRTUAL))
      return virtual_ref(e, e->actor, xprintf("self->p_%s", e->actor->kids[0]->kids[0]->name));
    return xprintf("(&self->base)");
  case AST_SENDER: return xprintf("act_sender(cx)");
  case AST_NAME: return name_ref(e, n);
  case AST_DOT:
    if (n->dot == SEMA_DOT_FIELD) return xprintf("(%s).f_%s", emit_expr(e, n->kids[0]), n->name);
    if (n->dot == SEMA_DOT_VARIANT) return variant(e, NULL, n->sym);
    if (n->dot == SEMA_DOT_MODULE) {
      if (n->sym->kind == AST_MESSAGE) return message(e, n);
      return xprintf("%s", decl_cname(n->sym));
    }
    return xprintf("0");
  case AST_INDEX:
    if (n->index == SEMA_INDEX_VIRTUAL) return virtual_ref(e, n->kids[0]->type->decl, emit_expr(e, n->kids[1]));
    if (n->index == SEMA_INDEX_MAP) {
      type_t *mt = n->kids[0]->type;
      return xprintf("(*(%s *)act_map_at(cx, %s, (%s[]){%s}, %s))", ctype(mt->elem), emit_expr(e, n->kids[0]),
                     ctype(mt->key), emit_expr(e, n->kids[1]), emit_loc(e, n->loc));
    }
    return xprintf("(*(%s *)act_array_at(cx, %s, (int64_t)(%s), %s))", ctype(n->type), emit_expr(e, n->kids[0]),
                   emit_expr(e, n->kids[1]), emit_loc(e, n->loc));
  case AST_CALL:
    switch (n->call) {
    case SEMA_CALL_FN: return fn_call(e, n, n->sym);
    case SEMA_CALL_BUILTIN: return builtin(e, n);
    case SEMA_CALL_METHOD: return method(e, n);
    case SEMA_CALL_MESSAGE: case SEMA_CALL_EVENT: return message(e, n);
    case SEMA_CALL_VARIANT: return variant(e, n, n->sym);
    case SEMA_CALL_KERNEL: return kernel_launch(e, n);
    default: return xprintf("0");
    }
  case AST_STRUCT_LIT: {
    strbuf_t b = {0};
    strbuf_printf(&b, "((%s){", decl_cname(n->sym));
    for (int i = 1; i < n->nkids; i++)
      strbuf_printf(&b, "%s.f_%s = %s", i > 1 ? ", " : "", n->kids[i]->name, emit_value(e, n->kids[i]->kids[0]));
    if (n->nkids == 1) strbuf_printf(&b, "0");
    strbuf_printf(&b, "})");
    return b.p;
  }
  case AST_ARRAY_LIT: {
    type_t *et = n->type->elem;
    if (n->nkids == 0) return xprintf("act_array_new(%s, 0)", tdesc(et));
    strbuf_t b = {0};
    /* one call over a C array (act/lang.h), not a push per element */
    strbuf_printf(&b, "act_array_lit(%s, %d, (%s[]){", tdesc(et), n->nkids, ctype(et));
    for (int i = 0; i < n->nkids; i++) strbuf_printf(&b, "%s%s", i ? ", " : "", emit_value(e, n->kids[i]));
    strbuf_printf(&b, "})");
    return b.p;
  }
  case AST_MAP_LIT: {
    type_t *kt = n->type->key, *vt = n->type->elem;
    strbuf_t b = {0};
    if (n->nkids == 0) return xprintf("act_map_new(%s, %s)", tdesc(kt), tdesc(vt));
    /* one call over C arrays of keys and values (act/lang.h), not a put per entry */
    strbuf_t vals = {0};
    strbuf_printf(&b, "act_map_lit(%s, %s, %d, (%s[]){", tdesc(kt), tdesc(vt), n->nkids, ctype(kt));
    for (int i = 0; i < n->nkids; i++) {
      strbuf_printf(&b, "%s%s", i ? ", " : "", emit_value(e, n->kids[i]->kids[0]));
      strbuf_printf(&vals, "%s%s", i ? ", " : "", emit_value(e, n->kids[i]->kids[1]));
    }
    strbuf_printf(&b, "}, (%s[]){%s})", ctype(vt), strbuf_str(&vals));
    strbuf_free(&vals);
    return b.p;
  }
  case AST_BINARY: return binary(e, n);
  case AST_UNARY: {
    char *a = emit_expr(e, n->kids[0]);
    type_t *t = n->type;
    if (n->op == OP_NOT) return xprintf("(!%s)", a);
    if (n->op == OP_BNOT) return xprintf("((%s)~(%s))", ctype(t), a);
    if (type_is_float(t)) return xprintf("(-(%s))", a);
    return xprintf("((%s)(0 - (%s)(%s)))", ctype(t), width_utype(t), a);
  }
  case AST_CAST: {
    ast_t *x = n->kids[0];
    if (n->kids[1] == NULL) {
      if (n->conv == SEMA_CONV_NONE) return xprintf("((%s){0})", ctype(n->type));
      if (n->conv == SEMA_CONV_OPTIONAL) return xprintf("((%s){.has = true, .v = %s})", ctype(n->type), emit_value(e, x));
      return emit_expr(e, x);
    }
    /* A float that is NaN or beyond the integer type's range faults (§3). */
    if (type_is_integer(n->type) && type_is_float(x->type))
      return xprintf("act_ftoi_%s(cx, (double)(%s), %s)", suffix(n->type), emit_expr(e, x), emit_loc(e, n->loc));
    if (type_is_numeric(n->type) && type_is_numeric(x->type)) return xprintf("((%s)(%s))", ctype(n->type), emit_expr(e, x));
    return emit_expr(e, x);
  }
  case AST_SPAWN: {
    ast_t *r = n->kids[2];
    int temp = r && strcmp(r->name, "temporary") == 0;
    const char *restart = temp ? "ACT_RESTART_TEMPORARY" : "ACT_RESTART_PERMANENT";
    if (n->kids[1]) return spawn_on(e, n->kids[0], n->kids[1], restart, n->loc);
    const char *nth = e->spawn_nth;
    e->spawn_nth = NULL;   /* a spawn among the arguments is not the child */
    return spawn(e, n->kids[0], restart, n->name, nth);
  }
  case AST_ASK:
    return xprintf("act_ask(cx, %s, %s)", emit_expr(e, n->kids[0]), message(e, n->kids[1]));
  case AST_AT:
    /* An actor type is checked at the lookup; a protocol takes any actor. */
    if (n->type && n->type->kind == TY_ACTOR && n->type->decl)
      return xprintf("act_lookup_as(cx, %s, &%s_type, %s)", emit_expr(e, n->kids[1]),
                     decl_cname(n->type->decl), emit_loc(e, n->loc));
    return xprintf("act_lookup(cx, %s, %s)", emit_expr(e, n->kids[1]), emit_loc(e, n->loc));
  case AST_AWAIT: {
    /* Evaluated at statement level by the coroutine machinery. */
    const char *f = new_temp(e, "act_future_t *");
    line(e, "%s = %s;", f, emit_expr(e, n->kids[0]));
    int st = ++e->nstates;
    const char *timeout = n->kids[1] ? emit_expr(e, n->kids[1]) : "ACT_DEFAULT_ASK_TIMEOUT_NS";
    line(e, "if (!act_future_ready(%s)) {", f);
    line(e, "  act_future_arm(cx, %s, %s);", f, timeout);
    line(e, "  F->state = %d;", st);
    line(e, "  return act_suspend(cx, F, %s);", e->resume_name);
    line(e, "}");
    line(e, "/* fallthrough */ case %d:;", st);
    type_t *ft = n->kids[0]->type;
    /* The reply message has one field `value` of the reply type:
     * <msg>_reply from the header when the ask is right here, else the
     * reply struct of that type, which <msg>_reply names too (a future
     * held in a variable may come from asks of several messages). */
    ast_t *ask = n->kids[0];
    const char *rs = ask->kind == AST_ASK && ask->kids[1]->sym ? xprintf("%s_reply", decl_cname(ask->kids[1]->sym))
                                                               : reply_cname(ft->elem);
    return xprintf("(((%s *)act_future_reply(cx, %s, %s))->value)", rs, f, emit_loc(e, n->loc));
  }
  default:
    return xprintf("0");
  }
}

/* An lvalue for writing: containers on the path are made unshared. */
char *emit_place(em_t *e, ast_t *n) {
  switch (n->kind) {
  case AST_NAME: return name_ref(e, n);
  case AST_DOT: return xprintf("(%s).f_%s", emit_place(e, n->kids[0]), n->name);
  case AST_INDEX: {
    ast_t *o = n->kids[0];
    if (n->index == SEMA_INDEX_MAP) {
      type_t *mt = o->type;
      return xprintf("(*(%s *)act_map_mut(cx, &%s, %s, %s, (%s[]){%s}, %s))", ctype(mt->elem), emit_place(e, o),
                     tdesc(mt->key), tdesc(mt->elem), ctype(mt->key), emit_expr(e, n->kids[1]), emit_loc(e, n->loc));
    }
    return xprintf("(*(%s *)act_array_mut(cx, &%s, %s, (int64_t)(%s), %s))", ctype(n->type), emit_place(e, o),
                   tdesc(n->type), emit_expr(e, n->kids[1]), emit_loc(e, n->loc));
  }
  default:
    return emit_expr(e, n);
  }
}
