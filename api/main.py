"""The application: routers, error handling and the database's lifetime."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.audit.router import router as audit_router
from api.auth.router import router as auth_router
from api.calendars.router import router as calendars_router
from api.cases.fastpath import PartnerCaseFastPath
from api.cases.router import router as cases_router
from api.config import Settings, get_settings
from api.court_orders.router import router as court_orders_router
from api.db import Database, create_engine
from api.deps import no_nul_in_query
from api.errors import declare_framework_errors, problem_responses
from api.evidence.router import router as evidence_router
from api.frontend import mount_frontend
from api.health.router import router as health_router
from api.institutions.router import router as institutions_router
from api.middleware import RequestContextMiddleware
from api.network.router import router as network_router
from api.obligations.router import router as obligations_router
from api.ops.metrics import router as metrics_router
from api.partners.router import router as partners_router
from api.persons.router import institution_queries_router
from api.persons.router import router as persons_router
from api.problems import install_error_handlers
from api.proceedings.router import measures_router
from api.proceedings.router import router as proceedings_router
from api.public.fastpath import PublicOrderFastPath
from api.public.router import router as public_router
from api.reports.router import router as reports_router
from api.states.router import router as states_router
from api.stats.router import router as stats_router
from api.users.router import router as users_router
from api.webhooks.router import router as webhooks_router

API_PREFIX = "/api/v1"
logger = logging.getLogger("vigia")


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, responses=problem_responses(503), dependencies=[Depends(no_nul_in_query)])
    for domain in (
        health_router,
        auth_router,
        states_router,
        # Before institutions_router, whose /institutions/{institution_id} is the more general path.
        institution_queries_router,
        institutions_router,
        cases_router,
        stats_router,
        users_router,
        partners_router,
        audit_router,
        court_orders_router,
        obligations_router,
        evidence_router,
        proceedings_router,
        measures_router,
        persons_router,
        network_router,
        webhooks_router,
        calendars_router,
        reports_router,
        public_router,
    ):
        router.include_router(domain)
    return router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the service. Tests pass their own `database`; otherwise one is made from the settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            if settings.database_url is None:
                raise RuntimeError("VIGIA_DATABASE_URL is not set; `vigia serve` starts an embedded database")
            app.state.db = Database.from_engine(create_engine(settings.database_url, settings))
        try:
            yield
        finally:
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="Vigía API",
        version="1.0.0",
        summary="Cases of organized sexual violence against children in schools, and the State's "
        "compliance with what courts ordered.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    if database is not None:
        app.state.db = database
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "X-API-Key",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "Content-Type",
                "Accept",
            ],
            expose_headers=["ETag", "Location", "Retry-After", "Link"],
        )
    # Inside the request context (ids, access lines, metrics): repeat public order reads and partner reads
    # of one case skip the framework.
    app.add_middleware(PartnerCaseFastPath)
    app.add_middleware(PublicOrderFastPath)
    app.add_middleware(RequestContextMiddleware, api_prefix=API_PREFIX)
    app.include_router(api_router())
    # Before the dashboard's catch-all route. It authenticates itself (VIGIA_METRICS_TOKEN).
    app.include_router(metrics_router)
    mount_frontend(app, settings.frontend_dist)
    _declare_framework_errors(app)
    return app


def _declare_framework_errors(app: FastAPI) -> None:
    """The OpenAPI document also lists the errors the plumbing answers (see `declare_framework_errors`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_framework_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
