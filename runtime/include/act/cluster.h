/* act/cluster.h: the foundation of clustering (LANGUAGE.md §10).
 *
 * Nodes talk over TCP on their own libuv loop thread, two connections per
 * pair (control: handshake, heartbeats, membership; data: user messages),
 * always inside TLS 1.3. What travels inside TLS is a stream of frames:
 *
 *   byte 0  wire version (ACT_WIRE_VERSION)
 *   byte 1  frame type (act_frame_type_t)
 *   byte 2  flags (ACT_FRF_MORE: a fragment, the message goes on)
 *   byte 3  zero
 *   4..7    payload length, big-endian, at most ACT_FRAME_MAX
 *
 * A message longer than ACT_FRAME_MAX is sent as fragments so that a
 * heartbeat waits for at most one fragment. Every decoder here is bounds
 * checked and answers a status (act_wire_error() names it), never UB: they
 * are the target of tests/cluster/fuzz_wire.c.
 *
 * A program started without --act-node calls none of this: a cluster of
 * one opens no socket and no store. docs/cluster.md has the whole design. */
#ifndef ACT_CLUSTER_H
#define ACT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

/* ==== frames ============================================================ */

#define ACT_WIRE_VERSION 1
#define ACT_FRAME_HEADER 8
#define ACT_FRAME_MAX (64u * 1024u)          /* payload of one frame */
#define ACT_MESSAGE_MAX (16u * 1024u * 1024u) /* a message, fragments joined */

typedef enum act_frame_type {
  ACT_FR_HELLO = 1,     /* the handshake (act_hello_t), first on each side */
  ACT_FR_REFUSE = 2,    /* why the peer is refused (text), then close */
  ACT_FR_HEARTBEAT = 3, /* control: a sequence number (8 bytes) */
  ACT_FR_PEERS = 4,     /* control: nodes the sender is connected to */
  ACT_FR_MSG = 5,       /* a message or a fragment of one */
  ACT_FR_BYE = 6,       /* the sender leaves or drops this connection (text) */
  ACT_FR_LAST = ACT_FR_BYE
} act_frame_type_t;

enum { ACT_FRF_MORE = 1 };

/* What a decoder answers. */
typedef enum act_wire_status {
  ACT_WIRE_OK = 0,
  ACT_WIRE_NEED = 1,        /* not enough bytes yet: read more */
  ACT_WIRE_EVERSION = -1,   /* another wire or protocol version */
  ACT_WIRE_ETYPE = -2,      /* unknown frame type */
  ACT_WIRE_EFLAGS = -3,     /* flags or reserved bits that may not be set */
  ACT_WIRE_ESIZE = -4,      /* over a size limit */
  ACT_WIRE_EMALFORMED = -5, /* a payload that does not parse */
  ACT_WIRE_EORDER = -6      /* a frame where it may not come */
} act_wire_status_t;

const char *act_wire_error(int status);

typedef struct act_frame {
  uint8_t type, flags;
  uint32_t len;
  const uint8_t *payload;   /* points into the decoded buffer */
} act_frame_t;

void act_frame_header(uint8_t out[ACT_FRAME_HEADER], uint8_t type, uint8_t flags, uint32_t len);
/* One frame from the front of buf: ACT_WIRE_OK with *f and *used set,
 * ACT_WIRE_NEED, or an error. The header is judged as soon as its 8 bytes
 * are there, so an oversized length is refused before its payload is read. */
int act_frame_decode(const uint8_t *buf, size_t len, act_frame_t *f, size_t *used);

/* Joins the fragments of ACT_FR_MSG frames into messages of at most
 * `limit` bytes (malloc'd buffer, reused). */
typedef struct act_reasm {
  uint8_t *buf;
  size_t len, cap, limit;
} act_reasm_t;
void act_reasm_init(act_reasm_t *r, size_t limit);
void act_reasm_free(act_reasm_t *r);
/* ACT_WIRE_OK: a whole message is in *msg and *n (valid until the next call);
 * ACT_WIRE_NEED: a fragment was kept; ACT_WIRE_ESIZE: over the limit. */
int act_reasm_add(act_reasm_t *r, const act_frame_t *f, const uint8_t **msg, size_t *n);

/* ==== the handshake ====================================================== */

