/* emit_cglue.c: glue between Act values and the C functions of `import c`
 * (sema/cimport_map.c) whose parameters or result need converting. Each
 * becomes a static inline act_c_NAME in the module's header, taking and
 * returning Act values:
 *   string -> const char *   act_str_data: the bytes and a NUL (a string
 *                            holding NUL bytes ends at the first for C)
 *   const char * -> string   copied (NULL gives "")
 *   [T] -> const T *         the array's elements, NULL for an empty one
 *   struct <-> C struct      field by field, by name
 * The C types come from the header, as cimport left them in lit.s. */
#include <inttypes.h>

#include "emit/emit_int.h"

static void struct_fields(FILE *h, ast_t *st, const char *to_prefix, const char *from, const char *from_prefix) {
  for (int i = 0; i < st->nkids; i++)
    fprintf(h, "%s.%s%s = %s.%s%s", i ? ", " : "", to_prefix, st->kids[i]->name, from, from_prefix, st->kids[i]->name);
}

static void glue_fn(FILE *h, ast_t *fn) {
  ast_t *ps = fn->kids[0];
  type_t *rt = fn->kids[1] ? fn->kids[1]->type : NULL;
  fprintf(h, "static inline %s act_c_%s(", rt ? ctype(rt) : "void", fn->name);
  for (int i = 0; i < ps->nkids; i++) fprintf(h, "%s%s a%d", i ? ", " : "", ctype(ps->kids[i]->type), i);
  fprintf(h, "%s) {\n  ", ps->nkids ? "" : "void");
  if (rt && rt->kind == TY_STRUCT) fprintf(h, "%s r_ = ", fn->lit.s);
  else if (rt && rt->kind == TY_STRING) fprintf(h, "return act_str_from_cstr(");
  else if (rt) fprintf(h, "return ");
  fprintf(h, "%s(", fn->name);
  for (int i = 0; i < ps->nkids; i++) {
    ast_t *p = ps->kids[i];
    fprintf(h, "%s", i ? ", " : "");
    switch (p->type->kind) {
    case TY_STRING: fprintf(h, "act_str_data(a%d)", i); break;
    case TY_ARRAY: fprintf(h, "(%s)(a%d ? a%d->data : NULL)", p->lit.s, i, i); break;
    case TY_STRUCT:
      fprintf(h, "(%s){", p->lit.s);
      struct_fields(h, p->type->decl, "", xprintf("a%d", i), "f_");
      fprintf(h, "}");
      break;
    default: fprintf(h, "a%d", i); break;
    }
  }
  fprintf(h, ")%s;\n", rt && rt->kind == TY_STRING ? ")" : "");
  if (rt && rt->kind == TY_STRUCT) {
    fprintf(h, "  return (%s){", ctype(rt));
    struct_fields(h, rt->decl, "f_", "r_", "");
    fprintf(h, "};\n");
  }
  fprintf(h, "}\n");
}

void emit_cglue(FILE *h, ast_t *ext) {
  /* The digest of the project headers read: the text of this header, and
   * so the object cache's key, changes when one of them does. */
  fprintf(h, "/* import c \"%s\": headers digest %016" PRIx64 " */\n", ext->lit.s, (uint64_t)ext->lit.len);
  for (int k = 0; k < ext->nkids; k++)
    if (ext->kids[k] && (ext->kids[k]->flags & IMPORT_C)) glue_fn(h, ext->kids[k]);
}
