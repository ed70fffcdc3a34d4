/* watch.h: learning when an actor stops, for the C side of the standard
 * library. A socket or a signal subscription belongs to an actor, and must
 * end with it ("a stopped owner closes its sockets"). C code is no actor
 * and cannot `monitor`, so one actor written in C, the watcher, monitors
 * owners on its behalf and calls back when their Down arrives. */
#ifndef ACT_SYS_WATCH_H
#define ACT_SYS_WATCH_H

#include "act/act.h"

/* Called on the watcher's worker thread with the actor that stopped or
 * failed for good. Keep it short: post work elsewhere. */
typedef void (*act__gone_fn)(act_actor_t *who);

/* Call gone(who) once who has ended (at once if it already has). Calls
 * for the same (who, gone) pair are merged. Any thread. */
void act__watch(act_actor_t *who, act__gone_fn gone);
/* The watcher itself (spawned on first use, as a root actor). */
act_actor_t *act__watch_actor(void);

#endif
