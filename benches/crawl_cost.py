"""What a crawl costs in AWS, from the requests it makes: the crawl function's steps (the
release binary, each step as Lambda would start it) crawl the Python docs (the whole tree)
through moto, as the state machine would drive them (start, then next and the batch's workers
until done, then finish), twice: on one loopback host, where a worker paces that host alone, and
on HOSTS hosts, which a worker paces at once (`hosts_per_worker`). moto logs every request; its
S3 requests on each crawl's own keys are counted by operation. The cost per million pages is
then priced at one request per second per host, where a worker's billed time is mostly the wait:

    Lambda      $0.0000133334 per GB-second (arm64, the deployment's default architecture,
                us-east-1), $0.20 per million requests (https://aws.amazon.com/lambda/pricing/)
    S3          $0.005 per 1,000 PUT, COPY, POST and LIST requests, $0.0004 per 1,000 GET and
                HEAD, DELETE free (https://aws.amazon.com/s3/pricing/)
    Step        $0.025 per 1,000 state transitions, Standard workflows
    Functions   (https://aws.amazon.com/step-functions/pricing/)

Data transfer is left out. A worker's Lambda time at one request per second is its busiest
host's requests (one second of waiting each: its other hosts wait at the same time) plus its
measured time beyond its own waits, at the function's 256 MB; the state transitions are those of
the inline Map path (a batch: Read next batch, Anything left?, Crawl batch, one Crawl host per
worker).

    python crawl_cost.py RELEASE_DIR PORT HOSTS RATE

With BENCH_JSON set, the figures are also written there for `make bench`'s summary.
"""

import collections
import json
import os
import re
import sys
import time
import uuid

import boto3

import memory
from startup import local_settings

LAMBDA_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
S3_CLASS_A = 0.005 / 1000
S3_CLASS_B = 0.0004 / 1000
TRANSITION = 0.025 / 1000
MEMORY_GB = 256 / 1024
CLASS_A = {"PutObject", "CopyObject", "ListObjectsV2", "CreateMultipartUpload", "UploadPart",
           "CompleteMultipartUpload"}
CLASS_B = {"GetObject", "HeadObject"}


def step(binary, event, timings=None):
    started = time.perf_counter()
    _, outcome, response = memory.one_run(json.dumps(event).encode(), [binary])
    if timings is not None:
        timings.append(time.perf_counter() - started)
    if outcome != "ok":
        raise RuntimeError(f"crawl {event['action']}: {outcome}")
    return response


def s3_requests(log, prefixes):
    """moto's log lines for the crawl's keys, counted by S3 operation (`x-id`), and by operation
    and the key's first folder under the run (`queues`, `hosts`, `pages`...)."""
    counts, by_folder = collections.Counter(), collections.Counter()
    # Answers other than 2xx (a claim's 412, a 404) are coloured: ANSI codes after the quote.
    pattern = re.compile(r'"(?:\x1b\[[0-9;]*m)*(GET|PUT|POST|HEAD|DELETE) /([^ ?]+)\??([^ ]*) HTTP')
    with open(log) as f:
        for line in f:
            m = pattern.search(line)
            if not m:
                continue
            path, query = m.group(2), m.group(3)
            bucket, _, key = path.partition("/")
            listed = re.search(r"prefix=([^&]*)", query)
            key = key or (listed.group(1).replace("%2F", "/") if listed else "")
            prefix = next((p for p in prefixes if key.startswith(p)), None)
            if prefix is None:
                continue
            op = re.search(r"x-id=([A-Za-z0-9]+)", query)
            if not op and "list-type=2" not in query:
                # The Rust SDK names every request but a listing (`x-id`): this one is the
                # benchmark's own read of a host's state (boto3).
                continue
            name = op.group(1) if op else "ListObjectsV2"
            counts[name] += 1
            folder = key[len(prefix):].split("/")[0].split(".")[0] or "(run)"
            by_folder[f"{name} {folder}"] += 1
    return counts, by_folder


def host_requests(s3, bucket, run_id, site):
    """The requests a host's last turn made, from its state in the crawl's frontier."""
    key = f"frontier/cost/{run_id}/hosts/{site:05}.json"
    counts = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["counts"]
    return sum(counts.get(k, 0) for k in ("crawled", "unchanged", "failed", "redirects", "not_html",
                                          "too_large", "refused", "retries"))


