/* options.c: the runtime's options (LANGUAGE.md §6) and the seeds of rand.
 *
 * A compiled program takes `--act-NAME VALUE` or `--act-NAME=VALUE` on its
 * command line, each also the environment variable ACT_NAME (the command
 * line wins). Everything is checked before any actor starts: a bad value,
 * a missing value or an unknown `--act-` option ends the program with one
 * line on stderr and status 2, so a typo never runs a program with a
 * setting its user did not ask for. `--act-help` lists the options. The
 * first `--` ends the runtime's options: it is removed and everything
 * after it reaches Main untouched, `--act-...` spellings included.
 *
 * Other ACT_* variables are left alone: the compiler's (ACT_CFLAGS,
 * ACT_HOME, ...) are in the environment of every `actorc run`. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "act/cluster.h"
#include "cluster/remote.h"
#include "gpu/gpu_int.h"
#include "rt/rt.h"

#define MAX_THREADS 256

/* What the options decided (read by sched.c through act__options_parse). */
static int threads;                        /* 0: one per core */
static uint32_t mailbox = 4096;
static const char *journal_path, *journal_sync;
static uint64_t seed;
static int seed_given;
int64_t act__stop_grace_ns = 5000000000;   /* rt.h: read by start.c */

/* Clustering (LANGUAGE.md §10): handed to act_cluster_start at the end. */
static act_cluster_config_t cluster;

typedef struct option {
  const char *name;     /* after "--act-" */
  const char *env;
  const char *arg;      /* what --act-help shows for the value */
  const char *accepts;  /* "takes ..." in errors and help */
  const char *deflt;
  int (*set)(const char *v);   /* 0: the value is not accepted */
} option_t;

/* A whole number in decimal digits only (no sign, no spaces) up to max. */
static int whole(const char *v, uint64_t max, uint64_t *out) {
  if (*v < '0' || *v > '9') return 0;
  uint64_t n = 0;
  for (const char *p = v; *p; p++) {
    if (*p < '0' || *p > '9') return 0;
    uint64_t d = (uint64_t)(*p - '0');
    if (n > (max - d) / 10) return 0;
    n = n * 10 + d;
  }
  *out = n;
  return 1;
}

static int set_threads(const char *v) {
  uint64_t n;
  if (!whole(v, MAX_THREADS, &n) || n == 0) return 0;
  threads = (int)n;
  return 1;
}

static int set_mailbox(const char *v) {
  uint64_t n;
  if (!whole(v, ACT_MAILBOX_MAX, &n) || n == 0) return 0;
  mailbox = (uint32_t)n;
  return 1;
}

static int set_journal(const char *v) {
  journal_path = v;
  return *v != 0;
}

static int set_sync(const char *v) {
  journal_sync = v;
  return strcmp(v, "normal") == 0 || strcmp(v, "full") == 0;
}

static int set_seed(const char *v) {
  if (!whole(v, UINT64_MAX, &seed)) return 0;
  seed_given = 1;
  return 1;
}

/* A duration: digits and a unit, `ms`, `s` or `m` ("100ms", "1s"). */
static int duration(const char *v, int64_t min_ns, int64_t max_ns, int64_t *out) {
  size_t digits = strspn(v, "0123456789");
  char num[20];
  uint64_t n;
  if (digits == 0 || digits >= sizeof num) return 0;
  memcpy(num, v, digits);
  num[digits] = 0;
  if (!whole(num, UINT64_MAX / 1000000000ull / 60, &n)) return 0;
  const char *u = v + digits;
  int64_t ns;
  if (strcmp(u, "ms") == 0) ns = (int64_t)n * 1000000;
  else if (strcmp(u, "s") == 0) ns = (int64_t)n * 1000000000;
  else if (strcmp(u, "m") == 0) ns = (int64_t)n * 60000000000;
  else return 0;
  if (ns < min_ns || ns > max_ns) return 0;
  *out = ns;
  return 1;
}

