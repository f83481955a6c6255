"""Answers shared by the routers: record answers with ETags, lists as JSON or CSV."""

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.access import Caller, hidden_fields
from api.deps import etag
from api.schemas import DocumentaryDate, Page

CSV_MEDIA_TYPE = "text/csv"
NO_STORE = {"Cache-Control": "no-store"}

CSV_RESPONSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The page, as JSON or CSV"}
}


def wants_csv(request: Request) -> bool:
    return CSV_MEDIA_TYPE in request.headers.get("accept", "")


def with_etag(response: Response, version: int) -> None:
    response.headers.update(etag_headers(version))


def etag_headers(version: int) -> dict[str, str]:
    return {"ETag": etag(version), **NO_STORE}


def json_answer(body: str | bytes, headers: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """JSON already serialized (pydantic's `model_dump_json`), sent as it is."""
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


IfNoneMatch = Annotated[
    str | None,
    Header(description="ETags of copies you hold: if one is current, the answer is 304 Not Modified, no body"),
]
NOT_MODIFIED_DOC: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the copy whose ETag you sent in If-None-Match is current"}
}


def etag_matches(if_none_match: str, version: int) -> bool:
    """RFC 9110 If-None-Match: `*`, or a list of ETags compared weakly (W/ ignored)."""
    if if_none_match.strip() == "*":
        return True
    current = etag(version)
    return any(tag.strip().removeprefix("W/") == current for tag in if_none_match.split(","))


def not_modified(version: int) -> Response:
    return Response(status_code=304, headers=etag_headers(version))


def created(body: BaseModel, location: str, version: int | None = None) -> JSONResponse:
    headers = {"Location": location, **NO_STORE}
    if version is not None:
        headers["ETag"] = etag(version)
    return JSONResponse(body.model_dump(mode="json"), status_code=201, headers=headers)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        if set(value) == {"date", "precision"}:
            return DocumentaryDate.model_validate(value).display()
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def csv_body(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def list_answer(request: Request, caller: Caller, page: Page[Any], item_model: type[BaseModel]) -> Response | Page[Any]:
    """The page as JSON, or as CSV with a header row when the client asks for text/csv.

    The CSV carries the next page's cursor in a Link header, as the JSON carries it in `next_cursor`.
    """
    if not wants_csv(request):
        return page
    rows = [item.model_dump(mode="json") for item in page.items]
    hidden = hidden_fields(caller)
    columns = [name for name in item_model.model_fields if name not in hidden]
    headers = dict(NO_STORE)
    if page.next_cursor:
        url = request.url.include_query_params(cursor=page.next_cursor)
        headers["Link"] = f'<{url}>; rel="next"'
    return Response(csv_body(rows, columns), media_type="text/csv; charset=utf-8", headers=headers)
