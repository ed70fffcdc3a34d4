#!/usr/bin/env bash
# The kernel's share of an ask's round trip (floor.c) between the two
# namespaces run.sh uses: run it beside run.sh, at the same load.
#   floor.sh [COUNT]   (default 20000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/cluster/netns.sh"
netns_skip_unless_able cluster_floor || exit 0
harness_begin
netns_up 2
cc -O2 -o "$D/floor" "$here/floor.c"
ip netns exec "${NS_PREFIX}2" "$D/floor" serve 10.77.0.2 7600 &
PIDS+=($!)
in_ns 1 "$D/floor" 10.77.0.2 7600 "${1:-20000}"
