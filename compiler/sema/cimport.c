/* cimport.c: `import c "h.h" [pkg "p"]`: find the header (next to the .act
 * file, then where the C compiler looks), parse it with libclang using the
 * packages' pkg-config flags, --c-flags and $ACT_CFLAGS, and turn the C
 * names the module uses into Act declarations (cimport_map.c).
 *
 * Only names the module uses are mapped: a system header declares
 * thousands, most of which no Act form exists for, and a refusal matters
 * only where the name is used. A name the module declares itself, a
 * built-in, a type name or a module alias is never taken from C, so a
 * hand-written `extern "C" { blocking fn ... }` overrides the header's
 * declaration (that is how a blocking C function is marked). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sema/cimport.h"

bool cimp_header_name_ok(const char *h) {
  if (h == NULL || *h == '\0') return false;
  for (const char *p = h; *p; p++)
    if (*p == '"' || *p == '<' || *p == '>' || *p == '\n' || *p == '\\') return false;
  return true;
}

#ifndef ACT_HAVE_LIBCLANG

bool cimport_load(module_info_t *mi, ast_t *imp, const sema_opts_t *opts, diag_t *d, program_t *out) {
  (void)mi, (void)opts, (void)out;
  diag_error(d, imp->loc, "`import c` needs libclang, and this actorc was built without it");
  diag_hint(d, "declare the functions you use: `extern \"C\" \"%s\" { fn ... }`, or rebuild actorc with libclang-dev installed",
            imp->lit.s ? imp->lit.s : "header.h");
  return false;
}

#else
#include "sema/cimport_int.h"

/* ---- flags ---------------------------------------------------------------- */

typedef VEC(char *) words_t;

static void split_words(const char *s, words_t *out) {
  if (s == NULL) return;
  char *copy = xstrdup(s), *save = NULL;
  for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) VEC_PUSH(out, xstrdup(w));
  free(copy);
}

/* `pkg-config WHAT PKGS` into *out; false when pkg-config fails. Package
 * names are checked first, as they reach a shell. */
static bool pkg_config(const char *what, const char *pkgs, strbuf_t *out) {
  for (const char *p = pkgs; *p; p++)
    if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') || strchr("._+- ", *p)))
      return false;
  strbuf_t cmd = {0};
  strbuf_printf(&cmd, "pkg-config %s -- %s 2>/dev/null", what, pkgs);
  FILE *f = popen(strbuf_str(&cmd), "r");
  strbuf_free(&cmd);
  if (f == NULL) return false;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    for (size_t i = 0; i < n; i++) /* one line of flags: the compile command splits at blanks only */
      if (buf[i] == '\n' || buf[i] == '\t') buf[i] = ' ';
    strbuf_put(out, buf, n);
  }
  return pclose(f) == 0;
}

/* ---- the names the module uses ---------------------------------------------- */

typedef struct scan {
  symtab_t used;             /* name -> first NAME/TNAME using it */
  symtab_t own;              /* declared or imported otherwise */
} scan_t;

static void collect_used(ast_t *n, scan_t *s) {
  if (n == NULL) return;
  if ((n->kind == AST_NAME || (n->kind == AST_TNAME && n->lit.s == NULL)) && n->name &&
      symtab_get(&s->used, n->name) == NULL) {
    symtab_put(&s->used, n->name, n);
  }
  for (int i = 0; i < n->nkids; i++) collect_used(n->kids[i], s);
}

static void collect_own(ast_t *mod, scan_t *s) {
  for (int i = 0; i < mod->nkids; i++) {
    ast_t *d = mod->kids[i];
    if (d == NULL) continue;
    if (d->name) symtab_put(&s->own, d->name, d);
    if (d->kind == AST_EXTERN || d->kind == AST_ENUM) /* functions; variants */
      for (int k = 0; k < d->nkids; k++)
        if (d->kids[k] && d->kids[k]->name) symtab_put(&s->own, d->kids[k]->name, d->kids[k]);
    ast_t *bare = d->kind == AST_IMPORT ? ast_kid(d, 1) : NULL;
    for (int k = 0; bare && k < bare->nkids; k++)
      if (bare->kids[k] && bare->kids[k]->name) symtab_put(&s->own, bare->kids[k]->name, bare->kids[k]);
  }
}

