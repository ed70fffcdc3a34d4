#define _GNU_SOURCE
/* emit_type.c: C types for Act types, type definitions for headers, and
 * the act_type_t descriptors (equality, printing, sharing) of composite
 * types. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"
#include "common/xalloc.h"
#include "emit/emit_int.h"

/* Formatted into a stack buffer, then copied at its size: most results
 * are names, and vasprintf's growing buffer cost the emitter more. */
char *xprintf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  if ((size_t)n < sizeof buf) return xstrndup(buf, (size_t)n);
  char *s = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

const char *decl_cname(ast_t *d) {
  if (d->kind == AST_MESSAGE && d->loc.file == NULL) return "act_down";
  return d->data ? (const char *)d->data : xprintf("act_unnamed_%s", d->name);
}

const char *msg_cname(ast_t *msg) {
  if (msg->loc.file == NULL) return "act_down_msg_t";
  return xprintf("%s_msg", decl_cname(msg));
}

const char *msg_id_name(ast_t *msg) {
  if (msg->loc.file == NULL) return "ACT_MSG_DOWN";
  return xprintf("%s_id", decl_cname(msg));
}


/* The scalars: C type, stable name, runtime descriptor. */
typedef struct scalar {
  const char *ctype, *cname, *desc;
} scalar_t;

static const scalar_t scalars[] = {
  [TY_BOOL] = {"bool", "bool", "&act_type_bool"},
  [TY_I8] = {"int8_t", "i8", "&act_type_i8"},
  [TY_I16] = {"int16_t", "i16", "&act_type_i16"},
  [TY_I32] = {"int32_t", "i32", "&act_type_i32"},
  [TY_I64] = {"int64_t", "i64", "&act_type_i64"},
  [TY_U8] = {"uint8_t", "u8", "&act_type_u8"},
  [TY_U16] = {"uint16_t", "u16", "&act_type_u16"},
  [TY_U32] = {"uint32_t", "u32", "&act_type_u32"},
  [TY_U64] = {"uint64_t", "u64", "&act_type_u64"},
  [TY_F32] = {"float", "f32", "&act_type_f32"},
  [TY_F64] = {"double", "f64", "&act_type_f64"},
  [TY_STRING] = {"act_str_t *", "str", "&act_type_string"},
  [TY_DURATION] = {"int64_t", "dur", "&act_type_duration"},
  [TY_TIMER] = {"act_timer_t *", "timer", "&act_type_timer"},
  [TY_FUTURE] = {"act_future_t *", "future", "&act_type_future"},
  [TY_NODE] = {"void *", "node", "&act_type_node"},
  [TY_ACTOR] = {"act_actor_t *", "ref", "&act_type_ref"},
  [TY_PROTOCOL] = {"act_actor_t *", "ref", "&act_type_ref"},
  [TY_ANYREF] = {"act_actor_t *", "ref", "&act_type_ref"},
};

static const scalar_t *scalar(type_t *t) {
  if ((size_t)t->kind < sizeof scalars / sizeof scalars[0] && scalars[t->kind].ctype) return &scalars[t->kind];
  return NULL;
}

/* A stable C name for a type, from its structure rather than its place
 * in the compiler's tables: `i64`, `str`, `shop_Point`, `opt0_i64`,
 * `arr0_str`, `map0_str_arr0_i64`. The `0` keeps structural names apart
 * from declarations (emit_names.c reserves the modules opt0, arr0, map0,
 * reply0);
 * a map's key is a scalar, one word, so the parts cannot run together. */
const char *type_cname(type_t *t) {
  if (scalar(t)) return scalar(t)->cname;
  switch (t->kind) {
  case TY_ARRAY: return xprintf("arr0_%s", type_cname(t->elem));
  case TY_MAP: return xprintf("map0_%s_%s", type_cname(t->key), type_cname(t->elem));
  case TY_OPTIONAL: return xprintf("opt0_%s", type_cname(t->elem));
  case TY_STRUCT: case TY_ENUM: return decl_cname(t->decl);
  default: return "void";
  }
}

/* The reply message of an ask whose answer has type value, as a future
 * holding it sees it; each message's `<msg>_reply` is another name for it. */
const char *reply_cname(type_t *value) { return xprintf("reply0_%s", type_cname(value)); }

