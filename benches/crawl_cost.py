"""What a crawl costs in AWS, from the requests it makes: the crawl function's steps (the
release binary, each step as Lambda would start it) crawl the Python docs (the whole tree) on one
loopback host through moto, as the state machine would drive them (start, then next and one
worker per host until done, then finish). moto logs every request; its S3 requests on the
crawl's own keys are counted by operation. The cost per million pages is then priced at one
request per second per host, where a worker's billed time is mostly the wait:

    Lambda      $0.0000133334 per GB-second (arm64, the deployment's default architecture,
                us-east-1), $0.20 per million requests (https://aws.amazon.com/lambda/pricing/)
    S3          $0.005 per 1,000 PUT, COPY, POST and LIST requests, $0.0004 per 1,000 GET and
                HEAD, DELETE free (https://aws.amazon.com/s3/pricing/)
    Step        $0.025 per 1,000 state transitions, Standard workflows
    Functions   (https://aws.amazon.com/step-functions/pricing/)

Data transfer is left out. The Lambda figure counts, per page, one interval of waiting (1 s) plus
the worker's measured time per page beyond its own waits, at the function's 256 MB; the state
transitions are those of the inline Map path (a batch: Read next batch, Anything left?, Crawl
batch, one Crawl host per worker).

    python crawl_cost.py RELEASE_DIR URL RATE

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
            name = op.group(1) if op else ("ListObjectsV2" if "list-type=2" in query else
                                           {"HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(m.group(1), m.group(1)))
            counts[name] += 1
            folder = key[len(prefix):].split("/")[0].split(".")[0] or "(run)"
            by_folder[f"{name} {folder}"] += 1
    return counts, by_folder


def main():
    release, url, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
    binary = os.path.join(release, "crawl-page")
    bucket = local_settings()["CRAWL_BUCKET"]
    s3 = boto3.client("s3", region_name="us-east-1")
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    run_id = f"cost-{uuid.uuid4().hex[:8]}"
    crawl = {"name": "cost", "base_url": url, "start_paths": [url], "allow_networks": ["127.0.0.0/8"],
             "limits": {"requests_per_second": rate, "max_page_bytes": 1048576}}
    run = step(binary, {"action": "start", "run_id": run_id, "crawl": crawl})
    batch, results, batches, workers, worker_seconds = None, [], 0, 0, []
    run_execution, continuations = run_id, 0
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
        results = [step(binary, {"action": "work", **run, "batch": answer["batch"], "site": site}, worker_seconds)
                   for site in answer["sites"]]
        workers += len(results)
        batch = answer["batch"]
    finished = step(binary, {"action": "finish", **run})
    pages = finished["summary"]["crawled"]
    fetched = pages + finished["summary"]["failed"] + finished["summary"]["redirects"] + \
        finished["summary"]["not_html"]
    requests, by_folder = s3_requests(os.path.join(os.environ["STACK_LOGS"], "moto.log"),
                           [f"crawls/cost/{run_id}/", f"frontier/cost/{run_id}/"])
    class_a = sum(n for op, n in requests.items() if op in CLASS_A)
    class_b = sum(n for op, n in requests.items() if op in CLASS_B)
    # A worker's time beyond its waits, per page fetched, measured at RATE; at one request per
    # second per host each page adds one second of waiting to it.
    work_per_page = max(0.0, (sum(worker_seconds) - fetched / rate) / fetched)
    gb_seconds = (1.0 + work_per_page) * MEMORY_GB
    invocations = 2 + 2 * batches + workers
    # A hand-over: Continue in a new execution, Continued, and the new one's first two states.
    transitions = 4 + batches * 3 + workers + continuations * 4
    per_page = {
        "lambda": gb_seconds * LAMBDA_GB_SECOND + invocations / pages * LAMBDA_REQUEST,
        "s3": (class_a * S3_CLASS_A + class_b * S3_CLASS_B) / pages,
        "step_functions": transitions / pages * TRANSITION,
    }
    million = {k: v * 1e6 for k, v in per_page.items()}
    total = sum(million.values())
    print(f"\nCost of a crawl at 1 request/s per host, from the requests of a crawl of {pages} pages "
          f"({fetched} URLs fetched, {batches} batches, {workers} workers, {continuations + 1} executions):")
    print(f"  S3 requests per page: {class_a / pages:.1f} PUT/COPY/LIST, {class_b / pages:.1f} GET/HEAD "
          f"({', '.join(f'{op} {n}' for op, n in requests.most_common())})")
    print(f"  by key: {', '.join(f'{k} {n}' for k, n in sorted(by_folder.items()))}")
    print(f"  Lambda per page: {gb_seconds:.3f} GB-s (1 s of waiting, {work_per_page * 1000:.0f} ms of work, at 256 MB)")
    print(f"  per million pages: Lambda ${million['lambda']:.2f}, S3 ${million['s3']:.2f}, "
          f"Step Functions ${million['step_functions']:.2f}, total ${total:.2f} (goal: $10)")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump({"pages": pages, "requests": dict(requests), "by_key": dict(by_folder), "class_a_per_page": class_a / pages,
                       "class_b_per_page": class_b / pages, "gb_seconds_per_page": gb_seconds,
                       "per_million": million, "total_per_million": total}, f, indent=2)


if __name__ == "__main__":
    main()
