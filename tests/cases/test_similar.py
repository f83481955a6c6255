"""GET /cases/{id}/similar: the score on constructed cases (order and reasons), and what each caller sees."""

import math
import uuid

import pytest

from api.cases import similar
from api.cases.similar import CaseFacts, ReasonKind, Shared, period_weight, rarity_weight, reasons_for
from api.institutions.models import InstitutionKind, SchoolLevel, Sector
from api.partners.schemas import Scope
from tests.factories import assert_problem, make_case, make_institution
from tests.partners.factories import key_client, make_key, make_partner
from tests.proceedings.factories import make_proceeding

# --- the rule, directly ---------------------------------------------------------------------------


def test_rarity_weight_is_the_log_of_how_rare():
    assert rarity_weight(100, 1) == pytest.approx(math.log(100))
    assert rarity_weight(100, 50) == pytest.approx(math.log(2))
    assert rarity_weight(100, 100) == 0.0
    assert rarity_weight(0, 0) == 0.0
    assert rarity_weight(100, 2) > rarity_weight(100, 40)


def test_period_weight_is_the_share_of_years_in_common():
    assert period_weight((2018, 2019), (2018, 2019)) == pytest.approx(similar.PERIOD_WEIGHT)
    assert period_weight((2018, None), (2018, None)) == pytest.approx(similar.PERIOD_WEIGHT)
    assert period_weight((2016, 2019), (2019, 2022)) == pytest.approx(similar.PERIOD_WEIGHT / 7)
    assert period_weight((2010, 2011), (2012, None)) == 0.0
    assert similar.period_overlap((2016, 2019), (2018, None)) == (2018, 2018)


def test_a_rare_shared_pattern_outweighs_a_common_one():
    target = CaseFacts(state="MX-CMX", year_start=2018, year_end=None, patterns=frozenset({"costumes", "sedation"}))
    weights = {"costumes": rarity_weight(50, 2), "sedation": rarity_weight(50, 30)}
    rare = reasons_for(target, CaseFacts("MX-YUC", 1990, None, frozenset({"costumes"})), weights, Shared())
    common = reasons_for(target, CaseFacts("MX-YUC", 1990, None, frozenset({"sedation"})), weights, Shared())
    assert similar.score_of(rare) > similar.score_of(common) > 0
    assert [(r.kind, r.values) for r in rare] == [(ReasonKind.pattern, ["costumes"])]


def test_every_kind_of_reason_with_its_weight_weightiest_first():
    target = CaseFacts("MX-CMX", 2018, 2019, frozenset({"costumes", "sedation"}), "public", "preschool")
    other = CaseFacts("MX-MEX", 2019, 2021, frozenset({"sedation", "costumes", "covered_windows"}), "public", "primary")
    shared = Shared(neighbour=True, proceedings={"p1": 3.0}, authorities={"a1": 1.0, "a2": 0.25})
    weights = {"costumes": 2.0, "sedation": 0.5}
    reasons = reasons_for(target, other, weights, shared)
    by_kind = {r.kind: r for r in reasons}
    assert [r.kind for r in reasons] == [
        ReasonKind.proceeding,
        ReasonKind.pattern,
        ReasonKind.authority,
        ReasonKind.neighbouring_state,
        ReasonKind.sector,
        ReasonKind.period,
    ]
    assert by_kind[ReasonKind.pattern].values == ["costumes", "sedation"]  # rarest first
    assert by_kind[ReasonKind.pattern].weight == pytest.approx(2.5)
    assert by_kind[ReasonKind.authority].values == ["a1", "a2"]
    assert by_kind[ReasonKind.authority].weight == pytest.approx(1.25)
    assert by_kind[ReasonKind.period].values == ["2019-2019"]
    assert by_kind[ReasonKind.period].weight == pytest.approx(similar.PERIOD_WEIGHT / 4)
    assert by_kind[ReasonKind.neighbouring_state].values == ["MX-CMX", "MX-MEX"]
    assert similar.score_of(reasons) == pytest.approx(3.0 + 2.5 + 1.25 + 0.5 + 0.5 + 0.375, abs=1e-3)
    assert all(r.detail for r in reasons)


def test_same_state_wins_over_neighbouring_and_unknown_school_facts_count_nothing():
    target = CaseFacts("MX-CMX", 2018, None)
    reasons = reasons_for(target, CaseFacts("MX-CMX", 1990, None), {}, Shared(neighbour=True))
    assert [r.kind for r in reasons] == [ReasonKind.same_state]
    assert reasons_for(target, CaseFacts("MX-PUE", 1990, None), {}, Shared()) == []


