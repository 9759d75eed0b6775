"""The container image, built from the Dockerfile and run as an operator runs it: on its own
SQLite database and on PostgreSQL, with a read-only root filesystem, as uid 10001, healthy only
when ready.

Needs root and podman (with runc and debootstrap: `make containers` installs them). Base images
cannot be pulled here, so a stand-in for `python:3.11-slim` is made once from Debian's Python
3.11 and kept in podman's storage. Without podman the tests are skipped, except under CI, where
they fail.
"""

import fcntl
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.requirements import Requirement

from app.config import ROOT
from tests.conftest import postgres_database

BASE = "docker.io/library/python:3.11-slim"
# As root, podman builds in a chroot and runs with runc; the container's limits may not exceed
# the host's hard ones.
NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
RUN_FLAGS = [
    "--runtime", "runc", "--ulimit", f"nofile={NOFILE}:{NOFILE}", "--ulimit", "nproc=4096:4096",
    # The host's loopback, where the test PostgreSQL listens.
    "--network", "host",
]  # fmt: skip
UID = 10001
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"


def podman(
    *args: str, check: bool = True, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=check, timeout=timeout
    )


def unusable() -> str | None:
    """Why podman cannot build and run images here, or None if it can."""
    missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (`make containers` as root)"
    if os.geteuid() != 0:
        return "podman builds and runs the image as root here"
    info = podman("info", check=False, timeout=60)
    if info.returncode != 0:
        return f"podman cannot run here: {(info.stderr.strip().splitlines() or ['?'])[-1]}"
    return None


@pytest.fixture(scope="module")
def podman_ready() -> None:
    reason = unusable()
    if reason is None:
        return
    # CI installs them (make containers): there a missing podman is a failure, never a skip.
    if os.environ.get("CI"):
        pytest.fail(f"cannot check the image: {reason}")
    pytest.skip(f"cannot check the image: {reason}")


def apt_mirror() -> str:
    """The Debian mirror the host's apt uses."""
    for sources in sorted(Path("/etc/apt").rglob("*.sources")):
        found = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", sources.read_text(), re.MULTILINE)
        if found:
            return found[1]
    for line in Path("/etc/apt/sources.list").read_text().splitlines():
        found = re.match(r"deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s+bookworm\s", line)
        if found:
            return found[1]
    return "http://deb.debian.org/debian"


