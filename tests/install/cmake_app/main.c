/* main.c: tells the Tally of tally.act some words, asks what it counted
 * and stops the runtime (docs/embedding.md). */
#include <stdio.h>

#include "tally.h"

int main(int argc, char **argv) {
  static const char *words[] = {"actors", "send", "messages", "to", "actors"};
  act_runtime_start(argc, argv);
  act_ctx_t *cx = act_external();
  act_actor_t *t = tally_Tally_spawn(cx);
  for (int i = 0; i < 5; i++) act_send(cx, t, tally_Word_new(cx, act_str_from_cstr(words[i])));
  act_msg_t *n = act_ask_sync(t, tally_Count_new(cx), 5000000000LL);
  act_msg_t *l = act_ask_sync(t, tally_Longest_new(cx), 5000000000LL);
  if (n == NULL || l == NULL) {
    fprintf(stderr, "no reply\n");
    return 1;
  }
  printf("%lld words, the longest %s\n", (long long)((tally_Count_reply *)n)->value,
         act_str_data(((tally_Longest_reply *)l)->value));
  return act_runtime_stop(5000000000LL) == 0 ? 0 : 1;
}
