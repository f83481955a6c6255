"""The public API: no credentials, only records marked `public`, small counts suppressed, every answer
cacheable with a strong ETag (see api/public/http.py)."""

import json
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api.access import Action, Caller
from api.cases.router import SORT_VALUES, CaseFilterParams
from api.cases.service import SORTS
from api.clock import today
from api.deps import Paging, Session, allow
from api.errors import NotFound, invalid, problem_responses
from api.public import card, dictionary, http, service
from api.public.i18n import Lang
from api.public.schemas import DataDictionary, Dataset, PublicCase, PublicCourtOrder, PublicDownload, PublicOrders
from api.responses import CSV_MEDIA_TYPE, csv_body, wants_csv
from api.schemas import Page
from api.stats.schemas import CaseGroupBy, CaseStats

Public = Annotated[Caller, Depends(allow(Action.public))]

router = APIRouter(prefix="/public", tags=["public"])

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified: the If-None-Match ETag holds"}}
DATA_BASE = f"{service.PUBLIC_BASE}/data"
JSON = "application/json"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@router.get(
    "/cases",
    response_model=Page[PublicCase],
    responses={
        **NOT_MODIFIED,
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The page, as JSON or CSV"},
        **problem_responses(422),
    },
)
async def list_cases(
    request: Request,
    session: Session,
    caller: Public,
    paging: Paging,
    filters: CaseFilterParams,
    sort: Annotated[
        str, Query(description=f"One of {', '.join(SORT_VALUES)}", json_schema_extra={"enum": SORT_VALUES})
    ] = "created_at",
) -> Response:
    """Cases marked public, with the filters of `/cases`; CSV with `Accept: text/csv`."""
    key = SORTS.get(sort.removeprefix("-"))
    if key is None:
        raise invalid("sort", f"must be one of {', '.join(SORT_VALUES)}")
    items, cursor = await service.list_cases(session, filters, paging, key.reversed() if sort.startswith("-") else key)
    page = Page[PublicCase](items=items, next_cursor=cursor)
    extra: dict[str, str] = {}
    if wants_csv(request):
        records = [service.csv_values(dict(i)) for i in items]
        body = csv_body(records, dictionary.columns(Dataset.cases)).encode()
        if cursor:
            extra["Link"] = f'<{request.url.include_query_params(cursor=cursor)}>; rel="next"'
        rendered = http.Rendered(body, f"{CSV_MEDIA_TYPE}; charset=utf-8", extra)
    else:
        rendered = http.Rendered(page.model_dump_json().encode(), JSON, extra)
    return http.by_content(request, rendered, vary="Accept")


@router.get("/stats/cases", response_model=CaseStats, responses={**NOT_MODIFIED, **problem_responses(422)})
async def case_stats(
    request: Request, session: Session, caller: Public, group_by: CaseGroupBy, filters: CaseFilterParams
) -> Response:
    """Counts of public cases by state, year, sector, report wave, pattern or legal status, with the
    filters of the case list; a count below 3 is answered `null` with `suppressed: true`."""
    etag = http.etag_of(http.request_key(request), await service.cases_fingerprint(session))

    async def render() -> http.Rendered:
        items = await service.case_stats(session, group_by, filters)
        return http.Rendered(CaseStats(group_by=group_by, items=items).model_dump_json().encode(), JSON, {})

    return await http.conditional(request, etag, render)


@router.get("/court-orders", response_model=PublicOrders, responses={**NOT_MODIFIED, **problem_responses(422)})
async def list_court_orders(request: Request, session: Session, caller: Public, paging: Paging) -> Response:
    """Court orders marked public, each with its obligations and its compliance clock."""
    as_of = today()
    _, fingerprint = await service.orders_fingerprint(session)
    etag = http.etag_of(http.request_key(request), fingerprint, as_of.isoformat())

    async def render() -> http.Rendered:
        items, cursor = await service.court_orders(session, as_of, page=paging)
        return http.Rendered(PublicOrders(items=items, next_cursor=cursor).model_dump_json().encode(), JSON, {})

    return await http.conditional(request, etag, render)


async def _order_etag(request: Request, session: Session, order_id: uuid.UUID, representation: str, as_of: date) -> str:
    count, fingerprint = await service.orders_fingerprint(session, order_id)
    if count == 0:
        raise NotFound(detail="No such public court order.")
    return http.order_etag(request, fingerprint, representation, as_of)


