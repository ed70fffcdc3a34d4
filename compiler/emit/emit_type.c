#define _GNU_SOURCE
/* emit_type.c: C types for Act types, type definitions for headers, and
 * the act_type_t descriptors (equality, printing, sharing) of composite
 * types. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit/emit_int.h"

void sb_printf(sb_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + (size_t)n + 1) cap *= 2;
    b->p = realloc(b->p, cap);
    b->cap = cap;
  }
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
}

char *xprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = NULL;
  va_end(ap);
  return s;
}

const char *mod_prefix(ast_t *decl) {
  return decl->data ? (const char *)decl->data : "act";
}

const char *decl_cname(ast_t *d) {
  if (d->kind == AST_MESSAGE && d->loc.file == NULL) return "act_down";
  return xprintf("%s_%s", mod_prefix(d), d->name);
}

const char *msg_cname(ast_t *msg) {
  if (msg->loc.file == NULL) return "act_down_msg_t";
  return xprintf("%s_msg", decl_cname(msg));
}

int msg_id(ast_t *msg) {
  if (msg->loc.file == NULL) return 1;   /* ACT_MSG_DOWN */
  return msg->emit_id;
}

const char *ctype(type_t *t) {
  switch (t->kind) {
  case TY_BOOL: return "bool";
  case TY_I8: return "int8_t";
  case TY_I16: return "int16_t";
  case TY_I32: return "int32_t";
  case TY_I64: return "int64_t";
  case TY_U8: return "uint8_t";
  case TY_U16: return "uint16_t";
  case TY_U32: return "uint32_t";
  case TY_U64: return "uint64_t";
  case TY_F32: return "float";
  case TY_F64: return "double";
  case TY_STRING: return "act_str_t *";
  case TY_DURATION: return "int64_t";
  case TY_TIMER: return "act_timer_t *";
  case TY_ARRAY: return "act_array_t *";
  case TY_MAP: return "act_map_t *";
  case TY_OPTIONAL: return xprintf("act_opt%d", t->id);
  case TY_FUTURE: return "act_future_t *";
  case TY_STRUCT: case TY_ENUM: return decl_cname(t->decl);
  case TY_ACTOR: case TY_PROTOCOL: case TY_ANYREF: return "act_actor_t *";
  case TY_NODE: return "void *";
  default: return "void";
  }
}

const char *tdesc(type_t *t) {
  switch (t->kind) {
  case TY_BOOL: return "&act_type_bool";
  case TY_I8: return "&act_type_i8";
  case TY_I16: return "&act_type_i16";
  case TY_I32: return "&act_type_i32";
  case TY_I64: return "&act_type_i64";
  case TY_U8: return "&act_type_u8";
  case TY_U16: return "&act_type_u16";
  case TY_U32: return "&act_type_u32";
  case TY_U64: return "&act_type_u64";
  case TY_F32: return "&act_type_f32";
  case TY_F64: return "&act_type_f64";
  case TY_STRING: return "&act_type_string";
  case TY_DURATION: return "&act_type_duration";
  case TY_TIMER: return "&act_type_timer";
  case TY_FUTURE: return "&act_type_future";
  case TY_NODE: return "&act_type_node";
  case TY_ACTOR: case TY_PROTOCOL: case TY_ANYREF: return "&act_type_ref";
  default: return xprintf("&act_td%d", t->id);
  }
}

static int composite(type_t *t) {
  return t->kind == TY_ARRAY || t->kind == TY_MAP || t->kind == TY_OPTIONAL ||
         t->kind == TY_STRUCT || t->kind == TY_ENUM;
}

/* ---- definitions (headers) --------------------------------------------- */

static void def_type(FILE *h, type_t *t, char *done);

static void def_deps(FILE *h, type_t *t, char *done) {
  if (t->kind == TY_OPTIONAL) def_type(h, t->elem, done);
  if (t->kind == TY_STRUCT)
    for (int i = 0; i < t->decl->nkids; i++) def_type(h, t->decl->kids[i]->type, done);
  if (t->kind == TY_ENUM)
    for (int v = 0; v < t->decl->nkids; v++)
      for (int i = 0; i < t->decl->kids[v]->nkids; i++) def_type(h, t->decl->kids[v]->kids[i]->type, done);
}

