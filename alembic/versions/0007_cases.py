"""Cases: a caller's situation across calls, with follow-up tasks, notes, referrals to the
inspection and a timeline; each call may belong to one case (`call.case_id`).

Seeds the two code lists cases use: how a case ended (`case_outcome`) and what a follow-up
task is (`task_kind`). The numbers of the human references (`2026-00042`) are counted per
year in `case_counter`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_OUTCOMES = [
    ("resolved_by_advice", "Løst med rådgivning", "Resolved by advice"),
    ("referred_to_inspection", "Henvist til tilsynet", "Referred to the inspection"),
    ("referred_elsewhere", "Henvist andetsteds", "Referred elsewhere"),
    ("no_further_contact", "Ingen yderligere kontakt", "No further contact"),
    ("duplicate", "Dublet", "Duplicate"),
]
TASK_KINDS = [
    ("callback", "Ring tilbage", "Call back"),
    ("send_material", "Send materiale", "Send material"),
    ("check_with_inspection", "Afklar med tilsynet", "Check with the inspection"),
    ("other", "Andet", "Other"),
]


def _code_rows(table: sa.Table, entries: list[tuple[str, str, str]]) -> None:
    rows = [
        {"code": code, "label_da": da, "label_en": en, "active": True, "sort_order": i * 10}
        for i, (code, da, en) in enumerate(entries, start=1)
    ]
    op.bulk_insert(table, rows)


def upgrade() -> None:
    op.create_table(
        "case_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_counter")),
    )
    case_outcome = op.create_table(
        "case_outcome",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_outcome")),
    )
    task_kind = op.create_table(
        "task_kind",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_da", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_task_kind")),
    )
    _code_rows(case_outcome, CASE_OUTCOMES)
    _code_rows(task_kind, TASK_KINDS)
    op.create_table(
        "case_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_by", sa.String(length=200), nullable=True),
        sa.Column("previous_status", sa.String(length=8), nullable=True),
        sa.Column("waiting_for", sa.String(length=12), nullable=True),
        sa.Column("owner_adviser_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_flag", sa.String(length=24), nullable=True),
        sa.Column("follow_up_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("workplace_cvr", sa.String(length=8), nullable=True),
        sa.Column("workplace_p_number", sa.String(length=10), nullable=True),
        sa.Column("workplace_name", sa.String(length=200), nullable=True),
        sa.Column("workplace_address", sa.String(length=200), nullable=True),
        sa.Column("workplace_sector", sa.String(length=40), nullable=True),
        sa.Column("workplace_industry_code", sa.String(length=6), nullable=True),
        sa.Column("workplace_size", sa.String(length=8), nullable=True),
        sa.Column("text_erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "previous_status IS NULL OR previous_status IN ('open', 'waiting', 'closed', 'merged')",
            name=op.f("ck_case_file_previous_status"),
        ),
        sa.CheckConstraint(
            "status <> 'closed' OR outcome IS NOT NULL", name=op.f("ck_case_file_closed_outcome")
        ),
        sa.CheckConstraint(
            "status <> 'merged' OR merged_into_id IS NOT NULL",
            name=op.f("ck_case_file_merged_into_survivor"),
        ),
        sa.CheckConstraint(
            "status <> 'waiting' OR waiting_for IS NOT NULL", name=op.f("ck_case_file_waiting_on")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'waiting', 'closed', 'merged')", name=op.f("ck_case_file_status")
        ),
        sa.CheckConstraint(
            "waiting_for IS NULL OR waiting_for IN ('caller', 'third_party')",
            name=op.f("ck_case_file_waiting_for"),
        ),
        sa.ForeignKeyConstraint(["line"], ["line.code"], name=op.f("fk_case_file_line_line")),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["case_file.id"], name=op.f("fk_case_file_merged_into_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["outcome"], ["case_outcome.code"], name=op.f("fk_case_file_outcome_case_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["owner_adviser_id"], ["adviser.id"], name=op.f("fk_case_file_owner_adviser_id_adviser")
        ),
        sa.ForeignKeyConstraint(
            ["workplace_sector"], ["sector.code"], name=op.f("fk_case_file_workplace_sector_sector")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_file_reference")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index("ix_case_file_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_file_owner_adviser_id"), ["owner_adviser_id"], unique=False
        )
        batch_op.create_index(
            "ix_case_file_status_follow_up_due_at", ["status", "follow_up_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_file_workplace_cvr"), ["workplace_cvr"], unique=False
        )

    op.create_table(
        "case_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("author_adviser_id", sa.Uuid(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_adviser_id"],
            ["adviser.id"],
            name=op.f("fk_case_note_author_adviser_id_adviser"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_note_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("to", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("workplace_cvr", sa.String(length=8), nullable=True),
        sa.Column("workplace_name", sa.String(length=200), nullable=True),
        sa.Column("workplace_address", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('sent', 'acknowledged', 'accepted', 'declined')",
            name=op.f("ck_case_referral_status"),
        ),
        sa.CheckConstraint(
            "workplace_cvr IS NOT NULL OR (workplace_name IS NOT NULL "
            "AND workplace_address IS NOT NULL)",
            name=op.f("ck_case_referral_workplace_named"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_referral_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_referral")),
    )
    with op.batch_alter_table("case_referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_referral_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee_adviser_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("callback_phone", sa.String(length=11), nullable=True),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "callback_phone IS NULL OR kind = 'callback'",
            name=op.f("ck_case_task_phone_only_for_callback"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'done', 'cancelled')", name=op.f("ck_case_task_state")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_adviser_id"],
            ["adviser.id"],
            name=op.f("fk_case_task_assignee_adviser_id_adviser"),
        ),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], name=op.f("fk_case_task_call_id_call")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_task_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["kind"], ["task_kind.code"], name=op.f("fk_case_task_kind_task_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_task")),
    )
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_task_assignee_state_due_at",
            ["assignee_adviser_id", "state", "due_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_case_task_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_task_state_due_at", ["state", "due_at"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("call_id", sa.Uuid(), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("other_case_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], name=op.f("fk_case_event_call_id_call")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_event_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["other_case_id"], ["case_file.id"], name=op.f("fk_case_event_other_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["case_referral.id"],
            name=op.f("fk_case_event_referral_id_case_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["case_task.id"], name=op.f("fk_case_event_task_id_case_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("ix_case_event_case_id_at", ["case_id", "at"], unique=False)

    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_call_case_id"), ["case_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_call_case_id_case_file"), "case_file", ["case_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_call_case_id_case_file"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_call_case_id"))
        batch_op.drop_column("case_id")

    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_case_id_at")

    op.drop_table("case_event")
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.drop_index("ix_case_task_state_due_at")
        batch_op.drop_index(batch_op.f("ix_case_task_case_id"))
        batch_op.drop_index("ix_case_task_assignee_state_due_at")

    op.drop_table("case_task")
    with op.batch_alter_table("case_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_referral_case_id"))

    op.drop_table("case_referral")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))

    op.drop_table("case_note")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_workplace_cvr"))
        batch_op.drop_index("ix_case_file_status_follow_up_due_at")
        batch_op.drop_index(batch_op.f("ix_case_file_owner_adviser_id"))
        batch_op.drop_index("ix_case_file_created_at_id")

    op.drop_table("case_file")
    op.drop_table("task_kind")
    op.drop_table("case_outcome")
    op.drop_table("case_counter")
