/* writer.c: the journal writer — one thread, group commit.
 *
 * Submitters (any thread) push requests on a mutex-protected FIFO list and
 * signal the writer only if it sleeps. The writer takes the whole list at
 * once, writes it in one transaction (at most max_batch writes per
 * transaction), then calls every request's done in submission order. While
 * a transaction commits, new requests queue up and form the next batch, so
 * the batch grows with the load and an idle journal commits at once.
 */
#include "persist_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct act_journal_writer {
  act_journal_t *j;
  act_journal_writer_opts_t o;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  act_journal_req_t *head, *tail;
  bool sleeping, stopping, stopped, started;
  pthread_t th;
  act_journal_writer_stats_t st;   /* under mu */
  act_journal_write_t **ws;        /* the writer thread's */
  size_t ws_cap;
};

static const char *status_text(int status) {
  switch (status) {
  case ACT_JOURNAL_ECONFLICT:
    return "its sequence number is not the next one (another program writing this "
           "journal, or a recovery that missed events)";
  case ACT_JOURNAL_EINVAL:
    return "bad request (an undeclared type, a sequence number below 1, or a snapshot "
           "past the last event)";
  case ACT_JOURNAL_ECLOSED: return "the journal writer has stopped";
  case ACT_JOURNAL_EFENCED:
    return "its key is fenced at another epoch: a newer owner activated it (this "
           "writer's lease is stale), or it was written without its epoch";
  default: return act_journal_status_name(status);
  }
}

static void complete(act_journal_writer_t *w, act_journal_req_t *r, int status,
                     const act_journal_err_t *err, char *buf, size_t cap) {
  r->error = NULL;
  if (status != ACT_JOURNAL_OK) {
    if (err && err->code == status && err->msg[0]) {
      r->error = err->msg;
    } else {
      char pb[96];
      const act_journal_write_t *x = &r->w;
      if (x->kind == ACT_JOURNAL_W_EVENTS)
        snprintf(buf, cap, "journal %s: event %lld of `%s` was not written: %s",
                 w->j->location, (long long)x->seq,
                 act__jpid(pb, sizeof pb, x->pid ? x->pid : "", x->pid ? x->pid_len : 0),
                 status_text(status));
      else if (x->kind == ACT_JOURNAL_W_SNAPSHOT)
        snprintf(buf, cap, "journal %s: the snapshot of `%s` at event %lld was not "
                 "written: %s",
                 w->j->location,
                 act__jpid(pb, sizeof pb, x->pid ? x->pid : "", x->pid ? x->pid_len : 0),
                 (long long)x->seq, status_text(status));
      else
        snprintf(buf, cap, "journal %s: %s", w->j->location, status_text(status));
      r->error = buf;
    }
  }
  r->done(r, status);
}

/* Write reqs (a list of n) in one transaction and complete them. */
static void write_batch(act_journal_writer_t *w, act_journal_req_t *reqs, size_t n) {
  if (n > w->ws_cap) {
    size_t cap = w->ws_cap ? w->ws_cap : 256;
    while (cap < n) cap *= 2;
    act_journal_write_t **nw = realloc(w->ws, cap * sizeof *nw);
    if (nw) {
      w->ws = nw;
      w->ws_cap = cap;
    }
  }
  act_journal_err_t err;
  char buf[640];
  int rc;
  uint64_t events = 0, bytes = 0;
  size_t i = 0;
  if (n > w->ws_cap) {   /* out of memory: fail them rather than lose them */
    rc = act__jerr(&err, ACT_JOURNAL_EIO, "journal %s: out of memory", w->j->location);
  } else {
    for (act_journal_req_t *r = reqs; r; r = r->next) {
      w->ws[i++] = &r->w;
      if (r->w.kind == ACT_JOURNAL_W_EVENTS) {
        events += r->w.nevents;
        for (size_t k = 0; k < r->w.nevents; k++) bytes += r->w.events[k].len;
      } else if (r->w.kind == ACT_JOURNAL_W_SNAPSHOT) {
        bytes += r->w.len;
      }
    }
    rc = w->j->ops->append(w->j, w->ws, n, &err);
  }
  uint64_t failed = 0;
  for (act_journal_req_t *r = reqs, *nx; r; r = nx) {
    nx = r->next;   /* done may reuse r */
    int status = rc == ACT_JOURNAL_OK ? r->w.status : rc;
    if (status != ACT_JOURNAL_OK) failed++;
    complete(w, r, status, rc == ACT_JOURNAL_OK ? NULL : &err, buf, sizeof buf);
  }
  pthread_mutex_lock(&w->mu);
  w->st.transactions++;
  w->st.writes += n;
  w->st.events += events;
  w->st.bytes += bytes;
  w->st.failed += failed;
  if (n > w->st.max_batch) w->st.max_batch = n;
  pthread_mutex_unlock(&w->mu);
}

