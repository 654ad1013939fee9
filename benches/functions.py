"""Every function, measured in one run: start-up (process start to its first Runtime API poll,
median of RUNS), peak memory handling one of its sample events against moto (median of 3), and
the size of its zipped `bootstrap`; next to the usual Python/boto3 Lambda for the Glue job.
Writes the figures to OUT.json and prints them.

    python functions.py RUNS OUT.json RELEASE_DIR   (a Python with boto3, under with-stack.sh --no-functions)
"""

import http.server
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile

import boto3

import memory
import startup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "benches")
ACCOUNT = "123456789012"  # moto's
SAMPLE_ACCOUNT = "111122223333"  # the samples' member account
SETTINGS = startup.local_settings()


def sample(function, name):
    with open(os.path.join(ROOT, "events", function, name)) as f:
        return f.read().replace(SAMPLE_ACCOUNT, ACCOUNT)


def prepare_moto():
    """What the samples touch, so that every function does its whole job against moto: the
    WordPress pipeline's parameters, buckets and topics, the routing table, an exposed bucket and
    the member role, the crawl bucket."""
    ssm, s3, sns = boto3.client("ssm"), boto3.client("s3"), boto3.client("sns")
    for bucket in ["bench-raw", "bench-bronze", SETTINGS["CRAWL_BUCKET"], f"team-reports-{ACCOUNT}"]:
        s3.create_bucket(Bucket=bucket)
    for arn in [SETTINGS["SUCCESS_TOPIC_ARN"], SETTINGS["FAILURE_TOPIC_ARN"]]:
        sns.create_topic(Name=arn.rsplit(":", 1)[1])
    site = os.environ["WORDPRESS_URL"]
    types = ["posts", "pages", "categories", "tags", "users", "comments", "media"]
    parameters = {
        SETTINGS["ENDPOINTS_PARAMETER"]: ",".join(f"{site}/wp-json/wp/v2/{t}" for t in types),
        SETTINGS["RAW_BUCKET_PARAMETER"]: "bench-raw",
        SETTINGS["BRONZE_BUCKET_PARAMETER"]: "bench-bronze",
        SETTINGS["RAW_TOPIC_PARAMETER"]: sns.create_topic(Name="bench-raw")["TopicArn"],
        SETTINGS["BRONZE_TOPIC_PARAMETER"]: sns.create_topic(Name="bench-bronze")["TopicArn"],
        SETTINGS["AUTH_PARAMETER"]: json.dumps({
            "origin": site, "username": "etl", "password": os.environ["WORDPRESS_APP_PASSWORD"]}),
        SETTINGS["ROUTING_TABLE_PARAMETER"]: json.dumps({"rules": [
            {"control_id": "S3.8", "action": "remediate",
             "remediation": {"function": "remediate-finding", "qualifier": "live"}},
            {"control_id": "EC2.2", "action": "suppress", "note": "locked by the landing zone"},
        ]}),
    }
    for name, value in parameters.items():
        secret = name == SETTINGS["AUTH_PARAMETER"]
        ssm.put_parameter(Name=name, Value=value, Type="SecureString" if secret else "String", Overwrite=True)
    # The proxy reads the sample's finding back from Security Hub before it acts.
    findings = json.loads(sample("route-finding", "securityhub-findings-imported.json"))["detail"]["findings"]
    boto3.client("securityhub").batch_import_findings(Findings=findings)
    boto3.client("iam").create_role(
        RoleName=SETTINGS["REMEDIATION_ROLE_NAME"],
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/remediate-finding"}}]}),
    )


