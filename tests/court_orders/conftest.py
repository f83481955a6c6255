"""The shared app (see tests/obligations/factories.py)."""

from tests.obligations.factories import app, shared_app  # noqa: F401