static bool wanted(scan_t *s, const char *name) {
  return symtab_get(&s->used, name) && !symtab_get(&s->own, name) && !sema_builtin_id(name) &&
         !sema_prim_named(name) && strcmp(name, "string") != 0 && strcmp(name, "Down") != 0;
}

/* ---- the header's declarations -------------------------------------------- */

typedef struct found {
  scan_t *scan;
  VEC(struct { const char *name; CXCursor cur; }) v;
} found_t;

static int rank(enum CXCursorKind k) { return k == CXCursor_MacroDefinition ? 0 : 1; }

static void consider(found_t *f, CXCursor c) {
  CXFile file;
  act_clang.getSpellingLocation(act_clang.getCursorLocation(c), &file, NULL, NULL, NULL);
  if (file == NULL) return; /* the compiler's own macros */
  CXString cs = act_clang.getCursorSpelling(c);
  const char *s = act_clang.getCString(cs);
  const char *name = s && *s ? strtab_cstr(s) : NULL;
  act_clang.disposeString(cs);
  if (name == NULL || !wanted(f->scan, name)) return;
  for (int i = 0; i < f->v.n; i++)
    if (f->v.v[i].name == name) {
      /* a function or type beats a macro of the same name, and a
       * definition beats a declaration */
      if (rank(c.kind) > rank(f->v.v[i].cur.kind) || (c.kind == f->v.v[i].cur.kind && act_clang.isCursorDefinition(c)))
        f->v.v[i].cur = c;
      return;
    }
  VEC_PUSH(&f->v, ((__typeof__(*f->v.v)){name, c}));
}

static enum CXChildVisitResult top_visit(CXCursor c, CXCursor parent, CXClientData data) {
  found_t *f = data;
  switch (c.kind) {
  case CXCursor_EnumDecl:
    act_clang.visitChildren(c, top_visit, data); /* its constants */
    consider(f, c);
    break;
  case CXCursor_FunctionDecl: case CXCursor_VarDecl: case CXCursor_TypedefDecl: case CXCursor_StructDecl:
  case CXCursor_UnionDecl: case CXCursor_EnumConstantDecl: case CXCursor_MacroDefinition:
    consider(f, c);
    break;
  default: break;
  }
  return CXChildVisit_Continue;
}

/* ---- parsing ------------------------------------------------------------- */

/* FNV-1a over the headers that are not system headers, so that the
 * generated C (which names the digest) changes when a project header does,
 * and the object cache does not reuse code built against the old one. */
typedef struct digest { CXTranslationUnit tu; uint64_t h; } digest_t;

static void digest_visit(CXFile file, CXSourceLocation *stack, unsigned depth, CXClientData data) {
  digest_t *dg = data;
  if (depth == 0 || act_clang.Location_isInSystemHeader(act_clang.getLocationForOffset(dg->tu, file, 0))) return;
  size_t n = 0;
  const char *text = act_clang.getFileContents(dg->tu, file, &n);
  for (size_t i = 0; text && i < n; i++) dg->h = (dg->h ^ (unsigned char)text[i]) * 1099511628211ull;
}

static const char main_name[] = "act_import_c.c";

