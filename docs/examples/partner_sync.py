#!/usr/bin/env python3
"""Keep a local copy of Vigía's cases up to date, and receive Vigía's webhooks: a partner's script.

Needs Python 3.10+ and httpx (`pip install httpx`); nothing else.

    export VIGIA_URL=https://vigia.example.org       # the service's address
    export VIGIA_API_KEY=vk_...                      # your organization's key (read scope is enough)

    python partner_sync.py sync                      # first run: every case you may read
    python partner_sync.py sync                      # later runs: only what changed since the last one
    python partner_sync.py sync --full               # start over (e.g. to notice deleted cases)

    python partner_sync.py receive --port 8080 --secret whsec_...   # a webhook receiver

`sync` stores the cases in `vigia_cases.json` (an object keyed by case id) and the last sync's time in
`vigia_sync_state.json`; both paths can be changed (--out, --state). It pages with `cursor`, asks only
for what changed with `updated_since`, waits as told by `Retry-After` when it is rate limited (429) or
the service is briefly unavailable (503), and stops with the problem's text on any other error.

`receive` listens for Vigía's webhook deliveries, verifies each one's Standard Webhooks signature with
the secret shown when the subscription was created, refuses (401) anything unsigned, forged or older
than five minutes, and appends each verified event, once per `webhook-id`, to `vigia_events.jsonl`.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

API = "/api/v1"
PAGE_SIZE = 200  # the largest page the API serves
# Records written while a sync runs can carry an `updated_at` a moment older than ones already seen
# (a transaction commits after it stamps its rows): ask again for a little of the past and merge.
OVERLAP = timedelta(minutes=5)
MAX_ATTEMPTS = 8
MAX_WAIT_SECONDS = 120.0
SIGNATURE_TOLERANCE_SECONDS = 5 * 60


class ApiError(Exception):
    """An error answer (RFC 9457 problem+json), e.g. 401 for a revoked key or 422 for a bad parameter."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors") or [])
        text = f"{status} {problem.get('title', '')}: {problem.get('detail', '')}"
        super().__init__(text + (f" ({fields})" if fields else ""))


# --- calling the API ---------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, default: float = 5.0) -> float:
    """Retry-After is a number of seconds or an HTTP date."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def get(client: httpx.Client, path: str, params: dict[str, Any]) -> dict[str, Any]:
    """GET a JSON answer; on 429 and 503, wait as the answer says and try again."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = client.get(path, params=params)
        except httpx.TransportError as exc:  # connection refused or reset: the service is restarting
            if attempt == MAX_ATTEMPTS:
                raise
            print(f"  {type(exc).__name__}; trying again in {attempt * 2} s", file=sys.stderr)
            sleep(attempt * 2)
            continue
        if response.status_code in (429, 503) and attempt < MAX_ATTEMPTS:
            wait = min(retry_after_seconds(response.headers.get("Retry-After")), MAX_WAIT_SECONDS)
            print(f"  {response.status_code}: waiting {wait:.0f} s as asked (Retry-After)", file=sys.stderr)
            sleep(wait)
            continue
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:200]}
            raise ApiError(response.status_code, problem)
        answer: dict[str, Any] = response.json()
        return answer
    raise AssertionError("unreachable")


