#!/bin/bash
# Golden programs across nodes (LANGUAGE.md §10): each tests/cluster/lang/
# NAME.act is built once and run as three nodes in network namespaces
# (netns.sh): n2 and n3 with the argument `serve`, then n1, whose stdout
# must equal NAME.out and whose exit status must be 0 (or NAME.status).
# n1 drives faults by printing directives, which stay in its output:
#   @kill nK    kill -9 node K          @term nK   SIGTERM to node K (it
#   @log TEXT   n1's stderr must hold TEXT by the end     must exit 143)
#   @start nK   start node K (with `serve`) if it is not running
# With NAME.store the nodes use the embedded coordination store instead
# of none: n1 and n3 are its seeds (so n2 may be killed without taking
# the store's quorum), the file's words are added to every node's options
# (say, --act-lease 4s), and n3 starts only when n1 prints `@start n3`.
# Each program is bounded (LANG_TIMEOUT seconds, default 40).
# Usage: lang.sh ACTORC [NAME...]
set -u
ACTORC=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.sh"
netns_skip_unless_able cluster_lang

harness_begin
netns_up 3 || fail "cannot make network namespaces"
make_cookie "$D/cookie"
# Both scaled by ACT_TEST_SCALE (netns.sh) for slow builds: under TSan a
# 200 ms heartbeat takes a busy node for a lost one
HB=${CLUSTER_HEARTBEAT:-$(scaled 200)ms}
LIMIT=${LANG_TIMEOUT:-$(scaled 40)}

names=("$@")
[ ${#names[@]} = 0 ] && for f in "$HERE"/lang/*.act; do names+=("$(basename "$f" .act)"); done

port=7400
for name in "${names[@]}"; do
  src=$HERE/lang/$name.act
  "$ACTORC" build "$src" -o "$D/$name" 2>"$D/$name.build.err" || fail "$name: build failed"
  port=$((port + 2))   # the embedded store listens on port + 1
  declare -A pid=()
  # The language over the transport, judged by heartbeats: no store (a
  # killed seed would take the two-seed store's quorum with it), unless
  # the program is about the store (NAME.store).
  store=(--act-store none)
  seeds="10.77.0.1:$port,10.77.0.2:$port"
  if [ -f "$HERE/lang/$name.store" ]; then
    read -r -a store <"$HERE/lang/$name.store"
    seeds="10.77.0.1:$port,10.77.0.3:$port"
    cd "$D" || fail "no temporary folder"   # the store's data directories
  fi
  node() {   # node K [ARGS]
    local k=$1
    shift
    ip netns exec "$NS_PREFIX$k" "$D/$name" "$@" --act-node "n$k@10.77.0.$k:$port" \
      --act-seeds "$seeds" --act-cookie-file "$D/cookie" \
      --act-heartbeat "$HB" "${store[@]}" >"$D/$name.n$k.out" 2>"$D/$name.n$k.err" &
    pid[$k]=$!
    PIDS+=("$!")
  }
  t0=$SECONDS
  node 2 serve
  [ -f "$HERE/lang/$name.store" ] || node 3 serve
  node 1
  done_lines=0
  termed=()
  while kill -0 "${pid[1]}" 2>/dev/null; do
    [ $((SECONDS - t0)) -ge "$LIMIT" ] && fail "$name: n1 still running after ${LIMIT}s"
    mapfile -t lines < <(grep '^@' "$D/$name.n1.out" 2>/dev/null)
    while [ "$done_lines" -lt "${#lines[@]}" ]; do
      set -- ${lines[$done_lines]}
      done_lines=$((done_lines + 1))
      k=${2#n}
      case $1 in
      @kill) kill -9 "${pid[$k]}"; wait "${pid[$k]}" 2>/dev/null ;;
      @term) kill -TERM "${pid[$k]}"; termed+=("$k") ;;
      @start) [ -n "${pid[$k]:-}" ] || node "$k" serve ;;
      esac
    done
    sleep 0.05
  done
  wait "${pid[1]}"
  rc=$?
  want=0
  [ -f "$HERE/lang/$name.status" ] && want=$(cat "$HERE/lang/$name.status")
  [ "$rc" = "$want" ] || fail "$name: n1 exited with $rc, not $want"
  diff -u "$HERE/lang/$name.out" "$D/$name.n1.out" || fail "$name: n1's output differs"
  while read -r _ text; do
    grep -qF -- "$text" "$D/$name.n1.err" || fail "$name: n1's log lacks \"$text\""
  done < <(grep '^@log ' "$D/$name.n1.out")
  for k in "${termed[@]}"; do expect_end "${pid[$k]}" "$(scaled 10)" 143 "$name: n$k after SIGTERM"; done
  for k in 2 3; do [ -n "${pid[$k]:-}" ] && kill -9 "${pid[$k]}" 2>/dev/null; done
  wait 2>/dev/null
  sanitized
  echo "cluster_lang: $name ok ($((SECONDS - t0)) s)"
done
echo "cluster_lang: ok"
