/* sched.pml: a model of the scheduler's wake-up, release, backpressure and
 * quiescence protocol (sched.c, SCHED.md), checked with spin in `make
 * test` (tests/model.sh). Spin explores every interleaving of the workers;
 * the checks are:
 *   - the program is never called quiescent (exit 0) while a message is
 *     queued, an actor is parked, or a start is pending (assert at exit);
 *   - no run ends with workers asleep and work left (spin's invalid end
 *     states: a worker blocked anywhere but its idle wait, or an idle
 *     wait that never ends because nobody will wake it);
 *   - an actor is never run by two workers at once (assert in run).
 * Each fix can be taken out again with -DBUG_...; tests/model.sh checks
 * that the model then finds the failure (so the model is not vacuous):
 *   BUG_STALE_PAUSE  the pause a send records is acted on only after
 *                    message handlers (not after init) and never cleared;
 *   BUG_LOST_WAKEUP  park() checks the target once and registers; the
 *                    target looks for waiters only when it takes a message;
 *   BUG_CYCLE        a sender over its own bound is paused all the same,
 *                    and a target may be parked itself;
 *   BUG_QUIESCENCE   parked actors are not counted at quiescence (with
 *                    one of the others: the program then exits 0 with a
 *                    message queued, the symptom users saw).
 *
 * What is modelled: NW workers, each with a `next` slot; one shared run
 * queue standing for the run queues and the injection queue (stealing makes
 * any queued actor reachable by any worker; since thieves take only from
 * open queues (SCHED.md, "Stealing that pays") that is more than the
 * runtime allows, which is sound for the safety properties, and a worker
 * still sleeps only with its own queue empty, so none is left waiting);
 * actors with a mailbox count,
 * the sched flag, a version of the mailbox's producer end (mq_head), a
 * bound, and a pending start (init). Sequential consistency stands for the
 * fences in sched.c (park/wake_if_drained/block_mail are fenced Dekker
 * pairs; the release is seq_cst); every shared step of sched.c that is a
 * single atomic instruction or is done under a lock is one atomic step here.
 * Actor 0 is a consumer bounded to BOUND; actors 1..NP are producers whose
 * init sends INIT_SENDS messages to actor 0 and whose Go messages send one
 * more each. With -DCYCLE actors 1 and 2 are bounded and send to each other
 * (the §7 cycle) instead. */

#ifndef NW
#define NW 2
#endif
#define NA 3
#ifndef BOUND
#define BOUND 1
#endif
#define HALF (BOUND / 2)
#define NONE 255
#ifndef INIT_SENDS
#define INIT_SENDS 2
#endif
#ifndef BUDGET
#define BUDGET 3
#endif

byte mq[NA];            /* user messages queued (mq_in - mq_out) */
byte ver[NA];           /* changes with every push: the producers' end */
bit sched[NA];          /* 1 while queued, running or parked */
bit parked[NA];
bit start_pending[NA];
byte parked_on[NA];     /* the target a parked actor waits on, else NONE */
byte bound[NA];         /* 0: unbounded */
byte gos[NA];           /* Go messages still queued for a producer */
bit running[NA];        /* run by some worker now (two at once is a bug) */
byte parked_count;
byte idle;
bit exited;
byte target[NA];        /* where a producer sends */
byte budget = BUDGET;   /* CYCLE: messages handled that send one on */

chan runq = [NA] of { byte };

#define queued_over(t) (bound[t] > 0 && mq[t] > bound[t])

/* enqueue + act__schedule: push, then take sched if it was 0; a worker's
 * schedule goes to its `next`, displacing the old one to the queue, or,
 * when the same handler filled `next` (sched.h, next_by: not modelled),
 * to the queue itself: either may happen. */
inline send(t, w) {
  atomic {
    mq[t]++;
    ver[t]++;
  }
  atomic {
    if
    :: sched[t] == 0 ->
       sched[t] = 1;
       if
       :: nxt[w] != NONE -> runq ! nxt[w]; nxt[w] = t
       :: nxt[w] != NONE -> runq ! t
       :: else -> nxt[w] = t
       fi
    :: else -> skip
    fi
  }
}

byte nxt[NW];

/* wake_waiters(t): every actor parked on t goes back to a queue. */
inline wake_all(t) {
  atomic {
    i = 0;
    do
    :: i < NA ->
       if
       :: parked[i] && parked_on[i] == t ->
          parked[i] = 0;
          parked_on[i] = NONE;
          runq ! i;
          parked_count--
       :: else -> skip
       fi;
       i++
    :: else -> break
    od
  }
}

inline has_waiters(t, r) {
  atomic {
    r = 0;
    i = 0;
    do
    :: i < NA -> if :: parked[i] && parked_on[i] == t -> r = 1 :: else -> skip fi; i++
    :: else -> break
    od
  }
}

/* park(a, t) as in sched.c: under both locks (one atomic step here, which
 * is what the pair of locks gives against other parkers); the re-check
 * after registration is the second half of the Dekker pair with
 * wake_if_drained. Sets ok when a parked. */
inline park(a, t, ok) {
  ok = 0;
#ifdef BUG_LOST_WAKEUP
  /* The old park: look once, then register in a second step. */
  if
  :: mq[t] > HALF -> look = 1
  :: else -> look = 0
  fi;
  atomic {
    if
    :: look -> parked[a] = 1; parked_on[a] = t; parked_count++; ok = 1; running[a] = 0
    :: else -> skip
    fi
  }
#else
  atomic {
    if
#ifdef BUG_CYCLE
    :: mq[t] > HALF ->
#else
    :: !parked[t] && mq[t] > HALF ->
#endif
       parked[a] = 1; parked_on[a] = t; parked_count++; ok = 1
    :: else -> skip
    fi;
    /* Registered: look again (the target may have drained meanwhile).
     * Still under both locks in sched.c, so in the same step here; once
     * parked, another worker may run a at once: this one lets go of it. */
    if
    :: ok && !(mq[t] > HALF) ->
       parked[a] = 0; parked_on[a] = NONE; parked_count--; ok = 0
    :: ok && mq[t] > HALF -> running[a] = 0
    :: else -> skip
    fi
  }
#endif
}

