#!/usr/bin/env python3
"""Checks activation logs (--act-activation-log) for the promise of
LANGUAGE.md section 10: at most one activation of a key at any moment.

Each line: monotonic ns, start|stop|exit, type, key, node, incarnation,
epoch (tab-separated); `exit` (type and key `-`) ends every activation of
that node incarnation: the runtime writes it when the process exits, a test
writes it for a process it killed. The logs of several processes on one machine may be given
(or one file they all appended to): CLOCK_MONOTONIC is one clock there.
Per key, in time order, starts and stops must alternate, each stop must
come from the activation that started last (same node and incarnation),
and epochs never go down. In a cluster (epochs above 0) a key that starts
on another node or incarnation than its previous activation must have a
higher epoch: the store gave its shard to a new owner, so two owners never
share an epoch. Prints a summary (with how many keys moved between nodes);
exits 1 on a violation, naming the key and the two lines."""
import sys
from collections import defaultdict


def main(paths):
    events = []
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 7 or parts[1] not in ("start", "stop", "exit"):
                    print(f"{path}:{n}: not an activation line: {line.rstrip()!r}")
                    return 1
                t, what, typ, key, node, inc, epoch = parts
                events.append((int(t), what, typ, key, node, inc, int(epoch), f"{path}:{n}"))
    # A start and a stop at the same nanosecond: the stop came first.
    events.sort(key=lambda e: (e[0], e[1] == "start"))
    live = {}
    last_epoch = defaultdict(int)
    owner = {}           # key -> (node, incarnation, epoch) of its last activation
    owners = defaultdict(set)
    starts = 0
    for e in events:
        t, what, typ, key, node, inc, epoch, where = e
        if what == "exit":
            for k in [k for k, s in live.items() if (s[4], s[5]) == (node, inc)]:
                del live[k]
            continue
        k = (typ, key)
        if epoch < last_epoch[k]:
            print(f"epoch went down for {typ}[{key}] at {where}")
            return 1
        last_epoch[k] = epoch
        if what == "start":
            if k in live:
                print(f"two activations of {typ}[{key}]: {live[k][7]} and {where}")
                return 1
            prev = owner.get(k)
            if prev and epoch > 0 and prev[:2] != (node, inc) and epoch <= prev[2]:
                print(f"{typ}[{key}] changed owner without a new epoch ({prev[2]} -> {epoch}) at {where}")
                return 1
            owner[k] = (node, inc, epoch)
            owners[k].add((node, inc))
            live[k] = e
            starts += 1
        else:
            s = live.pop(k, None)
            if s is None:
                print(f"stop without a start for {typ}[{key}] at {where}")
                return 1
            if (s[4], s[5]) != (node, inc):
                print(f"{typ}[{key}] stopped by another activation at {where} (started at {s[7]})")
                return 1
    moved = sum(1 for o in owners.values() if len(o) > 1)
    nodes = len({o for os in owners.values() for o in os})
    print(f"activations: {starts} starts of {len(last_epoch)} keys, never two at once; "
          f"{nodes} node incarnations, {moved} keys moved between them, epochs rising "
          f"(highest {max(last_epoch.values(), default=0)})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: check_activations.py LOG...", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
