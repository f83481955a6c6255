"""The federal investigation of the report's cases: loaded once, linked to all 27 cases, 20 measures."""

from sqlalchemy import func, select

from api.demo.loader import load_demo
from api.institutions.models import Institution
from api.proceedings.demo import FGR_NAME, load_investigation
from api.proceedings.models import InvestigativeMeasure, Proceeding, ProceedingKind, proceeding_cases

FILE_NUMBER = "FED/SEIDO/UEITM-PO-CDMX/0000399/2021"
# The demo also records the criminal trial behind the SEP order (tests/court_orders): count investigations.
INVESTIGATIONS = (
    select(func.count()).select_from(Proceeding).where(Proceeding.kind == ProceedingKind.criminal_investigation)
)
NOTHING = {"proceedings": 0, "proceeding_cases": 0, "measures": 0}


async def test_demo_load_twice_gives_one_investigation_with_27_cases_and_20_measures(session, viewer):
    await load_demo(session)
    await load_investigation(session)
    assert await load_investigation(session) == NOTHING

    assert await session.scalar(INVESTIGATIONS) == 1
    assert await session.scalar(select(func.count()).select_from(InvestigativeMeasure)) == 20

    listed = (await viewer.get("/proceedings", params={"q": FILE_NUMBER})).json()["items"]
    assert len(listed) == 1
    investigation = listed[0]
    fgr = await session.scalar(select(Institution).where(Institution.name == FGR_NAME))
    assert fgr is not None
    assert investigation["authority_id"] == str(fgr.id)
    assert (investigation["kind"], investigation["status"], investigation["visibility"]) == (
        "criminal_investigation",
        "open",
        "public",
    )
    assert investigation["opened_on"] == {"date": "2021-07-01", "precision": "month"}
    assert len(investigation["case_ids"]) == 27
    assert investigation["measure_counts"] == {
        "requested": 16,
        "performed": 0,
        "performed_without_result": 4,
        "refused": 0,
        "no_response": 0,
    }
    summary = investigation["summary"]
    assert "abril de 2023" in summary and "cuatro tomos" in summary and "todos los casos" in summary

    cases = (await viewer.get("/cases", params={"sort": "report_number", "limit": 200})).json()["items"]
    assert investigation["case_ids"] == [c["id"] for c in cases]

    measures = (
        await viewer.get(f"/proceedings/{investigation['id']}/measures", params={"status": "requested"})
    ).json()["items"]
    assert len(measures) == 16
    # The report dates only the expert's meeting; no other date is invented.
    dated = [m for m in measures if m["requested_on"] is not None]
    assert [(m["requested_by"], m["requested_on"]) for m in dated] == [
        ("experto internacional (reunión de abril de 2023)", {"date": "2023-04-01", "precision": "month"})
    ]
    assert {m["requested_by"] for m in measures} == {
        "ODI (parte denunciante)",
        "experto internacional (reunión de abril de 2023)",
    }
    assert all(m["response"] is None and m["responded_on"] is None for m in measures)

    done = (
        await viewer.get(f"/proceedings/{investigation['id']}/measures", params={"status": "performed_without_result"})
    ).json()["items"]
    assert len(done) == 4
    assert all(m["response"] and m["responded_on"] is None and m["requested_on"] is None for m in done)


async def test_investigation_loaded_before_the_cases_gets_them_later(session):
    alone = await load_investigation(session)
    assert alone == {"proceedings": 1, "proceeding_cases": 0, "measures": 20}
    await load_demo(session)
    await load_investigation(session)

    assert await session.scalar(select(func.count()).select_from(Institution).where(Institution.name == FGR_NAME)) == 1
    assert await session.scalar(INVESTIGATIONS) == 1
    assert await session.scalar(select(func.count()).select_from(proceeding_cases)) == 27
    assert await session.scalar(select(func.count()).select_from(InvestigativeMeasure)) == 20
