/* cluster_int.h: what the cluster's own files share. */
#ifndef ACT_CLUSTER_INT_H
#define ACT_CLUSTER_INT_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "act/cluster.h"

/* ---- tls.c ---- */
typedef struct act_tls act_tls_t;
/* PSK mode: the key is HKDF-SHA256 of the cookie file's contents, bound to
 * the cluster name. The file must be a regular file of 1..4096 bytes that
 * its owner alone can read. */
act_tls_t *act__tls_psk(const char *cookie_file, const char *cluster, char *err, size_t cap);
act_tls_t *act__tls_cert(const char *cert, const char *key, const char *ca, char *err, size_t cap);
SSL *act__tls_ssl(act_tls_t *t, int server);
void act__tls_free(act_tls_t *t);
/* The first OpenSSL error in the thread's queue as text (and clears it). */
const char *act__tls_error(char *buf, size_t cap);

/* ---- tlsio.c: the bytes under a connection's TLS ---- */
typedef struct act_tlsio {
  const uint8_t *in;           /* ciphertext received, not yet read by TLS */
  size_t in_len;
  int in_carry;                /* in points into carry */
  uint8_t *carry;              /* what TLS left unread, kept for the next read */
  size_t carry_len, carry_cap;
  uint8_t *out;                /* records TLS wrote, not yet given to libuv */
  size_t out_len, out_cap;
} act_tlsio_t;
/* One BIO for both directions over io (which must outlive it); NULL
 * without memory. */
BIO *act__tlsio_bio(act_tlsio_t *io);
/* Bytes just received, for TLS to read (p must stay valid until
 * act__tlsio_keep); -1 when too much waits unread. */
int act__tlsio_feed(act_tlsio_t *io, const uint8_t *p, size_t n);
/* After TLS has read what it could: keeps the rest; -1 without memory. */
int act__tlsio_keep(act_tlsio_t *io);
/* The records written so far, handed over (malloc'd, free it); NULL if none. */
uint8_t *act__tlsio_take(act_tlsio_t *io, size_t *n);
/* The first n bytes of the records have been written: forgets them. */
void act__tlsio_drop(act_tlsio_t *io, size_t n);
void act__tlsio_free(act_tlsio_t *io);

/* ---- node.c: faults the tests inject into an otherwise honest node ---- */
typedef struct act_cluster_faults {
  uint16_t version;   /* nonzero: claim this protocol version in hellos */
  int oversize;       /* after the handshake, send a frame header over the limit */
} act_cluster_faults_t;
extern act_cluster_faults_t act__cluster_faults;

int64_t act__cluster_now(void);   /* CLOCK_MONOTONIC, ns */
/* The hooks a compiled program uses, unless a test installed its own. */
void act__cluster_default_hooks(act_cluster_event_fn ev, act_cluster_message_fn msg, void *arg);

/* ---- conn.c: one TCP connection, TLS inside, frames inside that ---- */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

typedef struct act_node act_node_t;
typedef struct act_peer act_peer_t;

enum { C_CONNECTING, C_TLS, C_HELLO, C_UP, C_CLOSING };

typedef struct act_outmsg {   /* a message being sent in fragments */
  struct act_outmsg *next;
  size_t len, off, end;         /* message bytes; data[off..end) is still to go */
  int batch;                    /* data holds whole frames, one message each */
  const uint8_t *data;          /* inside block */
  void *block;                  /* malloc'd; freed once the message is sent or dropped */
} act_outmsg_t;

typedef struct act_conn {
  uv_tcp_t tcp;
  uv_connect_t connect;
  act_node_t *node;
  struct act_conn *next;          /* in node->conns */
  SSL *ssl;
  act_tlsio_t io;                 /* TLS's bytes: network -> TLS, TLS -> network (tlsio.c) */
  int state, outgoing, kind;
  int64_t deadline;               /* the handshake must be over by then */
  struct sockaddr_storage sa;     /* the other end */
  char remote[ACT_ADDR_MAX + 1];  /* the other end, for the log */
  act_hello_t theirs;
  act_peer_t *peer;               /* once the handshake is over */
  uint8_t *in;                    /* plaintext not yet framed */
  size_t inlen;
  act_reasm_t reasm;
  act_outmsg_t *out_head, *out_tail;
  uint8_t *stage;                 /* frames not yet given to TLS (conn.c) */
  size_t stage_len, stage_cap;
  size_t sent;                    /* message bytes sent, not yet reported (node.c) */
  uint64_t turn;                  /* the loop's turn when turn_bytes began */
  size_t turn_bytes;              /* fragment bytes sealed in that turn */
  size_t turn_read;               /* bytes read in that turn */
  int read_paused;                /* reading stopped for the rest of the turn */
  /* A worker may write an ask or a reply straight to the socket
   * (act__conn_direct) while the loop has nothing on its way: `idle`,
   * set by the loop under wmu only when nothing is staged, queued or in a
   * libuv write. wmu also keeps the SSL (both directions) to one thread. */
  pthread_mutex_t wmu;
  _Atomic int idle;
  int writing;                    /* libuv writes not yet done (under wmu) */
  int fd;                         /* the socket, once started */
} act_conn_t;

