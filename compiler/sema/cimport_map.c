/* cimport_map.c: C declarations (libclang cursors) to Act declarations,
 * for `import c` (docs/c-interop.md says what maps to what):
 *
 *   C                               Act
 *   _Bool, char..long long, float,  bool, i8..i64, u8..u64, f32, f64 (the
 *   double, enums                   enum's integer type)
 *   const char *                    string (passed NUL-terminated; a
 *                                   result is copied)
 *   const T * (T a number)          [T], a parameter only: C reads the
 *                                   array's elements
 *   struct S (by value), whose      struct S with the same fields; copied
 *   fields are numbers              field by field at the call
 *   enum constant, #define of an    const of the constant's C type
 *   integer literal
 *
 * Anything else (other pointers, unions, variadic functions, long double,
 * bit-fields, ...) is refused with a reason, which the checker gives if the
 * program uses the name. Glue for strings, arrays and structs is written by
 * the emitter (emit_cglue.c) from the C types left in lit.s. */
#ifdef ACT_HAVE_LIBCLANG
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sema/cimport_int.h"

enum { CV_PLAIN, CV_STR, CV_ARRAY, CV_STRUCT };

char *cmap_spell(CXString s) {
  char *r = xstrdup(act_clang.getCString(s) ? act_clang.getCString(s) : "");
  act_clang.disposeString(s);
  return r;
}

char *cmap_where(cimp_t *ci, CXCursor cur) {
  CXFile f;
  unsigned line;
  act_clang.getSpellingLocation(act_clang.getCursorLocation(cur), &f, &line, NULL, NULL);
  char *path = f ? cmap_spell(act_clang.getFileName(f)) : xstrdup("?");
  size_t n = strlen(ci->act_dir);
  const char *shown = path;
  if (strncmp(path, ci->act_dir, n) == 0 && path[n] == '/') shown = path + n + 1;
  strbuf_t b = {0};
  strbuf_printf(&b, "%s:%u", shown, line);
  free(path);
  char *r = xstrdup(strbuf_str(&b));
  strbuf_free(&b);
  return r;
}

static ast_t *tname(cimp_t *ci, const char *name) {
  ast_t *t = ast_new(AST_TNAME, ci->imp->loc);
  t->name = strtab_cstr(name);
  return t;
}

const char *cmap_prim(CXType t) {
  switch (t.kind) {
  case CXType_Bool: return "bool";
  case CXType_Char_S: case CXType_SChar: return "i8";
  case CXType_Char_U: case CXType_UChar: return "u8";
  case CXType_Short: return "i16";
  case CXType_UShort: return "u16";
  case CXType_Int: return "i32";
  case CXType_UInt: return "u32";
  case CXType_Long: return act_clang.Type_getSizeOf(t) == 8 ? "i64" : "i32";
  case CXType_ULong: return act_clang.Type_getSizeOf(t) == 8 ? "u64" : "u32";
  case CXType_LongLong: return "i64";
  case CXType_ULongLong: return "u64";
  case CXType_Float: return "f32";
  case CXType_Double: return "f64";
  case CXType_Enum:
    return cmap_prim(act_clang.getCanonicalType(act_clang.getEnumDeclIntegerType(act_clang.getTypeDeclaration(t))));
  default: return NULL;
  }
}

static bool is_char(CXType t) { return t.kind == CXType_Char_S || t.kind == CXType_Char_U; }

/* The Act struct for a C struct passed by value: made on first use, named
 * as the C code that uses it spells it (its typedef, else its tag). */
static const char *struct_for(cimp_t *ci, CXType canon, CXType written, strbuf_t *why) {
  CXCursor decl = act_clang.getTypeDeclaration(canon);
  char *cs = cmap_spell(act_clang.getTypeSpelling(written));
  if (decl.kind == CXCursor_UnionDecl) {
    strbuf_printf(why, "`%s` is a union, which has no Act form", cs);
    free(cs);
    return NULL;
  }
  CXCursor def = act_clang.getCursorDefinition(decl);
  if (act_clang.Cursor_isNull(def)) {
    strbuf_printf(why, "struct `%s` is opaque (declared, never defined in the header)", cs);
    free(cs);
    return NULL;
  }
  for (int i = 0; i < ci->structs.n; i++)
    if (act_clang.equalCursors(ci->structs.v[i].def, def)) {
      free(cs);
      return ci->structs.v[i].name;
    }
  char *name = written.kind == CXType_Typedef ? cmap_spell(act_clang.getTypedefName(written)) : cmap_spell(act_clang.getCursorSpelling(def));
  free(cs);
  bool ok = name[0] != '\0' && !act_clang.Cursor_isAnonymous(def);
  if (written.kind == CXType_Typedef) ok = name[0] != '\0';
  if (!ok) {
    strbuf_printf(why, "it uses an anonymous struct, which has no name in Act");
    free(name);
    return NULL;
  }
  if (!cmap_decl(ci, name, def, why)) {
    free(name);
    return NULL;
  }
  const char *r = strtab_cstr(name);
  free(name);
  return r;
}

