"""Load test by hand: wrk against a uvicorn server on loopback, across list, detail and search.

    .venv/bin/python bench/load.py [--connections 64] [--duration 20] [--threads 2]

Migrates a temporary SQLite database, starts `uvicorn app.main:app` on a free loopback port
(one worker, as `make run` does), checks every URL answers 200, warms up at the same
concurrency, then runs wrk (Debian: `apt-get install -y wrk`). Prints requests, latency,
socket errors (timeouts included), non-2xx answers and the server's RSS before and after.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
LISTS = [
    "/conditions", "/causes", "/risk-factors", "/symptoms", "/complications", "/tests",
    "/treatments", "/drugs", "/prevention", "/sources",
]  # fmt: skip
SEARCHES = [
    "calcium", "lumps", "kidney failure", "warfarin", "surgery", "skin", "injury", "65",
    "vitamin d", "biopsy",
]  # fmt: skip

# wrk runs this in each of its threads: requests go round the URLs; every answer outside
# 2xx is counted, and done() adds up the threads' counts.
WRK_SCRIPT = """
local paths = {%s}
local threads = {}
local next_path = 0
non2xx = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  next_path = math.random(#paths) - 1
end

function request()
  next_path = next_path %% #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "non2xx": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    non2xx_total, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def urls(base: str) -> list[str]:
    """Every list, the detail of every item they hold, and a few searches."""
    paths = list(LISTS)
    with httpx.Client(base_url=base) as client:
        for path in LISTS:
            paths += [f"{path}/{item['slug']}" for item in client.get(path).json()["items"]]
    paths += [f"/search?q={q.replace(' ', '+')}" for q in SEARCHES]
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=20, help="seconds")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5, help="seconds at the same concurrency")
    parser.add_argument(
        "--timeout", type=int, default=10, help="seconds before wrk counts a request as failed"
    )
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite:///{Path(workdir) / 'knowledge.db'}"
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", database_url)
        command.upgrade(config, "head")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--no-server-header", "--no-access-log",
             "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
            # The access log (a line per request) is not the report.
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not become ready")
                time.sleep(0.1)
            rss_started = rss_kib(server.pid)
            paths = urls(base)
            with httpx.Client(base_url=base) as client:
                assert all(client.get(path).status_code == 200 for path in paths)
            script = Path(workdir) / "rotate.lua"
            script.write_text(WRK_SCRIPT % ", ".join(json.dumps(path) for path in paths))

            def load(seconds: int) -> str:
                return subprocess.run(
                    [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
                     f"--timeout={args.timeout}s", "--latency", "-s", str(script), base],
                    capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip

            # The server's threads and connections exist once it has seen this concurrency:
            # memory measured after that shows growth under load, not start-up.
            load(args.warmup)
            rss_before = rss_kib(server.pid)
            output = load(args.duration)
            rss_after = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    errors = sum(result[kind] for kind in ("connect", "read", "write", "timeout"))
    seconds = result["duration_us"] / 1e6
    details = len(paths) - len(LISTS) - len(SEARCHES)
    p50, p99, slowest = (result[key] // 1000 for key in ("p50_us", "p99_us", "max_us"))
    growth = (rss_after - rss_before) / rss_before * 100
    print(
        f"URLs: {len(paths)} ({len(LISTS)} lists, {details} details, {len(SEARCHES)} searches); "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"--timeout {args.timeout}s, after a {args.warmup} s warm-up"
    )
    print(f"requests:       {result['requests']} ({result['requests'] / seconds:.0f}/s)")
    print(f"latency:        p50 {p50} ms, p99 {p99} ms, max {slowest} ms")
    print(
        f"socket errors:  {errors} (connect {result['connect']}, read {result['read']}, "
        f"write {result['write']}, timeout {result['timeout']})"
    )
    print(f"non-2xx:        {result['non2xx']}")
    print(
        f"server RSS:     {rss_started / 1024:.1f} MiB at start, "
        f"{rss_before / 1024:.1f} MiB after warm-up, "
        f"{rss_after / 1024:.1f} MiB after load ({growth:+.1f}%)"
    )
    return 0 if errors == 0 and result["non2xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