/* Report what keeps the header from being read; true when nothing does. */
static bool parse_ok(cimp_t *ci, diag_t *d, const char *header) {
  unsigned n = act_clang.getNumDiagnostics(ci->tu), shown = 0;
  bool missing = false, failed = false;
  strbuf_t msgs = {0};
  for (unsigned i = 0; i < n; i++) {
    CXDiagnostic g = act_clang.getDiagnostic(ci->tu, i);
    if (act_clang.getDiagnosticSeverity(g) >= CXDiagnostic_Error) {
      CXFile f;
      unsigned line, col;
      act_clang.getSpellingLocation(act_clang.getDiagnosticLocation(g), &f, &line, &col, NULL);
      CXString fn = act_clang.getFileName(f);
      const char *fs = act_clang.getCString(fn);
      if (fs && strcmp(fs, main_name) == 0) {
        missing = true;
      } else if (shown < 3) {
        CXString text = act_clang.getDiagnosticSpelling(g);
        const char *shown_path = fs ? fs : "?";
        size_t dl = strlen(ci->act_dir);
        if (strncmp(shown_path, ci->act_dir, dl) == 0 && shown_path[dl] == '/') shown_path += dl + 1;
        strbuf_printf(&msgs, "%s%s:%u:%u: %s", shown ? "; " : "", shown_path, line, col, act_clang.getCString(text));
        act_clang.disposeString(text);
        shown++;
      }
      act_clang.disposeString(fn);
      failed = true;
    }
    act_clang.disposeDiagnostic(g);
  }
  if (missing) {
    diag_error(d, ci->imp->loc, "cannot find C header `%s`", header);
    if (ci->imp->kind == AST_IMPORT)
      diag_hint(d, "it is looked for next to this file, then where the C compiler looks; add a directory with "
                   "--c-flags \"-I DIR\", or name its pkg-config package: import c \"%s\" pkg \"NAME\"", header);
    else
      diag_hint(d, "it is looked for next to this file, then where the C compiler looks; add a directory with "
                   "--c-flags \"-I DIR\"");
  } else if (failed) {
    diag_error(d, ci->imp->loc, "C header `%s` does not parse: %s", header, strbuf_str(&msgs));
  }
  strbuf_free(&msgs);
  return !failed;
}

bool cimp_parse(cimp_t *ci, CXIndex idx, const char *header, const sema_opts_t *opts, const char *pkg_cflags,
                diag_t *d) {
  words_t argv = {0}, *args = &argv;
  VEC_PUSH(args, xstrdup("-xc"));
  VEC_PUSH(args, xstrdup("-std=gnu11"));
  split_words(pkg_cflags, args);
  split_words(opts->c_flags, args);
  split_words(getenv("ACT_CFLAGS"), args);
  if (opts->include_dir) { /* a header written for Act includes <act/act.h> */
    strbuf_t inc = {0};
    strbuf_printf(&inc, "-I%s", opts->include_dir);
    VEC_PUSH(args, xstrdup(strbuf_str(&inc)));
    strbuf_free(&inc);
  }
  char dirbuf[PATH_MAX];
  ci->act_dir = xstrdup(realpath(ci->mi->dir, dirbuf) ? dirbuf : ci->mi->dir);
  /* next to the .act file first (by its full path), else as <h.h> */
  strbuf_t src = {0}, beside = {0};
  strbuf_printf(&beside, "%s/%s", ci->act_dir, header);
  if (header[0] != '/' && access(strbuf_str(&beside), R_OK) == 0) strbuf_printf(&src, "#include \"%s\"\n", strbuf_str(&beside));
  else strbuf_printf(&src, "#include <%s>\n", header);
  struct CXUnsavedFile uf = {main_name, strbuf_str(&src), (unsigned long)src.len};
  enum CXErrorCode ec =
      act_clang.parseTranslationUnit2(idx, main_name, (const char *const *)args->v, args->n, &uf, 1,
                                  CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_SkipFunctionBodies, &ci->tu);
  bool ok = false;
  if (ec != CXError_Success || ci->tu == NULL) diag_error(d, ci->imp->loc, "libclang could not read C header `%s` (error %d)", header, (int)ec);
  else ok = parse_ok(ci, d, header);
  strbuf_free(&src);
  strbuf_free(&beside);
  for (int i = 0; i < args->n; i++) free(args->v[i]);
  VEC_FREE(args);
  return ok;
}