/* The Act type node of C type t (a result when `result`), with the glue it
 * needs in *conv; NULL with the reason in why. A void result gives NULL and
 * no reason. */
static ast_t *map_type(cimp_t *ci, CXType t, bool result, int *conv, strbuf_t *why) {
  CXType c = act_clang.getCanonicalType(t);
  *conv = CV_PLAIN;
  const char *p = cmap_prim(c);
  if (p) return tname(ci, p);
  if (c.kind == CXType_Void && result) return NULL;
  char *cs = cmap_spell(act_clang.getTypeSpelling(t));
  ast_t *r = NULL;
  if (c.kind == CXType_Record) {
    const char *s = struct_for(ci, c, t, why);
    if (s) {
      *conv = CV_STRUCT;
      r = tname(ci, s);
    }
  } else if (c.kind == CXType_Pointer) {
    CXType pt = act_clang.getCanonicalType(act_clang.getPointeeType(c));
    bool cst = act_clang.isConstQualifiedType(pt);
    const char *pe = cmap_prim(pt);
    if (is_char(pt) && cst) {
      *conv = CV_STR;
      r = tname(ci, "string");
    } else if (pe && cst && !result) {
      *conv = CV_ARRAY;
      r = ast_new(AST_TARRAY, ci->imp->loc);
      ast_add(r, tname(ci, pe));
    } else if (pt.kind == CXType_FunctionProto || pt.kind == CXType_FunctionNoProto) {
      strbuf_printf(why, "`%s` is a function pointer, which Act cannot pass", cs);
    } else if (pt.kind == CXType_Void) {
      strbuf_printf(why, "`%s` is an untyped pointer, which Act does not have", cs);
    } else if (result) {
      strbuf_printf(why, "it returns a pointer, `%s`; only `const char *` (a string) comes back", cs);
    } else {
      strbuf_printf(why, "`%s` is a pointer that is not to const numbers or chars: C could write through it, "
                         "and Act passes values", cs);
    }
  } else {
    strbuf_printf(why, "C type `%s` has no Act form", cs);
  }
  free(cs);
  return r;
}

static bool map_fn(cimp_t *ci, const char *name, CXCursor cur, strbuf_t *why) {
  CXType ft = act_clang.getCursorType(cur);
  if (ft.kind == CXType_FunctionNoProto) {
    strbuf_printf(why, "it is declared without a prototype");
    return false;
  }
  if (act_clang.isFunctionTypeVariadic(ft)) {
    strbuf_printf(why, "it takes a variable number of arguments");
    return false;
  }
  ast_t *fn = ast_new(AST_FN, ci->imp->loc);
  fn->name = strtab_cstr(name);
  fn->flags |= FN_EXTERN;
  ast_t *ps = ast_new(AST_LIST, ci->imp->loc);
  int n = act_clang.Cursor_getNumArguments(cur);
  bool glue = false;
  for (int i = 0; i < n; i++) {
    CXCursor a = act_clang.Cursor_getArgument(cur, (unsigned)i);
    char *an = cmap_spell(act_clang.getCursorSpelling(a));
    CXType at = act_clang.getCursorType(a);
    int conv;
    strbuf_t w = {0};
    ast_t *t = map_type(ci, at, false, &conv, &w);
    if (t == NULL) {
      if (an[0]) strbuf_printf(why, "its parameter `%s`: %s", an, strbuf_str(&w));
      else strbuf_printf(why, "its parameter %d: %s", i + 1, strbuf_str(&w));
      strbuf_free(&w);
      free(an);
      return false;
    }
    strbuf_free(&w);
    ast_t *p = ast_new(AST_PARAM, ci->imp->loc);
    strbuf_t pn = {0};
    strbuf_printf(&pn, "%s", an[0] ? an : "arg");
    p->name = strtab_cstr(strbuf_str(&pn));
    strbuf_free(&pn);
    free(an);
    p->lit.s = cmap_spell(act_clang.getTypeSpelling(at));
    ast_add(p, t);
    ast_add(ps, p);
    glue |= conv != CV_PLAIN;
  }
  CXType rt = act_clang.getResultType(ft);
  int conv;
  strbuf_t w = {0};
  ast_t *r = map_type(ci, rt, true, &conv, &w);
  if (r == NULL && w.len) {
    strbuf_printf(why, "%s", strbuf_str(&w));
    strbuf_free(&w);
    return false;
  }
  strbuf_free(&w);
  glue |= conv != CV_PLAIN;
  fn->lit.s = cmap_spell(act_clang.getTypeSpelling(rt));
  if (glue) fn->flags |= IMPORT_C;
  ast_add(fn, ps);
  ast_add(fn, r);
  ast_add(fn, NULL);
  ast_add(ci->ext, fn);
  return true;
}