static void *writer_main(void *arg) {
  act_journal_writer_t *w = arg;
  pthread_setname_np(pthread_self(), "act-journal");
  if (w->o.thread_start) w->o.thread_start(w->o.thread_arg);
  size_t max = w->o.max_batch ? w->o.max_batch : 8192;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->head && !w->stopping) {
      w->sleeping = true;
      pthread_cond_wait(&w->cv, &w->mu);
      w->sleeping = false;
    }
    if (!w->head) break;   /* stopping, and everything is written */
    act_journal_req_t *list = w->head;
    w->head = w->tail = NULL;
    pthread_mutex_unlock(&w->mu);
    while (list) {
      act_journal_req_t *first = list, *last = list;
      size_t n = 1;
      while (n < max && last->next) {
        last = last->next;
        n++;
      }
      list = last->next;
      last->next = NULL;
      write_batch(w, first, n);
    }
    pthread_mutex_lock(&w->mu);
  }
  w->stopped = true;
  pthread_mutex_unlock(&w->mu);
  if (w->o.thread_stop) w->o.thread_stop(w->o.thread_arg);
  return NULL;
}

act_journal_writer_t *act_journal_writer_start(act_journal_t *j,
                                               const act_journal_writer_opts_t *o,
                                               act_journal_err_t *err) {
  act__jerr_ok(err);
  act_journal_writer_t *w = calloc(1, sizeof *w);
  if (!w) {
    act__jerr(err, ACT_JOURNAL_EIO, "journal %s: out of memory", j->location);
    return NULL;
  }
  w->j = j;
  if (o) w->o = *o;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  int e = pthread_create(&w->th, NULL, writer_main, w);
  if (e) {
    act__jerr(err, ACT_JOURNAL_EIO, "journal %s: cannot start the writer thread: %s",
              j->location, strerror(e));
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
  }
  w->started = true;
  return w;
}

void act_journal_submit(act_journal_writer_t *w, act_journal_req_t *req) {
  req->next = NULL;
  pthread_mutex_lock(&w->mu);
  if (w->stopping) {
    pthread_mutex_unlock(&w->mu);
    char buf[640];
    complete(w, req, ACT_JOURNAL_ECLOSED, NULL, buf, sizeof buf);
    return;
  }
  if (w->tail)
    w->tail->next = req;
  else
    w->head = req;
  w->tail = req;
  bool wake = w->sleeping;
  w->sleeping = false;   /* one signal is enough until it sleeps again */
  pthread_mutex_unlock(&w->mu);
  if (wake) pthread_cond_signal(&w->cv);
}

void act_journal_writer_stop(act_journal_writer_t *w) {
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  bool join = w->started && !w->stopping;
  w->stopping = true;
  pthread_mutex_unlock(&w->mu);
  pthread_cond_signal(&w->cv);
  if (join) pthread_join(w->th, NULL);
}

void act_journal_writer_free(act_journal_writer_t *w) {
  if (!w) return;
  act_journal_writer_stop(w);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w->ws);
  free(w);
}

void act_journal_writer_stats(act_journal_writer_t *w, act_journal_writer_stats_t *out) {
  pthread_mutex_lock(&w->mu);
  *out = w->st;
  pthread_mutex_unlock(&w->mu);
}

act_journal_t *act_journal_writer_journal(act_journal_writer_t *w) { return w->j; }
