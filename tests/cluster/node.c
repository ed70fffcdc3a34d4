/* cluster_node: a node and nothing else, for tests/cluster/cluster.sh.
 *
 * It starts the runtime with its command line (so the --act-* options go
 * through the same path as in any compiled program), then reports on
 * stdout, one line per event, with the wall clock in milliseconds:
 *   <ms> up NODE | <ms> down NODE REASON | <ms> nodes A,B,C
 *   <ms> msg FROM LEN ok|corrupt
 * Signals drive it: SIGUSR1 prints the member list, SIGUSR2 sends the
 * --send messages, SIGHUP leaves the cluster cleanly and exits.
 *
 * Its own options come first:
 *   --schema N          the program's schema fingerprint (default 1)
 *   --fault-version V   claim protocol version V in hellos
 *   --fault-oversize    send a frame header over the limit after the handshake
 *   --send NODE:COUNT:BYTES   what SIGUSR2 sends */
#include <act/act.h>
#include <act/cluster.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_int.h"

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_change(void *arg, const char *node, int up, const char *reason) {
  (void)arg;
  if (up)
    printf("%lld up %s\n", wall_ms(), node);
  else
    printf("%lld down %s %s\n", wall_ms(), node, reason);
  fflush(stdout);
}

/* Message bytes follow a pattern seeded by the length, so the receiver
 * can tell a reassembled message from a corrupted one. */
static uint8_t pattern(size_t len, size_t i) { return (uint8_t)(i * 131 + len * 7 + (i >> 9)); }

static void on_message(void *arg, const char *from, const uint8_t *p, size_t n) {
  (void)arg;
  size_t i = 0;
  while (i < n && p[i] == pattern(n, i)) i++;
  printf("%lld msg %s %zu %s\n", wall_ms(), from, n, i == n ? "ok" : "corrupt");
  fflush(stdout);
}

int main(int argc, char **argv) {
  uint64_t schema = 1;
  char send_to[ACT_NAME_MAX + 1] = "";
  unsigned long count = 0, bytes = 0;
  int k = 1;
  while (k < argc && strncmp(argv[k], "--act-", 6) != 0) {
    if (strcmp(argv[k], "--schema") == 0 && k + 1 < argc)
      schema = strtoull(argv[++k], NULL, 0);
    else if (strcmp(argv[k], "--fault-version") == 0 && k + 1 < argc)
      act__cluster_faults.version = (uint16_t)atoi(argv[++k]);
    else if (strcmp(argv[k], "--fault-oversize") == 0)
      act__cluster_faults.oversize = 1;
    else if (strcmp(argv[k], "--send") == 0 && k + 1 < argc &&
             sscanf(argv[++k], "%64[^:]:%lu:%lu", send_to, &count, &bytes) == 3)
      ;
    else {
      fprintf(stderr, "cluster_node: bad option %s\n", argv[k]);
      return 2;
    }
    k++;
  }
  argv[k - 1] = argv[0];   /* the runtime sees the program name, then its options */
  argc -= k - 1;
  argv += k - 1;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);   /* every thread started later inherits it */
  act_cluster_schema(schema);
  act_cluster_on_change(on_change, NULL);
  act_cluster_on_message(on_message, NULL);
  act_runtime_start(argc, argv);
  if (!act_cluster_running()) {
    fprintf(stderr, "cluster_node: no --act-node given\n");
    return 2;
  }
  printf("%lld started\n", wall_ms());
  fflush(stdout);
  for (;;) {
    int sig;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      act_cluster_stop();
      printf("%lld left\n", wall_ms());
      fflush(stdout);
      return 0;
    }
    if (sig == SIGUSR1) {
      char names[64][ACT_NAME_MAX + 1];
      size_t n = act_cluster_nodes(names, 64);
      printf("%lld nodes", wall_ms());
      for (size_t i = 0; i < n && i < 64; i++) printf("%s%s", i ? "," : " ", names[i]);
      printf("\n");
      fflush(stdout);
    }
    if (sig == SIGUSR2 && count) {
      uint8_t *buf = malloc(bytes ? bytes : 1);
      for (size_t i = 0; i < bytes; i++) buf[i] = pattern(bytes, i);
      for (unsigned long i = 0; i < count; i++) act_cluster_send(send_to, buf, bytes);
      free(buf);
    }
  }
}
