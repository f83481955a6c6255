"""proceedings, court orders, obligations, deadlines and notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:13:04.347242
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APP_ROLE = "vigia_app"
VISIBLE = (
    "(coalesce(current_setting('vigia.visible', true), '') = '' "
    "OR visibility = ANY (string_to_array(current_setting('vigia.visible', true), ',')))"
)
# Row-level security as in 0002: children are visible when their parent is.
RLS_POLICIES = {
    "proceedings": VISIBLE,
    "court_orders": VISIBLE,
    "investigative_measures": "EXISTS (SELECT 1 FROM proceedings p WHERE p.id = proceeding_id)",
    "proceeding_cases": (
        "EXISTS (SELECT 1 FROM proceedings p WHERE p.id = proceeding_id) "
        "AND EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id)"
    ),
    "obligations": "EXISTS (SELECT 1 FROM court_orders o WHERE o.id = court_order_id)",
    # Not obligation_occurrences: a policy there costs a heap visit per row on the deadline scans over
    # millions of rows, and a period alone (a date and a status) says nothing without its obligation.
    "status_changes": "EXISTS (SELECT 1 FROM obligations o WHERE o.id = obligation_id)",
    "status_change_evidence": "EXISTS (SELECT 1 FROM status_changes s WHERE s.id = status_change_id)",
}


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("partner_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_webhook_subscriptions_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(op.f("ix_webhook_subscriptions_partner_id"), "webhook_subscriptions", ["partner_id"], unique=False)
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("api_key_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_feed_tokens_api_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    op.create_table(
        "proceedings",
        sa.Column(
            "kind",
            sa.Enum(
                "criminal_investigation",
                "criminal_trial",
                "appeal",
                "amparo",
                "human_rights_complaint",
                "administrative",
                name="proceeding_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("authority_id", sa.UUID(), nullable=True),
        sa.Column("file_number", sa.String(length=120), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column(
            "opened_on_precision",
            sa.Enum(
                "day", "month", "year", name="date_precision", native_enum=False, create_constraint=True, length=40
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "suspended",
                "concluded",
                "unknown",
                name="proceeding_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["authority_id"],
            ["institutions.id"],
            name=op.f("fk_proceedings_authority_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proceedings")),
    )
    op.create_index(op.f("ix_proceedings_authority_id"), "proceedings", ["authority_id"], unique=False)
    op.create_index("ix_proceedings_created_at_id", "proceedings", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_proceedings_file_number"), "proceedings", ["file_number"], unique=False)
    op.create_table(
        "court_orders",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("court_id", sa.UUID(), nullable=True),
        sa.Column("proceeding_id", sa.UUID(), nullable=True),
        sa.Column("file_number", sa.String(length=120), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column(
            "issued_on_precision",
            sa.Enum(
                "day", "month", "year", name="issued_on_precision", native_enum=False, create_constraint=True, length=40
            ),
            nullable=True,
        ),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column(
            "notified_on_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="notified_on_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("confirmed_on_appeal_on", sa.Date(), nullable=True),
        sa.Column(
            "confirmed_on_appeal_on_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="confirmed_on_appeal_on_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["court_id"], ["institutions.id"], name=op.f("fk_court_orders_court_id_institutions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["proceeding_id"],
            ["proceedings.id"],
            name=op.f("fk_court_orders_proceeding_id_proceedings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_court_orders")),
    )
    op.create_index(op.f("ix_court_orders_court_id"), "court_orders", ["court_id"], unique=False)
    op.create_index("ix_court_orders_created_at_id", "court_orders", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_court_orders_proceeding_id"), "court_orders", ["proceeding_id"], unique=False)
    op.create_table(
        "investigative_measures",
        sa.Column("proceeding_id", sa.UUID(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column(
            "requested_on_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="requested_on_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "performed",
                "performed_without_result",
                "refused",
                "no_response",
                name="measure_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column(
            "responded_on_precision",
            sa.Enum(
                "day",
                "month",
                "year",
                name="responded_on_precision",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proceeding_id"],
            ["proceedings.id"],
            name=op.f("fk_investigative_measures_proceeding_id_proceedings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigative_measures")),
    )
    op.create_index(
        "ix_investigative_measures_created_at_id", "investigative_measures", ["created_at", "id"], unique=False
    )
    op.create_index(
        op.f("ix_investigative_measures_proceeding_id"), "investigative_measures", ["proceeding_id"], unique=False
    )
    op.create_table(
        "proceeding_cases",
        sa.Column("proceeding_id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_proceeding_cases_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proceeding_id"],
            ["proceedings.id"],
            name=op.f("fk_proceeding_cases_proceeding_id_proceedings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proceeding_id", "case_id", name=op.f("pk_proceeding_cases")),
    )
    op.create_index("ix_proceeding_cases_case_id", "proceeding_cases", ["case_id"], unique=False)
    op.create_table(
        "obligations",
        sa.Column("court_order_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("obligated_id", sa.UUID(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "one_off",
                "recurring",
                "continuous",
                name="obligation_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="one_off",
            nullable=False,
        ),
        sa.Column("schedule", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("deadline_note", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "partial",
                "complied",
                "disputed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("complied_on", sa.Date(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_order_id"],
            ["court_orders.id"],
            name=op.f("fk_obligations_court_order_id_court_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["obligated_id"],
            ["institutions.id"],
            name=op.f("fk_obligations_obligated_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
        sa.UniqueConstraint("court_order_id", "number", name="uq_obligations_order_number"),
    )
    op.create_index(op.f("ix_obligations_court_order_id"), "obligations", ["court_order_id"], unique=False)
    op.create_index("ix_obligations_created_at_id", "obligations", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_obligations_obligated_id"), "obligations", ["obligated_id"], unique=False)
    op.create_table(
        "obligation_occurrences",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("obligation_id", sa.UUID(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "partial",
                "complied",
                "disputed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("complied_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_obligation_occurrences_obligation_id_obligations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligation_occurrences")),
        sa.UniqueConstraint("obligation_id", "sequence", name="uq_obligation_occurrences_sequence"),
    )
    op.create_index(
        "ix_obligation_occurrences_open_due",
        "obligation_occurrences",
        ["due_on"],
        unique=False,
        postgresql_where=sa.text("status <> 'complied'"),
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("obligation_id", sa.UUID(), nullable=False),
        sa.Column("occurrence_sequence", sa.Integer(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "pending",
                "partial",
                "complied",
                "disputed",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "pending",
                "partial",
                "complied",
                "disputed",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("from_status IS DISTINCT FROM to_status", name=op.f("ck_status_changes_changes_something")),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_status_changes_obligation_id_obligations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index("ix_status_changes_obligation", "status_changes", ["obligation_id", "recorded_at"], unique=False)
    op.create_table(
        "deadline_alerts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("occurrence_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "threshold",
            sa.Enum(
                "due_soon", "overdue", name="alert_threshold", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["obligation_occurrences.id"],
            name=op.f("fk_deadline_alerts_occurrence_id_obligation_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_alerts")),
        sa.UniqueConstraint("occurrence_id", "threshold", "recipient", name="uq_deadline_alerts_once"),
    )
    op.create_table(
        "status_change_evidence",
        sa.Column("status_change_id", sa.UUID(), nullable=False),
        sa.Column("evidence_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_status_change_evidence_evidence_id_evidence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["status_change_id"],
            ["status_changes.id"],
            name=op.f("fk_status_change_evidence_status_change_id_status_changes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("status_change_id", "evidence_id", name=op.f("pk_status_change_evidence")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "webhook", "email", name="notification_channel", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("alert_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["deadline_alerts.id"],
            name=op.f("fk_notifications_alert_id_deadline_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    # The status history is append-only for the service.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON status_changes, status_change_evidence FROM {APP_ROLE}")
    for table, condition in RLS_POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY visible_rows ON {table} TO {APP_ROLE} USING ({condition}) WITH CHECK ({condition})")


def downgrade() -> None:
    for table in RLS_POLICIES:
        op.execute(f"DROP POLICY visible_rows ON {table}")
    op.drop_index("ix_notifications_due", table_name="notifications", postgresql_where=sa.text("status = 'pending'"))
    op.drop_table("notifications")
    op.drop_table("status_change_evidence")
    op.drop_table("deadline_alerts")
    op.drop_index("ix_status_changes_obligation", table_name="status_changes")
    op.drop_table("status_changes")
    op.drop_index(
        "ix_obligation_occurrences_open_due",
        table_name="obligation_occurrences",
        postgresql_where=sa.text("status <> 'complied'"),
    )
    op.drop_table("obligation_occurrences")
    op.drop_index(op.f("ix_obligations_obligated_id"), table_name="obligations")
    op.drop_index("ix_obligations_created_at_id", table_name="obligations")
    op.drop_index(op.f("ix_obligations_court_order_id"), table_name="obligations")
    op.drop_table("obligations")
    op.drop_index("ix_proceeding_cases_case_id", table_name="proceeding_cases")
    op.drop_table("proceeding_cases")
    op.drop_index(op.f("ix_investigative_measures_proceeding_id"), table_name="investigative_measures")
    op.drop_index("ix_investigative_measures_created_at_id", table_name="investigative_measures")
    op.drop_table("investigative_measures")
    op.drop_index(op.f("ix_court_orders_proceeding_id"), table_name="court_orders")
    op.drop_index("ix_court_orders_created_at_id", table_name="court_orders")
    op.drop_index(op.f("ix_court_orders_court_id"), table_name="court_orders")
    op.drop_table("court_orders")
    op.drop_index(op.f("ix_proceedings_file_number"), table_name="proceedings")
    op.drop_index("ix_proceedings_created_at_id", table_name="proceedings")
    op.drop_index(op.f("ix_proceedings_authority_id"), table_name="proceedings")
    op.drop_table("proceedings")
    op.drop_table("feed_tokens")
    op.drop_index(op.f("ix_webhook_subscriptions_partner_id"), table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