act_conn_t *act__conn_new(act_node_t *n, int outgoing, int kind);
/* Outgoing: connect to sa; incoming: accept from the listener. */
int act__conn_dial(act_conn_t *c, const struct sockaddr *sa);
int act__conn_accept(act_conn_t *c, uv_stream_t *listener);
/* One frame of at most ACT_FRAME_MAX bytes, ahead of queued fragments. */
void act__conn_frame(act_conn_t *c, uint8_t type, const void *p, size_t n);
/* A message of any size up to ACT_MESSAGE_MAX, sent in fragments; a
 * small one may wait in the stage until act__conn_flush. block, when not
 * NULL, is the malloc'd block that holds p: the connection takes it over
 * (whatever happens) instead of copying the message, so a large one costs
 * the loop no copy. */
int act__conn_message(act_conn_t *c, const void *p, size_t n, void *block);
void act__conn_flush(act_conn_t *c);
/* Small messages already framed (ACT_FR_MSG frames of one message each;
 * `used` bytes in all, `bytes` of messages; a few tens of KB at most),
 * staged or queued as one: the connection takes block over. */
int act__conn_batch(act_conn_t *c, void *block, const uint8_t *frames, size_t used, size_t bytes);
/* From any thread, with c->wmu held (it is released here): a message of
 * at most ACT_DIRECT_MAX bytes framed, sealed and written to the socket
 * at once if the connection is idle. 1: written; 0: in part, the loop
 * must be woken to write the rest; -1: not idle, nothing done. */
#define ACT_DIRECT_MAX 4096u
int act__conn_direct(act_conn_t *c, const void *p, size_t n);
/* Queued fragments onward, as far as this turn's share allows. */
void act__conn_pump(act_conn_t *c);
/* Reading again after a turn's share (the node's wake calls it). */
void act__conn_resume(act_conn_t *c);
/* Sends a REFUSE or BYE frame with the reason (unless type is 0), then closes. */
void act__conn_close(act_conn_t *c, uint8_t type, const char *why);
void act__addr_text(const struct sockaddr *sa, char *out, size_t cap);

/* ---- node.c: what conn.c reports to the node ---- */
void act__node_hello(act_conn_t *c);                            /* handshake over */
/* Refuses (and closes) c if its hello is from a quarantined incarnation:
 * 1 then. The listener asks before it answers the hello, so that such a
 * dialler reads the refusal (when both sides quarantined each other, each
 * would otherwise refuse the other's hello and neither would read why). */
int act__node_refuses(act_conn_t *c);
/* A peer refused this node with WHY (LEN bytes, from its REFUSE frame). */
void act__node_refused(act_conn_t *c, const char *why, size_t len);
/* The refusal of a quarantined incarnation (node.c sends it, and a node
 * with a store that receives it stops: see act__nodestore_quarantined). */
#define ACT_REFUSE_QUARANTINED "this node was declared unreachable by the cluster; restart it to rejoin"
void act__node_frame(act_conn_t *c, const act_frame_t *f);      /* after it */
void act__node_message(act_conn_t *c, const uint8_t *p, size_t n);
void act__node_heard(act_conn_t *c);   /* frames came in: the peer is alive */
void act__node_closed(act_conn_t *c);                           /* about to be freed */
void act__node_sent(act_conn_t *c, size_t n);   /* a message of n bytes left the queue */
/* act_cluster_send for a message someone waits on (an ask, a reply):
 * written by the calling thread when the connection is idle, saving the
 * two thread hand-overs of the loop; otherwise as act_cluster_send. */
