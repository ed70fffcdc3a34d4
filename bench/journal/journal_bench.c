/* journal_bench: the journal writer (act/persist.h) under load.
 *
 *  throughput  --ids N actors (default 1,000), each with one persist in
 *              flight at a time like a suspended persisting actor, spread
 *              over --threads submitter threads; each completion makes its
 *              actor ready to persist again. Reports events/s.
 *  latency     --rate events/s (default 10,000) submitted on a fixed
 *              schedule over the same ids; the latency of each persist is
 *              measured from its scheduled time (so a stall is not hidden by
 *              submitting late) to its completion. Reports p50/p90/p99/p99.9.
 *
 * Usage: journal_bench [--mode all|throughput|latency] [--ids 1000]
 *          [--seconds 5] [--rate 10000] [--size 64] [--threads 4]
 *          [--sync normal|full] [--path FILE]
 * Without --path the journal is journal_bench.journal.db in the working
 * directory, removed before and after the run. --path postgres://... runs
 * it against PostgreSQL (a database without a journal: every id starts at
 * event 1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <act/persist.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const act_journal_type_t TYPES[] = {
    {ACT_JOURNAL_EVENT, "Account.Credited", 0x1234},
    {ACT_JOURNAL_STATE, "Account", 0x5678},
};

typedef struct submitter submitter;

typedef struct actor {
  act_journal_req_t req;
  char pid[24];
  size_t pid_len;
  int64_t seq;
  int64_t t0;              /* scheduled/submitted time of the pending persist */
  struct actor *next_ready;
  submitter *owner;
  _Atomic int busy;
  unsigned char data[];    /* --size bytes */
} actor;

struct submitter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  actor *ready;
  bool waiting;
  pthread_t th;
};

static act_journal_writer_t *W;
static actor **A;
static int N_IDS = 1000, N_THREADS = 4, SIZE = 64;
static double SECONDS = 5, RATE = 10000;
static _Atomic int running;
static _Atomic int64_t failed;

/* latencies, written by the writer thread only (in done) */
static int64_t *lat;
static size_t nlat, caplat;
static _Atomic int recording;

static void record(int64_t ns) {
  if (!atomic_load_explicit(&recording, memory_order_relaxed)) return;
  if (nlat == caplat) {
    caplat = caplat ? caplat * 2 : 1 << 20;
    lat = realloc(lat, caplat * sizeof *lat);
    if (!lat) abort();
  }
  lat[nlat++] = ns;
}

static void fill(actor *a) {
  a->seq++;
  memcpy(a->data, &a->seq, sizeof a->seq);
  for (int i = 8; i < SIZE; i++) a->data[i] = (unsigned char)(a->seq + i);
  act_journal_req_event(&a->req, a->pid, a->pid_len, a->seq, TYPES[0].name, a->data,
                        (size_t)SIZE, NULL, a);
}

static void barrier_done(act_journal_req_t *req, int status) {
  (void)status;
  atomic_store((_Atomic int *)req->arg, 1);
}

/* Returns once everything submitted so far has completed. */
static void flush_writer(void) {
  act_journal_req_t bar;
  _Atomic int done = 0;
  act_journal_req_barrier(&bar, barrier_done, (void *)&done);
  act_journal_submit(W, &bar);
  while (!atomic_load(&done)) usleep(100);
}

/* ---- throughput ------------------------------------------------------------ */

static _Atomic int64_t completed;

static void tp_done(act_journal_req_t *req, int status) {
  actor *a = req->arg;
  if (status != ACT_JOURNAL_OK) {
    fprintf(stderr, "journal_bench: %s\n", req->error);
    atomic_fetch_add(&failed, 1);
  }
  record(now_ns() - a->t0);
  atomic_fetch_add_explicit(&completed, 1, memory_order_relaxed);
  submitter *s = a->owner;
  pthread_mutex_lock(&s->mu);
  a->next_ready = s->ready;
  s->ready = a;
  bool wake = s->waiting;
  pthread_mutex_unlock(&s->mu);
  if (wake) pthread_cond_signal(&s->cv);
}

static void *tp_thread(void *p) {
  submitter *s = p;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (!s->ready && atomic_load(&running)) {
      s->waiting = true;
      pthread_cond_wait(&s->cv, &s->mu);
      s->waiting = false;
    }
    actor *list = s->ready;
    s->ready = NULL;
    pthread_mutex_unlock(&s->mu);
    if (!atomic_load(&running)) break;
    int64_t t = now_ns();
    for (actor *a = list, *nx; a; a = nx) {
      nx = a->next_ready;
      fill(a);
      a->req.done = tp_done;
      a->t0 = t;
      act_journal_submit(W, &a->req);
    }
  }
  return NULL;
}

/* ---- latency at a fixed rate ------------------------------------------------- */

