#!/usr/bin/env python3
"""peak_rss.py PROG [ARG...]: runs PROG and prints its exit status, its
peak RSS in KiB (getrusage of the child) and its stdout on one line, for
the tests that bound a program's memory (heap_small.sh,
sched_help_memory.sh)."""
import resource
import subprocess
import sys

r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.stdout.strip())