class RemediationApi(http.server.BaseHTTPRequestHandler):
    """Lambda's Invoke API for the proxy: the remediation answers as it does in a dry run."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"outcome": "would_remediate", "summary": f"Would block all public access to bucket 'team-reports-{ACCOUNT}'."}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def crawl_step(argv):
    """A crawl worker's step, the crawler's main work: a crawl started and its first batch read
    (not measured), then its pages fetched from the test site and stored."""
    crawl = json.loads(sample("crawl-page", "start-crawl-local.json"))
    crawl["base_url"] = f"{os.environ['SITE_URL']}/docs/"
    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    run = step(argv, {"action": "start", "run_id": run_id, "crawl": crawl})
    batch = step(argv, {"action": "next", **run, "execution": run_id, "batch": None, "results": []})
    return json.dumps({"action": "work", **run, "batch": batch["batch"], "sites": batch["workers"][0]["sites"]})


def step(argv, event):
    _, outcome, response = memory.one_run(json.dumps(event).encode(), argv)
    if outcome != "ok":
        raise RuntimeError(f"crawl {event['action']}: {outcome}")
    return response


# The sample each function handles for the memory figure (the crawler's is made by crawl_step).
SAMPLES = {
    "stop-glue-session": "scheduled-sweep.json",
    "check-and-stop-rds": "eventbridge-instance-auto-started.json",
    "extract-wordpress": "scheduled-run.json",
    "wordpress-to-parquet": "run-by-hand.json",
    "route-finding": "securityhub-findings-imported.json",
    "remediation-proxy": "remediate-s3-finding-dry-run.json",
    "remediate-finding": "remediate-s3-8-dry-run.json",
    "crawl-page": None,
}


# The site of the extract's memory figure: its streaming keeps one page in memory whatever the
# number of posts (issue: under 128 MB at 20,000).
LARGE_SITE_POSTS = 20_000


def large_extract(release, runs):
    """The extract of one endpoint of LARGE_SITE_POSTS posts (about 100 MB of JSON), served by a
    fake WordPress site of its own on 127.0.0.1."""
    port = free_port()
    site = subprocess.Popen(
        [os.path.join(os.environ["CARGO_TARGET_DIR"], "debug", "fake-wordpress"), "serve", str(port),
         "--posts", str(LARGE_SITE_POSTS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        ssm = boto3.client("ssm")
        ssm.put_parameter(
            Name=SETTINGS["ENDPOINTS_PARAMETER"], Type="String", Overwrite=True,
            Value=f"http://127.0.0.1:{port}/wp-json/wp/v2/posts")
        # A raw bucket of its own: in the shared one, the sample run's 250 posts are the latest
        # view, and the extract would fetch only what changed since (incremental), not 20,000.
        boto3.client("s3").create_bucket(Bucket="bench-raw-large")
        ssm.put_parameter(Name=SETTINGS["RAW_BUCKET_PARAMETER"], Type="String", Overwrite=True,
                          Value="bench-raw-large")
        binary = os.path.join(release, "extract-wordpress")
        event = lambda: sample("extract-wordpress", "scheduled-run.json")
        row = measure(f"extract-wordpress, {LARGE_SITE_POSTS:,} posts", [binary], event, runs)
        row["zip_mb"] = zipped_mb(binary)
        # The figure counts only if the run wrote every post.
        _, _, answer = memory.one_run(event().encode(), [binary])
        written = (answer or {}).get("written", [])
        if [w["items"] for w in written] != [LARGE_SITE_POSTS]:
            raise RuntimeError(f"the large extract did not write {LARGE_SITE_POSTS} posts: {answer}")
        return row
    finally:
        site.terminate()
        site.wait()


# The crawl worker's memory on what a site may serve: one 50 MB page, and a sitemap index listing
# 1,000,000 URLs (20 sitemaps of 50,000, none in the crawl's scope, so every one is read and
# none is queued). CRAWL_ALLOWED_PORTS (scripts/local.env) lets the worker reach this port.
LARGE_CRAWL_PORT = 9004
BIG_PAGE_BYTES = 50_000_000
SITEMAPS, SITEMAP_URLS = 20, 50_000


class LargeSite(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        base = f"http://127.0.0.1:{LARGE_CRAWL_PORT}"
        if self.path == "/robots.txt":
            body, kind = f"User-agent: *\nSitemap: {base}/sitemap-index.xml\n".encode(), "text/plain"
        elif self.path == "/sitemap-index.xml":
            body = ("<sitemapindex>" + "".join(
                f"<sitemap><loc>{base}/sitemap-{n}.xml</loc></sitemap>" for n in range(SITEMAPS))
                + "</sitemapindex>").encode()
            kind = "application/xml"
        elif self.path.startswith("/sitemap-"):
            n = self.path[len("/sitemap-"):].split(".")[0]
            body = ("<urlset>" + "".join(
                f"<url><loc>{base}/elsewhere/{n}-{i}.html</loc></url>" for i in range(SITEMAP_URLS))
                + "</urlset>").encode()
            kind = "application/xml"
        elif self.path == "/big/":
            body, kind = self.server.big_page, "text/html"
        elif self.path == "/docs/":
            body, kind = b"<title>small</title>", "text/html"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def big_page():
    """50 MB of paragraphs, each with a link out of the crawl's scope (counted, never queued)."""
    part = b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit. <a href='/elsewhere/%d'>x</a></p>\n"
    parts, size, n = [b"<!doctype html><title>Big</title>"], 0, 0
    while size < BIG_PAGE_BYTES:
        parts.append(part % n)
        size += len(parts[-1])
        n += 1
    return b"".join(parts)[:BIG_PAGE_BYTES]


