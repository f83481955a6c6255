"""persons of interest: people named in cases and proceedings, and their posts at institutions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "vigia_app"

# Row-level security: a session that set `vigia.visible` (partners, the public) sees no row at all of these
# tables, whatever the level it was given: a person of interest is `restricted`, which no outside caller may
# ever see, and their links and posts reveal them.
STAFF_ONLY = "(coalesce(current_setting('vigia.visible', true), '') = '')"
TABLES = ("persons", "person_cases", "person_proceedings", "person_assignments")


def _record_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("aliases", postgresql.ARRAY(sa.String(length=300)), nullable=False),
        sa.Column(
            "legal_situation",
            _enum("legal_situation", "named", "accused", "bound_over", "convicted", "acquitted"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "visibility",
            _enum("visibility", "public", "partners", "internal", "restricted"),
            server_default="restricted",
            nullable=False,
        ),
        *_record_columns(),
        sa.CheckConstraint("visibility = 'restricted'", name=op.f("ck_persons_always_restricted")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_index("ix_persons_created_at_id", "persons", ["created_at", "id"], unique=False)

    op.create_table(
        "person_cases",
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_cases_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_person_cases_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "case_id", name=op.f("pk_person_cases")),
    )
    op.create_index("ix_person_cases_case_id", "person_cases", ["case_id"], unique=False)

    op.create_table(
        "person_proceedings",
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("proceeding_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_proceedings_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proceeding_id"],
            ["proceedings.id"],
            name=op.f("fk_person_proceedings_proceeding_id_proceedings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "proceeding_id", name=op.f("pk_person_proceedings")),
    )
    op.create_index("ix_person_proceedings_proceeding_id", "person_proceedings", ["proceeding_id"], unique=False)

    precision = ("day", "month", "year")
    op.create_table(
        "person_assignments",
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("role", _enum("staff_role", "teacher", "director", "maintenance", "other"), nullable=False),
        sa.Column("role_detail", sa.String(length=300), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("started_on_precision", _enum("started_on_precision", *precision), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_on_precision", _enum("ended_on_precision", *precision), nullable=True),
        sa.Column("appointed_how", sa.Text(), nullable=True),
        sa.Column("appointed_by_id", sa.UUID(), nullable=True),
        sa.Column("appointed_by_name", sa.String(length=300), nullable=True),
        *_record_columns(),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_assignments_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_person_assignments_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["appointed_by_id"],
            ["institutions.id"],
            name=op.f("fk_person_assignments_appointed_by_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_assignments")),
    )
    op.create_index("ix_person_assignments_person_id", "person_assignments", ["person_id"], unique=False)
    op.create_index("ix_person_assignments_institution_id", "person_assignments", ["institution_id"], unique=False)
    op.create_index("ix_person_assignments_appointed_by_id", "person_assignments", ["appointed_by_id"], unique=False)
    op.create_index(
        "ix_person_assignments_current",
        "person_assignments",
        ["institution_id"],
        unique=False,
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.create_index("ix_person_assignments_created_at_id", "person_assignments", ["created_at", "id"], unique=False)

    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY staff_only ON {table} TO {APP_ROLE} USING {STAFF_ONLY} WITH CHECK {STAFF_ONLY}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP POLICY staff_only ON {table}")
    op.drop_index("ix_person_assignments_created_at_id", table_name="person_assignments")
    op.drop_index(
        "ix_person_assignments_current", table_name="person_assignments", postgresql_where=sa.text("ended_on IS NULL")
    )
    op.drop_index("ix_person_assignments_appointed_by_id", table_name="person_assignments")
    op.drop_index("ix_person_assignments_institution_id", table_name="person_assignments")
    op.drop_index("ix_person_assignments_person_id", table_name="person_assignments")
    op.drop_table("person_assignments")
    op.drop_index("ix_person_proceedings_proceeding_id", table_name="person_proceedings")
    op.drop_table("person_proceedings")
    op.drop_index("ix_person_cases_case_id", table_name="person_cases")
    op.drop_table("person_cases")
    op.drop_index("ix_persons_created_at_id", table_name="persons")
    op.drop_table("persons")
