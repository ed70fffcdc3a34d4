/* fault.c: faults unwind to the worker loop (longjmp); act__guarded runs
 * code that may fault without unwinding the handler. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/sched.h"

ACT_NORETURN static void unwind(act_ctx_t *cx, act_str_t *reason, const act_loc_t *loc) {
  act_worker_t *w = cx ? cx->worker : NULL;
  if (w == NULL) {
    act__logf("act: fault outside any actor: %.*s\n", (int)act_str_len(reason), act_str_data(reason));
    _exit(1);
  }
  w->fault_reason = reason;
  w->fault_loc = loc;
  act__longjmp(w->jb);
}

ACT_NORETURN void act_fail(act_ctx_t *cx, act_str_t *reason, const act_loc_t *loc) {
  unwind(cx, reason ? reason : act_str_from_cstr("failed"), loc);
}

ACT_NORETURN void act_faultf(act_ctx_t *cx, const act_loc_t *loc, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  unwind(cx, act_str_from_cstr(buf), loc);
}

ACT_NORETURN void act_fault_div0(act_ctx_t *cx, const act_loc_t *loc) {
  unwind(cx, act_str_from_cstr("division by zero"), loc);
}

ACT_NORETURN void act_exit(act_ctx_t *cx, int code) {
  (void)cx;
  act__leave(code & 0xff);
}

int act__guarded(act_ctx_t *cx, void (*fn)(void *), void *arg, act_str_t **reason) {
  act_worker_t *w = cx->worker;
  act_jmp_t saved;
  memcpy(saved, w->jb, sizeof saved);
  volatile int faulted = 0;
  if (act__setjmp(w->jb) == 0) fn(arg);
  else faulted = 1;
  memcpy(w->jb, saved, sizeof saved);
  if (faulted && reason) *reason = w->fault_reason;
  return faulted;
}
