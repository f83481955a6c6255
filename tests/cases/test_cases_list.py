"""GET /cases: filters, full-text search, cursor pagination, incremental sync and CSV."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.factories import assert_problem, insert_cases, make_case, make_institution

BASE = datetime(2024, 1, 1, tzinfo=UTC)


async def ids(client, **params) -> set[str]:
    response = await client.get("/cases", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {c["id"] for c in response.json()["items"]}


def as_ids(*cases) -> set[str]:
    return {str(c.id) for c in cases}


# --- filters -----------------------------------------------------------------------------------


async def test_filter_by_state(viewer, session):
    jal = await make_case(session, state="MX-JAL")
    cmx = await make_case(session, state="MX-CMX")
    assert await ids(viewer, state="MX-JAL") == as_ids(jal)
    assert await ids(viewer, state="MX-CMX") == as_ids(cmx)
    assert await ids(viewer) == as_ids(jal, cmx)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2006, set()), (2007, {"period"}), (2010, {"period", "single"}), (2018, {"period"}), (2019, set())],
)
async def test_year_finds_cases_whose_period_includes_it(viewer, session, year, expected):
    cases = {
        "period": await make_case(session, year_start=2007, year_end=2018),
        "single": await make_case(session, year_start=2010, year_end=None),
    }
    assert await ids(viewer, year=year) == {str(cases[name].id) for name in expected}


async def test_sector_comes_from_the_school(viewer, session):
    private = await make_case(session, institution_id=(await make_institution(session, sector="private")).id)
    public = await make_case(session, institution_id=(await make_institution(session, sector="public")).id)
    await make_case(session, institution_id=None)

    assert await ids(viewer, sector="private") == as_ids(private)
    assert await ids(viewer, sector="public") == as_ids(public)
    listed = (await viewer.get("/cases", params={"sector": "private"})).json()["items"]
    assert listed[0]["sector"] == "private"


async def test_filter_by_institution(viewer, session):
    school = await make_institution(session)
    mine = await make_case(session, institution_id=school.id)
    await make_case(session)
    assert await ids(viewer, institution_id=str(school.id)) == as_ids(mine)


async def test_filter_by_legal_status_and_report_wave(viewer, session):
    sentenced = await make_case(session, legal_status="sentenced", report_wave=1)
    trial = await make_case(session, legal_status="in_trial", report_wave=2)
    assert await ids(viewer, legal_status="sentenced") == as_ids(sentenced)
    assert await ids(viewer, report_wave=2) == as_ids(trial)
    assert await ids(viewer, legal_status="sentenced", report_wave=2) == set()


async def test_every_pattern_asked_for_must_match(viewer, session):
    both = await make_case(session, patterns=["sedation", "costumes"])
    sedation = await make_case(session, patterns=["sedation"])
    await make_case(session, patterns=[])

    assert await ids(viewer, pattern="sedation") == as_ids(both, sedation)
    assert await ids(viewer, pattern=["sedation", "costumes"]) == as_ids(both)
    assert await ids(viewer, pattern=["costumes", "assault_in_office"]) == set()


async def test_full_text_ignores_accents_and_case(viewer, session):
    kinder = await make_case(session, title="Jardín de Niños «Pulgarcito»")
    await make_case(session, title="Escuela Primaria Benito Juárez")

    assert await ids(viewer, q="jardin de ninos") == as_ids(kinder)
    assert await ids(viewer, q="JARDÍN") == as_ids(kinder)
    assert await ids(viewer, q="niño") == as_ids(kinder)


async def test_full_text_searches_the_summary_but_never_internal_notes(viewer, session):
    case = await make_case(
        session,
        title="Colegio del Valle",
        summary="Los agresores usaban disfraces en el salón.",
        internal_notes="La familia vive en Xochimilco.",
    )
    assert await ids(viewer, q="disfraces salon") == as_ids(case)
    assert await ids(viewer, q="agresor") == as_ids(case)
    assert await ids(viewer, q="xochimilco") == set()


@pytest.mark.parametrize("q", ['"jardín de niños"', "-primaria jardin", "a & b | !(", "'; DROP TABLE cases; --", "de"])
async def test_any_text_is_a_valid_query(viewer, session, q):
    await make_case(session, title="Jardín de Niños Pulgarcito")
    response = await viewer.get("/cases", params={"q": q})
    assert response.status_code == 200, response.text


async def test_filters_combine(viewer, session):
    wanted = await make_case(session, state="MX-MOR", year_start=2007, year_end=2018, patterns=["costumes"])
    await make_case(session, state="MX-MOR", year_start=2019, patterns=["costumes"])
    await make_case(session, state="MX-JAL", year_start=2010, patterns=["costumes"])
    assert await ids(viewer, state="MX-MOR", year=2010, pattern="costumes") == as_ids(wanted)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "muchos"}, "limit"),
        ({"cursor": "basura"}, "cursor"),
        ({"cursor": "eyJub3QiOiJhIGN1cnNvciJ9"}, "cursor"),
        ({"sort": "color"}, "sort"),
        ({"sort": "--year"}, "sort"),
        ({"year": "dos mil"}, "year"),
        ({"year": 1800}, "year"),
        ({"sector": "mixed"}, "sector"),
        ({"legal_status": "acquitted"}, "legal_status"),
        ({"pattern": "ghosts"}, "pattern.0"),
        ({"report_wave": 0}, "report_wave"),
        ({"institution_id": "x"}, "institution_id"),
        ({"updated_since": "ayer"}, "updated_since"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_invalid_list_parameters(viewer, params, field):
    assert_problem(await viewer.get("/cases", params=params), 422, field)


async def test_a_cursor_only_serves_the_order_it_came_from(viewer, session):
    await insert_cases(session, 3)
    cursor = (await viewer.get("/cases", params={"limit": 1, "sort": "title"})).json()["next_cursor"]
    assert cursor
    assert (await viewer.get("/cases", params={"limit": 1, "sort": "title", "cursor": cursor})).status_code == 200
    assert_problem(await viewer.get("/cases", params={"limit": 1, "sort": "-title", "cursor": cursor}), 422, "cursor")


# --- pagination --------------------------------------------------------------------------------


async def walk(client, between_pages=None, **params) -> list[str]:
    """Every page in turn, as a client script would; `between_pages` runs after each page."""
    seen: list[str] = []
    cursor = None
    for _ in range(1000):
        response = await client.get("/cases", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params.get("limit", 50)
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert page["items"], "a page with a next cursor must not be empty"
        if between_pages:
            await between_pages()
    raise AssertionError("the pages never ended")


ORDERS = {
    "created_at": "created_at, id",
    "-year": "year_start DESC, id DESC",
    "title": "title, id",
}
MORE_ORDERS = {
    "-created_at": "created_at DESC, id DESC",
    "-report_number": "coalesce(report_number, 2147483647) DESC, id DESC",
    "updated_at": "updated_at, id",
}


@pytest.mark.parametrize("sort", {**ORDERS, **MORE_ORDERS})
async def test_walking_every_page_yields_each_case_once_in_order(viewer, session, sort):
    await insert_cases(session, 500)
    # Report numbers on every fourth case: the rest sort as "no number" (last ascending, first descending).
    await session.execute(
        text(
            "UPDATE cases SET report_number = r.n FROM "
            "(SELECT id, row_number() OVER (ORDER BY md5(id::text)) AS n FROM cases) AS r "
            "WHERE cases.id = r.id AND r.n % 4 = 0"
        )
    )
    order = {**ORDERS, **MORE_ORDERS}[sort]
    expected = [str(r[0]) for r in await session.execute(text(f"SELECT id FROM cases ORDER BY {order}"))]  # noqa: S608

    assert await walk(viewer, limit=7, sort=sort) == expected


@pytest.mark.parametrize("sort", ORDERS)
async def test_cases_inserted_while_walking_do_not_disturb_the_walk(viewer, session, sort):
    """New rows land before and after the cursor (their creation times fall anywhere in the
    range); none of the rows that existed before may be skipped or repeated."""
    existing = {str(i) for i in await insert_cases(session, 500)}
    rng = random.Random(7)

    async def insert_a_few() -> None:
        await insert_cases(session, 3, title_prefix="Nuevo", base_time=BASE + timedelta(seconds=rng.randint(0, 170)))

    seen = await walk(viewer, between_pages=insert_a_few, limit=7, sort=sort)

    assert len(seen) == len(set(seen)), "a case appeared twice"
    assert existing <= set(seen)
    assert len(set(seen) - existing) > 0


async def test_default_page_size_is_50(viewer, session):
    await insert_cases(session, 51)
    first = (await viewer.get("/cases")).json()
    assert len(first["items"]) == 50
    rest = (await viewer.get("/cases", params={"cursor": first["next_cursor"]})).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None


async def test_updated_since_returns_cases_changed_at_or_after_the_instant(viewer, session):
    before, at, after = [await make_case(session) for _ in range(3)]
    instant = datetime(2090, 1, 1, 12, tzinfo=UTC)
    for case, when in (
        (before, instant - timedelta(microseconds=1)),
        (at, instant),
        (after, instant + timedelta(days=1)),
    ):
        await session.execute(text("UPDATE cases SET updated_at = :t WHERE id = :id"), {"t": when, "id": case.id})

    assert await ids(viewer, updated_since="2090-01-01T12:00:00Z") == as_ids(at, after)
    assert await ids(viewer, updated_since="2090-01-01T06:00:00-06:00") == as_ids(at, after)
    assert await ids(viewer, updated_since="2090-01-01T12:00:00") == as_ids(at, after)
    assert await ids(viewer, updated_since="2090-01-02T12:00:00.000001Z") == set()


async def test_updated_since_walks_through_pages(viewer, session):
    await insert_cases(session, 20)
    await session.execute(text("UPDATE cases SET updated_at = '2090-06-01T00:00:00Z' WHERE title LIKE '% 1_'"))
    seen = await walk(viewer, limit=3, updated_since="2090-06-01T00:00:00Z")
    assert len(seen) == len(set(seen)) == 10


# --- CSV ---------------------------------------------------------------------------------------


async def test_csv_has_a_header_and_one_row_per_case_and_links_the_next_page(viewer, session):
    cases = [
        await make_case(
            session,
            state="MX-YUC",
            title=f'Caso {n}, "entre comillas"',
            summary="Primera línea,\nsegunda línea",
            patterns=["sedation", "costumes"],
            sources=[{"reference": "Nota", "url": "https://example.org/a?b=1,2"}],
        )
        for n in range(3)
    ]
    response = await viewer.get("/cases", params={"state": "MX-YUC", "limit": 2}, headers={"Accept": "text/csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert {"id", "title", "state", "year_start", "patterns", "summary"} <= set(header)
    assert len(rows) == 2
    assert all(len(row) == len(header) for row in rows)
    first = dict(zip(header, rows[0], strict=True))
    assert first["title"].endswith(', "entre comillas"')
    assert first["summary"] == "Primera línea,\nsegunda línea"
    assert "sedation" in first["patterns"]

    link = response.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link[link.index("<") + 1 : link.index(">")]
    following = await viewer.get(next_url, headers={"Accept": "text/csv"})
    header_again, *last = list(csv.reader(io.StringIO(following.text)))
    assert header_again == header
    assert len(last) == 1
    assert {row[header.index("id")] for row in rows + last} == {str(c.id) for c in cases}
    assert "link" not in following.headers


async def test_csv_of_an_empty_list_is_just_the_header(viewer):
    response = await viewer.get("/cases", params={"state": "MX-YUC"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.text)))) == 1


async def test_csv_shows_documentary_dates_at_their_precision(viewer, session):
    """ "August 2023" must not become 2023-08-01 in a spreadsheet: never invent a day."""
    await make_case(session, sources=[{"reference": "Nota", "date": date(2023, 8, 1), "date_precision": "month"}])
    response = await viewer.get("/cases", headers={"Accept": "text/csv"})
    header, row = list(csv.reader(io.StringIO(response.text)))
    sources = row[header.index("sources")]
    assert "2023-08" in sources
    assert "2023-08-01" not in sources
