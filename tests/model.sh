#!/bin/sh
# Model-checks the scheduler's protocol (runtime/src/rt/sched.pml) with spin:
# the model as built must hold in both shapes (fan-in to a bounded consumer,
# and a bounded cycle), and each fix taken out again must be caught, so the
# model cannot pass vacuously.
set -u
model=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$model" "$tmp/sched.pml"
cd "$tmp" || exit 1
fail=0
check() {   # check EXPECT FLAGS...: EXPECT is pass or fail
  want=$1; shift
  rm -f pan pan.* sched.pml.trail
  spin -a "$@" sched.pml >spin.log 2>&1 || { cat spin.log; echo "FAIL spin $*"; fail=1; return; }
  cc -O2 -DSAFETY -w -o pan pan.c || { echo "FAIL cc $*"; fail=1; return; }
  ./pan -m200000 >pan.log 2>&1
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log)
  states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' pan.log)
  if [ "$want" = pass ] && [ "$errors" = 0 ] && ! grep -q "max search depth too small" pan.log; then
    echo "ok   holds ($states states): ${*:-the fan-in shape}"
  elif [ "$want" = fail ] && [ -n "$errors" ] && [ "$errors" != 0 ]; then
    echo "ok   caught: $* -> $(grep -m1 '^pan:1' pan.log | cut -c1-100)"
  else
    echo "FAIL expected the model to $want with: $*"; cat pan.log; fail=1
  fi
}
check pass
check pass -DCYCLE
# Three workers: 38 million states, ~4 GB and minutes; `make stress` runs it.
[ "${MODEL_FULL:-0}" = 1 ] && check pass -DNW=3
check fail -DBUG_STALE_PAUSE
check fail -DBUG_LOST_WAKEUP
check fail -DCYCLE -DBUG_CYCLE
check fail -DBUG_LOST_WAKEUP -DBUG_QUIESCENCE
check fail -DBUG_STALE_PAUSE -DBUG_QUIESCENCE
[ $fail = 0 ] && echo "ok model"
exit $fail
