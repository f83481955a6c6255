"""The deadline benchmark at a tiny scale, in the test's transaction: it runs and reports what it should.
No timing is asserted: only that every measurement is there."""

import json
from pathlib import Path

from sqlalchemy import text

from bench.deadlines import run as bench

KEYS = {"count_overdue", "deadlines_query", "check_first_run", "check_second_run"}


async def test_tiny_benchmark_reports_every_measurement(connection, tmp_path: Path):
    async def settle() -> None:
        await connection.execute(text("ANALYZE obligation_occurrences"))

    report = await bench.benchmark(connection, occurrences=1_000, runs=1, seed=0.42, staff=3, settle=settle)

    path = tmp_path / "deadlines.json"
    bench.write(report, path)
    written = json.loads(path.read_text(encoding="utf-8"))
    expected = {"occurrences", "counts", "seed", "runs", "first_runs", "as_of", "within_days", "staff_recipients"}
    assert expected | {"results"} <= set(written)
    assert written["occurrences"] == 1_000
    assert set(written["results"]) == KEYS
    for item in written["results"].values():
        assert set(item) == {"seconds", "rows", "ratio", "runs", "all_seconds"}
        assert item["seconds"] >= 0
    results = written["results"]
    assert results["count_overdue"]["rows"] == results["deadlines_query"]["rows"] > 0
    assert results["check_first_run"]["rows"] > 0  # alerts created
    assert results["check_second_run"]["rows"] == 0  # nothing new the second time
    assert "count(*) overdue" in bench.table({**written, "role": "test"})


async def test_generation_is_reproducible_by_seed(connection):
    async def statuses() -> list[tuple[str, int]]:
        rows = await connection.execute(
            text(
                "SELECT o.status || ':' || o.due_on, o.sequence FROM obligation_occurrences o "
                "JOIN obligations b ON b.id = o.obligation_id JOIN court_orders c ON c.id = b.court_order_id "
                "WHERE c.title LIKE 'Bench order %' ORDER BY c.title, b.number, o.sequence"
            )
        )
        return [(r[0], r[1]) for r in rows]

    savepoint = await connection.begin_nested()
    await bench.generate(connection, occurrences=500, seed=0.1, staff=0)
    first = await statuses()
    await savepoint.rollback()
    await bench.generate(connection, occurrences=500, seed=0.1, staff=0)
    assert await statuses() == first
    assert len({s.split(":")[0] for s, _ in first}) == 4  # every status appears
