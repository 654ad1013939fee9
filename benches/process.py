"""Running a benchmarked program: its output, exit code, wall time, peak memory and CPU time."""

import subprocess
import tempfile
import time


def run(argv, cpu=None):
    """Runs argv; returns its output, exit code, wall seconds and peak RSS in MB, and puts its CPU
    seconds (user + system) in `cpu["seconds"]` when given a dict. Output goes to files: a full
    pipe would stall the program. The peak comes from GNU time, not from wait4 here: a child's
    ru_maxrss starts at what this process held when it forked (about 13 MB), more than a small
    program's whole peak."""
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("w+") as peak,
    ):
        start = time.perf_counter()
        code = subprocess.call(["/usr/bin/time", "--quiet", "-f", "%U %S %M", "-o", peak.name, *argv],
                               stdout=out, stderr=err)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        user, system, kb = peak.read().split()[-3:]
        if cpu is not None:
            cpu["seconds"] = float(user) + float(system)
        return out.read(), err.read(), code, wall, int(kb) / 1024
