/* host.c: a C program with its own libuv loop and Act actors beside it.
 * A uv timer tells the Doubler a Ping every few milliseconds (act_send
 * from the loop's thread never blocks); the Doubler answers by calling
 * host_deliver on an Act worker thread, which queues the answer and wakes
 * the loop with uv_async_send, the one libuv call that is safe from
 * another thread. After N answers the loop ends, then the runtime. */
#include <pthread.h>
#include <stdio.h>
#include <uv.h>

#include "doubler.h"

enum { N = 5 };

static uv_async_t wake;
static uv_timer_t tick;
static act_actor_t *doubler;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct { long long n; char text[32]; } got[N];
static int ngot, shown, sent;

/* Called by the Doubler, on an Act worker thread. */
void host_deliver(int64_t n, act_str_t *text) {
  pthread_mutex_lock(&mu);
  if (ngot < N) {
    got[ngot].n = n;
    snprintf(got[ngot].text, sizeof got[ngot].text, "%s", act_str_data(text));
    ngot++;
  }
  pthread_mutex_unlock(&mu);
  uv_async_send(&wake);
}

static void on_tick(uv_timer_t *t) {
  if (sent == N) {
    uv_timer_stop(t);
    return;
  }
  sent++;
  act_send(act_external(), doubler, doubler_Ping_new(act_external(), sent));
}

static void on_wake(uv_async_t *a) {
  pthread_mutex_lock(&mu);
  for (; shown < ngot; shown++) printf("%lld %s\n", got[shown].n, got[shown].text);
  pthread_mutex_unlock(&mu);
  if (shown == N) {
    uv_close((uv_handle_t *)&wake, NULL);
    uv_close((uv_handle_t *)&tick, NULL);
  }
}

int main(int argc, char **argv) {
  act_runtime_start(argc, argv);
  doubler = doubler_Doubler_spawn(act_external());
  uv_loop_t *loop = uv_default_loop();
  uv_async_init(loop, &wake, on_wake);
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 1, 2);
  uv_run(loop, UV_RUN_DEFAULT);
  int rc = act_runtime_stop(5000000000LL);
  printf("loop done, runtime stopped: %s\n", rc == 0 ? "yes" : "no");
  uv_loop_close(loop);
  return rc == 0 ? 0 : 1;
}
