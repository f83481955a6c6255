"""state borders: which of Mexico's states share a land border (for similar cases)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "vigia_app"

# A frozen copy of api/states/borders.py's BORDER_PAIRS as of this revision: a migration must insert the
# same rows whatever the module later becomes. tests/states/test_borders.py checks that they agree.
BORDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("MX-AGU", "MX-JAL"),
    ("MX-AGU", "MX-ZAC"),
    ("MX-BCN", "MX-BCS"),
    ("MX-BCN", "MX-SON"),
    ("MX-CAM", "MX-ROO"),
    ("MX-CAM", "MX-TAB"),
    ("MX-CAM", "MX-YUC"),
    ("MX-CHH", "MX-COA"),
    ("MX-CHH", "MX-DUR"),
    ("MX-CHH", "MX-SIN"),
    ("MX-CHH", "MX-SON"),
    ("MX-CHP", "MX-OAX"),
    ("MX-CHP", "MX-TAB"),
    ("MX-CHP", "MX-VER"),
    ("MX-CMX", "MX-MEX"),
    ("MX-CMX", "MX-MOR"),
    ("MX-COA", "MX-DUR"),
    ("MX-COA", "MX-NLE"),
    ("MX-COA", "MX-SLP"),
    ("MX-COA", "MX-ZAC"),
    ("MX-COL", "MX-JAL"),
    ("MX-COL", "MX-MIC"),
    ("MX-DUR", "MX-NAY"),
    ("MX-DUR", "MX-SIN"),
    ("MX-DUR", "MX-ZAC"),
    ("MX-GRO", "MX-MEX"),
    ("MX-GRO", "MX-MIC"),
    ("MX-GRO", "MX-MOR"),
    ("MX-GRO", "MX-OAX"),
    ("MX-GRO", "MX-PUE"),
    ("MX-GUA", "MX-JAL"),
    ("MX-GUA", "MX-MIC"),
    ("MX-GUA", "MX-QUE"),
    ("MX-GUA", "MX-SLP"),
    ("MX-GUA", "MX-ZAC"),
    ("MX-HID", "MX-MEX"),
    ("MX-HID", "MX-PUE"),
    ("MX-HID", "MX-QUE"),
    ("MX-HID", "MX-SLP"),
    ("MX-HID", "MX-TLA"),
    ("MX-HID", "MX-VER"),
    ("MX-JAL", "MX-MIC"),
    ("MX-JAL", "MX-NAY"),
    ("MX-JAL", "MX-SLP"),
    ("MX-JAL", "MX-ZAC"),
    ("MX-MEX", "MX-MIC"),
    ("MX-MEX", "MX-MOR"),
    ("MX-MEX", "MX-PUE"),
    ("MX-MEX", "MX-QUE"),
    ("MX-MEX", "MX-TLA"),
    ("MX-MIC", "MX-QUE"),
    ("MX-MOR", "MX-PUE"),
    ("MX-NAY", "MX-SIN"),
    ("MX-NAY", "MX-ZAC"),
    ("MX-NLE", "MX-SLP"),
    ("MX-NLE", "MX-TAM"),
    ("MX-NLE", "MX-ZAC"),
    ("MX-OAX", "MX-PUE"),
    ("MX-OAX", "MX-VER"),
    ("MX-PUE", "MX-TLA"),
    ("MX-PUE", "MX-VER"),
    ("MX-QUE", "MX-SLP"),
    ("MX-ROO", "MX-YUC"),
    ("MX-SIN", "MX-SON"),
    ("MX-SLP", "MX-TAM"),
    ("MX-SLP", "MX-VER"),
    ("MX-SLP", "MX-ZAC"),
    ("MX-TAB", "MX-VER"),
    ("MX-TAM", "MX-VER"),
)


def upgrade() -> None:
    op.create_table(
        "state_borders",
        sa.Column("state", sa.String(length=6), nullable=False),
        sa.Column("neighbour", sa.String(length=6), nullable=False),
        sa.CheckConstraint("state <> neighbour", name=op.f("ck_state_borders_not_own_neighbour")),
        sa.ForeignKeyConstraint(
            ["state"], ["states.code"], name=op.f("fk_state_borders_state_states"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["neighbour"], ["states.code"], name=op.f("fk_state_borders_neighbour_states"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("state", "neighbour", name=op.f("pk_state_borders")),
    )
    table = sa.table("state_borders", sa.column("state", sa.String), sa.column("neighbour", sa.String))
    rows = sorted({(a, b) for a, b in BORDER_PAIRS} | {(b, a) for a, b in BORDER_PAIRS})
    op.bulk_insert(table, [{"state": a, "neighbour": b} for a, b in rows])
    # Reference data: the service reads it and nothing else (the default privileges of 0002 grant more).
    op.execute(f"REVOKE ALL ON state_borders FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON state_borders TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("state_borders")
