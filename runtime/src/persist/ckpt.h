/* ckpt.h: the SQLite journal's checkpointer thread (ckpt.c). With
 * synchronous=NORMAL a commit writes the WAL without fsync; a checkpoint
 * copies the WAL into the database file and fsyncs both (8-28 ms each on
 * the shared VM's disk). Run in the writer's COMMIT (SQLite's
 * auto-checkpoint), it stalled every persist queued meanwhile: that was
 * bench/persist's p99. Here it runs on a connection of its own, so the
 * writer goes on appending to the WAL while the checkpoint syncs. */
#ifndef ACT_PERSIST_CKPT_H
#define ACT_PERSIST_CKPT_H

#include <stdint.h>

typedef struct act_ckpt act_ckpt_t;

/* A thread with its own connection to the journal at path (synchronous
 * NORMAL or FULL as "NORMAL"/"FULL"); NULL when it cannot start (then the
 * caller checkpoints in its own thread, as before). */
act_ckpt_t *act__ckpt_start(const char *path, const char *sync);
/* Log rows up to `row` are committed and the WAL is past its threshold:
 * checkpoint soon. Never waits for the checkpoint. */
void act__ckpt_kick(act_ckpt_t *c, int64_t row);
/* The newest row a completed checkpoint has put on disk (fsync'd), or -1. */
int64_t act__ckpt_synced(act_ckpt_t *c);
/* Stops the thread (a checkpoint under way finishes) and closes its
 * connection. */
void act__ckpt_stop(act_ckpt_t *c);

#endif
