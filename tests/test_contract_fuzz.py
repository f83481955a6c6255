"""Contract fuzzing: schemathesis drives the app in-process from its own OpenAPI document, as staff (an
admin's bearer token) and as a partner (an API key with read and write scopes), with every check,
positive and negative data, the coverage phase (boundary values, missing and unexpected parameters,
undeclared methods) and stateful sequences (links inferred from `Location` headers). Zero failures.

The app sees committed data across requests: a scratch database with the demo data, an admin and a
partner. A fixed seed and a bounded number of examples per operation keep `make test` fast; `make fuzz`
raises both through VIGIA_FUZZ_EXAMPLES / VIGIA_FUZZ_STEPS (VIGIA_FUZZ_SEED for another seed). Two
workers (VIGIA_FUZZ_WORKERS) halve the time on two cores: the seed fixes what is generated, not the
order in which two workers' requests meet in the shared database.

Like a real client, the run gives each request its own Idempotency-Key (a valid generated key gets a
counter appended; invalid ones are left for negative testing).

One thing the checks cannot know is a rule that is about *state* rather than shape: a cursor the service
never issued, an id that exists in no table, an Idempotency-Key already used with another body, a
version in If-Match that is not the record's current one. A schema-valid request breaking one of those
is rightly refused (412 or 422, naming the field), and `ACCEPTED_REJECTIONS` lists each such rule with
its reason (so is the refusal of a null that schemathesis copied from an earlier answer into a field that
takes none: not generated from the schema); any other refusal of schema-valid data fails the test.
Everything else the checks found was fixed in the service or its OpenAPI document (docs/reliability.md).
"""

import asyncio
import itertools
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from api.audit import service as audit
from api.auth.models import AccessToken
from api.db import Database, as_role, create_engine
from api.demo.loader import load_demo
from api.main import create_app
from api.partners import service as partners
from api.partners.schemas import ApiKeyCreate, PartnerCreate, Scope
from api.security import new_session_token, token_digest
from api.users.models import Role, User
from tests.conftest import TEST_SECRET, scratch_database, test_settings

EXAMPLES = int(os.environ.get("VIGIA_FUZZ_EXAMPLES", "3"))
STATEFUL_STEPS = int(os.environ.get("VIGIA_FUZZ_STEPS", "12"))
SEED = int(os.environ.get("VIGIA_FUZZ_SEED", "20240701"))
FULL = os.environ.get("VIGIA_FUZZ_FULL") == "1"
OPENAPI = "/api/v1/openapi.json"


@dataclass(frozen=True)
class Rule:
    field: str  # a regular expression matched against the whole field name
    message: str  # a regular expression searched in the message
    reason: str

    def covers(self, error: dict[str, Any]) -> bool:
        return bool(
            re.fullmatch(self.field, str(error.get("field", ""))) and re.search(self.message, str(error.get("message")))
        )


