"""Crawler, side by side: our page path (fetch, parse, normalise, scope, robots.txt, record;
release build, in-memory frontier, pages written to disk) at concurrency 1 and 8, and
`wget --recursive --no-parent` (what a user would otherwise run), on the same site served on
127.0.0.1, in one run. Each program runs RUNS times, alternating; reported are the median wall
time of the whole process, HTML pages stored per second, and the peak resident memory (GNU time).

    python crawl.py RUNS URL RUST_PROGRAM

With BENCH_JSON set, the medians are also written to that file for `make bench`'s summary.
"""

import json

import os
import statistics
import sys
import tempfile

from process import run


def html_files(root):
    return sum(1 for _, _, files in os.walk(root) for f in files if f.endswith(".html"))


def ours(program, url, concurrency):
    with tempfile.TemporaryDirectory() as out_dir:
        out, err, code, wall, peak = run([program, url, str(concurrency), out_dir])
        if code != 0:
            raise RuntimeError(f"crawl_site failed: {err.strip()[-2000:]}")
        pages, fetched, _bytes, _seconds = out.split()
        return {"wall": wall, "pages": int(pages), "requests": int(fetched), "peak_mb": peak}


def wget(url):
    with tempfile.TemporaryDirectory() as out_dir:
        argv = ["wget", "--recursive", "--no-parent", "--level=inf", "--no-verbose",
                "--no-host-directories", "--directory-prefix", out_dir, url]
        _, err, code, wall, peak = run(argv)
        # wget exits 8 when some link answered an error (the docs link a few missing files).
        if code not in (0, 8):
            raise RuntimeError(f"wget failed ({code}): {err.strip()[-2000:]}")
        requests = sum(1 for line in err.splitlines() if " URL:" in line or "ERROR" in line)
        return {"wall": wall, "pages": html_files(out_dir), "requests": requests, "peak_mb": peak}


def main():
    runs, url, program = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    programs = {
        "wget -r -np (baseline)": lambda: wget(url),
        "ours, concurrency 1": lambda: ours(program, url, 1),
        "ours, concurrency 8": lambda: ours(program, url, 8),
    }
    results = {name: [] for name in programs}
    for _ in range(runs):
        for name, go in programs.items():
            results[name].append(go())
    base = None
    summary = {}
    print(f"\n{url}, median of {runs} runs each, alternating")
    print(f"{'':26} {'HTML pages':>10} {'requests':>9} {'wall s':>8} {'pages/s':>8} {'peak MB':>8} {'speed vs wget':>14} {'memory vs wget':>15}")
    for name, rows in results.items():
        wall = statistics.median(r["wall"] for r in rows)
        peak = statistics.median(r["peak_mb"] for r in rows)
        pages = rows[0]["pages"]
        rate = pages / wall
        if base is None:
            base = (rate, peak)
        summary[name] = {"pages": pages, "wall": wall, "pages_per_s": rate, "peak_mb": peak}
        print(f"{name:26} {pages:>10} {rows[0]['requests']:>9} {wall:>8.2f} {rate:>8.0f} {peak:>8.1f} "
              f"{rate / base[0]:>13.2f}x {peak / base[1]:>15.2f}")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"runs": runs, "results": summary}, f, indent=2)


if __name__ == "__main__":
    main()
