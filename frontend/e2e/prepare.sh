#!/bin/sh
# A fresh Vigía for the end-to-end tests: an embedded database in DATA_DIR with the demo data and
# three staff accounts (admin, editor, viewer), then the service on PORT until SIGTERM. DATA_DIR is
# removed when this script ends, however it ends.
# Usage: e2e/prepare.sh DATA_DIR PORT   (Playwright's webServer runs it; see playwright.config.ts)
# The password comes from E2E_PASSWORD and reaches `vigia users create` on standard input, never argv.
set -eu
data_dir=$1
port=$2
frontend=$(cd "$(dirname "$0")/.." && pwd)
vigia=${VIGIA_BIN:-$frontend/../.venv/bin/vigia}
: "${E2E_PASSWORD:?E2E_PASSWORD must be set}"

pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$data_dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

if [ ! -f "$frontend/dist/index.html" ]; then
  echo "e2e: $frontend/dist is not built: run 'npm run build' first" >&2
  exit 1
fi
if [ ! -x "$vigia" ]; then
  echo "e2e: $vigia not found: run 'make env' in the project folder first" >&2
  exit 1
fi

export VIGIA_ENVIRONMENT=development
export VIGIA_DATA_DIR="$data_dir"
export VIGIA_EVIDENCE_DIR="$data_dir/evidence"
export VIGIA_FRONTEND_DIST="$frontend/dist"
# Every test logs in afresh: the per-address login limit (30 a minute by default) would refuse some.
export VIGIA_LOGIN_ATTEMPTS_PER_MINUTE="${VIGIA_LOGIN_ATTEMPTS_PER_MINUTE:-1000}"
# Warnings and errors only: the tests' own output stays readable (no access log line per request).
export VIGIA_LOG_LEVEL="${VIGIA_LOG_LEVEL:-WARNING}"
unset VIGIA_DATABASE_URL || true
mkdir -p "$data_dir"

"$vigia" db upgrade
"$vigia" demo load
for role in admin editor viewer; do
  printf '%s\n' "$E2E_PASSWORD" | "$vigia" users create --email "$role@e2e.vigia.test" --role "$role" \
    --full-name "E2E $role" >/dev/null
done

# In the background, so that SIGTERM reaches this script: it stops the service (which stops its
# database), then the EXIT trap removes the data.
"$vigia" serve --host 127.0.0.1 --port "$port" &
pid=$!
wait "$pid"