# Refusals of schema-valid requests that are right: the rule is about state, or about several fields at
# once, which a JSON Schema cannot say. Each names the field(s) and the message the service answers.
ACCEPTED_REJECTIONS = [
    Rule("cursor", r"^not a cursor this service issued", "opaque: only a cursor the service issued is valid"),
    Rule(
        "Idempotency-Key",
        r"already used with a different request|still in progress",
        "the contract: the same key with another body is a 422",
    ),
    Rule(r".+", r"^no such ", "a reference to a record that does not exist (the ids are drawn at random)"),
    Rule(r"(.+\.)?state", r"^not a state code", "a reference to one of the 32 states"),
    Rule(r".+", r"future", "in the future or not: relative to the moment of the request"),
    Rule(r".+", r"precision date is written as the first of", "a documentary date's day must match its precision"),
    Rule(r"year_end", r"^must not be before year_start", "two fields together"),
    Rule(r"schedule(\..+)?", r".", "schedules are checked by the rules engine (RRULE, terms), see its description"),
    Rule(r"status", r"^the obligation is already", "a status change must change the status"),
    Rule(
        r"responded_on|response|status",
        r"^a measure with status|^the response cannot come before the request",
        "a measure's response goes with its status and follows its request",
    ),
    Rule(
        r"url", r"could not be resolved|private, loopback", "a webhook's host is resolved and checked when subscribing"
    ),
    Rule(r"email", r"^not a valid e-mail address", "stricter than `format: email`: no quoted local part, no IP"),
    Rule(r"visibility", r"^you may only write records with visibility", "a partner writes only what it could read"),
    Rule(r".+", r"^this field is for NGO staff only", "a partner never writes a staff-only field"),
    Rule(r"occurrence_sequence", r".", "periods exist only for recurring and continuous obligations, as they come"),
    Rule(r"ends_on", r"^a closure spans at most|^must not be before starts_on", "a closure's two dates together"),
    Rule(r"partner_id", r"^required: the partner this subscription is for", "staff name the partner subscribed"),
    Rule(r"partner_id", r"^a partner subscribes only its own organization", "a partner subscribes itself"),
    Rule(r"other_case_id", r"^a case cannot be linked to itself", "a link joins two different cases"),
    Rule(
        r"parent_id",
        r"^an institution cannot be its own parent|^this parent would make the hierarchy circular",
        "institutions form a tree",
    ),
    Rule(r"partner_id", r"^this partner is deactivated", "a deactivated partner gets no new subscription"),
    Rule(r"level|sector", r"^applies to schools only", "a school's level and sector go with the kind school"),
    Rule(r"effective_on", r"^cannot be earlier than", "a new status cannot predate the current one"),
    Rule(
        r".+", r"^must not contain the NUL character", "PostgreSQL text cannot hold U+0000: refused, naming the field"
    ),
]


# CPython 3.11's AST constructor keeps its recursion depth in state shared by threads (gh-106905): with two
# workers, the test generator's own `ast` use can fail with this SystemError. It is raised inside
# schemathesis, never by the service (whose exceptions become 500 answers, which the checks see).
CPYTHON_AST_RACE = "AST constructor recursion depth mismatch"
LINKED_NULL = "a null copied from an earlier answer into a field that takes none (not generated)"


def _null_from_an_answer(case: Any, field_name: str) -> bool:
    """A null schemathesis took from an earlier answer (a stateful link, or its pool of values seen in
    answers), not one it generated from the schema, which does not allow it."""
    sent = [part for part in (case.body, case.query, case.path_parameters) if isinstance(part, dict)]
    if not any(field_name in part and part[field_name] is None for part in sent):
        return False
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(getattr(meta, "phase", None), "name", None), "value", None)
    drawn = {getattr(draw, "parameter_name", None) for draw in getattr(meta, "pool_draws", ()) or ()}
    return phase == "stateful" or field_name in drawn


@dataclass
class Found:
    failures: dict[tuple[str, str, int | None], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    tool_faults: list[str] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    phases: dict[str, float] = field(default_factory=dict)
    scenarios: int = 0


def _problem_errors(content: bytes) -> list[dict[str, Any]] | None:
    try:
        body = json.loads(content)
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, list) and errors else None


def _keep_failure(found: Found) -> Any:
    """A `filter_failure` hook: drops the refusals ACCEPTED_REJECTIONS explains, keeps everything else."""

    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        if type(failure).__name__ != "RejectedPositiveData":
            return True
        if response.status_code == 412:
            found.accepted["412: If-Match names a version that is not the record's current one"] += 1
            return False
        if response.status_code != 422:
            return True
        if case.operation.path == "/api/v1/auth/token":
            # It grants credentials: schemathesis exempts such an operation when a schema names its tokenUrl.
            found.accepted["422: /auth/token refuses an empty user name or password (OAuth2 form)"] += 1
            return False
        errors = _problem_errors(response.content)
        if errors is None:
            return True
        reasons = []
        for error in errors:
            rule = next((r for r in ACCEPTED_REJECTIONS if r.covers(error)), None)
            if rule is not None:
                reasons.append(rule.reason)
            elif _null_from_an_answer(case, str(error.get("field", ""))):
                reasons.append(LINKED_NULL)
            else:
                return True
        for reason in reasons:
            found.accepted[f"422: {reason}"] += 1
        return False

    return filter_failure