# --- the route --------------------------------------------------------------------------------------


@pytest.fixture
async def partner(app, session):  # type: ignore[no-untyped-def]
    org = await make_partner(session)
    _, key = await make_key(session, org.id, (Scope.read,))
    async with key_client(app, key) as client:
        yield client


def _reasons(item: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["kind"]: r for r in item["reasons"]}


async def test_order_and_reasons_on_constructed_cases(editor, session):
    authority = await make_institution(session, kind=InstitutionKind.education_authority, visibility="public")
    school = await make_institution(
        session, state="MX-CMX", sector=Sector.private, level=SchoolLevel.preschool, parent_id=authority.id,
        visibility="public",
    )  # fmt: skip
    sibling_school = await make_institution(
        session, state="MX-YUC", sector=Sector.public, level=SchoolLevel.secondary, parent_id=authority.id,
        visibility="public",
    )  # fmt: skip
    alike_school = await make_institution(
        session, state="MX-YUC", sector=Sector.private, level=SchoolLevel.preschool, visibility="public"
    )
    target = await make_case(
        session, state="MX-CMX", year_start=2018, year_end=2019, patterns=["costumes", "sedation"],
        institution_id=school.id, visibility="public",
    )  # fmt: skip
    far = {"state": "MX-YUC", "year_start": 1990, "visibility": "public"}
    # Sedation is common (target + 6 fillers + one more), costumes rare (target + one).
    for _ in range(6):
        await make_case(session, **far, patterns=["sedation", "assault_in_office"])
    rare = await make_case(session, **far, patterns=["costumes"], title="rare")
    common = await make_case(session, **far, patterns=["sedation"], title="common")
    period = await make_case(session, state="MX-YUC", year_start=2019, year_end=2020, visibility="public")
    same_state = await make_case(session, state="MX-CMX", year_start=1990, visibility="public")
    neighbour = await make_case(session, state="MX-MOR", year_start=1990, visibility="public")
    not_neighbour = await make_case(session, state="MX-PUE", year_start=1990, visibility="public")
    alike = await make_case(session, **far, institution_id=alike_school.id)
    sibling = await make_case(session, **far, institution_id=sibling_school.id)
    in_proceeding = await make_case(session, **far)
    proceeding = await make_proceeding(session, visibility="public", case_ids=[target.id, in_proceeding.id])
    n = 16  # every case above, the target included

    response = await editor.get(f"/cases/{target.id}/similar", params={"limit": 50})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["case_id"] == str(target.id)
    items = body["items"]
    by_id = {i["case"]["id"]: i for i in items}
    assert str(target.id) not in by_id

    costumes, sedation = rarity_weight(n, 2), rarity_weight(n, 8)
    expected = {
        in_proceeding.id: rarity_weight(n, 2),
        rare.id: costumes,
        sibling.id: rarity_weight(n, 2),  # the same parent authority: two cases trace back to it
        alike.id: similar.SECTOR_WEIGHT + similar.LEVEL_WEIGHT,
        same_state.id: similar.SAME_STATE_WEIGHT,
        common.id: sedation,
        neighbour.id: similar.NEIGHBOURING_STATE_WEIGHT,
        period.id: similar.PERIOD_WEIGHT / 3,
    }
    for case_id, score in expected.items():
        assert by_id[str(case_id)]["score"] == pytest.approx(score, abs=1e-3), case_id
    assert str(not_neighbour.id) not in by_id  # nothing in common: not similar at all
    assert by_id[str(rare.id)]["score"] > by_id[str(common.id)]["score"]

    scores = [(-i["score"], i["case"]["id"]) for i in items]
    assert scores == sorted(scores)
    for item in items:
        assert item["score"] == pytest.approx(sum(r["weight"] for r in item["reasons"]), abs=2e-3)

    assert _reasons(by_id[str(rare.id)])["pattern"]["values"] == ["costumes"]
    assert _reasons(by_id[str(in_proceeding.id)])["proceeding"]["values"] == [str(proceeding.id)]
    assert _reasons(by_id[str(sibling.id)])["authority"]["values"] == [str(authority.id)]
    assert set(_reasons(by_id[str(alike.id)])) == {"sector", "level"}
    assert _reasons(by_id[str(alike.id)])["level"]["values"] == ["preschool"]
    assert _reasons(by_id[str(neighbour.id)])["neighbouring_state"]["values"] == ["MX-CMX", "MX-MOR"]
    assert _reasons(by_id[str(period.id)])["period"]["values"] == ["2019-2019"]
    summary = by_id[str(alike.id)]["case"]
    assert (summary["state"], summary["sector"], summary["level"], summary["year_start"]) == (
        "MX-YUC", "private", "preschool", 1990,
    )  # fmt: skip

    limited = (await editor.get(f"/cases/{target.id}/similar", params={"limit": 2})).json()["items"]
    assert [i["case"]["id"] for i in limited] == [i["case"]["id"] for i in items[:2]]


