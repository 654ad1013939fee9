"""Peak memory of a Lambda function handling one event: the program starts as Lambda starts it,
polls a stand-in Runtime API on 127.0.0.1, receives the event, handles it (its AWS calls go to
moto, through AWS_ENDPOINT_URL), posts its answer; its peak resident memory is then read from
/proc (VmHWM) while it waits for a next event, and it is stopped. (Not wait4: a child's ru_maxrss
starts at what the parent held when it forked.)
"""

import http.server
import json
import subprocess
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
            self.server.outcome, self.server.response = "ok", json.loads(body or b"null")
        self.send_response(202)
        self.end_headers()
        self.server.answered.set()

    def log_message(self, *args):
        pass


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    return int(kb) / 1024


def one_run(event, argv):
    """Handles one event; returns peak MB, the outcome, and the answer (None for an error)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.event, server.served, server.outcome, server.response = event, False, None, None
    server.answered = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(lambda_env(), AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not server.answered.wait(120):
            raise RuntimeError(f"{argv[-1]} did not answer within 120 s")
        peak = peak_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        server.shutdown()
    return peak, server.outcome, server.response

