"""GET /states: Mexico's 32 states, reference data."""

from tests.factories import assert_problem


async def test_the_32_states(viewer):
    response = await viewer.get("/states")
    assert response.status_code == 200
    states = response.json()
    assert len(states) == 32
    assert len({s["code"] for s in states}) == 32
    by_code = {s["code"]: s for s in states}
    assert by_code["MX-CMX"]["name"] == "Ciudad de México"
    assert "CDMX" in by_code["MX-CMX"]["short_names"]
    assert by_code["MX-JAL"]["inegi_code"] == "14"
    assert [s["inegi_code"] for s in states] == sorted(s["inegi_code"] for s in states)
    assert all(s["code"].startswith("MX-") and len(s["code"]) == 6 for s in states)


async def test_anonymous_callers_are_asked_to_authenticate(anon):
    assert_problem(await anon.get("/states"), 401)
