/* trace.c: the stamps of trace.h, written into a file mapped shared.
 * The file: a u64 count of stamps, then that many records of
 * {i64 CLOCK_MONOTONIC ns, u32 event, u32 thread}. Past MAX_STAMPS the
 * rest are dropped (the count keeps growing, so the reader can tell). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cluster/trace.h"
#include "rt/rt.h"

#define MAX_STAMPS (1u << 20)

typedef struct stamp {
  int64_t t;
  uint32_t ev, tid;
} stamp_t;

typedef struct file {
  _Atomic uint64_t count;
  uint64_t pad;
  stamp_t s[];
} file_t;

_Atomic int act__trace_on;
static file_t *g_file;
static _Thread_local uint32_t g_tid;

void act__trace_init(void) {
  const char *path = getenv("ACT_ASK_TRACE");
  if (path == NULL || path[0] == 0 || g_file) return;
  size_t size = sizeof(file_t) + (size_t)MAX_STAMPS * sizeof(stamp_t);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  void *p = MAP_FAILED;
  if (fd >= 0 && ftruncate(fd, (off_t)size) == 0)
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (fd >= 0) close(fd);
  if (p == MAP_FAILED) {
    act__logf("act: cluster: ACT_ASK_TRACE=%s: cannot map the file; no stamps\n", path);
    return;
  }
  g_file = p;
  atomic_store(&act__trace_on, 1);
}

void act__trace_at(int ev, long long mono_ns) {
  file_t *f = g_file;
  if (f == NULL) return;
  uint64_t i = atomic_fetch_add_explicit(&f->count, 1, memory_order_relaxed);
  if (i >= MAX_STAMPS) return;
  if (g_tid == 0) g_tid = (uint32_t)syscall(SYS_gettid);
  f->s[i].t = mono_ns;
  f->s[i].ev = (uint32_t)ev;
  f->s[i].tid = g_tid;
}

static long long ns_of(const struct timespec *ts) {
  return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

void act__trace_now(int ev) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  act__trace_at(ev, ns_of(&ts));
}