static int set_node(const char *v) { return *(cluster.node = v) != 0; }
static int set_seeds(const char *v) { return *(cluster.seeds = v) != 0; }
static int set_cluster(const char *v) { return act_name_valid(cluster.cluster = v, strlen(v)); }
static int set_cookie(const char *v) { return *(cluster.cookie_file = v) != 0; }
static int set_tls_cert(const char *v) { return *(cluster.tls_cert = v) != 0; }
static int set_tls_key(const char *v) { return *(cluster.tls_key = v) != 0; }
static int set_tls_ca(const char *v) { return *(cluster.tls_ca = v) != 0; }
/* The store: the seeds' embedded one unless another is named; "none" is a
 * cluster without one (docs/cluster.md). */
static int store_given;
static int set_store(const char *v) {
  store_given = 1;
  cluster.store = strcmp(v, "none") == 0 ? NULL : v;
  return *v != 0;
}
static int set_store_dir(const char *v) { return *(cluster.store_dir = v) != 0; }
static int set_store_bootstrap(const char *v) {
  if (strcmp(v, "all") != 0 && strcmp(v, "first") != 0) return 0;
  cluster.store_boot_alone = strcmp(v, "first") == 0;
  return 1;
}
static int set_heartbeat(const char *v) {
  return duration(v, 10000000, 60000000000, &cluster.heartbeat_ns);
}
static int set_lease(const char *v) { return duration(v, 1000000000, 3600000000000, &cluster.lease_ns); }
static int set_activation_log(const char *v) { return *(act__activation_log_path = v) != 0; }
static int set_stop_grace(const char *v) {
  return duration(v, 100000000, 3600000000000, &act__stop_grace_ns);
}

static char node_name[128] = "-";   /* set once options are parsed */

const char *act__node_name(void) { return node_name; }

#define STR_(x) #x
#define STR(x) STR_(x)
static const option_t options[] = {
  {"threads", "ACT_THREADS", "N", "a whole number from 1 to " STR(MAX_THREADS),
   "one per core", set_threads},
  {"mailbox", "ACT_MAILBOX", "N", "a whole number from 1 to " STR(ACT_MAILBOX_MAX),
   "4096 (the bound of actors that declare no `mailbox`)", set_mailbox},
  {"journal", "ACT_JOURNAL", "PATH|URL", "a file path, a postgres:// URL, or store",
   "PROGRAM.journal.db in the working directory (persistent virtual actors on a node with a store: the store)",
   set_journal},
  {"journal-sync", "ACT_JOURNAL_SYNC", "MODE", "`normal` or `full`",
   "normal (full: also safe from power loss)", set_sync},
  {"seed", "ACT_SEED", "N", "a whole number from 0 to 18446744073709551615",
   "a new seed on every run", set_seed},
  {"stop-grace", "ACT_STOP_GRACE", "TIME", "a duration from 100ms to 60m (`ms`, `s`, `m`)",
   "5s (after SIGTERM or SIGINT, then the process exits naming the actor still running)",
   set_stop_grace},
  {"activation-log", "ACT_ACTIVATION_LOG", "PATH", "a file path",
   "none (a line per virtual actor activation start and stop is appended to PATH)",
   set_activation_log},
  {"node", "ACT_NODE", "NAME@HOST:PORT", "a node name, `@`, and the address to listen on",
   "none: a cluster of one, no socket opened", set_node},
  {"seeds", "ACT_SEEDS", "HOST:PORT,...", "addresses of nodes to contact first", "none",
   set_seeds},
  {"cluster", "ACT_CLUSTER", "NAME", "letters, digits, `_`, `.`, `-` (at most 64)", "act",
   set_cluster},
  {"cookie-file", "ACT_COOKIE_FILE", "PATH", "a file only its owner can read",
   "none (a node needs it or the --act-tls-* files)", set_cookie},
  {"tls-cert", "ACT_TLS_CERT", "PATH", "a PEM certificate (chain) file", "none", set_tls_cert},
  {"tls-key", "ACT_TLS_KEY", "PATH", "a PEM private key file", "none", set_tls_key},
  {"tls-ca", "ACT_TLS_CA", "PATH", "a PEM file of the CA certificates to trust", "none",
   set_tls_ca},
  {"heartbeat", "ACT_HEARTBEAT", "TIME", "a duration from 10ms to 60s (`ms`, `s`, `m`)", "1s",
   set_heartbeat},
  {"lease", "ACT_LEASE", "TIME", "a duration from 1s to 60m (`ms`, `s`, `m`)", "10s", set_lease},
  {"store", "ACT_STORE", "URL", "`embedded`, `none`, postgres://... or dqlite://HOST:PORT,...",
   "embedded (the seeds run it, at each seed's port + 1)", set_store},
  {"store-dir", "ACT_STORE_DIR", "PATH", "a directory (created if missing)",
   "PROGRAM.store.NODE in the working directory (seeds only)", set_store_dir},
  {"store-bootstrap", "ACT_STORE_BOOTSTRAP", "WHO", "`all` or `first`",
   "all (a new embedded store waits until every listed seed's store answers; first: the "
   "first seed may make it alone)", set_store_bootstrap},
  {"gpu", "ACT_GPU", "MODE", "`auto`, `off` or `on`",
   "auto (the GPU when there is one; on: refuse to start without)", act__gpu_set_mode},
};
#define NOPTIONS (sizeof options / sizeof options[0])

