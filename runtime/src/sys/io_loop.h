/* io_loop.h: the I/O thread of the standard library (std.net, std.os
 * signals). One thread runs a libuv loop of its own, apart from the timer
 * thread's (rt/timer.c), so that a burst of network traffic never delays a
 * timer and the timer's loop stays private to timer.c. Everything that
 * touches a uv handle runs on this thread; other threads hand it work with
 * act__io_run. */
#ifndef ACT_SYS_IO_LOOP_H
#define ACT_SYS_IO_LOOP_H

#include <uv.h>

#include "act/act.h"

typedef void (*act__io_fn)(void *arg);

/* Run fn(arg) on the I/O thread soon, in the order of the calls (thread
 * safe; starts the thread on first use). arg may point into the collected
 * heap: it stays reachable until fn has run. */
void act__io_run(act__io_fn fn, void *arg);
/* The same, and wait until fn has returned (for set-up that must be in
 * place before the caller goes on, such as a signal handler). */
void act__io_call(act__io_fn fn, void *arg);
/* The loop; only for code running on the I/O thread. */
uv_loop_t *act__io_loop(void);
bool act__io_on_thread(void);

/* A message for a C-side delivery: `size` bytes from the collected heap,
 * header filled, sender none. Any thread. */
act_msg_t *act__io_msg(const act_msg_type_t *t, size_t mirror_size);

#endif
