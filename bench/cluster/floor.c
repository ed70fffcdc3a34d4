/* floor.c: the floor under an ask's round trip — one small TCP message
 * to the other namespace and back over the same veth pairs and bridge,
 * with blocking reads (a thread woken by the kernel on each side, as a
 * node's loop thread is), no TLS, no runtime (bench/cluster/floor.sh).
 *   floor serve ADDR PORT
 *   floor ADDR PORT COUNT     prints p50 and p99 of COUNT round trips */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64   /* about an Echo ask in its TLS record */

static int whole(int fd, char *b, int out) {
  for (int at = 0; at < MSG;) {
    ssize_t k = out ? send(fd, b + at, MSG - at, MSG_NOSIGNAL) : recv(fd, b + at, MSG - at, 0);
    if (k <= 0) return -1;
    at += (int)k;
  }
  return 0;
}

static long long now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int serve = argc == 4 && strcmp(argv[1], "serve") == 0;
  if (!serve && argc != 4) {
    fprintf(stderr, "usage: floor serve ADDR PORT | floor ADDR PORT COUNT\n");
    return 2;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[serve ? 2 : 1], &sa.sin_addr) != 1) {
    fprintf(stderr, "floor: not an IPv4 address: %s\n", argv[serve ? 2 : 1]);
    return 2;
  }
  sa.sin_port = htons((uint16_t)atoi(argv[serve ? 3 : 2]));
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  char b[MSG] = {0};
  if (serve) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
      perror("floor: listen");
      return 1;
    }
    int c = accept(fd, NULL, NULL);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (whole(c, b, 0) == 0 && whole(c, b, 1) == 0) {
    }
    return 0;
  }
  int count = atoi(argv[3]);
  long long *lat = malloc(sizeof *lat * (size_t)(count > 0 ? count : 1));
  for (int tries = 0; connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0; tries++) {
    if (tries == 100) {
      perror("floor: connect");
      return 1;
    }
    usleep(20000);
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (int i = 0; i < count; i++) {
    long long t = now();
    if (whole(fd, b, 1) != 0 || whole(fd, b, 0) != 0) {
      fprintf(stderr, "floor: connection lost\n");
      return 1;
    }
    lat[i] = now() - t;
  }
  qsort(lat, (size_t)count, sizeof *lat, cmp);
  printf("tcp round trip, no TLS, no runtime: p50 %lld us, p99 %lld us (%d)\n",
         lat[count / 2] / 1000, lat[count * 99 / 100] / 1000, count);
  return 0;
}