#define ACT_PROTOCOL_VERSION 1
#define ACT_NAME_MAX 64      /* node and cluster names: [A-Za-z0-9_.-] */
#define ACT_ADDR_MAX 80      /* "host:port" */

enum { ACT_CONN_CONTROL = 1, ACT_CONN_DATA = 2 };

typedef struct act_hello {
  uint16_t version;          /* ACT_PROTOCOL_VERSION */
  uint8_t kind;              /* ACT_CONN_CONTROL or ACT_CONN_DATA */
  uint64_t incarnation;      /* random, new at every start of a node */
  uint64_t schema;           /* the program's message-schema fingerprint */
  char cluster[ACT_NAME_MAX + 1];
  char node[ACT_NAME_MAX + 1];
  char addr[ACT_ADDR_MAX + 1];   /* where the sender listens */
} act_hello_t;

#define ACT_HELLO_MAX (4 + 2 + 2 + 8 + 8 + 3 + 2 * ACT_NAME_MAX + ACT_ADDR_MAX)

/* Returns the length written, 0 if cap is too small or a name is invalid. */
size_t act_hello_encode(const act_hello_t *h, uint8_t *out, size_t cap);
/* Strict: the magic, then the version (ACT_WIRE_EVERSION with h->version
 * set, the rest unread), then exact lengths and valid names. */
int act_hello_decode(const uint8_t *p, size_t n, act_hello_t *h);
/* 0 if `theirs` may join `mine`; otherwise -1 and why, in one line. */
int act_hello_check(const act_hello_t *mine, const act_hello_t *theirs, char *why, size_t cap);
int act_name_valid(const char *s, size_t n);

/* The payload of ACT_FR_PEERS: up to ACT_PEERS_MAX (name, addr,
 * incarnation) entries. */
#define ACT_PEERS_MAX 1024
typedef struct act_peer_entry {
  uint64_t incarnation;
  char node[ACT_NAME_MAX + 1];
  char addr[ACT_ADDR_MAX + 1];
} act_peer_entry_t;
size_t act_peers_encode(const act_peer_entry_t *e, size_t n, uint8_t *out, size_t cap);
/* Calls fn for each entry; ACT_WIRE_EMALFORMED on any flaw (entries
 * before the flaw have been passed to fn: the caller only dials them). */
int act_peers_decode(const uint8_t *p, size_t n, void (*fn)(void *arg, const act_peer_entry_t *e),
                     void *arg);

/* ==== failure detection: phi accrual ===================================== */

#define ACT_PHI_WINDOW 100

/* Hayashibara et al.'s detector: phi = -log10(P(a heartbeat comes later
 * than now)), from the mean and deviation of recent intervals (normal
 * distribution). min_std keeps a very regular history from turning one
 * late packet into a failure; pause is added to the mean as the pause a
 * healthy peer may take (a GC, a busy network). Times in nanoseconds. */
typedef struct act_phi {
  double iv[ACT_PHI_WINDOW];
  int n, head;
  double sum, sumsq;
  int64_t last;
  double min_std, pause;
} act_phi_t;

void act_phi_init(act_phi_t *d, int64_t now, double expected_interval, double min_std,
                  double pause);
void act_phi_beat(act_phi_t *d, int64_t now);
double act_phi(const act_phi_t *d, int64_t now);

/* ==== the node =========================================================== */

typedef struct act_cluster_config {
  const char *node;         /* NAME@HOST:PORT (required) */
  const char *seeds;        /* HOST:PORT,HOST:PORT or NULL */
  const char *cluster;      /* cluster name; NULL: "act" */
  const char *cookie_file;  /* PSK mode ... */
  const char *tls_cert, *tls_key, *tls_ca;   /* ... or certificate mode */
  int64_t heartbeat_ns;     /* 0: 1 s */
  int64_t lease_ns;         /* 0: 10 s */
  const char *store;        /* NULL: none; postgres://..., dqlite://..., or "embedded": the
                               seeds run the store (store_embed.c) */
  const char *store_dir;    /* the embedded store's data directory; NULL: act.store.NODE */
  int store_boot_alone;     /* the first seed, its directory empty, may make a new store
                               without hearing from the other seeds (store_embed.c) */
  uint64_t schema;          /* the program's message-schema fingerprint */
} act_cluster_config_t;

