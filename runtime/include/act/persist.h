/* act/persist.h: the journal behind persistent actors (LANGUAGE.md §9).
 *
 * Three layers, see runtime/src/persist/PERSIST.md:
 *
 *  1. The journal interface, act_journal_ops_t: one vtable per backend
 *     (embedded SQLite, PostgreSQL). Every backend passes the same test
 *     suite, tests/journal/tck.c, which is written against this vtable.
 *  2. The journal writer, act_journal_writer_t: one thread that takes every
 *     append and snapshot request queued by any thread, writes them in one
 *     transaction (group commit) and then calls each request's `done`.
 *  3. Recovery, act_journal_recover: latest snapshot, then later events.
 *
 * Identity. A persistence id ("pid") is a byte string; the runtime builds it
 * as the actor's type name, ':', then its first parameter as text
 * (act_journal_pid). Sequence numbers of a pid start at 1 and have no gaps:
 * an append must carry highest_seq + 1, anything else is refused with
 * ACT_JOURNAL_ECONFLICT and writes nothing.
 *
 * Types. A program declares every event type and every actor state type it
 * may write (act_journal_type_t: kind, name, fingerprint). The table is
 * recorded at the journal's first open and compared at every later open: a
 * type whose fingerprint differs refuses the open with ACT_JOURNAL_ESCHEMA
 * and a message naming the type. New types are added; types the journal
 * knows but the program does not are kept (an event of such a type found
 * during replay is an ACT_JOURNAL_ESCHEMA error).
 *
 * Fencing (virtual actors, LANGUAGE.md §10; backends with `fence` only). A
 * journal opened `shared` may be written by several processes (nodes) at
 * once, each pid only by the holder of its fence: the owner activating a
 * pid at lease epoch E calls fence(pid, E), which raises the pid's epoch to
 * E (refused with EFENCED if it is already higher), then recovers, then
 * appends with write.epoch = E. A write commits only if the pid's epoch is
 * still E at its commit, checked in the same transaction, so an owner that
 * was paused past its lease cannot write once its successor fenced; its
 * write is refused with EFENCED and writes nothing. Once a pid is fenced,
 * a write without its epoch (0) is refused too.
 *
 * Errors. Every call that can fail returns an act_journal_status value and
 * fills an act_journal_err_t (if not NULL) with the same code and one line
 * that names the journal file and what is wrong.
 *
 * Threads. A journal's functions may be called from any thread, several at
 * once (reads use their own connections; writes are serialised). The
 * writer's `done` callbacks run on the writer thread.
 */
#ifndef ACT_PERSIST_H
#define ACT_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== status and errors ================================================== */

typedef enum act_journal_status {
  ACT_JOURNAL_OK = 0,
  ACT_JOURNAL_NOTFOUND = 1,     /* load_snapshot: this pid has no snapshot */
  ACT_JOURNAL_EIO = -1,         /* the file system or the database failed */
  ACT_JOURNAL_ECORRUPT = -2,    /* truncated or damaged file, bad checksum */
  ACT_JOURNAL_EFOREIGN = -3,    /* the file is not an Act journal */
  ACT_JOURNAL_EVERSION = -4,    /* written by a newer journal format */
  ACT_JOURNAL_ESCHEMA = -5,     /* an event or state type changed */
  ACT_JOURNAL_ECONFLICT = -6,   /* sequence number is not highest + 1 */
  ACT_JOURNAL_EBUSY = -7,       /* another process has the journal open */
  ACT_JOURNAL_EINVAL = -8,      /* bad argument (undeclared type, seq < 1) */
  ACT_JOURNAL_ECLOSED = -9,    /* the writer was stopped */
  ACT_JOURNAL_EFENCED = -10     /* the pid's fence is at another epoch */
} act_journal_status_t;

typedef struct act_journal_err {
  int code;                     /* an act_journal_status_t */
  char msg[512];                /* one line, no trailing newline; "" if OK */
} act_journal_err_t;

/* "ECORRUPT" etc., for tests and logs. */
const char *act_journal_status_name(int status);

/* ==== types, fingerprints, ids =========================================== */

