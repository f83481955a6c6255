"""Nothing sensitive in the logs: a canary planted in records, credentials and failing requests
never appears in anything the service logs."""

import logging

from tests.partners.factories import key_client, make_key, make_partner

CANARY = "CANARY-log-9f3a"


async def test_no_record_content_token_or_key_in_logs(caplog, admin, anon, app, session):
    caplog.set_level(logging.DEBUG)
    partner = await make_partner(session)
    _, key = await make_key(session, partner.id)
    token = admin.headers["Authorization"].split()[1]

    created = await admin.post(
        "/cases",
        json={"title": CANARY, "state": "MX-CMX", "year_start": 2020, "summary": CANARY, "internal_notes": CANARY},
    )
    assert created.status_code == 201
    case_id = created.json()["id"]
    # Failures of several kinds, each carrying the canary.
    await admin.post("/cases", json={"title": CANARY, "state": CANARY, "year_start": 2020})
    await admin.post("/cases", json={"title": CANARY, "state": "MX-CMX", "year_start": "x" + CANARY})
    await admin.post(
        "/cases", content=b'{"title": "' + CANARY.encode() + b'"', headers={"Content-Type": "application/json"}
    )
    await admin.patch(f"/cases/{case_id}", json={"title": CANARY + "2"}, headers={"If-Match": '"99"'})
    await admin.post("/cases", json={"title": CANARY, "state": "MX-CMX", "year_start": 2020, "report_number": 1})
    await admin.post("/cases", json={"title": CANARY, "state": "MX-CMX", "year_start": 2020, "report_number": 1})
    await admin.get("/cases", params={"q": CANARY})
    await anon.post("/auth/token", data={"username": CANARY + "@example.org", "password": CANARY})
    async with key_client(app, key) as client:
        await client.get(f"/cases/{case_id}")
        await client.get("/cases", params={"q": CANARY})
    async with key_client(app, key[:-3] + "abc") as bad:
        await bad.get("/cases")

    # The test's own HTTP client logs what it sends; that is not the service's log.
    service_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert service_records, "the service logged nothing at all: the test would prove nothing"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in service_records)
    assert CANARY not in logged
    assert token not in logged
    assert key not in logged and key.split("_", 2)[2] not in logged  # the secret part may hold "_"