static void lat_done(act_journal_req_t *req, int status) {
  actor *a = req->arg;
  if (status != ACT_JOURNAL_OK) {
    fprintf(stderr, "journal_bench: %s\n", req->error);
    atomic_fetch_add(&failed, 1);
  }
  record(now_ns() - a->t0);
  atomic_store_explicit(&a->busy, 0, memory_order_release);
}

static int cmp64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

static double pct(double p) {
  if (!nlat) return 0;
  size_t i = (size_t)(p / 100.0 * (double)(nlat - 1) + 0.5);
  return (double)lat[i] / 1e6;
}

static void report_latency(const char *what) {
  qsort(lat, nlat, sizeof *lat, cmp64);
  printf("%s latency: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms "
         "(%zu samples)\n",
         what, pct(50), pct(90), pct(99), pct(99.9), nlat ? (double)lat[nlat - 1] / 1e6 : 0,
         nlat);
}

static void stats_line(act_journal_writer_stats_t *a, act_journal_writer_stats_t *b) {
  uint64_t tx = b->transactions - a->transactions, ev = b->events - a->events;
  printf("  %llu transactions, %.1f events per transaction on average, largest batch %llu\n",
         (unsigned long long)tx, tx ? (double)ev / (double)tx : 0.0,
         (unsigned long long)b->max_batch);
}

static void run_throughput(void) {
  submitter *subs = calloc((size_t)N_THREADS, sizeof *subs);
  for (int t = 0; t < N_THREADS; t++) {
    pthread_mutex_init(&subs[t].mu, NULL);
    pthread_cond_init(&subs[t].cv, NULL);
  }
  for (int i = 0; i < N_IDS; i++) {
    submitter *s = &subs[i % N_THREADS];
    A[i]->owner = s;
    A[i]->next_ready = s->ready;
    s->ready = A[i];
  }
  nlat = 0;
  atomic_store(&running, 1);
  for (int t = 0; t < N_THREADS; t++) pthread_create(&subs[t].th, NULL, tp_thread, &subs[t]);
  /* one second of warm-up, then the measured window */
  struct timespec warm = {1, 0};
  nanosleep(&warm, NULL);
  act_journal_writer_stats_t s0, s1;
  act_journal_writer_stats(W, &s0);
  int64_t c0 = atomic_load(&completed), t0 = now_ns();
  atomic_store(&recording, 1);
  struct timespec d = {(time_t)SECONDS, (long)((SECONDS - (double)(time_t)SECONDS) * 1e9)};
  nanosleep(&d, NULL);
  atomic_store(&recording, 0);
  int64_t c1 = atomic_load(&completed), t1 = now_ns();
  act_journal_writer_stats(W, &s1);
  atomic_store(&running, 0);
  for (int t = 0; t < N_THREADS; t++) {
    pthread_mutex_lock(&subs[t].mu);
    pthread_cond_signal(&subs[t].cv);
    pthread_mutex_unlock(&subs[t].mu);
    pthread_join(subs[t].th, NULL);
  }
  /* let the persists in flight finish before the submitters go away */
  flush_writer();
  double secs = (double)(t1 - t0) / 1e9;
  printf("throughput: %d ids, %d submitter threads, %d-byte events: %lld events in %.2f s "
         "= %.0f events/s\n",
         N_IDS, N_THREADS, SIZE, (long long)(c1 - c0), secs, (double)(c1 - c0) / secs);
  stats_line(&s0, &s1);
  report_latency("  persist");
  for (int t = 0; t < N_THREADS; t++) {
    pthread_mutex_destroy(&subs[t].mu);
    pthread_cond_destroy(&subs[t].cv);
  }
  free(subs);
}

static void run_latency(void) {
  nlat = 0;
  for (int i = 0; i < N_IDS; i++) atomic_store(&A[i]->busy, 0);
  int64_t period = (int64_t)(1e9 / RATE);
  int64_t total = (int64_t)(RATE * SECONDS);
  int64_t warm = (int64_t)RATE;   /* one second unrecorded */
  act_journal_writer_stats_t s0, s1;
  int64_t start = now_ns(), skipped = 0;
  int next = 0;
  for (int64_t k = 0; k < warm + total; k++) {
    if (k == warm) {
      atomic_store(&recording, 1);
      act_journal_writer_stats(W, &s0);
    }
    int64_t at = start + k * period;
    int64_t now = now_ns();
    if (at > now) {
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      int64_t abs_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (at - now);
      ts.tv_sec = abs_ns / 1000000000;
      ts.tv_nsec = abs_ns % 1000000000;
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
      }
    }
    /* the next actor with nothing in flight (at 10 events/s each, always
     * the next one unless the journal stalls for 100 ms) */
    actor *a = NULL;
    for (int tries = 0; tries < N_IDS; tries++) {
      actor *c = A[next];
      next = (next + 1) % N_IDS;
      if (!atomic_load_explicit(&c->busy, memory_order_acquire)) {
        a = c;
        break;
      }
    }
    if (!a) {
      skipped++;
      continue;
    }
    atomic_store(&a->busy, 1);
    fill(a);
    a->req.done = lat_done;
    a->t0 = at;
    act_journal_submit(W, &a->req);
  }
  /* wait for the last completions */
  for (int i = 0; i < N_IDS; i++)
    while (atomic_load_explicit(&A[i]->busy, memory_order_acquire)) usleep(100);
  atomic_store(&recording, 0);
  act_journal_writer_stats(W, &s1);
  double secs = (double)(now_ns() - start) / 1e9 - 1.0;
  printf("fixed rate: %.0f events/s over %d ids for %.1f s%s\n", RATE, N_IDS, secs,
         skipped ? " (some ids were still busy: slots skipped)" : "");
  if (skipped) printf("  %lld slots skipped: every id had a persist in flight\n", (long long)skipped);
  stats_line(&s0, &s1);
  report_latency("  persist");
}

