/* baton.c: a node's libuv loop, run by two threads in turn.
 *
 * An ask or a reply that arrives for an idle actor while every worker
 * sleeps would wait for a worker to wake: a futex wake of a halted vCPU,
 * 10-35 us in the VMs we measure on, on each side of a round trip
 * (docs/cluster.md, "Measured"). Instead the thread that read it runs
 * the actor itself (remote.c, act__remote_run_arrival). It must not do
 * that inside the loop: the handler may run long, make a blocking call
 * that waits for the loop (a name lookup, the store), or call exit(),
 * which stops the loop, and the loop must go on meanwhile (heartbeats,
 * the lease, other peers' traffic). So two threads share the loop: the
 * one in uv_run holds it; the other waits here (standby). The holder
 * that read such an arrival stops the loop (uv_stop: the turn finishes
 * first), hands it to the standby and runs the actor outside it; done,
 * it waits here in turn, or takes the loop back if nobody took it yet.
 * An arrival is run this way only while the other thread is standing by
 * (act__baton_yield), so the loop is never left without a thread for
 * longer than that thread takes to wake. */
#define GC_THREADS
#include <gc/gc.h>

#include <time.h>

#include "cluster/cluster_int.h"

/* Waking the standby is itself a futex wake of a halted vCPU, and the
 * waker pays much of it (the interrupt to the other vCPU): the hops it
 * was meant to save came back as 3-13 us each. So while arrivals are
 * being run off the loop (for HOT_NS after the last), the standby looks
 * every TICK_NS by itself and is not woken: a short handler is over
 * before it looks, and its thread takes the loop straight back; a long
 * or blocked one leaves the loop unrun for at most TICK_NS. Otherwise
 * it sleeps until woken, and an idle node costs nothing. */
#define TICK_NS 1000000
#define HOT_NS 100000000

static void (*released)(void);

void act__baton_on_released(void (*fn)(void)) { released = fn; }

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void act__baton_init(act_baton_t *b) {
  pthread_mutex_init(&b->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->cv, &ca);
  pthread_condattr_destroy(&ca);
  b->held = 0;
  b->ended = 0;
  b->quit = 0;
  b->ticking = 0;
  b->hot_until = 0;
  atomic_store(&b->standby, 0);
}

int act__baton_yield(act_baton_t *b, uv_loop_t *loop) {
  if (atomic_load(&b->standby) == 0) return 0;
  /* The other thread waits for the loop and cannot leave that wait
   * until it is released: it will take the loop when this turn ends. */
  uv_stop(loop);
  return 1;
}

void act__baton_quit(act_baton_t *b, uv_loop_t *loop) {
  pthread_mutex_lock(&b->mu);
  b->quit = 1;
  pthread_mutex_unlock(&b->mu);
  uv_stop(loop);
}

/* Under b->mu: wait while the other thread holds the loop. */
static void stand_by(act_baton_t *b) {
  while (b->held && !b->ended) {
    atomic_fetch_add(&b->standby, 1);
    int64_t now = mono_ns();
    if (now < b->hot_until) {
      b->ticking = 1;
      int64_t at = now + TICK_NS;
      struct timespec ts = {at / 1000000000, at % 1000000000};
      pthread_cond_timedwait(&b->cv, &b->mu, &ts);
      b->ticking = 0;
    } else {
      pthread_cond_wait(&b->cv, &b->mu);
    }
    atomic_fetch_sub(&b->standby, 1);
  }
}

void act__baton_run(act_baton_t *b, uv_loop_t *loop) {
  pthread_mutex_lock(&b->mu);
  for (;;) {
    stand_by(b);
    if (b->ended) break;
    b->held = 1;
    pthread_mutex_unlock(&b->mu);
    /* Nonzero when stopped by act__baton_yield with handles left; zero
     * once the node has closed everything (act_cluster_stop). */
    int alive = uv_run(loop, UV_RUN_DEFAULT);
    pthread_mutex_lock(&b->mu);
    b->held = 0;
    if (!alive || b->quit) {
      b->ended = 1;
      pthread_cond_broadcast(&b->cv);
      pthread_mutex_unlock(&b->mu);
      /* An arrival this turn handed off still runs: only the loop ends. */
      if (alive && released) released();
      return;
    }
    /* Handed over: a ticking standby finds the loop free by itself. */
    if (!b->ticking) pthread_cond_signal(&b->cv);
    b->hot_until = mono_ns() + HOT_NS;
    pthread_mutex_unlock(&b->mu);
    if (released) released();   /* the arrival, off the loop */
    pthread_mutex_lock(&b->mu);
  }
  pthread_mutex_unlock(&b->mu);
}