int act__cluster_send_now(const char *node, const void *p, size_t n);
void act__node_report(act_conn_t *c);   /* ... tell the senders now (they may be paused) */
void act__node_dropped(act_conn_t *c, size_t n);   /* ... or was dropped with c (freed next) */
const act_hello_t *act__node_me(act_node_t *n, int kind);
act_tls_t *act__node_tls(act_node_t *n);
uv_loop_t *act__node_loop(act_node_t *n);
/* Counts the loop's turns, so that a connection can bound its work in one. */
uint64_t act__node_turn(act_node_t *n);
/* A connection has queued fragments left for a later turn. */
void act__node_more(act_node_t *n);
/* The node's loop, run by two threads in turn (baton.c). */
typedef struct act_baton {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int held;                 /* a thread is in uv_run */
  int ended;                /* the loop has nothing left: both threads leave */
  int quit;                 /* the loop ends with handles left (act__baton_quit) */
  int ticking;              /* the standby looks by itself soon: no need to wake it */
  int64_t hot_until;        /* arrivals ran off the loop lately: the standby ticks */
  _Atomic int standby;      /* threads waiting to take the loop */
} act_baton_t;
void act__baton_init(act_baton_t *b);
/* A loop thread's body: take the loop when free, run it until stopped,
 * release it, run what asked for the stop (act__baton_on_released). */
void act__baton_run(act_baton_t *b, uv_loop_t *loop);
/* From a callback on the loop: if the other thread stands by, end this
 * turn, hand the loop over, and call the released hook off the loop
 * (1); else 0 and nothing changes. */
int act__baton_yield(act_baton_t *b, uv_loop_t *loop);
void act__baton_on_released(void (*fn)(void));
/* From a callback on the loop: end the loop for good although handles
 * are left (a leave the store did not answer in time), where a bare
 * uv_stop would read as a hand-over and the loop would run on. */
void act__baton_quit(act_baton_t *b, uv_loop_t *loop);
/* act__baton_quit on this process's node's loop; uv_stop on another. */
void act__cluster_loop_quit(uv_loop_t *loop);
/* act__baton_yield on this process's node (remote.c); 0 without one. */
int act__cluster_yield(void);
/* The store's live members (nodestore.c, on the loop): a peer seen there
 * before and missing now has let its lease lapse — it is unreachable. */
void act__node_store_members(act_node_t *n, const act_coord_member_t *m, size_t count);

/* ---- nodestore.c: the node's membership in the coordination store ---- */
/* A fenced node, or one whose name another incarnation holds, exits with
 * this status (EX_TEMPFAIL: restart it, as a new incarnation). */
#define ACT_EXIT_FENCED 75
typedef struct act_nodestore act_nodestore_t;
/* Opens the store on the node's loop (before the loop thread runs) and
 * starts the lease; NULL with err on failure. */
act_nodestore_t *act__nodestore_start(act_node_t *n, uv_loop_t *loop, const char *url,
                                      int64_t lease_ms, char *err, size_t cap);
/* A peer refused this node as declared unreachable (BY: its address), on
 * the loop: the node stops as a fenced one does. Its lease in the store
 * would otherwise keep its shards, which that peer will never reach again
 * (virtual mail for them waits for ever). */
void act__nodestore_quarantined(act_nodestore_t *s, const char *by);
/* Leaves the store and closes it, on the loop (frees itself). A store
 * that has not answered within ACT_NODESTORE_LEAVE_MS is left behind:
 * the loop stops (uv_stop), so the process's exit never waits for it. */
#define ACT_NODESTORE_LEAVE_MS 3000
void act__nodestore_leave(act_nodestore_t *s);
/* store_embed.c: cfg->store as a URL for act__nodestore_start ("" for
 * none); "embedded" starts this node's part of the seeds' store. 0, or -1
 * with err. */
int act__store_embed(act_node_t *n, const act_cluster_config_t *cfg, char *url, size_t ucap,
                     char *err, size_t cap);
/* A clean leave of a seed that runs the embedded store: its voter is
 * removed (the lead handed on first), within ACT_STORE_LEAVE_MS; called
 * after the node's loop ended. Nothing without an embedded store. */
#define ACT_STORE_LEAVE_MS 3000
void act__store_embed_leave(void);
/* store_node.c: does any of these stores (HOST:PORT,...) have a leader,
 * within timeout_ms? And the leave itself: 1 if the node's voter was
 * removed, 0 with why if not; the dqlite node is stopped either way. */
typedef struct act_store_node act_store_node_t;
int act__store_probe(const char *servers, int64_t timeout_ms);
/* One store: *answered: did it answer `who leads` at all within the
 * time (it runs and is reachable); 1 if it named a leader by then. One
 * without a leader also says how many members its own configuration has
 * (*members: 0 if it never belonged to a store, -1 if unknown). */
int act__store_probe_one(const char *server, int64_t timeout_ms, int *answered, int *members);
int act__store_node_leave(act_store_node_t *s, int64_t timeout_ms, char *why, size_t cap);

#endif