const char *ctype(type_t *t) {
  if (scalar(t)) return scalar(t)->ctype;
  switch (t->kind) {
  case TY_ARRAY: return "act_array_t *";
  case TY_MAP: return "act_map_t *";
  case TY_OPTIONAL: return type_cname(t);
  case TY_STRUCT: case TY_ENUM: return decl_cname(t->decl);
  default: return "void";
  }
}

const char *tdesc(type_t *t) {
  if (scalar(t)) return scalar(t)->desc;
  return xprintf("&%s_type", type_cname(t));
}

static int composite(type_t *t) {
  return t->kind == TY_ARRAY || t->kind == TY_MAP || t->kind == TY_OPTIONAL ||
         t->kind == TY_STRUCT || t->kind == TY_ENUM;
}

/* One question's memo: a type's answer by type id, and the ids set, so
 * that the next question starts from a clean memo in the time of the types
 * it touched (clearing one the size of all types, per question, was a
 * tenth of emitting a 100,000-line program). */
typedef struct shares_memo {
  signed char *v;
  int n;
  VEC(int) touched;
} shares_memo_t;

/* The type holds arrays or maps (ACT_TF_SHARE). Memoised by type id, as
 * a recursive enum would ask about itself again. */
static int shares_rec(type_t *t, shares_memo_t *m) {
  signed char *memo = m->v;
  if (memo[t->id]) return memo[t->id] > 0;
  memo[t->id] = -1;                      /* in progress: no, so far */
  VEC_PUSH(&m->touched, t->id);
  int r = 0;
  switch (t->kind) {
  case TY_ARRAY: case TY_MAP: r = 1; break;
  case TY_OPTIONAL: r = shares_rec(t->elem, m); break;
  case TY_STRUCT:
    for (int i = 0; i < t->decl->nkids && !r; i++) r = shares_rec(t->decl->kids[i]->type, m);
    break;
  case TY_ENUM:
    for (int v = 0; v < t->decl->nkids && !r; v++)
      for (int i = 0; i < t->decl->kids[v]->nkids && !r; i++) r = shares_rec(t->decl->kids[v]->kids[i]->type, m);
    break;
  default: break;
  }
  memo[t->id] = r ? 1 : -1;
  return r;
}

int type_shares(type_t *t) {
  static shares_memo_t m;
  int n;
  type_all(&n);
  if (n + 1 > m.n) { /* more types since the last question: a larger memo */
    free(m.v);
    m.v = xcalloc((size_t)n + 1, 1);
    m.n = n + 1;
  }
  int r = shares_rec(t, &m);
  for (int i = 0; i < m.touched.n; i++) m.v[m.touched.v[i]] = 0;
  m.touched.n = 0;
  return r;
}

/* ---- recursive enums ---------------------------------------------------
 * A variant field whose type holds the enum itself by value (`Node(l:
 * Tree, r: Tree)`) is boxed: the payload holds a pointer to an immutable
 * copy (act_box), which gives the enum a finite size. */

static int holds_by_value(type_t *t, ast_t *target, int depth) {
  if (t == NULL || depth > 64) return 0;
  switch (t->kind) {
  case TY_OPTIONAL: return holds_by_value(t->elem, target, depth + 1);
  case TY_STRUCT:
    if (t->decl == target) return 1;
    for (int i = 0; i < t->decl->nkids; i++)
      if (holds_by_value(t->decl->kids[i]->type, target, depth + 1)) return 1;
    return 0;
  case TY_ENUM:
    if (t->decl == target) return 1;
    for (int v = 0; v < t->decl->nkids; v++)
      for (int i = 0; i < t->decl->kids[v]->nkids; i++)
        if (holds_by_value(t->decl->kids[v]->kids[i]->type, target, depth + 1)) return 1;
    return 0;
  default: return 0;
  }
}

int field_boxed(ast_t *en, ast_t *field) {
  return en && en->kind == AST_ENUM && holds_by_value(field->type, en, 0);
}

/* ---- definitions (headers) --------------------------------------------- */

static void def_type(FILE *h, decls_t *ds, type_t *t, char *done);

