"""A bounded soak: several minutes of mixed reads and writes, as staff and as a partner, against a real
`vigia serve` on loopback with its own embedded PostgreSQL; then the verdict and the figures.

    .venv/bin/python scripts/soak.py                    # 3 minutes, 12 concurrent clients
    .venv/bin/python scripts/soak.py --duration 600 --concurrency 24
    make soak                                           # the same, SOAK_DURATION=… SOAK_CONCURRENCY=…

It fails (exit status 1) on any 5xx or transport error, when the server's resident memory keeps
growing after the warm-up, or when its open database connections grow beyond its pool. The figures go
to stdout as JSON and into docs/reliability.md, between its `soak` markers (unless --no-doc).

Memory and connections are sampled every few seconds from the server process (psutil), from
PostgreSQL (`pg_stat_activity`) and from the service's own `/metrics`.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VIGIA = [str(BIN / "vigia")] if (BIN / "vigia").exists() else [sys.executable, "-m", "api.cli"]
DOC = ROOT / "docs" / "reliability.md"
MAX_DURATION = 30 * 60
SAMPLE_EVERY = 5.0
POOL = 10 + 10  # VIGIA_DB_POOL_SIZE + VIGIA_DB_MAX_OVERFLOW (the defaults, used here)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the service under test --------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    env: dict[str, str]
    data_dir: Path
    log: Path
    metrics_token: str


def start_server(work: Path) -> Server:
    port = free_port()
    token = secrets.token_hex(16)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIA_")},
        "VIGIA_ENVIRONMENT": "test",
        "VIGIA_SECRET_KEY": secrets.token_hex(32),
        "VIGIA_DATA_DIR": str(work / "data"),
        "VIGIA_EVIDENCE_DIR": str(work / "evidence"),
        "VIGIA_METRICS_TOKEN": token,
        # The soak measures the service, not the rate limiter (tests/partners covers it).
        "VIGIA_RATE_LIMIT_PER_MINUTE": "1000000",
        "VIGIA_LOGIN_ATTEMPTS_PER_MINUTE": "1000",
        "VIGIA_FRONTEND_DIST": str(work / "no-dashboard"),
    }
    log = work / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [*VIGIA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", env, work / "data", log, token)
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise SystemExit(f"vigia serve exited early:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base}/api/v1/health", timeout=1).status_code == 200:
                return server
        if time.monotonic() > deadline:
            raise SystemExit("vigia serve did not become healthy in 120 s")
        time.sleep(0.2)


def vigia(server: Server, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own command
        [*VIGIA, *args],
        env=server.env,
        cwd=server.data_dir.parent,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"vigia {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@dataclass
class Credentials:
    staff: dict[str, str]
    partner: dict[str, str]


def arrange(server: Server) -> Credentials:
    vigia(server, "demo", "load")
    password = secrets.token_urlsafe(18)
    vigia(server, "users", "create", "--email", "soak@example.org", "--role", "editor", stdin=password + "\n")
    vigia(server, "partners", "create", "Red de carga")
    output = vigia(server, "keys", "create", "--partner", "Red de carga", "--scope", "read", "--scope", "write")
    key = re.search(r"(vk_[0-9a-f]{12}_\S+)", output)
    assert key is not None, output
    login = httpx.post(
        f"{server.base}/api/v1/auth/token", data={"username": "soak@example.org", "password": password}, timeout=30
    )
    login.raise_for_status()
    return Credentials({"Authorization": f"Bearer {login.json()['access_token']}"}, {"X-API-Key": key.group(1)})


def database_url(server: Server) -> str:
    """The embedded server's address; the handle is let go at once (`vigia serve` keeps it running)."""
    sys.path.insert(0, str(ROOT))
    from api.embedded import EmbeddedPostgres

    with EmbeddedPostgres(server.data_dir) as pg:
        return pg.url


# --- the load ----------------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: Counter[str] = field(default_factory=Counter)


@dataclass
class World:
    case_ids: list[str]
    institution_ids: list[str]
    created: list[str] = field(default_factory=list)


