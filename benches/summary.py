"""`make bench`'s summary: the figures every benchmark of this run wrote to RESULTS_DIR, in one
table, as ratios against what users would otherwise run.

    python3 summary.py RESULTS_DIR
"""

import json
import os
import statistics
import sys
import time


def load(directory, name):
    with open(os.path.join(directory, f"{name}.json")) as f:
        return json.load(f)


def main():
    directory = sys.argv[1]
    functions, bronze, crawl, cost, search = (
        load(directory, n) for n in ["functions", "bronze", "crawl", "crawl_cost", "search"]
    )
    months = [load(directory, f"simulation-{seed}") for seed in (7, 8, 9)]
    python = functions["python"]
    print(f"\nSummary ({time.strftime('%Y-%m-%d')}, this machine, one run)")
    print(f"\n{'function':40} {'start-up ms':>11} {'faster':>7} {'peak MB':>8} {'less':>6} {'zipped MB':>9}  (than Python/boto3)")
    for r in functions["functions"]:
        print(f"{r['name']:40} {r['startup_ms']:>11} {python['startup_ms'] / r['startup_ms']:>6.0f}x "
              f"{r['peak_mb']:>8} {python['peak_mb'] / r['peak_mb']:>5.1f}x {r.get('zip_mb', '-'):>9}")
    print(f"{'Python/boto3 Glue stopper':40} {python['startup_ms']:>11} {'':>9} {python['peak_mb']:>8}")
    # The median is of the functions on their sample events, not of the rows with large inputs
    # ("crawl-page, a 50 MB page").
    samples = [r for r in functions["functions"] if ", " not in r["name"]]
    median = lambda key: statistics.median(r[key] for r in samples)
    print(f"(median of our functions: start-up {median('startup_ms'):.1f} ms, peak {median('peak_mb'):.1f} MB)")

    ours, seed = bronze["results"]["Rust + Polars (ours)"], bronze["results"]["pandas + pyarrow (seed)"]
    print(f"\nBronze conversion, {bronze['posts']} posts ({bronze['mb']} MB of JSON):")
    print(f"  ours {ours['wall']:.2f} s, {ours['peak']:.0f} MB; pandas/pyarrow {seed['wall']:.2f} s, {seed['peak']:.0f} MB"
          f" -> {seed['wall'] / ours['wall']:.1f}x faster, {ours['peak'] / seed['peak']:.2f} of the memory")
    fails = [n for n, ok in bronze["converts_realistic"].items() if not ok]
    print(f"  realistic file (mixed meta): {'converted by both' if not fails else 'fails in ' + ', '.join(fails)}")

    print(f"\nCrawler, copies of one site on loopback hosts at {crawl['rate']:g} requests/s per host:")
    results = crawl["results"]
    for name, r in results.items():
        if ", ours," in name:
            hosts = name.split(",")[0]
            wget = results[f"{hosts}, wget -r (one host at a time)"]
            wget2 = next(v for k, v in results.items() if k.startswith(f"{hosts}, wget2"))
            print(f"  {name}: {r['pages_per_s']:.0f} pages/s ({r['pages_per_s'] / wget['pages_per_s']:.2f}x wget -r, "
                  f"{r['pages_per_s'] / wget2['pages_per_s']:.2f}x wget2), {r['peak_mb_per_worker']:.1f} MB per worker, "
                  f"{r['cpu_ms_per_page']:.2f} ms CPU per page ({r['cpu_ms_per_page'] / wget2['cpu_ms_per_page']:.2f}x wget2's); "
                  f"run by run against wget2: {r['paired_pages_per_s_vs_wget2']:.2f}x its pages/s, "
                  f"{r['paired_cpu_vs_wget2']:.2f}x its CPU per page")

    for c in cost:
        m = c["per_million"]
        print(f"  cost per million pages at 1 request/s per host, {c['hosts']} host(s): ${c['total_per_million']:.2f} "
              f"(Lambda ${m['lambda']:.2f}, S3 ${m['s3']:.2f}, Step Functions ${m['step_functions']:.2f}; "
              f"goal $10), from {c['class_a_per_page']:.2f} S3 PUT/LIST and {c['class_b_per_page']:.2f} "
              f"GET/HEAD requests per page")

    print(f"\nSearch, the Python docs ({search['pages']} pages): indexed at {search['pages_per_second']:.0f} pages/s, "
          f"index {search['index_to_html']:.2f} of the HTML; cold start {search['cold_start_ms']:.0f} ms (S3 reads apart), "
          f"warm p50 {search['warm_p50_ms']:.1f} ms, p99 {search['warm_p99_ms']:.1f} ms (goal 50); 10,000 queries a month "
          f"${search['monthly_cost_all_cold']:.2f} against Kendra Developer ${search['kendra_developer_monthly']:.0f} "
          f"and OpenSearch Serverless ${search['opensearch_serverless_min_monthly']:.0f} at least")

    for seed, simulation in zip((7, 8, 9), months):
        month(seed, simulation)


def month(seed, simulation):
    g, d, u = simulation["glue"], simulation["rds"], simulation["usage"]
    alarms = sum(simulation["alarms"].values())
    print(f"\nCost-safety simulation, seed {seed}, {simulation['simulated_days']} simulated days:")
    print(f"  {g['sessions']} Glue sessions ({g['events_lost']} events lost, {g['over_limits']} over the limits, "
          f"{g['idle_from_start']} idle from the start, {g['api_calls_throttled']} of {g['api_calls']} calls "
          f"throttled): {g['past_budget']} left running past budget, {g['busy_stopped_early']} busy stopped "
          f"before the hard limit, {g['stop_calls']} stop calls for {g['sessions'] - g['opted_out']} sessions")
    print(f"  {d['databases']} RDS auto-starts ({d['events_lost']} events lost, {d['triggers_broken']} triggers "
          f"broken): {d['past_budget']} left running past budget, {d['stop_calls']} stop calls for "
          f"{d['databases'] - d['unprotected']} protected databases, {d['unprotected']} untagged left alone")
    failed = sum(g["executions_failed"].values()) + sum(d["executions_failed"].values())
    print(f"  executions failed: {failed}; alarms that would have fired: {alarms}")
    for label, key in (("DPU-hours", "dpu_hours"), ("database-hours", "database_hours")):
        c = u[key]
        print(f"  {label}: ours {c['ours']:.0f}, the seed's design {c['seed']:.0f} ({c['seed'] / max(c['ours'], 1):.1f}x), "
              f"no stopper {c['none']:.0f} ({c['none'] / max(c['ours'], 1):.1f}x)")


if __name__ == "__main__":
    main()
