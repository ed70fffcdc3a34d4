/* vclaimlog.c: when this node learnt that a shard is its own, for
 * measuring how fast shards move (bench/cluster/vmove.sh; docs/cluster.md,
 * "Virtual actors across nodes"). With ACT_VSHARD_LOG=PATH each such
 * moment is one line appended to PATH, written whole by one write(2), so
 * the nodes of one machine may share the file:
 *   monotonic ns, "claimed", shard, node, epoch   (tab-separated)
 * CLOCK_MONOTONIC is one clock on one machine, the clock of the activation
 * log and of the tests' kill times. Without the variable: one load. */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "act/cluster.h"
#include "virtual/virtual_int.h"

static int fd = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void open_log(void) {
  const char *path = getenv("ACT_VSHARD_LOG");
  if (path && *path) fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

void act__vclaim_log(uint32_t shard, uint64_t epoch) {
  pthread_once(&once, open_log);
  if (fd < 0) return;
  const char *me = act_cluster_self(NULL);
  char line[128];
  int n = snprintf(line, sizeof line, "%" PRId64 "\tclaimed\t%" PRIu32 "\t%s\t%" PRIu64 "\n", act_now(), shard,
                   me ? me : "-", epoch);
  if (n > 0 && n < (int)sizeof line && write(fd, line, (size_t)n) < 0) {
    /* a lost measurement line, never the program's business */
  }
}
