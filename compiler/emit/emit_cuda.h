/* emit_cuda.h: the CUDA C emission of kernels and gpu actors (emit_cuda.c)
 * and the hooks the C emitter calls for them. */
#ifndef ACT_EMIT_CUDA_H
#define ACT_EMIT_CUDA_H

#include "emit/emit_int.h"

const char *cuda_type(type_t *t);
/* mod has kernels or gpu actors (its header includes act/gpu.h) */
bool cuda_module_needed(ast_t *mod);
/* a handler that runs in batches: it answers an ask */
bool cuda_batched(ast_t *on);
/* header: the module's act_gpu_module_t and its kernels' descriptors */
void cuda_emit_header(FILE *h, ast_t *mod);
/* .c: the CUDA C as a string, its registration, the kernels' descriptors */
void cuda_emit_module(strbuf_t *out, program_t *prog, ast_t *mod);
/* .c, after a gpu actor's handlers: its act_gpu_actor_t <actor>_gpu */
void cuda_emit_actor(strbuf_t *out, ast_t *a, const char *mn, const char *(*handler_cname)(ast_t *, ast_t *));
/* a dispatch case sending message `on` of gpu actor a to its batch h */
bool cuda_dispatch_case(strbuf_t *out, ast_t *a, ast_t *on, int h, const char *loc);

#endif
