"""Indexes for the weekly report's case figures: the week's status changes of the cases
(`case_event (type, at)`), and the cases changed since a week's end (`case_file
(status_changed_at)`). Without them both are found case by case, a walk of every case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_event_type_at", "case_event", ["type", "at"])
    op.create_index("ix_case_file_status_changed_at", "case_file", ["status_changed_at"])


def downgrade() -> None:
    op.drop_index("ix_case_file_status_changed_at", table_name="case_file")
    op.drop_index("ix_case_event_type_at", table_name="case_event")