def changed_cases(client: httpx.Client, since: datetime | None, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
    """Every case changed at or after `since` (all of them when None), page after page."""
    params: dict[str, Any] = {"limit": page_size}
    if since is not None:
        params["updated_since"] = since.isoformat().replace("+00:00", "Z")
    while True:
        page = get(client, f"{API}/cases", params)
        yield from page["items"]
        if not page.get("next_cursor"):
            return
        params["cursor"] = page["next_cursor"]


# --- sync --------------------------------------------------------------------------------------------


def load_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def save_json(path: Path, data: Any) -> None:
    """Write next to the file, then rename: an interrupted run never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def sync(
    client: httpx.Client, out: Path, state_file: Path, *, full: bool = False, page_size: int = PAGE_SIZE
) -> dict[str, int]:
    cases: dict[str, Any] = {} if full else load_json(out, {})
    state: dict[str, Any] = {} if full else load_json(state_file, {})
    since = parse_time(state["last_updated_at"]) - OVERLAP if state.get("last_updated_at") else None
    newest = parse_time(state["last_updated_at"]) if state.get("last_updated_at") else None
    seen = changed = 0
    for case in changed_cases(client, since, page_size):
        seen += 1
        known = cases.get(case["id"])
        if known is None or known["version"] < case["version"]:
            cases[case["id"]] = case
            changed += 1
        updated = parse_time(case["updated_at"])
        newest = updated if newest is None or updated > newest else newest
    save_json(out, cases)
    # The service's own clock, never this machine's: the newest change seen is where the next run starts.
    if newest is not None:
        state["last_updated_at"] = newest.isoformat().replace("+00:00", "Z")
    state["last_run_at"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    save_json(state_file, state)
    return {"received": seen, "changed": changed, "total": len(cases)}


# --- webhooks ----------------------------------------------------------------------------------------


def verify_webhook(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """Standard Webhooks (https://www.standardwebhooks.com): HMAC-SHA256 of `id.timestamp.body` under the
    secret's bytes, base64; `webhook-signature` may list several `v1,<signature>` (key rotation)."""
    headers = {k.lower(): v for k, v in headers.items()}
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (message_id and timestamp.isdigit() and signatures):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False  # too old (or from the future): a replay
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version != "v1":
            continue
        try:
            if hmac.compare_digest(base64.b64decode(signature), expected):
                return True
        except ValueError:
            continue
    return False


def receiver(secret: str, events_file: Path) -> type[BaseHTTPRequestHandler]:
    seen: set[str] = set()
    if events_file.exists():
        for line in events_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.add(json.loads(line)["webhook_id"])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = dict(self.headers.items())
            if not verify_webhook(secret, headers, body):
                self.send_response(401)
                self.end_headers()
                return
            message_id = self.headers["webhook-id"]
            if message_id not in seen:  # a retry of an event already handled: acknowledge only
                seen.add(message_id)
                event = json.loads(body)
                with events_file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"webhook_id": message_id, **event}, ensure_ascii=False) + "\n")
                print(f"event {event['type']} ({message_id})", file=sys.stderr)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


# --- command line ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sync_cmd = commands.add_parser("sync", help="bring the local copy of the cases up to date")
    sync_cmd.add_argument("--url", default=os.environ.get("VIGIA_URL", "http://127.0.0.1:8000"))
    sync_cmd.add_argument("--key", default=os.environ.get("VIGIA_API_KEY"), help="default: $VIGIA_API_KEY")
    sync_cmd.add_argument("--out", type=Path, default=Path("vigia_cases.json"))
    sync_cmd.add_argument("--state", type=Path, default=Path("vigia_sync_state.json"))
    sync_cmd.add_argument("--full", action="store_true", help="fetch everything again")
    sync_cmd.add_argument("--page-size", type=int, default=PAGE_SIZE)
    receive_cmd = commands.add_parser("receive", help="receive and verify webhooks")
    receive_cmd.add_argument("--host", default="127.0.0.1")
    receive_cmd.add_argument("--port", type=int, default=8080)
    receive_cmd.add_argument("--secret", default=os.environ.get("VIGIA_WEBHOOK_SECRET"), help="whsec_...")
    receive_cmd.add_argument("--events", type=Path, default=Path("vigia_events.jsonl"))
    args = parser.parse_args(argv)

    if args.command == "sync":
        if not args.key:
            parser.error("give the API key with --key or VIGIA_API_KEY")
        headers = {"X-API-Key": args.key, "Accept": "application/json", "User-Agent": "vigia-partner-sync/1"}
        with httpx.Client(base_url=args.url, headers=headers, timeout=30) as client:
            try:
                counts = sync(client, args.out, args.state, full=args.full, page_size=args.page_size)
            except ApiError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        print(
            f"{counts['received']} received, {counts['changed']} new or changed, {counts['total']} cases in {args.out}"
        )
        return 0

    if not args.secret:
        parser.error("give the subscription's secret with --secret or VIGIA_WEBHOOK_SECRET")
    server = ThreadingHTTPServer((args.host, args.port), receiver(args.secret, args.events))
    print(f"listening on http://{args.host}:{server.server_address[1]}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