def measure(binary, s3, bucket, urls, rate):
    """Crawls `urls` (one site each) as the state machine would; answers the crawl's figures."""
    run_id = f"cost-{uuid.uuid4().hex[:8]}"
    sites = [{"base_url": url, "start_paths": [url]} for url in urls]
    crawl = {"name": "cost", "sites": sites, "allow_networks": ["127.0.0.0/8"],
             "limits": {"requests_per_second": rate, "max_page_bytes": 1048576,
                        "max_pages": 1_000_000, "concurrency": len(urls)}}
    run = step(binary, {"action": "start", "run_id": run_id, "crawl": crawl})
    batch, results, batches, workers, continuations = None, [], 0, 0, 0
    run_execution = run_id
    # Per worker: its wall time at RATE, and its busiest host's requests.
    worker_seconds, busiest = [], []
    while True:
        answer = step(binary, {"action": "next", **run, "execution": run_execution, "batch": batch, "results": results})
        if answer["done"]:
            break
        if answer["continue_as_new"]:
            # As the state machine does: a new execution carries on from the stored progress.
            continuations += 1
            run_execution, batch, results = answer["continuation_name"], None, []
            continue
        batches += 1
        items = answer["workers"] if not answer["distributed"] else json.loads(
            s3.get_object(Bucket=answer["items"]["bucket"], Key=answer["items"]["key"])["Body"].read())
        results = []
        for item in items:
            results.append(step(binary, {"action": "work", **run, "batch": answer["batch"], "sites": item["sites"]},
                                worker_seconds))
            busiest.append(max(host_requests(s3, bucket, run_id, site) for site in item["sites"]))
        workers += len(results)
        batch = answer["batch"]
    finished = step(binary, {"action": "finish", **run})
    pages = finished["summary"]["crawled"]
    requests, by_folder = s3_requests(os.path.join(os.environ["STACK_LOGS"], "moto.log"),
                                      [f"crawls/cost/{run_id}/", f"frontier/cost/{run_id}/"])
    class_a = sum(n for op, n in requests.items() if op in CLASS_A)
    class_b = sum(n for op, n in requests.items() if op in CLASS_B)
    # A worker's time beyond its waits at RATE; at one request per second, each of its busiest
    # host's requests adds one second of waiting to it.
    work = sum(max(0.0, seconds - n / rate) for seconds, n in zip(worker_seconds, busiest))
    gb_seconds = (sum(busiest) + work) * MEMORY_GB / pages
    invocations = 2 + 2 * batches + workers
    # A hand-over: Continue in a new execution, Continued, and the new one's first two states.
    transitions = 4 + batches * 3 + workers + continuations * 4
    per_page = {
        "lambda": gb_seconds * LAMBDA_GB_SECOND + invocations / pages * LAMBDA_REQUEST,
        "s3": (class_a * S3_CLASS_A + class_b * S3_CLASS_B) / pages,
        "step_functions": transitions / pages * TRANSITION,
    }
    million = {k: v * 1e6 for k, v in per_page.items()}
    return {"hosts": len(urls), "pages": pages, "batches": batches, "workers": workers,
            "executions": continuations + 1, "requests": dict(requests), "by_key": dict(by_folder),
            "class_a_per_page": class_a / pages, "class_b_per_page": class_b / pages,
            "gb_seconds_per_page": gb_seconds, "work_ms_per_page": work / pages * 1000,
            "per_million": million, "total_per_million": sum(million.values())}


def report(m):
    print(f"\n{m['hosts']} host(s): {m['pages']} pages, {m['batches']} batches, {m['workers']} workers, "
          f"{m['executions']} executions")
    print(f"  S3 requests per page: {m['class_a_per_page']:.2f} PUT/COPY/LIST, {m['class_b_per_page']:.2f} GET/HEAD "
          f"({', '.join(f'{op} {n}' for op, n in sorted(m['requests'].items()))})")
    print(f"  by key: {', '.join(f'{k} {n}' for k, n in sorted(m['by_key'].items()))}")
    print(f"  Lambda per page: {m['gb_seconds_per_page']:.3f} GB-s ({m['work_ms_per_page']:.0f} ms of work beyond "
          f"the waits, at 256 MB)")
    million = m["per_million"]
    print(f"  per million pages: Lambda ${million['lambda']:.2f}, S3 ${million['s3']:.2f}, "
          f"Step Functions ${million['step_functions']:.2f}, total ${m['total_per_million']:.2f} (goal: $10)")


def main():
    release, port, hosts, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    binary = os.path.join(release, "crawl-page")
    bucket = local_settings()["CRAWL_BUCKET"]
    s3 = boto3.client("s3", region_name="us-east-1")
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    urls = [f"http://127.0.0.{10 + n}:{port}/index.html" for n in range(hosts)]
    print("Cost of a crawl at 1 request/s per host, from the requests it makes:")
    figures = [measure(binary, s3, bucket, urls[:1], rate), measure(binary, s3, bucket, urls, rate)]
    for m in figures:
        report(m)
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