typedef enum act_journal_kind {
  ACT_JOURNAL_EVENT = 1,        /* an `event` declaration */
  ACT_JOURNAL_STATE = 2         /* a persistent actor's `var` fields */
} act_journal_kind_t;

typedef struct act_journal_type {
  act_journal_kind_t kind;
  const char *name;             /* e.g. "Wallet.Credited", "Wallet" */
  uint64_t fingerprint;         /* of the type's definition, see below */
} act_journal_type_t;

/* FNV-1a 64 of a canonical text of the definition, e.g.
 * "event Wallet.Credited(amount: int)". Any 64-bit hash a code generator
 * computes will do; this one is offered so that all agree. */
uint64_t act_journal_fingerprint(const char *canonical, size_t len);

/* CRC-32C (Castagnoli) of data, continuing from crc (start with 0). */
uint32_t act_journal_crc32c(uint32_t crc, const void *data, size_t len);

/* The persistence id of an actor: "<type>:<key>" into out (NUL-terminated,
 * truncated to cap); returns the full length. */
size_t act_journal_pid(char *out, size_t cap, const char *type_name,
                       const char *key, size_t key_len);

/* ==== the journal interface (one per backend) ============================ */

typedef enum act_journal_sync {
  ACT_JOURNAL_SYNC_NORMAL = 0,  /* survives a process crash (default) */
  ACT_JOURNAL_SYNC_FULL = 1     /* survives a power loss: fsync per commit */
} act_journal_sync_t;

typedef struct act_journal_config {
  const char *location;         /* SQLite: the file's path; PostgreSQL: the
                                   postgres:// URL (tables act_journal_* in
                                   the schema its search_path names) */
  act_journal_sync_t sync;
  const act_journal_type_t *types;   /* the program's schema */
  size_t ntypes;
  bool no_create;               /* refuse to create a missing journal */
  /* The program's name (the runtime: its executable's base name), recorded
   * at the first open. A journal recorded for another program is refused
   * (EFOREIGN) unless this program declares one of its persistent actor
   * (ACT_JOURNAL_STATE) types: then it is taken over with a warning (a
   * renamed program). NULL: no check, nothing recorded. */
  const char *program;
  /* Several processes write this journal at once, each pid only under its
   * fence (see Fencing): no journal-wide lock (an exclusive open and a
   * shared one refuse each other with EBUSY), nothing cached between
   * transactions. Backends without `fence` refuse it (EINVAL). */
  bool shared;
} act_journal_config_t;

/* One event of an append. */
typedef struct act_journal_event {
  const char *type;             /* a declared ACT_JOURNAL_EVENT type's name */
  const void *data;             /* encoded by generated code */
  size_t len;
} act_journal_event_t;

typedef enum act_journal_write_kind {
  ACT_JOURNAL_W_EVENTS = 0,     /* append events[0..nevents) at seq.. */
  ACT_JOURNAL_W_SNAPSHOT = 1,   /* save a snapshot taken after event seq */
  ACT_JOURNAL_W_BARRIER = 2     /* writes nothing (writer: a flush point) */
} act_journal_write_kind_t;

/* One unit of a batch: all of it is written or none of it. */
typedef struct act_journal_write {
  act_journal_write_kind_t kind;
  const char *pid;
  size_t pid_len;
  int64_t seq;                  /* EVENTS: the first event's; SNAPSHOT: covered */
  const act_journal_event_t *events;    /* EVENTS */
  size_t nevents;
  const char *type;             /* SNAPSHOT: a declared ACT_JOURNAL_STATE type */
  const void *data;             /* SNAPSHOT: the encoded `var` fields */
  size_t len;
  int64_t epoch;                /* EVENTS, SNAPSHOT: the writer's fence epoch
                                   (0: the pid is not fenced) */
  int status;                   /* out: this write's act_journal_status_t */
} act_journal_write_t;

/* Replay: called once per event in sequence order; data is valid only
 * during the call. Return 0 to go on, anything else to stop (replay then
 * returns that value). */