__attribute__((format(printf, 1, 2))) ACT_NORETURN static void bad(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  act__logf("act: %s\n", line);
  _exit(2);
}

/* spelled: the option or variable as the user wrote it. A huge value is
 * cut short in the message. */
static void apply(const option_t *o, const char *v, const char *spelled) {
  if (!o->set(v)) bad("%s takes %s, not `%.60s`", spelled, o->accepts, v);
}

/* Letters to change, add or drop to turn a into b (for "did you mean"). */
static int distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 30 || lb > 30) return 99;
  int d[31][31];
  for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

ACT_NORETURN static void unknown(const char *arg) {
  int n = (int)strcspn(arg, "=");
  if (n > 60) n = 60;
  char name[64];
  snprintf(name, sizeof name, "%.*s", n, arg);
  for (size_t i = 0; i < NOPTIONS; i++)
    if (distance(name + 6, options[i].name) <= 2)
      bad("unknown runtime option `%s` (did you mean --act-%s? --act-help lists them)", name,
          options[i].name);
  bad("unknown runtime option `%s` (--act-help lists them)", name);
}

ACT_NORETURN static void help(void) {
  printf("Runtime options of an Act program; each is also an environment variable,\n"
         "and the command line wins. The first `--` ends them: what follows reaches Main.\n\n");
  for (size_t i = 0; i < NOPTIONS; i++) {
    const option_t *o = &options[i];
    char spelled[40];
    snprintf(spelled, sizeof spelled, "--act-%s %s", o->name, o->arg);
    printf("  %-24s %-17s %s\n  %-42s default: %s", spelled, o->env, o->accepts, "", o->deflt);
    if (o->set == set_threads) printf(" (%ld here)", sysconf(_SC_NPROCESSORS_ONLN));
    printf("\n");
  }
  printf("  %-42s this list\n", "--act-help");
  fflush(stdout);
  _exit(0);
}

static const option_t *find(const char *name, size_t len) {
  for (size_t i = 0; i < NOPTIONS; i++)
    if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0) return &options[i];
  return NULL;
}

/* Reads the environment, then the command line (which wins), removing
 * the runtime's arguments from argv in place. */
