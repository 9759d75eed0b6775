"""Servers pinned to one core, wrk pinned to another, and what wrk measured."""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.config import ROOT
from tests.databases import scratch_database

# Where the benchmark looks for a PostgreSQL server, as the tests do.
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

BIN = Path(sys.executable).parent
# The same flags for every server: production serving, one worker.
UVICORN_FLAGS = [
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--workers",
    "1",
    "--log-level",
    "warning",
]


def cores() -> tuple[int, int]:
    """A core for the servers and another for the load generator."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        raise SystemExit("the benchmark needs two cores: one for the server, one for wrk")
    return available[0], available[-1]


def require_tools() -> None:
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install -y wrk util-linux")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Server:
    """`uvicorn TARGET` with the common flags, pinned to `core`, on a free loopback port."""

    def __init__(
        self,
        name: str,
        target: str,
        core: int,
        env: dict[str, str],
        log: Path | None = None,
        *,
        workers: int = 1,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        flags = list(UVICORN_FLAGS)
        flags[flags.index("--workers") + 1] = str(workers)
        command = [
            "taskset", "-c", str(core), str(BIN / "uvicorn"), target,
            "--host", "127.0.0.1", "--port", str(self.port), *flags,
        ]  # fmt: skip
        # The access log (standard output) goes to `log`, or nowhere: never into the report.
        with open(log or os.devnull, "ab") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **env}, stdout=output
            )

    def wait(self, path: str, timeout: float = 60) -> float:
        """Poll until `path` answers 200; return the time it took since the start."""
        began = time.perf_counter()
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}")
            try:
                if get(self.url + path)[0] == 200:
                    return time.perf_counter() - began
            except OSError:
                time.sleep(0.01)
        raise SystemExit(f"{self.name} did not answer {path} within {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Sample:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(s.requests_per_second for s in self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(s.p50_ms for s in self.samples)

    @property
    def p99(self) -> float:
        return statistics.median(s.p99_ms for s in self.samples)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(
    url: str,
    *,
    core: int,
    connections: int,
    seconds: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> Sample:
    """One wrk run (one thread) pinned to `core`; refuses a run with errors or wrong answers.
    With `script`, wrk runs that Lua script (which may choose each request's path)."""
    command = ["taskset", "-c", str(core), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx or 3xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {url}:\n{output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\s50%\s+([\d.]+\w+)", output)
    p99 = re.search(r"\s99%\s+([\d.]+\w+)", output)
    if not (rps and p50 and p99):
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return Sample(float(rps[1]), milliseconds(p50[1]), milliseconds(p99[1]))


@contextmanager
def postgres_database(server_url: str = POSTGRES_URL) -> Iterator[str | None]:
    """A new, empty database on the PostgreSQL server, dropped afterwards; None if there is no
    server to reach (the benchmark then measures SQLite alone, and says so)."""
    with ExitStack() as stack:
        try:
            url: str | None = stack.enter_context(scratch_database(server_url, "knowledge_bench"))
        except Exception:  # no driver, no server
            url = None
        yield url