typedef int (*act_journal_event_fn)(void *arg, const char *pid, size_t pid_len,
                                    int64_t seq, const char *type,
                                    const void *data, size_t len);
/* load_snapshot: called at most once; data is valid only during the call. */
typedef int (*act_journal_snapshot_fn)(void *arg, int64_t seq, const char *type,
                                       uint64_t fingerprint, const void *data,
                                       size_t len);

typedef struct act_journal act_journal_t;

typedef struct act_journal_ops {
  const char *name;             /* "sqlite" */
  /* Opens (creating if absent, unless cfg->no_create), checks the file and
   * the schema. Never modifies a file it refuses. */
  int (*open)(const act_journal_config_t *cfg, act_journal_t **out,
              act_journal_err_t *err);
  void (*close)(act_journal_t *j);
  /* Writes ws[0..n) in one transaction. Each write is checked on its own:
   * a refused one (status ECONFLICT, EINVAL) writes nothing and does not
   * affect the others. Returns OK once the transaction is durable (per
   * cfg->sync); on any other return nothing was written and every
   * ws[i].status holds the error. */
  int (*append)(act_journal_t *j, act_journal_write_t *const *ws, size_t n,
                act_journal_err_t *err);
  /* Events of pid with from_seq <= seq <= to_seq (to_seq < 0: no bound),
   * in order. Checksums are verified (ECORRUPT on a damaged record). */
  int (*replay)(act_journal_t *j, const char *pid, size_t pid_len,
                int64_t from_seq, int64_t to_seq, act_journal_event_fn fn,
                void *arg, act_journal_err_t *err);
  /* Saves a snapshot (one write of kind SNAPSHOT); keeps the two newest. */
  int (*save_snapshot)(act_journal_t *j, const char *pid, size_t pid_len,
                       int64_t seq, const char *type, const void *data,
                       size_t len, act_journal_err_t *err);
  /* The newest snapshot whose checksum holds (a damaged newest one falls
   * back to the one before, with a warning); NOTFOUND if none. */
  int (*load_snapshot)(act_journal_t *j, const char *pid, size_t pid_len,
                       act_journal_snapshot_fn fn, void *arg,
                       act_journal_err_t *err);
  /* The highest event sequence number of pid, 0 if it has none. */
  int (*highest_seq)(act_journal_t *j, const char *pid, size_t pid_len,
                     int64_t *out, act_journal_err_t *err);
  /* Raises pid's fence to epoch (>= 1), durably: OK if it was lower, absent
   * or equal; EFENCED (naming both epochs) if it is higher. NULL: the
   * backend has no fencing (one process per journal). */
  int (*fence)(act_journal_t *j, const char *pid, size_t pid_len, int64_t epoch,
               act_journal_err_t *err);
} act_journal_ops_t;

/* Every backend's journal starts with this. */
struct act_journal {
  const act_journal_ops_t *ops;
  const char *location;         /* for messages: the file's path */
  /* Warnings (e.g. a damaged snapshot skipped): NULL prints to stderr. */
  void (*warn)(void *arg, const char *msg);
  void *warn_arg;
};

/* The embedded SQLite backend (WAL; synchronous NORMAL or FULL). */
extern const act_journal_ops_t act_journal_sqlite_ops;
/* PostgreSQL (libpq; runtime/src/persist/pg.c, PERSIST.md). */
extern const act_journal_ops_t act_journal_pg_ops;
/* The embedded coordination store, dqlite://HOST:PORT,...[/DB]
 * (runtime/src/persist/dq.c): shared by the nodes, fenced. */
extern const act_journal_ops_t act_journal_dqlite_ops;

/* The backend a location names: PostgreSQL for "postgres://" and
 * "postgresql://" URLs, dqlite for "dqlite://", else SQLite. */
const act_journal_ops_t *act_journal_backend(const char *location);

/* Convenience: the same calls through j->ops. */
int act_journal_open(const act_journal_ops_t *ops, const act_journal_config_t *cfg,
                     act_journal_t **out, act_journal_err_t *err);
void act_journal_close(act_journal_t *j);

