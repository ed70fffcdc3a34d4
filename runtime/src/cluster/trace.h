/* trace.h: where the time of a remote ask goes (issue 13). With
 * ACT_ASK_TRACE=FILE in a node's environment, each step of an ask's round
 * trip below stamps CLOCK_MONOTONIC into FILE, a shared mapping: the
 * stamps survive a kill -9, and the files of two nodes on one machine
 * (one clock) can be merged by time (bench/cluster/trace.sh, trace.py).
 * Without the variable a step costs one load and a branch. */
#ifndef ACT_CLUSTER_TRACE_H
#define ACT_CLUSTER_TRACE_H

#include <stdatomic.h>

enum {
  ACT_TR_ASK = 1,     /* a worker begins to send an ask to another node */
  ACT_TR_SEALED,      /* a worker's direct write: framed and sealed, before send(2) */
  ACT_TR_ASK_OUT,     /* ... the ask is written (or queued for the loop) */
  ACT_TR_RX_LOOP,     /* the loop thread's read callback, data connection */
  ACT_TR_QUEUED,      /* an arrived ask is decoded, about to go to its target's mailbox */
  ACT_TR_REPLY,       /* a worker begins to send a reply to another node */
  ACT_TR_REPLY_OUT,   /* ... written */
  ACT_TR_REPLIED,     /* an arrived reply is decoded, about to go to its asker */
  ACT_TR_COUNT
};

extern _Atomic int act__trace_on;
/* Reads ACT_ASK_TRACE once (act_cluster_start); a bad FILE is reported. */
void act__trace_init(void);
void act__trace_at(int ev, long long mono_ns);
void act__trace_now(int ev);

#define ACT_TRACE(ev) \
  do { \
    if (atomic_load_explicit(&act__trace_on, memory_order_relaxed)) act__trace_now(ev); \
  } while (0)

#endif
