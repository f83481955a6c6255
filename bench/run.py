"""The whole benchmark: data, `vigia serve` and the baseline under wrk in the same run, import, SQL floors.

    python -m bench                          # demo and large scale (about 10 minutes)
    python -m bench --scales demo --duration 5
    python -m bench --endpoints get_case,list_cases

Results: bench/results/bench-<scale>.json and bench/results/summary.json; docs/performance.md explains them.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from api import migrate
from api.cases.models import Case
from api.db import Database, as_role, async_url, create_engine
from api.embedded import EmbeddedPostgres
from api.pagination import by_creation, encode_cursor
from bench import import_cases, load
from bench.baseline import app as baseline_sql
from bench.generate import BENCH_SECRET, SCALES, Scale, generate_into, vacuum

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SECRET = BENCH_SECRET
AS_OF = date(2025, 6, 1)
API = "/api/v1"


@dataclass(frozen=True)
class Context:
    """What endpoint definitions build their request lists from."""

    case_ids: list[str]
    versions: dict[str, int]
    cursors: list[str]
    folder: Path
    public_orders: list[str] = field(default_factory=list)
    # The ETag the service answers for each public path, read from it once it runs (see public_etags).
    etags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """One benchmarked endpoint: the request lines wrk picks from at random (`path` or `path<TAB>etag`)."""

    name: str
    paths: Callable[[Context], list[str]]
    method: str = "GET"
    body: dict[str, Any] | None = None
    with_key: bool = True  # public endpoints: False
    single_client: bool = False  # also measured with one connection, beside its plain SQL
    connections: int | None = None  # instead of --connections (slow endpoints)
    min_duration: float = 0  # at least this many seconds per measured run (slow endpoints)


NEW_CASE = {
    "title": "Caso de prueba de carga",
    "state": "MX-JAL",
    "year_start": 2023,
    "legal_status": "complaint_filed",
    "victims_count": 4,
    "aggressors_count": 2,
    "summary": "Familias denunciaron agresiones de varios adultos en el plantel.",
    "patterns": ["multiple_aggressors", "costumes"],
    "sources": [
        {"kind": "media_report", "reference": "Nota periodística", "date": {"date": "2023-05-01", "precision": "month"}}
    ],
    "visibility": "partners",
}

# Adding an endpoint (e.g. the public API's reads) is one entry here.
ENDPOINTS = [
    Endpoint("get_case", lambda c: [f"{API}/cases/{i}" for i in c.case_ids]),
    Endpoint("get_case_304", lambda c: [f'{API}/cases/{i}\t"{c.versions[i]}"' for i in c.case_ids]),
    Endpoint(
        "list_cases", lambda c: [f"{API}/cases?limit=50"] + [f"{API}/cases?limit=50&cursor={x}" for x in c.cursors]
    ),
    Endpoint("stats_by_state", lambda c: [f"{API}/stats/cases?group_by=state"], single_client=True),
    # Seconds per request at a million occurrences (row-level security: see docs/performance.md).
    Endpoint("deadlines", lambda c: [f"{API}/deadlines?as_of={AS_OF.isoformat()}"], connections=2, min_duration=40),
    Endpoint("create_case", lambda c: [f"{API}/cases"], method="POST", body=NEW_CASE),
    # The public API (issue 8), without credentials. `public_order`: every public court order, answered 200
    # from the in-process body cache once the warm-up has rendered each (the fingerprint statement still
    # runs per request); `public_order_304`: the same with If-None-Match, answered 304 without a body;
    # `public_order_render`: a query string new to the cache on each line (`?n=…`, ignored by the route
    # but part of the ETag), so the body is rendered on (almost) every request: what a 200 costs uncached.
    Endpoint("public_order", lambda c: [f"{API}/public/court-orders/{i}" for i in c.public_orders], with_key=False),
    Endpoint(
        "public_order_304",
        lambda c: [f"{p}\t{c.etags[p]}" for i in c.public_orders if (p := f"{API}/public/court-orders/{i}") in c.etags],
        with_key=False,
    ),
    Endpoint(
        "public_order_render",
        lambda c: [f"{API}/public/court-orders/{i}?n={n}" for i in c.public_orders for n in range(5000)][:20000],
        with_key=False,
    ),
]
PUBLIC = {"public_order", "public_order_304", "public_order_render"}

# The plain SQL of the aggregate endpoints (the baseline's statements), timed directly beside them.
PLAIN_SQL: dict[str, list[tuple[str, tuple[Any, ...]]]] = {
    "stats_by_state": [(baseline_sql.STATS_SQL, (baseline_sql.VISIBLE,))],
    "deadlines": [
        (baseline_sql.DEADLINE_COUNTS_SQL, (baseline_sql.VISIBLE, AS_OF, date(2025, 7, 1))),
        (baseline_sql.OVERDUE_SQL, (baseline_sql.VISIBLE, AS_OF, 200)),
        (baseline_sql.SOON_SQL, (baseline_sql.VISIBLE, AS_OF, date(2025, 7, 1), 200)),
    ],
}
EXPLAIN = {
    "get_case": (baseline_sql.CASE_SQL, ("$id", baseline_sql.VISIBLE)),
    "version_for_304": (baseline_sql.VERSION_SQL, ("$id", baseline_sql.VISIBLE)),
    "list_cases_page": (baseline_sql.PAGE_SQL, ("$after", "$after_id", baseline_sql.VISIBLE, 51)),
    "stats_by_state": PLAIN_SQL["stats_by_state"][0],
    "deadlines_counts": PLAIN_SQL["deadlines"][0],
    "deadlines_overdue": PLAIN_SQL["deadlines"][1],
}


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def dsn(url: str) -> str:
    """A URL asyncpg takes as it is."""
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://")


async def prepare(url: str, folder: Path, sample: int, pages: int) -> Context:
    """Cases a partner may read (a seeded sample), their versions, and cursors of pages across the whole list."""
    conn = await asyncpg.connect(dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT id, version FROM cases WHERE visibility IN ('public', 'partners') ORDER BY md5(id::text) LIMIT $1",
            sample,
        )
        visible = await conn.fetchval("SELECT count(*) FROM cases WHERE visibility IN ('public', 'partners')")
        step = max(50, visible // max(1, pages))
        marks = await conn.fetch(
            "SELECT id, created_at FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at, id) AS n "
            "FROM cases WHERE visibility IN ('public', 'partners')) AS q WHERE n % $1 = 0 ORDER BY n",
            step,
        )
        orders = await conn.fetch("SELECT id FROM court_orders WHERE visibility = 'public' ORDER BY id")
    finally:
        await conn.close()
    sort = by_creation(Case)
    cursors = [encode_cursor(sort, _Row(r["id"], r["created_at"])) for r in marks]
    return Context(
        case_ids=[str(r["id"]) for r in rows],
        versions={str(r["id"]): r["version"] for r in rows},
        cursors=cursors,
        folder=folder,
        public_orders=[str(r["id"]) for r in orders],
    )


def public_etags(server: load.Server, ctx: Context) -> None:
    """The ETag of each public order, as the service answers it (the baseline computes the same one)."""
    import urllib.request

    for order in ctx.public_orders:
        path = f"{API}/public/court-orders/{order}"
        with urllib.request.urlopen(server.url + path, timeout=30) as answer:  # noqa: S310 (loopback)
            ctx.etags[path] = answer.headers["ETag"]


@dataclass(frozen=True)
class _Row:
    id: Any
    created_at: Any


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


async def time_sql(url: str, statements: list[tuple[str, tuple[Any, ...]]], runs: int = 5) -> float:
    """Best of `runs` of the statements in turn, as the service's role: milliseconds."""
    conn = await asyncpg.connect(dsn(as_role(url)))
    try:
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            for sql, params in statements:
                await conn.fetch(sql, *params)
            best = min(best, time.perf_counter() - started)
        return best * 1000
    finally:
        await conn.close()