static void parse(int *argc, char **argv) {
  for (size_t i = 0; i < NOPTIONS; i++) {
    const char *v = getenv(options[i].env);
    if (v && *v) apply(&options[i], v, options[i].env);   /* empty: unset */
  }
  int k = 1;
  for (int i = 1; argv && i < *argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {   /* the rest is Main's */
      while (++i < *argc) argv[k++] = argv[i];
      break;
    }
    if (strncmp(a, "--act-", 6) != 0) {
      argv[k++] = argv[i];
      continue;
    }
    if (strncmp(a, "--act-help", 10) == 0 && (a[10] == 0 || a[10] == '=')) help();
    const char *eq = strchr(a, '=');
    const option_t *o = find(a + 6, eq ? (size_t)(eq - a - 6) : strlen(a + 6));
    if (o == NULL) unknown(a);
    char spelled[48];
    snprintf(spelled, sizeof spelled, "--act-%s", o->name);
    const char *v = eq ? eq + 1 : NULL;
    /* A following runtime option is not a value: `--act-threads
     * --act-seed 1` forgot the number. */
    if (v == NULL && i + 1 < *argc && strncmp(argv[i + 1], "--act-", 6) != 0) v = argv[++i];
    if (v == NULL || *v == 0) bad("%s needs a value: %s", spelled, o->accepts);
    apply(o, v, spelled);
  }
  if (argv) {
    *argc = k;
    argv[k] = NULL;
  }
}

/* ---- rand's seeds ----------------------------------------------------- */

static uint64_t fresh_seed(void) {
  uint64_t s = 0;
  if (getrandom(&s, sizeof s, GRND_NONBLOCK) == (ssize_t)sizeof s) return s;
  struct timespec ts;   /* no entropy yet (early boot): the clock will do */
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 48);
}

static _Atomic uint64_t root_spawns;

/* An actor spawned by another takes its seed from its parent's generator
 * (and moves that generator on, so brothers differ; actor.c, where the
 * seed is mixed on first use): with --act-seed, an actor's numbers depend
 * only on the seed and on what its ancestors did before spawning it, not
 * on how workers interleave. Actors spawned from outside any actor (Main,
 * embedding code) are numbered in spawn order, here. */
uint64_t act__rng_seed(void) {
  uint64_t k = atomic_fetch_add(&root_spawns, 1);
  return act__rng_mix(seed + 0x9E3779B97F4A7C15ull * (k + 1));
}

/* rand called where there is no actor (C code around an embedded
 * runtime): one generator per thread, seeded like a root actor. */
uint64_t *act__rng_thread(void) {
  static _Thread_local uint64_t s;
  if (s == 0) s = act__rng_seed();
  return &s;
}

int act__options_parse(int *argc, char **argv, uint32_t *default_mailbox) {
  parse(argc, argv);
  act__gpu_options();
  if (!seed_given) seed = fresh_seed();
  if (cluster.node) snprintf(node_name, sizeof node_name, "%.*s", (int)strcspn(cluster.node, "@"), cluster.node);
  if (journal_path || journal_sync) act__persist_options(journal_path, journal_sync);
  if (cluster.node) {
    char err[400];
    static char dir[600];
    if (!store_given) cluster.store = "embedded";
    if (cluster.store_dir == NULL) {
      const char *prog = argv && *argc > 0 && argv[0] && argv[0][0] ? argv[0] : "act";
      const char *slash = strrchr(prog, '/');
      snprintf(dir, sizeof dir, "%s.store.%s", slash && slash[1] ? slash + 1 : prog, node_name);
      cluster.store_dir = dir;
    }
    cluster.schema = act_cluster_schema_get();
    act__remote_init();   /* the language's messages over the node's transport */
    if (act_cluster_start(&cluster, err, sizeof err) != 0) bad("%s", err);
  } else if (cluster.seeds || cluster.cookie_file || cluster.tls_cert || cluster.tls_key ||
             cluster.tls_ca || store_given || cluster.store_dir || cluster.cluster || cluster.heartbeat_ns ||
             cluster.lease_ns) {
    bad("the cluster options need --act-node NAME@HOST:PORT (without it the program is a "
        "cluster of one)");
  }
  *default_mailbox = mailbox;
  int n = threads;
  if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (n <= 0) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  return n;
}