/* What a membership change looks like to a watcher (called on the
 * cluster's loop thread: keep it short). up: 1 joined, 0 gone; reason:
 * "unreachable", "left", "restarted". */
typedef void (*act_cluster_event_fn)(void *arg, const char *node, int up, const char *reason);

/* Checks everything (names, addresses, the cookie file's mode, keys and
 * certificates, the store URL), then starts the loop thread: 0, or -1
 * with one line in err. Only one node per process. */
int act_cluster_start(const act_cluster_config_t *cfg, char *err, size_t cap);
/* Says goodbye to every peer (they see "left") and stops the thread. */
void act_cluster_stop(void);
/* Before start: the schema fingerprint the options path passes on (the
 * compiler's generated code will call it before main). */
void act_cluster_schema(uint64_t fingerprint);
uint64_t act_cluster_schema_get(void);
void act_cluster_on_change(act_cluster_event_fn fn, void *arg);
/* Names of the reachable nodes, this one first; returns how many there
 * are (may exceed max; only max are written). NULL/0 before start. */
/* The raw transport the language-level messages will be built on: bytes
 * to a node's data connection (in order, at most once; dropped if the
 * node is not connected), and a hook for the bytes that arrive (on the
 * loop thread). */
typedef void (*act_cluster_message_fn)(void *arg, const char *from, const uint8_t *p, size_t n);
int act_cluster_send(const char *node, const void *p, size_t n);
/* Told (on the loop thread; for an ask or reply a worker wrote itself,
 * on that worker) when n bytes given to act_cluster_send for
 * node have left its queue: handed to the socket, or dropped. What a
 * sender may count as still waiting (backpressure across nodes). */
typedef void (*act_cluster_sent_fn)(const char *node, size_t n);
void act_cluster_on_sent(act_cluster_sent_fn fn);
void act_cluster_on_message(act_cluster_message_fn fn, void *arg);
size_t act_cluster_nodes(char (*names)[ACT_NAME_MAX + 1], size_t max);
int act_cluster_running(void);
/* This node's name (and incarnation), NULL before start. */
const char *act_cluster_self(uint64_t *incarnation);
/* The incarnation of a reachable node (this one included), 0 if it is not. */
uint64_t act_cluster_incarnation(const char *node);

/* ==== the coordination store ============================================= */
/* What the cluster agrees on goes through one small asynchronous
 * interface, so that backends can be swapped and all pass the same
 * conformance suite (tests/cluster/coord_tck.c):
 *  - membership: one row per node name, held by one incarnation through a
 *    lease; a name held by a live lease of another incarnation cannot be
 *    joined; joining again with the same incarnation renews;
 *  - registered names, owned by an actor of a node incarnation and alive
 *    only while that incarnation's lease is;
 *  - shard ownership with epochs (virtual actors): a shard is held by its
 *    owner's membership lease (one renewal keeps all of a node's shards);
 *    claim creates it at epoch 1, answers the owner its epoch unchanged
 *    (that is how an owner confirms it still holds the shard), and takes
 *    it over from a lapsed owner or after a release with epoch + 1, so a
 *    stale owner can be fenced wherever it writes;
 *  - a fenced journal: fence(key, E) raises the key's epoch to E; an
 *    append at epoch E commits only if the key's epoch is still E, checked
 *    in the append's own transaction.
 *
 * Lease clocks. A holder counts its lease from the moment it SENT the
 * renewal that succeeded, on its own monotonic clock, so it believes in
 * its lease for less time than anybody else does (the lease loop below
 * stops what it owns before that). Takeover by others: PostgreSQL measures leases
 * with the server's now() — one clock; the dqlite store has no such clock
 * (its leader, and so its wall clock, moves between machines), so a row
 * carries a renewal counter and the lease's length, and a client declares
 * it lapsed only after seeing the same counter for the lease time on its
 * own monotonic clock, and takes it over only after lease + margin
 * (ACT_COORD_MARGIN), with a compare-and-set on the counter it saw.
 * Wall clocks of different machines are never compared.
 *
 * Every call is answered once, through its callback, on the loop the
 * store was opened on. Backends: PostgreSQL (postgres://...), dqlite
 * (dqlite://HOST:PORT,...; the embedded store of the seed nodes). */