def _unique_idempotency_keys() -> Any:
    """A `before_call` hook: a valid Idempotency-Key becomes unique per request, as a real client's is
    per intended creation (the generators repeat short values such as "0", and the same key with another
    body is rightly refused). Invalid values (empty, too long) are left alone, for negative testing."""
    counter = itertools.count()

    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        value = (case.headers or {}).get("Idempotency-Key")
        if isinstance(value, str) and 1 <= len(value) <= 180:
            case.headers["Idempotency-Key"] = f"{value}-{next(counter)}"

    return before_call


def _config(headers: dict[str, str], examples: int, steps: int, coverage: bool) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            "max-failures": 200,
            "workers": int(os.environ.get("VIGIA_FUZZ_WORKERS", "2")),
            "generation": {
                "mode": "all",
                "max-examples": examples,
                "database": "none",
                # The credentials are the configured ones; the generated values of security headers
                # would only replace them.
                "with-security-parameters": False,
            },
            "checks": {
                "enabled": True,
                # RFC 6585: a missing If-Match (a required header) is a 428 Precondition Required.
                "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
            },
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"max-steps": steps}},
            "cache": {"enabled": False},
            "operations": [
                # Logging out would end the session every later request uses (tests/auth covers it).
                {"include-path": "/api/v1/auth/logout", "enabled": False},
            ],
        }
    )


def run_schemathesis(app: Any, headers: dict[str, str], *, examples: int, steps: int, coverage: bool = True) -> Found:
    found = Found()
    schema = schemathesis.openapi.from_asgi(OPENAPI, app, config=_config(headers, examples, steps, coverage))
    schema.hook("filter_failure")(_keep_failure(found))
    # `before_call` hooks are process-wide only: registered for this run, removed after it.
    unique_keys = schemathesis.hook("before_call")(_unique_idempotency_keys())
    try:
        _execute(schema, found)
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(unique_keys)
    return found


def _execute(schema: Any, found: Found) -> None:
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            found.phases[event.phase.name.value] = time.monotonic()
        elif isinstance(event, events.PhaseFinished):
            found.phases[event.phase.name.value] = time.monotonic() - found.phases[event.phase.name.value]
        if isinstance(event, events.ScenarioFinished):
            found.scenarios += 1
            if event.status not in (Status.FAILURE, Status.ERROR):
                continue
            recorder = event.recorder
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE or check.failure_info is None:
                        continue
                    interaction = recorder.interactions.get(case_id)
                    response = interaction.response if interaction is not None else None
                    status = response.status_code if response is not None else None
                    key = (check.name, recorder.label, status)
                    if key in found.failures:
                        continue
                    failure = check.failure_info.failure
                    body = response.content[:300].decode("utf-8", "replace") if response is not None else ""
                    case = recorder.cases[case_id].value
                    phase = getattr(getattr(getattr(case, "meta", None), "phase", None), "name", "?")
                    curl = case.as_curl_command()
                    found.failures[key] = (
                        f"{failure.title} ({getattr(phase, 'value', phase)} phase): {failure.message}\n"
                        f"  {curl[:1500]}\n  -> {body}"
                    )
        elif isinstance(event, events.NonFatalError):
            message = event.info.message if hasattr(event.info, "message") else str(event)
            causes = "".join(f"\n    caused by {cause!r}"[:2000] for cause in getattr(event.value, "exceptions", ()))
            # Hypothesis reports the race as "Inconsistent results" when the replay of the case passes.
            if CPYTHON_AST_RACE in message + causes:
                found.tool_faults.append(f"{event.label}: {message}{causes}")
            else:
                found.errors.append(f"{event.label}: {message}{causes}")
        elif isinstance(event, events.FatalError):
            found.errors.append(f"fatal: {event.exception!r}")


