/* sys_int.h: what the files of runtime/src/sys share (not part of act.h).
 *
 * The error of the last failed call: per thread, because a blocking call
 * runs on whichever worker thread made it and the same handler reads the
 * error right after, before anything else can run on that thread. */
#ifndef ACT_SYS_INT_H
#define ACT_SYS_INT_H

#include "act/act.h"

/* "what PATH: strerror(errno)" becomes the error. */
void act__sys_error_path(const char *what, const act_str_t *path);
/* A message of its own becomes the error. */
void act__sys_error_msg(const char *msg);
void act__sys_error_clear(void);
/* False, with the error set, when a path holds a NUL byte: C would see a
 * shorter path than the program named. Clears the error otherwise. */
bool act__sys_path_ok(const char *what, const act_str_t *path);

/* Open path (O_WRONLY | O_CREAT and flags: O_TRUNC or O_APPEND), write
 * all of data, close. False with the error set on failure. */
bool act__sys_write_path(const act_str_t *path, int flags, const act_str_t *data);

#endif
