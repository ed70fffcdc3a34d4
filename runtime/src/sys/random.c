/* random.c: the C side of std.random — 64 bits from the kernel's entropy
 * pool, to seed a generator differently on every run. */
#include "act/act.h"
#include "act/sys.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

int64_t act_random_entropy(void) {
  uint64_t v = 0;
  ssize_t n;
  do {
    n = getrandom(&v, sizeof v, 0);
  } while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof v) {
    /* No getrandom (an old kernel): the clock still differs per run. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    v = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
  }
  return (int64_t)v;
}
