"""Domain errors and their one rendering: RFC 9457 problem+json.

Services raise these; they never import FastAPI. `install_error_handlers` renders every error the
service can give, so no stack trace, SQL or record content ever reaches a caller.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

logger = logging.getLogger("vigia.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base of every error a caller may see. `detail` must never carry record content."""

    detail: str = ""
    errors: Sequence[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status = 500
    slug = "internal-error"
    title = "Internal error"
    # An error that is itself an outcome to record (a failed login counted towards lock-out): the
    # request's transaction is committed before the error is answered.
    keeps_changes = False

    def __str__(self) -> str:
        return f"{self.slug}: {self.detail}"


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"
    title = "The request has invalid fields"


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class LoginRefused(Unauthenticated):
    keeps_changes = True


class PermissionDenied(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "The record changed since you read it"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "If-Match is required"


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"
    title = "The upload is too large"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(DomainError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"


class ServiceUnavailable(DomainError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"


def invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(detail=message, errors=[FieldError(field_name, message)])


class ProblemFieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemFieldError] | None = None


def problem_body(error: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{error.slug}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail or error.title,
    }
    if error.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return body


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "No valid credentials",
    403: "Credentials lack the right",
    404: "No such record, or not visible to the caller",
    409: "Conflicts with the current state",
    412: "The If-Match version is stale; nothing changed",
    413: "The upload is too large",
    415: "Unsupported media type",
    422: "Invalid input; `errors` names the fields",
    428: "If-Match is required",
    429: "Rate limit exceeded; see Retry-After",
    503: "The database is unreachable",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations for the error answers a route can give."""
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS[code],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def _declaration(code: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[code],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def declare_framework_errors(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add to an OpenAPI document the errors that come from the plumbing rather than from a route, so
    that every error the service can answer is declared where it can happen:

    - 400 on every operation with a request body: FastAPI's answer to a body it cannot even parse
      (bytes that are not UTF-8 under `application/json`, a broken multipart or form body);
    - 429 on every operation that accepts an API key: the per-key rate limit (`api.deps`).
    """
    for item in openapi.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "requestBody" in operation:
                responses.setdefault("400", _declaration(400))
            if any("APIKeyHeader" in requirement for requirement in operation.get("security", [])):
                responses.setdefault("429", _declaration(429))
    return openapi
