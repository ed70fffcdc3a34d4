/* Glue shared by the actors of generated programs (act/lang.h). */
#include "act/act.h"

act_status_t act_dispatch_none(act_ctx_t *cx, act_actor_t *self, act_msg_t *m) {
  (void)cx;
  (void)self;
  (void)m;
  return ACT_UNHANDLED;
}
