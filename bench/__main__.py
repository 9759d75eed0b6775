"""Benchmark: the service against its peer, the framework's ceiling and the server's limit.

    make bench                      # or: .venv/bin/python -m bench [--rounds 3] [--seconds 5]

Needs wrk and taskset, and two cores: every server is pinned to one, wrk to the other. Runs:
1. cold start: an empty database to the first answered request (alembic upgrade head + start);
2. the service, cached (as shipped) and uncached (CACHE_MAX_BYTES=0), and three references
   (bench/references.py) serving the same bytes, with the same uvicorn flags and the same wrk
   flags, alternated, for several rounds; medians are printed;
3. cold bursts: N simultaneous distinct misses on a server just started (bench/burst.py), on
   SQLite and on PostgreSQL when one answers at TEST_POSTGRES_URL;
4. scale: one condition against 1,000 (bench/synthetic.py), cached and uncached, one connection;
5. cost: the cached path with metrics and the access log on, off, and the ceiling
   (bench/observability.py);
6. relevance: hit@3 and MRR of /search on the relevance set, per backend (bench/relevance.py).
`--only cold-start|compare|burst|scale|cost|relevance` runs one part.
`--scale 1,1000,10000 [--backends sqlite,postgresql]` runs the scale report alone instead
(bench/scale.py): at each size, per backend, the database and snapshot builds, start to first
answer, memory, uncached latency, cached latency beside misses and export throughput; it writes
every figure to data/bench/scale.json too.
Prints Markdown tables. Loopback only; each wrk run stops by itself.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from app.db import migrate
from app.graph import load_graph
from bench.burst import burst
from bench.harness import (
    BIN,
    Series,
    Server,
    cores,
    get,
    postgres_database,
    require_tools,
    wrk,
)
from bench.observability import cost
from bench.relevance import print_relevance
from bench.scale import BACKENDS, scale_report
from bench.synthetic import generate

TREATMENTS = "/treatments"
CONDITION = "/conditions/calcinosis-cutis"
SEARCH = "/search?q=kidney"
URLS = (
    TREATMENTS,
    "/risk-factors?cause=metastatic-calcification",
    SEARCH,
    "/treatments/carbon-dioxide-laser",
    CONDITION,
)
BURSTS = (50, 100, 300)
NOT_MODIFIED = "/treatments (304)"
SCALE_URLS = {
    "list": "/treatments",
    "detail": "/treatments/carbon-dioxide-laser",
    "search": "/search?q=kidney",
}
REFERENCES = {
    "peer": "bench.references:peer",
    "ceiling": "bench.references:ceiling",
    "limit": "bench.references:limit",
}
COLUMNS = ("service", "uncached", "ceiling", "peer", "limit")


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"{model}, {os.cpu_count()} cores, {platform.machine()}; Linux {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def cold_start(folder: Path, core: int, index: int) -> tuple[float, float, Path]:
    """Seconds to migrate an empty database, then to start and answer /treatments."""
    path = folder / f"knowledge-{index}.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    began = time.perf_counter()
    subprocess.run(
        ["taskset", "-c", str(core), str(BIN / "alembic"), "upgrade", "head"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    migrated = time.perf_counter() - began
    server = Server("service", "app.main:app", core, env)
    try:
        answered = server.wait(TREATMENTS)
    finally:
        server.stop()
    return migrated, answered, path


def measure(
    servers: dict[str, Server],
    urls: dict[str, tuple[str, dict[str, str]]],
    *,
    core: int,
    rounds: int,
    seconds: int,
    connections: int,
) -> dict[tuple[str, str], Series]:
    """wrk on every (URL, server), servers alternated from round to round; a warm-up first."""
    results: dict[tuple[str, str], Series] = {}
    names = list(servers)
    for round_ in range(-1, rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for label, (url, headers) in urls.items():
            for name in order:
                sample = wrk(
                    servers[name].url + url,
                    core=core,
                    connections=connections,
                    seconds=1 if round_ < 0 else seconds,
                    headers=headers,
                )
                if round_ >= 0:
                    results.setdefault((label, name), Series()).samples.append(sample)
    return results


def compare(folder: Path, database: Path, args: argparse.Namespace) -> None:
    server_core, load_core = cores()
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    servers: dict[str, Server] = {}
    try:
        servers["service"] = Server("service", "app.main:app", server_core, env)
        servers["service"].wait(TREATMENTS)
        uncached = {**env, "CACHE_MAX_BYTES": "0"}
        servers["uncached"] = Server("uncached", "app.main:app", server_core, uncached)
        bodies: dict[str, str] = {}
        for url in URLS:
            status, _, answer = get(servers["service"].url + url)
            if status != 200:
                raise SystemExit(f"the service answered {status} to {url}")
            bodies[url] = answer.decode()
        etag = get(servers["service"].url + TREATMENTS)[1]["etag"]
        (folder / "bodies.json").write_text(json.dumps(bodies))
        env["BENCH_BODIES"] = str(folder / "bodies.json")
        for name, target in REFERENCES.items():
            servers[name] = Server(name, target, server_core, env)
        for name, server in servers.items():
            server.wait(TREATMENTS)
            for url, body in bodies.items():
                if get(server.url + url)[2].decode() != body:
                    raise SystemExit(f"{name} does not serve the same bytes as the service: {url}")
        urls: dict[str, tuple[str, dict[str, str]]] = {url: (url, {}) for url in URLS}
        results = measure(
            servers,
            urls,
            core=load_core,
            rounds=args.rounds,
            seconds=args.seconds,
            connections=args.connections,
        )
        not_modified = measure(
            {"service": servers["service"]},
            {NOT_MODIFIED: (TREATMENTS, {"If-None-Match": etag})},
            core=load_core,
            rounds=args.rounds,
            seconds=args.seconds,
            connections=args.connections,
        )
    finally:
        for server in servers.values():
            server.stop()

    print(
        f"\n### Throughput: wrk -t1 -c{args.connections} -d{args.seconds}s, "
        f"median of {args.rounds} rounds (req/s, p99 ms)\n"
    )
    print(
        "| URL | service | uncached | FastAPI ceiling | peer (FastAPI + SQLModel) | bare ASGI "
        "| service / ceiling | uncached / ceiling | uncached / peer | service / bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for url in URLS:
        row = {name: results[(url, name)] for name in servers}
        cells = [f"{row[name].rps:,.0f} ({row[name].p99:.2f})" for name in COLUMNS]
        pairs = (
            ("service", "ceiling"),
            ("uncached", "ceiling"),
            ("uncached", "peer"),
            ("service", "limit"),
        )
        ratios = [row[a].rps / row[b].rps for a, b in pairs]
        print(
            f"| `{url}` | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{r:.2f}x" for r in ratios)
            + " |"
        )
    series = not_modified[(NOT_MODIFIED, "service")]
    print(f"| `{NOT_MODIFIED}` | {series.rps:,.0f} ({series.p99:.2f}) | | | | | | | | |")

    def ratio(url: str, a: str, b: str) -> float:
        return results[(url, a)].rps / results[(url, b)].rps

    print(
        f"\n`{TREATMENTS}`: cached {ratio(TREATMENTS, 'service', 'ceiling'):.2f}x the FastAPI "
        "ceiling (goal: at least 0.8x); uncached "
        f"{ratio(TREATMENTS, 'uncached', 'ceiling'):.2f}x the ceiling (goal: at least 0.25x) and "
        f"{ratio(TREATMENTS, 'uncached', 'peer'):.1f}x the peer (goal: at least 10x). Uncached "
        f"condition page {ratio(CONDITION, 'uncached', 'peer'):.1f}x the peer, uncached search "
        f"{ratio(SEARCH, 'uncached', 'peer'):.1f}x."
    )


def bursts(database: Path) -> None:
    server_core, load_core = cores()
    os.sched_setaffinity(0, {load_core})
    details = [f"/treatments/{slug}" for slug in treatments(database)]
    backends: dict[str, str | None] = {"SQLite": f"sqlite:///{database}"}
    server_url = os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    print(
        "\n### Cold bursts: N simultaneous requests for distinct URLs on a server just started, "
        "one worker\n"
    )
    print("| backend | N | 200s | other statuses | slowest | median | all answered in |")
    print("|---|---:|---:|---|---:|---:|---:|")
    with postgres_database(server_url) as postgres:
        backends["PostgreSQL"] = postgres and migrate(postgres)
        for backend, url in backends.items():
            if url is None:
                print(f"| {backend} | | | not reachable at {server_url} | | | |")
                continue
            for count in BURSTS:
                found = burst(url, count, server_core, details)
                others = {s: n for s, n in found.statuses.items() if s != 200} or ""
                print(
                    f"| {backend} | {count} | {found.ok} | {others} | {found.slowest:.2f} s "
                    f"| {found.median:.2f} s | {found.wall:.2f} s |"
                )
    os.sched_setaffinity(0, {server_core, load_core})


def relevance(database: Path) -> None:
    print(
        "\n### Search relevance on the project's seeds: the relevance set "
        "(tests/search_relevance.toml), a report; the tests hold its floors on the test corpus\n"
    )
    with postgres_database() as postgres:
        urls = {"SQLite": f"sqlite:///{database}"}
        if postgres is not None:
            urls["PostgreSQL"] = migrate(postgres)
        print_relevance(urls)


def treatments(database: Path) -> list[str]:
    """The slugs /treatments lists, read from the database."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return list(load_graph(connection).listed.get("treatments", {}))
    finally:
        engine.dispose()