def ensure_base() -> None:
    """Make the stand-in for python:3.11-slim once: Debian 12 with its Python 3.11 and pip."""
    with open(Path(tempfile.gettempdir()) / "python-3.11-slim.lock", "w") as lock:
        # Several test runs may share podman's storage: one makes the base, the others wait.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if podman("image", "exists", BASE, check=False).returncode == 0:
            return
        with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
            root = Path(tmp) / "root"
            subprocess.run(
                ["debootstrap", "--variant=minbase",
                 "--include=python3,python3-pip,python-is-python3,ca-certificates",
                 "bookworm", str(root), apt_mirror()],
                check=True, capture_output=True, timeout=1200,
            )  # fmt: skip
            # As in the official image: pip installs system-wide; no package lists or archives.
            (root / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink()
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (root / cache).glob("*"):
                    if item.is_file():
                        item.unlink()
            # The certificates the host trusts, so that pip in a build reaches the index.
            shutil.copy("/etc/ssl/certs/ca-certificates.crt", root / "etc/ssl/certs/")
            with subprocess.Popen(
                ["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE
            ) as archive:
                subprocess.run(
                    ["podman", "import", "--change", 'CMD ["python3"]',
                     "--change", "ENV LANG=C.UTF-8", "-", BASE],
                    stdin=archive.stdout, check=True, capture_output=True, timeout=600,
                )  # fmt: skip
            assert archive.returncode == 0


@pytest.fixture(scope="module")
def image(podman_ready: None) -> Iterator[str]:
    """The image built from the Dockerfile, under a tag of its own (the layers stay cached)."""
    ensure_base()
    tag = f"localhost/condition-knowledge-api:check-{uuid.uuid4().hex[:12]}"
    built = podman(
        "build", "--isolation", "chroot", "--format", "docker", "--pull=never", "--layers",
        "-t", tag, str(ROOT), check=False, timeout=1800,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-4000:]
    try:
        yield tag
    finally:
        podman("rmi", tag, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Container:
    """A container of the image, serving on a free loopback port."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def wait(self, path: str = "/health", timeout: float = 120) -> None:
        """Until `path` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.http.get(path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            running = podman("inspect", "--format", "{{.State.Running}}", self.name, check=False)
            assert running.stdout.strip() == "true", self.logs()
            time.sleep(0.25)
        raise AssertionError(f"{path} did not answer 200 within {timeout} s:\n{self.logs()}")

    def wait_every_worker(self, path: str, timeout: float = 120, answers: int = 20) -> None:
        """Until `path` answers 200 `answers` times in a row, each on a new connection (the
        workers share the port: a new connection may go to any of them)."""
        deadline = time.monotonic() + timeout
        in_a_row = 0
        while in_a_row < answers:
            assert time.monotonic() < deadline, f"{path} kept failing:\n{self.logs()}"
            with httpx.Client(base_url=self.url, timeout=10) as fresh:
                ok = fresh.get(path).status_code == 200
            in_a_row = in_a_row + 1 if ok else 0
            if not ok:
                time.sleep(0.25)

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *command: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        return podman("exec", *(["--user", user] if user else []), self.name, *command, check=False)

    def healthy(self) -> bool:
        """Whether the image's HEALTHCHECK passes now."""
        return podman("healthcheck", "run", self.name, check=False).returncode == 0


@contextmanager
def container(image: str, **env: str) -> Iterator[Container]:
    """The image served as an operator runs it: read-only root, its own CMD and HEALTHCHECK."""
    port = free_port()
    name = f"knowledge-api-check-{uuid.uuid4().hex[:12]}"
    variables = [f"--env={key}={value}" for key, value in {"PORT": str(port), **env}.items()]
    podman("run", "--detach", "--name", name, "--read-only", *RUN_FLAGS, *variables, image)
    served = Container(name, port)
    try:
        yield served
    finally:
        served.http.close()
        podman("rm", "--force", "--time", "5", name, check=False)


@pytest.fixture(scope="module")
def on_sqlite(image: str) -> Iterator[Container]:
    """The image on the database it was built with."""
    with container(image) as served:
        served.wait("/ready")
        yield served


def logged(
    served: Container, wanted: Callable[[dict[str, Any]], bool], count: int
) -> list[dict[str, Any]]:
    """The container's access log lines that are `wanted`, once there are `count` of them."""
    deadline = time.monotonic() + 30
    while True:
        lines = [json.loads(line) for line in served.logs().splitlines() if line.startswith("{")]
        found = [line for line in lines if wanted(line)]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, found
            return found
        time.sleep(0.2)


class TestOnItsOwnDatabase:
    def test_it_is_ready_and_serves_the_knowledge(self, on_sqlite: Container) -> None:
        assert on_sqlite.http.get("/ready").json()["status"] == "ready"
        treatments = on_sqlite.http.get("/treatments")
        assert treatments.status_code == 200
        page = treatments.json()
        assert page["items"]
        assert page["total"] >= len(page["items"])
        slug = page["items"][0]["slug"]
        assert on_sqlite.http.get(f"/treatments/{slug}").json()["slug"] == slug

    def test_every_process_runs_as_uid_10001(self, on_sqlite: Container) -> None:
        # uvicorn (PID 1: the CMD execs it), its workers, and this check itself.
        uids = on_sqlite.exec(
            "python", "-c",
            "import pathlib; print(*{line.split()[1] for status in pathlib.Path('/proc')"
            ".glob('[0-9]*/status') for line in status.read_text().splitlines()"
            " if line.startswith('Uid:')})",
        ).stdout.split()  # fmt: skip
        assert uids == [str(UID)]
        assert on_sqlite.exec("cat", "/proc/1/cmdline").stdout.split("\0")[1:3] == [
            "/usr/local/bin/uvicorn",
            "app.main:app",
        ]

    def test_the_root_filesystem_is_read_only(self, on_sqlite: Container) -> None:
        # As root, so that only the read-only mount can refuse.
        written = on_sqlite.exec("touch", "/app/data/written", user="root")
        assert written.returncode != 0
        assert "Read-only file system" in written.stderr

    def test_without_a_writable_tmp_it_stops_at_once_saying_why(self, image: str) -> None:
        # As Docker's --read-only does when no tmpfs is given.
        stopped = podman(
            "run", "--rm", "--read-only", "--read-only-tmpfs=false", *RUN_FLAGS,
            f"--env=PORT={free_port()}", image, check=False, timeout=120,
        )  # fmt: skip
        assert stopped.returncode != 0
        assert "/tmp/metrics" in stopped.stderr
        assert "Read-only file system" in stopped.stderr

    def test_the_healthcheck_passes_when_ready(self, on_sqlite: Container) -> None:
        assert on_sqlite.healthy()

    def test_metrics_add_up_both_workers(self, on_sqlite: Container) -> None:
        # The image runs two workers: every scrape must count every worker's requests.
        before = requests_to(on_sqlite, "/causes")
        for _ in range(40):
            with httpx.Client(base_url=on_sqlite.url) as fresh:  # a new connection each time
                assert fresh.get("/causes").status_code == 200
        for _ in range(4):
            with httpx.Client(base_url=on_sqlite.url) as fresh:
                assert requests_to(fresh, "/causes") == before + 40
        lines = logged(on_sqlite, lambda line: line["route"] == "/causes", count=40)
        assert len({line["pid"] for line in lines}) == 2

    def test_every_request_is_logged_with_its_id(self, on_sqlite: Container) -> None:
        answer = on_sqlite.http.get("/symptoms", headers={"X-Request-ID": "operator-check-1"})
        assert answer.headers["x-request-id"] == "operator-check-1"
        lines = logged(on_sqlite, lambda line: line["request_id"] == "operator-check-1", count=1)
        assert lines[0]["route"] == "/symptoms"
        assert lines[0]["status"] == 200

    def test_the_code_is_compiled_ahead(self, image: str) -> None:
        missing = podman(
            "run", "--rm", *RUN_FLAGS, image, "python", "-c",
            "import importlib.util, pathlib; print(*(p for p in pathlib.Path('app').rglob('*.py')"
            " if not pathlib.Path(importlib.util.cache_from_source(str(p))).exists()))",
        ).stdout  # fmt: skip
        assert missing.strip() == ""

    def test_it_holds_the_locked_versions(self, image: str) -> None:
        # The image is Linux and CPython 3.11, as this machine: the lock's markers read the same.
        pins = re.findall(r"^(\S+==\S+(?: ; [^\\]+)?) \\$", RUNTIME_LOCK.read_text(), re.MULTILINE)
        locked = {}
        for pin in map(Requirement, pins):
            if pin.marker is None or pin.marker.evaluate():
                locked[pin.name] = str(pin.specifier).removeprefix("==")
        installed = json.loads(
            podman(
                "run", "--rm", *RUN_FLAGS, image, "python", "-c",
                "import importlib.metadata as m, json, sys;"
                " print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))", *locked,
            ).stdout
        )  # fmt: skip
        assert installed == locked


def requests_to(client: httpx.Client | Container, route: str) -> float:
    """How many requests /metrics counts for `route`, all statuses and methods."""
    http = client.http if isinstance(client, Container) else client
    text = http.get("/metrics").text
    pattern = rf'^knowledge_api_requests_total\{{[^}}]*route="{re.escape(route)}"[^}}]*\}} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, text, re.MULTILINE))


@pytest.fixture
def new_postgresql_url(postgresql_url: str) -> Iterator[str]:
    """A new, empty database on the test server (postgresql_url: only where a server answers)."""
    with postgres_database() as url:
        yield url


class TestOnPostgresql:
    def test_it_serves_postgresql_once_migrated_from_the_image(
        self, image: str, on_sqlite: Container, new_postgresql_url: str
    ) -> None:
        with container(image, DATABASE_URL=new_postgresql_url) as served:
            served.wait("/health")
            # Up, but not ready: the database is empty, and the healthcheck says so.
            assert served.http.get("/ready").status_code == 503
            assert not served.healthy()
            migrated = podman(
                "run", "--rm", *RUN_FLAGS, f"--env=DATABASE_URL={new_postgresql_url}", image,
                "alembic", "upgrade", "head", check=False,
            )  # fmt: skip
            assert migrated.returncode == 0, migrated.stderr[-4000:]
            # Each worker builds or opens the new knowledge's snapshot on its own watch: the
            # container is ready once every worker is, asked on connections of their own.
            served.wait_every_worker("/ready")
            assert served.healthy()
            for path in ("/conditions", "/causes", "/treatments"):
                assert served.http.get(path).json() == on_sqlite.http.get(path).json(), path
