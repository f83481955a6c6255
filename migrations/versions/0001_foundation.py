"""foundation: states, institutions, cases, users

Revision ID: 0001
Revises:
Create Date: 2026-11-28 10:47:49.970371
"""

import csv
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATES_CSV = Path(__file__).resolve().parents[2] / "api" / "states" / "data" / "mexico_states.csv"


def _states() -> list[dict[str, object]]:
    with STATES_CSV.open(encoding="utf-8") as f:
        return [
            {
                "code": row["iso_3166_2"],
                "inegi_code": row["inegi_code"],
                "name": row["name"],
                "short_names": [n for n in row["short_names"].split(";") if n],
            }
            for row in csv.DictReader(f)
        ]


def upgrade() -> None:
    # Spanish full-text search that ignores accents: "jardin de ninos" finds "Jardín de Niños".
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION public.vigia_es (COPY = pg_catalog.spanish)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION public.vigia_es "
        "ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.spanish_stem"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False)
    op.create_table(
        "states",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("inegi_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("short_names", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_states")),
        sa.UniqueConstraint("inegi_code", name=op.f("uq_states_inegi_code")),
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column(
            "role",
            sa.Enum("admin", "editor", "viewer", name="role", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_access_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_access_tokens_token_hash")),
    )
    op.create_index(op.f("ix_access_tokens_user_id"), "access_tokens", ["user_id"], unique=False)
    op.create_table(
        "institutions",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "school",
                "education_authority",
                "prosecutor",
                "court",
                "human_rights_commission",
                "government",
                "police",
                "ngo",
                "other",
                name="institution_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=6), nullable=True),
        sa.Column("municipality", sa.String(length=120), nullable=True),
        sa.Column(
            "sector",
            sa.Enum("public", "private", name="sector", native_enum=False, create_constraint=True, length=40),
            nullable=True,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "preschool",
                "primary",
                "secondary",
                "other",
                name="school_level",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("work_center_key", sa.String(length=20), nullable=True),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('public.vigia_es'::regconfig, name)", persisted=True),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "public",
                "partners",
                "internal",
                "restricted",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="internal",
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind = 'school' OR (sector IS NULL AND level IS NULL)",
            name=op.f("ck_institutions_school_fields"),
        ),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name=op.f("ck_institutions_not_own_parent")),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["institutions.id"],
            name=op.f("fk_institutions_parent_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["state"], ["states.code"], name=op.f("fk_institutions_state_states")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
        sa.UniqueConstraint("work_center_key", name=op.f("uq_institutions_work_center_key")),
    )
    op.create_index("ix_institutions_created_at_id", "institutions", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_institutions_parent_id"), "institutions", ["parent_id"], unique=False)
    op.create_index("ix_institutions_search", "institutions", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_institutions_state"), "institutions", ["state"], unique=False)
    op.create_table(
        "cases",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=True),
        sa.Column("state", sa.String(length=6), nullable=False),
        sa.Column("year_start", sa.Integer(), nullable=False),
        sa.Column("year_end", sa.Integer(), nullable=True),
        sa.Column("report_number", sa.Integer(), nullable=True),
        sa.Column("report_wave", sa.Integer(), nullable=True),
        sa.Column(
            "legal_status",
            sa.Enum(
                "documented",
                "complaint_filed",
                "under_investigation",
                "in_trial",
                "sentenced",
                "closed",
                name="legal_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("victims_count", sa.Integer(), nullable=True),
        sa.Column("aggressors_count", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("patterns", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('public.vigia_es'::regconfig, coalesce(title, '') || ' ' || coalesce(summary, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "public",
                "partners",
                "internal",
                "restricted",
                name="visibility",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="internal",
            nullable=False,
        ),
        sa.CheckConstraint(
            "patterns <@ ARRAY['multiple_aggressors', 'group_victimization', 'children_forced_to_harm_each_other', 'cameras_or_recording', 'costumes', 'sedation', 'other_children_asleep', 'on_campus_residence', 'covered_windows', 'staff_from_management_to_maintenance', 'assault_in_bathrooms', 'assault_in_office']::varchar[]",
            name=op.f("ck_cases_patterns_vocabulary"),
        ),
        sa.CheckConstraint(
            "aggressors_count IS NULL OR aggressors_count >= 0", name=op.f("ck_cases_aggressors_nonnegative")
        ),
        sa.CheckConstraint("victims_count IS NULL OR victims_count >= 0", name=op.f("ck_cases_victims_nonnegative")),
        sa.CheckConstraint("year_end IS NULL OR year_end >= year_start", name=op.f("ck_cases_period_order")),
        sa.CheckConstraint("year_start BETWEEN 1900 AND 2100", name=op.f("ck_cases_year_start_range")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_cases_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(["state"], ["states.code"], name=op.f("fk_cases_state_states")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("report_number", name="uq_cases_report_number"),
    )
    op.create_index("ix_cases_created_at_id", "cases", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_cases_institution_id"), "cases", ["institution_id"], unique=False)
    op.create_index("ix_cases_patterns", "cases", ["patterns"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_cases_report_wave"), "cases", ["report_wave"], unique=False)
    op.create_index("ix_cases_search", "cases", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_cases_state"), "cases", ["state"], unique=False)
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"], unique=False)
    op.create_table(
        "institution_former_names",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("institution_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column(
            "until_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="date_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_institution_former_names_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_former_names")),
    )
    op.create_index(
        op.f("ix_institution_former_names_institution_id"),
        "institution_former_names",
        ["institution_id"],
        unique=False,
    )
    op.create_table(
        "case_links",
        sa.Column("case_a_id", sa.UUID(), nullable=False),
        sa.Column("case_b_id", sa.UUID(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "shared_pattern",
                "shared_person",
                "shared_institution",
                "same_authority",
                "other",
                name="link_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("case_a_id < case_b_id", name=op.f("ck_case_links_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["case_a_id"], ["cases.id"], name=op.f("fk_case_links_case_a_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_b_id"], ["cases.id"], name=op.f("fk_case_links_case_b_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_a_id", "case_b_id", "reason", name="uq_case_links_pair_reason"),
    )
    op.create_index(op.f("ix_case_links_case_a_id"), "case_links", ["case_a_id"], unique=False)
    op.create_index(op.f("ix_case_links_case_b_id"), "case_links", ["case_b_id"], unique=False)
    op.create_table(
        "case_sources",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "court_file",
                "human_rights_recommendation",
                "media_report",
                "family_testimony",
                "ngo_report",
                "other",
                name="source_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column(
            "date_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="date_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_sources_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_sources")),
    )
    op.create_index(op.f("ix_case_sources_case_id"), "case_sources", ["case_id"], unique=False)
    states = sa.table(
        "states",
        sa.column("code", sa.String),
        sa.column("inegi_code", sa.String),
        sa.column("name", sa.String),
        sa.column("short_names", postgresql.ARRAY(sa.String)),
    )
    op.bulk_insert(states, _states())


def downgrade() -> None:
    op.drop_index(op.f("ix_case_sources_case_id"), table_name="case_sources")
    op.drop_table("case_sources")
    op.drop_index(op.f("ix_case_links_case_b_id"), table_name="case_links")
    op.drop_index(op.f("ix_case_links_case_a_id"), table_name="case_links")
    op.drop_table("case_links")
    op.drop_index(op.f("ix_institution_former_names_institution_id"), table_name="institution_former_names")
    op.drop_table("institution_former_names")
    op.drop_index("ix_cases_updated_at", table_name="cases")
    op.drop_index(op.f("ix_cases_state"), table_name="cases")
    op.drop_index("ix_cases_search", table_name="cases", postgresql_using="gin")
    op.drop_index(op.f("ix_cases_report_wave"), table_name="cases")
    op.drop_index("ix_cases_patterns", table_name="cases", postgresql_using="gin")
    op.drop_index(op.f("ix_cases_institution_id"), table_name="cases")
    op.drop_index("ix_cases_created_at_id", table_name="cases")
    op.drop_table("cases")
    op.drop_index(op.f("ix_institutions_state"), table_name="institutions")
    op.drop_index("ix_institutions_search", table_name="institutions", postgresql_using="gin")
    op.drop_index(op.f("ix_institutions_parent_id"), table_name="institutions")
    op.drop_index("ix_institutions_created_at_id", table_name="institutions")
    op.drop_table("institutions")
    op.drop_index(op.f("ix_access_tokens_user_id"), table_name="access_tokens")
    op.drop_table("access_tokens")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.drop_table("states")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.execute("DROP TEXT SEARCH CONFIGURATION public.vigia_es")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
