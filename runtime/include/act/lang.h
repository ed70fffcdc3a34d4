/* act/lang.h: out-of-line helpers that generated code calls where an
 * inline expansion would cost the C compiler more than the call costs the
 * program (docs/actorc.md, "Generated C"). Included by act.h. */
#ifndef ACT_LANG_H
#define ACT_LANG_H
#ifdef __cplusplus
extern "C" {
#endif

/* A string interpolation "a {x} b {y}" as one call with a format, so the
 * C of each interpolation is a call, not a buffer and a call per piece:
 *   act_interp("point %S at (%F, %F)", tag, x, y)
 * Text is copied; each % takes the next argument:
 *   %S act_str_t *    %d int64_t (a signed integer)   %u uint64_t
 *   %F double         %f float (promoted to double)    %b bool (as int)
 *   %t int64_t nanoseconds of a duration
 *   %V const act_type_t *, const void *: any value, printed by its descriptor
 *   %% one '%'
 * Any other character after % is a bug in the emitter: the program aborts
 * with a message rather than reading arguments wrongly. */
act_str_t *act_interp(const char *fmt, ...);

/* Literals: [e1, e2, ...] and [k1: v1, ...] as one call over C arrays of
 * the n elements (keys and values), in order; a repeated key keeps its
 * last value, as n puts would. */
act_array_t *act_array_lit(const act_type_t *et, int64_t n, const void *elems);
act_map_t *act_map_lit(const act_type_t *kt, const act_type_t *vt, int64_t n, const void *keys,
                       const void *vals);

/* The dispatch of an actor that has no handlers: every message is
 * unhandled. One shared function instead of an empty switch per actor. */
act_status_t act_dispatch_none(act_ctx_t *cx, act_actor_t *self, act_msg_t *m);

#ifdef __cplusplus
}
#endif
#endif
