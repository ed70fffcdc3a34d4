# netns.sh: sourced by the cluster tests. Network namespaces joined through
# a bridge that lives in a namespace of its own, so the host's network is
# never touched; everything is deleted on exit, failed or not.
#   netns_up N      makes $NS_PREFIX1..N at 10.77.0.1..N/24
#   netns_down      deletes them
#   in_ns I CMD...  runs CMD in namespace I
NS_PREFIX=act$$n

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

netns_up() {
  NS_COUNT=$1
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
