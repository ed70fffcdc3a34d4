/* cimport_int.h: what cimport.c (finding, parsing and indexing a header)
 * and cimport_map.c (C declarations to Act declarations) share. Only
 * built with libclang (ACT_HAVE_LIBCLANG). */
#ifndef ACT_CIMPORT_INT_H
#define ACT_CIMPORT_INT_H

#include "sema/clang_dl.h"

#include "sema/cimport.h"

/* One import being read. */
typedef struct cimp {
  module_info_t *mi;
  ast_t *imp;             /* the `import c` */
  ast_t *ext;             /* EXTERN receiving the functions */
  CXTranslationUnit tu;
  const char *act_dir;    /* absolute directory of the .act file */
  VEC(struct { CXCursor def; const char *name; }) structs; /* made so far */
} cimp_t;

/* Parse `header` for ci (ci->mi and ci->imp set): found next to the .act
 * file first, else where the C compiler looks, with the packages' flags,
 * --c-flags, $ACT_CFLAGS and the runtime's headers. Sets ci->tu and
 * ci->act_dir (the caller frees both); what keeps the header from being
 * read is reported at ci->imp, and the result is false. */
bool cimp_parse(cimp_t *ci, CXIndex idx, const char *header, const sema_opts_t *opts, const char *pkg_cflags,
                diag_t *d);

/* The text of s as a malloc'd string ("" for none); disposes of s. */
char *cmap_spell(CXString s);

/* The Act number or bool type named as `prim_of` spells it ("i32", "f64",
 * "bool"), for canonical C type t; NULL for anything else. */
const char *cmap_prim(CXType t);

/* The declaration of C name `name` at cursor `cur` as Act declarations
 * appended to the module (functions to ci->ext). On failure returns false
 * with the reason in why ("it takes a variable number of arguments"). */
bool cmap_decl(cimp_t *ci, const char *name, CXCursor cur, strbuf_t *why);

/* "zlib.h:1302" or "/usr/include/zlib.h:1302": where cur is declared,
 * relative to the .act file's directory when it is inside it. */
char *cmap_where(cimp_t *ci, CXCursor cur);

#endif
