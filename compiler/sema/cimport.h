/* cimport.h: `import c "h.h" [pkg "p"]` (LANGUAGE.md §12,
 * docs/c-interop.md): C declarations read from a header through libclang
 * become ordinary Act declarations of the importing module, so the checker
 * and the emitter treat them like hand-written ones. */
#ifndef ACT_CIMPORT_H
#define ACT_CIMPORT_H

#include "sema/sema_int.h"

/* Read the header of `imp`, an `import c` of module mi, and append to the
 * module, for each C name the module uses and does not declare itself (nor
 * is a built-in): an EXTERN flagged IMPORT_C holding the functions, CONSTs
 * for integer constants, STRUCTs for structs. A used name that has no Act
 * form goes to mi->cskipped with where it is declared and why; the checker
 * reports it if nothing else by that name is found. The packages' pkg-config
 * flags are appended to out->c_flags. A missing header, one that does not
 * parse, an unknown package, or an actorc built without libclang is
 * reported at the import, and the result is false. */
bool cimport_load(module_info_t *mi, ast_t *imp, const sema_opts_t *opts,
                  diag_t *d, program_t *out);

/* True when h can name a header in an #include (no quotes, brackets,
 * backslashes or newlines). */
bool cimp_header_name_ok(const char *h);

/* `extern "C" "h.h" { fn ... }` of the module being checked: the header must
 * be found (as for `import c`), and with libclang each function declared
 * by hand must have the header's signature in Act types; reported at the
 * block or the function. */
void cextern_check(module_info_t *mi, ast_t *ext, const sema_opts_t *opts, diag_t *d);

#endif
