"""One app for these suites with the webhooks router (mounted here until api/main.py mounts it), pointed
at each test's database; `app_settings` swaps the settings it answers with (e.g. webhook_allow_private)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from api.config import Settings
from api.db import Database
from api.main import API_PREFIX, create_app
from api.webhooks.router import router as webhooks_router
from tests.conftest import test_settings


@pytest.fixture(scope="session")
def webhooks_app() -> FastAPI:
    app = create_app(test_settings())
    mounted = any(getattr(route, "path", "").startswith(f"{API_PREFIX}/webhooks") for route in app.routes)
    if not mounted:
        app.include_router(webhooks_router, prefix=API_PREFIX)
    return app


@pytest.fixture
def app(webhooks_app: FastAPI, database: Database) -> Iterator[FastAPI]:
    webhooks_app.state.db = database
    webhooks_app.state.settings = test_settings()
    yield webhooks_app
    webhooks_app.state.settings = test_settings()


@pytest.fixture
def app_settings(app: FastAPI) -> Callable[..., Settings]:
    """`app_settings(webhook_allow_private=True)`: the app answers with these settings for this test."""

    def apply(**overrides: Any) -> Settings:
        settings = test_settings(**overrides)
        app.state.settings = settings
        return settings

    return apply