def scale(folder: Path, small: Path, args: argparse.Namespace) -> None:
    server_core, load_core = cores()
    large = folder / "synthetic.db"
    began = time.perf_counter()
    generate(large, args.conditions)
    print(f"\nGenerated {args.conditions} conditions in {time.perf_counter() - began:.1f} s.")
    sizes = {1: small, args.conditions: large}
    servers: dict[str, Server] = {}
    try:
        for count, database in sizes.items():
            for mode, max_bytes in (("cached", None), ("uncached", "0")):
                env = {"DATABASE_URL": f"sqlite:///{database}"}
                if max_bytes is not None:
                    env["CACHE_MAX_BYTES"] = max_bytes
                servers[f"{count} {mode}"] = Server(mode, "app.main:app", server_core, env)
        for server in servers.values():
            server.wait(TREATMENTS)
        urls: dict[str, tuple[str, dict[str, str]]] = {
            what: (url, {}) for what, url in SCALE_URLS.items()
        }
        results = measure(
            servers,
            urls,
            core=load_core,
            rounds=args.rounds,
            seconds=args.scale_seconds,
            connections=1,
        )
    finally:
        for server in servers.values():
            server.stop()

    n = args.conditions
    print(
        f"\n### Scale: 1 condition against {n}; wrk -t1 -c1 -d{args.scale_seconds}s, "
        f"median of {args.rounds} rounds (latency p50 / p99, ms)\n"
    )
    print(
        f"| | URL | cached, 1 | cached, {n} | uncached, 1 | uncached, {n} "
        f"| uncached {n} / 1 (p50) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for what, url in SCALE_URLS.items():
        cells = []
        for mode in ("cached", "uncached"):
            for count in sizes:
                series = results[(what, f"{count} {mode}")]
                cells.append(f"{series.p50:.3f} / {series.p99:.3f}")
        growth = results[(what, f"{n} uncached")].p50 / results[(what, "1 uncached")].p50
        print(f"| {what} | `{url}` | " + " | ".join(cells) + f" | {growth:.2f}x |")
    search = results[("search", f"{n} uncached")].p50 / results[("search", "1 uncached")].p50
    print(f"\nUncached search at {n} conditions: {search:.2f}x its time at one (goal: at most 2x).")


def sizes(value: str) -> list[int]:
    """`1,1000,10000`: the sizes of the scale report, in conditions."""
    try:
        found = [int(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are numbers of conditions: 1,1000,10000") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError("each size is at least 1 condition")
    return found


def backends(value: str) -> list[str]:
    """`sqlite,postgresql`: the backends of the scale report."""
    found = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = sorted(set(found) - set(BACKENDS))
    if unknown or not found:
        raise argparse.ArgumentTypeError(f"backends are {' and '.join(BACKENDS)}, not {unknown}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--scale-seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--conditions", type=int, default=1000)
    parser.add_argument(
        "--only",
        choices=("cold-start", "compare", "burst", "scale", "cost", "relevance"),
        help="run one part of the benchmark",
    )
    parser.add_argument(
        "--scale",
        type=sizes,
        metavar="SIZES",
        help="run the scale report alone, at these sizes (conditions), e.g. 1,1000,10000",
    )
    parser.add_argument(
        "--backends",
        type=backends,
        default=list(BACKENDS),
        metavar="BACKENDS",
        help="the scale report's backends (default: sqlite,postgresql)",
    )
    args = parser.parse_args()
    if args.scale and args.only:
        parser.error("--scale runs the scale report alone: it does not go with --only")
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    require_tools()
    server_core, load_core = cores()
    print(f"## Benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"Machine: {machine()}. Servers on core {server_core}, wrk on core {load_core}.")
    print(f"Command: `make bench BENCH_ARGS='{' '.join(sys.argv[1:])}'`.")
    if args.scale:
        header = {
            "date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            "machine": machine(),
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
        }
        scale_report(args.scale, args.backends, seconds=args.scale_seconds, header=header)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = args.rounds if args.only in (None, "cold-start") else 1
        starts = [cold_start(folder, server_core, i) for i in range(runs)]
        if args.only in (None, "cold-start"):
            migrating = statistics.median(s[0] for s in starts)
            answer = statistics.median(s[1] for s in starts)
            print(
                f"\n### Cold start, median of {runs}\n\n"
                f"Empty database to first answered request: {migrating + answer:.2f} s "
                f"(`alembic upgrade head` {migrating:.2f} s, then start and answer /treatments "
                f"{answer:.2f} s)."
            )
        database = starts[0][2]
        if args.only in (None, "compare"):
            compare(folder, database, args)
        if args.only in (None, "burst"):
            bursts(database)
        if args.only in (None, "scale"):
            scale(folder, database, args)
        if args.only in (None, "cost"):
            cost(folder, database, args)
        if args.only in (None, "relevance"):
            relevance(database)


if __name__ == "__main__":
    main()
