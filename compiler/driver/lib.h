/* lib.h: what `actorc build --lib NAME` writes besides libNAME.a: the C
 * API of the program's modules for a C program (docs/embedding.md). */
#ifndef ACT_DRIVER_LIB_H
#define ACT_DRIVER_LIB_H

#include <stdbool.h>

#include "sema/sema.h"

/* Letters, digits and _: the name goes into file names and a -l flag. */
bool lib_name_ok(const char *name);

/* Into outdir: NAME/<module>.h (the generated headers, copied from
 * gen_dir), NAME.h (includes them all) and NAME.pc (pkg-config: the
 * library, the `act` package it requires, and the flags `import c ... pkg`
 * added). False after a message when a file cannot be written. */
bool lib_write_headers(const program_t *prog, const char *gen_dir, const char *outdir, const char *name);

#endif
