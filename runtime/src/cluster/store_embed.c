/* store_embed.c: the default coordination store (LANGUAGE.md §10, "by
 * default an embedded store replicated among the seed nodes").
 *
 * Every seed HOST:PORT runs a store at HOST:PORT+1; a node whose own
 * address is in the seed list runs it, and every node, seed or not, uses
 * the seeds' stores as its dqlite:// store. Which seed bootstraps and
 * which Raft id each has is store_id's rule below, so seed lists may
 * differ between nodes and change over time. The store's traffic is
 * carried inside the cluster's TLS (store_tls.c): dqlite itself listens
 * on an abstract unix socket that only this process can reach. A seed
 * that leaves cleanly takes its voter out of the store (leave, below). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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

/* this process's store node, if it is a seed (set by the bootstrap's
 * thread when that decides late) */
static act_store_node_t *_Atomic embedded;
static char priv_addr[64];
static char embedded_dir[512], embedded_addr[ACT_ADDR_MAX + 1], embedded_node[ACT_NAME_MAX + 1];

#define ID_FILE "act-store-id"

static uint64_t read_id(const char *dir) {
  char path[600], text[32] = "";
  snprintf(path, sizeof path, "%s/" ID_FILE, dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  uint64_t id = fgets(text, sizeof text, f) ? strtoull(text, NULL, 10) : 0;
  fclose(f);
  return id;
}

static int write_id(const char *dir, uint64_t id) {
  char path[600];
  snprintf(path, sizeof path, "%s/" ID_FILE, dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  fprintf(f, "%llu\n", (unsigned long long)id);
  return fclose(f);
}

/* Regular files in dir (dqlite keeps its Raft log and snapshots flat). */
static int files_in(const char *dir, int remove) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    n++;
    if (remove) unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
  return n;
}

/* An id made from the store's address: never a seed's place + 1
 * (1..SEEDS_MAX), so never the id that bootstraps. */
static uint64_t joiner_id(void) {
  uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
  for (const char *p = embedded_addr; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
  return h | (UINT64_C(1) << 32);
}

/* Which Raft id this seed's store has (docs/cluster.md, "Seed lists"):
 *  - the id kept in its directory, if it ran before;
 *  - position + 1, for a directory that holds Raft data but no id (made
 *    when the id was the seed's place in the list);
 *  - for an empty directory of a seed that is not the first of its own
 *    list, an id made from its address: it joins whichever store leads;
 *  - for an empty directory of the first seed: 1 (dqlite bootstraps id 1,
 *    a new store) when it is the only seed; else 0, decided later by
 *    boot_decide (or at once, by the old rule, with --act-store-bootstrap
 *    first: 1 unless another store has a leader within the probe). */
static uint64_t store_id(const char *dir, int mine, const char *others, int alone,
                         int64_t probe_ms, int *boot) {
  *boot = 0;
  uint64_t id = read_id(dir);
  if (id) return id;
  if (files_in(dir, 0) > 0) return (uint64_t)mine + 1;
  if (mine != 0) return joiner_id();
  if (others[0] == 0 || (alone && !act__store_probe(others, probe_ms))) {
    *boot = 1;
    return 1;
  }
  return alone ? joiner_id() : 0;
}

/* The first seed with an empty directory makes a new store only when
 * every other seed of its list has a store that answers, none of them
 * leads and none has ever belonged to a store (its Raft configuration is
 * empty): a new cluster, all its seeds up. If one leads, it joins that
 * store. While a listed seed does not answer, or answers without a
 * leader but with a store's members (its voters cut off or down: a list
 * shorter than the store's voters sees only some of them), it waits:
 * the store exists, and a second one made meanwhile would split the
 * cluster (docs/decisions.md). 1: bootstrap, 0: join, -1: not yet
 * (*quiet: the seeds that did not answer; *kept: those that hold a
 * store without a leader). */
static int boot_decide(const char *others, int64_t probe_ms, char *quiet, char *kept,
                       size_t cap) {
  quiet[0] = kept[0] = 0;
  if (act__store_probe(others, probe_ms)) return 0;   /* time for a running store to elect */
  for (const char *s = others; *s;) {
    size_t len = strcspn(s, ",");
    char one[ACT_ADDR_MAX + 1];
    snprintf(one, sizeof one, "%.*s", (int)len, s);
    int answered, members;
    if (act__store_probe_one(one, 1000, &answered, &members)) return 0;
    char *list = !answered ? quiet : members != 0 ? kept : NULL;
    if (list) {
      size_t at = strlen(list);
      snprintf(list + at, cap - at, "%s%s", at ? ", " : "", one);
    }
    s += len + (s[len] == ',');
  }
  return quiet[0] || kept[0] ? -1 : 1;
}

/* The wait for that decision, on a thread of its own: the node runs
 * meanwhile (without a store of its own: its store clients find none
 * until the seeds have one). A wait that ends by itself detaches its
 * thread, for nobody may ever join it (a node that crashes or is fenced
 * exits without the leave; TSan reported the finished thread as leaked);
 * one still waiting at the leave is stopped and joined. booting (under
 * boot_mu): the thread is still to be joined. */
static pthread_mutex_t boot_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t booter;
static int booting;
static atomic_int boot_stop;
static act_store_node_config_t boot_cfg;
static char boot_others[SEEDS_MAX * (ACT_ADDR_MAX + 2)];
static int64_t boot_probe_ms;

static int start_store(act_store_node_config_t *sc, int boot, char *err, size_t cap);

static void boot_done(void) {
  pthread_mutex_lock(&boot_mu);
  if (booting) {   /* nobody stops it yet: nobody will join it */
    booting = 0;
    pthread_detach(pthread_self());
  }
  pthread_mutex_unlock(&boot_mu);
}

static void *boot_wait(void *arg) {
  (void)arg;
  char quiet[SEEDS_MAX * (ACT_ADDR_MAX + 2)], said[sizeof quiet] = "";
  char kept[sizeof quiet], said_kept[sizeof quiet] = "";
  for (;;) {
    if (atomic_load(&boot_stop)) break;
    int d = boot_decide(boot_others, boot_probe_ms, quiet, kept, sizeof quiet);
    if (d >= 0) {
      boot_cfg.id = d ? 1 : joiner_id();
      char err[400];
      if (!atomic_load(&boot_stop) && start_store(&boot_cfg, d, err, sizeof err) != 0)
        act__logf("act: cluster: %s\n", err);
      break;
    }
    if (quiet[0] && strcmp(quiet, said) != 0)
      act__logf("act: cluster: node %s does not bootstrap the embedded store while the stores "
                "of seeds %s do not answer (one may hold it); it waits for them\n",
                embedded_node, quiet);
    if (kept[0] && strcmp(kept, said_kept) != 0)
      act__logf("act: cluster: node %s does not bootstrap the embedded store while the stores "
                "of seeds %s have belonged to a store that has no leader; it waits for its "
                "leader\n", embedded_node, kept);
    snprintf(said, sizeof said, "%s", quiet);
    snprintf(said_kept, sizeof said_kept, "%s", kept);
    for (int i = 0; i < 10 && !atomic_load(&boot_stop); i++) usleep(100000);
  }
  boot_done();
  return NULL;
}

/* Seeds on one host with consecutive ports (7001, 7002, ...) are what a
 * first try on a laptop looks like, and each seed's store takes its port
 * + 1: the nodes would then connect to stores and the stores to nodes,
 * and one of them would fail to listen. Said at start, with the rule. */
static int port_clash(char nodes[][ACT_ADDR_MAX + 1], char stores[][ACT_ADDR_MAX + 1], int count,
                      const char *me, char *err, size_t cap) {
  for (int i = 0; i < count; i++)
    for (int j = -1; j < count; j++) {
      const char *node = j < 0 ? me : nodes[j];
      if (strcmp(stores[i], node) != 0) continue;
      snprintf(err, cap, "the embedded store of seed %s would listen on %s, the address of %s%s: "
               "each seed's store takes its node's port + 1, so give nodes on one host ports "
               "at least 2 apart (7000, 7010, 7020, ...)", nodes[i], stores[i],
               j < 0 ? "this node" : "seed ", j < 0 ? "" : node);
      return 1;
    }
  return 0;
}

static int store_embed(act_node_t *n, const act_cluster_config_t *cfg, char *url, size_t ucap,
                       char *err, size_t cap) {
  url[0] = 0;
  if (cfg->store == NULL) return 0;
  if (strcmp(cfg->store, "embedded") != 0) {
    snprintf(url, ucap, "%s", cfg->store);
    return 0;
  }
  const act_hello_t *me = act__node_me(n, ACT_CONN_CONTROL);
  char stores[SEEDS_MAX][ACT_ADDR_MAX + 1], nodes[SEEDS_MAX][ACT_ADDR_MAX + 1];
  int count = 0, mine = -1;
  for (const char *s = cfg->seeds; s && *s;) {
    size_t len = strcspn(s, ",");
    if (count == SEEDS_MAX) {
      snprintf(err, cap, "the embedded store takes at most %d seeds (or use --act-store "
               "postgres://...)", SEEDS_MAX);
      return -1;
    }
    if (seed_addrs(s, len, nodes[count], stores[count], sizeof stores[count]) != 0) {
      snprintf(err, cap, "--act-seeds: `%.*s` has no store address (its port + 1)",
               (int)(len > 80 ? 80 : len), s);
      return -1;
    }
    if (strcmp(nodes[count], me->addr) == 0) mine = count;
    count++;
    s += len + (s[len] == ',');
  }
  if (count == 0) {
    snprintf(err, cap, "the embedded store runs on the seeds: give --act-seeds (or "
             "--act-store none for a cluster without a store)");
    return -1;
  }
  if (port_clash(nodes, stores, count, me->addr, err, cap)) return -1;
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
  char *dir = embedded_dir;
  if (cfg->store_dir)
    snprintf(dir, sizeof embedded_dir, "%s", cfg->store_dir);
  else
    snprintf(dir, sizeof embedded_dir, "act.store.%s", me->node);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, cap, "the embedded store's directory %s: %s", dir, strerror(errno));
    return -1;
  }
  snprintf(embedded_addr, sizeof embedded_addr, "%s", stores[mine]);
  snprintf(embedded_node, sizeof embedded_node, "%s", me->node);
  /* The other seeds' stores, for the probe. */
  char others[SEEDS_MAX * (ACT_ADDR_MAX + 2)] = "";
  for (int i = 0, at = 0; i < count; i++)
    if (i != mine)
      at += snprintf(others + at, sizeof others - (size_t)at, "%s%s", at ? "," : "", stores[i]);
  /* Raft's election timeout is 15 × this (dqlite), randomised up to twice
   * that, and its heartbeat 1.5 ×: lease / 10 to lease / 5, heartbeats
   * every lease / 100 (300-600 ms and 30 ms at a 3 s lease). A leader
   * survives a stall of its process shorter than lease / 10: on a loaded
   * machine the processes stall for hundreds of ms, and with lease / 20
   * (150 ms) every such stall deposed the leader, and renewals failed
   * while it was elected again (docs/cluster.md, "Timing follows the
   * lease"). After the leader dies or is cut off, the survivors have
   * lease × 0.8 - lease / 3 (renewals go every lease / 3, the fence comes
   * lease × 0.8 after the last one sent) to notice (at most lease / 5),
   * elect, let the clients find the new leader and renew, and a failed
   * renewal is sent again at once (coord_dqlite.c). dqlite's default
   * (3-6 s) fenced every node with a lease under ~10 s. A restarted voter
   * does not unseat a leader by campaigning early: dqlite's Raft
   * pre-votes. */
  int latency = (int)(lease_ms / 150 < 5 ? 5 : lease_ms / 150);
  /* Long enough for a running store that lost its leader to elect one
   * (a timeout of at most lease / 5, above, and a vote), short enough not
   * to hold a new cluster's first seed for long. (lease / 3 once kept
   * the seeds of cluster_estore, at a 10 s lease, from ever joining: a
   * wait longer than a statement's wait for a leader lost the store's
   * tables, now made with each call until made: coord_dqlite.c.) */
  int boot;
  int64_t probe_ms = lease_ms / 5 > 1500 ? lease_ms / 5 : 1500;
  uint64_t id = store_id(dir, mine, others, cfg->store_boot_alone, probe_ms, &boot);
  static char voters[sizeof others + 16];
  snprintf(voters, sizeof voters, "%s", url + strlen("dqlite://"));
  static char store_addr[ACT_ADDR_MAX + 1];
  snprintf(store_addr, sizeof store_addr, "%s", stores[mine]);
  act_store_node_config_t sc = {
    .id = id,
    .addr = store_addr,
    .dir = dir,
    .voters = voters,
    .latency_ms = latency,
    .join_timeout_ms = -1,   /* seeds start in any order: join in the background */
    .bind = priv_addr,
    .connect = act__store_tls_dial,
  };
  snprintf(priv_addr, sizeof priv_addr, "%s", priv);
  act__logf("act: cluster: node %s runs the embedded store at %s (seed %d of %d, data in %s)\n",
            me->node, stores[mine], mine + 1, count, dir);
  if (id != 0) return start_store(&sc, boot, err, cap);
  boot_cfg = sc;
  snprintf(boot_others, sizeof boot_others, "%s", others);
  boot_probe_ms = probe_ms;
  pthread_mutex_lock(&boot_mu);   /* before the thread can end */
  booting = pthread_create(&booter, NULL, boot_wait, NULL) == 0;
  int started = booting;
  pthread_mutex_unlock(&boot_mu);
  if (!started) {
    snprintf(err, cap, "cannot start the embedded store's bootstrap");
    return -1;
  }
  return 0;
}