struct uv_loop_s;
typedef struct act_coord act_coord_t;

/* The margin added to a lease before another node may take it over. */
#define ACT_COORD_MARGIN(lease_ms) ((lease_ms) / 10 > 0 ? (lease_ms) / 10 : 1)

typedef enum act_coord_status {
  ACT_COORD_OK = 0,
  ACT_COORD_TAKEN = 1,     /* held by another live owner (r->owner says who); append: the
                              sequence number is already written */
  ACT_COORD_LOST = 2,      /* the caller's lease is gone (or never was); fence/append: the
                              key's epoch is past the caller's (r->epoch) */
  ACT_COORD_NOTFOUND = 3,  /* no live row */
  ACT_COORD_ERROR = -1     /* the store failed: r->error says why */
} act_coord_status_t;

typedef struct act_coord_member {
  char node[ACT_NAME_MAX + 1];
  char addr[ACT_ADDR_MAX + 1];
  uint64_t incarnation;
  int64_t lease_left_ms;   /* members(): what is left of the lease */
} act_coord_member_t;

typedef struct act_coord_owner {
  char node[ACT_NAME_MAX + 1];
  uint64_t incarnation;
  uint64_t actor;          /* names: the actor's id on that node */
} act_coord_owner_t;

typedef struct act_coord_entry {   /* one journal entry */
  uint64_t seq, epoch;
  const uint8_t *data;
  size_t len;
} act_coord_entry_t;

#define ACT_COORD_READ_MAX 1000    /* entries one read answers at most */

/* One shard of a batch claim (act_coord_claims): in, the shard and whom it
 * is claimed for; out, what act_coord_claim would have answered for that
 * shard alone (status, owner, epoch) and, when TAKEN, in how many ms the
 * holder's lease (+ margin) ends as the store judges it now, if no
 * renewal comes (takeover_ms; -1 unknown), so a claim of a dead member's
 * shard can be made again right then. */
typedef struct act_coord_claim {
  uint32_t shard;
  act_coord_owner_t for_;
  int status;
  act_coord_owner_t owner;
  uint64_t epoch;
  int64_t takeover_ms;
} act_coord_claim_t;

typedef struct act_coord_result {
  int status;
  const char *error;
  const act_coord_member_t *members;   /* members() */
  size_t nmembers;
  act_coord_owner_t owner;             /* lookup, register/claim when TAKEN, claim, owner */
  uint64_t epoch;                      /* claim, owner, fence/append when LOST */
  const act_coord_entry_t *entries;    /* read() */
  size_t nentries;
  const act_coord_claim_t *claims;     /* claims(): one per shard asked, in that order */
  size_t nclaims;
} act_coord_result_t;

typedef void (*act_coord_cb)(void *arg, const act_coord_result_t *r);

typedef struct act_coord_ops {
  const char *scheme;   /* the URL prefix this backend takes */
  act_coord_t *(*open)(struct uv_loop_s *loop, const char *url, char *err, size_t cap);
  void (*close)(act_coord_t *c);
  void (*join)(act_coord_t *c, const act_coord_member_t *m, int64_t lease_ms, act_coord_cb cb,
               void *arg);
  void (*renew)(act_coord_t *c, const char *node, uint64_t inc, int64_t lease_ms, act_coord_cb cb,
                void *arg);
  void (*leave)(act_coord_t *c, const char *node, uint64_t inc, act_coord_cb cb, void *arg);
  void (*members)(act_coord_t *c, act_coord_cb cb, void *arg);
  void (*reg)(act_coord_t *c, const char *name, const act_coord_owner_t *o, act_coord_cb cb,
              void *arg);
  void (*lookup)(act_coord_t *c, const char *name, act_coord_cb cb, void *arg);
  void (*unreg)(act_coord_t *c, const char *name, const act_coord_owner_t *o, act_coord_cb cb,
                void *arg);
  void (*claim)(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc, act_coord_cb cb,
                void *arg);
  void (*owner)(act_coord_t *c, uint32_t shard, act_coord_cb cb, void *arg);
  void (*release)(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc, act_coord_cb cb,
                  void *arg);
  void (*fence)(act_coord_t *c, const char *key, uint64_t epoch, act_coord_cb cb, void *arg);
  void (*append)(act_coord_t *c, const char *key, uint64_t epoch, uint64_t seq, const void *data,
                 size_t len, act_coord_cb cb, void *arg);
  void (*read)(act_coord_t *c, const char *key, uint64_t after, act_coord_cb cb, void *arg);
  /* NULL: act_coord_claims makes one claim per shard. */
  void (*claims)(act_coord_t *c, const act_coord_claim_t *v, size_t n, act_coord_cb cb, void *arg);
} act_coord_ops_t;

