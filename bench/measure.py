#!/usr/bin/env python3
"""One run of a command, for bench/scale.sh.

usage: measure.py OUTFILE -- COMMAND [ARGS...]

Runs COMMAND once with standard output to OUTFILE (standard error to
OUTFILE.stderr) and prints "WALL_SECONDS CPU_SECONDS PEAK_RSS_KIB EXIT".
CPU is user + system time: on a loaded machine it tells the program's own
growth better than the wall clock.  Run one command per process: the
figures are those of every child this process waited for.
"""
import resource
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit(__doc__)
    out, cmd = argv[1], argv[3:]
    with open(out, "wb") as o, open(out + ".stderr", "wb") as e:
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, stdout=o, stderr=e)
        wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("%.3f %.3f %d %d" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, rc))


if __name__ == "__main__":
    main(sys.argv)
