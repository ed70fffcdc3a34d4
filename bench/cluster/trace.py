#!/usr/bin/env python3
"""Splits the ask round trips of bench/cluster/cluster.act into hops, from
the stamps of `profile.sh trace OUT` (n1 asks, n2 answers; one machine, so
one CLOCK_MONOTONIC). Usage: trace.py OUT [SKIP]  (SKIP: the first asks,
warm-up, left out; default 200). Prints p50, p90 and the mean of each hop
in microseconds, and how much of the round trip's p50 they explain."""
import struct
import sys

ASK, SEALED, ASK_OUT, RX_LOOP, QUEUED, REPLY, REPLY_OUT, REPLIED = range(1, 9)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    count = min(struct.unpack_from("<Q", data, 0)[0], (len(data) - 16) // 16)
    return [struct.unpack_from("<qII", data, 16 + 16 * i)[:2] for i in range(count)]


def main():
    out = sys.argv[1]
    skip = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    ev = sorted([(t, 1, e) for t, e in load(out + "/n1.trace")] +
                [(t, 2, e) for t, e in load(out + "/n2.trace")])
    asks = [i for i, (t, node, e) in enumerate(ev) if node == 1 and e == ASK]
    # Each hop: from (node, event) to (node, event), the first of each
    # after the ask and before the next one.
    hops = [
        ("n1 worker: encode, seal the ask", (1, ASK), (1, SEALED)),
        ("n1 send(2), veth, n2 loop wakes, reads", (1, SEALED), (2, RX_LOOP)),
        ("n2 loop: TLS, decode", (2, RX_LOOP), (2, QUEUED)),
        ("n2 mailbox, worker wakes, runs Echo", (2, QUEUED), (2, REPLY)),
        ("n2 worker: encode, seal the reply", (2, REPLY), (2, SEALED)),
        ("n2 send(2), veth, n1 loop wakes, reads", (2, SEALED), (1, RX_LOOP)),
        ("n1 loop: TLS, decode", (1, RX_LOOP), (1, REPLIED)),
        ("n1 mailbox, asker resumes, asks again", (1, REPLIED), (1, ASK)),
    ]
    side = [("n1 send(2) returns (after ask sealed)", (1, SEALED), (1, ASK_OUT)),
            ("n2 send(2) returns (after reply sealed)", (2, SEALED), (2, REPLY_OUT))]
    got = {name: [] for name, _, _ in hops + side}
    rtts = []
    complete = 0
    for k in range(skip, len(asks) - 1):
        a, b = asks[k], asks[k + 1]
        first = {}
        for t, node, e in ev[a:b + 1]:
            first.setdefault((node, e), t)
        first[(1, ASK)] = ev[a][0]
        nxt = ev[b][0]
        ok = all(x in first for _, x, y in hops[:-1]) and all(y in first for _, x, y in hops[:-1])
        if not ok:
            continue
        complete += 1
        rtts.append((nxt - ev[a][0]) / 1000)
        for name, x, y in hops:
            ty = nxt if y == (1, ASK) else first[y]
            got[name].append((ty - first[x]) / 1000)
        for name, x, y in side:
            if x in first and y in first:
                got[name].append((first[y] - first[x]) / 1000)

    def q(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")

    print(f"{complete} round trips with every stamp (of {max(0, len(asks) - 1 - skip)}); "
          f"ask to next ask p50 {q(rtts, .5):.1f} us, p90 {q(rtts, .9):.1f} us")
    print(f"{'hop':42} {'p50':>7} {'p90':>7} {'mean':>7}  (us)")
    total = 0.0
    for name, _, _ in hops + side:
        v = got[name]
        if not v:
            continue
        mean = sum(v) / len(v)
        if any(name == h[0] for h in hops):
            total += q(v, .5)
        print(f"{name:42} {q(v, .5):7.1f} {q(v, .9):7.1f} {mean:7.1f}")
    print(f"sum of the hops' p50s: {total:.1f} us")


if __name__ == "__main__":
    main()
