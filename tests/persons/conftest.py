"""One app for the whole run, pointed at each test's database, as in tests/cases/conftest.py."""

from tests.cases.conftest import app, shared_app

__all__ = ["app", "shared_app"]
