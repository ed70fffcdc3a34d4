/* act/sys.h: the C side of the standard library modules (the modules in
 * stdlib/std declare these with extern "C"; docs/stdlib.md describes them).
 *
 * Type mapping for extern "C" (docs/decisions.md): int -> int64_t,
 * float -> double, bool -> bool, string -> act_str_t * (arguments borrowed,
 * results owned by the caller), [int] -> act_array_t *, an actor
 * reference -> act_actor_t *.
 */
#ifndef ACT_SYS_H
#define ACT_SYS_H

#include <stdbool.h>
#include <stdint.h>

struct act_str;
struct act_array;
struct act_actor;

/* Peak resident set size of this process (VmHWM) in KiB, or -1. */
int64_t act_sys_vmhwm_kib(void);
/* Current resident set size (VmRSS) in KiB, or -1. */
int64_t act_sys_vmrss_kib(void);
/* Number of online CPUs. */
int64_t act_sys_cpus(void);
/* A full collection now, free memory handed back to the system; the bytes
 * the collector's heap then holds (for measurements: it stops the world). */
int64_t act_sys_collect(void);

/* Whole file as a string; on failure "" and act_io_error() tells why. */
struct act_str *act_io_read_file(struct act_str *path);
/* Write (replace) a file; false on failure, act_io_error() tells why. */
bool act_io_write_file(struct act_str *path, struct act_str *data);
/* Why the last act_io_* call on this thread failed, or "" if it did not. */
struct act_str *act_io_error(void);

/* std.strings */
struct act_str *act_strings_slice(struct act_str *s, int64_t from, int64_t to);

/* std.time: nanoseconds since the epoch; [] means "no such time". */
int64_t act_time_wall_ns(void);
struct act_array *act_time_civil(int64_t ns, int64_t offset_min);
struct act_array *act_time_from_civil(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi,
                                      int64_t s, int64_t frac, int64_t offset_min);
struct act_str *act_time_format(int64_t ns, int64_t offset_min);
struct act_array *act_time_parse(struct act_str *s);

/* std.log */
void act_log_configure(int64_t level, bool to_stdout, bool timestamps);
int64_t act_log_level(void);
bool act_log_timestamps(void);
void act_log_write(struct act_str *line);
struct act_str *act_log_quote(struct act_str *s);

/* std.random */
int64_t act_random_entropy(void);

/* std.fs (blocking) */
bool act_fs_append(struct act_str *path, struct act_str *data);
struct act_str *act_fs_list(struct act_str *path);
struct act_array *act_fs_stat(struct act_str *path, bool follow);
bool act_fs_mkdir(struct act_str *path, bool parents);
bool act_fs_remove(struct act_str *path);
bool act_fs_rename(struct act_str *from, struct act_str *to);

/* std.os */
struct act_str *act_os_getenv(struct act_str *name);
bool act_os_setenv(struct act_str *name, struct act_str *value);
bool act_os_unsetenv(struct act_str *name);
struct act_str *act_os_environ(void);
int64_t act_os_pid(void);
struct act_str *act_os_hostname(void);
struct act_str *act_os_signal_name(int64_t sig);
bool act_os_notify(int64_t sig, struct act_actor *owner);
bool act_os_stop_notify(int64_t sig);
bool act_os_raise(int64_t sig);

/* std.json: a per-thread cursor over the parsed document, and a writer. */
bool act_json_parse(struct act_str *text);
int64_t act_json_error_line(void);
int64_t act_json_error_column(void);
int64_t act_json_error_position(void);
struct act_str *act_json_error_text(void);
int64_t act_json_next(void);
int64_t act_json_int(void);
double act_json_real(void);
int64_t act_json_len(void);
struct act_str *act_json_str(void);
struct act_str *act_json_key(void);
void act_json_w_start(int64_t indent);
void act_json_w_null(void);
void act_json_w_bool(bool v);
void act_json_w_int(int64_t v);
void act_json_w_real(double v);
void act_json_w_str(struct act_str *s);
void act_json_w_open(bool object);
void act_json_w_close(bool object);
void act_json_w_key(struct act_str *k);
struct act_str *act_json_w_end(void);

/* std.net */
int64_t act_net_listen(struct act_str *host, int64_t port, struct act_actor *owner);
int64_t act_net_port(int64_t listener);
int64_t act_net_connect(struct act_str *host, int64_t port, struct act_actor *owner);
bool act_net_own(int64_t conn, struct act_actor *owner);
int64_t act_net_write(int64_t conn, struct act_str *data);
bool act_net_drain(int64_t conn);   /* blocking */
int64_t act_net_queued(int64_t conn);
bool act_net_shutdown(int64_t conn);
bool act_net_close(int64_t conn);
bool act_net_abort(int64_t conn);

#endif
