"""Scale: what the service costs at N conditions, per backend, from the database to the answers.

    .venv/bin/python -m bench --scale 1,1000,10000 [--backends sqlite,postgresql]
                              [--scale-seconds 3]

For each backend and each size N (calcinosis cutis and N - 1 synthetic conditions,
bench/synthetic.py), with every server pinned to one core and wrk to the other (what builds the
database and the snapshot runs on every core):

1. database: the time to generate it (`python -m bench.synthetic`, migrations included; on
   PostgreSQL into a scratch database, dropped afterwards) and its size;
2. snapshot: the time `python -m app.snapshot` takes to build the revision's snapshot, the
   file's size, and the builder's peak resident memory (its rusage, from wait4);
3. start to first answer: one uvicorn worker started until `/treatments` answers 200, with the
   snapshot already built, and with an empty snapshot directory (the worker builds it first);
4. memory of the worker (VmRSS and its peak VmHWM, PSS from smaps_rollup): after start, after
   the uncached load of 5., after the mixed load of 6. (response cache on); and with two workers,
   each worker's, and what the whole server (supervisor and workers) adds over one worker;
5. uncached latency (CACHE_MAX_BYTES=0), 8 connections, wrk: a detail (`/risk-factors/<slug>`
   going round up to 1,000 slugs spread over the list), a deep page (`/risk-factors?limit=100`
   at about half the total), a condition page (`/conditions/<slug>` going round up to 1,000),
   a search (`/search?q=kidney`) and one with a typo (`/search?q=kidny`);
6. the event loop only routes: the cached `/treatments` on one connection, alone, then beside 8
   connections of misses (the deep page and both searches, each request with an Origin of its
   own, so that each is a miss computed in full: routing, the snapshot's reads, gzip, storing);
   the cached p99 beside them should stay under 5 ms;
7. export: `GET /export`, the first request (which writes the export file) and a second one,
   with and without `Accept-Encoding: gzip` (the file is removed between the two codings).

Prints one Markdown table per backend, a column per size, and writes every figure to
data/bench/scale.json. Every server is stopped (with anything it started), every scratch
database dropped and every temporary directory (databases, snapshots) removed, whatever happens.
"""

import json
import os
import shutil
import signal
import string
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, pool, text

from app.config import ROOT
from app.snapshot import SUFFIX
from bench.harness import BIN, POSTGRES_URL, Sample, Server, cores, get, postgres_database, wrk

BACKENDS = ("sqlite", "postgresql")
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
REPORT = ROOT / "data" / "bench" / "scale.json"
CONNECTIONS = 8
# Distinct details and condition pages a run goes round (spread over the whole list).
CYCLE = 1000
PAGE = 100  # the largest `limit`
TREATMENTS = "/treatments"
SEARCHES = {"search": "/search?q=kidney", "search, typo": "/search?q=kidny"}
# What the cached answers should stay under while misses are computed beside them.
CACHED_P99_GOAL_MS = 5.0
# A worker building its snapshot at 10,000 conditions takes minutes.
FRESH_START_TIMEOUT = 3600.0

# wrk goes round `paths` (each connection from its own place); with `origins`, each request
# carries an Origin of its own (part of the response cache's key): the same work every time,
# never an answer the cache holds.
WRK_SCRIPT = string.Template(
    """
local paths = {$paths}
local origins = $origins
local run = "$run"
local position = 0
local sent = 0

function init(args)
  position = math.random(#paths) - 1
end

function request()
  position = position % #paths + 1
  if not origins then
    return wrk.format(nil, paths[position])
  end
  sent = sent + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Origin"] = "http://" .. run .. "-" .. sent .. ".bench.invalid"
  return wrk.format(nil, paths[position], headers)
end
"""
)


# Processes, as /proc shows them.


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (state first)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):  # gone meanwhile
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        below = sorted(children.get(queue.pop(0), []))
        found += below
        queue += below
    return found


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with suppress(OSError):  # ended meanwhile
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def settle(pids: list[int], timeout: float = 60.0) -> None:
    """Wait until the processes and those below them are idle (at most a tick of CPU in each of
    two half seconds): whatever a start or a load set going has finished, such as the builder
    a worker starts ahead importing what it needs."""
    watched = [*pids, *(below for pid in pids for below in descendants(pid))]
    quiet, last = 0, cpu_ticks(watched)
    deadline = time.monotonic() + timeout
    while quiet < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_ticks(watched)
        quiet = quiet + 1 if now - last <= 1 else 0
        last = now


