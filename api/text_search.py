"""Spanish-aware full-text search that ignores accents (the `vigia_es` configuration)."""

from typing import Any

from sqlalchemy import ColumnElement, func

TEXT_SEARCH_CONFIG = "public.vigia_es"


def matches(vector: Any, query: str) -> ColumnElement[bool]:
    """`query` in the web-search syntax people type: words, "quoted phrases", -exclusions, or."""
    result: ColumnElement[bool] = vector.op("@@")(func.websearch_to_tsquery(TEXT_SEARCH_CONFIG, query))
    return result


def containing(text: str) -> str:
    """A LIKE/ILIKE pattern for values containing `text` as typed: its own `%`, `_` and `\\` match
    themselves (PostgreSQL's default escape character is the backslash)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