static void def_type(FILE *h, type_t *t, char *done) {
  if (t == NULL || done[t->id] || !(t->kind == TY_OPTIONAL || t->kind == TY_STRUCT || t->kind == TY_ENUM))
    return;
  done[t->id] = 1;
  def_deps(h, t, done);
  fprintf(h, "#ifndef ACT_T%d\n#define ACT_T%d\n", t->id, t->id);
  if (t->kind == TY_OPTIONAL) {
    fprintf(h, "typedef struct { bool has; %s v; } act_opt%d; /* %s */\n", ctype(t->elem), t->id,
            type_name(t));
  } else if (t->kind == TY_STRUCT) {
    fprintf(h, "/* struct %s */\ntypedef struct %s {\n", t->decl->name, ctype(t));
    for (int i = 0; i < t->decl->nkids; i++)
      fprintf(h, "  %s f_%s;\n", ctype(t->decl->kids[i]->type), t->decl->kids[i]->name);
    if (t->decl->nkids == 0) fprintf(h, "  char _empty;\n");
    fprintf(h, "} %s;\n", ctype(t));
  } else {
    fprintf(h, "/* enum %s: tag is the variant's index */\ntypedef struct %s {\n  int32_t tag;\n  union {\n    char _none;\n",
            t->decl->name, ctype(t));
    for (int v = 0; v < t->decl->nkids; v++) {
      ast_t *var = t->decl->kids[v];
      if (var->nkids == 0) continue;
      fprintf(h, "    struct {");
      for (int i = 0; i < var->nkids; i++) fprintf(h, " %s f_%s;", ctype(var->kids[i]->type), var->kids[i]->name);
      fprintf(h, " } v_%s;\n", var->name);
    }
    fprintf(h, "  } u;\n} %s;\n", ctype(t));
  }
  fprintf(h, "#endif\n");
}

void emit_type_defs(FILE *h) {
  int n;
  type_t **all = type_all(&n);
  char *done = calloc((size_t)n + 1, 1);
  for (int i = 0; i < n; i++) def_type(h, all[i], done);
  free(done);
}

/* ---- descriptors (each .c file has its own static copies) -------------- */

int usable_key(type_t *t);

static int usable(type_t *t) {
  /* Types that only appeared in error paths or need no descriptor. */
  if (t->kind == TY_ARRAY || t->kind == TY_OPTIONAL) return t->elem && t->elem->kind != TY_ERROR && t->elem->kind != TY_NONE && t->elem->kind != TY_VOID && t->elem->kind != TY_MESSAGE;
  if (t->kind == TY_MAP) return usable_key(t);
  return t->kind == TY_STRUCT || t->kind == TY_ENUM;
}

int usable_key(type_t *t) {
  return t->key && t->elem && t->key->kind != TY_ERROR && t->elem->kind != TY_ERROR;
}

static int has_share(type_t *t) {
  switch (t->kind) {
  case TY_ARRAY: case TY_MAP: return 1;
  case TY_OPTIONAL: return has_share(t->elem);
  case TY_STRUCT:
    for (int i = 0; i < t->decl->nkids; i++) if (has_share(t->decl->kids[i]->type)) return 1;
    return 0;
  case TY_ENUM:
    for (int v = 0; v < t->decl->nkids; v++)
      for (int i = 0; i < t->decl->kids[v]->nkids; i++) if (has_share(t->decl->kids[v]->kids[i]->type)) return 1;
    return 0;
  default: return 0;
  }
}

static const char *share_fn(type_t *t) {
  return has_share(t) ? xprintf("(%s)->share", tdesc(t)) : NULL;
}

/* C expression comparing two lvalues of type t for equality. */
static char *eq_expr(type_t *t, const char *a, const char *b) {
  switch (t->kind) {
  case TY_STRING: return xprintf("act_str_eq(%s, %s)", a, b);
  case TY_ARRAY: case TY_MAP: case TY_OPTIONAL: case TY_STRUCT: case TY_ENUM:
    return xprintf("(%s)->eq(&(%s), &(%s))", tdesc(t), a, b);
  default:
    return xprintf("(%s) == (%s)", a, b);
  }
}

