"""The report's data: 27 cases in 12 states, loaded idempotently."""

from sqlalchemy import func, select

from api.cases.models import Case
from api.demo.loader import load_demo
from api.institutions.models import Institution


async def test_demo_load_twice_gives_27_cases_in_12_states(session, admin):
    first = await load_demo(session)
    second = await load_demo(session)
    assert first["cases"] == 27
    assert all(count == 0 for count in second.values()), second
    assert await session.scalar(select(func.count()).select_from(Case)) == 27
    assert await session.scalar(select(func.count(func.distinct(Case.state)))) == 12
    schools = await session.scalar(select(func.count()).select_from(Institution).where(Institution.kind == "school"))
    assert schools == 27

    by_state = (await admin.get("/stats/cases", params={"group_by": "state"})).json()
    counts = {item["key"]: item["count"] for item in by_state["items"]}
    assert counts["MX-CMX"] == 10
    assert counts["MX-JAL"] == 4
    assert len(counts) == 12

    by_sector = (await admin.get("/stats/cases", params={"group_by": "sector"})).json()
    assert {item["key"]: item["count"] for item in by_sector["items"]} == {"private": 14, "public": 13}


async def test_demo_cases_match_the_report(session, admin):
    await load_demo(session)
    page = (await admin.get("/cases", params={"sort": "report_number", "limit": 200})).json()
    assert [c["report_number"] for c in page["items"]] == list(range(1, 28))
    tlatelli = next(c for c in page["items"] if c["report_number"] == 15)
    # "2007 a 2018": a period, not a single year.
    assert (tlatelli["year_start"], tlatelli["year_end"]) == (2007, 2018)
    assert tlatelli["state"] == "MX-MOR"
    waves = (await admin.get("/stats/cases", params={"group_by": "report_wave"})).json()
    assert {i["key"]: i["count"] for i in waves["items"]} == {1: 18, 2: 3, 3: 3, 4: 3}
    jalisco = (await admin.get("/cases", params={"state": "MX-JAL"})).json()
    assert len(jalisco["items"]) == 4


async def test_demo_sep_order_has_six_obligations_none_complied(session, admin):
    await load_demo(session)
    orders = (await admin.get("/court-orders")).json()["items"]
    assert len(orders) == 1
    order = orders[0]
    assert order["notified_on"] == {"date": "2023-08-01", "precision": "month"}
    assert order["compliance"]["total"] == 6 and order["compliance"]["complied"] == 0
    obligations = (await admin.get(f"/court-orders/{order['id']}/obligations")).json()["items"]
    assert [o["number"] for o in sorted(obligations, key=lambda o: o["number"])] == [1, 2, 3, 4, 5, 6]
    kinds = {o["number"]: o["kind"] for o in obligations}
    assert kinds[4] == "continuous" and kinds[5] == "recurring" and kinds[1] == "one_off"
    for obligation in obligations:
        assert obligation["status"] == "pending"
        # The report gives no deadline: none is invented, and the record says so.
        assert obligation["schedule"] is None and obligation["next_due_on"] is None
        assert "no señala plazo" in obligation["deadline_note"]
