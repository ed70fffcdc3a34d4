/* cextern.c: `extern "C" "h.h" { fn ... }` (LANGUAGE.md §12). The header is
 * included by the emitted C, so a header that cannot be found, or a
 * hand-written declaration that says other types than the header, would
 * only show up when the C compiler runs on generated code — or worse, not
 * at all: `fn abs(x: float) -> float` against `int abs(int)` compiles, and
 * C converts -2.5 to -2 and back. Both are reported here, at the block or
 * the function, before any C is written.
 *
 * With libclang the header is parsed as `import c` parses one and every
 * declared function is compared parameter by parameter with the header's
 * prototype, in the C types the emitter passes (docs/c-interop.md): Act
 * numbers and bools as the C type of the same width and signedness, a
 * string as `act_str_t *`, an array as `act_array_t *`, an actor reference
 * as `act_actor_t *`. Without libclang only the header's presence is
 * checked, by running the C compiler's preprocessor on it; so also when
 * libclang cannot be loaded (clang_dl.h). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sema/cimport.h"

static void bad_name(ast_t *ext, diag_t *d) {
  diag_error(d, ext->loc, "`%s` is not a header name", ext->lit.s);
  diag_hint(d, "write the file name as in an #include: extern \"C\" \"mylib.h\" { ... }");
}

/* The preprocessor finds the header (a valid name), or the block is
 * reported: all that is checked without libclang. */
static void check_with_cc(module_info_t *mi, ast_t *ext, const sema_opts_t *opts, diag_t *d) {
  const char *header = ext->lit.s;
  char beside[PATH_MAX];
  snprintf(beside, sizeof beside, "%s/%s", mi->dir, header);
  if (header[0] != '/' && access(beside, R_OK) == 0) return;
  const char *cc = getenv("CC");
  const char *env = getenv("ACT_CFLAGS");
  strbuf_t cmd = {0};
  strbuf_printf(&cmd, "%s -E -x c - -o /dev/null -I'%s' %s %s >/dev/null 2>&1", cc && *cc ? cc : "cc",
                opts->include_dir ? opts->include_dir : ".", opts->c_flags ? opts->c_flags : "", env ? env : "");
  FILE *p = popen(strbuf_str(&cmd), "w");
  strbuf_free(&cmd);
  if (p == NULL) return; /* no shell: the C compile will say it */
  fprintf(p, "#include <%s>\n", header);
  if (pclose(p) != 0) {
    diag_error(d, ext->loc, "cannot find C header `%s`", header);
    diag_hint(d, "it is looked for next to this file, then where the C compiler looks; add a directory with "
                 "--c-flags \"-I DIR\"");
  }
}

#ifndef ACT_HAVE_LIBCLANG

void cextern_check(module_info_t *mi, ast_t *ext, const sema_opts_t *opts, diag_t *d) {
  if (!cimp_header_name_ok(ext->lit.s)) bad_name(ext, d);
  else check_with_cc(mi, ext, opts, d);
}

#else
#include "sema/cimport_int.h"

/* The record a pointer type points to ("act_str" for `act_str_t *`), or
 * NULL when t is not a pointer to a struct. */
static char *pointee_record(CXType t) {
  if (t.kind != CXType_Pointer) return NULL;
  CXType pt = act_clang.getCanonicalType(act_clang.getPointeeType(t));
  if (pt.kind != CXType_Record) return NULL;
  return cmap_spell(act_clang.getCursorSpelling(act_clang.getTypeDeclaration(pt)));
}

static const char *prim_name(const type_t *t) {
  switch (t->kind) {
  case TY_BOOL: return "bool";
  case TY_I8: return "i8";
  case TY_I16: return "i16";
  case TY_I32: return "i32";
  case TY_I64: return "i64";
  case TY_U8: return "u8";
  case TY_U16: return "u16";
  case TY_U32: return "u32";
  case TY_U64: return "u64";
  case TY_F32: return "f32";
  case TY_F64: return "f64";
  default: return NULL;
  }
}

