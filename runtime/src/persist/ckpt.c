/* ckpt.c: the journal's checkpointer thread (see ckpt.h). */
#include "ckpt.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct act_ckpt {
  sqlite3 *db;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int64_t want;              /* under mu: the newest row kicked, -1 none */
  int stopping;              /* under mu */
  _Atomic int64_t synced;    /* the newest row a full checkpoint covered */
};

static void *ckpt_main(void *arg) {
  act_ckpt_t *c = arg;
  pthread_setname_np(pthread_self(), "act-checkpoint");
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (c->want < 0 && !c->stopping) pthread_cond_wait(&c->cv, &c->mu);
    if (c->stopping) break;
    int64_t row = c->want;
    c->want = -1;
    pthread_mutex_unlock(&c->mu);
    /* PASSIVE: copies what no reader still needs, never blocks the
     * writer. Rows up to `row` were committed before this began, so a
     * checkpoint that copied the whole WAL (log == done) has them on
     * disk. A partial one leaves them to the next kick. */
    int log = -1, done = -1;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log >= 0 && log == done && row > atomic_load(&c->synced))
      atomic_store(&c->synced, row);
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

act_ckpt_t *act__ckpt_start(const char *path, const char *sync) {
  act_ckpt_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->want = -1;
  atomic_store(&c->synced, -1);
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", sync);
  if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec(c->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
    sqlite3_close(c->db);
    free(c);
    return NULL;
  }
  sqlite3_busy_timeout(c->db, 10000);
  /* Only the writer's connection may remove the WAL when it closes. */
  sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  if (pthread_create(&c->th, NULL, ckpt_main, c) != 0) {
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    sqlite3_close(c->db);
    free(c);
    return NULL;
  }
  return c;
}

void act__ckpt_kick(act_ckpt_t *c, int64_t row) {
  pthread_mutex_lock(&c->mu);
  if (row > c->want) c->want = row;
  pthread_mutex_unlock(&c->mu);
  pthread_cond_signal(&c->cv);
}

int64_t act__ckpt_synced(act_ckpt_t *c) { return atomic_load(&c->synced); }

void act__ckpt_stop(act_ckpt_t *c) {
  if (c == NULL) return;
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  pthread_mutex_unlock(&c->mu);
  pthread_cond_signal(&c->cv);
  pthread_join(c->th, NULL);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  sqlite3_close(c->db);
  free(c);
}
