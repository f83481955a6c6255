"""Structured logs (one JSON object per line, with the request's id, method, path, status, duration and
kind of caller; never a query string, record content, token or key) and `/metrics` (Prometheus text,
by route template, behind its own token)."""

import json
import logging
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.config import Settings
from api.ops import metrics
from api.ops.logging import JsonFormatter
from api.serve import configure_logging
from tests.conftest import test_settings
from tests.partners.factories import key_client, make_key, make_partner

CANARY = "CANARY-json-log-51c0"
METRICS_TOKEN = "metrics-token-" + "m" * 30


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    service = [r for r in caplog.records if r.name.startswith("vigia")]
    return [json.loads(formatter.format(r)) for r in service]


async def test_access_lines_are_json_with_the_request_fields_and_nothing_sensitive(
    caplog: pytest.LogCaptureFixture, app, admin: httpx.AsyncClient, session
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="vigia")
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    token = admin.headers["Authorization"].split()[1]

    created = await admin.post(
        "/cases",
        json={"title": CANARY, "state": "MX-CMX", "year_start": 2020, "internal_notes": CANARY},
        headers={"X-Request-ID": "req-0123456789"},
    )
    assert created.status_code == 201
    await admin.get("/cases", params={"q": CANARY})
    async with key_client(app, key) as partner_client:
        await partner_client.get(f"/cases/{created.json()['id']}")
    await admin.post("/cases", json={"title": CANARY, "state": CANARY, "year_start": 2020})

    found = lines(caplog)
    text = "\n".join(json.dumps(line) for line in found)
    assert CANARY not in text and token not in text and key not in text
    access = [line for line in found if line["logger"] == "vigia.access"]
    assert len(access) == 4
    first = access[0]
    assert first["request_id"] == "req-0123456789"
    assert (first["method"], first["path"], first["status"], first["actor"]) == ("POST", "/api/v1/cases", 201, "staff")
    assert isinstance(first["duration_ms"], float) and first["level"] == "INFO"
    assert str(first["time"]).endswith("Z")
    assert access[1]["path"] == "/api/v1/cases"  # the query string (a search term) is never logged
    assert access[2]["actor"] == "partner"
    assert access[3]["status"] == 422


def test_an_exception_is_logged_by_class_only() -> None:
    try:
        raise ValueError(f"duplicate key value violates unique constraint: {CANARY}")
    except ValueError:
        record = logging.getLogger("vigia.errors").makeRecord(
            "vigia.errors", logging.ERROR, __file__, 1, "unhandled %s", ("ValueError",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert CANARY not in line
    assert json.loads(line)["exception"] == "ValueError"


@pytest.mark.parametrize(
    ("environment", "log_format", "json_logs"),
    [("development", None, False), ("test", None, True), ("production", None, True), ("production", "text", False)],
)
def test_json_is_the_default_outside_development(environment: str, log_format: str | None, json_logs: bool) -> None:
    values: dict[str, object] = {"environment": environment, "secret_key": "s" * 40}
    if log_format is not None:
        values["log_format"] = log_format
    settings = Settings(**values)  # type: ignore[arg-type]
    assert settings.json_logs is json_logs
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []
    try:
        configure_logging(settings)
        assert isinstance(root.handlers[0].formatter, JsonFormatter) is json_logs
    finally:
        root.handlers, root.level = saved[0], saved[1]


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_metrics_need_their_own_token_and_are_off_without_it(app, anon: httpx.AsyncClient, admin) -> None:  # type: ignore[no-untyped-def]
    assert (await anon.get("http://test/metrics")).status_code == 404  # VIGIA_METRICS_TOKEN unset
    assert (await admin.get("http://test/metrics")).status_code == 404
    app.state.settings = test_settings(metrics_token=METRICS_TOKEN)
    refused = await anon.get("http://test/metrics")
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert (await admin.get("http://test/metrics")).status_code == 401  # a staff token is not the metrics token
    wrong = await anon.get("http://test/metrics", headers={"Authorization": "Bearer " + "x" * 44})
    assert wrong.status_code == 401
    ok = await anon.get("http://test/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")


async def test_metrics_count_requests_by_route_template_and_status(app, anon, admin, session) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = test_settings(metrics_token=METRICS_TOKEN)
    metrics._db_gauges.refreshed_at = float("-inf")  # read the counts now, whatever an earlier test cached
    created = await admin.post("/cases", json={"title": "Caso medido", "state": "MX-CMX", "year_start": 2021})
    case_id = created.json()["id"]
    for _ in range(3):
        assert (await admin.get(f"/cases/{case_id}")).status_code == 200
    assert (await admin.get("/cases/00000000-0000-0000-0000-000000000000")).status_code == 404
    await anon.get("/no/such/path/" + case_id)
    metrics.record_deadline_check(type("Report", (), {"overdue": 4, "due_soon": 2})())

    answer = await anon.get("http://test/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    body = answer.text
    samples = scrape(body)
    route = "/api/v1/cases/{case_id}"
    label = (("method", "GET"), ("route", route), ("status", "200"))
    assert samples[("vigia_http_requests_total", label)] >= 3
    assert samples[("vigia_http_requests_total", (("method", "GET"), ("route", route), ("status", "404")))] >= 1
    assert samples[("vigia_http_request_duration_seconds_count", label)] >= 3
    assert case_id not in body, "a raw path (with a record id) became a label"
    assert ("vigia_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404"))) in samples
    assert samples[("vigia_deadline_check_overdue", ())] == 4
    assert samples[("vigia_deadline_check_due_soon", ())] == 2
    assert samples[("vigia_deadline_checks_total", ())] >= 1
    assert ("vigia_obligation_occurrences_overdue", ()) in samples
    assert ("vigia_db_pool_connections", (("state", "in_use"),)) in samples
    assert any(name == "process_resident_memory_bytes" for name, _ in samples)


async def test_pending_notifications_are_counted_when_scraped(app, anon, session) -> None:  # type: ignore[no-untyped-def]
    from api.notifications import service as notifications
    from api.orm import Visibility
    from tests.notifications.helpers import subscribe

    app.state.settings = test_settings(metrics_token=METRICS_TOKEN)
    await subscribe(session, "https://1.1.1.1/hooks")
    await notifications.enqueue_event(session, "obligation.overdue", {"n": 1}, visibility=Visibility.public)
    await session.commit()
    metrics._db_gauges.refreshed_at = float("-inf")
    answer = await anon.get("http://test/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    samples = scrape(answer.text)
    assert samples[("vigia_notifications_pending", (("channel", "webhook"),))] >= 1
    # Cached: a second scrape right away does not count again.
    before = metrics._db_gauges.refreshed_at
    await anon.get("http://test/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics._db_gauges.refreshed_at == before
