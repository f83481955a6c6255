"""The land borders between Mexico's states: the module, the migration's frozen copy and the table agree."""

import csv
import importlib.util
from pathlib import Path

from sqlalchemy import select, text

from api.states.borders import BORDER_PAIRS, border_rows, neighbours
from api.states.models import StateBorder

ROOT = Path(__file__).resolve().parents[2]
STATES_CSV = ROOT / "api" / "states" / "data" / "mexico_states.csv"
MIGRATION = ROOT / "migrations" / "versions" / "0005_state_borders.py"


def _state_codes() -> set[str]:
    with STATES_CSV.open(encoding="utf-8") as f:
        return {row["iso_3166_2"] for row in csv.DictReader(f)}


def test_every_one_of_the_32_states_has_a_neighbour_and_nothing_else_appears():
    codes = _state_codes()
    assert len(codes) == 32
    assert {a for a, _ in border_rows()} == codes
    assert {b for _, b in border_rows()} == codes


def test_symmetric_without_self_loops_or_repeats():
    rows = set(border_rows())
    assert all((b, a) in rows for a, b in rows)
    assert all(a != b for a, b in rows)
    unordered = [frozenset(p) for p in BORDER_PAIRS]
    assert len(unordered) == len(set(unordered))
    assert len(rows) == 2 * len(BORDER_PAIRS)


def test_known_borders():
    assert neighbours("MX-CMX") == {"MX-MEX", "MX-MOR"}
    assert neighbours("MX-BCS") == {"MX-BCN"}
    assert neighbours("MX-YUC") == {"MX-CAM", "MX-ROO"}
    assert neighbours("MX-MEX") == {
        "MX-CMX", "MX-MOR", "MX-GRO", "MX-MIC", "MX-QUE", "MX-HID", "MX-TLA", "MX-PUE"
    }  # fmt: skip
    assert neighbours("MX-AGU") == {"MX-JAL", "MX-ZAC"}
    assert neighbours("MX-BCN") == {"MX-BCS", "MX-SON"}
    assert "MX-SLP" in neighbours("MX-JAL")
    assert "MX-NLE" in neighbours("MX-ZAC")
    assert "MX-DUR" not in neighbours("MX-JAL")
    assert "MX-OAX" not in neighbours("MX-TAB")


def test_the_migration_keeps_the_same_pairs():
    spec = importlib.util.spec_from_file_location("migration_0005", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert sorted(migration.BORDER_PAIRS) == sorted(BORDER_PAIRS)


async def test_the_table_holds_both_directions(session):
    rows = (await session.execute(select(StateBorder.state, StateBorder.neighbour))).all()
    assert sorted((r.state, r.neighbour) for r in rows) == border_rows()


async def test_the_service_role_may_only_read_it(session):
    privileges = (
        await session.scalars(
            text(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = 'vigia_app' AND table_name = 'state_borders'"
            )
        )
    ).all()
    assert privileges == ["SELECT"]
