/* main.c: a plain C program that embeds Act code. The build runs
 *   actorc build counter.act --emit-c gen --no-main
 * and compiles gen/counter.c with this file; counter.h is the C API. */
#include <stdio.h>

#include "counter.h"

int main(int argc, char **argv) {
  act_runtime_start(argc, argv);
  act_ctx_t *cx = act_external();                 /* outside any actor */
  act_actor_t *c = counter_Counter_spawn(cx, 10);
  for (int i = 1; i <= 5; i++) act_send(cx, c, counter_Add_new(cx, i));
  act_msg_t *r = act_ask_sync(c, counter_Total_new(cx), 5000000000LL);
  if (r == NULL) {
    fprintf(stderr, "no reply\n");
    return 1;
  }
  printf("total from Act: %lld\n", (long long)((counter_Total_reply *)r)->value);
  return 0;
}