def large_crawl(release, runs):
    """The crawl worker on a 50 MB page and on sitemaps listing 1,000,000 URLs: start, next (not
    measured), then the worker, measured."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", LARGE_CRAWL_PORT), LargeSite)
    server.big_page = big_page()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    binary = os.path.join(release, "crawl-page")
    base = f"http://127.0.0.1:{LARGE_CRAWL_PORT}"
    cases = [
        ("crawl-page, a 50 MB page", {"base_url": f"{base}/big/", "start_paths": ["/big/"], "sitemaps": False,
                                      "limits": {"max_page_bytes": 52_428_800}}),
        ("crawl-page, sitemaps of 1,000,000 URLs", {"base_url": f"{base}/docs/", "start_paths": ["/docs/"]}),
    ]
    rows = []
    try:
        for name, crawl in cases:
            crawl = dict(crawl, name="large", allow_networks=["127.0.0.1/32"])
            def event(crawl=crawl):
                run_id = f"bench-{uuid.uuid4().hex[:8]}"
                run = step([binary], {"action": "start", "run_id": run_id, "crawl": crawl})
                batch = step([binary], {"action": "next", **run, "execution": run_id, "batch": None, "results": []})
                return json.dumps({"action": "work", **run, "batch": batch["batch"], "sites": batch["workers"][0]["sites"]})
            row = measure(name, [binary], event, runs)
            _, _, answer = memory.one_run(event().encode(), [binary])
            counts = (answer or {}).get("counts", {})
            if counts.get("crawled") != 1:
                raise RuntimeError(f"{name}: the worker did not crawl its page: {answer}")
            rows.append(row)
    finally:
        server.shutdown()
        server.server_close()
    return rows


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def zipped_mb(path):
    """The deployment package: the binary as `bootstrap`, deflated, as sam build zips it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    return round(len(buffer.getvalue()) / 1e6, 2)


def measure(name, argv, event, runs):
    """event: makes the event to handle, anew for each of the three memory runs."""
    env = startup.lambda_env()
    startup.one_run(argv, env)  # warm the page cache; not counted
    times = sorted(startup.one_run(argv, env) for _ in range(runs))
    peaks = [memory.one_run(event().encode(), argv) for _ in range(3)]
    return {
        "name": name,
        "startup_ms": round(times[len(times) // 2], 1),
        "peak_mb": round(sorted(p[0] for p in peaks)[1], 1),
        "outcome": peaks[-1][1],
    }


def main():
    runs, out, release = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    prepare_moto()
    lambda_port = int(SETTINGS["AWS_ENDPOINT_URL_LAMBDA"].rsplit(":", 1)[1])
    remediations = http.server.ThreadingHTTPServer(("127.0.0.1", lambda_port), RemediationApi)
    threading.Thread(target=remediations.serve_forever, daemon=True).start()
    rows = []
    try:
        for name, sample_file in SAMPLES.items():
            binary = os.path.join(release, name)
            if sample_file:
                event = lambda: sample(name, sample_file)
            else:
                event = lambda: crawl_step([binary])
            row = measure(name, [binary], event, runs)
            row["zip_mb"] = zipped_mb(binary)
            if name == "crawl-page":
                # The figure is the worker's only if it crawled: its answer counts the pages.
                _, _, answer = memory.one_run(event().encode(), [binary])
                if not (answer or {}).get("counts", {}).get("crawled"):
                    raise RuntimeError(f"the crawl worker did not crawl: {answer}")
            rows.append(row)
        rows.append(large_extract(release, runs))
        rows.extend(large_crawl(release, runs))
        python = [sys.executable, os.path.join(HERE, "python_glue_stopper.py")]
        sweep = sample("stop-glue-session", SAMPLES["stop-glue-session"])
        baseline = measure("python-glue-stopper", python, lambda: sweep, runs)
    finally:
        remediations.shutdown()
        remediations.server_close()
    with open(out, "w") as f:
        json.dump({"runs": runs, "functions": rows, "python": baseline}, f, indent=2)

    print(f"\nPer function: start-up (median of {runs}), peak memory handling a sample event against moto")
    print(f"{'function':28} {'start-up ms':>11} {'peak MB':>8} {'zipped MB':>9}  outcome")
    for r in rows + [dict(baseline, zip_mb="-")]:
        print(f"{r['name']:28} {r['startup_ms']:>11} {r['peak_mb']:>8} {r.get('zip_mb', '-'):>9}  {r['outcome']}")


if __name__ == "__main__":
    main()
