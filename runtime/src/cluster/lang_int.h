/* lang_int.h: what the files of the language layer share — remote.c
 * (references, the envelope, sends and replies, monitors, node events),
 * rspawn.c (spawn on a node, supervision of remote children), rname.c
 * (names across nodes), declare.c (declared types, node values).
 *
 * A reference is (node, node incarnation, actor id); the id is unique in
 * the cluster: (the incarnation of the node that made it, a serial), so a
 * spawner can name the actor it asks another node to start. */
#ifndef ACT_CLUSTER_LANG_INT_H
#define ACT_CLUSTER_LANG_INT_H

#include <pthread.h>

#include "act/cluster.h"
#include "rt/rt.h"

typedef struct act_aid {
  uint64_t creator, serial;
} act_aid_t;

/* The envelope's first byte. */
enum {
  RK_TELL = 1,     /* aid, sender ref, msg id, body */
  RK_ASK = 2,      /* aid, sender ref, ask id, msg id, body */
  RK_REPLY = 3,    /* ask id, ok, body or reason */
  RK_SPAWN = 4,    /* aid, temporary (u8), type name, parameters: the sender supervises it */
  RK_STOP = 5,     /* aid [, reason: a child held after its fault ends with it] */
  RK_MONITOR = 6,  /* aid: the sender wants RK_DOWN when it ends */
  RK_DOWN = 7,     /* aid, reason */
  RK_CLAIM = 8,    /* request id, name, holder ref */
  RK_CLAIMED = 9,  /* request id, granted */
  RK_RELEASE = 10, /* name: the sender's claim is void */
  RK_WHERE = 11,   /* request id, name */
  RK_HERE = 12,    /* request id, found, [ref] */
  RK_VMSG = 13,    /* epoch, ask id (0: a tell), type name, key, sender ref, msg id, body:
                      to the owner of the key's shard at that epoch (virtual/vcluster.c) */
  RK_VSTALE = 14,  /* a whole RK_VMSG envelope, refused: not the owner at its epoch */
  /* A supervised child and its supervisor's node (rspawn.c): the child
   * waits held on its node, its mailbox kept, for the supervisor's word. */
  RK_FAILED = 15,  /* aid, reason: the child faulted and is held */
  RK_HELD = 16,    /* aid: the child stopped for its group's restart (RK_HOLD) */
  RK_RESTART = 17, /* aid: start the held child again, in place */
  RK_HOLD = 18,    /* aid: stop the child for its group's restart, keep it held */
  RK_LAST = RK_HOLD
};

/* A reference to an actor on another node. Sends to it are encoded and
 * go to its node; it ends (AF_DEAD, Down to its watchers) when its node
 * says so or is lost. A child spawned there keeps what it takes to
 * restart it (its type and encoded parameters). */
typedef struct act_proxy {
  act_actor_t base;           /* flags: AF_REMOTE */
  act_actor_type_t ptype;     /* base.type: the remote actor's type name */
  act_str_t *node;            /* interned (act__node_value) */
  act_actor_t *gate;          /* its node's backpressure gate (remote.c) */
  uint64_t inc;
  act_aid_t id;               /* (0, 0): the node itself (Down and replies
                                 to watchers and askers outside any actor) */
  /* supervision (rspawn.c), under act__lang_mu */
  const act_remote_actor_t *spawn_type;
  uint8_t *params;
  size_t nparams;
  int restart;
  act_actor_t *local;         /* restarted on this node: sends go there */
  act_actor_t *stop_req;      /* a supervisor waiting for its stop */
  int stopping;
  /* a group restart (one_for_all, rest_for_one) holding it: stopped on
   * its node, then AF_HELD until the supervisor's CTL_RESTART */
  act_actor_t *hold_req;
  uint32_t hold_token;
  int holding;
  int lost;                   /* held after its node was lost: restart here */
  int waiting;                /* held on its node (RK_FAILED, RK_HELD): restarted
                                 there in place, same id, its mail kept */
} act_proxy_t;

static inline act_proxy_t *act__proxy(act_actor_t *a) { return (act_proxy_t *)a; }

extern pthread_mutex_t act__lang_mu;   /* the tables and proxies' state */

/* remote.c */
act_proxy_t *act__proxy_get(const char *node, uint64_t inc, act_aid_t id, const char *type);
act_proxy_t *act__node_proxy(const char *node, uint64_t inc);
act_aid_t act__export(act_actor_t *a);          /* this node's id for a local actor */
act_aid_t act__fresh_aid(void);
void act__export_as(act_actor_t *a, act_aid_t id);
act_actor_t *act__exported(act_aid_t id);
void act__proxy_rekey(act_proxy_t *p, act_aid_t id);
act_proxy_t *act__proxy_of(act_aid_t id);       /* NULL: no proxy has that id */
/* Encoding with refs and nodes (sets the codec extension meanwhile):
 * false if v holds something that cannot cross (*what: "a timer"). */
bool act__wire_encode(act_buf_t *b, const act_type_t *t, const void *v, const char **what);
bool act__wire_decode(act_reader_t *r, const act_type_t *t, void *v);
/* flat.c: a struct of numbers and bools without the codec's walk, in its
 * layout. put: false (nothing written) if t is not such a struct; get: -1
 * if it is not, 0 if the input is malformed (r->err), 1 when read. */
