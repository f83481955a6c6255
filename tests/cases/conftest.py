"""One app for the whole run, pointed at each test's database: building it per test (≈0.1 s) would
dominate these suites. The lead may move this into tests/conftest.py."""

import pytest

from api.db import Database
from api.main import create_app
from tests.conftest import test_settings


@pytest.fixture(scope="session")
def shared_app():  # type: ignore[no-untyped-def]
    return create_app(test_settings())


@pytest.fixture
def app(shared_app, database: Database):  # type: ignore[no-untyped-def]
    shared_app.state.db = database
    return shared_app