async def explain(url: str, ctx: Context) -> dict[str, str]:
    conn = await asyncpg.connect(dsn(as_role(url)))
    out = {}
    try:
        some = ctx.case_ids[0] if ctx.case_ids else None
        mark = await conn.fetchrow(
            "SELECT created_at, id FROM cases WHERE visibility IN ('public','partners') "
            "ORDER BY created_at, id OFFSET (SELECT count(*) / 2 FROM cases) LIMIT 1"
        )
        for name, (sql, params) in EXPLAIN.items():
            values: list[Any] = []
            for p in params:
                if p == "$id":
                    values.append(some)
                elif p == "$after":
                    values.append(mark["created_at"] if mark else date(2020, 1, 1))
                elif p == "$after_id":
                    values.append(mark["id"] if mark else some)
                else:
                    values.append(p)
            if name == "list_cases_page":  # PAGE_SQL takes ($1 visible, $2 after, $3 id, $4 limit)
                values = [values[2], values[0], values[1], values[3]]
            if None in values:
                continue
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) {sql}", *values)
            out[name] = "\n".join(r[0] for r in rows)
    finally:
        await conn.close()
    return out


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ratios(service: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float | None]:
    """Service over baseline; None where the baseline answered nothing in the run (no ratio to give)."""

    def over(key: str) -> float | None:
        if not service["requests"] or not baseline["requests"] or not baseline[key]:
            return None
        return float(service[key] / baseline[key])

    return {
        "rps": over("rps"),
        "p50": over("p50_ms"),
        "p99": over("p99_ms"),
        "cpu_per_request": over("cpu_ms_per_request"),
    }


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several measured runs of one server as one: the median of each figure (the status codes summed),
    and the runs themselves under "runs" when there were several."""
    if len(runs) == 1:
        return runs[0]
    merged: dict[str, Any] = {}
    for key, first in runs[0].items():
        values = [run[key] for run in runs]
        if isinstance(first, bool) or not isinstance(first, int | float):
            merged[key] = first
        else:
            merged[key] = statistics.median(values)
    codes: dict[str, int] = {}
    for run in runs:
        for code, n in run["codes"].items():
            codes[code] = codes.get(code, 0) + n
    merged["codes"] = codes
    merged["runs"] = runs
    return merged


def http_benchmarks(
    url: str, pgdata: Path, ctx: Context, keys: list[str], args: argparse.Namespace, endpoints: list[Endpoint]
) -> dict[str, Any]:
    folder = ctx.folder
    keys_file = write_lines(folder / "keys.txt", keys)
    no_key = write_lines(folder / "no-key.txt", ["-"])
    pm = postmaster_pid(pgdata)
    service = load.start_service(as_role(url), async_url(url), SECRET, folder, log_level=args.log_level)
    baseline = load.start_baseline(as_role(url), SECRET, folder)
    results: dict[str, Any] = {}
    try:
        if any(e.name in PUBLIC for e in endpoints):
            public_etags(service, ctx)
        for endpoint in endpoints:
            lines = endpoint.paths(ctx)
            if not lines:
                print(f"  {endpoint.name}: nothing to request at this scale, skipped", file=sys.stderr, flush=True)
                continue
            paths = write_lines(folder / f"{endpoint.name}.paths", lines)
            body = None
            if endpoint.body is not None:
                body = folder / f"{endpoint.name}.json"
                body.write_text(json.dumps(endpoint.body), encoding="utf-8")
            entry: dict[str, Any] = {}
            runs = [("load", endpoint.connections or args.connections)]
            if endpoint.single_client:
                runs.append(("single", 1))
            for label, connections in runs:
                rounds: dict[str, list[dict[str, Any]]] = {service.name: [], baseline.name: []}
                for round_ in range(1, args.repeat + 1):
                    for server in (service, baseline):
                        print(
                            f"  {endpoint.name} [{label}] on {server.name} ({round_}/{args.repeat}) ...",
                            file=sys.stderr,
                            flush=True,
                        )
                        profile = None
                        if args.profile and server is service:
                            profile = args.profile / f"{folder.name}-{endpoint.name}-{label}-{round_}.txt"
                        rounds[server.name].append(
                            load.measure(
                                server,
                                paths,
                                keys_file if endpoint.with_key else no_key,
                                duration=max(
                                    endpoint.min_duration, args.duration if label == "load" else args.duration / 2
                                ),
                                warmup=0 if endpoint.min_duration else args.warmup,
                                connections=connections,
                                postmaster=pm,
                                method=endpoint.method,
                                body_file=body,
                                profile=profile,
                            )
                        )
                entry[label] = {name: median_run(measured) for name, measured in rounds.items()}
                entry[label]["ratio"] = ratios(entry[label]["service"], entry[label]["baseline"])
            results[endpoint.name] = entry
        results["_peak_rss_mb"] = {
            "service": load.peak_rss_ever(service.pid) / 2**20,
            "baseline": load.peak_rss_ever(baseline.pid) / 2**20,
        }
    finally:
        service.stop()
        baseline.stop()
    return results


async def import_benchmark(url: str, folder: Path, rows: int) -> dict[str, Any]:
    """COPY of `rows` cases and their first source (rolled back), then the same rows through the importer."""
    owner = dsn(url)
    imp, cases_csv, sources_csv = await import_cases.export(owner, rows, folder / "import")
    copy_seconds = await _copy_rolled_back(owner, cases_csv, sources_csv)
    await vacuum(url, ["cases", "case_sources"])
    from api.config import Settings

    db = Database.from_engine(create_engine(url, Settings(secret_key=SECRET, database_url=url)))
    try:
        report = await import_cases.import_csv(db, imp, actor="cli:bench")
    finally:
        await db.dispose()
    return {
        "rows": rows,
        "copy_seconds": copy_seconds,
        "import_seconds": report.seconds,
        "imported": report.imported,
        "refused": len(report.refused),
        "ratio": report.seconds / copy_seconds if copy_seconds else None,
        "rows_per_second": report.imported / report.seconds if report.seconds else None,
    }


async def _copy_rolled_back(owner: str, cases_csv: Path, sources_csv: Path) -> float:
    conn = await asyncpg.connect(owner)
    try:
        tx = conn.transaction()
        await tx.start()
        started = time.perf_counter()
        await conn.copy_to_table(
            "cases", source=cases_csv, columns=import_cases.CASE_COPY_COLUMNS, format="csv", header=True, null=""
        )
        await conn.copy_to_table(
            "case_sources",
            source=sources_csv,
            columns=import_cases.SOURCE_COPY_COLUMNS,
            format="csv",
            header=True,
            null="",
        )
        seconds = time.perf_counter() - started
        await tx.rollback()
        return seconds
    finally:
        await conn.close()


def run_scale(scale: Scale, args: argparse.Namespace, endpoints: list[Endpoint], tmp: Path) -> dict[str, Any]:
    folder = tmp / scale.name
    folder.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(folder / "db", cleanup="delete")
    url = server.start()
    report: dict[str, Any] = {"scale": scale.name, "seed": args.seed, "shape": scale.__dict__}
    try:
        migrate.upgrade(url, "head")
        print(f"[{scale.name}] generating ...", file=sys.stderr, flush=True)
        generated = asyncio.run(generate_into(url, scale, seed=args.seed, server_secret=SECRET))
        keys = generated.pop("keys")
        report["generated"] = generated
        ctx = asyncio.run(prepare(url, folder, sample=2000, pages=400))

        async def versions() -> str:
            conn = await asyncpg.connect(dsn(url))
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()

        report["postgresql"] = asyncio.run(versions())
        report["explain"] = asyncio.run(explain(url, ctx))
        print(f"[{scale.name}] HTTP ...", file=sys.stderr, flush=True)
        report["http"] = http_benchmarks(url, server.pgdata, ctx, keys, args, endpoints)
        report["plain_sql_ms"] = {
            name: asyncio.run(time_sql(url, statements))
            for name, statements in PLAIN_SQL.items()
            if any(e.name == name for e in endpoints)
        }
        if args.import_rows and not scale.demo:
            print(f"[{scale.name}] import ...", file=sys.stderr, flush=True)
            report["import"] = asyncio.run(import_benchmark(url, folder, min(args.import_rows, scale.cases)))
    finally:
        server.stop()
    return report


def summarize(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The targets of issue 6, checked on each scale's results."""
    out: dict[str, Any] = {}
    for report in reports:
        http: dict[str, Any] = report.get("http", {})
        checks: dict[str, Any] = {}

        def load_of(name: str, http: dict[str, Any] = http) -> dict[str, Any] | None:
            entry = http.get(name)
            return None if entry is None else entry["load"]

        for name in ("get_case", "list_cases"):
            entry = load_of(name)
            if entry:
                rps, p99 = entry["ratio"]["rps"], entry["ratio"]["p99"]
                checks[f"{name}: rps ≥ 0.6 x baseline"] = (rps, rps is not None and rps >= 0.6)
                checks[f"{name}: p99 < 4 x baseline"] = (p99, p99 is not None and p99 < 4)
        full, cond = load_of("get_case"), load_of("get_case_304")
        if full and cond:
            cost = cond["service"]["cpu_ms_per_request"] / full["service"]["cpu_ms_per_request"]
            checks["304: CPU per request ≤ 0.5 x the 200's"] = (cost, cost <= 0.5)
            speed = cond["service"]["rps"] / full["service"]["rps"]
            checks["304: rps vs the 200's (≥ 2 expected)"] = (speed, speed >= 2)
        for name in ("stats_by_state", "deadlines"):
            entry = http.get(name)
            sql = report.get("plain_sql_ms", {}).get(name)
            if entry and sql and entry.get("single", entry["load"])["service"]["requests"]:
                alone = entry.get("single", entry["load"])["service"]["p50_ms"] / sql
                checks[f"{name}: p50 of one request ≤ 3 x its plain SQL"] = (alone, alone <= 3)
                rps = entry["load"]["ratio"]["rps"]
                ratio = 1 / rps if rps else None
                checks[f"{name}: time per request under load ≤ 3 x baseline"] = (
                    ratio,
                    ratio is not None and ratio <= 3,
                )
        cached, cond, rendered = load_of("public_order"), load_of("public_order_304"), load_of("public_order_render")
        if cached:
            rps = cached["ratio"]["rps"]
            checks["public_order (cached 200): rps ≥ 0.6 x baseline"] = (rps, rps is not None and rps >= 0.6)
        for label, full in (("rendered", rendered), ("cached", cached)):
            if cond and full and full["service"]["rps"]:
                speed = cond["service"]["rps"] / full["service"]["rps"]
                checks[f"public_order 304: rps ≥ 3 x the 200's ({label})"] = (speed, speed >= 3)
        if "import" in report:
            ratio = report["import"]["ratio"]
            checks["import: ≤ 5 x COPY"] = (ratio, ratio is not None and ratio <= 5)
        peak = http.get("_peak_rss_mb", {}).get("service")
        if peak is not None:
            checks["peak RSS < 300 MB per worker"] = (peak, peak < 300)
        out[report["scale"]] = {k: {"value": v, "met": met} for k, (v, met) in checks.items()}
    return out


