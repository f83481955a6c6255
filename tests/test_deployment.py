"""The deployment files: `docker compose config` must accept docker-compose.yml.

Needs the Docker Compose v2 CLI (`scripts/install-compose.sh` installs it) but no Docker
engine: `config` only parses, validates and interpolates.
"""

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
INSTALL_HINT = (
    "Docker Compose v2 is not installed (`docker compose version` fails or reports v1). "
    "Run `scripts/install-compose.sh` (as root for a system-wide install), then re-run the tests."
)
PLUGIN_PATHS = (
    Path.home() / ".docker/cli-plugins/docker-compose",
    Path("/usr/local/lib/docker/cli-plugins/docker-compose"),
    Path("/usr/libexec/docker/cli-plugins/docker-compose"),
    Path("/usr/lib/docker/cli-plugins/docker-compose"),
)
DUMMY_ENV = {
    "VIGIA_SECRET_KEY": "x" * 48,
    "VIGIA_DB_PASSWORD": "dummy-password",
    "VIGIA_APP_DB_PASSWORD": "app-password",
}


@functools.cache
def _find_compose() -> tuple[str, ...] | None:
    candidates: list[tuple[str, ...]] = []
    if shutil.which("docker"):
        candidates.append(("docker", "compose"))
    if shutil.which("docker-compose"):
        candidates.append(("docker-compose",))
    # The plugin binary also runs standalone, e.g. where no docker CLI is installed.
    candidates += [(str(p),) for p in PLUGIN_PATHS if os.access(p, os.X_OK)]
    for cmd in candidates:
        try:
            out = subprocess.run([*cmd, "version", "--short"], capture_output=True, text=True, timeout=60, check=False)
        except OSError:
            continue
        major = out.stdout.strip().removeprefix("v").split(".")[0]
        if out.returncode == 0 and major.isdigit() and int(major) >= 2:
            return cmd
    return None


def compose(
    *args: str, compose_file: Path = COMPOSE_FILE, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = _find_compose()
    if cmd is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    # Hermetic: no COMPOSE_*/VIGIA_* from the caller's shell and no .env file, only `env`.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "VIGIA_"))}
    clean.update(DUMMY_ENV if env is None else env)
    return subprocess.run(
        [
            *cmd,
            "--project-directory",
            str(ROOT),
            "--env-file",
            os.devnull,
            "-f",
            str(compose_file),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean,
        check=False,
    )


def test_compose_config_accepts_the_file() -> None:
    result = compose("config", "--quiet")
    assert result.returncode == 0, f"`docker compose config` rejected docker-compose.yml:\n{result.stderr}"


def test_compose_config_has_the_services_and_their_dependencies() -> None:
    result = compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    assert {"db", "api", "scheduler", "proxy"} <= services.keys()

    db = services["db"]
    assert db["image"] == "postgres:18"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["volumes"][0]["type"] == "volume"

    api = services["api"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    # Scalable: replicas cannot share a fixed host port, so only the proxy publishes one.
    assert "ports" not in api
    assert [p["target"] for p in services["proxy"]["ports"]] == [8000]
    assert api["environment"]["VIGIA_SECRET_KEY"] == DUMMY_ENV["VIGIA_SECRET_KEY"]
    assert any(v["target"] == api["environment"]["VIGIA_EVIDENCE_DIR"] for v in api["volumes"])

    scheduler = services["scheduler"]
    assert scheduler["command"] == ["vigia", "scheduler"]
    assert scheduler["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_config_requires_the_secret_key() -> None:
    env = {k: v for k, v in DUMMY_ENV.items() if k != "VIGIA_SECRET_KEY"}
    result = compose("config", "--quiet", env=env)
    assert result.returncode != 0
    assert "set VIGIA_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("original", "broken", "expected_error"),
    [
        # A typo in a key: the Compose schema allows no unknown properties.
        (
            '    healthcheck:\n      test: ["CMD-SHELL"',
            '    heathcheck:\n      test: ["CMD-SHELL"',
            "heathcheck",
        ),
        # A dependency on a service that does not exist.
        ("    depends_on:\n      - api\n", "    depends_on:\n      - apii\n", "apii"),
    ],
    ids=["unknown-key", "undefined-dependency"],
)
def test_compose_config_rejects_a_broken_copy(tmp_path: Path, original: str, broken: str, expected_error: str) -> None:
    text = COMPOSE_FILE.read_text()
    assert text.count(original) == 1, f"docker-compose.yml changed; update this test's fragment {original!r}"
    broken_file = tmp_path / "docker-compose.yml"
    broken_file.write_text(text.replace(original, broken))

    result = compose("config", "--quiet", compose_file=broken_file)
    assert result.returncode != 0, "`docker compose config` accepted a broken file"
    assert expected_error in result.stderr
