"""Running a benchmarked program: its output, exit code, wall time and peak memory."""

import os
import subprocess
import tempfile
import time


def run(argv):
    """Runs argv; returns its output, exit code, wall seconds and peak RSS in MB (wait4 on its
    pid). Output goes to files: a full pipe would stall the program."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024
