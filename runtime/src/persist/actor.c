/* actor.c: persistent actors on top of the journal (LANGUAGE.md §9).
 *
 * The runtime opens the journal at start when generated code declared a
 * schema (act_persist_schema, from module constructors), starts the
 * group-commit writer, and gives generated code four calls: recover in
 * start, queue an event (a future that completes once the event is
 * durable: the handler suspends on it, so the actor takes no other message
 * meanwhile and no worker thread waits), check the outcome, and take a
 * snapshot every N events. */
#define GC_THREADS
#include <gc/gc.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/cluster.h"
#include "act/persist.h"
#include "cluster/remote.h"
#include "rt/rt.h"

static act_journal_type_t *schema;
static size_t nschema, capschema;
static const char *opt_path, *opt_sync;
/* A journal and its writer. A program has one, but for a node with a
 * coordination store and no --act-journal: there persistent virtual
 * actors journal in the store (LANGUAGE.md §9: shared and fenced, so a
 * key's state moves with it) and the others in the local file, which only
 * this node writes. */
typedef struct jr {
  act_journal_t *j;
  act_journal_writer_t *w;
  bool shared;   /* opened shared: written by several nodes, under fences */
} jr_t;
static jr_t jrs[2];
static jr_t *plain_jr, *virt_jr;   /* NULL: that kind of actor has no journal */
static size_t nvirt, nplain;       /* persistent actor types of each kind */
/* Writes queued and not yet answered: the program is not quiescent while
 * the journal still owes an actor its answer. */
static _Atomic int inflight;

int act__persist_inflight(void) { return atomic_load(&inflight); }

static void write_finished(void) {
  if (atomic_fetch_sub(&inflight, 1) == 1) act__quiescence_check();
}

void act_persist_schema(const act_persist_schema_t *types, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (nschema == capschema) {
      capschema = capschema ? capschema * 2 : 16;
      schema = realloc(schema, sizeof *schema * capschema);
      if (schema == NULL) abort();
    }
    act_journal_type_t *t = &schema[nschema++];
    t->kind = types[i].kind == 1 ? ACT_JOURNAL_EVENT : ACT_JOURNAL_STATE;
    if (types[i].kind == 2) ++*(types[i].virt ? &nvirt : &nplain);
    t->name = types[i].name;
    t->fingerprint = act_journal_fingerprint(types[i].canonical, strlen(types[i].canonical));
  }
}

void act__persist_options(const char *path, const char *sync) {
  if (path) opt_path = path;
  if (sync) opt_sync = sync;
}

ACT_NORETURN static void fatal(const char *msg) {
  act__logf("act: %s\n", msg);
  act__virtual_exit();   /* the activation log says its activations ended */
  _exit(1);
}

static void writer_thread_start(void *arg) {
  (void)arg;
  struct GC_stack_base sb;
  GC_get_stack_base(&sb);
  GC_register_my_thread(&sb);
}

static void writer_thread_stop(void *arg) {
  (void)arg;
  GC_unregister_my_thread();
}

static void journal_warn(void *arg, const char *msg) {
  (void)arg;
  act__logf("act: warning: %s\n", msg);
}

static void open_jr(jr_t *jr, char *path, const char *argv0, act_journal_config_t cfg) {
  cfg.location = path;
  /* The program's name, as in the default journal path: a journal another
   * program wrote is refused rather than adopted (PERSIST.md). */
  const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
  cfg.program = slash && slash[1] ? slash + 1 : argv0 && *argv0 ? argv0 : "act";
  cfg.types = schema;
  cfg.ntypes = nschema;
  /* Nodes of a cluster share a journal that fences (PostgreSQL, dqlite): each
   * persistent virtual actor writes only under the epoch it activated at. */
  cfg.shared = jr->shared = act_cluster_running() && act_journal_backend(path)->fence != NULL;
  act_journal_err_t err;
  if (act_journal_open(act_journal_backend(path), &cfg, &jr->j, &err) != ACT_JOURNAL_OK) {
    /* Nodes started side by side in one directory (a first cluster on one
     * machine) meet here: each node's persistent actors are its own. */
    if (err.code == ACT_JOURNAL_EBUSY && act_cluster_running()) {
      char m[700];
      snprintf(m, sizeof m, "%s: is another node running in this directory? Give each node its "
               "own --act-journal", err.msg);
      fatal(m);
    }
    fatal(err.msg);
  }
  jr->j->warn = journal_warn;
  act_journal_writer_opts_t o;
  memset(&o, 0, sizeof o);
  o.thread_start = writer_thread_start;
  o.thread_stop = writer_thread_stop;
  jr->w = act_journal_writer_start(jr->j, &o, &err);
  if (jr->w == NULL) fatal(err.msg);
}

