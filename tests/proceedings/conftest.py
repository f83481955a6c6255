"""One app for the whole run (as in tests/cases/conftest.py), with the proceedings routers mounted
if api/main.py does not mount them yet."""

import pytest
from fastapi.routing import iter_route_contexts

from api.db import Database
from api.main import API_PREFIX, create_app
from api.proceedings.router import measures_router, router
from tests.conftest import test_settings


@pytest.fixture(scope="session")
def shared_app():  # type: ignore[no-untyped-def]
    app = create_app(test_settings())
    paths = {context.path_format for context in iter_route_contexts(app.routes)}
    for domain in (router, measures_router):
        prefix = f"{API_PREFIX}{domain.prefix}"
        if not any(path == prefix or path.startswith(f"{prefix}/") for path in paths):
            app.include_router(domain, prefix=API_PREFIX)
    return app


@pytest.fixture
def app(shared_app, database: Database):  # type: ignore[no-untyped-def]
    shared_app.state.db = database
    return shared_app
