"""Start-up time of a Lambda function: from process start to its first Runtime API poll
(GET /2018-06-01/runtime/invocation/next), the moment it is ready for its first event.

A one-shot HTTP listener on 127.0.0.1 stands in for the Runtime API; each run starts the
program fresh, waits for that request, then stops it. Prints the median of N runs in ms.

    python3 startup.py RUNS PROGRAM [ARGS...]
"""

import os
import pathlib
import socket
import statistics
import subprocess
import sys
import time


def one_run(argv, env):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(30)
        port = listener.getsockname()[1]
        env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}")
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(10)
                request = conn.recv(4096)
                elapsed = time.perf_counter() - start
            if b"/runtime/invocation/next" not in request:
                raise RuntimeError(f"unexpected first request: {request[:80]!r}")
            return elapsed * 1000
        finally:
            proc.kill()
            proc.wait()


def local_settings():
    """The functions' settings on the local stack (scripts/local.env): each needs its own to start."""
    env_file = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "local.env"
    lines = env_file.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key: value for key, value in pairs}


# The CA certificates as provided.al2023 has them: one bundle file, and no SSL_CERT_DIR. A
# machine whose environment names a folder of certificates (Debian's /etc/ssl/certs: about 150
# files) makes every TLS client of every function read each file at start-up, which Lambda never
# does; `STARTUP_CERTS=machine` measures with the machine's own settings instead.
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def certificate_env():
    env = dict(os.environ)
    if os.environ.get("STARTUP_CERTS") != "machine" and os.path.exists(CA_BUNDLE):
        env.pop("SSL_CERT_DIR", None)
        env["SSL_CERT_FILE"] = CA_BUNDLE
    return env


def lambda_env():
    """The environment Lambda gives a function, with the local stack's settings and credentials."""
    return dict(
        certificate_env(),
        AWS_LAMBDA_FUNCTION_NAME="startup-bench",
        AWS_LAMBDA_FUNCTION_VERSION="1",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        **local_settings(),
    )


def main():
    runs, argv = int(sys.argv[1]), sys.argv[2:]
    env = lambda_env()
    one_run(argv, env)  # warm the page cache; not counted
    times = [one_run(argv, env) for _ in range(runs)]
    print(f"{statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
