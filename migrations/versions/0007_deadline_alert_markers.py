"""deadline alert markers: the threshold an occurrence's alerts are complete at, for a steady-state check
that reads only what may still need an alert

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Both empty: the first check after this migration compares every due occurrence with the alerts, as
    # before, and marks them.
    op.add_column("obligation_occurrences", sa.Column("alerted_threshold", sa.String(length=20), nullable=True))
    op.add_column("obligation_occurrences", sa.Column("alerted_for", sa.String(length=64), nullable=True))
    op.create_check_constraint(
        op.f("ck_obligation_occurrences_alerted_threshold"),
        "obligation_occurrences",
        "alerted_threshold IN ('due_soon', 'overdue')",
    )
    op.create_index(
        "ix_obligation_occurrences_unalerted_due",
        "obligation_occurrences",
        ["due_on"],
        unique=False,
        postgresql_where=sa.text(
            "status <> 'complied' AND (alerted_threshold IS NULL OR alerted_threshold = 'due_soon')"
        ),
    )
    op.create_index(
        "ix_obligation_occurrences_alerted_for",
        "obligation_occurrences",
        ["alerted_for"],
        unique=False,
        postgresql_where=sa.text("alerted_threshold IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_obligation_occurrences_alerted_for", table_name="obligation_occurrences")
    op.drop_index("ix_obligation_occurrences_unalerted_due", table_name="obligation_occurrences")
    op.drop_constraint(op.f("ck_obligation_occurrences_alerted_threshold"), "obligation_occurrences", type_="check")
    op.drop_column("obligation_occurrences", "alerted_for")
    op.drop_column("obligation_occurrences", "alerted_threshold")
