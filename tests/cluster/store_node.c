/* store_node: one embedded coordination store node (a dqlite node) in its
 * own process, for the conformance suite and the fault tests (coord.sh):
 *   store_node ID DIR [VOTERS]
 * listens on a free port of 127.0.0.1, joins VOTERS (ids > 1), prints
 * "ready HOST:PORT" once it is part of the cluster, and runs until SIGTERM
 * or SIGINT (kill -9 is a crash, which is the point). */
#include <act/cluster.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* A port nobody uses right now (the kernel's choice), freed for dqlite. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
    return -1;
  close(fd);
  return ntohs(sa.sin_port);
}

int main(int argc, char **argv) {
  if (argc < 3 || atoi(argv[1]) <= 0) {
    fprintf(stderr, "usage: store_node ID DIR [VOTERS]\n");
    return 2;
  }
  int port = free_port();
  if (port <= 0) {
    perror("store_node: no free port");
    return 1;
  }
  char addr[32], err[256];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
  act_store_node_config_t cfg = {.id = (uint64_t)atoi(argv[1]), .addr = addr, .dir = argv[2],
                                 .voters = argc > 3 ? argv[3] : NULL, .latency_ms = 10};
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);   /* dqlite's thread inherits the mask */
  act_store_node_t *s = act_store_node_start(&cfg, err, sizeof err);
  if (s == NULL) {
    fprintf(stderr, "store_node: %s\n", err);
    return act_store_node_available() ? 1 : 77;
  }
  printf("ready %s\n", addr);
  fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  act_store_node_stop(s);
  return 0;
}