void act__persist_start(const char *argv0) {
  if (nschema == 0 || plain_jr || virt_jr) return;   /* no persistent actors: no file */
  const char *sync = opt_sync ? opt_sync : getenv("ACT_JOURNAL_SYNC");
  act_journal_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  if (sync && strcmp(sync, "full") == 0) cfg.sync = ACT_JOURNAL_SYNC_FULL;
  else if (sync && *sync && strcmp(sync, "normal") != 0) {
    char m[300];
    snprintf(m, sizeof m, "--act-journal-sync takes `normal` or `full`, not `%.200s`", sync);
    fatal(m);
  }
  const char *env = getenv("ACT_JOURNAL");
  const char *url = act__store_url();
  bool chosen = (opt_path && *opt_path) || (env && *env);
  if (!chosen && nvirt > 0 && act_cluster_running() && url && *url) {
    char *in_store = strdup(url);
    if (in_store == NULL) fatal("out of memory");
    open_jr(&jrs[1], in_store, argv0, cfg);
    virt_jr = &jrs[1];
    if (nplain == 0) return;   /* no local file for a node that needs none */
  }
  char *path = act_journal_default_path(argv0, opt_path);
  if (path && strcmp(path, "store") == 0) {
    /* The node's own coordination store (dqlite, or PostgreSQL), which
     * every node of the cluster reaches. */
    if (!act_cluster_running() || url == NULL || !*url)
      fatal("--act-journal store: this program runs no node with a coordination store "
            "(--act-node with --act-seeds or --act-store)");
    free(path);
    path = strdup(url);
  }
  if (path == NULL) fatal("out of memory");
  open_jr(&jrs[0], path, argv0, cfg);
  plain_jr = &jrs[0];
  if (virt_jr == NULL) virt_jr = plain_jr;
}

/* ---- per actor ----------------------------------------------------------- */

typedef struct pstate {
  char *pid;
  size_t pid_len;
  int64_t seq;        /* the last event written (or queued) */
  int64_t snap_seq;   /* the event the newest snapshot covers */
  int64_t epoch;      /* a virtual actor's shard epoch in a shared journal: its fence (0: none) */
  jr_t *jr;           /* its journal */
} pstate_t;

static pstate_t *state_of(act_actor_t *self, const act_persist_type_t *pt) {
  act_rt_t *rt = act__rt(self);
  pstate_t *ps = rt->persist;
  if (ps) return ps;
  act_buf_t k;
  act_buf_init(&k);
  pt->key(&k, self);
  size_t cap = strlen(pt->name) + (size_t)k.len + 2;
  ps = act_alloc(sizeof *ps);
  ps->pid = act_alloc_atomic(cap);
  ps->pid_len = act_journal_pid(ps->pid, cap, pt->name, k.p, (size_t)k.len);
  ps->jr = plain_jr ? plain_jr : virt_jr;   /* act_persist_recover says which */
  rt->persist = ps;
  return ps;
}

/* Recovery runs inside the journal's replay callbacks: an `apply` that
 * faults must not unwind through SQLite, so each call is guarded and the
 * fault re-raised once the journal is done. */
typedef struct recover_arg {
  act_ctx_t *cx;
  act_actor_t *self;
  const act_persist_type_t *pt;
  const pstate_t *ps;
  act_reader_t r;
  const char *type;
  int rc;
  act_str_t *fault;
  char msg[512];
} recover_arg_t;

