"""The current request's id, for logs and the audit trail (a contextvar: no FastAPI import needed)."""

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