bool act__flat_put(act_buf_t *b, const act_type_t *t, const void *v);
int act__flat_get(act_reader_t *r, const act_type_t *t, void *v);
void act__put_u8(act_buf_t *b, uint8_t x);
void act__patch_u64(char *at, uint64_t x);
void act__put_u64(act_buf_t *b, uint64_t x);
void act__put_aid(act_buf_t *b, act_aid_t id);
void act__put_cstr(act_buf_t *b, const char *s);
bool act__get_u8(act_reader_t *r, uint8_t *x);
bool act__get_u64(act_reader_t *r, uint64_t *x);
bool act__get_aid(act_reader_t *r, act_aid_t *id);
bool act__get_str(act_reader_t *r, act_str_t **s);
/* An envelope starts here (remote.c: this thread's reused block) and is
 * sent with act__send_env (copied; dropped if the node is not connected). */
void act__env_begin(act_buf_t *b);
int act__send_env(const char *node, const act_buf_t *b);
/* A proxy's actor is gone: AF_DEAD, its watchers get Down(who, reason),
 * a supervisor waiting for its stop is answered, and a supervised child
 * that failed is handed to rspawn.c. */
void act__proxy_ended(act_proxy_t *p, act_str_t *reason, int lost);
void act__proxy_dead(act_proxy_t *p, act_str_t *reason);   /* AF_DEAD, no Down */
act_str_t *act__unreachable(void);   /* the reason "unreachable" */
void act__log_drop(const char *from, const char *what, const char *why);

/* A tell or ask after its address (sender, message id, body): false if it
 * cannot cross (a handler faults). An ask is tracked by act__ask_new (0:
 * a tell), answered from `node`; act__ask_moved says it is now answered
 * from another node (0: no longer pending); act__ask_fail fails it. */
bool act__env_put_msg(act_ctx_t *cx, act_buf_t *b, act_msg_t *m, const act_remote_msg_t **rm);
act_msg_t *act__env_get_msg(const char *from, act_reader_t *r, uint64_t ask);
uint64_t act__ask_new(act_msg_t *m, const act_remote_msg_t *rm, act_str_t *node);
int act__ask_moved(uint64_t ask, const char *node);
void act__ask_fail(act_ctx_t *cx, uint64_t ask, const char *why);
int act__ask_take(uint64_t ask, act_future_t **f, act_actor_t **asker);   /* 0: not pending */
void act__refuse_ask(const char *node, uint64_t ask, const char *why);
/* act__send_env, and a handler that overfilled the node's link pauses. */
int act__send_env_from(act_ctx_t *cx, const char *node, const act_buf_t *b);

/* rspawn.c */
void act__on_spawn(const char *from, act_reader_t *r);
/* A supervised remote child failed (lost: with its node): 1 if it was
 * restarted (the proxy lives on), 0 if it ends. */
int act__child_ended(act_proxy_t *p, act_str_t *reason, int lost);
/* It ended because a group restart stopped it: 1 if it is held for the
 * restart (the plan is answered), 0 if it was not being held. */
int act__child_held(act_proxy_t *p, act_str_t *reason, int lost);
/* RK_STOP, on the actor's node. */
void act__on_stop(const char *from, act_reader_t *r);
/* RK_FAILED, RK_HELD, RK_RESTART, RK_HOLD (both sides). */
void act__on_child(const char *from, int kind, act_reader_t *r);
/* A ctl message to a node's own proxy: what a child of that node's
 * supervisor, held here, reports (CTL_CHILD_FAILED, CTL_PLAN_ACK). */
void act__guest_report(act_proxy_t *node, act_ctl_t *c);
/* The node is lost: children it supervised that wait held here stop. */
void act__guests_node_down(const char *node);

/* rname.c */
void act__on_names(const char *from, int kind, act_reader_t *r);
void act__names_node_down(const char *node);
/* Asks only `node` for the actor it registered under name (NULL: none). */
act_actor_t *act__remote_where(act_ctx_t *cx, const char *node, act_str_t *name);

/* cnames.c: names kept in the coordination store. start (before the
 * loop runs), joined and stop run on the node's loop (nodestore.c); the
 * rest on any thread. act__cnames_on: the store keeps this node's names. */
void act__cnames_start(struct uv_loop_s *loop, act_coord_t *store, int64_t lease_ms);
void act__cnames_joined(void);
void act__cnames_stop(void);
int act__cnames_on(void);
bool act__cnames_register(act_ctx_t *cx, act_actor_t *a, act_str_t *name);
void act__cnames_unregister(act_str_t *name);
act_actor_t *act__cnames_lookup(act_ctx_t *cx, act_str_t *name);
void act__cnames_released(const char *node, act_str_t *name);   /* RK_RELEASE from node */
void act__cnames_node_down(const char *node);

/* declare.c */
const act_remote_msg_t *act__msg_by_id(uint32_t id);
const act_remote_actor_t *act__actor_by_name(const char *name, size_t len);
act_str_t *act__node_value(const char *name);   /* interned */

#endif
