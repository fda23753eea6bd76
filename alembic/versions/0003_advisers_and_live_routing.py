"""Advisers, presence, offers, the call journal and routing rules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "adviser",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("presence", sa.String(length=10), nullable=False),
        sa.Column("presence_reason", sa.String(length=200), nullable=True),
        sa.Column("presence_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_call_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_offers_in_row", sa.Integer(), nullable=False),
        sa.Column("wrap_up_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "availability IN ('available', 'break', 'offline')",
            name=op.f("ck_adviser_availability"),
        ),
        sa.CheckConstraint(
            "presence IN ('available', 'break', 'offline', 'offered', 'on_call', 'wrap_up')",
            name=op.f("ck_adviser_presence"),
        ),
        sa.CheckConstraint("capacity BETWEEN 1 AND 5", name=op.f("ck_adviser_capacity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adviser")),
        sa.UniqueConstraint("email", name=op.f("uq_adviser_email")),
    )
    op.create_table(
        "routing_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("last_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_lock")),
    )
    op.create_table(
        "adviser_expertise",
        sa.Column("adviser_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_id"],
            ["adviser.id"],
            name=op.f("fk_adviser_expertise_adviser_id_adviser"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["issue_category.code"], name=op.f("fk_adviser_expertise_code_issue_category")
        ),
        sa.PrimaryKeyConstraint("adviser_id", "code", name=op.f("pk_adviser_expertise")),
    )
    op.create_table(
        "adviser_language",
        sa.Column("adviser_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.CheckConstraint("language IN ('da', 'en')", name=op.f("ck_adviser_language_language")),
        sa.ForeignKeyConstraint(
            ["adviser_id"],
            ["adviser.id"],
            name=op.f("fk_adviser_language_adviser_id_adviser"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("adviser_id", "language", name=op.f("pk_adviser_language")),
    )
    op.create_table(
        "adviser_line",
        sa.Column("adviser_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_id"],
            ["adviser.id"],
            name=op.f("fk_adviser_line_adviser_id_adviser"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["line"], ["line.code"], name=op.f("fk_adviser_line_line_line")),
        sa.PrimaryKeyConstraint("adviser_id", "line", name=op.f("pk_adviser_line")),
    )
    op.create_table(
        "overflow_rule",
        sa.Column("from_line", sa.String(length=40), nullable=False),
        sa.Column("to_line", sa.String(length=40), nullable=False),
        sa.Column("after_s", sa.Integer(), nullable=False),
        sa.CheckConstraint("after_s >= 0", name=op.f("ck_overflow_rule_after_s")),
        sa.CheckConstraint("from_line <> to_line", name=op.f("ck_overflow_rule_other_line")),
        sa.ForeignKeyConstraint(
            ["from_line"], ["line.code"], name=op.f("fk_overflow_rule_from_line_line")
        ),
        sa.ForeignKeyConstraint(
            ["to_line"], ["line.code"], name=op.f("fk_overflow_rule_to_line_line")
        ),
        sa.PrimaryKeyConstraint("from_line", "to_line", name=op.f("pk_overflow_rule")),
    )
    op.create_table(
        "presence_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("adviser_id", sa.Uuid(), nullable=False),
        sa.Column("presence", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["adviser.id"], name=op.f("fk_presence_event_adviser_id_adviser")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_event")),
    )
    with op.batch_alter_table("presence_event", schema=None) as batch_op:
        batch_op.create_index("ix_presence_event_adviser_id_at", ["adviser_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_presence_event_at"), ["at"], unique=False)

    op.create_table(
        "routing_rule",
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("strategy", sa.String(length=24), nullable=False),
        sa.CheckConstraint(
            "strategy IN ('longest_idle', 'fewest_calls_today', 'least_talk_time_today')",
            name=op.f("ck_routing_rule_strategy"),
        ),
        sa.ForeignKeyConstraint(["line"], ["line.code"], name=op.f("fk_routing_rule_line_line")),
        sa.PrimaryKeyConstraint("line", name=op.f("pk_routing_rule")),
    )
    op.create_table(
        "call_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adviser_id", sa.Uuid(), nullable=True),
        sa.Column("line", sa.String(length=40), nullable=True),
        sa.Column("target_line", sa.String(length=40), nullable=True),
        sa.Column("target_adviser_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["adviser.id"], name=op.f("fk_call_event_adviser_id_adviser")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_call_event_call_id_call"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_event")),
    )
    with op.batch_alter_table("call_event", schema=None) as batch_op:
        batch_op.create_index("ix_call_event_call_id_at", ["call_id", "at"], unique=False)
        batch_op.create_index("ix_call_event_type_at", ["type", "at"], unique=False)

    op.create_table(
        "call_offer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("adviser_id", sa.Uuid(), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'rejected', 'timed_out', 'cancelled')",
            name=op.f("ck_call_offer_state"),
        ),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["adviser.id"], name=op.f("fk_call_offer_adviser_id_adviser")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_call_offer_call_id_call"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_offer")),
    )
    with op.batch_alter_table("call_offer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_offer_adviser_id_state", ["adviser_id", "state"], unique=False
        )
        batch_op.create_index(
            "ix_call_offer_state_expires_at", ["state", "expires_at"], unique=False
        )
        batch_op.create_index("ix_call_offer_call_id", ["call_id"], unique=False)
        batch_op.create_index(
            "uq_call_offer_pending_call_id",
            ["call_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )

    # Until now adviser_id named no table; no adviser exists yet, so no stored id can be kept.
    op.execute("UPDATE call SET adviser_id = NULL WHERE adviser_id IS NOT NULL")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("callback_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("requeued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("origin_call_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("target_adviser_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("hold_started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hold_s", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            batch_op.f("ix_call_origin_call_id"), ["origin_call_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_call_adviser_id_adviser"), "adviser", ["adviser_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_call_origin_call_id_call"), "call", ["origin_call_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_call_target_adviser_id_adviser"),
            "adviser",
            ["target_adviser_id"],
            ["id"],
        )

    op.bulk_insert(
        sa.table("routing_lock", sa.column("id"), sa.column("taken")), [{"id": 1, "taken": 0}]
    )
    op.bulk_insert(
        sa.table("routing_rule", sa.column("line"), sa.column("strategy")),
        [
            {"line": "stress", "strategy": "longest_idle"},
            {"line": "managers", "strategy": "longest_idle"},
        ],
    )
    # A manager who has waited a minute may also be helped by a stress-line adviser.
    op.bulk_insert(
        sa.table(
            "overflow_rule", sa.column("from_line"), sa.column("to_line"), sa.column("after_s")
        ),
        [{"from_line": "managers", "to_line": "stress", "after_s": 60}],
    )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_call_target_adviser_id_adviser"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_call_origin_call_id_call"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_call_adviser_id_adviser"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_call_origin_call_id"))
        batch_op.drop_column("hold_s")
        batch_op.drop_column("hold_started_at")
        batch_op.drop_column("target_adviser_id")
        batch_op.drop_column("origin_call_id")
        batch_op.drop_column("requeued_at")
        batch_op.drop_column("callback_due_at")
        batch_op.drop_column("priority")

    with op.batch_alter_table("call_offer", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_call_offer_pending_call_id",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.drop_index("ix_call_offer_call_id")
        batch_op.drop_index("ix_call_offer_state_expires_at")
        batch_op.drop_index("ix_call_offer_adviser_id_state")

    op.drop_table("call_offer")
    with op.batch_alter_table("call_event", schema=None) as batch_op:
        batch_op.drop_index("ix_call_event_type_at")
        batch_op.drop_index("ix_call_event_call_id_at")

    op.drop_table("call_event")
    op.drop_table("routing_rule")
    with op.batch_alter_table("presence_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_event_at"))
        batch_op.drop_index("ix_presence_event_adviser_id_at")

    op.drop_table("presence_event")
    op.drop_table("overflow_rule")
    op.drop_table("adviser_line")
    op.drop_table("adviser_language")
    op.drop_table("adviser_expertise")
    op.drop_table("routing_lock")
    op.drop_table("adviser")
