"""Every function, measured in one run: start-up (process start to its first Runtime API poll,
median of RUNS), peak memory handling one of its sample events against moto (median of 3), and
the size of its zipped `bootstrap`; next to the usual Python/boto3 Lambda for the Glue job.
Writes the figures to OUT.json and prints them.

    python3 functions.py RUNS OUT.json RELEASE_DIR
"""

import io
import json
import os
import sys
import zipfile

import memory
import startup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "benches")

# The sample each function handles for the memory figure: one that makes AWS calls on an empty
# moto. Outcomes other than `ok` are errors the function answered (moto holds no resources).
EVENTS = {
    "stop-glue-session": "scheduled-sweep.json",
    "check-and-stop-rds": "eventbridge-instance-auto-started.json",
    "extract-wordpress": "scheduled-run.json",
    "wordpress-to-parquet": "run-by-hand.json",
    "route-finding": "securityhub-findings-imported.json",
    "remediation-proxy": "remediate-s3-finding-dry-run.json",
    "remediate-s3-public-access": "remediate-dry-run.json",
    "crawl-page": "step-next.json",
}


def zipped_mb(path):
    """The deployment package: the binary as `bootstrap`, deflated, as sam build zips it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    return round(len(buffer.getvalue()) / 1e6, 2)


def measure(name, argv, event, runs):
    env = startup.lambda_env()
    startup.one_run(argv, env)  # warm the page cache; not counted
    times = sorted(startup.one_run(argv, env) for _ in range(runs))
    peaks = [memory.one_run(event, argv) for _ in range(3)]
    return {
        "name": name,
        "startup_ms": round(times[len(times) // 2], 1),
        "peak_mb": round(sorted(p[0] for p in peaks)[1], 1),
        "outcome": peaks[-1][1],
    }


def main():
    runs, out, release = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    python = os.environ.get("PYTHON_WITH_BOTO3", sys.executable)
    rows = []
    for name, event_file in EVENTS.items():
        with open(os.path.join(ROOT, "events", name, event_file), "rb") as f:
            event = f.read()
        binary = os.path.join(release, name)
        row = measure(name, [binary], event, runs)
        row["zip_mb"] = zipped_mb(binary)
        rows.append(row)
    with open(os.path.join(ROOT, "events", "stop-glue-session", EVENTS["stop-glue-session"]), "rb") as f:
        event = f.read()
    baseline = measure("python-glue-stopper", [python, os.path.join(HERE, "python_glue_stopper.py")], event, runs)
    with open(out, "w") as f:
        json.dump({"runs": runs, "functions": rows, "python": baseline}, f, indent=2)

    print(f"\nPer function: start-up (median of {runs}), peak memory handling a sample event against moto")
    print(f"{'function':28} {'start-up ms':>11} {'peak MB':>8} {'zipped MB':>9}  outcome")
    for r in rows + [dict(baseline, zip_mb="-")]:
        print(f"{r['name']:28} {r['startup_ms']:>11} {r['peak_mb']:>8} {r['zip_mb']:>9}  {r['outcome']}")


if __name__ == "__main__":
    main()
