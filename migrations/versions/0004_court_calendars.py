"""court calendars: closed days beyond the federal holidays

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:49:49.003637
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_closures",
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_calendar_closures_period_order")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_calendar_closures_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_closures")),
    )
    op.create_index("ix_calendar_closures_created_at_id", "calendar_closures", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_calendar_closures_institution_period", "calendar_closures", ["institution_id", "starts_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_calendar_closures_institution_period", table_name="calendar_closures")
    op.drop_index("ix_calendar_closures_created_at_id", table_name="calendar_closures")
    op.drop_table("calendar_closures")
