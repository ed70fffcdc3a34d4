/* sys.c: process facts and whole-file I/O for std.sys and std.io, and the
 * per-thread error every std module's C side reports through. */
#define GC_THREADS
#include <gc/gc.h>

#include "act/act.h"
#include "act/sys.h"
#include "sys/sys_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int64_t status_field_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  size_t n = strlen(field);
  int64_t kib = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      kib = strtoll(line + n + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kib;
}

int64_t act_sys_vmhwm_kib(void) { return status_field_kib("VmHWM"); }
int64_t act_sys_vmrss_kib(void) { return status_field_kib("VmRSS"); }
int64_t act_sys_cpus(void) { return (int64_t)sysconf(_SC_NPROCESSORS_ONLN); }

/* Resident memory counts every page the collector has touched since the
 * start, garbage included (the heap starts at 4 MiB, rt/start.c, and
 * grows between collections), and free blocks go back to the system only after several collections. So a
 * measurement collects first, and unmaps what is free, to see what the
 * program holds. */
int64_t act_sys_collect(void) {
  /* A forced unmap takes the free blocks that were already free at the
   * collection before this one (the collector's threshold is then 1), so
   * a block freed now goes back two collections later: three at least,
   * then on while that still unmaps more. */
  size_t unmapped = 0;
  for (int i = 0; i < 8; i++) {
    GC_gcollect_and_unmap();
    size_t now = GC_get_unmapped_bytes();
    if (i >= 2 && now <= unmapped)
      break;
    unmapped = now;
  }
  return (int64_t)GC_get_memory_use();
}

/* Per thread (sys_int.h says why). */
static _Thread_local char io_error[256];

void act__sys_error_path(const char *what, const act_str_t *path) {
  snprintf(io_error, sizeof io_error, "%s %.*s: %s", what,
           (int)(act_str_len(path) > 200 ? 200 : act_str_len(path)),
           act_str_data(path), strerror(errno));
}

void act__sys_error_msg(const char *msg) { snprintf(io_error, sizeof io_error, "%s", msg); }
void act__sys_error_clear(void) { io_error[0] = '\0'; }

bool act__sys_path_ok(const char *what, const act_str_t *path) {
  io_error[0] = '\0';
  if (memchr(act_str_data(path), '\0', (size_t)act_str_len(path)) == NULL)
    return true;
  errno = EINVAL;
  snprintf(io_error, sizeof io_error, "%s: the path contains a NUL byte", what);
  return false;
}

static void set_error(const char *what, const act_str_t *path) { act__sys_error_path(what, path); }

act_str_t *act_io_read_file(act_str_t *path) {
  if (!act__sys_path_ok("cannot open", path))
    return NULL;
  int fd = open(act_str_data(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_error("cannot open", path);
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL) {
      errno = ENOMEM;
      set_error("cannot read", path);
      close(fd);
      return NULL;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_error("cannot read", path);
      free(buf);
      close(fd);
      return NULL;
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (len == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (nb == NULL)
        free(buf);
      buf = nb;
    }
  }
  close(fd);
  act_str_t *s = act_str_new(buf, (int64_t)len);
  free(buf);
  return s;
}

/* Open path with flags, write all of data, close; the error names path. */
bool act__sys_write_path(const act_str_t *path, int flags, const act_str_t *data) {
  const char *open_what = (flags & O_APPEND) ? "cannot open" : "cannot create";
  if (!act__sys_path_ok(open_what, path))
    return false;
  int fd = open(act_str_data(path), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    set_error(open_what, path);
    return false;
  }
  const char *p = act_str_data(data);
  int64_t left = act_str_len(data);
  while (left > 0) {
    ssize_t n = write(fd, p, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_error("cannot write", path);
      close(fd);
      return false;
    }
    p += n;
    left -= n;
  }
  if (close(fd) != 0) {
    set_error("cannot write", path);
    return false;
  }
  return true;
}

bool act_io_write_file(act_str_t *path, act_str_t *data) {
  return act__sys_write_path(path, O_TRUNC, data);
}

act_str_t *act_io_error(void) { return act_str_from_cstr(io_error); }