async def test_the_sql_score_and_the_rule_agree(editor, session):
    target = await make_case(session, state="MX-JAL", year_start=2015, year_end=2020, patterns=["costumes"])
    others = [
        await make_case(session, state=state, year_start=start, year_end=end, patterns=patterns)
        for state, start, end, patterns in [
            ("MX-JAL", 2014, 2016, ["costumes", "sedation"]),
            ("MX-NAY", 2020, None, ["costumes"]),
            ("MX-COL", 2010, 2015, []),
            ("MX-SON", 2000, 2001, ["sedation"]),
        ]
    ]
    items = (await editor.get(f"/cases/{target.id}/similar")).json()["items"]
    n = 5
    span = (2015, 2020)
    expected = {
        str(others[0].id): rarity_weight(n, 3) + similar.SAME_STATE_WEIGHT + period_weight(span, (2014, 2016)),
        str(others[1].id): rarity_weight(n, 3) + similar.NEIGHBOURING_STATE_WEIGHT + period_weight(span, (2020, None)),
        str(others[2].id): similar.NEIGHBOURING_STATE_WEIGHT + period_weight(span, (2010, 2015)),
    }  # others[3] shares nothing: left out
    assert [i["case"]["id"] for i in items] == sorted(expected, key=lambda k: -expected[k])
    for item in items:
        assert item["score"] == pytest.approx(expected[item["case"]["id"]], abs=1e-3)


async def test_partners_see_neither_internal_cases_nor_reasons_citing_internal_records(editor, partner, session):
    hidden_authority = await make_institution(session, kind=InstitutionKind.education_authority, visibility="internal")
    school = await make_institution(session, parent_id=hidden_authority.id, visibility="public")
    other_school = await make_institution(session, parent_id=hidden_authority.id, visibility="public")
    target = await make_case(session, patterns=["costumes"], institution_id=school.id, visibility="public")
    shown = await make_case(session, patterns=["costumes"], institution_id=other_school.id, visibility="partners")
    internal = await make_case(session, patterns=["costumes"], visibility="internal")
    secret = await make_proceeding(session, visibility="internal", case_ids=[target.id, shown.id])
    internal_only = await make_case(session, visibility="internal")

    staff = {i["case"]["id"]: i for i in (await editor.get(f"/cases/{target.id}/similar")).json()["items"]}
    assert {str(shown.id), str(internal.id), str(internal_only.id)} <= staff.keys()
    assert _reasons(staff[str(shown.id)])["proceeding"]["values"] == [str(secret.id)]
    assert _reasons(staff[str(shown.id)])["authority"]["values"] == [str(hidden_authority.id)]

    response = await partner.get(f"/cases/{target.id}/similar")
    assert response.status_code == 200, response.text
    seen = {i["case"]["id"]: i for i in response.json()["items"]}
    assert set(seen) == {str(shown.id)}
    # Among the two cases the partner may see, both show the pattern: it tells nothing, so it is no reason.
    assert set(_reasons(seen[str(shown.id)])) == {"period", "same_state", "sector", "level"}
    text = response.text
    for record in (internal, internal_only, secret, hidden_authority):
        assert str(record.id) not in text

    assert_problem(await partner.get(f"/cases/{internal.id}/similar"), 404)


async def test_unknown_cases_and_invalid_limits(editor, viewer, anon, session):
    restricted = await make_case(session, visibility="restricted")
    assert_problem(await editor.get(f"/cases/{uuid.uuid4()}/similar"), 404)
    assert_problem(await viewer.get(f"/cases/{restricted.id}/similar"), 404)
    case = await make_case(session, visibility="public")
    for limit in (0, 51, "x"):
        assert_problem(await editor.get(f"/cases/{case.id}/similar", params={"limit": limit}), 422, "limit")
    assert_problem(await editor.get("/cases/not-a-uuid/similar"), 422, "case_id")
    assert_problem(await anon.get(f"/cases/{case.id}/similar"), 401)
    answer = await editor.get(f"/cases/{case.id}/similar")
    assert answer.status_code == 200
    assert [i["case"]["id"] for i in answer.json()["items"]] == [str(restricted.id)]
    assert (await viewer.get(f"/cases/{case.id}/similar")).json()["items"] == []
