"""Crawler, side by side on many hosts: our crawler's own steps (release build, each through the
handler as Lambda calls it, batch after batch, one worker per host; the frontier in memory and
the pages and records written to disk, through the same store trait as S3)
against `wget --recursive` (one host after the other) and `wget2 --max-threads` (parallel), on
the same hosts (copies of one site on loopback addresses), at the same rate, in one run. For each
parallelism P, P hosts are crawled: ours with concurrency P, wget2 with P threads. wget and wget2
wait RATE's interval after each page, as our pace does; wget2's threads do not keep to one
request per host, ours do. Each program runs RUNS times, alternating; reported are the median
wall time of the whole process, HTML pages stored per second, the peak resident memory (GNU
time), that peak divided by P (memory per worker), and the CPU seconds (user + system) per HTML
page, which is what a Lambda worker is billed for beyond its waits. Ours against wget2 is also
taken run by run, each run against the wget2 run just before it, and the median of those paired
ratios reported: pairing keeps a ratio of 1 or 2 % from drowning in the machine's drift.

    python crawl.py RUNS RATE RUST_PROGRAM PARALLELISM,... URL...

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


# Every program writes under a memory file system where there is one: creating thousands of
# small files on a nearly full disk measured ext4's inode allocator, for wget2 as for us.
OUT_ROOT = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def ours(program, rate, urls):
    with tempfile.TemporaryDirectory(dir=OUT_ROOT) as out_dir:
        argv = [program, str(len(urls)), str(rate), out_dir, *urls]
        cpu = {}
        out, err, code, wall, peak = run(argv, cpu)
        if code != 0:
            raise RuntimeError(f"crawl_site failed: {err.strip()[-2000:]}")
        pages, _fetched, _bytes, _seconds = out.split()
        return {"wall": wall, "pages": int(pages), "peak_mb": peak, "cpu": cpu["seconds"]}


def wget(command, rate, urls, threads=()):
    with tempfile.TemporaryDirectory(dir=OUT_ROOT) as out_dir:
        argv = [command, "--recursive", "--no-parent", "--level=inf", "--no-verbose",
                f"--wait={1 / rate}", *threads, "--directory-prefix", out_dir, *urls]
        cpu = {}
        _, err, code, wall, peak = run(argv, cpu)
        # Both exit 8 when some link answered an error.
        if code not in (0, 8):
            raise RuntimeError(f"{command} failed ({code}): {err.strip()[-2000:]}")
        return {"wall": wall, "pages": html_files(out_dir), "peak_mb": peak, "cpu": cpu["seconds"]}


def main():
    runs, rate, program = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    widths = [int(p) for p in sys.argv[4].split(",")]
    urls = sys.argv[5:]
    programs = {}
    for p in widths:
        hosts = urls[:p]
        programs[(p, "wget -r (one host at a time)")] = lambda h=hosts: wget("wget", rate, h)
        programs[(p, f"wget2, {p} threads")] = lambda h=hosts, p=p: wget(
            "wget2", rate, h, [f"--max-threads={p}"])
        programs[(p, f"ours, concurrency {p}")] = lambda h=hosts: ours(program, rate, h)
    results = {key: [] for key in programs}
    for _ in range(runs):
        for key, go in programs.items():
            results[key].append(go())
    summary = {}
    print(f"\n{len(urls)} hosts available, {rate:g} requests/s per host, median of {runs} runs each, alternating")
    print(f"{'':32} {'HTML pages':>10} {'wall s':>8} {'pages/s':>8} {'peak MB':>8} {'MB/worker':>10} "
          f"{'CPU ms/page':>11} {'vs wget':>8} {'vs wget2':>9} {'paired':>7} {'CPU paired':>10}")
    for p in widths:
        rates = {}
        for (width, name), rows in results.items():
            if width != p:
                continue
            wall = statistics.median(r["wall"] for r in rows)
            peak = statistics.median(r["peak_mb"] for r in rows)
            pages = rows[0]["pages"]
            cpu_ms = statistics.median(r["cpu"] for r in rows) / pages * 1000
            rates[name] = pages / wall
            first, second = list(rates.values())[0], list(rates.values())[1:2]
            vs_wget2 = f"{rates[name] / second[0]:>8.2f}x" if second else f"{'':>9}"
            row = {"pages": pages, "wall": wall, "pages_per_s": rates[name], "peak_mb": peak,
                   "peak_mb_per_worker": peak / p, "cpu_ms_per_page": cpu_ms}
            paired = ""
            if name.startswith("ours"):
                wget2 = next(rows for (w, n), rows in results.items() if w == p and n.startswith("wget2"))
                row["paired_pages_per_s_vs_wget2"] = statistics.median(
                    w["wall"] / o["wall"] for o, w in zip(rows, wget2))
                row["paired_cpu_vs_wget2"] = statistics.median(
                    o["cpu"] / o["pages"] / (w["cpu"] / w["pages"]) for o, w in zip(rows, wget2))
                paired = f" {row['paired_pages_per_s_vs_wget2']:>6.2f}x {row['paired_cpu_vs_wget2']:>9.2f}x"
            summary[f"{p} hosts, {name}"] = row
            print(f"{p:>2} hosts, {name:23} {pages:>10} {wall:>8.2f} {rates[name]:>8.0f} {peak:>8.1f} "
                  f"{peak / p:>10.1f} {cpu_ms:>11.2f} {rates[name] / first:>7.2f}x {vs_wget2}{paired}")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"runs": runs, "rate": rate, "results": summary}, f, indent=2)


if __name__ == "__main__":
    main()