proctype worker(byte w) {
  byte a, t, pause, seen, i, look;
  bit ok, r, work;
  nxt[w] = NONE;
  pause = NONE;
end_idle:
  do
  :: exited -> break
  :: else ->
     /* Take the next actor: own `next`, then the queue, else sleep. */
     atomic {
       if
       :: nxt[w] != NONE -> a = nxt[w]; nxt[w] = NONE
       :: nxt[w] == NONE && nempty(runq) -> runq ? a
       :: nxt[w] == NONE && empty(runq) ->
          a = NONE;
          idle++;
          if
#ifdef BUG_QUIESCENCE
          :: idle == NW && empty(runq) ->
#else
          :: idle == NW && parked_count == 0 && empty(runq) ->
#endif
             /* quiescent: nothing queued may remain */
             i = 0;
             do
             :: i < NA -> assert(mq[i] == 0 && gos[i] == 0 && !start_pending[i] && !parked[i]); i++
             :: else -> break
             od;
             exited = 1
#ifndef BUG_QUIESCENCE
          :: idle == NW && parked_count > 0 && empty(runq) ->
             assert(0)   /* reported as a deadlock by check_quiescent */
#endif
          :: idle < NW || nempty(runq) -> skip
          fi
       fi
     }
     if
     :: a == NONE ->
        /* asleep until there is work (or the program ended) */
        atomic { (nempty(runq) || exited) -> idle-- };
        goto end_idle
     :: else -> skip
     fi;
     atomic { assert(!running[a]); running[a] = 1 };
#ifndef BUG_STALE_PAUSE
     pause = NONE;
#endif
     /* One step: the start (init) if pending, else one message. */
     if
     :: start_pending[a] ->
        start_pending[a] = 0;
        if
        :: a > 0 ->
           /* init: a burst to the target */
           t = target[a];
           i = 0;
           do
           :: i < INIT_SENDS ->
              send(t, w);
#ifdef BUG_CYCLE
              if :: queued_over(t) -> pause = t :: else -> skip fi;
#else
              if :: queued_over(t) && !queued_over(a) -> pause = t :: else -> skip fi;
#endif
              i++
           :: else -> break
           od
        :: else -> skip
        fi;
#ifdef BUG_STALE_PAUSE
        goto released   /* the old loop took no pause after init */
#endif
     :: !start_pending[a] && mq[a] > 0 ->
        atomic {
          mq[a]--;
          if
          :: gos[a] > 0 -> gos[a]--; r = 1        /* a Go: send one on */
#ifdef CYCLE
          :: gos[a] == 0 && budget > 0 -> budget--; r = 1
#endif
          :: else -> r = 0
          fi
        };
#ifdef BUG_LOST_WAKEUP
        has_waiters(a, look);
        if :: look && mq[a] <= HALF -> wake_all(a) :: else -> skip fi;
#endif
        if
        :: r ->
           t = target[a];
           send(t, w);
#ifdef BUG_CYCLE
           if :: queued_over(t) -> pause = t :: else -> skip fi
#else
           if :: queued_over(t) && !queued_over(a) -> pause = t :: else -> skip fi
#endif
        :: else -> skip
        fi
     :: !start_pending[a] && mq[a] == 0 -> skip
     fi;
     /* The handler boundary: a recorded pause is taken here. */
     if
     :: pause != NONE ->
        t = pause;
        pause = NONE;
        park(a, t, ok);
        if
        :: ok -> goto end_idle    /* sched stays 1: t wakes us */
        :: else -> skip
        fi
     :: else -> skip
     fi;
#ifdef BUG_STALE_PAUSE
released:
#endif
#ifndef BUG_LOST_WAKEUP
     /* wake_if_drained: the receiver's fenced look after every run. */
     has_waiters(a, r);
     if :: r && mq[a] <= HALF -> wake_all(a) :: else -> skip fi;
#endif
     /* Release: remember the producers' end, requeue if work is left,
      * else sched = 0 and take it back if a push came in since. */
     seen = ver[a];
     work = (mq[a] > 0 || start_pending[a]);
     if
     :: work -> running[a] = 0; runq ! a
     :: else ->
        running[a] = 0;
        sched[a] = 0;
        atomic {
          if
          :: ver[a] != seen && sched[a] == 0 -> sched[a] = 1; runq ! a
          :: else -> skip
          fi
        }
     fi
  od
}

init {
  byte k;
  atomic {
    k = 0;
    do
    :: k < NA -> parked_on[k] = NONE; k++
    :: else -> break
    od;
#ifdef CYCLE
    /* actors 1 and 2 bounded, each sending to the other */
    bound[1] = BOUND; bound[2] = BOUND;
    target[1] = 2; target[2] = 1;
    start_pending[1] = 1; sched[1] = 1; runq ! 1;
    start_pending[2] = 1; sched[2] = 1; runq ! 2;
#else
    bound[0] = BOUND;
    target[1] = 0; target[2] = 0;
    start_pending[1] = 1; sched[1] = 1; runq ! 1;
    start_pending[2] = 1; sched[2] = 1; runq ! 2;
    /* one Go queued for producer 1: a send from a handler too */
    mq[1] = 1; gos[1] = 1;
#endif
    k = 0;
    do
    :: k < NW -> run worker(k); k++
    :: else -> break
    od
  }
}
