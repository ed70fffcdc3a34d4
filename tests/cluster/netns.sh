# netns.sh: sourced by the cluster tests. Network namespaces joined through
# a bridge that lives in a namespace of its own, so the host's network is
# never touched; everything is deleted on exit, failed or not.
#   netns_up N      makes $NS_PREFIX1..N at 10.77.0.1..N/24
#   netns_down      deletes them
#   netns_sweep     deletes the namespaces of harnesses whose shell is gone
#                   (netns_up does it first)
#   in_ns I CMD...  runs CMD in namespace I
#   netns_cut I J   cuts I and J apart (blackhole routes both ways: sends
#                   fail at once, nothing arrives); netns_heal I J undoes it
# and the harness the node tests share:
#   harness_begin   $D a new temporary folder, $PIDS the processes started;
#                   on exit they are killed (continued first if stopped),
#                   $HARNESS_ATEXIT runs, the namespaces and $D go
#   harness_up NAME N   all of a node test's start: skipped (77) unless
#                   able, harness_begin, N namespaces, $D/cookie, cd $D
#   node_start K PORT SEEDS CMD...   CMD (a node program and its own
#                   arguments) as nK in namespace K at 10.77.0.K:PORT, with
#                   SEEDS and $D/cookie, logging to $D/nK.out and .err;
#                   its PID in pid[K] and $PIDS
#   fail MSG...     says why, shows the tail of every .out/.err in $D, exit 1
#   make_cookie F   a random cookie file only its owner can read
#   expect_end PID S STATUS WHAT   PID ends within S seconds with STATUS
#   sanitized       fails if a log in $D (or a folder in it) holds a
#                   sanitizer's report (the nodes a test kills or leaves
#                   running are not waited for)
#   scaled N        N times ACT_TEST_SCALE (an integer, default 1; make tsan
#                   sets it): time limits for builds several times slower
# NETNS_KEEP=DIR keeps a copy of $D there at the end (to read the logs).
NS_PREFIX=act$$n

harness_begin() {
  D=$(mktemp -d)
  PIDS=()
  trap harness_cleanup EXIT
}

harness_cleanup() {
  for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${HARNESS_ATEXIT:-}" ] && $HARNESS_ATEXIT
  netns_down
  [ -n "${NETNS_KEEP:-}" ] && rm -rf "$NETNS_KEEP" && cp -r "$D" "$NETNS_KEEP"
  rm -rf "$D"
}

fail() {
  echo "FAIL: $*"
  for f in "$D"/*.out "$D"/*.err; do
    [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 30 "$f"; }
  done
  exit 1
}

sanitized() {
  local f
  for f in "$D"/*.err "$D"/*/*.err; do
    grep -q "^WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error:" "$f" 2>/dev/null &&
      { echo "--- $(basename "$f")"; sed -n '/WARNING: ThreadSanitizer\|ERROR: AddressSanitizer\|runtime error:/,$p' "$f" | head -n 60; fail "a sanitizer reported in $(basename "$f")"; }
  done
  return 0
}

scaled() { echo $(($1 * ${ACT_TEST_SCALE:-1})); }

make_cookie() {
  head -c 48 /dev/urandom | base64 >"$1"
  chmod 600 "$1"
}

netns_skip_unless_able() {
  if [ "$(id -u)" != 0 ]; then
    echo "$1: skipped: network namespaces need root"
    exit 77
  fi
  if ! command -v ip >/dev/null 2>&1 || ! ip netns add "${NS_PREFIX}probe" 2>/dev/null; then
    echo "$1: skipped: \`ip netns\` is not available here"
    exit 77
  fi
  ip netns del "${NS_PREFIX}probe"
}

# Namespaces of a harness whose shell is gone: one killed outright (ctest's
# time-out, kill -9) never ran its exit trap, and its namespaces, and any
# node still running in them, stayed behind (48 after one day of helpers'
# runs). Their names carry the shell's PID; a live shell's are left alone.
netns_sweep() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns =~ ^act([0-9]+)n ]] || continue
    pid=${BASH_REMATCH[1]}
    [ "$pid" = $$ ] || [ -d "/proc/$pid" ] && continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

netns_up() {
  NS_COUNT=$1
  netns_sweep
  ip netns add "${NS_PREFIX}sw" || return 1
  ip -n "${NS_PREFIX}sw" link add br0 type bridge || return 1
  ip -n "${NS_PREFIX}sw" link set br0 up
  for i in $(seq 1 "$NS_COUNT"); do
    ip netns add "$NS_PREFIX$i" || return 1
    ip link add v$i netns "$NS_PREFIX$i" type veth peer name p$i netns "${NS_PREFIX}sw" || return 1
    ip -n "${NS_PREFIX}sw" link set p$i master br0 up
    ip -n "$NS_PREFIX$i" addr add 10.77.0.$i/24 dev v$i
    ip -n "$NS_PREFIX$i" link set v$i up
    ip -n "$NS_PREFIX$i" link set lo up
  done
}

netns_down() {
  for i in $(seq 1 "${NS_COUNT:-0}"); do ip netns del "$NS_PREFIX$i" 2>/dev/null; done
  ip netns del "${NS_PREFIX}sw" 2>/dev/null
  return 0
}

in_ns() {
  local i=$1
  shift
  ip netns exec "$NS_PREFIX$i" "$@"
}

netns_cut() {
  ip -n "$NS_PREFIX$1" route add blackhole "10.77.0.$2/32" &&
    ip -n "$NS_PREFIX$2" route add blackhole "10.77.0.$1/32"
}

netns_heal() {
  ip -n "$NS_PREFIX$1" route del blackhole "10.77.0.$2/32" &&
    ip -n "$NS_PREFIX$2" route del blackhole "10.77.0.$1/32"
}

expect_end() {
  local end=$((SECONDS + $2)) st
  while kill -0 "$1" 2>/dev/null; do
    [ $SECONDS -ge $end ] && fail "$4: still running $2 s later"
    sleep 0.05
  done
  wait "$1"
  st=$?
  [ "$st" = "$3" ] || fail "$4: ended with status $st, not $3"
}

harness_up() {
  netns_skip_unless_able "$1"
  harness_begin
  netns_up "$2" || fail "cannot make network namespaces"
  make_cookie "$D/cookie"
  cd "$D" || fail "no temporary folder"
}

node_start() {
  local k=$1 port=$2 seeds=$3
  shift 3
  ip netns exec "$NS_PREFIX$k" "$@" --act-node "n$k@10.77.0.$k:$port" --act-seeds "$seeds" \
    --act-cookie-file "$D/cookie" >>"$D/n$k.out" 2>>"$D/n$k.err" &
  pid[$k]=$!
  PIDS+=("$!")
}

# For scripts whose node K logs to $D/nK.err and has its pid in pid[K]:
# wait_log K TEXT SECS WHAT: until nK's log has TEXT (a fixed string)
wait_log() {
  local end=$((SECONDS + $3))
  until grep -qF "$2" "$D/n$1.err" 2>/dev/null; do
    [ $SECONDS -ge $end ] && fail "$4 (no \"$2\" in n$1's log within $3 s)"
    sleep 0.05
  done
}
# alive K...: each still runs, else the test fails with its last words
alive() { for k in "$@"; do kill -0 "${pid[$k]}" 2>/dev/null || fail "n$k ended: $(tail -n 2 "$D/n$k.err")"; done; }
