/* sema_int.h: what the sema files share. */
#ifndef ACT_SEMA_INT_H
#define ACT_SEMA_INT_H

#include "sema/sema.h"

/* Resolve and type-check every module of prog (loaded by load.c). */
bool sema_check_program(program_t *prog, const sema_opts_t *opts, diag_t *d);

#endif
