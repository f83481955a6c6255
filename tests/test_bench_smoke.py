"""A tiny smoke of the benchmark's code (bench/): no server, no wrk, no timing asserted.

The generator fills the test's transaction at a tiny scale; the generated partner keys open the service;
the benchmark's conditional GET is answered 304; the baseline writes cursors the service reads; the
importer validates and writes a CSV; the report and its targets are computed from a made-up run.
"""

import csv
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
from sqlalchemy import text

from api.cases.models import Case
from api.main import create_app
from api.pagination import by_creation, encode_cursor
from bench import import_cases, load
from bench.baseline import app as baseline
from bench.generate import SCALES, generate, partner_keys
from bench.run import ENDPOINTS, Context, median_run, summarize, table
from tests.conftest import TEST_SECRET, test_settings


async def test_tiny_generation_opens_the_service_to_partners(connection, database):
    report = await generate(connection, SCALES["tiny"], seed=7, server_secret=TEST_SECRET)
    counts = report["counts"]
    assert counts["cases"] >= 300 and counts["institutions"] >= 40 and counts["obligation_occurrences"] >= 1000
    assert counts["case_sources"] >= 600 and counts["partners"] >= 5 and counts["api_keys"] >= 5
    assert report["keys"] == [p.key for p in partner_keys(7, 5)]  # reproducible by seed

    case_id = (
        await connection.execute(text("SELECT id FROM cases WHERE visibility = 'public' ORDER BY id LIMIT 1"))
    ).scalar_one()
    app = create_app(test_settings(), database=database)
    headers = {"X-API-Key": report["keys"][0]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1") as client:
        full = await client.get(f"/cases/{case_id}", headers=headers)
        assert full.status_code == 200 and full.json()["sources"] and "internal_notes" not in full.json()
        cached = await client.get(f"/cases/{case_id}", headers={**headers, "If-None-Match": full.headers["etag"]})
        assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == full.headers["etag"]
        stale = await client.get(f"/cases/{case_id}", headers={**headers, "If-None-Match": 'W/"999", "998"'})
        assert stale.status_code == 200
        page = await client.get("/cases?limit=50", headers=headers)
        assert page.status_code == 200 and len(page.json()["items"]) == 50 and page.json()["next_cursor"]


def test_baseline_cursors_are_the_services():
    created_at, case_id = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC), uuid.UUID(int=5)
    record = SimpleNamespace(id=case_id, created_at=created_at)
    cursor = baseline.encode_cursor({"id": case_id, "created_at": created_at})  # type: ignore[arg-type]
    assert cursor == encode_cursor(by_creation(Case), record)
    assert baseline.decode_cursor(cursor) == (created_at, case_id)


def test_every_endpoint_builds_its_requests(tmp_path: Path):
    order = "/api/v1/public/court-orders/o1"
    ctx = Context(
        case_ids=["a", "b"],
        versions={"a": 1, "b": 3},
        cursors=["c1"],
        folder=tmp_path,
        public_orders=["o1"],
        etags={order: '"abc"'},
    )
    for endpoint in ENDPOINTS:
        lines = endpoint.paths(ctx)
        assert lines and all(line.startswith("/api/v1/") for line in lines), endpoint.name
    conditional = next(e for e in ENDPOINTS if e.name == "get_case_304").paths(ctx)
    assert conditional[1] == '/api/v1/cases/b\t"3"'
    by_name = {e.name: e for e in ENDPOINTS}
    assert by_name["public_order_304"].paths(ctx) == [f'{order}\t"abc"']
    rendered = by_name["public_order_render"].paths(ctx)
    assert len(set(rendered)) == len(rendered) > 256  # more distinct answers than the body cache keeps
    assert not any(by_name[name].with_key for name in ("public_order", "public_order_304", "public_order_render"))
    assert load.LUA.is_file()