static int on_snapshot(void *arg, int64_t seq, const char *type, uint64_t fp, const void *data,
                       size_t len) {
  (void)type;
  (void)fp;
  recover_arg_t *a = arg;
  act_reader_t r = act_reader(data, len);
  if (!a->pt->dec_state(&r, a->self) || r.p != r.end) {
    snprintf(a->msg, sizeof a->msg, "journal %s: the snapshot of `%s` at event %lld cannot be decoded",
             a->ps->jr->j->location, a->ps->pid, (long long)seq);
    return 1;
  }
  return 0;
}

static void replay_one(void *arg) {
  recover_arg_t *a = arg;
  a->rc = a->pt->replay(a->cx, a->self, a->type, &a->r);
}

static int on_event(void *arg, const char *pid, size_t pid_len, int64_t seq, const char *type,
                    const void *data, size_t len) {
  (void)pid;
  (void)pid_len;
  recover_arg_t *a = arg;
  a->r = act_reader(data, len);
  a->type = type;
  if (act__guarded(a->cx, replay_one, a, &a->fault)) {
    snprintf(a->msg, sizeof a->msg, "replaying event %lld (%s) of `%s`", (long long)seq, type,
             a->ps->pid);
    return 2;
  }
  if (a->rc == -2 || (a->rc == 0 && a->r.p != a->r.end) || a->rc == -1) {
    snprintf(a->msg, sizeof a->msg, "journal %s: event %lld of `%s` (%s) %s", a->ps->jr->j->location,
             (long long)seq, a->ps->pid, type,
             a->rc == -2 ? "is of a type this actor does not declare" : "cannot be decoded");
    return 1;
  }
  return 0;
}

void act_persist_recover(act_ctx_t *cx, act_actor_t *self, const act_persist_type_t *pt) {
  /* An activation at epoch E fences its key first: a stale owner's writes
   * are refused from now on, and what it committed before is read below. */
  int64_t epoch = (int64_t)act__virtual_epoch(self);
  jr_t *jr = epoch > 0 || plain_jr == NULL ? virt_jr : plain_jr;
  if (jr == NULL) fatal("a persistent actor started but no journal is open");
  pstate_t *ps = state_of(self, pt);
  ps->jr = jr;
  bool shared = jr->shared;
  recover_arg_t a;
  memset(&a, 0, sizeof a);
  a.cx = cx;
  a.self = self;
  a.pt = pt;
  a.ps = ps;
  act_journal_recovery_t out;
  act_journal_err_t err;
  if (epoch > 0 && !shared)   /* its state would stay on the node it left */
    act_fail(cx, act_str_from_cstr("a persistent virtual actor on a cluster needs a journal "
                                   "the nodes share: --act-journal store (the cluster's store) or "
                                   "postgres://..."), NULL);
  if (epoch > 0 && shared) {
    /* From here to the recovery's end the worker waits on the journal
     * (replaying events into fields nobody reads yet), then on the lease's
     * gate: no handler or init of the activation runs past its lease. */
    if (jr->j->ops->fence(jr->j, ps->pid, ps->pid_len, epoch, &err) != ACT_JOURNAL_OK)
      act_fail(cx, act_str_from_cstr(err.msg), NULL);
    ps->epoch = epoch;
  }
  int rc = act_journal_recover(jr->j, ps->pid, ps->pid_len, on_snapshot, on_event, &a, &out, &err);
  if (epoch > 0 && shared && atomic_load(&act__vlease_fence_at) != 0) act__vlease_wait(self);
  if (rc == 2 && a.fault) {
    /* An `apply` faulted during replay: the actor's supervisor decides. */
    char m[1024];
    snprintf(m, sizeof m, "%s: %.*s", a.msg, (int)act_str_len(a.fault), act_str_data(a.fault));
    act_fail(cx, act_str_from_cstr(m), NULL);
  }
  /* A virtual key's shared journal that cannot be read now (PostgreSQL
   * restarting, say) fails this activation only, as a failed fence does:
   * the key's next message activates it again. Ending the node would end
   * every other activation and hold its shards until its lease lapsed. */
  if (rc != ACT_JOURNAL_OK && epoch > 0)
    act_fail(cx, act_str_from_cstr(a.msg[0] ? a.msg : err.msg), NULL);
  if (rc != ACT_JOURNAL_OK) fatal(a.msg[0] ? a.msg : err.msg);
  ps->seq = out.last_seq;
  ps->snap_seq = out.snapshot_seq;
}