/* The journal path of a program: opt if set (--act-journal), else env
 * ACT_JOURNAL if set, else "<basename of argv0>.journal.db" in the working
 * directory. Returns a malloc'd string. */
char *act_journal_default_path(const char *argv0, const char *opt);

/* ==== recovery =========================================================== */

typedef struct act_journal_recovery {
  int64_t snapshot_seq;         /* 0: no snapshot was loaded */
  int64_t events;               /* events replayed after it */
  int64_t last_seq;             /* the pid's highest seq: next append is +1 */
} act_journal_recovery_t;

/* Latest snapshot (through snap, may be NULL to replay everything), then
 * each later event through ev, in order. */
int act_journal_recover(act_journal_t *j, const char *pid, size_t pid_len,
                        act_journal_snapshot_fn snap, act_journal_event_fn ev,
                        void *arg, act_journal_recovery_t *out,
                        act_journal_err_t *err);

/* ==== the writer (group commit) ========================================== */

typedef struct act_journal_req act_journal_req_t;
/* Called on the writer thread once the request's transaction committed
 * (status OK) or failed. req->error holds the message when status != OK,
 * valid only during the call. done may submit new requests. */
typedef void (*act_journal_done_fn)(act_journal_req_t *req, int status);

struct act_journal_req {
  act_journal_write_t w;        /* what to write */
  act_journal_done_fn done;
  void *arg;                    /* the submitter's */
  const char *error;            /* set before done when status != OK */
  act_journal_event_t one;      /* storage for act_journal_req_event */
  act_journal_req_t *next;      /* the writer's */
};

/* Fill req for one event (points req->w.events at req->one). The request's
 * w.epoch is 0: set it afterwards for a fenced pid. */
void act_journal_req_event(act_journal_req_t *req, const char *pid, size_t pid_len,
                           int64_t seq, const char *type, const void *data,
                           size_t len, act_journal_done_fn done, void *arg);
void act_journal_req_snapshot(act_journal_req_t *req, const char *pid,
                              size_t pid_len, int64_t seq, const char *type,
                              const void *data, size_t len,
                              act_journal_done_fn done, void *arg);
/* Completes after every request submitted before it. */
void act_journal_req_barrier(act_journal_req_t *req, act_journal_done_fn done,
                             void *arg);

typedef struct act_journal_writer act_journal_writer_t;

typedef struct act_journal_writer_opts {
  size_t max_batch;             /* writes per transaction; 0: 8192 */
  /* Run on the writer thread when it starts and before it ends (e.g. to
   * register the thread with a garbage collector). May be NULL. */
  void (*thread_start)(void *arg);
  void (*thread_stop)(void *arg);
  void *thread_arg;
} act_journal_writer_opts_t;

typedef struct act_journal_writer_stats {
  uint64_t transactions;
  uint64_t writes;              /* requests written (any kind) */
  uint64_t events;
  uint64_t bytes;               /* event and snapshot payload bytes */
  uint64_t max_batch;           /* most writes in one transaction */
  uint64_t failed;              /* requests completed with an error */
} act_journal_writer_stats_t;

/* Starts the writer thread on an open journal (o may be NULL). NULL with err
 * filled if the thread cannot start. */
act_journal_writer_t *act_journal_writer_start(act_journal_t *j,
                                               const act_journal_writer_opts_t *o,
                                               act_journal_err_t *err);
/* Queue req (any thread, never blocks on I/O). The request and everything
 * it points to must stay alive and unchanged until req->done is called. */
void act_journal_submit(act_journal_writer_t *w, act_journal_req_t *req);
/* Writes everything queued, completes it, ends the thread. Requests
 * submitted afterwards complete at once with ACT_JOURNAL_ECLOSED. Does not
 * close the journal. */
void act_journal_writer_stop(act_journal_writer_t *w);
/* Frees a stopped writer. */
void act_journal_writer_free(act_journal_writer_t *w);
void act_journal_writer_stats(act_journal_writer_t *w, act_journal_writer_stats_t *out);
act_journal_t *act_journal_writer_journal(act_journal_writer_t *w);

#ifdef __cplusplus
}
#endif
#endif
