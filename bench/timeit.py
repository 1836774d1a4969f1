#!/usr/bin/env python3
"""Best-of-N wall-clock time of a command, for bench/run.sh.

usage: timeit.py N OUTFILE -- COMMAND [ARGS...]

Runs COMMAND N times with standard output to OUTFILE (standard error is
kept in OUTFILE.stderr) and prints "BEST_SECONDS PEAK_RSS_KIB LAST_EXIT".
With TIMEIT_CPU=1 in the environment it adds a fourth field, the best
CPU time (user + system, seconds) of one run: on a loaded machine the
wall clock measures the queue for the cores as much as the program.
Run one command per process: the peak RSS (getrusage RUSAGE_CHILDREN) is
the largest of every child this process waited for.
"""
import os
import resource
import subprocess
import sys
import time


def cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.exit(__doc__)
    runs, out, cmd = int(argv[1]), argv[2], argv[4:]
    best, best_cpu, rc = float("inf"), float("inf"), None
    for _ in range(runs):
        with open(out, "wb") as o, open(out + ".stderr", "wb") as e:
            c0 = cpu()
            t0 = time.perf_counter()
            rc = subprocess.call(cmd, stdout=o, stderr=e)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, cpu() - c0)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if os.environ.get("TIMEIT_CPU") == "1":
        print("%.4f %d %d %.4f" % (best, rss, rc, best_cpu))
    else:
        print("%.4f %d %d" % (best, rss, rc))


if __name__ == "__main__":
    main(sys.argv)