static void def_deps(FILE *h, decls_t *ds, type_t *t, char *done) {
  if (t->kind == TY_OPTIONAL || t->kind == TY_FUTURE) def_type(h, ds, t->elem, done);
  if (t->kind == TY_STRUCT)
    for (int i = 0; i < t->decl->nkids; i++) def_type(h, ds, t->decl->kids[i]->type, done);
  if (t->kind == TY_ENUM)
    for (int v = 0; v < t->decl->nkids; v++)
      for (int i = 0; i < t->decl->kids[v]->nkids; i++)
        if (!field_boxed(t->decl, t->decl->kids[v]->kids[i])) def_type(h, ds, t->decl->kids[v]->kids[i]->type, done);
}

static int has_value(type_t *t) {
  return t && t->kind != TY_ERROR && t->kind != TY_NONE && t->kind != TY_VOID && t->kind != TY_MESSAGE;
}

static void def_type(FILE *h, decls_t *ds, type_t *t, char *done) {
  if (t == NULL || done[t->id] ||
      !(t->kind == TY_OPTIONAL || t->kind == TY_STRUCT || t->kind == TY_ENUM || (t->kind == TY_FUTURE && has_value(t->elem))))
    return;
  done[t->id] = 1;
  def_deps(h, ds, t, done);
  const char *cn = t->kind == TY_FUTURE ? reply_cname(t->elem) : type_cname(t);
  fprintf(h, "#ifndef ACT_TYPE_%s\n#define ACT_TYPE_%s\n", cn, cn);
  if (t->kind == TY_FUTURE) {
    fprintf(h, "typedef struct %s { act_msg_t h; %s value; } %s; /* reply of an ask for %s */\n", cn, ctype(t->elem), cn,
            type_name(t->elem));
  } else if (t->kind == TY_OPTIONAL) {
    fprintf(h, "typedef struct %s { bool has; %s v; } %s; /* %s */\n", cn, ctype(t->elem), cn, type_name(t));
  } else if (t->kind == TY_STRUCT) {
    fprintf(h, "/* struct %s */\ntypedef struct %s {\n", t->decl->name, cn);
    for (int i = 0; i < t->decl->nkids; i++)
      fprintf(h, "  %s f_%s;\n", ctype(t->decl->kids[i]->type), t->decl->kids[i]->name);
    if (t->decl->nkids == 0) fprintf(h, "  char _empty;\n");
    fprintf(h, "} %s;\n", cn);
  } else {
    fprintf(h, "/* enum %s: tag is the variant's index */\ntypedef struct %s {\n  int32_t tag;\n  union {\n    char _none;\n",
            t->decl->name, cn);
    for (int v = 0; v < t->decl->nkids; v++) {
      ast_t *var = t->decl->kids[v];
      if (var->nkids == 0) continue;
      fprintf(h, "    struct {");
      for (int i = 0; i < var->nkids; i++) {
        ast_t *f = var->kids[i];
        if (field_boxed(t->decl, f)) fprintf(h, " struct %s *f_%s;", type_cname(f->type), f->name);
        else fprintf(h, " %s f_%s;", ctype(f->type), f->name);
      }
      fprintf(h, " } v_%s;\n", var->name);
    }
    fprintf(h, "  } u;\n} %s;\n", cn);
  }
  fprintf(h, "#endif\n");
  decls_mark(ds, h, cn);
}

int usable_key(type_t *t);

/* Types that only appeared in error paths or need no descriptor. */
static int usable(type_t *t) {
  if (t->kind == TY_ARRAY || t->kind == TY_OPTIONAL) return has_value(t->elem);
  if (t->kind == TY_MAP) return usable_key(t);
  return t->kind == TY_STRUCT || t->kind == TY_ENUM;
}

int usable_key(type_t *t) {
  return t->key && t->elem && t->key->kind != TY_ERROR && t->elem->kind != TY_ERROR;
}

/* Types that differ in Act but not in C (arrays of two actor types are
 * both arr0_ref) share one descriptor under the name: first[id] is the
 * index in type_all of the first usable composite type of t's C name, or
 * -1 for a type that gets no descriptor. Sorting by name keeps this
 * O(n log n); the 100,000-line program has some 3,500 types. */
typedef struct named {
  const char *cname;
  int index;
} named_t;

static int by_cname(const void *x, const void *y) {
  const named_t *a = x, *b = y;
  int c = strcmp(a->cname, b->cname);
  return c ? c : a->index - b->index;
}

