"""The desk's push: `desk_event`, the journal of what each adviser's desk is told, and
`case_task.due_announced_at`, when a task's assignee was told it fell due.

`GET /desk/events` streams it; a desk that reconnects with `Last-Event-ID` reads what it
missed from it. On SQLite the id is an INTEGER PRIMARY KEY with AUTOINCREMENT, so no id is
handed out twice even after the newest rows are pruned; on PostgreSQL a BIGINT identity.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("adviser_id", sa.Uuid(), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_desk_event_adviser_id_id", "desk_event", ["adviser_id", "id"])
    op.create_index("ix_desk_event_at", "desk_event", ["at"])
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("due_announced_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.drop_column("due_announced_at")
    op.drop_index("ix_desk_event_at", table_name="desk_event")
    op.drop_index("ix_desk_event_adviser_id_id", table_name="desk_event")
    op.drop_table("desk_event")