static const char *record_of(const type_t *t) {
  switch (t->kind) {
  case TY_STRING: return "act_str";
  case TY_ARRAY: return "act_array";
  case TY_ACTOR: case TY_PROTOCOL: case TY_ANYREF: return "act_actor";
  default: return NULL;
  }
}

/* Whether Act type t (NULL: no result) is passed as C type c. */
static bool same(const type_t *t, CXType c) {
  c = act_clang.getCanonicalType(c);
  if (t == NULL || t->kind == TY_VOID) return c.kind == CXType_Void;
  if (is_err(t)) return true;
  const char *p = prim_name(t);
  if (p) return cmap_prim(c) && strcmp(cmap_prim(c), p) == 0;
  const char *want = record_of(t);
  char *rec = pointee_record(c);
  bool ok = want && rec && strcmp(rec, want) == 0;
  free(rec);
  return ok;
}

/* The Act spelling of C type c, or NULL when hand-written Act has none. */
static const char *act_spelling(CXType c) {
  c = act_clang.getCanonicalType(c);
  const char *p = cmap_prim(c);
  if (p) return strcmp(p, "i64") == 0 ? "int" : strcmp(p, "f64") == 0 ? "float" : p;
  char *rec = pointee_record(c);
  const char *r = rec && strcmp(rec, "act_str") == 0 ? "string" : rec && strcmp(rec, "act_actor") == 0 ? "Actor" : NULL;
  free(rec);
  return r;
}

typedef struct lookup {
  const char *name;
  CXCursor fn;     /* a FunctionDecl of that name, or null */
  bool macro;      /* a macro of that name: its types cannot be known */
} lookup_t;

static enum CXChildVisitResult find_visit(CXCursor c, CXCursor parent, CXClientData data) {
  (void)parent;
  lookup_t *l = data;
  if (c.kind != CXCursor_FunctionDecl && c.kind != CXCursor_MacroDefinition) return CXChildVisit_Continue;
  CXString cs = act_clang.getCursorSpelling(c);
  bool hit = act_clang.getCString(cs) && strcmp(act_clang.getCString(cs), l->name) == 0;
  act_clang.disposeString(cs);
  if (hit && c.kind == CXCursor_MacroDefinition) l->macro = true;
  else if (hit && act_clang.Cursor_isNull(l->fn)) l->fn = c;
  return CXChildVisit_Continue;
}

/* "int abs(int)" */
static void c_prototype(strbuf_t *b, const char *name, CXCursor fn) {
  CXType ft = act_clang.getCursorType(fn);
  char *rt = cmap_spell(act_clang.getTypeSpelling(act_clang.getResultType(ft)));
  strbuf_printf(b, "%s %s(", rt, name);
  free(rt);
  int n = act_clang.getNumArgTypes(ft);
  for (int i = 0; i < n; i++) {
    char *at = cmap_spell(act_clang.getTypeSpelling(act_clang.getArgType(ft, (unsigned)i)));
    strbuf_printf(b, "%s%s", i ? ", " : "", at);
    free(at);
  }
  if (act_clang.isFunctionTypeVariadic(ft)) strbuf_printf(b, "%s...", n ? ", " : "");
  strbuf_printf(b, ")");
}

/* "fn abs(x: i32) -> i32", keeping the Act parameter names; false when
 * some C type has no hand-written Act form. */
static bool act_prototype(strbuf_t *b, ast_t *f, CXCursor fn) {
  CXType ft = act_clang.getCursorType(fn);
  ast_t *ps = ast_kid(f, 0);
  int n = act_clang.getNumArgTypes(ft);
  strbuf_printf(b, "fn %s(", f->name);
  for (int i = 0; i < n; i++) {
    const char *t = act_spelling(act_clang.getArgType(ft, (unsigned)i));
    if (t == NULL) return false;
    const char *pn = ps && i < ps->nkids && ps->kids[i] && ps->kids[i]->name ? ps->kids[i]->name : NULL;
    char *cn = cmap_spell(act_clang.getCursorSpelling(act_clang.Cursor_getArgument(fn, (unsigned)i)));
    if (pn || cn[0]) strbuf_printf(b, "%s%s: %s", i ? ", " : "", pn ? pn : cn, t);
    else strbuf_printf(b, "%sa%d: %s", i ? ", " : "", i + 1, t);
    free(cn);
  }
  strbuf_printf(b, ")");
  CXType rt = act_clang.getCanonicalType(act_clang.getResultType(ft));
  if (rt.kind != CXType_Void) {
    const char *t = act_spelling(rt);
    if (t == NULL) return false;
    strbuf_printf(b, " -> %s", t);
  }
  return true;
}