def report(found: Found) -> str:
    lines = [f"{len(found.failures)} failure(s), {len(found.errors)} error(s) in {found.scenarios} scenarios"]
    for (check, label, status), text in sorted(found.failures.items(), key=lambda item: str(item[0])):
        lines.append(f"- [{check}] {label} -> {status}\n  {text}")
    lines += [f"- error: {e}" for e in found.errors]
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    app: Any
    staff: dict[str, str]
    partner: dict[str, str]


async def _arrange(url: str) -> tuple[str, str]:
    db = Database.from_engine(create_engine(url, test_settings()))
    try:
        async with db.transaction() as session:
            audit.set_actor(session, "cli:fuzz")
            await load_demo(session)
            admin = User(email="fuzz-admin@example.org", role=Role.admin, password_hash="not-a-login-account")
            session.add(admin)
            await session.flush()
            token = new_session_token()
            session.add(
                AccessToken(
                    token_hash=token_digest(token), user_id=admin.id, expires_at=datetime.now(UTC) + timedelta(hours=6)
                )
            )
            partner = await partners.create_partner(session, PartnerCreate(name="Red de fuzzing"))
            _, key = await partners.create_key(
                session, TEST_SECRET, partner.id, ApiKeyCreate(scopes=[Scope.read, Scope.write]), "test"
            )
    finally:
        await db.dispose()
    return token, key


@pytest.fixture(scope="module")
def target(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    url, drop = scratch_database(database_url)
    try:
        token, key = asyncio.run(_arrange(url))
        settings = test_settings(
            database_url=as_role(url),
            evidence_dir=tmp_path_factory.mktemp("fuzz-evidence"),
            # The dashboard's routes are not part of the API's contract (api/frontend.py keeps them off /api).
            frontend_dist=Path("/nonexistent"),
            # Thousands of requests a minute from one key: the limit itself is tested in tests/partners.
            rate_limit_per_minute=1_000_000,
            login_attempts_per_minute=1_000_000,
            max_upload_bytes=64 * 1024,
        )
        # The engine's connections are made and used on schemathesis' own event loop thread.
        database = Database.from_engine(create_engine(as_role(url), settings))
        app = create_app(settings, database=database)
        yield Target(app, {"Authorization": f"Bearer {token}"}, {"X-API-Key": key})
    finally:
        drop()


@pytest.mark.parametrize("caller", ["staff", "partner"])
def test_the_service_keeps_its_openapi_contract(target: Target, caller: str) -> None:
    headers = target.staff if caller == "staff" else target.partner
    # The coverage phase (boundary values of every parameter, missing ones, undeclared methods) checks
    # what validation does before any access rule applies: the staff run covers it for both, unless
    # `make fuzz` asks for everything twice.
    coverage = caller == "staff" or FULL
    started = time.monotonic()
    found = run_schemathesis(target.app, headers, examples=EXAMPLES, steps=STATEFUL_STEPS, coverage=coverage)
    elapsed = time.monotonic() - started
    accepted = "".join(f"\n  {count:5d} x {reason}" for reason, count in found.accepted.most_common())
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in found.phases.items())
    if found.tool_faults:
        print(f"\n{caller}: {len(found.tool_faults)} scenario(s) lost to CPython gh-106905 in the test tool")
    print(f"\n{caller}: {found.scenarios} scenarios in {elapsed:.0f} s ({phases}); valid data refused:{accepted}")
    assert found.scenarios > 50, "schemathesis ran almost nothing: is the OpenAPI document served?"
    assert not found.failures and not found.errors, report(found)
