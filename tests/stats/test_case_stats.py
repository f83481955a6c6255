"""GET /stats/cases: counts by state, year, sector, wave, pattern and legal status."""

import pytest

from tests.factories import assert_problem, make_case, make_institution


@pytest.fixture
async def cases(session):
    private = await make_institution(session, sector="private")
    public = await make_institution(session, sector="public")
    made = [
        await make_case(
            session,
            state="MX-JAL",
            year_start=2007,
            year_end=2009,
            institution_id=private.id,
            report_wave=1,
            patterns=["sedation", "costumes"],
            legal_status="documented",
        ),
        await make_case(
            session,
            state="MX-JAL",
            year_start=2008,
            institution_id=public.id,
            report_wave=1,
            patterns=["sedation"],
            legal_status="sentenced",
        ),
        await make_case(
            session, state="MX-CMX", year_start=2009, year_end=2010, report_wave=2, legal_status="sentenced"
        ),
        await make_case(
            session,
            state="MX-CMX",
            year_start=2020,
            institution_id=private.id,
            patterns=["costumes"],
            legal_status="in_trial",
        ),
    ]
    # Staff below editor never see restricted cases, not even as a count.
    await make_case(session, state="MX-YUC", year_start=2009, patterns=["sedation"], visibility="restricted")
    return made


async def stats(client, group_by, **filters) -> dict:
    response = await client.get("/stats/cases", params={"group_by": group_by, **filters})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["group_by"] == group_by
    assert not any(item["suppressed"] for item in body["items"]), "staff see exact counts"
    return {item["key"]: item["count"] for item in body["items"]}


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("state", {"MX-CMX": 2, "MX-JAL": 2}),
        ("year", {2007: 1, 2008: 2, 2009: 2, 2010: 1, 2020: 1}),
        ("sector", {"private": 2, "public": 1, None: 1}),
        ("report_wave", {1: 2, 2: 1, None: 1}),
        ("pattern", {"costumes": 2, "sedation": 2}),
        ("legal_status", {"documented": 1, "sentenced": 2, "in_trial": 1}),
    ],
)
async def test_exact_counts_for_staff(viewer, cases, group_by, expected):
    assert await stats(viewer, group_by) == expected


async def test_editors_count_restricted_cases_too(editor, cases):
    assert await stats(editor, "state") == {"MX-CMX": 2, "MX-JAL": 2, "MX-YUC": 1}


async def test_groups_come_in_key_order_with_unknown_last(viewer, cases):
    items = (await viewer.get("/stats/cases", params={"group_by": "report_wave"})).json()["items"]
    assert [i["key"] for i in items] == [1, 2, None]


async def test_a_period_counts_once_in_each_of_its_years(viewer, session):
    await make_case(session, year_start=2007, year_end=2009)
    assert await stats(viewer, "year") == {2007: 1, 2008: 1, 2009: 1}
    assert await stats(viewer, "state") == {"MX-JAL": 1}


@pytest.mark.parametrize(
    ("group_by", "filters", "expected"),
    [
        ("state", {"year": 2009}, {"MX-JAL": 1, "MX-CMX": 1}),
        ("year", {"state": "MX-CMX"}, {2009: 1, 2010: 1, 2020: 1}),
        ("pattern", {"sector": "private"}, {"costumes": 2, "sedation": 1}),
        ("state", {"pattern": ["sedation", "costumes"]}, {"MX-JAL": 1}),
        ("legal_status", {"report_wave": 1}, {"documented": 1, "sentenced": 1}),
        ("sector", {"legal_status": "sentenced"}, {"public": 1, None: 1}),
        ("state", {"q": "ninguna coincidencia"}, {}),
    ],
)
async def test_filters_apply(viewer, cases, group_by, filters, expected):
    assert await stats(viewer, group_by, **filters) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "group_by"),
        ({"group_by": "institution"}, "group_by"),
        ({"group_by": "state", "year": "x"}, "year"),
        ({"group_by": "state", "pattern": "ghosts"}, "pattern.0"),
        ({"group_by": "state", "sector": "mixed"}, "sector"),
    ],
)
async def test_invalid_parameters(viewer, params, field):
    assert_problem(await viewer.get("/stats/cases", params=params), 422, field)


async def test_anonymous_callers_are_asked_to_authenticate(anon):
    assert_problem(await anon.get("/stats/cases", params={"group_by": "state"}), 401)
