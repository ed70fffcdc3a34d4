/* hugepage.c: the collector's heap in 2 MB pages where the kernel allows
 * it. A growing heap pays a page fault for each 4 KB it first touches,
 * and on the virtual machines we run on a fault costs 10-18 us: touching
 * 64 MB took 240-300 ms in 4 KB pages, 6-140 ms in 2 MB ones, and
 * fjcreate spent a fifth of its time in the kernel's fault path. The
 * kernel gives 2 MB pages to memory advised with MADV_HUGEPAGE
 * (transparent_hugepage "madvise", the usual default; "never" ignores
 * the advice). The collector maps its heap itself and says only how
 * large it grew (GC_set_on_heap_resize), not where; a new section is
 * mapped but not yet touched when it says so. So each time, the
 * anonymous writable mappings are read from /proc/self/maps, and the
 * stretch that was not mapped at the last look and is as large as the
 * growth is the new section: it is advised. Anything else (a
 * thread's stack, malloc's arenas) is left alone: in 2 MB pages a stack
 * would hold 2 MB for the few KB it uses. */
#define GC_THREADS
#include <gc/gc.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem/mem.h"

#define HUGE ((uintptr_t)2 << 20)
#define MAXMAPS 1024
#define SLACK ((uintptr_t)256 << 10)

typedef struct { uintptr_t lo, hi; } range_t;

/* Under the collector's lock (its callback): one caller at a time. The
 * two arrays hold the heap's own addresses, which the collector would
 * take for pointers in its roots: they are excluded from them. */
static range_t seen[MAXMAPS], now[MAXMAPS];
static int nseen;
static size_t heap_was;

/* Reads the anonymous writable mappings; returns how many (at most max). */
static int read_maps(range_t *out, int max) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192];   /* no allocation: lines are cut out of this buffer */
  size_t have = 0;
  int n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
    if (r <= 0) break;
    have += (size_t)r;
    buf[have] = '\0';
    char *line = buf, *nl;
    while ((nl = strchr(line, '\n')) != NULL) {
      *nl = '\0';
      char *end;
      uintptr_t lo = (uintptr_t)strtoull(line, &end, 16), hi = 0;
      if (*end == '-') hi = (uintptr_t)strtoull(end + 1, &end, 16);
      const char *p = end;
      if (hi > lo && strncmp(p, " rw-p 00000000 00:00 0", 22) == 0) {
        for (p += 22; *p == ' '; p++) {}
        if (*p == '\0' && n < max) out[n++] = (range_t){lo, hi};   /* no name: not [stack] or [heap] */
      }
      line = nl + 1;
    }
    have = (size_t)(buf + have - line);
    memmove(buf, line, have);
    if (have == sizeof buf - 1) have = 0;   /* a line that long is no mapping of ours */
  }
  close(fd);
  return n;
}

/* A piece that was not mapped at the last look: the new section if it
 * is as large as the growth, or up to a quarter larger (the collector
 * maps its own tables beside the heap as it grows: 5-9% of the growth in
 * fjcreate; they are advised with it). A thread's stack made meanwhile
 * could pass for it: it would then hold a 2 MB page at its top. */
static void advise_piece(uintptr_t lo, uintptr_t hi, size_t want) {
  if (hi - lo < want || hi - lo > want + want / 4 + SLACK) return;
  uintptr_t a = (lo + HUGE - 1) & ~(HUGE - 1), b = hi & ~(HUGE - 1);
  if (b > a) madvise((void *)a, b - a, MADV_HUGEPAGE);
}

/* The pieces of [lo, hi) outside seen[] (both in address order). */
static void advise_new(uintptr_t lo, uintptr_t hi, size_t want) {
  uintptr_t at = lo;
  for (int i = 0; i < nseen && at < hi; i++) {
    if (seen[i].hi <= at) continue;
    if (seen[i].lo >= hi) break;
    if (seen[i].lo > at) advise_piece(at, seen[i].lo, want);
    at = seen[i].hi;
  }
  if (at < hi) advise_piece(at, hi, want);
}

static void on_heap_resize(GC_word size) {
  int n = read_maps(now, MAXMAPS);
  if (size > heap_was && nseen > 0)
    for (int i = 0; i < n; i++) advise_new(now[i].lo, now[i].hi, size - heap_was);
  memcpy(seen, now, sizeof *now * (size_t)n);
  nseen = n;
  heap_was = size;
}

void act__heap_advise_init(void) {
  GC_exclude_static_roots(seen, seen + MAXMAPS);
  GC_exclude_static_roots(now, now + MAXMAPS);
  nseen = read_maps(seen, MAXMAPS);
  heap_was = GC_get_heap_size();
  GC_set_on_heap_resize(on_heap_resize);
}
