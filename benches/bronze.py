"""Bronze conversion, side by side: our converter (the function's code path, release build) and
the seed's pandas/pyarrow path, on the same WordPress posts file, in one run.

Two files: REALISTIC, as the fake site serves posts (`meta` is `{...}` in most posts and `[]` in
older ones), which each program converts once to see whether it can; and UNIFORM, the same posts
with `meta` always an object, which both can convert, for the timings. Each program runs
RUNS times, alternating; reported are the median wall time of the whole process, the median
conversion time the program measured itself (read to written, without interpreter start-up),
and the peak resident memory of the process (GNU time). Both outputs are read back with
pyarrow to check they hold every row and the same ids.

    python bronze.py RUNS REALISTIC.json UNIFORM.json RUST_PROGRAM

With BENCH_JSON set, the medians are also written to that file for `make bench`'s summary.
"""

import json
import os
import statistics
import sys
import tempfile
import time

import pyarrow.parquet as pq

from process import run

HERE = os.path.dirname(os.path.abspath(__file__))


def measured(argv):
    out, err, code, wall, peak_mb = run(argv)
    if code != 0:
        raise RuntimeError(f"{argv[0]} failed: {err.strip()[-2000:]}")
    rows, columns, seconds = out.split()
    return {
        "wall": wall,
        "convert": float(seconds),
        "rows": int(rows),
        "columns": int(columns),
        "peak_mb": peak_mb,
    }


def can_convert(name, argv):
    try:
        measured(argv)
        print(f"{name:26} converts it")
        return True
    except RuntimeError as e:
        print(f"{name:26} FAILS: {str(e).splitlines()[-1]}")
        return False


def main():
    runs, realistic, source, rust = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    size_mb = os.path.getsize(source) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        # name: (output file, argv for an input file)
        programs = {
            "Rust + Polars (ours)": (f"{tmp}/rust.parquet", lambda i: [rust, i, f"{tmp}/rust.parquet"]),
            "ours, snappy like pandas": (f"{tmp}/snappy.parquet", lambda i: [rust, i, f"{tmp}/snappy.parquet", "snappy"]),
            "pandas + pyarrow (seed)": (
                f"{tmp}/pandas.parquet",
                lambda i: [sys.executable, f"{HERE}/pandas_bronze.py", i, f"{tmp}/pandas.parquet"],
            ),
        }
        print(f"\nRealistic posts file (meta is an object or []): {os.path.getsize(realistic) / 1e6:.0f} MB")
        converts = {
            name: can_convert(name, programs[name][1](realistic))
            for name in ["Rust + Polars (ours)", "pandas + pyarrow (seed)"]
        }
        results = {name: [] for name in programs}
        for _ in range(runs):
            for name, (_, argv) in programs.items():
                results[name].append(measured(argv(source)))
        with open(source, "rb") as f:
            ids = [item["id"] for item in json.load(f)]
        sizes = {}
        for name, (output, _) in programs.items():
            table = pq.read_table(output, columns=["id"])
            if table.num_rows != len(ids) or table.column("id").to_pylist() != ids:
                raise RuntimeError(f"{name}: the Parquet file does not hold the {len(ids)} ids of the input")
            sizes[name] = os.path.getsize(output) / 1e6

    print(f"\nUniform posts file (meta always an object), {len(ids)} posts, {size_mb:.0f} MB; median of {runs} runs ({time.strftime('%Y-%m-%d')})")
    print(f"{'':26} {'process s':>10} {'convert s':>10} {'peak MB':>9} {'Parquet MB':>11} {'columns':>8}")
    summary = {}
    for name, rs in results.items():
        row = {
            "wall": statistics.median(r["wall"] for r in rs),
            "convert": statistics.median(r["convert"] for r in rs),
            "peak": max(r["peak_mb"] for r in rs),
        }
        summary[name] = row
        print(f"{name:26} {row['wall']:10.2f} {row['convert']:10.2f} {row['peak']:9.0f} {sizes[name]:11.1f} {rs[0]['columns']:8}")
    seed = summary["pandas + pyarrow (seed)"]
    for name in ["Rust + Polars (ours)", "ours, snappy like pandas"]:
        ours = summary[name]
        print(
            f"{name} vs the seed's path: {seed['wall'] / ours['wall']:.1f}x faster per process, "
            f"{seed['convert'] / ours['convert']:.1f}x faster converting, "
            f"{ours['peak'] / seed['peak']:.2f} of its peak memory"
        )
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"posts": len(ids), "mb": round(size_mb), "runs": runs,
                       "converts_realistic": converts, "results": summary}, f, indent=2)


if __name__ == "__main__":
    main()
