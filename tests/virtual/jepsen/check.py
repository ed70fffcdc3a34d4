#!/usr/bin/env python3
"""The fault scenarios' checker (tests/virtual/jepsen/jepsen.sh): merges
every node's activation log (--act-activation-log), the tellers' acknowledged
steps, the audit's view of every account and the journal's sequence numbers,
and asserts the promises of LANGUAGE.md section 10 and issue 14:

  activations  per key: one owner per epoch (two node incarnations never
               activate a key at the same epoch); on one clock, activations
               never overlap and their epochs never go down in time order.
               A clock is one node name's machine: times of different
               nodes are compared only with --one-clock (all nodes run on
               one host, as in the namespace tests: CLOCK_MONOTONIC is then
               one clock); without it nodes are ordered by epoch alone.
               Every activation ends, by its stop line or its process's exit.
  journal      per persistence id, sequence numbers 1..n: no gap, no
               duplicate (--journal: "pid count min max distinct" lines).
  acks         every step a teller saw answered ("ack W|D ID ACCOUNT" in
               --acks files) is among the steps the audit recovered from the
               journal ("has ACCOUNT W:ID D:ID ...").
  bank         the audit's total is --total, no step was applied twice
               ("dups 0"), and the journal holds exactly the audit's steps
               plus one Funded event per account.

A node paused past its lease (jepsen.sh, scenario pause) is judged like
any other: its activations' stop lines say when each ended, the lease's
guard, after which nothing of them is seen, a handler the pause caught
mid-run included (runtime/src/virtual/vfence.c).
Prints one summary; exits 1 on any violation."""
import argparse
import sys
from collections import defaultdict

MAX_SHOWN = 8


class Act:
    __slots__ = ("typ", "key", "node", "inc", "epoch", "t0", "t1", "where", "by_exit")

    def __init__(self, typ, key, node, inc, epoch, t0, where):
        self.typ, self.key, self.node, self.inc, self.epoch = typ, key, node, inc, epoch
        self.t0, self.t1, self.where, self.by_exit = t0, None, where, False


def read_logs(paths, bad):
    """Activation intervals from the logs, each ended by its stop or exit."""
    lines = []
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                p = line.rstrip("\n").split("\t")
                if len(p) != 7 or p[1] not in ("start", "stop", "exit") or not p[0].isdigit():
                    bad.append(f"{path}:{n}: not an activation line: {line.rstrip()!r}")
                    continue
                lines.append((int(p[0]), p[1] == "start", p[1], p[2], p[3], p[4], p[5], int(p[6]), f"{path}:{n}"))
    # Per node incarnation, in its own time order (a stop before a start at
    # the same nanosecond).
    lines.sort(key=lambda l: (l[5], l[6], l[0], l[1]))
    acts, live = [], {}
    for t, _, what, typ, key, node, inc, epoch, where in lines:
        if what == "exit":
            for k in [k for k in live if k[0] == (node, inc)]:
                a = live.pop(k)
                a.t1, a.by_exit = t, True
            continue
        k = ((node, inc), typ, key)
        if what == "start":
            if k in live:
                bad.append(f"two activations of {typ}[{key}] in one process: {live[k].where} and {where}")
                continue
            live[k] = Act(typ, key, node, inc, epoch, t, where)
            acts.append(live[k])
        else:
            a = live.pop(k, None)
            if a is None:
                bad.append(f"stop without a start for {typ}[{key}] at {where}")
            else:
                a.t1 = t
    for a in live.values():
        bad.append(f"{a.typ}[{a.key}] started at {a.where} never ended (no stop, no exit line)")
        a.t1 = float("inf")
    return acts


def check_activations(acts, one_clock, bad):
    per_key = defaultdict(list)
    for a in acts:
        per_key[(a.typ, a.key)].append(a)
    moved = 0
    for (typ, key), xs in per_key.items():
        owner_of = {}
        for a in xs:
            if a.epoch > 0:
                o = owner_of.setdefault(a.epoch, a)
                if (o.node, o.inc) != (a.node, a.inc):
                    bad.append(f"{typ}[{key}] had two owners at epoch {a.epoch}: {o.where} and {a.where}")
        if len({(a.node, a.inc) for a in xs}) > 1:
            moved += 1
        clocks = defaultdict(list)
        for a in xs:
            clocks["one" if one_clock else a.node].append(a)
        for same in clocks.values():
            same.sort(key=lambda a: (a.t0, a.t1))
            for prev, a in zip(same, same[1:]):
                if a.epoch < prev.epoch:
                    bad.append(f"epoch went down for {typ}[{key}]: {prev.epoch} at {prev.where}, {a.epoch} at {a.where}")
            # Overlaps: each start against the latest end so far.
            last = None
            for a in same:
                if last is not None and a.t0 < last.t1:
                    msg = (f"{typ}[{key}] active twice at once: {last.where} ({last.node}, epoch {last.epoch}, "
                           f"ended {'by exit' if last.by_exit else 'by stop'} {(last.t1 - a.t0) / 1e6:.1f} ms "
                           f"after) and {a.where} ({a.node}, epoch {a.epoch})")
                    bad.append(msg)
                if last is None or a.t1 > last.t1:
                    last = a
    return per_key, moved