@router.get(
    "/court-orders/{order_id}",
    response_model=PublicCourtOrder,
    responses={**NOT_MODIFIED, **problem_responses(404, 422)},
)
async def get_court_order(request: Request, session: Session, caller: Public, order_id: uuid.UUID) -> Response:
    """A public court order: each obligation's status, due date and days overdue (or the note saying the
    order sets no deadline), and the clock: days since notification, counted at the notification's
    precision and flagged `approximate` when it is known only to the month or year."""
    as_of = today()
    etag = await _order_etag(request, session, order_id, http.order_representation("json"), as_of)

    async def render() -> http.Rendered:
        order = await service.court_order(session, order_id, as_of)
        return http.Rendered(order.model_dump_json().encode(), JSON, {})

    return await http.conditional(request, etag, render)


LangParam = Annotated[Lang, Query(description="es (Spanish, Mexico) or en")]

CARD_HEADERS = {
    # Embeddable anywhere; nothing in it may load or run anything.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *",
}
BADGE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


@router.get(
    "/court-orders/{order_id}/card",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The card"},
        **NOT_MODIFIED,
        **problem_responses(404, 422),
    },
)
async def order_card(
    request: Request, session: Session, caller: Public, order_id: uuid.UUID, lang: LangParam = Lang.es
) -> Response:
    """A small self-contained HTML card of the order's clock, to embed in an iframe: no script."""
    as_of = today()
    etag = await _order_etag(request, session, order_id, http.order_representation("card", lang.value), as_of)

    async def render() -> http.Rendered:
        order = await service.court_order(session, order_id, as_of)
        return http.Rendered(card.render_card(order, lang).encode(), "text/html; charset=utf-8", CARD_HEADERS)

    return await http.conditional(request, etag, render)


@router.get(
    "/court-orders/{order_id}/badge.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "The badge"},
        **NOT_MODIFIED,
        **problem_responses(404, 422),
    },
)
async def order_badge(
    request: Request, session: Session, caller: Public, order_id: uuid.UUID, lang: LangParam = Lang.es
) -> Response:
    """An SVG badge: "SEP · 0/6 cumplidas · 1,215 días"."""
    as_of = today()
    etag = await _order_etag(request, session, order_id, http.order_representation("badge", lang.value), as_of)

    async def render() -> http.Rendered:
        order = await service.court_order(session, order_id, as_of)
        return http.Rendered(card.render_badge(order, lang).encode(), "image/svg+xml; charset=utf-8", BADGE_HEADERS)

    return await http.conditional(request, etag, render)


# --- the data download ------------------------------------------------------------------------------


@router.get("/data/dictionary", response_model=DataDictionary, responses=NOT_MODIFIED)
async def data_dictionary(request: Request, caller: Public) -> Response:
    """What each column of each dataset of the download means, in Spanish and English."""
    body = dictionary.dictionary(DATA_BASE).model_dump_json().encode()
    return http.by_content(request, http.Rendered(body, JSON, {}))


async def _dataset_etag(request: Request, session: Session, dataset: Dataset, as_of: date) -> str:
    if dataset in (Dataset.cases, Dataset.institutions):
        fingerprint = await service.cases_fingerprint(session)
    else:
        _, fingerprint = await service.orders_fingerprint(session)
    return http.etag_of(http.request_key(request), fingerprint, as_of.isoformat())


@router.get("/data/{dataset}.json", response_model=PublicDownload, responses={**NOT_MODIFIED, **problem_responses(422)})
async def download_json(request: Request, session: Session, caller: Public, dataset: Dataset) -> Response:
    """Every public record of a dataset as JSON; the columns are described in `/public/data/dictionary`."""
    as_of = today()
    etag = await _dataset_etag(request, session, dataset, as_of)

    async def render() -> http.Rendered:
        records = await service.dataset_records(session, dataset, as_of)
        body = {
            "dataset": dataset.value,
            "as_of": as_of.isoformat(),
            "dictionary_url": f"{DATA_BASE}/dictionary",
            "count": len(records),
            "items": [service.json_value(r) for r in records],
        }
        disposition = f'inline; filename="vigia-{dataset.value}.json"'
        return http.Rendered(_json(body), JSON, {"Content-Disposition": disposition})

    return await http.conditional(request, etag, render)


@router.get(
    "/data/{dataset}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The dataset"},
        **NOT_MODIFIED,
        **problem_responses(422),
    },
)
async def download_csv(request: Request, session: Session, caller: Public, dataset: Dataset) -> Response:
    """Every public record of a dataset as CSV (UTF-8, header row)."""
    as_of = today()
    etag = await _dataset_etag(request, session, dataset, as_of)

    async def render() -> http.Rendered:
        records = await service.dataset_records(session, dataset, as_of)
        body = csv_body([service.csv_values(r) for r in records], dictionary.columns(dataset)).encode()
        disposition = f'attachment; filename="vigia-{dataset.value}.csv"'
        return http.Rendered(body, f"{CSV_MEDIA_TYPE}; charset=utf-8", {"Content-Disposition": disposition})

    return await http.conditional(request, etag, render)