/* Every store starts with its ops, so the calls below can dispatch. */
struct act_coord {
  const act_coord_ops_t *ops;
};

extern const act_coord_ops_t act_coord_pg_ops;
extern const act_coord_ops_t act_coord_dqlite_ops;

/* Opens the store the URL names (NULL with err if no backend takes it or
 * the URL is unusable; a server that cannot be reached fails the calls,
 * each after a short wait for it: both backends connect again on their
 * own, docs/cluster.md "Backends"). */
act_coord_t *act_coord_open(struct uv_loop_s *loop, const char *url, char *err, size_t cap);
void act_coord_close(act_coord_t *c);
void act_coord_join(act_coord_t *c, const act_coord_member_t *m, int64_t lease_ms, act_coord_cb cb,
                    void *arg);
void act_coord_renew(act_coord_t *c, const char *node, uint64_t inc, int64_t lease_ms,
                     act_coord_cb cb, void *arg);
void act_coord_leave(act_coord_t *c, const char *node, uint64_t inc, act_coord_cb cb, void *arg);
void act_coord_members(act_coord_t *c, act_coord_cb cb, void *arg);
void act_coord_register(act_coord_t *c, const char *name, const act_coord_owner_t *o,
                        act_coord_cb cb, void *arg);
void act_coord_lookup(act_coord_t *c, const char *name, act_coord_cb cb, void *arg);
void act_coord_unregister(act_coord_t *c, const char *name, const act_coord_owner_t *o,
                          act_coord_cb cb, void *arg);
/* Shards: claim (also the owner's confirmation), who owns one now (OK with
 * owner and epoch; NOTFOUND, with the last epoch, if nobody live does),
 * and release by the owner (NOTFOUND if it is not the owner). */
void act_coord_claim(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc,
                     act_coord_cb cb, void *arg);
void act_coord_owner(act_coord_t *c, uint32_t shard, act_coord_cb cb, void *arg);
void act_coord_release(act_coord_t *c, uint32_t shard, const char *node, uint64_t inc,
                       act_coord_cb cb, void *arg);
/* Many claims in one call, each exactly as act_coord_claim would make it
 * (atomic per shard: created at epoch 1, the owner's unchanged epoch, or
 * taken over from a lapsed or released holder at epoch + 1), answered
 * together: r->claims[i] for v[i] (shards distinct, at most ACT_COORD_CLAIMS_MAX).
 * A node that finds a member gone claims all its shards at once this way
 * (a few statements for the batch, not a few per shard). r->status is
 * ERROR (and no claims) if the store failed. */
#define ACT_COORD_CLAIMS_MAX 1024
void act_coord_claims(act_coord_t *c, const act_coord_claim_t *v, size_t n, act_coord_cb cb,
                      void *arg);
/* The fenced journal (keys up to ACT_ADDR_MAX bytes): fence answers OK
 * when the key's epoch is now `epoch`, LOST when it is already higher;
 * append answers OK, LOST (stale epoch: nothing written) or TAKEN (that
 * sequence number exists); read answers up to ACT_COORD_READ_MAX entries
 * after `after`, in order. */
void act_coord_fence(act_coord_t *c, const char *key, uint64_t epoch, act_coord_cb cb, void *arg);
void act_coord_append(act_coord_t *c, const char *key, uint64_t epoch, uint64_t seq,
                      const void *data, size_t len, act_coord_cb cb, void *arg);
void act_coord_read(act_coord_t *c, const char *key, uint64_t after, act_coord_cb cb, void *arg);