def fault_arg(v):
    node, _, t = v.partition("=")
    if not node or not t.isdigit():
        raise argparse.ArgumentTypeError(f"{v!r} is not NODE=MONOTONIC_NS")
    return node, int(t)


def moved_after(per_key, node, t):
    """How long after T the keys whose last activation before T was on
    NODE were first active on another node: the first and the last key."""
    delays = []
    for xs in per_key.values():
        before = [a for a in xs if a.t0 < t]
        if not before or max(before, key=lambda a: a.t0).node != node:
            continue
        later = [a.t0 for a in xs if a.node != node and a.t0 > t]
        if later:
            delays.append(min(later) - t)
    if not delays:
        return f"no key of {node} was active elsewhere after the fault"
    return (f"{len(delays)} keys of {node} active elsewhere after the fault: first after "
            f"{min(delays) / 1e6:.0f} ms, last after {max(delays) / 1e6:.0f} ms")


def read_journal(path, bad):
    events = pids = 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            p = line.split()
            if len(p) != 5:
                bad.append(f"{path}:{n}: not a journal line: {line.rstrip()!r}")
                continue
            pid, count, lo, hi, distinct = p[0], *map(int, p[1:])
            if lo != 1 or hi != count or distinct != count:
                bad.append(f"journal: pid {pid} has {count} events, seq {lo}..{hi}, {distinct} distinct: "
                           "a gap or a duplicate")
            events += count
            pids += 1
    return events, pids


def read_audit(path, bad):
    total = dups = None
    has = set()
    accounts = 0
    with open(path) as f:
        for line in f:
            p = line.split()
            if p[:1] == ["total"]:
                total = int(p[1])
            elif p[:1] == ["dups"]:
                dups = int(p[1])
            elif p[:1] == ["has"]:
                accounts += 1
                has.update((p[1], step) for step in p[2:])
    if total is None or dups is None:
        bad.append(f"{path}: the audit printed no total or dups")
    return total, dups, has, accounts


def read_acks(paths):
    acks = set()
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                p = line.split()
                if len(p) == 4 and p[0] == "ack" and p[1] in ("W", "D"):
                    acks.add((p[3], f"{p[1]}:{p[2]}"))
    return acks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("logs", nargs="+", help="activation logs")
    ap.add_argument("--one-clock", action="store_true", help="all logs come from one host")
    ap.add_argument("--journal", help="the journal's sequence numbers per pid")
    ap.add_argument("--audit", help="the audit node's output")
    ap.add_argument("--acks", nargs="*", default=[], help="the tellers' outputs")
    ap.add_argument("--total", type=int, help="the bank's total")
    ap.add_argument("--fault", metavar="NODE=T", type=fault_arg, help="measure how long NODE's keys took to be active "
                    "elsewhere after monotonic time T (a measure, not a verdict; needs --one-clock)")
    a = ap.parse_args()

    bad = []
    acts = read_logs(a.logs, bad)
    per_key, moved = check_activations(acts, a.one_clock, bad)
    summary = [f"{len(acts)} activations of {len(per_key)} keys on "
               f"{len({(x.node, x.inc) for x in acts})} node incarnations "
               f"({'one clock' if a.one_clock else 'per-node clocks and epochs'}), {moved} keys moved, "
               f"highest epoch {max((x.epoch for x in acts), default=0)}"]
    if a.audit:
        total, dups, has, accounts = read_audit(a.audit, bad)
        acks = read_acks(a.acks)
        missing = sorted(acks - has)
        for acct, step in missing[:MAX_SHOWN]:
            bad.append(f"acknowledged step {step} of account {acct} is not in the journal")
        if len(missing) > MAX_SHOWN:
            bad.append(f"... {len(missing) - MAX_SHOWN} more acknowledged steps missing")
        if a.total is not None and total is not None and total != a.total:
            bad.append(f"the bank's total is {total}, not {a.total}")
        if dups:
            bad.append(f"{dups} steps were applied twice")
        summary.insert(0, f"{len(acks)} acknowledged operations, {len(acks) - len(missing)} in the journal; "
                          f"{len(has)} steps applied; total {total}")
        if a.journal:
            events, pids = read_journal(a.journal, bad)
            if events != len(has) + accounts:
                bad.append(f"the journal holds {events} events, the audit recovered {len(has)} steps "
                           f"of {accounts} funded accounts")
            summary.insert(1, f"{events} journal events of {pids} ids, no gap or duplicate")
    elif a.journal:
        events, pids = read_journal(a.journal, bad)
        summary.insert(0, f"{events} journal events of {pids} ids, no gap or duplicate")
    if a.fault and a.one_clock:
        summary.append(moved_after(per_key, *a.fault))
    if bad:
        for b in bad[:MAX_SHOWN * 2]:
            print(f"VIOLATION: {b}")
        print(f"check: {len(bad)} violations; " + "; ".join(summary))
        return 1
    print("check: ok: " + "; ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
