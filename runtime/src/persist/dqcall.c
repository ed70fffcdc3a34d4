/* dqcall.c: see dqcall.h. */
#include "persist/dqcall.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct call {
  struct act_dqcall *c;
  int query;
  const char *sql;
  const act_dq_val_t *p;
  int n;
  act_dqans_t *out;
  int done;
} call_t;

struct act_dqcall {
  uv_loop_t loop;
  uv_async_t wake;         /* a call was handed over, or closing */
  uv_thread_t thread;
  act_dq_t *dq;
  pthread_mutex_t mu;      /* call, closing, each call's done */
  pthread_cond_t cv;
  pthread_mutex_t one;     /* callers one at a time */
  call_t *call;            /* handed over, not yet submitted */
  int closing;
};

static void copy_answer(act_dqans_t *o, const act_dq_res_t *r) {
  memset(o, 0, sizeof *o);
  o->ok = r->ok;
  o->code = r->code;
  if (!r->ok) snprintf(o->error, sizeof o->error, "%s", r->error ? r->error : "failed");
  o->changes = r->changes;
  size_t nv = r->ncols * r->nrows;
  if (!r->ok || nv == 0) return;
  o->v = calloc(nv, sizeof *o->v);   /* zeroed: type 0 owns nothing */
  o->ncols = r->ncols;
  o->nrows = r->nrows;
  for (size_t i = 0; o->v && i < nv; i++) {
    act_dq_val_t x = r->v[i];
    if (x.type == ACT_DQ_TEXT || x.type == ACT_DQ_BLOB) {
      size_t len = x.type == ACT_DQ_TEXT ? strlen(x.s) : x.n;
      char *s = malloc(len + 1);
      if (s == NULL) break;
      if (len) memcpy(s, x.s, len);
      s[len] = 0;
      x.s = s;
    }
    o->v[i] = x;
    if (i + 1 == nv) return;
  }
  act__dqans_free(o);
  o->ok = 0;
  snprintf(o->error, sizeof o->error, "out of memory");
}

static void on_answer(void *arg, const act_dq_res_t *r) {
  call_t *k = arg;
  copy_answer(k->out, r);
  pthread_mutex_lock(&k->c->mu);
  k->done = 1;
  pthread_cond_broadcast(&k->c->cv);
  pthread_mutex_unlock(&k->c->mu);
}

static void on_wake(uv_async_t *a) {
  act_dqcall_t *c = a->data;
  pthread_mutex_lock(&c->mu);
  call_t *k = c->call;
  c->call = NULL;
  int closing = c->closing;
  pthread_mutex_unlock(&c->mu);
  if (k) {
    if (k->query)
      act__dq_query(c->dq, k->sql, k->p, k->n, on_answer, k);
    else
      act__dq_exec(c->dq, k->sql, k->p, k->n, on_answer, k);
  }
  if (closing) {
    act__dq_close(c->dq);
    c->dq = NULL;
    uv_close((uv_handle_t *)&c->wake, NULL);
  }
}

static void run(void *arg) {
  act_dqcall_t *c = arg;
  uv_run(&c->loop, UV_RUN_DEFAULT);
}

act_dqcall_t *act__dqcall_open(const char *servers, const char *db, char *err, size_t cap) {
  act_dqcall_t *c = calloc(1, sizeof *c);
  if (c == NULL) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  if (uv_loop_init(&c->loop) != 0) {
    snprintf(err, cap, "cannot make an event loop");
    free(c);
    return NULL;
  }
  c->dq = act__dq_open_db(&c->loop, servers, db, err, cap);
  if (c->dq == NULL) {
    uv_loop_close(&c->loop);
    free(c);
    return NULL;
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_mutex_init(&c->one, NULL);
  pthread_cond_init(&c->cv, NULL);
  uv_async_init(&c->loop, &c->wake, on_wake);
  c->wake.data = c;
  if (uv_thread_create(&c->thread, run, c) != 0) {
    snprintf(err, cap, "cannot start the journal's store thread");
    act__dq_close(c->dq);
    uv_close((uv_handle_t *)&c->wake, NULL);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    uv_loop_close(&c->loop);
    free(c);
    return NULL;
  }
  return c;
}

void act__dqcall_close(act_dqcall_t *c) {
  if (c == NULL) return;
  pthread_mutex_lock(&c->one);   /* after the call in progress, if any */
  pthread_mutex_lock(&c->mu);
  c->closing = 1;
  pthread_mutex_unlock(&c->mu);
  uv_async_send(&c->wake);
  uv_thread_join(&c->thread);
  uv_loop_close(&c->loop);
  pthread_mutex_unlock(&c->one);
  pthread_mutex_destroy(&c->one);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c);
}

void act__dqcall(act_dqcall_t *c, int query, const char *sql, const act_dq_val_t *p, int n,
                 act_dqans_t *out) {
  call_t k = {c, query, sql, p, n, out, 0};
  pthread_mutex_lock(&c->one);
  pthread_mutex_lock(&c->mu);
  c->call = &k;
  pthread_mutex_unlock(&c->mu);
  uv_async_send(&c->wake);
  pthread_mutex_lock(&c->mu);
  while (!k.done) pthread_cond_wait(&c->cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
  pthread_mutex_unlock(&c->one);
}

void act__dqans_free(act_dqans_t *a) {
  if (a->v)
    for (size_t i = 0; i < a->ncols * a->nrows; i++)
      if (a->v[i].type == ACT_DQ_TEXT || a->v[i].type == ACT_DQ_BLOB) free((char *)a->v[i].s);
  free(a->v);
  a->v = NULL;
  a->nrows = a->ncols = 0;
}
