"""Search benchmark's report: the indexing and query figures search_bench measured, the search
function's start-up (benches/startup.py, 20 runs), and the monthly cost of searching a crawl
10,000 times a month beside Kendra's and OpenSearch Serverless's minimums.

    python3 search.py RESULTS.json SEARCH_FUNCTION_BINARY

Prices, us-east-1, as published on the services' pricing pages:
- Lambda (https://aws.amazon.com/lambda/pricing/): arm64 $0.0000133334 per GB-second, $0.20 per
  million requests;
- S3 Standard (https://aws.amazon.com/s3/pricing/): $0.023 per GB-month, $0.0004 per 1,000 GETs;
- Amazon Kendra (https://aws.amazon.com/kendra/pricing/): Developer Edition $1.125 per hour,
  billed while the index exists, queried or not;
- OpenSearch Serverless (https://aws.amazon.com/opensearch-service/pricing/): $0.24 per OCU-hour;
  the smallest collection keeps 0.5 OCU for indexing and 0.5 for search with redundancy off
  (development and test), 1 + 1 with it on (the default), whether or not it is used
  (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-scaling.html).
"""

import json
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import startup  # noqa: E402

HOURS_A_MONTH = 730
QUERIES = 10_000
MEMORY_GB = 1.0  # SearchCrawlFunction's MemorySize
LAMBDA_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
S3_GB_MONTH = 0.023
S3_GET = 0.0004 / 1000
KENDRA_DEVELOPER_HOUR = 1.125
OCU_HOUR = 0.24


def main():
    results, binary = pathlib.Path(sys.argv[1]), sys.argv[2]
    f = json.loads(results.read_text())
    env = startup.lambda_env()
    startup.one_run([binary], env)
    start_ms = statistics.median(startup.one_run([binary], env) for _ in range(20))
    cold_ms = start_ms + f["cold_open_and_first_query_ms"]
    # Every query cold (the worst: one search every few hours), or warm but for one cold start a
    # day; Lambda bills each invocation's duration, rounded up to the millisecond.
    def lambda_cost(ms_each):
        return QUERIES * (MEMORY_GB * max(1, round(ms_each + 0.5)) / 1000 * LAMBDA_GB_SECOND + LAMBDA_REQUEST)

    index_gb = f["index_bytes"] / 1e9
    storage = index_gb * S3_GB_MONTH + f["html_bytes"] / 1e9 * S3_GB_MONTH
    all_cold = lambda_cost(cold_ms) + QUERIES * f["index_files"] * S3_GET + storage
    mostly_warm = lambda_cost(f["warm_p50_ms"]) + 30 * lambda_cost(cold_ms) / QUERIES + storage
    f.update(
        {
            "function_start_ms": start_ms,
            "cold_start_ms": cold_ms,
            "monthly_cost_all_cold": all_cold,
            "monthly_cost_mostly_warm": mostly_warm,
            "kendra_developer_monthly": KENDRA_DEVELOPER_HOUR * HOURS_A_MONTH,
            "opensearch_serverless_min_monthly": 1 * OCU_HOUR * HOURS_A_MONTH,
            "opensearch_serverless_redundant_monthly": 2 * OCU_HOUR * HOURS_A_MONTH,
        }
    )
    results.write_text(json.dumps(f, indent=2))
    print(f"Search: the Python docs ({f['pages']} pages, {f['html_bytes'] / 1e6:.1f} MB of HTML)")
    print("| figure | value |")
    print("|---|---|")
    print(f"| indexed | {f['pages_per_second']:.0f} pages/s ({f['index_seconds']:.2f} s, extraction included) |")
    print(f"| index size | {f['index_bytes'] / 1e6:.1f} MB, {f['index_to_html']:.2f} of the HTML |")
    print(f"| cold start | {cold_ms:.0f} ms: process {start_ms:.1f} ms + index opened and first query {f['cold_open_and_first_query_ms']:.0f} ms (S3 reads not included) |")
    print(f"| warm query, {f['warm_queries']} queries | p50 {f['warm_p50_ms']:.2f} ms, p99 {f['warm_p99_ms']:.2f} ms |")
    print()
    print(f"| {QUERIES:,} queries a month | monthly cost |")
    print("|---|---|")
    print(f"| this project, every query a cold start | ${all_cold:.2f} |")
    print(f"| this project, one cold start a day | ${mostly_warm:.2f} |")
    print(f"| Amazon Kendra Developer Edition | ${f['kendra_developer_monthly']:.2f} |")
    print(f"| OpenSearch Serverless, smallest (redundancy off) | ${f['opensearch_serverless_min_monthly']:.2f} |")
    print(f"| OpenSearch Serverless, default redundancy | ${f['opensearch_serverless_redundant_monthly']:.2f} |")


if __name__ == "__main__":
    main()