/* const NAME: type = value (negative values as -magnitude). */
static void make_const(cimp_t *ci, const char *name, const char *type, bool neg, uint64_t mag) {
  ast_t *k = ast_new(AST_CONST, ci->imp->loc);
  k->name = strtab_cstr(name);
  ast_t *v = ast_new(AST_INT, ci->imp->loc);
  v->lit.i = mag;
  if (neg) {
    ast_t *u = ast_new(AST_UNARY, ci->imp->loc);
    u->op = OP_NEG;
    ast_add(u, v);
    v = u;
  }
  ast_add(k, tname(ci, type));
  ast_add(k, v);
  ast_add(ci->mi->mod, k);
}

static bool map_enum_const(cimp_t *ci, const char *name, CXCursor cur, strbuf_t *why) {
  const char *t = cmap_prim(act_clang.getCanonicalType(act_clang.getEnumDeclIntegerType(act_clang.getCursorSemanticParent(cur))));
  if (t == NULL) {
    strbuf_printf(why, "its enum's integer type has no Act form");
    return false;
  }
  if (t[0] == 'u') {
    make_const(ci, name, t, false, (uint64_t)act_clang.getEnumConstantDeclUnsignedValue(cur));
  } else {
    long long v = act_clang.getEnumConstantDeclValue(cur);
    make_const(ci, name, t, v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
  }
  return true;
}

/* C's type for an integer literal: int, else long (decimal) or unsigned
 * (hex, octal), with the u and l suffixes; on LP64 long is 64 bits. */
static const char *literal_type(uint64_t v, bool decimal, bool u, bool l) {
  if (!u && !l && v <= INT32_MAX) return "i32";
  if (u && !l && v <= UINT32_MAX) return "u32";
  if (!u && !l && !decimal && v <= UINT32_MAX) return "u32";
  if (!u && v <= INT64_MAX) return "i64";
  return "u64";
}

static bool map_macro(cimp_t *ci, const char *name, CXCursor cur, strbuf_t *why) {
  if (act_clang.Cursor_isMacroFunctionLike(cur)) {
    strbuf_printf(why, "it is a function-like macro");
    return false;
  }
  CXToken *tk = NULL;
  unsigned nt = 0;
  act_clang.tokenize(ci->tu, act_clang.getCursorExtent(cur), &tk, &nt);
  /* tk[0] is the name; accept N, -N, (N), (-N) */
  char *text[6] = {0};
  unsigned nb = nt > 1 ? nt - 1 : 0;
  for (unsigned i = 0; i < nb && i < 6; i++) text[i] = cmap_spell(act_clang.getTokenSpelling(ci->tu, tk[i + 1]));
  unsigned at = 0, end = nb;
  if (nb >= 3 && strcmp(text[0], "(") == 0 && nb <= 6 && strcmp(text[nb - 1], ")") == 0) {
    at = 1;
    end = nb - 1;
  }
  bool neg = end - at == 2 && strcmp(text[at], "-") == 0;
  if (neg) at++;
  bool ok = false;
  if (end - at == 1 && nb <= 6 && act_clang.getTokenKind(tk[at + 1]) == CXToken_Literal) {
    const char *s = text[at];
    char *rest;
    errno = 0;
    uint64_t v = strtoull(s, &rest, 0);
    bool u = false, l = false, digits = s[0] >= '0' && s[0] <= '9';
    for (; digits && *rest; rest++) {
      if (*rest == 'u' || *rest == 'U') u = true;
      else if (*rest == 'l' || *rest == 'L') l = true;
      else break;
    }
    if (digits && *rest == '\0' && errno == 0) {
      const char *t = literal_type(v, !(s[0] == '0' && s[1] != '\0'), u, l);
      if (neg && t[0] == 'u') {
        strbuf_printf(why, "it is the negative of an unsigned literal");
      } else {
        make_const(ci, name, t, neg, v);
        ok = true;
      }
    }
  }
  if (!ok && why->len == 0) {
    if (nb == 0) strbuf_printf(why, "the macro defines no value");
    else strbuf_printf(why, "the macro's value is not an integer literal");
  }
  for (unsigned i = 0; i < 6; i++) free(text[i]);
  if (tk) act_clang.disposeTokens(ci->tu, tk, nt);
  return ok;
}

typedef struct fields {
  cimp_t *ci;
  ast_t *st;
  strbuf_t *why;
  bool bad;
} fields_t;

static enum CXChildVisitResult field_visit(CXCursor c, CXCursor parent, CXClientData data) {
  fields_t *f = data;
  if (c.kind != CXCursor_FieldDecl) return CXChildVisit_Continue;
  char *fname = cmap_spell(act_clang.getCursorSpelling(c));
  CXType ft = act_clang.getCursorType(c);
  const char *p = cmap_prim(act_clang.getCanonicalType(ft));
  if (act_clang.Cursor_isBitField(c) || p == NULL || fname[0] == '\0') {
    char *cs = cmap_spell(act_clang.getTypeSpelling(ft));
    if (act_clang.Cursor_isBitField(c)) strbuf_printf(f->why, "its field `%s` is a bit-field", fname);
    else if (fname[0] == '\0') strbuf_printf(f->why, "it has an unnamed field");
    else strbuf_printf(f->why, "its field `%s` is a `%s`; only number and bool fields map", fname, cs);
    free(cs);
    free(fname);
    f->bad = true;
    return CXChildVisit_Break;
  }
  ast_t *fd = ast_new(AST_FIELD, f->ci->imp->loc);
  fd->name = strtab_cstr(fname);
  free(fname);
  ast_add(fd, tname(f->ci, p));
  ast_add(f->st, fd);
  return CXChildVisit_Continue;
}

static bool map_struct(cimp_t *ci, const char *name, CXCursor def, strbuf_t *why) {
  for (int i = 0; i < ci->structs.n; i++)
    if (act_clang.equalCursors(ci->structs.v[i].def, def)) {
      strbuf_printf(why, "the struct is already imported as `%s`; use that name", ci->structs.v[i].name);
      return false;
    }
  ast_t *st = ast_new(AST_STRUCT, ci->imp->loc);
  st->name = strtab_cstr(name);
  fields_t f = {ci, st, why, false};
  act_clang.visitChildren(def, field_visit, &f);
  if (f.bad) return false;
  if (st->nkids == 0) {
    strbuf_printf(why, "the struct has no fields");
    return false;
  }
  VEC_PUSH(&ci->structs, ((__typeof__(*ci->structs.v)){def, st->name}));
  ast_add(ci->mi->mod, st);
  return true;
}

bool cmap_decl(cimp_t *ci, const char *name, CXCursor cur, strbuf_t *why) {
  switch (cur.kind) {
  case CXCursor_FunctionDecl: return map_fn(ci, name, cur, why);
  case CXCursor_EnumConstantDecl: return map_enum_const(ci, name, cur, why);
  case CXCursor_MacroDefinition: return map_macro(ci, name, cur, why);
  case CXCursor_VarDecl: strbuf_printf(why, "it is a C variable; Act reads no C globals"); return false;
  case CXCursor_UnionDecl: strbuf_printf(why, "it is a union, which has no Act form"); return false;
  case CXCursor_EnumDecl:
    strbuf_printf(why, "it is a C enum type; its constants are imported, and its values are integers");
    return false;
  case CXCursor_TypedefDecl: case CXCursor_StructDecl: {
    CXType t = cur.kind == CXCursor_TypedefDecl ? act_clang.getTypedefDeclUnderlyingType(cur) : act_clang.getCursorType(cur);
    CXType c = act_clang.getCanonicalType(t);
    if (c.kind == CXType_Record && act_clang.getTypeDeclaration(c).kind == CXCursor_StructDecl) {
      CXCursor def = act_clang.getCursorDefinition(act_clang.getTypeDeclaration(c));
      if (act_clang.Cursor_isNull(def)) {
        strbuf_printf(why, "the struct is opaque (declared, never defined in the header)");
        return false;
      }
      return map_struct(ci, name, def, why);
    }
    const char *p = cmap_prim(c);
    char *cs = cmap_spell(act_clang.getTypeSpelling(c));
    if (p) strbuf_printf(why, "it is the C type `%s`; write `%s` in Act", cs, p);
    else strbuf_printf(why, "it is the C type `%s`, which has no Act form", cs);
    free(cs);
    return false;
  }
  default:
    strbuf_printf(why, "this kind of C declaration is not imported");
    return false;
  }
}

#endif /* ACT_HAVE_LIBCLANG */
