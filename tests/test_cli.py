"""The `vigia` command line against real embedded PostgreSQL servers in throwaway data folders."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.embedded import EmbeddedPostgres
from tests.conftest import TEST_SECRET

BIN = Path(sys.executable).parent
VIGIA = [str(BIN / "vigia")] if (BIN / "vigia").exists() else [sys.executable, "-m", "api.cli"]
STARTUP_TIMEOUT = 30.0


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for a command run here: an embedded database in a fresh data folder, no .env file."""
    values = {"VIGIA_ENVIRONMENT": "test", "VIGIA_SECRET_KEY": TEST_SECRET, "VIGIA_DATA_DIR": str(tmp_path / "data")}
    monkeypatch.delenv("VIGIA_DATABASE_URL", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return {**os.environ, **values}


def query(data_dir: Path, *statements: str) -> list[object]:
    """The first value of each statement, on the embedded server of `data_dir` (started for this)."""
    with EmbeddedPostgres(data_dir) as server:

        async def fetch() -> list[object]:
            conn = await asyncpg.connect(server.url)
            try:
                return [await conn.fetchval(sql) for sql in statements]
            finally:
                await conn.close()

        return asyncio.run(fetch())


USER_TABLES = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
USER_TYPES = (
    "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')"
)
VERSION = "SELECT version_num FROM alembic_version"


def test_db_upgrade_downgrade_upgrade(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    data_dir = Path(cli_env["VIGIA_DATA_DIR"])

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables, head = query(data_dir, USER_TABLES, VERSION)
    assert tables and head

    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert query(data_dir, USER_TABLES, USER_TYPES, "SELECT count(*) FROM alembic_version") == [0, 0, 0]

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert query(data_dir, USER_TABLES, VERSION) == [tables, head]
    # Each command stopped the server it started.
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def test_settings_errors_are_reported_without_a_traceback(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "VIGIA_ENVIRONMENT": "production", "VIGIA_SECRET_KEY": "short"}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert "invalid settings" in result.output
    assert "Traceback" not in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    env: dict[str, str]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def process_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def stop_leftover_postgres(data_dir: Path) -> None:
    pid = postmaster_pid(data_dir)
    if pid is None or process_gone(pid, timeout=0):
        return
    with contextlib.suppress(psutil.NoSuchProcess):
        if psutil.Process(pid).name() == "postgres":
            os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown


@pytest.fixture
def served(cli_env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    """`vigia serve` as operators run it, on a free port, with its own embedded database."""
    port = free_port()
    log = tmp_path / "serve.log"
    data_dir = Path(cli_env["VIGIA_DATA_DIR"])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*VIGIA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=cli_env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Served(process, f"http://127.0.0.1:{port}/api/v1", data_dir, cli_env, log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, f"vigia serve exited early:\n{server.output()}"
            try:
                if httpx.get(f"{server.base_url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"vigia serve did not become healthy:\n{server.output()}"
            time.sleep(0.1)
        yield server
    finally:
        # Whatever the test did, leave no server behind.
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        stop_leftover_postgres(data_dir)


def test_serve_creates_users_and_stops_cleanly_on_sigterm(served: Served) -> None:
    pg_pid = postmaster_pid(served.data_dir)
    assert pg_pid is not None

    # A second command attaches to the running embedded server and leaves it running.
    password = "correct horse battery staple"
    created = subprocess.run(
        [*VIGIA, "users", "create", "--email", "Editor@Example.org", "--role", "editor", "--full-name", "Ana"],
        input=f"{password}\n".encode(),
        env=served.env,
        cwd=served.data_dir.parent,
        capture_output=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr.decode()
    assert password not in (created.stdout + created.stderr).decode()
    assert postmaster_pid(served.data_dir) == pg_pid

    wrong = httpx.post(f"{served.base_url}/auth/token", data={"username": "editor@example.org", "password": "nope"})
    assert wrong.status_code == 401
    login = httpx.post(f"{served.base_url}/auth/token", data={"username": "editor@example.org", "password": password})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    states = httpx.get(f"{served.base_url}/states", headers={"Authorization": f"Bearer {token}"})
    assert states.status_code == 200, states.text

    # The same e-mail again: a domain error, reported plainly, exit status 1.
    again = subprocess.run(
        [*VIGIA, "users", "create", "--email", "editor@example.org", "--role", "viewer"],
        input=f"{password}\n".encode(),
        env=served.env,
        cwd=served.data_dir.parent,
        capture_output=True,
        timeout=60,
    )
    assert again.returncode == 1
    assert "email" in again.stderr.decode()
    assert "Traceback" not in again.stderr.decode()

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(30) == 0, served.output()
    assert not (served.data_dir / "pgdata" / "postmaster.pid").exists(), served.output()
    assert process_gone(pg_pid), "the embedded PostgreSQL outlived vigia serve"
    assert "Traceback" not in served.output()