static int *first_of_names(type_t **all, int n) {
  named_t *v = calloc((size_t)n + 1, sizeof *v);
  int *first = malloc(((size_t)n + 1) * sizeof *first), m = 0;
  for (int i = 0; i < n; i++) {
    first[all[i]->id] = -1;
    if (composite(all[i]) && usable(all[i])) v[m++] = (named_t){type_cname(all[i]), i};
  }
  qsort(v, (size_t)m, sizeof *v, by_cname);
  for (int k = 0, lead = 0; k < m; k++) {
    if (k == 0 || strcmp(v[k].cname, v[k - 1].cname) != 0) lead = v[k].index;
    first[all[v[k].index]->id] = lead;
  }
  free(v);
  return first;
}

void emit_type_defs(FILE *h, decls_t *ds) {
  int n;
  type_t **all = type_all(&n);
  char *done = calloc((size_t)n + 1, 1);
  for (int i = 0; i < n; i++) def_type(h, ds, all[i], done);
  /* every composite type's descriptor (defined once: emit_type_descs) */
  int *first = first_of_names(all, n);
  for (int i = 0; i < n; i++)
    if (first[all[i]->id] == i) {
      fprintf(h, "extern const act_type_t %s_type;\n", type_cname(all[i]));
      decls_mark(ds, h, type_cname(all[i]));
    }
  free(first);
  free(done);
}

/* ---- descriptors: data, defined once -----------------------------------
 * Each in the module that owns its type (emit_type_owners). The runtime
 * walks them (runtime/src/value/desc.c, codec.c). */

/* `{.name = "x", .offset = offsetof(T, path), .type = &..._type}` */
static void field_entry(strbuf_t *b, const char *owner, const char *path, ast_t *f, int boxed) {
  strbuf_printf(b, "  {.name = \"%s\", .offset = offsetof(%s, %s), %s.type = %s},\n", f->name, owner, path,
            boxed ? ".boxed = 1, " : "", tdesc(f->type));
}

void emit_fields_table(strbuf_t *b, const char *table, const char *owner, ast_t *en, ast_t *fields, const char *prefix) {
  strbuf_printf(b, "static const act_field_t %s[] = {\n", table);
  for (int i = 0; i < fields->nkids; i++) {
    ast_t *f = fields->kids[i];
    field_entry(b, owner, xprintf("%sf_%s", prefix, f->name), f, field_boxed(en, f));
  }
  if (fields->nkids == 0) strbuf_printf(b, "  {.name = NULL},\n");   /* C has no empty arrays */
  strbuf_printf(b, "};\n");
}

static void desc_of(strbuf_t *b, type_t *t) {
  const char *cn = type_cname(t), *flags = type_shares(t) ? ",\n  .flags = ACT_TF_SHARE" : "";
  switch (t->kind) {
  case TY_ARRAY:
    strbuf_printf(b, "const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(act_array_t *),\n  .kind = ACT_K_ARRAY,\n"
                 "  .elem = %s%s,\n};\n", cn, type_name(t), tdesc(t->elem), flags);
    break;
  case TY_MAP:
    strbuf_printf(b, "const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(act_map_t *),\n  .kind = ACT_K_MAP,\n"
                 "  .key = %s,\n  .elem = %s%s,\n};\n", cn, type_name(t), tdesc(t->key), tdesc(t->elem), flags);
    break;
  case TY_OPTIONAL:
    strbuf_printf(b, "static const act_field_t %s_fields[] = {{.name = \"v\", .offset = offsetof(%s, v), .type = %s}};\n",
              cn, cn, tdesc(t->elem));
    strbuf_printf(b, "const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_OPTIONAL,\n"
                 "  .elem = %s,\n  .nfields = 1,\n  .fields = %s_fields%s,\n};\n", cn, type_name(t), cn, tdesc(t->elem), cn, flags);
    break;
  case TY_STRUCT:
    emit_fields_table(b, xprintf("%s_fields", cn), cn, NULL, t->decl, "");
    strbuf_printf(b, "const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_STRUCT,\n"
                 "  .nfields = %d,\n  .fields = %s_fields%s,\n};\n", cn, t->decl->name, cn, t->decl->nkids, cn, flags);
    break;
  case TY_ENUM: {
    ast_t *en = t->decl;
    for (int v = 0; v < en->nkids; v++)
      if (en->kids[v]->nkids)
        emit_fields_table(b, xprintf("%s_%s_fields", cn, en->kids[v]->name), cn, en, en->kids[v],
                          xprintf("u.v_%s.", en->kids[v]->name));
    strbuf_printf(b, "static const act_variant_t %s_variants[] = {\n", cn);
    for (int v = 0; v < en->nkids; v++) {
      ast_t *var = en->kids[v];
      if (var->nkids) strbuf_printf(b, "  {.name = \"%s\", .nfields = %d, .fields = %s_%s_fields},\n", var->name, var->nkids, cn, var->name);
      else strbuf_printf(b, "  {.name = \"%s\"},\n", var->name);
    }
    strbuf_printf(b, "};\n");
    strbuf_printf(b, "const act_type_t %s_type = {\n  .name = \"%s\",\n  .size = sizeof(%s),\n  .kind = ACT_K_ENUM,\n"
                 "  .nvariants = %d,\n  .variants = %s_variants%s,\n};\n", cn, en->name, cn, en->nkids, cn, flags);
    break;
  }
  default: break;
  }
}