/* Journal encoding (act_encode/act_decode call these for composites). */
static void emit_codec(FILE *c, type_t *t) {
  int id = t->id;
  const char *ct = ctype(t);
  fprintf(c, "__attribute__((unused)) static void act_en%d(act_buf_t *b, const void *pv) {\n", id);
  switch (t->kind) {
  case TY_ARRAY:
    fprintf(c, "  const act_array_t *a = *(act_array_t *const *)pv;\n  int64_t n = act_array_len(a);\n"
               "  act__enc_len(b, (uint64_t)n);\n"
               "  for (int64_t i = 0; i < n; i++) act_encode(b, %s, (const char *)a->data + i * a->et->size);\n",
            tdesc(t->elem));
    break;
  case TY_MAP:
    fprintf(c, "  const act_map_t *m = *(act_map_t *const *)pv;\n  act_array_t *ks = act_map_keys(m, %s);\n"
               "  int64_t n = act_array_len(ks);\n  act__enc_len(b, (uint64_t)n);\n"
               "  for (int64_t i = 0; i < n; i++) {\n    const void *k = (const char *)ks->data + i * ks->et->size;\n"
               "    act_encode(b, %s, k);\n    act_encode(b, %s, act_map_find(m, k));\n  }\n",
            tdesc(t->key), tdesc(t->key), tdesc(t->elem));
    break;
  case TY_OPTIONAL:
    fprintf(c, "  const %s *o = pv;\n  act_encode(b, &act_type_bool, &o->has);\n  if (o->has) act_encode(b, %s, &o->v);\n",
            ct, tdesc(t->elem));
    break;
  case TY_STRUCT:
    fprintf(c, "  const %s *s = pv;\n  (void)s; (void)b;\n", ct);
    for (int k = 0; k < t->decl->nkids; k++)
      fprintf(c, "  act_encode(b, %s, &s->f_%s);\n", tdesc(t->decl->kids[k]->type), t->decl->kids[k]->name);
    break;
  case TY_ENUM:
    fprintf(c, "  const %s *e = pv;\n  act__enc_len(b, (uint64_t)e->tag);\n  switch (e->tag) {\n", ct);
    for (int v = 0; v < t->decl->nkids; v++) {
      ast_t *var = t->decl->kids[v];
      fprintf(c, "  case %d:\n", v);
      for (int k = 0; k < var->nkids; k++)
        fprintf(c, "    act_encode(b, %s, &e->u.v_%s.f_%s);\n", tdesc(var->kids[k]->type), var->name, var->kids[k]->name);
      fprintf(c, "    break;\n");
    }
    fprintf(c, "  default: break;\n  }\n");
    break;
  default: break;
  }
  fprintf(c, "}\n");
  fprintf(c, "__attribute__((unused)) static bool act_de%d(act_reader_t *r, void *pv) {\n", id);
  switch (t->kind) {
  case TY_ARRAY:
    fprintf(c, "  uint64_t n;\n  if (!act__dec_len(r, &n)) return false;\n  act_array_t *a = act_array_new(%s, (int64_t)n);\n"
               "  for (uint64_t i = 0; i < n; i++) {\n    %s v;\n    memset(&v, 0, sizeof v);\n"
               "    if (!act_decode(r, %s, &v)) return false;\n    act_array_push(&a, %s, &v);\n  }\n"
               "  *(act_array_t **)pv = a;\n  return true;\n",
            tdesc(t->elem), ctype(t->elem), tdesc(t->elem), tdesc(t->elem));
    break;
  case TY_MAP:
    fprintf(c, "  uint64_t n;\n  if (!act__dec_len(r, &n)) return false;\n  act_map_t *m = act_map_new(%s, %s);\n"
               "  for (uint64_t i = 0; i < n; i++) {\n    %s k;\n    %s v;\n    memset(&k, 0, sizeof k);\n    memset(&v, 0, sizeof v);\n"
               "    if (!act_decode(r, %s, &k) || !act_decode(r, %s, &v)) return false;\n    act_map_put(&m, %s, %s, &k, &v);\n  }\n"
               "  *(act_map_t **)pv = m;\n  return true;\n",
            tdesc(t->key), tdesc(t->elem), ctype(t->key), ctype(t->elem), tdesc(t->key), tdesc(t->elem),
            tdesc(t->key), tdesc(t->elem));
    break;
  case TY_OPTIONAL:
    fprintf(c, "  %s *o = pv;\n  if (!act_decode(r, &act_type_bool, &o->has)) return false;\n"
               "  return !o->has || act_decode(r, %s, &o->v);\n", ct, tdesc(t->elem));
    break;
  case TY_STRUCT:
    fprintf(c, "  %s *s = pv;\n  (void)s; (void)r;\n  return true", ct);
    for (int k = 0; k < t->decl->nkids; k++)
      fprintf(c, " && act_decode(r, %s, &s->f_%s)", tdesc(t->decl->kids[k]->type), t->decl->kids[k]->name);
    fprintf(c, ";\n");
    break;
  case TY_ENUM:
    fprintf(c, "  %s *e = pv;\n  uint64_t tag;\n  if (!act__dec_len(r, &tag)) return false;\n  e->tag = (int)tag;\n  switch (tag) {\n", ct);
    for (int v = 0; v < t->decl->nkids; v++) {
      ast_t *var = t->decl->kids[v];
      fprintf(c, "  case %d: return true", v);
      for (int k = 0; k < var->nkids; k++)
        fprintf(c, " && act_decode(r, %s, &e->u.v_%s.f_%s)", tdesc(var->kids[k]->type), var->name, var->kids[k]->name);
      fprintf(c, ";\n");
    }
    fprintf(c, "  default: return false;\n  }\n");
    break;
  default: fprintf(c, "  (void)r; (void)pv;\n  return false;\n"); break;
  }
  fprintf(c, "}\n");
}

