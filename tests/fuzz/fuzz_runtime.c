/* fuzz_runtime.c: what runtime/src/value needs from the rest of the
 * runtime, for fuzz_codec, which is built from the value sources alone
 * (instrumented, and independent of the scheduler). Memory comes from the
 * same collector; a fault is a finding, so it aborts with its text. */
#include <gc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "act/act.h"

void *act_alloc(size_t n) { return GC_MALLOC(n ? n : 1); }
void *act_alloc_atomic(size_t n) {
  void *p = GC_MALLOC_ATOMIC(n ? n : 1);
  if (p) memset(p, 0, n);
  return p;
}

ACT_NORETURN void act_faultf(act_ctx_t *cx, const act_loc_t *loc, const char *fmt, ...) {
  (void)cx;
  (void)loc;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

/* References (virtual/virtual.c): the codec never decodes a virtual
 * reference here, so identity is all fmt.c's descriptors need. */
bool act_ref_eq(const act_actor_t *a, const act_actor_t *b) { return a == b; }
uint64_t act_ref_hash(const act_actor_t *a) { return (uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ull; }
const char *act__virtual_name(const act_actor_t *a) {
  (void)a;
  return "virtual";
}

/* The lease's gate (virtual/vfence.c), which act_print passes: no virtual
 * activation runs here (no context has vgate set), so reaching it is a
 * finding. */
void act__vgate(act_ctx_t *cx) {
  (void)cx;
  fputs("act__vgate reached in fuzz_codec: no activation runs here\n", stderr);
  abort();
}
