"""Assertions shared by the users and auth tests."""

from typing import Any

import httpx


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 answer with this status that names exactly these fields (when any are given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    if fields:
        assert {e["field"] for e in body.get("errors", [])} == set(fields), body
    return body


def assert_no_secrets(payload: Any) -> None:
    """No answer about a user ever carries its password hash."""
    text = str(payload)
    assert "password" not in text
    assert "$argon2" not in text