void emit_type_descs(FILE *c) {
  int n;
  type_t **all = type_all(&n);
  for (int i = 0; i < n; i++)
    if (composite(all[i]) && usable(all[i]))
      fprintf(c, "__attribute__((unused)) static const act_type_t act_td%d;\n", all[i]->id);
  for (int i = 0; i < n; i++) {
    type_t *t = all[i];
    if (!composite(t) || !usable(t)) continue;
    int id = t->id;
    const char *ct = ctype(t);
    fprintf(c, "/* %s */\n", type_name(t));
    /* equality */
    fprintf(c, "__attribute__((unused)) static bool act_eq%d(const void *pa, const void *pb) {\n", id);
    switch (t->kind) {
    case TY_ARRAY:
      fprintf(c, "  return act_array_eq(*(act_array_t *const *)pa, *(act_array_t *const *)pb, %s);\n", tdesc(t->elem));
      break;
    case TY_MAP:
      fprintf(c, "  return act_map_eq(*(act_map_t *const *)pa, *(act_map_t *const *)pb, %s, %s);\n", tdesc(t->key), tdesc(t->elem));
      break;
    case TY_OPTIONAL:
      fprintf(c, "  const %s *a = pa, *b = pb;\n  if (a->has != b->has) return false;\n  return !a->has || %s;\n", ct,
              eq_expr(t->elem, "a->v", "b->v"));
      break;
    case TY_STRUCT:
      fprintf(c, "  const %s *a = pa, *b = pb;\n  (void)a; (void)b;\n  return true", ct);
      for (int k = 0; k < t->decl->nkids; k++) {
        ast_t *f = t->decl->kids[k];
        char *x = xprintf("a->f_%s", f->name), *y = xprintf("b->f_%s", f->name);
        fprintf(c, " && %s", eq_expr(f->type, x, y));
      }
      fprintf(c, ";\n");
      break;
    case TY_ENUM:
      fprintf(c, "  const %s *a = pa, *b = pb;\n  if (a->tag != b->tag) return false;\n  switch (a->tag) {\n", ct);
      for (int v = 0; v < t->decl->nkids; v++) {
        ast_t *var = t->decl->kids[v];
        fprintf(c, "  case %d: return true", v);
        for (int k = 0; k < var->nkids; k++) {
          char *x = xprintf("a->u.v_%s.f_%s", var->name, var->kids[k]->name);
          char *y = xprintf("b->u.v_%s.f_%s", var->name, var->kids[k]->name);
          fprintf(c, " && %s", eq_expr(var->kids[k]->type, x, y));
        }
        fprintf(c, ";\n");
      }
      fprintf(c, "  default: return true;\n  }\n");
      break;
    default: break;
    }
    fprintf(c, "}\n");
    /* printing */
    fprintf(c, "__attribute__((unused)) static void act_pr%d(act_buf_t *b, const void *pv, bool quoted) {\n  (void)quoted;\n", id);
    switch (t->kind) {
    case TY_ARRAY: fprintf(c, "  act__array_print(b, *(act_array_t *const *)pv);\n"); break;
    case TY_MAP: fprintf(c, "  act__map_print(b, *(act_map_t *const *)pv);\n"); break;
    case TY_OPTIONAL:
      fprintf(c, "  const %s *o = pv;\n  if (o->has) act_buf_value(b, %s, &o->v, quoted);\n  else act_buf_cstr(b, \"none\");\n",
              ct, tdesc(t->elem));
      break;
    case TY_STRUCT:
      fprintf(c, "  const %s *s = pv;\n  (void)s;\n  act_buf_cstr(b, \"%s{\");\n", ct, t->decl->name);
      for (int k = 0; k < t->decl->nkids; k++) {
        ast_t *f = t->decl->kids[k];
        fprintf(c, "  act_buf_cstr(b, \"%s%s: \");\n  act_buf_value(b, %s, &s->f_%s, true);\n", k ? ", " : "",
                f->name, tdesc(f->type), f->name);
      }
      fprintf(c, "  act_buf_cstr(b, \"}\");\n");
      break;
    case TY_ENUM:
      fprintf(c, "  const %s *e = pv;\n  switch (e->tag) {\n", ct);
      for (int v = 0; v < t->decl->nkids; v++) {
        ast_t *var = t->decl->kids[v];
        fprintf(c, "  case %d:\n    act_buf_cstr(b, \"%s.%s%s\");\n", v, t->decl->name, var->name, var->nkids ? "(" : "");
        for (int k = 0; k < var->nkids; k++)
          fprintf(c, "    %sact_buf_value(b, %s, &e->u.v_%s.f_%s, true);\n", k ? "act_buf_cstr(b, \", \"); " : "",
                  tdesc(var->kids[k]->type), var->name, var->kids[k]->name);
        if (var->nkids) fprintf(c, "    act_buf_cstr(b, \")\");\n");
        fprintf(c, "    break;\n");
      }
      fprintf(c, "  default: break;\n  }\n");
      break;
    default: break;
    }
    fprintf(c, "}\n");
    /* sharing */
    if (has_share(t)) {
      fprintf(c, "__attribute__((unused)) static void act_sh%d(void *pv) {\n", id);
      switch (t->kind) {
      case TY_ARRAY: fprintf(c, "  act_share_array(*(act_array_t **)pv);\n"); break;
      case TY_MAP: fprintf(c, "  act_share_map(*(act_map_t **)pv);\n"); break;
      case TY_OPTIONAL:
        fprintf(c, "  %s *o = pv;\n  if (o->has) %s(&o->v);\n", ct, share_fn(t->elem));
        break;
      case TY_STRUCT:
        fprintf(c, "  %s *s = pv;\n  (void)s;\n", ct);
        for (int k = 0; k < t->decl->nkids; k++)
          if (has_share(t->decl->kids[k]->type))
            fprintf(c, "  %s(&s->f_%s);\n", share_fn(t->decl->kids[k]->type), t->decl->kids[k]->name);
        break;
      case TY_ENUM:
        fprintf(c, "  %s *e = pv;\n  switch (e->tag) {\n", ct);
        for (int v = 0; v < t->decl->nkids; v++) {
          ast_t *var = t->decl->kids[v];
          fprintf(c, "  case %d:\n", v);
          for (int k = 0; k < var->nkids; k++)
            if (has_share(var->kids[k]->type))
              fprintf(c, "    %s(&e->u.v_%s.f_%s);\n", share_fn(var->kids[k]->type), var->name, var->kids[k]->name);
          fprintf(c, "    break;\n");
        }
        fprintf(c, "  default: break;\n  }\n");
        break;
      default: break;
      }
      fprintf(c, "}\n");
    }
    emit_codec(c, t);
    const char *kind = t->kind == TY_ARRAY ? "ACT_K_ARRAY" : t->kind == TY_MAP ? "ACT_K_MAP"
                       : t->kind == TY_OPTIONAL ? "ACT_K_OPTIONAL" : t->kind == TY_STRUCT ? "ACT_K_STRUCT" : "ACT_K_ENUM";
    fprintf(c, "__attribute__((unused)) static const act_type_t act_td%d = {\"%s\", sizeof(%s), %s, act_eq%d, NULL, NULL, act_pr%d, %s, %s, %s, act_en%d, act_de%d};\n",
            id, type_name(t), ct, kind, id, id, has_share(t) ? xprintf("act_sh%d", id) : "NULL",
            (t->kind == TY_ARRAY || t->kind == TY_OPTIONAL || t->kind == TY_MAP) ? tdesc(t->elem) : "NULL",
            t->kind == TY_MAP ? tdesc(t->key) : "NULL", id, id);
  }
}
