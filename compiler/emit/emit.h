/* emit.h: checked AST -> readable C against runtime/include/act.h.
 *
 * One .c and one .h per Act module (LANGUAGE.md §1, §12): the header is a
 * documented C API (message structs and constructors, spawn/tell/ask
 * functions for every actor and message); the .c holds the implementation
 * with #line directives back to the .act source. The root module's .c also
 * defines main() (calling act_main) unless opts->no_main is set.
 */
#ifndef ACT_EMIT_H
#define ACT_EMIT_H

#include <stdbool.h>
#include "diag/diag.h"
#include "sema/sema.h"

typedef struct emit_opts {
  const char *out_dir;     /* where <module>.c / <module>.h are written */
  bool line_directives;    /* #line back to .act sources (default true) */
  bool no_main;            /* embedding: do not define main() */
} emit_opts_t;

/* Constructs whose code generation has not landed yet are reported here as
 * "`X` is not supported yet by `actorc build`" diagnostics at the construct,
 * and nothing is written. Returns false on any error. On success, *c_files
 * receives a malloc'd NULL-terminated list of the .c paths written (the
 * driver compiles them). */
bool emit_program(program_t *prog, const emit_opts_t *opts, diag_t *d,
                  char ***c_files);

#endif
