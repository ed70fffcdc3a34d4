/* io_loop.c: the standard library's I/O thread (io_loop.h says why it has
 * a loop of its own). */
#define GC_THREADS
#include <gc/gc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt/rt.h"
#include "sys/io_loop.h"

typedef struct job {
  act__io_fn fn;
  void *arg;
  struct job *next;
} job_t;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uv_loop_t loop;
static uv_async_t wake;
static pthread_t io_thread;
/* Jobs live in uncollectable (but scanned) memory: their args may be
 * collected objects that nothing else refers to yet. */
static job_t *head, *tail;

static void run_jobs(uv_async_t *h) {
  (void)h;
  for (;;) {
    pthread_mutex_lock(&mu);
    job_t *j = head;
    head = tail = NULL;
    pthread_mutex_unlock(&mu);
    if (j == NULL)
      return;
    while (j) {
      job_t *next = j->next;
      j->fn(j->arg);
      GC_FREE(j);
      j = next;
    }
  }
}

static void *io_main(void *arg) {
  (void)arg;
  uv_run(&loop, UV_RUN_DEFAULT);
  return NULL;
}

static void start(void) {
  uv_loop_init(&loop);
  uv_async_init(&loop, &wake, run_jobs);
  /* gc.h with GC_THREADS makes this GC_pthread_create: the thread's stack
   * is scanned, so values it holds on to stay alive. */
  if (pthread_create(&io_thread, NULL, io_main, NULL) != 0) {
    fprintf(stderr, "act: cannot start the I/O thread\n");
    abort();
  }
  pthread_detach(io_thread);
}

void act__io_run(act__io_fn fn, void *arg) {
  pthread_once(&once, start);
  job_t *j = GC_MALLOC_UNCOLLECTABLE(sizeof *j);
  if (j == NULL) {
    fprintf(stderr, "act: out of memory\n");
    abort();
  }
  j->fn = fn;
  j->arg = arg;
  j->next = NULL;
  pthread_mutex_lock(&mu);
  if (tail)
    tail->next = j;
  else
    head = j;
  tail = j;
  pthread_mutex_unlock(&mu);
  uv_async_send(&wake);
}

typedef struct call {
  act__io_fn fn;
  void *arg;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done;
} call_t;

static void run_call(void *arg) {
  call_t *c = arg;
  c->fn(c->arg);
  pthread_mutex_lock(&c->mu);
  c->done = true;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

void act__io_call(act__io_fn fn, void *arg) {
  pthread_once(&once, start);
  if (act__io_on_thread()) {
    fn(arg);
    return;
  }
  call_t c = {fn, arg, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
  act__io_run(run_call, &c);
  pthread_mutex_lock(&c.mu);
  while (!c.done)
    pthread_cond_wait(&c.cv, &c.mu);
  pthread_mutex_unlock(&c.mu);
}

uv_loop_t *act__io_loop(void) { return &loop; }
bool act__io_on_thread(void) { return pthread_equal(pthread_self(), io_thread); }

act_msg_t *act__io_msg(const act_msg_type_t *t, size_t mirror_size) {
  if (t->size != mirror_size) {
    /* The C side mirrors the struct actorc generates for a std message;
     * a mismatch means the two disagree and nothing may be delivered. */
    fprintf(stderr, "act: internal error: message %s is %u bytes in the program but %zu in the runtime\n",
            t->name, t->size, mirror_size);
    abort();
  }
  act_msg_t *m = act_alloc(t->size);
  m->type = t;
  return m;
}
