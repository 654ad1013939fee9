"""Peak memory of a Lambda function handling one event: the program starts as Lambda starts it,
polls a stand-in Runtime API on 127.0.0.1, receives the event, handles it (its AWS calls go to
moto, through AWS_ENDPOINT_URL), posts its answer; it is then stopped and its peak resident
memory read with wait4. Prints one JSON object: peak MB (median of RUNS) and the outcome
(`ok`, or the errorType it answered).

    python3 memory.py RUNS EVENT.json PROGRAM [ARGS...]
"""

import http.server
import json
import os
import statistics
import subprocess
import sys
import threading

from startup import lambda_env


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    """Serves the event once, then records the answer."""

    def do_GET(self):
        if self.server.served:
            # The runtime polls for its next event: there is none; it is stopped meanwhile.
            self.server.answered.wait(30)
            self.send_response(410)
            self.end_headers()
            return
        self.server.served = True
        body = self.server.event
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "memory-bench")
        self.send_header("Lambda-Runtime-Deadline-Ms", "9999999999999")
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/error"):
            self.server.outcome = json.loads(body or b"{}").get("errorType", "error")
        else:
            self.server.outcome = "ok"
        self.send_response(202)
        self.end_headers()
        self.server.answered.set()

    def log_message(self, *args):
        pass


def one_run(event, argv):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.event, server.served, server.outcome = event, False, None
    server.answered = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(lambda_env(), AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not server.answered.wait(120):
            raise RuntimeError(f"{argv[-1]} did not answer within 120 s")
    finally:
        proc.kill()
        _, _, usage = os.wait4(proc.pid, 0)
        server.shutdown()
    return usage.ru_maxrss / 1024, server.outcome


def main():
    runs, event_file, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    with open(event_file, "rb") as f:
        event = f.read()
    results = [one_run(event, argv) for _ in range(runs)]
    print(json.dumps({
        "peak_mb": round(statistics.median(r[0] for r in results), 1),
        "outcome": results[-1][1],
    }))


if __name__ == "__main__":
    main()
