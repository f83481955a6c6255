"""Prometheus metrics: `GET /metrics` in the text exposition format.

What it holds (never record content; route labels are templates such as `/api/v1/cases/{case_id}`,
never raw paths, so neither ids nor search terms become labels):

- `vigia_http_requests_total{method,route,status}` and `vigia_http_request_duration_seconds{...}`,
  observed by `RequestContextMiddleware` for every request;
- `vigia_http_requests_in_progress`;
- `vigia_notifications_pending{channel}` and `vigia_obligation_occurrences_overdue`: cheap counts
  read from the database when scraped, cached for `DB_GAUGES_TTL` seconds, so that a fast scraper
  costs the database at most one pair of counts per interval;
- `vigia_db_pool_connections{state}`: this process's pool (in use, idle);
- `vigia_deadline_checks_total`, `vigia_deadline_last_check_timestamp_seconds`,
  `vigia_deadline_check_overdue`, `vigia_deadline_check_due_soon`: set by `record_deadline_check` in
  the process that ran the check;
- the process' own `process_*` figures (resident memory, open files, CPU).

Access: only with `Authorization: Bearer <VIGIA_METRICS_TOKEN>`; without the setting the endpoint
answers 404, as if it did not exist.
"""

import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import func, literal_column, select

from api.clock import today
from api.errors import NotFound, Unauthenticated
from api.security import constant_time_equal

logger = logging.getLogger("vigia.metrics")

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

# Requests to no route at all are counted under one label, so probing random paths adds no series.
UNMATCHED_ROUTE = "<unmatched>"
DB_GAUGES_TTL = 15.0
# Seconds: from a cached answer (~1 ms) to a slow export.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "vigia_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "vigia_http_request_duration_seconds",
    "Time to answer HTTP requests, by method, route template and status.",
    ("method", "route", "status"),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
IN_PROGRESS = Gauge("vigia_http_requests_in_progress", "HTTP requests being answered.", registry=REGISTRY)
NOTIFICATIONS_PENDING = Gauge(
    "vigia_notifications_pending",
    "Notifications waiting to be delivered (webhooks and e-mails), read from the database when scraped.",
    ("channel",),
    registry=REGISTRY,
)
OCCURRENCES_OVERDUE = Gauge(
    "vigia_obligation_occurrences_overdue",
    "Open occurrences of obligations past their due date (as of today, Mexico City), read when scraped.",
    registry=REGISTRY,
)
DB_POOL = Gauge(
    "vigia_db_pool_connections", "This process' database connections, in use or idle.", ("state",), registry=REGISTRY
)
DEADLINE_CHECKS = Counter("vigia_deadline_checks", "Deadline checks run by this process.", registry=REGISTRY)
DEADLINE_LAST_CHECK = Gauge(
    "vigia_deadline_last_check_timestamp_seconds",
    "When this process last finished a deadline check (Unix time).",
    registry=REGISTRY,
)
DEADLINE_OVERDUE = Gauge(
    "vigia_deadline_check_overdue", "Overdue occurrences found by this process' last deadline check.", registry=REGISTRY
)
DEADLINE_DUE_SOON = Gauge(
    "vigia_deadline_check_due_soon",
    "Occurrences due soon found by this process' last deadline check.",
    registry=REGISTRY,
)


class _CheckReport(Protocol):
    @property
    def overdue(self) -> int: ...

    @property
    def due_soon(self) -> int: ...


def record_deadline_check(report: _CheckReport) -> None:
    """Call after each deadline check (`api.deadlines.checker.check` returned its `CheckReport`)."""
    DEADLINE_CHECKS.inc()
    DEADLINE_LAST_CHECK.set(time.time())
    DEADLINE_OVERDUE.set(report.overdue)
    DEADLINE_DUE_SOON.set(report.due_soon)


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    labels = (method, route or UNMATCHED_ROUTE, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


class MatchedRoute:
    """What a path answered before the framework leaves in the scope for `route_template`: its template."""

    def __init__(self, path_format: str) -> None:
        self.path_format = path_format


def route_template(scope: MutableMapping[str, Any]) -> str | None:
    """The matched route's path template (`/api/v1/cases/{case_id}`), or None when no route matched."""
    from fastapi.routing import _get_scope_effective_route_context  # the full path of an included route

    context = _get_scope_effective_route_context(scope)
    path = getattr(context, "path", None) if context is not None else None
    if isinstance(path, str) and path:
        return path
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else None


@dataclass
class _DbGauges:
    refreshed_at: float = float("-inf")


_db_gauges = _DbGauges()


async def _refresh_db_gauges(request: Request, today: date) -> None:
    from api.notifications.models import DeliveryStatus, Notification
    from api.obligations.models import Occurrence
    from api.obligations.schedule import ComplianceStatus

    # Two scrapes at once may both count: harmless, and simpler than a lock bound to one event loop.
    if time.monotonic() - _db_gauges.refreshed_at < DB_GAUGES_TTL:
        return
    db = request.app.state.db
    try:
        async with db.transaction() as session:
            pending = (
                await session.execute(
                    select(Notification.channel, func.count())
                    .where(Notification.status == DeliveryStatus.pending)
                    .group_by(Notification.channel)
                )
            ).all()
            overdue = await session.scalar(
                select(func.count())
                .select_from(Occurrence)
                # The value in the SQL, so that the partial index on open occurrences applies.
                .where(Occurrence.status != literal_column(f"'{ComplianceStatus.complied.value}'"))
                .where(Occurrence.due_on < today)
            )
    except Exception as exc:  # the HTTP figures are still worth answering without these
        logger.warning("metrics: database counts unavailable (%s)", type(exc).__name__)
        return
    NOTIFICATIONS_PENDING.clear()
    for channel, count in pending:
        NOTIFICATIONS_PENDING.labels(str(getattr(channel, "value", channel))).set(count)
    OCCURRENCES_OVERDUE.set(overdue or 0)
    _db_gauges.refreshed_at = time.monotonic()


def _pool_gauges(request: Request) -> None:
    pool = request.app.state.db.engine.pool
    checked_out = getattr(pool, "checkedout", None)
    checked_in = getattr(pool, "checkedin", None)
    if callable(checked_out) and callable(checked_in):
        DB_POOL.labels("in_use").set(checked_out())
        DB_POOL.labels("idle").set(checked_in())


def _authorize(request: Request) -> None:
    token = request.app.state.settings.metrics_token
    if token is None or not token.get_secret_value():  # unset, or set to nothing (compose's default)
        raise NotFound(detail="Not found.")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not constant_time_equal(
        credentials.strip().encode(), token.get_secret_value().encode()
    ):
        raise Unauthenticated(
            detail="Send Authorization: Bearer with the metrics token (VIGIA_METRICS_TOKEN).",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format. Authenticates itself with VIGIA_METRICS_TOKEN (see module docstring)."""
    _authorize(request)
    await _refresh_db_gauges(request, today())
    _pool_gauges(request)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