/* ---- persist ------------------------------------------------------------- */

/* The future comes first: the suspended handler's frame points at it, which
 * keeps the whole request (and the bytes it points to) alive for the
 * collector while the writer holds it. */
typedef struct persist_op {
  struct act_future f;
  act_journal_req_t req;
  act_actor_t *actor;
  char *data;
} persist_op_t;

static const act_msg_type_t persisted_type = {"<persisted>", 0, sizeof(act_failure_t), NULL, NULL, 0};

static void event_done(act_journal_req_t *req, int status) {
  persist_op_t *op = req->arg;
  act_failure_t *r = act_alloc(sizeof *r);
  r->h.type = &persisted_type;
  r->h.future = &op->f;
  r->h.flags = MF_REPLY;
  if (status != ACT_JOURNAL_OK) {
    char m[700];
    snprintf(m, sizeof m, "persist %s failed: %s", op->f.msg_name, req->error ? req->error : "journal error");
    r->reason = act_str_from_cstr(m);
    r->h.flags |= MF_FAILED;
  }
  act__push(op->actor, &r->h);   /* queued before the count drops */
  write_finished();
}

act_future_t *act_persist_event(act_ctx_t *cx, const act_persist_type_t *pt, const char *type,
                                act_buf_t *data) {
  /* A virtual activation persists under its lease (rt.h, act__vgate); the
   * journal's fence refuses a stale owner's write besides. */
  act__vgate_check(cx);
  act_actor_t *self = cx->self;
  pstate_t *ps = state_of(self, pt);
  persist_op_t *op = act_alloc(sizeof *op);
  op->f.msg_name = type;
  op->f.target = self;
  op->actor = self;
  op->data = data->p;
  act_journal_req_event(&op->req, ps->pid, ps->pid_len, ++ps->seq, type, data->p, (size_t)data->len,
                        event_done, op);
  op->req.w.epoch = ps->epoch;
  atomic_fetch_add(&inflight, 1);
  act_journal_submit(ps->jr->w, &op->req);
  return &op->f;
}

void act_persist_wait(act_ctx_t *cx, act_future_t *f) { act__rt(cx->self)->awaiting = f; }

void act_persist_check(act_ctx_t *cx, act_future_t *f, const act_loc_t *loc) {
  if (f->state != 1) {
    /* The event may or may not be in the journal: recovery after the
     * restart that this fault leads to finds out. */
    act__rt(cx->self)->persist = NULL;
    act_fail(cx, f->reason ? f->reason : act_str_from_cstr("persist failed"), loc);
  }
}

/* ---- snapshots ----------------------------------------------------------- */

typedef struct snap_op {
  act_journal_req_t req;
  char *data;
  char *pid;
} snap_op_t;

static void snapshot_done(act_journal_req_t *req, int status) {
  snap_op_t *op = req->arg;
  if (status != ACT_JOURNAL_OK)
    act__logf("act: warning: snapshot of `%s` not saved: %s\n", op->pid,
            req->error ? req->error : "journal error");
  GC_FREE(op);
  write_finished();
}

void act_persist_applied(act_ctx_t *cx, const act_persist_type_t *pt) {
  pstate_t *ps = state_of(cx->self, pt);
  if (pt->snapshot_every <= 0 || ps->seq - ps->snap_seq < pt->snapshot_every) return;
  act_buf_t b;
  act_buf_init(&b);
  pt->enc_state(&b, cx->self);
  /* Nothing else points at a snapshot request: it is uncollectable until
   * the writer is done with it. */
  snap_op_t *op = GC_MALLOC_UNCOLLECTABLE(sizeof *op);
  if (op == NULL) return;
  op->data = b.p;
  op->pid = ps->pid;
  act_journal_req_snapshot(&op->req, ps->pid, ps->pid_len, ps->seq, pt->name, b.p, (size_t)b.len,
                           snapshot_done, op);
  op->req.w.epoch = ps->epoch;
  atomic_fetch_add(&inflight, 1);
  act_journal_submit(ps->jr->w, &op->req);
  ps->snap_seq = ps->seq;
}