def table(report: dict[str, Any]) -> str:
    lines = [
        f"### {report['scale']}",
        "",
        "| endpoint | service req/s | baseline req/s | ratio | p50 ms (s / b) | p99 ms (s / b) | "
        "CPU ms/req (s / b) | DB CPU ms/req (s / b) | peak RSS MB (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, entry in report.get("http", {}).items():
        if name.startswith("_"):
            continue
        for label, runs in entry.items():
            s, b, r = runs["service"], runs["baseline"], runs["ratio"]
            title = name if label == "load" else f"{name} (1 connection)"
            ratio = "n/a" if r["rps"] is None else f"{r['rps']:.2f}"
            lines.append(
                f"| {title} | {s['rps']:,.0f} | {b['rps']:,.0f} | {ratio} | "
                f"{s['p50_ms']:.1f} / {b['p50_ms']:.1f} | {s['p99_ms']:.1f} / {b['p99_ms']:.1f} | "
                f"{s['cpu_ms_per_request']:.2f} / {b['cpu_ms_per_request']:.2f} | "
                f"{s['db_cpu_ms_per_request']:.2f} / {b['db_cpu_ms_per_request']:.2f} | {s['peak_rss_mb']:.0f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="demo,large", help="comma-separated: demo, large, tiny")
    parser.add_argument("--endpoints", default=",".join(e.name for e in ENDPOINTS))
    parser.add_argument("--duration", type=float, default=15, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before each measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--import-rows", type=int, default=100_000, help="0: skip the import benchmark")
    parser.add_argument("--log-level", default="INFO", help="the service's VIGIA_LOG_LEVEL (default INFO, as deployed)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--repeat", type=int, default=1, help="measured runs per server and endpoint, alternating: medians reported"
    )
    parser.add_argument(
        "--profile", type=Path, help="a folder: py-spy collapsed stacks of the service's measured runs (slows them)"
    )
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    wanted = set(args.endpoints.split(","))
    endpoints = [e for e in ENDPOINTS if e.name in wanted]
    args.output.mkdir(parents=True, exist_ok=True)
    reports = []
    with tempfile.TemporaryDirectory(prefix="vigia-bench-") as tmp:
        for name in args.scales.split(","):
            report = run_scale(SCALES[name], args, endpoints, Path(tmp))
            report["machine"] = machine()
            report["command"] = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
            (args.output / f"bench-{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
            print(table(report), flush=True)
            reports.append(report)
    targets = summarize(reports)
    summary = {"machine": machine(), "targets": targets, "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    (args.output / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    for scale, checks in targets.items():
        print(f"\n{scale}:")
        for name, check in checks.items():
            value = check["value"]
            shown = "n/a" if value is None else f"{value:.2f}"
            print(f"  {'met ' if check['met'] else 'MISS'} {name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
