"""What metrics and the access log cost on the cached path.

Three servers, one worker each, alternated over the rounds on the same URL: the service as
`make run` serves it (metrics kept in PROMETHEUS_MULTIPROC_DIR files, one JSON line per request
written to a file), the same service with both off, and the FastAPI ceiling serving the same
bytes. The goal: the cached /treatments stays at or above 0.8x the ceiling with both on.
"""

import argparse
import json
import statistics
from pathlib import Path

from bench.harness import Sample, Server, cores, get, wrk

URL = "/treatments"
GOAL = 0.8


def cost(folder: Path, database: Path, args: argparse.Namespace) -> None:
    server_core, load_core = cores()
    metrics = folder / "metrics"
    metrics.mkdir(exist_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    servers: dict[str, Server] = {}
    log = folder / "access.log"
    try:
        servers["on"] = Server(
            "metrics and logs on", "app.main:app", server_core,
            {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, log=log,
        )  # fmt: skip
        servers["off"] = Server(
            "metrics and logs off", "app.main:app", server_core,
            {**env, "METRICS": "false", "ACCESS_LOG": "false"},
        )  # fmt: skip
        servers["on"].wait(URL)
        body = get(servers["on"].url + URL)[2]
        (folder / "cost-bodies.json").write_text(json.dumps({URL: body.decode()}))
        servers["ceiling"] = Server(
            "FastAPI ceiling", "bench.references:ceiling", server_core,
            {**env, "BENCH_BODIES": str(folder / "cost-bodies.json")},
        )  # fmt: skip
        for server in servers.values():
            server.wait(URL)
            if get(server.url + URL)[2] != body:
                raise SystemExit(f"{server.name} does not serve the same bytes as the service")
        samples: dict[str, list[Sample]] = {name: [] for name in servers}
        names = list(servers)
        for round_ in range(-1, args.rounds):  # round -1 warms up
            for name in names[round_ % 3 :] + names[: round_ % 3]:
                seconds = 1 if round_ < 0 else args.seconds
                sample = wrk(
                    servers[name].url + URL,
                    core=load_core, connections=args.connections, seconds=seconds,
                )  # fmt: skip
                if round_ >= 0:
                    samples[name].append(sample)
    finally:
        for server in servers.values():
            server.stop()

    rps = {
        name: statistics.median(s.requests_per_second for s in got) for name, got in samples.items()
    }
    p99 = {name: statistics.median(s.p99_ms for s in got) for name, got in samples.items()}
    logged = sum(1 for _ in log.open("rb"))
    print(
        f"\n### Metrics and access log on the cached `{URL}`: wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s, median of {args.rounds} rounds\n"
    )
    print("| server | req/s | p99 ms | / FastAPI ceiling |")
    print("|---|---:|---:|---:|")
    for name, server in servers.items():
        ratio = rps[name] / rps["ceiling"]
        print(f"| {server.name} | {rps[name]:,.0f} | {p99[name]:.2f} | {ratio:.2f}x |")
    ratio = rps["on"] / rps["ceiling"]
    print(
        f"\nWith metrics and logs on, `{URL}` serves {ratio:.2f}x the FastAPI ceiling "
        f"(goal: at least {GOAL}x) and {rps['on'] / rps['off']:.2f}x the service with them off; "
        f"{logged:,} access log lines written."
    )
