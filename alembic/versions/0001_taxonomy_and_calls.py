"""Code lists and call records.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advice_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_advice_type")),
    )
    op.create_table(
        "caller_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_caller_type")),
    )
    op.create_table(
        "issue_category",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_issue_category")),
    )
    op.create_table(
        "line",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_line")),
    )
    op.create_table(
        "sector",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("nace_section", sa.String(length=1), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sector")),
    )
    op.create_table(
        "call",
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("adviser_id", sa.Uuid(), nullable=True),
        sa.Column("caller_type", sa.String(length=40), nullable=True),
        sa.Column("sector", sa.String(length=40), nullable=True),
        sa.Column("industry_code", sa.String(length=6), nullable=True),
        sa.Column("workplace_size", sa.String(length=8), nullable=True),
        sa.Column("stress_reported", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("callback_phone", sa.String(length=11), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f("ck_call_direction")),
        sa.CheckConstraint("language IN ('da', 'en')", name=op.f("ck_call_language")),
        sa.CheckConstraint(
            "status IN ('queued', 'assigned', 'in_progress', 'wrap_up', 'closed', 'abandoned')",
            name=op.f("ck_call_status"),
        ),
        sa.CheckConstraint(
            "workplace_size IN ('1-9', '10-49', '50-249', '250+')",
            name=op.f("ck_call_workplace_size"),
        ),
        sa.CheckConstraint(
            "answered_at IS NULL OR answered_at >= received_at",
            name=op.f("ck_call_answered_after_received"),
        ),
        sa.CheckConstraint(
            "callback_phone IS NULL OR callback_requested",
            name=op.f("ck_call_phone_only_for_callback"),
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= COALESCE(answered_at, received_at)",
            name=op.f("ck_call_ended_after_answered"),
        ),
        sa.ForeignKeyConstraint(
            ["caller_type"], ["caller_type.code"], name=op.f("fk_call_caller_type_caller_type")
        ),
        sa.ForeignKeyConstraint(["line"], ["line.code"], name=op.f("fk_call_line_line")),
        sa.ForeignKeyConstraint(["sector"], ["sector.code"], name=op.f("fk_call_sector_sector")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call")),
    )
    op.create_index(op.f("ix_call_adviser_id"), "call", ["adviser_id"], unique=False)
    op.create_index("ix_call_line_received_at", "call", ["line", "received_at"], unique=False)
    op.create_index("ix_call_received_at_id", "call", ["received_at", "id"], unique=False)
    op.create_index("ix_call_status_received_at", "call", ["status", "received_at"], unique=False)

    op.create_table(
        "call_advice",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_call_advice_call_id_call"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["advice_type.code"], name=op.f("fk_call_advice_code_advice_type")
        ),
        sa.PrimaryKeyConstraint("call_id", "code", name=op.f("pk_call_advice")),
    )
    op.create_index(op.f("ix_call_advice_code"), "call_advice", ["code"], unique=False)

    op.create_table(
        "call_issue_category",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
            name=op.f("fk_call_issue_category_call_id_call"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code"],
            ["issue_category.code"],
            name=op.f("fk_call_issue_category_code_issue_category"),
        ),
        sa.PrimaryKeyConstraint("call_id", "code", name=op.f("pk_call_issue_category")),
    )
    op.create_index(
        op.f("ix_call_issue_category_code"), "call_issue_category", ["code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_call_issue_category_code"), table_name="call_issue_category")

    op.drop_table("call_issue_category")
    op.drop_index(op.f("ix_call_advice_code"), table_name="call_advice")

    op.drop_table("call_advice")
    op.drop_index("ix_call_status_received_at", table_name="call")
    op.drop_index("ix_call_received_at_id", table_name="call")
    op.drop_index("ix_call_line_received_at", table_name="call")
    op.drop_index(op.f("ix_call_adviser_id"), table_name="call")

    op.drop_table("call")
    op.drop_table("sector")
    op.drop_table("line")
    op.drop_table("issue_category")
    op.drop_table("caller_type")
    op.drop_table("advice_type")