bool cimport_load(module_info_t *mi, ast_t *imp, const sema_opts_t *opts, diag_t *d, program_t *out) {
  const char *header = imp->lit.s;
  if (!cimp_header_name_ok(header)) {
    diag_error(d, imp->loc, "`%s` is not a header name", header ? header : "");
    diag_hint(d, "write the file name as in an #include: import c \"zlib.h\"");
    return false;
  }
  const char *no_clang = act_clang_load();
  if (no_clang) {
    diag_error(d, imp->loc, "`import c \"%s\"` needs libclang: %s", header, no_clang);
    return false;
  }
  strbuf_t cf = {0};
  ast_t *pk = ast_kid(imp, 0);
  if (pk && pk->lit.s) {
    strbuf_t lf = {0};
    if (!pkg_config("--cflags", pk->lit.s, &cf) || !pkg_config("--libs", pk->lit.s, &lf)) {
      diag_error(d, pk->loc, "pkg-config knows no package `%s`", pk->lit.s);
      diag_hint(d, "`pkg-config --list-all` lists the installed ones; their -dev package provides the .pc file");
      strbuf_free(&cf);
      strbuf_free(&lf);
      return false;
    }
    strbuf_t all = {0};
    strbuf_printf(&all, "%s %s %s", out->c_flags ? out->c_flags : "", strbuf_str(&cf), strbuf_str(&lf));
    free(out->c_flags);
    out->c_flags = xstrdup(strbuf_str(&all));
    strbuf_free(&all);
    strbuf_free(&lf);
  }
  cimp_t ci = {.mi = mi, .imp = imp};
  CXIndex idx = act_clang.createIndex(0, 0);
  bool ok = false;
  if (cimp_parse(&ci, idx, header, opts, strbuf_str(&cf), d)) {
    scan_t s = {0};
    collect_used(mi->mod, &s);
    collect_own(mi->mod, &s);
    found_t f = {.scan = &s};
    act_clang.visitChildren(act_clang.getTranslationUnitCursor(ci.tu), top_visit, &f);
    ci.ext = ast_new(AST_EXTERN, imp->loc);
    ci.ext->flags |= IMPORT_C;
    ci.ext->lit.s = header;
    digest_t dg = {ci.tu, 1469598103934665603ull};
    act_clang.getInclusions(ci.tu, digest_visit, &dg);
    ci.ext->lit.len = (size_t)dg.h;
    ast_add(mi->mod, ci.ext);
    /* types first, so that a struct gets the name the program uses */
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; i < f.v.n; i++) {
        CXCursor c = f.v.v[i].cur;
        bool type = c.kind == CXCursor_StructDecl || c.kind == CXCursor_TypedefDecl;
        if (type != (pass == 0)) continue;
        strbuf_t why = {0};
        if (!cmap_decl(&ci, f.v.v[i].name, c, &why)) {
          char *where = cmap_where(&ci, c);
          ast_t *r = ast_new(AST_STRING, imp->loc);
          strbuf_t m = {0};
          strbuf_printf(&m, "`import c \"%s\"` found it at %s, but %s", header, where, strbuf_str(&why));
          r->lit.s = xstrdup(strbuf_str(&m));
          r->lit.len = strlen(r->lit.s);
          if (!symtab_get(&mi->cskipped, f.v.v[i].name)) symtab_put(&mi->cskipped, f.v.v[i].name, r);
          strbuf_free(&m);
          free(where);
        }
        strbuf_free(&why);
      }
    VEC_FREE(&f.v);
    symtab_free(&s.used);
    symtab_free(&s.own);
    ok = true;
  }
  if (ci.tu) act_clang.disposeTranslationUnit(ci.tu);
  act_clang.disposeIndex(idx);
  VEC_FREE(&ci.structs);
  free((char *)ci.act_dir);
  strbuf_free(&cf);
  return ok;
}

#endif /* ACT_HAVE_LIBCLANG */
