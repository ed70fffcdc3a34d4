/* checked.c: the faults of the checked operations in act.h (LANGUAGE.md
 * §3, §7): shifts out of range, float-to-integer `as` out of range, and
 * exit codes outside 0..255. The checks themselves are inline in act.h;
 * these are their cold paths, kept out of line so every call site stays
 * a compare and a call. */
#include <math.h>
#include <stdint.h>

#include "act/act.h"

ACT_NORETURN void act_fault_shift(act_ctx_t *cx, int64_t count, int width, const act_loc_t *loc) {
  /* A u64 count above INT64_MAX arrives saturated (act_shift_count_u64). */
  act_faultf(cx, loc, "shift by %lld%s: the count must be from 0 to %d", (long long)count,
             count == INT64_MAX ? " or more" : "", width - 1);
}

ACT_NORETURN void act_fault_ftoi(act_ctx_t *cx, double x, const char *to, const act_loc_t *loc) {
  act_buf_t b;
  act_buf_init(&b);
  act_buf_f64(&b, x);   /* as print writes it: nan, inf, 1e+20 */
  act_str_t *s = act_buf_to_str(&b);
  act_faultf(cx, loc, "%.*s as %s: %s", (int)act_str_len(s), act_str_data(s), to,
             isnan(x) ? "not a number" : "out of range");
}

ACT_NORETURN void act_fault_exit(act_ctx_t *cx, int64_t code, const act_loc_t *loc) {
  act_faultf(cx, loc, "exit(%lld): the code must be from 0 to 255", (long long)code);
}
