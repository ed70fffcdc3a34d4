/* journal.c: the backend-independent part of the journal — errors,
 * checksums, fingerprints, persistence ids, paths and recovery. */
#include "persist_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *act_journal_status_name(int status) {
  switch (status) {
  case ACT_JOURNAL_OK: return "OK";
  case ACT_JOURNAL_NOTFOUND: return "NOTFOUND";
  case ACT_JOURNAL_EIO: return "EIO";
  case ACT_JOURNAL_ECORRUPT: return "ECORRUPT";
  case ACT_JOURNAL_EFOREIGN: return "EFOREIGN";
  case ACT_JOURNAL_EVERSION: return "EVERSION";
  case ACT_JOURNAL_ESCHEMA: return "ESCHEMA";
  case ACT_JOURNAL_ECONFLICT: return "ECONFLICT";
  case ACT_JOURNAL_EBUSY: return "EBUSY";
  case ACT_JOURNAL_EINVAL: return "EINVAL";
  case ACT_JOURNAL_ECLOSED: return "ECLOSED";
  case ACT_JOURNAL_EFENCED: return "EFENCED";
  default: return "?";
  }
}

int act__jerr(act_journal_err_t *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

int act__jformat_check(act_journal_err_t *err, const char *where, const char *v, bool found,
                       int readable) {
  if (!found)
    return act__jerr(err, ACT_JOURNAL_EFOREIGN,
                     "journal %s is not an Act journal: its act_journal_meta has no format", where);
  char *end;
  long long f = strtoll(v, &end, 10);
  if (*end || end == v || f < 1)
    return act__jerr(err, ACT_JOURNAL_ECORRUPT, "journal %s is damaged: its format is `%s`", where,
                     v);
  if (f > readable)
    return act__jerr(err, ACT_JOURNAL_EVERSION,
                     "journal %s was written by a newer Act (journal format %lld; this "
                     "program reads format %d)",
                     where, f, readable);
  return ACT_JOURNAL_OK;
}

void act__jerr_ok(act_journal_err_t *err) {
  if (err) {
    err->code = ACT_JOURNAL_OK;
    err->msg[0] = 0;
  }
}

void act__jwarn(act_journal_t *j, const char *fmt, ...) {
  char buf[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (j && j->warn)
    j->warn(j->warn_arg, buf);
  else
    fprintf(stderr, "warning: %s\n", buf);
}

const char *act__jpid(char *buf, size_t cap, const char *pid, size_t len) {
  size_t max = cap > 4 ? cap - 4 : 0, n = len < max ? len : max, o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)pid[i];
    buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (n < len) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = 0;
  return buf;
}

/* ---- fingerprints and checksums ---------------------------------------- */

uint64_t act_journal_fingerprint(const char *s, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* CRC-32C, reflected polynomial 0x82F63B78: slicing-by-8 tables built once,
 * or the SSE4.2 instruction where the CPU has it. */
static uint32_t crc_tab[8][256];
static int crc_mode;   /* 0: not yet decided, 1: tables, 2: hardware */

static void crc_init_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    crc_tab[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

static uint32_t crc_sw(uint32_t crc, const unsigned char *p, size_t n) {
  while (n && ((uintptr_t)p & 7)) {
    crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
    n--;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= crc;   /* little-endian: the low 32 bits meet the crc */
    crc = crc_tab[7][w & 0xff] ^ crc_tab[6][(w >> 8) & 0xff] ^
          crc_tab[5][(w >> 16) & 0xff] ^ crc_tab[4][(w >> 24) & 0xff] ^
          crc_tab[3][(w >> 32) & 0xff] ^ crc_tab[2][(w >> 40) & 0xff] ^
          crc_tab[1][(w >> 48) & 0xff] ^ crc_tab[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ACT_CRC_HW 1
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc,
                                                         const unsigned char *p,
                                                         size_t n) {
  uint64_t c = crc;
  while (n && ((uintptr_t)p & 7)) {
    c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    n--;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
    p += 8;
    n -= 8;
  }
  while (n--) c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
  return (uint32_t)c;
}
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "crc_sw assumes a little-endian machine"
#endif

static void crc_decide(void) {
  int mode = 1;
#ifdef ACT_CRC_HW
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2") && !getenv("ACT_JOURNAL_CRC_SW")) mode = 2;
#endif
  if (mode == 1) crc_init_tables();
  __atomic_store_n(&crc_mode, mode, __ATOMIC_RELEASE);
}

uint32_t act_journal_crc32c(uint32_t crc, const void *data, size_t len) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  int mode = __atomic_load_n(&crc_mode, __ATOMIC_ACQUIRE);
  if (!mode) {
    pthread_once(&once, crc_decide);
    mode = __atomic_load_n(&crc_mode, __ATOMIC_ACQUIRE);
  }
  crc = ~crc;
#ifdef ACT_CRC_HW
  if (mode == 2) return ~crc_hw(crc, data, len);
#endif
  return ~crc_sw(crc, data, len);
}

/* ---- ids and paths ------------------------------------------------------ */

size_t act_journal_pid(char *out, size_t cap, const char *type_name,
                       const char *key, size_t key_len) {
  size_t tn = strlen(type_name), n = tn + 1 + key_len;
  if (cap) {
    size_t o = 0;
    for (size_t i = 0; i < tn && o + 1 < cap; i++) out[o++] = type_name[i];
    if (o + 1 < cap) out[o++] = ':';
    for (size_t i = 0; i < key_len && o + 1 < cap; i++) out[o++] = key[i];
    out[o] = 0;
  }
  return n;
}

char *act_journal_default_path(const char *argv0, const char *opt) {
  if (opt && *opt) return strdup(opt);
  const char *env = getenv("ACT_JOURNAL");
  if (env && *env) return strdup(env);
  const char *base = argv0 && *argv0 ? argv0 : "act";
  const char *slash = strrchr(base, '/');
  if (slash && slash[1]) base = slash + 1;
  size_t n = strlen(base);
  char *p = malloc(n + sizeof ".journal.db");
  if (!p) return NULL;
  memcpy(p, base, n);
  memcpy(p + n, ".journal.db", sizeof ".journal.db");
  return p;
}

const act_journal_ops_t *act_journal_backend(const char *location) {
  if (location && (strncmp(location, "postgres://", 11) == 0 ||
                   strncmp(location, "postgresql://", 13) == 0))
    return &act_journal_pg_ops;
  if (location && strncmp(location, "dqlite://", 9) == 0) return &act_journal_dqlite_ops;
  return &act_journal_sqlite_ops;
}

int act_journal_open(const act_journal_ops_t *ops, const act_journal_config_t *cfg,
                     act_journal_t **out, act_journal_err_t *err) {
  return ops->open(cfg, out, err);
}

void act_journal_close(act_journal_t *j) {
  if (j) j->ops->close(j);
}

/* ---- recovery ----------------------------------------------------------- */

typedef struct recover_st {
  act_journal_snapshot_fn snap;
  act_journal_event_fn ev;
  void *arg;
  int64_t snap_seq, next, events;
  int64_t bad_seq;     /* a gap: the seq found where `next` was expected */
  int stopped;         /* what snap returned, if not 0 */
} recover_st;

static int recover_snap(void *arg, int64_t seq, const char *type, uint64_t fp,
                        const void *data, size_t len) {
  recover_st *r = arg;
  r->snap_seq = seq;
  r->stopped = r->snap(r->arg, seq, type, fp, data, len);
  return r->stopped;
}

static int recover_event(void *arg, const char *pid, size_t pid_len, int64_t seq,
                         const char *type, const void *data, size_t len) {
  recover_st *r = arg;
  if (seq != r->next) {
    r->bad_seq = seq;
    return ACT_JOURNAL_ECORRUPT;
  }
  r->next++;
  r->events++;
  return r->ev ? r->ev(r->arg, pid, pid_len, seq, type, data, len) : 0;
}

int act_journal_recover(act_journal_t *j, const char *pid, size_t pid_len,
                        act_journal_snapshot_fn snap, act_journal_event_fn ev,
                        void *arg, act_journal_recovery_t *out,
                        act_journal_err_t *err) {
  recover_st r = {snap, ev, arg, 0, 1, 0, 0, 0};
  char pb[96];
  int rc;
  act__jerr_ok(err);
  if (out) memset(out, 0, sizeof *out);
  if (snap) {
    rc = j->ops->load_snapshot(j, pid, pid_len, recover_snap, &r, err);
    if (r.stopped) return r.stopped;
    if (rc != ACT_JOURNAL_OK && rc != ACT_JOURNAL_NOTFOUND) return rc;
    r.next = r.snap_seq + 1;
  }
  rc = j->ops->replay(j, pid, pid_len, r.next, -1, recover_event, &r, err);
  if (rc == ACT_JOURNAL_ECORRUPT && r.bad_seq)
    return act__jerr(err, rc, "journal %s: the events of `%s` have a gap: %lld follows %lld",
                     j->location, act__jpid(pb, sizeof pb, pid, pid_len),
                     (long long)r.bad_seq, (long long)(r.next - 1));
  if (rc != ACT_JOURNAL_OK) return rc;
  if (r.events == 0 && r.snap_seq > 0) {
    /* Nothing after the snapshot: the journal must end exactly at it. */
    int64_t hi = 0;
    rc = j->ops->highest_seq(j, pid, pid_len, &hi, err);
    if (rc != ACT_JOURNAL_OK) return rc;
    if (hi != r.snap_seq)
      return act__jerr(err, ACT_JOURNAL_ECORRUPT,
                       "journal %s: the snapshot of `%s` is at event %lld but its "
                       "events end at %lld",
                       j->location, act__jpid(pb, sizeof pb, pid, pid_len),
                       (long long)r.snap_seq, (long long)hi);
  }
  if (out) {
    out->snapshot_seq = r.snap_seq;
    out->events = r.events;
    out->last_seq = r.next - 1;
  }
  return ACT_JOURNAL_OK;
}

/* ---- requests ------------------------------------------------------------ */

/* What every kind of request starts with. */
static void req_init(act_journal_req_t *req, act_journal_write_kind_t kind, const char *pid,
                     size_t pid_len, int64_t seq, act_journal_done_fn done, void *arg) {
  memset(&req->w, 0, sizeof req->w);
  req->w.kind = kind;
  req->w.pid = pid;
  req->w.pid_len = pid_len;
  req->w.seq = seq;
  req->done = done;
  req->arg = arg;
  req->error = NULL;
  req->next = NULL;
}

void act_journal_req_event(act_journal_req_t *req, const char *pid, size_t pid_len,
                           int64_t seq, const char *type, const void *data,
                           size_t len, act_journal_done_fn done, void *arg) {
  req_init(req, ACT_JOURNAL_W_EVENTS, pid, pid_len, seq, done, arg);
  req->one.type = type;
  req->one.data = data;
  req->one.len = len;
  req->w.events = &req->one;
  req->w.nevents = 1;
}

void act_journal_req_snapshot(act_journal_req_t *req, const char *pid,
                              size_t pid_len, int64_t seq, const char *type,
                              const void *data, size_t len,
                              act_journal_done_fn done, void *arg) {
  req_init(req, ACT_JOURNAL_W_SNAPSHOT, pid, pid_len, seq, done, arg);
  req->w.type = type;
  req->w.data = data;
  req->w.len = len;
}

void act_journal_req_barrier(act_journal_req_t *req, act_journal_done_fn done,
                             void *arg) {
  req_init(req, ACT_JOURNAL_W_BARRIER, NULL, 0, 0, done, arg);
}

/* ---- files ------------------------------------------------------------ */

int act__jfsync_dir(const char *path) {
  char *d = strdup(path);
  if (!d) return -1;
  char *slash = strrchr(d, '/');
  const char *dir = ".";
  if (slash) {
    if (slash == d)
      slash[1] = 0;
    else
      *slash = 0;
    dir = d;
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = -1;
  if (fd >= 0) {
    rc = fsync(fd);
    close(fd);
  }
  free(d);
  return rc;
}
