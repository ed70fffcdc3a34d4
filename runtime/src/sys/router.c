/* router.c: the C side of std.router — what Act cannot see for itself: how
 * many messages wait in a worker's mailbox (least-loaded routing), and a
 * string hash for the consistent-hash ring. */
#include <stdatomic.h>

#include "act/act.h"
#include "rt/rt.h"

/* Messages queued for `w` and not yet taken (a moment's reading: other
 * threads add and take meanwhile); -1 for no actor. */
int64_t act_router_queued(act_actor_t *w) {
  if (w == NULL)
    return -1;
  return (int64_t)(uint32_t)(atomic_load_explicit(&w->mq_in, memory_order_relaxed) -
                             atomic_load_explicit(&w->mq_out, memory_order_relaxed));
}

/* FNV-1a over the bytes, then a finalizer (splitmix64's) so that keys
 * that differ in one byte land far apart on the ring; 63 bits, so the
 * result is a non-negative int. */
int64_t act_router_hash(act_str_t *s) {
  uint64_t h = 0xcbf29ce484222325u;
  const unsigned char *p = (const unsigned char *)act_str_data(s);
  for (int64_t i = 0; i < act_str_len(s); i++) {
    h ^= p[i];
    h *= 0x100000001b3u;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9u;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebu;
  h ^= h >> 31;
  return (int64_t)(h >> 1);
}
