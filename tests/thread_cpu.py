#!/usr/bin/env python3
"""thread_cpu.py PROG [ARG...]: runs PROG and prints its exit status, then
the CPU seconds (user + system) of each of its worker threads
(act-worker-N, in N order), then its stdout, on one line. A thread's
times vanish when the process exits, so they are read from
/proc/PID/task every 10 ms while it runs (sched_spread.sh)."""
import os
import subprocess
import sys
import time

tick = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
cpu = {}
while p.poll() is None:
    try:
        tids = os.listdir(f"/proc/{p.pid}/task")
    except OSError:
        break
    for tid in tids:
        try:
            with open(f"/proc/{p.pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if name.startswith("act-worker-"):
            # utime and stime: fields 14 and 15 of stat, 12 and 13 after the name
            cpu[name] = max(cpu.get(name, 0), int(fields[11]) + int(fields[12]))
    time.sleep(0.01)
out = p.communicate()[0]
workers = sorted(cpu, key=lambda n: int(n.rsplit("-", 1)[1]))
print(p.returncode, " ".join(f"{cpu[n] / tick:.2f}" for n in workers), out.strip())
