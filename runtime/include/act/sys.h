/* act/sys.h: the C side of the standard library modules std.io and std.sys
 * (the modules in stdlib/std declare these with extern "C").
 *
 * Type mapping for extern "C" (docs/interop.md): int -> int64_t,
 * float -> double, bool -> bool, string -> act_str_t * (arguments borrowed,
 * results owned by the caller).
 */
#ifndef ACT_SYS_H
#define ACT_SYS_H

#include <stdbool.h>
#include <stdint.h>

struct act_str;

/* Peak resident set size of this process (VmHWM) in KiB, or -1. */
int64_t act_sys_vmhwm_kib(void);
/* Current resident set size (VmRSS) in KiB, or -1. */
int64_t act_sys_vmrss_kib(void);
/* Number of online CPUs. */
int64_t act_sys_cpus(void);

/* Whole file as a string; on failure "" and act_io_error() tells why. */
struct act_str *act_io_read_file(struct act_str *path);
/* Write (replace) a file; false on failure, act_io_error() tells why. */
bool act_io_write_file(struct act_str *path, struct act_str *data);
/* Why the last act_io_* call on this thread failed, or "" if it did not. */
struct act_str *act_io_error(void);

#endif
