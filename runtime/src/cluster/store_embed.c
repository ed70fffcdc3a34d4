/* store_embed.c: the default coordination store (LANGUAGE.md §10, "by
 * default an embedded store replicated among the seed nodes").
 *
 * Every seed HOST:PORT runs a store at HOST:PORT+1; a node whose own
 * address is seed i runs it (Raft voter i + 1, so all seeds must list the
 * seeds in one order), and every node, seed or not, uses the seeds' stores
 * as its dqlite:// store. The store's traffic is carried inside the
 * cluster's TLS (store_tls.c): dqlite itself listens on an abstract unix
 * socket that only this process can reach. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act/cluster.h"
#include "cluster/cluster_int.h"
#include "cluster/dqlite_client.h"
#include "cluster/store_tls.h"
#include "rt/rt.h"

#define SEEDS_MAX ACT_DQ_SERVERS_MAX

/* The seed's address as the node writes its own (numeric), and its
 * store's: the same host, the next port. */
static int seed_addrs(const char *seed, size_t len, char *node_addr, char *store_addr,
                      size_t cap) {
  char text[ACT_ADDR_MAX + 1];
  if (len == 0 || len > ACT_ADDR_MAX) return -1;
  memcpy(text, seed, len);
  text[len] = 0;
  char *colon = strrchr(text, ':');
  if (colon == NULL || colon == text) return -1;
  *colon = 0;
  char *host = text;
  size_t hn = strlen(host);
  if (host[0] == '[' && hn > 2 && host[hn - 1] == ']') host[hn - 1] = 0, host++;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL) return -1;
  struct sockaddr_storage sa;
  memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
  freeaddrinfo(ai);
  act__addr_text((struct sockaddr *)&sa, node_addr, cap);
  uint16_t *port = sa.ss_family == AF_INET ? &((struct sockaddr_in *)&sa)->sin_port
                                            : &((struct sockaddr_in6 *)&sa)->sin6_port;
  if (ntohs(*port) == 65535) return -1;
  *port = htons((uint16_t)(ntohs(*port) + 1));
  act__addr_text((struct sockaddr *)&sa, store_addr, cap);
  return 0;
}

static act_store_node_t *embedded;   /* this process's store node, if it is a seed */

int act__store_embed(act_node_t *n, const act_cluster_config_t *cfg, char *url, size_t ucap,
                     char *err, size_t cap) {
  url[0] = 0;
  if (cfg->store == NULL) return 0;
  if (strcmp(cfg->store, "embedded") != 0) {
    snprintf(url, ucap, "%s", cfg->store);
    return 0;
  }
  const act_hello_t *me = act__node_me(n, ACT_CONN_CONTROL);
  char stores[SEEDS_MAX][ACT_ADDR_MAX + 1];
  int count = 0, mine = -1;
  for (const char *s = cfg->seeds; s && *s;) {
    size_t len = strcspn(s, ",");
    char node_addr[ACT_ADDR_MAX + 1];
    if (count == SEEDS_MAX) {
      snprintf(err, cap, "the embedded store takes at most %d seeds (or use --act-store "
               "postgres://...)", SEEDS_MAX);
      return -1;
    }
    if (seed_addrs(s, len, node_addr, stores[count], sizeof stores[count]) != 0) {
      snprintf(err, cap, "--act-seeds: `%.*s` has no store address (its port + 1)",
               (int)(len > 80 ? 80 : len), s);
      return -1;
    }
    if (strcmp(node_addr, me->addr) == 0) mine = count;
    count++;
    s += len + (s[len] == ',');
  }
  if (count == 0) {
    snprintf(err, cap, "the embedded store runs on the seeds: give --act-seeds (or "
             "--act-store none for a cluster without a store)");
    return -1;
  }
  size_t at = (size_t)snprintf(url, ucap, "dqlite://");
  for (int i = 0; i < count && at < ucap; i++)
    at += (size_t)snprintf(url + at, ucap - at, "%s%s", i ? "," : "", stores[i]);
  if (at >= ucap) {
    snprintf(err, cap, "the seed list is too long for the embedded store");
    return -1;
  }
  /* dqlite's private socket: unique to this process and incarnation. */
  char priv[64];
  snprintf(priv, sizeof priv, "@act-store-%ld-%016llx", (long)getpid(),
           (unsigned long long)me->incarnation);
  /* A partitioned peer's connection is dropped after a twelfth of the
   * lease, so the client looks for the new leader while the lease holds. */
  int64_t lease_ms = cfg->lease_ns > 0 ? cfg->lease_ns / 1000000 : 10000;
  unsigned cut = (unsigned)(lease_ms / 12 < 300 ? 300 : lease_ms / 12);
  /* Its own TLS context from the same cookie or certificates: the tunnel
   * thread lives as long as the process, the node's context is freed when
   * the node stops. */
  const char *cluster = cfg->cluster ? cfg->cluster : "act";
  act_tls_t *tls = cfg->tls_cert || cfg->tls_key || cfg->tls_ca
                       ? act__tls_cert(cfg->tls_cert, cfg->tls_key, cfg->tls_ca, err, cap)
                       : act__tls_psk(cfg->cookie_file, cluster, err, cap);
  if (tls == NULL) return -1;
  if (act__store_tls_start(tls, mine >= 0 ? stores[mine] : NULL, priv, cut, err, cap) != 0) {
    act__tls_free(tls);
    return -1;
  }
  act__dq_set_dial(act__store_tls_dial, NULL);
  if (mine < 0) return 0;
  char dir[512];
  if (cfg->store_dir)
    snprintf(dir, sizeof dir, "%s", cfg->store_dir);
  else
    snprintf(dir, sizeof dir, "act.store.%s", me->node);
  /* Raft's election timeout is 15 × this (dqlite), randomised up to twice
   * that: lease / 20 to lease / 10. After the leader dies or is cut off,
   * the survivors have at most lease × 0.8 - lease / 3 (renewals go every
   * lease / 3, the fence comes lease × 0.8 after the last one sent) to
   * notice, elect, let the clients find the new leader and renew; on a
   * loaded machine a fifth of the lease for the election was too much.
   * dqlite's default (3-6 s) fenced every node with a lease under ~10 s.
   * A restarted voter does not unseat a leader by campaigning early:
   * dqlite's Raft pre-votes. */
  int latency = (int)(lease_ms / 300 < 5 ? 5 : lease_ms / 300);
  act_store_node_config_t sc = {
    .id = (uint64_t)mine + 1,
    .addr = stores[mine],
    .dir = dir,
    .voters = url + strlen("dqlite://"),
    .latency_ms = latency,
    .join_timeout_ms = -1,   /* seeds start in any order: join in the background */
    .bind = priv,
    .connect = act__store_tls_dial,
  };
  embedded = act_store_node_start(&sc, err, cap);
  if (embedded == NULL) return -1;
  act__logf("act: cluster: node %s runs the embedded store at %s (voter %d of %d, data in %s)\n",
            me->node, stores[mine], mine + 1, count, dir);
  return 0;
}