static bool matches(ast_t *f, CXCursor fn) {
  CXType ft = act_clang.getCursorType(fn);
  if (ft.kind == CXType_FunctionNoProto) return true; /* `int f()`: C checks nothing, neither can we */
  ast_t *ps = ast_kid(f, 0);
  int n = ps ? ps->nkids : 0, cn = act_clang.getNumArgTypes(ft);
  bool variadic = act_clang.isFunctionTypeVariadic(ft);
  if (variadic ? n < cn : n != cn) return false;
  for (int i = 0; i < cn; i++)
    if (ps->kids[i] && !same(ps->kids[i]->type, act_clang.getArgType(ft, (unsigned)i))) return false;
  for (int i = cn; i < n; i++) /* the variadic part: C promotes numbers */
    if (ps->kids[i] && ps->kids[i]->type && !is_err(ps->kids[i]->type) && !prim_name(ps->kids[i]->type)) return false;
  ast_t *rt = ast_kid(f, 1);
  return same(rt ? rt->type : NULL, act_clang.getResultType(ft));
}

static void check_fn(cimp_t *ci, ast_t *f, const char *header, diag_t *d) {
  lookup_t l = {.name = f->name, .fn = act_clang.getNullCursor()};
  act_clang.visitChildren(act_clang.getTranslationUnitCursor(ci->tu), find_visit, &l);
  if (act_clang.Cursor_isNull(l.fn)) {
    if (l.macro) return; /* a function-like macro: what it expands to is C's business */
    diag_error(d, f->loc, "C header `%s` declares no function `%s`", header, f->name);
    diag_hint(d, "check the name, or leave the header out (extern \"C\" { ... }) and actorc declares the function itself");
    return;
  }
  if (matches(f, l.fn)) return;
  strbuf_t cp = {0}, ap = {0};
  c_prototype(&cp, f->name, l.fn);
  char *where = cmap_where(ci, l.fn);
  diag_error(d, f->loc, "`%s` does not match its C declaration `%s` (%s)", f->name, strbuf_str(&cp), where);
  if (act_prototype(&ap, f, l.fn)) diag_hint(d, "in Act types that is `%s`", strbuf_str(&ap));
  else diag_hint(d, "`import c \"%s\"` reads the declaration itself and converts strings, arrays and structs", header);
  free(where);
  strbuf_free(&cp);
  strbuf_free(&ap);
}

void cextern_check(module_info_t *mi, ast_t *ext, const sema_opts_t *opts, diag_t *d) {
  const char *header = ext->lit.s;
  if (!cimp_header_name_ok(header)) {
    bad_name(ext, d);
    return;
  }
  if (act_clang_load()) { /* no libclang here: the header's presence is still checked */
    check_with_cc(mi, ext, opts, d);
    return;
  }
  cimp_t ci = {.mi = mi, .imp = ext};
  CXIndex idx = act_clang.createIndex(0, 0);
  if (cimp_parse(&ci, idx, header, opts, NULL, d))
    for (int k = 0; k < ext->nkids; k++)
      if (ext->kids[k] && ext->kids[k]->name) check_fn(&ci, ext->kids[k], header, d);
  if (ci.tu) act_clang.disposeTranslationUnit(ci.tu);
  act_clang.disposeIndex(idx);
  free((char *)ci.act_dir);
}

#endif /* ACT_HAVE_LIBCLANG */