static int start_store(act_store_node_config_t *sc, int boot, char *err, size_t cap) {
  act_store_node_t *s = act_store_node_start(sc, err, cap);
  if (s == NULL) return -1;
  if (write_id(sc->dir, sc->id) != 0)
    act__logf("act: cluster: cannot keep the store's id in %s/" ID_FILE ": %s\n", sc->dir,
              strerror(errno));
  if (boot)
    act__logf("act: cluster: node %s bootstraps the embedded store (%s)\n", embedded_node,
              boot_cfg.id ? "every other seed's store answered, none leads"
                          : "no other seed's store has a leader");
  atomic_store(&embedded, s);
  return 0;
}

/* The clean leave (SIGTERM, exit): the voter goes, so the seeds that stay
 * keep a majority of the voters that are left (two of three seeds may
 * leave one after the other). Its data goes too: it is no longer in the
 * store, and starting again it joins as a new member (store_id). A voter
 * that could not be removed in time keeps its data. */
/* The node's store, for a journal kept there (`--act-journal store`). */
static char store_url[1200];

int act__store_embed(act_node_t *n, const act_cluster_config_t *cfg, char *url, size_t ucap,
                     char *err, size_t cap) {
  int rc = store_embed(n, cfg, url, ucap, err, cap);
  snprintf(store_url, sizeof store_url, "%s", rc == 0 ? url : "");
  return rc;
}

const char *act__store_url(void) { return store_url; }

void act__store_embed_leave(void) {
  pthread_mutex_lock(&boot_mu);
  atomic_store(&boot_stop, 1);
  int waiting = booting;   /* still waiting to bootstrap: that ends first */
  booting = 0;
  pthread_mutex_unlock(&boot_mu);
  if (waiting) pthread_join(booter, NULL);
  act_store_node_t *s = atomic_exchange(&embedded, NULL);
  if (s == NULL) return;
  /* After a stop signal both of a node's leaving waits (its row, then its
   * voter) end before the signal's grace does: a store without quorum
   * made each wait its whole 3 s, and the process was cut off at 5 s as
   * if a handler had hung. What the voter cannot do in time, it leaves
   * undone (as when the store does not answer). */
  char why[256];
  if (act__store_node_leave(s, act__stop_budget_ms(ACT_STORE_LEAVE_MS), why, sizeof why)) {
    files_in(embedded_dir, 1);
    act__logf("act: cluster: node %s took its voter out of the embedded store\n", embedded_node);
  } else {
    act__logf("act: cluster: node %s leaves its voter in the embedded store: %s\n", embedded_node,
              why);
  }
}