static void usage(void) {
  fprintf(stderr,
          "usage: journal_bench [--mode all|throughput|latency] [--ids N] [--seconds S]\n"
          "                     [--rate R] [--size BYTES] [--threads T]\n"
          "                     [--sync normal|full] [--path FILE|postgres://URL]\n");
  exit(2);
}

static void remove_journal(const char *path) {
  char side[4200];
  unlink(path);
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-mark", path);   /* else the next run is refused */
  unlink(side);
}

int main(int argc, char **argv) {
  const char *mode = "all", *path = NULL, *sync = "normal";
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) usage();
    if (!v) usage();
    i++;
    if (!strcmp(o, "--mode")) mode = v;
    else if (!strcmp(o, "--ids")) N_IDS = atoi(v);
    else if (!strcmp(o, "--seconds")) SECONDS = atof(v);
    else if (!strcmp(o, "--rate")) RATE = atof(v);
    else if (!strcmp(o, "--size")) SIZE = atoi(v);
    else if (!strcmp(o, "--threads")) N_THREADS = atoi(v);
    else if (!strcmp(o, "--sync")) sync = v;
    else if (!strcmp(o, "--path")) path = v;
    else usage();
  }
  if (N_IDS < 1 || N_THREADS < 1 || SIZE < 8 || SECONDS <= 0 || RATE <= 0) usage();
  bool own_path = !path;
  const act_journal_ops_t *ops = act_journal_backend(path);
  if (own_path) {
    path = "journal_bench.journal.db";
    remove_journal(path);
  } else if (ops == &act_journal_sqlite_ops) {
    struct stat st;
    if (stat(path, &st) == 0) {
      fprintf(stderr, "journal_bench: %s exists; give a path that does not\n", path);
      return 2;
    }
  }
  act_journal_config_t cfg = {0};
  cfg.location = path;
  cfg.sync = !strcmp(sync, "full") ? ACT_JOURNAL_SYNC_FULL : ACT_JOURNAL_SYNC_NORMAL;
  cfg.types = TYPES;
  cfg.ntypes = 2;
  act_journal_t *j = NULL;
  act_journal_err_t err;
  if (act_journal_open(ops, &cfg, &j, &err) != ACT_JOURNAL_OK) {
    fprintf(stderr, "journal_bench: %s\n", err.msg);
    return 1;
  }
  W = act_journal_writer_start(j, NULL, &err);
  if (!W) {
    fprintf(stderr, "journal_bench: %s\n", err.msg);
    return 1;
  }
  A = calloc((size_t)N_IDS, sizeof *A);
  for (int i = 0; i < N_IDS; i++) {
    A[i] = calloc(1, sizeof(actor) + (size_t)SIZE);
    A[i]->pid_len = (size_t)snprintf(A[i]->pid, sizeof A[i]->pid, "Account:%d", i);
  }
  if (ops == &act_journal_sqlite_ops)
    printf("journal_bench: SQLite %s, WAL, synchronous=%s, %d ids, %d-byte events\n",
           ops->name, cfg.sync ? "FULL" : "NORMAL", N_IDS, SIZE);
  else
    printf("journal_bench: %s %s, synchronous_commit=on, %d ids, %d-byte events\n", ops->name,
           j->location, N_IDS, SIZE);
  if (!strcmp(mode, "all") || !strcmp(mode, "throughput")) run_throughput();
  if (!strcmp(mode, "all") || !strcmp(mode, "latency")) run_latency();
  act_journal_writer_free(W);   /* waits for what is in flight */
  act_journal_close(j);
  for (int i = 0; i < N_IDS; i++) free(A[i]);
  free(A);
  free(lat);
  if (own_path) remove_journal(path);
  if (atomic_load(&failed)) {
    fprintf(stderr, "journal_bench: %lld persists failed\n", (long long)atomic_load(&failed));
    return 1;
  }
  return 0;
}