def memory(pid: int) -> dict[str, int | None]:
    """Resident memory of a process in KiB: VmRSS, its peak VmHWM, and PSS (its share of the
    pages it shares with others) when smaps_rollup can be read."""
    status = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        status[name] = value
    pss = None
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return {
        "rss_kib": int(status["VmRSS"].split()[0]),
        "hwm_kib": int(status["VmHWM"].split()[0]),
        "pss_kib": pss,
    }


@contextmanager
def serving(
    name: str, core: int, env: dict[str, str], *, workers: int = 1, log: Path | None = None
) -> Iterator[Server]:
    """`uvicorn app.main:app` (bench/harness.py's Server), stopped afterwards with whatever it
    started (workers, a snapshot builder) that outlived it."""
    server = Server(name, "app.main:app", core, env, log, workers=workers)
    try:
        yield server
    finally:
        started = descendants(server.process.pid)
        server.stop()
        for pid in started:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def run_measured(command: list[str], env: dict[str, str], folder: Path) -> tuple[float, int, str]:
    """Run `command`; its wall time, its peak resident memory (KiB, from its rusage: itself
    and any process it waited for) and its standard output. Raises with its last words if it
    fails."""
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=stdout, stderr=stderr
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        said = err.read_text(errors="replace").strip().splitlines()
        last = said[-1] if said else f"exit status {process.returncode}"
        raise SystemExit(f"{command[2]} failed: {last}")
    return seconds, usage.ru_maxrss, out.read_text()


# What the benchmark asks the server.


def listed(base: str, path: str, count: int) -> tuple[list[str], int]:
    """Up to `count` slugs of the list at `path`, in pages spread over the whole list, and the
    list's total."""
    total = json.loads(get(f"{base}{path}?limit=1")[2])["total"]
    pages = max(1, min(count, total) // PAGE)
    slugs: list[str] = []
    for page in range(pages):
        offset = page * (total // pages)
        status, _, body = get(f"{base}{path}?limit={PAGE}&offset={offset}")
        if status != 200:
            raise SystemExit(f"{path}?offset={offset} answered {status}")
        slugs += [item["slug"] for item in json.loads(body)["items"]]
    return slugs[:count], total


def script(folder: Path, paths: list[str], *, origins: bool = False) -> Path:
    """A wrk script going round `paths` (see WRK_SCRIPT)."""
    path = folder / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    path.write_text(
        WRK_SCRIPT.substitute(
            paths=", ".join(json.dumps(p) for p in paths),
            origins="true" if origins else "false",
            run=uuid.uuid4().hex[:12],
        )
    )
    return path


def sample(found: Sample) -> dict[str, float]:
    return {"rps": found.requests_per_second, "p50_ms": found.p50_ms, "p99_ms": found.p99_ms}


def cache_counts(base: str) -> dict[str, float]:
    """The response cache's hits and misses so far, from /metrics (one worker)."""
    counts = {"hits": 0.0, "misses": 0.0}
    for line in get(f"{base}/metrics")[2].decode().splitlines():
        for what in counts:
            if line.startswith(f"knowledge_api_cache_{what}_total"):
                counts[what] += float(line.split()[-1])
    return counts


def download(url: str, gzipped: bool) -> dict[str, float]:
    """GET `url` to its last byte: seconds, bytes on the wire, MB/s."""
    headers = {"Accept-Encoding": "gzip" if gzipped else "identity"}
    request = urllib.request.Request(url, headers=headers)
    size = 0
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=FRESH_START_TIMEOUT) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        if gzipped != (response.headers.get("Content-Encoding") == "gzip"):
            raise SystemExit(f"{url} did not answer in the coding asked for")
        while chunk := response.read(2**20):
            size += len(chunk)
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "bytes": size, "mb_per_s": size / 1e6 / seconds}


def database_bytes(url: str) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                query = "SELECT pg_database_size(current_database())"
            else:
                query = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            return int(connection.scalar(text(query)) or 0)
    finally:
        engine.dispose()


# One backend at one size.