/* ==== the membership lease and fail-stop ================================= */
/* A node's membership row, kept alive (runtime/src/cluster/lease.c): join,
 * then renew every lease / 3 on the node's loop. Its own clock decides how
 * long the lease is good for: from the moment the last successful renewal
 * was SENT, plus the lease. If no renewal succeeds in time, the node is
 * fenced ACT_LEASE_GUARD before its lease ends — every hook registered
 * with act_coord_on_fenced is called with ACT_LEASE_FENCED and must stop
 * (synchronously, or at least stop acting) everything the node owns
 * through the store: virtual actors, registered names' work, shard writes.
 * So by the time anybody else may take over (lease + margin after they
 * last saw a renewal), this node has stopped: "unreachable" is never a lie.
 * A fenced node keeps trying to join again with the same incarnation:
 * ACT_LEASE_HELD when it is back (owners re-claim; epochs tell them what
 * moved), ACT_LEASE_LOST when another incarnation holds its name (the
 * node must restart with a new one). */
#define ACT_LEASE_GUARD(lease_ms) ((lease_ms) / 5)

typedef enum act_lease_event {
  ACT_LEASE_HELD = 1,     /* joined (or joined again after a fence) */
  ACT_LEASE_FENCED = 2,   /* stop what you own, now */
  ACT_LEASE_LOST = 3      /* the name belongs to another incarnation: restart */
} act_lease_event_t;

typedef void (*act_lease_fn)(void *arg, int event, const char *why);
typedef struct act_lease act_lease_t;

/* Registers a hook for every lease of this process (up to 8; called on
 * the lease's loop thread). Returns 0, or -1 when full. */
int act_coord_on_fenced(act_lease_fn fn, void *arg);
void act_coord_on_fenced_clear(void);
/* Joins `me` to the store and keeps the lease. NULL if out of memory. */
act_lease_t *act_lease_start(struct uv_loop_s *loop, act_coord_t *store,
                             const act_coord_member_t *me, int64_t lease_ms);
/* Leaves the store (others see the name free at once), then frees the
 * lease and calls done (may be NULL) on the loop. */
void act_lease_stop(act_lease_t *l, void (*done)(void *arg), void *arg);
/* What is left of the lease on this node's clock (ms; <= 0: none). */
int64_t act_lease_left_ms(const act_lease_t *l);
/* From now on each renewal stores the fence's time (CLOCK_MONOTONIC ns,
 * ACT_LEASE_GUARD before the lease ends) in *fence_at_ns, and a fence
 * stores 1: threads other than the loop's can check the lease with one
 * load and a clock read (virtual actors check it before each message). */
void act_lease_publish(act_lease_t *l, _Atomic int64_t *fence_at_ns);
/* The fence's time of the last lease held (CLOCK_MONOTONIC ns; 0 if it
 * was never held): what act_lease_publish stored before a fence stored 1. */
int64_t act_lease_fence_ns(const act_lease_t *l);

/* ==== the embedded store: a dqlite node inside a seed node =============== */
typedef struct act_store_node_config {
  uint64_t id;              /* Raft id: the seed's place in the list + 1; 1 bootstraps */
  const char *addr;         /* numeric HOST:PORT the store node listens on */
  const char *dir;          /* its data directory (created 0700 if missing) */
  const char *voters;       /* ids > 1: HOST:PORT,... of store nodes to join through */
  int latency_ms;           /* one-way network latency for Raft's timeouts; 0: dqlite's */
  int64_t join_timeout_ms;  /* 0: 10 s; < 0: start returns at once and the node joins in
                               the background, retrying until it is in (seeds that start
                               at different times) */
  const char *bind;         /* where dqlite listens if not at addr ("@NAME": an abstract
                               unix socket only this process can reach); NULL: addr */
  int (*connect)(void *arg, const char *addr, int *fd);   /* how it dials peers; NULL: TCP */
  void *connect_arg;
} act_store_node_config_t;
typedef struct act_store_node act_store_node_t;

/* Starts the node on dqlite's own thread and, for ids > 1, joins it to the
 * voters before returning. NULL with err if it cannot (or if this runtime
 * was built without libdqlite-dev). */
act_store_node_t *act_store_node_start(const act_store_node_config_t *cfg, char *err, size_t cap);
void act_store_node_stop(act_store_node_t *s);
int act_store_node_available(void);

#endif