/* The module that owns a declared type, and the first that uses a
 * structural type made of scalars, in program order. */
typedef struct owners {
  program_t *prog;
  int *of;        /* by type id: module index, or -1 */
} owners_t;

static int decl_module(const program_t *prog, const ast_t *decl) {
  for (int m = 0; m < prog->nmodules; m++)
    if (prog->modules[m]->loc.file == decl->loc.file) return m;
  return prog->nmodules - 1;
}

/* The owner of t by its structure: the declared type inside it decides;
 * -1 when there is none. */
static int owner_by_structure(owners_t *o, type_t *t) {
  switch (t->kind) {
  case TY_STRUCT: case TY_ENUM: return decl_module(o->prog, t->decl);
  case TY_ARRAY: case TY_OPTIONAL: case TY_MAP: return t->elem ? owner_by_structure(o, t->elem) : -1;
  default: return -1;
  }
}

/* Module m uses t and what t is made of. */
static void claim(owners_t *o, type_t *t, int m) {
  for (; t && composite(t) && o->of[t->id] < 0; t = t->elem) {
    o->of[t->id] = m;
    if (t->kind == TY_STRUCT || t->kind == TY_ENUM) break;
  }
}

static void claim_uses(owners_t *o, const ast_t *n, int m) {
  if (n == NULL) return;
  if (n->type) claim(o, n->type, m);
  for (int i = 0; i < n->nkids; i++) claim_uses(o, n->kids[i], m);
}

int *emit_type_owners(program_t *prog) {
  int n;
  type_t **all = type_all(&n);
  owners_t o = {prog, malloc(((size_t)n + 1) * sizeof(int))};
  for (int i = 0; i <= n; i++) o.of[i] = -1;
  for (int i = 0; i < n; i++) o.of[all[i]->id] = owner_by_structure(&o, all[i]);
  for (int m = 0; m < prog->nmodules; m++) claim_uses(&o, prog->modules[m], m);
  /* what no module's code names (a type seen only by the checker) goes to
   * the root, which every program has */
  for (int i = 0; i < n; i++)
    if (o.of[all[i]->id] < 0) o.of[all[i]->id] = prog->nmodules - 1;
  /* one descriptor per C name: the earliest owner among its types */
  int *first = first_of_names(all, n);
  for (int i = 0; i < n; i++) {
    int f = first[all[i]->id];
    if (f >= 0 && o.of[all[i]->id] < o.of[all[f]->id]) o.of[all[f]->id] = o.of[all[i]->id];
  }
  for (int i = 0; i < n; i++)
    if (first[all[i]->id] != i) o.of[all[i]->id] = -1;
  free(first);
  return o.of;
}

void emit_type_descs(strbuf_t *b, int module, const int *owners) {
  int n;
  type_t **all = type_all(&n);
  for (int i = 0; i < n; i++) {
    type_t *t = all[i];
    if (owners[t->id] != module) continue;
    strbuf_printf(b, "/* %s */\n", type_name(t));
    desc_of(b, t);
  }
}