def measure(
    url: str, conditions: int, folder: Path, seconds: int, server_core: int, load_core: int
) -> dict[str, Any]:
    """Every figure of one backend at one size, on the database at `url` (empty, on
    PostgreSQL; a file yet to be written, on SQLite); servers on `server_core`, wrk on
    `load_core`."""
    figures: dict[str, Any] = {"conditions": conditions}
    env = {"DATABASE_URL": url}

    # 1. The database.
    target = [] if url.startswith("postgresql") else [url.removeprefix("sqlite:///")]
    # The database and the snapshot are built on every core, as they would be before serving.
    took, peak, _ = run_measured(
        [str(BIN / "python"), "-m", "bench.synthetic", *target, "--conditions", str(conditions)],
        env,
        folder,
    )
    figures["database"] = {"seconds": took, "peak_rss_kib": peak, "bytes": database_bytes(url)}

    # 2. The snapshot, built as a worker has it built (app/snapshot.py's Builder: the
    # settings through the environment, the defaults for the rest).
    snapshots = folder / "snapshots"
    served = {**env, "SNAPSHOT_DIR": str(snapshots)}
    took, peak, said = run_measured([str(BIN / "python"), "-m", "app.snapshot"], served, folder)
    built = Path(said.strip().splitlines()[-1])
    figures["snapshot"] = {"seconds": took, "peak_rss_kib": peak, "bytes": built.stat().st_size}

    # 3 to 5. One uncached worker: its start, its memory, the latency of what it computes.
    with serving("uncached", server_core, {**served, "CACHE_MAX_BYTES": "0"}) as server:
        start: dict[str, float] = {"built_s": server.wait(TREATMENTS)}
        others = [p for p in snapshots.glob(f"*{SUFFIX}") if p != built]
        if others or not built.exists():
            raise SystemExit(
                f"the worker built its own snapshot ({[p.name for p in others]}) instead of "
                f"opening {built.name}: did the snapshot format change while this ran?"
            )
        pid = server.process.pid
        settle([pid])
        memories: dict[str, Any] = {"started": memory(pid)}
        details, risk_factors = listed(server.url, "/risk-factors", CYCLE)
        conditions_, total_conditions = listed(server.url, "/conditions", CYCLE)
        deep = f"/risk-factors?limit={PAGE}&offset={risk_factors // 2}"
        urls = {
            "detail": [f"/risk-factors/{slug}" for slug in details],
            "deep page": [deep],
            "condition": [f"/conditions/{slug}" for slug in conditions_],
            **{label: [path] for label, path in SEARCHES.items()},
        }
        figures["lists"] = {"risk_factors": risk_factors, "conditions": total_conditions}
        uncached: dict[str, Any] = {}
        for label, paths in urls.items():
            cycle = script(folder, paths)
            for duration in (1, seconds):  # a warm-up, then the run
                found = wrk(
                    server.url + "/",
                    core=load_core,
                    connections=CONNECTIONS,
                    seconds=duration,
                    script=cycle,
                )
            uncached[label] = {"first_url": paths[0], "urls": len(paths), **sample(found)}
        figures["uncached"] = uncached
        settle([pid])
        memories["after_uncached_load"] = memory(pid)

    # 3. The same start with no snapshot built yet: the worker builds it before it serves.
    fresh = folder / "fresh-snapshots"
    with serving("fresh", server_core, {**env, "SNAPSHOT_DIR": str(fresh)}) as server:
        start["fresh_s"] = server.wait(TREATMENTS, timeout=FRESH_START_TIMEOUT)
    shutil.rmtree(fresh, ignore_errors=True)
    figures["start"] = start

    # 6 and 7. One worker as shipped (response cache on): cached answers beside misses, then
    # the export.
    with serving("cached", server_core, served) as server:
        server.wait(TREATMENTS)
        pid = server.process.pid
        settle([pid])
        alone = wrk(server.url + TREATMENTS, core=load_core, connections=1, seconds=seconds)
        misses = script(folder, [deep, *SEARCHES.values()], origins=True)
        before = cache_counts(server.url)
        with ThreadPoolExecutor(1) as pool_:
            # The misses start first and end last: the cached run is wholly beside them.
            background = pool_.submit(
                wrk,
                server.url + "/",
                core=load_core,
                connections=CONNECTIONS,
                seconds=seconds + 1,
                script=misses,
            )
            time.sleep(0.5)
            beside = wrk(server.url + TREATMENTS, core=load_core, connections=1, seconds=seconds)
            behind = background.result()
        after = cache_counts(server.url)
        figures["mixed"] = {
            "cached_alone": sample(alone),
            "cached_beside_misses": sample(beside),
            "misses": sample(behind),
            "cache_hits": after["hits"] - before["hits"],
            "cache_misses": after["misses"] - before["misses"],
        }
        settle([pid])
        memories["after_mixed_load"] = memory(pid)
        export: dict[str, Any] = {}
        for coding, gzipped in (("gzip", True), ("identity", False)):
            # The export file is written beside the snapshot by the first request that asks:
            # removed, the next request writes it again, whatever its coding.
            for made in snapshots.glob(f"{built.name}.export.*"):
                made.unlink()
            first = download(server.url + "/export", gzipped)
            if not list(snapshots.glob(f"{built.name}.export.*")):
                raise SystemExit(f"/export wrote no file beside {built.name}")
            second = download(server.url + "/export", gzipped)
            export[coding] = {"first": first, "second": second}
        figures["export"] = export

    # 4. Two workers: what the second one adds.
    metrics = folder / "metrics"
    metrics.mkdir()
    two = {**served, "WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    with serving("two workers", server_core, two, workers=2) as server:
        server.wait(TREATMENTS)
        supervisor = server.process.pid
        workers = wait_for_workers(supervisor, 2)
        settle([supervisor, *workers])
        each = [memory(pid) for pid in workers]
        whole = [memory(supervisor), *each]
    shutil.rmtree(metrics, ignore_errors=True)
    one = memories["started"]
    memories["two_workers"] = {
        "supervisor": whole[0],
        "workers": each,
        "added_rss_kib": sum(m["rss_kib"] or 0 for m in whole) - one["rss_kib"],
        "added_pss_kib": (
            sum(m["pss_kib"] or 0 for m in whole) - one["pss_kib"]
            if one["pss_kib"] is not None
            else None
        ),
    }
    figures["memory"] = memories
    return figures


def wait_for_workers(supervisor: int, count: int, timeout: float = 60.0) -> list[int]:
    """The worker processes uvicorn's supervisor spawned, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = []
        for pid in descendants(supervisor):
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
        if len(found) >= count:
            return found[:count]
        time.sleep(0.1)
    raise SystemExit(f"uvicorn did not start {count} workers within {timeout} s")


def size_on(backend: str, conditions: int, seconds: int, *on: int) -> dict[str, Any]:
    """`measure` on a new database of `backend`, removed afterwards with everything made for
    it; for PostgreSQL, {"unreachable": ...} if no server answers."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        if backend == "sqlite":
            database = f"sqlite:///{folder / 'knowledge.db'}"
            return measure(database, conditions, folder, seconds, *on)
        with postgres_database() as url:
            if url is None:
                return {"conditions": conditions, "unreachable": POSTGRES_URL}
            return measure(url, conditions, folder, seconds, *on)


# The report.


Cell = Callable[[dict[str, Any]], str]


def value(figures: dict[str, Any], path: str) -> Any:
    """The figure at `path` ("memory/started/rss_kib")."""
    for key in path.split("/"):
        figures = figures[key]
    return figures


def cell(template: str, *paths: str, scale: float = 1.0) -> Cell:
    """The figures at `paths`, each divided by `scale` and formatted, separated by slashes."""

    def formatted(figures: dict[str, Any]) -> str:
        found = [value(figures, path) for path in paths]
        if any(v is None for v in found):
            return ""
        return " / ".join(template.format(v / scale) for v in found)

    return formatted


def latency(path: str) -> Cell:
    return cell("{:.2f}", f"{path}/p50_ms", f"{path}/p99_ms")


def mebibytes(*paths: str) -> Cell:
    return cell("{:,.0f}", *paths, scale=1024)


def memory_of(when: str) -> tuple[str, str]:
    return f"memory/{when}/rss_kib", f"memory/{when}/hwm_kib"


def transfer(path: str) -> Cell:
    return lambda f: f"{value(f, path)['seconds']:.3f} s, {value(f, path)['mb_per_s']:,.1f} MB/s"


def each_worker(figures: dict[str, Any]) -> str:
    return " + ".join(
        f"{w['rss_kib'] / 1024:,.0f}" for w in value(figures, "memory/two_workers/workers")
    )


ROWS: list[tuple[str, Cell]] = [
    ("concepts in `/risk-factors`", cell("{:,.0f}", "lists/risk_factors")),
    ("database: generate (s)", cell("{:.1f}", "database/seconds")),
    ("database: size (MB)", cell("{:,.1f}", "database/bytes", scale=1e6)),
    ("snapshot: build (s)", cell("{:.1f}", "snapshot/seconds")),
    ("snapshot: file (MB)", cell("{:,.1f}", "snapshot/bytes", scale=1e6)),
    ("snapshot: builder peak RSS (MiB)", mebibytes("snapshot/peak_rss_kib")),
    ("start to first answer, snapshot built (s)", cell("{:.2f}", "start/built_s")),
    ("start to first answer, no snapshot (s)", cell("{:.2f}", "start/fresh_s")),
    ("worker RSS / peak, after start (MiB)", mebibytes(*memory_of("started"))),
    ("worker PSS, after start (MiB)", mebibytes("memory/started/pss_kib")),
    ("worker RSS / peak, after uncached load (MiB)", mebibytes(*memory_of("after_uncached_load"))),
    (
        "worker RSS / peak, after mixed load, cache on (MiB)",
        mebibytes(*memory_of("after_mixed_load")),
    ),
    ("2 workers: each worker's RSS (MiB)", each_worker),
    (
        "2 workers: added over 1 worker, RSS / PSS (MiB)",
        mebibytes("memory/two_workers/added_rss_kib", "memory/two_workers/added_pss_kib"),
    ),
    *(
        (f"uncached {label}, p50 / p99 (ms)", latency(f"uncached/{label}"))
        for label in ("detail", "deep page", "condition", *SEARCHES)
    ),
    ("cached `/treatments` alone, p50 / p99 (ms)", latency("mixed/cached_alone")),
    ("cached `/treatments` beside misses, p50 / p99 (ms)", latency("mixed/cached_beside_misses")),
    ("the misses beside it, p50 / p99 (ms)", latency("mixed/misses")),
    ("the misses beside it (req/s)", cell("{:,.0f}", "mixed/misses/rps")),
    *(
        (f"export, {coding}, {which}", transfer(f"export/{coding}/{which}"))
        for coding in ("gzip", "identity")
        for which in ("first", "second")
    ),
    (
        "export size, gzip / identity (MB)",
        cell("{:,.2f}", "export/gzip/first/bytes", "export/identity/first/bytes", scale=1e6),
    ),
]


def print_table(backend: str, results: list[dict[str, Any]], seconds: int) -> None:
    measured = [f for f in results if "unreachable" not in f]
    print(f"\n### Scale on {BACKEND_NAMES[backend]}\n")
    if not measured:
        print(f"Not measured: no PostgreSQL server at {results[0]['unreachable']}.")
        return
    print("| conditions | " + " | ".join(f"{f['conditions']:,}" for f in measured) + " |")
    print("|---|" + "---:|" * len(measured))
    for label, shown in ROWS:
        print(f"| {label} | " + " | ".join(shown(f) for f in measured) + " |")
    print(
        f"\nLatency: wrk -t1 -c{CONNECTIONS} -d{seconds}s after a 1 s warm-up, one run each; the "
        f"cached `/treatments` on one connection, beside {CONNECTIONS} connections of misses "
        "(the deep page and both searches, each request with an Origin of its own)."
    )
    for f in measured:
        p99 = f["mixed"]["cached_beside_misses"]["p99_ms"]
        verdict = "under" if p99 < CACHED_P99_GOAL_MS else "OVER"
        print(
            f"At {f['conditions']:,}: the cached p99 beside misses is {p99:.2f} ms, {verdict} "
            f"the goal of {CACHED_P99_GOAL_MS:g} ms; the cache saw "
            f"{f['mixed']['cache_misses']:,.0f} misses and {f['mixed']['cache_hits']:,.0f} hits "
            "meanwhile."
        )


def scale_report(
    sizes: list[int], backends: list[str], *, seconds: int, header: dict[str, str]
) -> dict[str, Any]:
    """Measure every backend at every size, print the tables, write REPORT; the figures."""
    server_core, load_core = cores()
    everything: dict[str, Any] = {**header, "seconds": seconds, "backends": {}}
    affinity = os.sched_getaffinity(0)
    # This process (its HTTP requests, its wrk runs' bookkeeping) stays off the server's core.
    os.sched_setaffinity(0, {load_core})
    try:
        for backend in backends:
            results = []
            for conditions in sizes:
                name = BACKEND_NAMES[backend]
                print(f"Measuring {conditions:,} conditions on {name}...", flush=True)
                began = time.perf_counter()
                results.append(size_on(backend, conditions, seconds, server_core, load_core))
                print(f"  ...done in {time.perf_counter() - began:.0f} s", flush=True)
                everything["backends"][backend] = results
                # Written after each size: a long run that fails keeps what it measured.
                REPORT.parent.mkdir(parents=True, exist_ok=True)
                REPORT.write_text(json.dumps(everything, indent=2) + "\n")
            print_table(backend, results, seconds)
    finally:
        os.sched_setaffinity(0, affinity)
    print(f"\nEvery figure: {REPORT.relative_to(ROOT)}.")
    return everything