async def test_importer_validates_and_writes_in_batches(database, session, tmp_path: Path):
    path = tmp_path / "import.csv"
    rows = [
        {"title": "Uno", "state": "MX-JAL", "year_start": "2020", "patterns": "costumes;sedation",
         "source_kind": "media_report", "source_reference": "Nota", "source_date": "2021-03-01",
         "source_date_precision": "month", "visibility": "partners"},
        {"title": "Dos", "state": "MX-XXX", "year_start": "2020"},  # no such state
        {"title": "Tres", "state": "MX-CMX", "year_start": "2020", "year_end": "2019"},  # period backwards
        {"title": "", "state": "MX-CMX", "year_start": "2020"},  # empty title
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=import_cases.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = await import_cases.import_csv(database, path, batch_size=2)
    assert report.imported == 1 and report.batches == 2
    assert [line for line, _ in sorted(report.refused)] == [3, 4, 5]
    created = (await session.execute(text("SELECT id, patterns FROM cases WHERE title = 'Uno'"))).one()
    assert created.patterns == ["costumes", "sedation"]
    events = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE actor = 'cli:import' AND record_id = :id"),
        {"id": str(created.id)},
    )
    assert events == 1  # the case; its source is audited under its own id


def test_report_and_targets_from_a_made_up_run():
    def run(rps: float, cpu: float, p99: float = 10.0) -> dict[str, float]:
        return {"rps": rps, "p50_ms": 5.0, "p99_ms": p99, "cpu_ms_per_request": cpu, "db_cpu_ms_per_request": 0.5,
                "peak_rss_mb": 120.0}  # fmt: skip

    def entry(s: dict[str, float], b: dict[str, float]) -> dict[str, object]:
        ratio = {
            "rps": s["rps"] / b["rps"],
            "p50": 1.0,
            "p99": s["p99_ms"] / b["p99_ms"],
            "cpu_per_request": s["cpu_ms_per_request"] / b["cpu_ms_per_request"],
        }
        return {"service": s, "baseline": b, "ratio": ratio}

    report = {
        "scale": "tiny",
        "http": {
            "get_case": {"load": entry(run(700, 2.0), run(1000, 1.0))},
            "get_case_304": {"load": entry(run(1500, 0.8), run(2000, 0.5))},
            "list_cases": {"load": entry(run(100, 9.0, 90), run(200, 4.0))},
            "public_order": {"load": entry(run(1200, 1.0), run(1500, 0.7))},
            "public_order_304": {"load": entry(run(1500, 0.8), run(2000, 0.5))},
            "public_order_render": {"load": entry(run(300, 4.0), run(400, 3.0))},
            "_peak_rss_mb": {"service": 150.0, "baseline": 80.0},
        },
        "import": {"ratio": 4.0},
    }
    targets = summarize([report])["tiny"]
    assert targets["get_case: rps ≥ 0.6 x baseline"]["met"] is True
    assert targets["list_cases: rps ≥ 0.6 x baseline"]["met"] is False
    assert targets["list_cases: p99 < 4 x baseline"]["met"] is False
    assert targets["304: CPU per request ≤ 0.5 x the 200's"]["met"] is True
    assert targets["import: ≤ 5 x COPY"]["met"] is True
    assert targets["public_order (cached 200): rps ≥ 0.6 x baseline"]["met"] is True
    assert targets["public_order 304: rps ≥ 3 x the 200's (rendered)"]["met"] is True  # 1500 / 300
    assert targets["public_order 304: rps ≥ 3 x the 200's (cached)"]["met"] is False  # 1500 / 1200
    assert targets["peak RSS < 300 MB per worker"]["met"] is True
    assert "| get_case | 700 | 1,000 | 0.70 |" in table(report)
    json.dumps(targets)  # what summary.json holds


def test_repeated_runs_report_their_medians() -> None:
    runs = [
        {"requests": 100, "rps": 10.0, "cpu_ms_per_request": 0.9, "codes": {"200": 100}, "connections": 32},
        {"requests": 300, "rps": 30.0, "cpu_ms_per_request": 0.5, "codes": {"200": 299, "503": 1}, "connections": 32},
        {"requests": 200, "rps": 20.0, "cpu_ms_per_request": 0.6, "codes": {"200": 200}, "connections": 32},
    ]
    merged = median_run(runs)
    assert (merged["requests"], merged["rps"], merged["cpu_ms_per_request"]) == (200, 20.0, 0.6)
    assert merged["codes"] == {"200": 599, "503": 1}
    assert merged["runs"] == runs
    assert median_run(runs[:1]) == runs[0]
