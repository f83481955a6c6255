"""The shared app (see tests/obligations/factories.py), and an empty body cache for each test."""

import pytest

from api.public import http
from tests.obligations.factories import app, shared_app  # noqa: F401


@pytest.fixture(autouse=True)
def _empty_body_cache() -> None:
    http.BODIES.clear()