async def call(
    results: Results, client: httpx.AsyncClient, kind: str, action: str, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        results.transport_errors[f"{action}: {type(exc).__name__}"] += 1
        return None
    results.latencies[kind].append(time.perf_counter() - started)
    results.statuses[response.status_code] += 1
    results.by_action[action] += 1
    if response.status_code >= 500:
        results.server_errors.append(f"{method} {url} -> {response.status_code} {response.text[:200]}")
    return response


async def one_staff_step(results: Results, client: httpx.AsyncClient, world: World, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.18:
        params = rng.choice([{}, {"state": "MX-CMX"}, {"q": "jardín de niños"}, {"sort": "-year"}, {"year": 2018}])
        await call(results, client, "read", "list cases", "GET", "/cases", params={"limit": 50, **params})
    elif roll < 0.36:
        await call(results, client, "read", "get case", "GET", f"/cases/{rng.choice(world.case_ids)}")
    elif roll < 0.44:
        await call(results, client, "read", "list institutions", "GET", "/institutions", params={"limit": 100})
    elif roll < 0.52:
        path = rng.choice(["/court-orders", "/obligations", "/proceedings"])
        await call(results, client, "read", f"list {path[1:]}", "GET", path)
    elif roll < 0.58:
        await call(results, client, "read", "deadlines", "GET", "/deadlines", params={"within_days": 60})
    elif roll < 0.63:
        group = rng.choice(["state", "year", "pattern"])
        await call(results, client, "read", "stats", "GET", "/stats/cases", params={"group_by": group})
    elif roll < 0.67:
        headers = {"Accept": "text/csv"}
        await call(
            results, client, "read", "export cases (CSV)", "GET", "/cases", params={"limit": 200}, headers=headers
        )
    elif roll < 0.80:
        body = {
            "title": f"Caso de carga {uuid.uuid4().hex[:8]}",
            "state": rng.choice(["MX-CMX", "MX-JAL", "MX-NLE", "MX-OAX"]),
            "year_start": rng.randint(2010, 2024),
            "summary": "Registro generado por la prueba de carga.",
            "sources": [{"kind": "media_report", "reference": f"Nota {n}"} for n in range(rng.randint(0, 3))],
            "patterns": rng.sample(["costumes", "multiple_aggressors", "assault_in_bathrooms"], k=rng.randint(0, 2)),
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        created = await call(results, client, "write", "create case", "POST", "/cases", json=body, headers=headers)
        if created is not None and created.status_code == 201:
            world.created.append(created.json()["id"])
    elif roll < 0.93:
        target = rng.choice(world.created or world.case_ids)
        read = await call(results, client, "read", "get case", "GET", f"/cases/{target}")
        if read is not None and read.status_code == 200:
            await call(
                results,
                client,
                "write",
                "edit case",
                "PATCH",
                f"/cases/{target}",
                json={"summary": f"Revisado {datetime.now(UTC).isoformat()}"},
                headers={"If-Match": read.headers["ETag"]},
            )
    elif world.created:
        target = world.created.pop(rng.randrange(len(world.created)))
        read = await call(results, client, "read", "get case", "GET", f"/cases/{target}")
        if read is not None and read.status_code == 200:
            await call(
                results,
                client,
                "write",
                "delete case",
                "DELETE",
                f"/cases/{target}",
                headers={"If-Match": read.headers["ETag"]},
            )


async def one_partner_step(results: Results, client: httpx.AsyncClient, world: World, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.45:
        params: dict[str, Any] = {"limit": 200}
        if rng.random() < 0.5:
            params["updated_since"] = "2020-01-01T00:00:00Z"
        await call(results, client, "read", "partner: sync cases", "GET", "/cases", params=params)
    elif roll < 0.7:
        await call(results, client, "read", "partner: get case", "GET", f"/cases/{rng.choice(world.case_ids)}")
    elif roll < 0.85:
        await call(results, client, "read", "partner: stats", "GET", "/stats/cases", params={"group_by": "state"})
    else:
        body = {
            "title": f"Caso aportado {uuid.uuid4().hex[:8]}",
            "state": "MX-PUE",
            "year_start": 2022,
            "visibility": "partners",
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        await call(results, client, "write", "partner: create case", "POST", "/cases", json=body, headers=headers)


async def worker(
    n: int, base: str, credentials: Credentials, world: World, results: Results, stop_at: float, seed: int
) -> None:
    rng = random.Random(seed * 1000 + n)
    partner = n % 4 == 3  # a quarter of the clients are a partner's systems
    headers = credentials.partner if partner else credentials.staff
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", headers=headers, timeout=60, limits=limits) as client:
        while time.monotonic() < stop_at:
            if partner:
                await one_partner_step(results, client, world, rng)
            else:
                await one_staff_step(results, client, world, rng)


# --- sampling ----------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    rss_mb: float
    db_connections: int
    pool_in_use: float
    pool_idle: float
    fds: int


async def sample_loop(server: Server, db_url: str, samples: list[Sample], started: float, stop_at: float) -> None:
    process = psutil.Process(server.process.pid)
    conn = await asyncpg.connect(db_url)
    headers = {"Authorization": f"Bearer {server.metrics_token}"}
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            while True:
                connections = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigia'"
                )
                text = (await client.get(f"{server.base}/metrics", headers=headers)).text
                pool = dict(re.findall(r'^vigia_db_pool_connections\{state="(\w+)"\} ([0-9.e+]+)$', text, re.M))
                samples.append(
                    Sample(
                        at=time.monotonic() - started,
                        rss_mb=process.memory_info().rss / 2**20,
                        db_connections=int(connections),
                        pool_in_use=float(pool.get("in_use", "nan")),
                        pool_idle=float(pool.get("idle", "nan")),
                        fds=process.num_fds(),
                    )
                )
                if time.monotonic() >= stop_at:
                    return
                await asyncio.sleep(SAMPLE_EVERY)
    finally:
        await conn.close()


# --- the verdict -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def verdict(results: Results, samples: list[Sample], warmup: float) -> list[str]:
    problems = []
    if results.server_errors:
        problems.append(f"{len(results.server_errors)} answers with status 5xx, e.g. {results.server_errors[0]}")
    if results.transport_errors:
        problems.append(f"transport errors: {dict(results.transport_errors)}")
    steady = [s for s in samples if s.at >= warmup]
    if len(steady) >= 4:
        half = len(steady) // 2
        first, last = steady[:half], steady[half:]
        growth = statistics.median(s.rss_mb for s in last) - statistics.median(s.rss_mb for s in first)
        # Allocator noise is a few MB; a leak under this load grows steadily.
        if growth > max(15.0, 0.10 * statistics.median(s.rss_mb for s in first)):
            problems.append(f"resident memory grew by {growth:.1f} MB after the warm-up")
        if max(s.db_connections for s in last) > max(s.db_connections for s in first) + 2:
            problems.append("database connections kept growing")
        if max(s.fds for s in last) > max(s.fds for s in first) + 10:
            problems.append("open file descriptors kept growing")
    if samples and max(s.db_connections for s in samples) > POOL:
        problems.append(f"more database connections than the pool allows ({max(s.db_connections for s in samples)})")
    return problems


def summary(results: Results, samples: list[Sample], args: argparse.Namespace, elapsed: float) -> dict[str, Any]:
    total = sum(results.statuses.values())
    steady = [s for s in samples if s.at >= args.warmup] or samples
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "duration_s": round(elapsed),
        "concurrency": args.concurrency,
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(results.statuses.items())},
        "server_errors": len(results.server_errors),
        "transport_errors": sum(results.transport_errors.values()),
        "latency_ms": {
            kind: {
                "n": len(values),
                "p50": round(percentile(values, 0.50), 1),
                "p95": round(percentile(values, 0.95), 1),
                "p99": round(percentile(values, 0.99), 1),
                "max": round(max(values) * 1000, 1),
            }
            for kind, values in sorted(results.latencies.items())
        },
        "actions": dict(results.by_action.most_common()),
        "rss_mb": {
            "after_warmup": round(steady[0].rss_mb, 1) if steady else None,
            "end": round(samples[-1].rss_mb, 1) if samples else None,
            "max": round(max(s.rss_mb for s in samples), 1) if samples else None,
        },
        "db_connections": {
            "min": min(s.db_connections for s in samples) if samples else None,
            "max": max(s.db_connections for s in samples) if samples else None,
            "end": samples[-1].db_connections if samples else None,
        },
        "open_fds": {"start": samples[0].fds if samples else None, "end": samples[-1].fds if samples else None},
        "samples": [
            {"t_s": round(s.at), "rss_mb": round(s.rss_mb, 1), "db_connections": s.db_connections, "fds": s.fds}
            for s in samples
        ],
    }


def markdown(figures: dict[str, Any], problems: list[str]) -> str:
    lat = figures["latency_ms"]
    lines = [
        f"Last run: {figures['date']}, {figures['duration_s']} s, {figures['concurrency']} concurrent clients "
        f"(a quarter of them as a partner), on {figures['machine']}; `vigia serve` (one process) and its "
        "embedded PostgreSQL on the same machine as the load.",
        "",
        f"- **Verdict: {'PASS' if not problems else 'FAIL: ' + '; '.join(problems)}**",
        f"- {figures['requests']} requests, {figures['requests_per_s']} per second; statuses "
        + ", ".join(f"{k}: {v}" for k, v in figures["statuses"].items())
        + f"; **{figures['server_errors']} 5xx**, {figures['transport_errors']} transport errors",
        "",
        "| requests | n | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| {k} | {v['n']} | {v['p50']} | {v['p95']} | {v['p99']} | {v['max']} |" for k, v in lat.items()),
        "",
        f"- Resident memory of `vigia serve`: {figures['rss_mb']['after_warmup']} MB after the warm-up, "
        f"{figures['rss_mb']['end']} MB at the end (max {figures['rss_mb']['max']} MB).",
        f"- Its database connections (`pg_stat_activity`): between {figures['db_connections']['min']} and "
        f"{figures['db_connections']['max']} (pool: {POOL}), {figures['db_connections']['end']} at the end; "
        f"open file descriptors {figures['open_fds']['start']} → {figures['open_fds']['end']}.",
        "",
        "| t (s) | RSS (MB) | DB connections | open fds |",
        "| --- | --- | --- | --- |",
        *(f"| {s['t_s']} | {s['rss_mb']} | {s['db_connections']} | {s['fds']} |" for s in thinned(figures["samples"])),
    ]
    return "\n".join(lines)


def thinned(samples: list[dict[str, Any]], rows: int = 13) -> list[dict[str, Any]]:
    """At most `rows` samples, evenly spread, the first and the last included."""
    if len(samples) <= rows:
        return samples
    step = (len(samples) - 1) / (rows - 1)
    return [samples[round(i * step)] for i in range(rows)]


def write_doc(text: str) -> None:
    doc = DOC.read_text()
    begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
    if begin not in doc or end not in doc:
        raise SystemExit(f"{DOC} has no {begin} … {end} section")
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    DOC.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


# --- main --------------------------------------------------------------------------------------------


async def load(
    server: Server, credentials: Credentials, args: argparse.Namespace
) -> tuple[Results, list[Sample], float]:
    async with httpx.AsyncClient(base_url=f"{server.base}/api/v1", headers=credentials.staff, timeout=60) as client:
        cases = (await client.get("/cases", params={"limit": 200})).json()["items"]
        institutions = (await client.get("/institutions", params={"limit": 200})).json()["items"]
    world = World([c["id"] for c in cases], [i["id"] for i in institutions])
    results = Results()
    samples: list[Sample] = []
    db_url = database_url(server)
    started = time.monotonic()
    stop_at = started + args.duration
    await asyncio.gather(
        sample_loop(server, db_url, samples, started, stop_at),
        *(worker(n, server.base, credentials, world, results, stop_at, args.seed) for n in range(args.concurrency)),
    )
    return results, samples, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("SOAK_DURATION", 180)))
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("SOAK_CONCURRENCY", 12)))
    parser.add_argument("--warmup", type=float, default=None, help="seconds left out of the growth checks")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-doc", action="store_true", help="do not write the figures to docs/reliability.md")
    args = parser.parse_args()
    if not 10 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 10 and {MAX_DURATION} seconds")
    args.warmup = args.warmup if args.warmup is not None else min(60.0, args.duration / 4)

    with tempfile.TemporaryDirectory(prefix="vigia-soak-") as tmp:
        work = Path(tmp)
        print(f"starting vigia serve in {work} …", file=sys.stderr)
        server = start_server(work)
        try:
            credentials = arrange(server)
            print(f"soaking for {args.duration:.0f} s with {args.concurrency} clients …", file=sys.stderr)
            results, samples, elapsed = asyncio.run(load(server, credentials, args))
        finally:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(60)
            except subprocess.TimeoutExpired:
                server.process.kill()
        problems = verdict(results, samples, args.warmup)
        if server.process.returncode != 0:
            problems.append(f"vigia serve exited with status {server.process.returncode}")
        figures = summary(results, samples, args, elapsed)
    print(json.dumps({**figures, "problems": problems}, indent=2))
    if not args.no_doc:
        write_doc(markdown(figures, problems))
        print(f"figures written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
