"""Repeat contact: `call.callback_phone_key`, the HMAC-SHA256 of the callback number under
the server's `number_key`, indexed with `received_at` to find a number's earlier calls.

Existing rows stay NULL: the migration has no secret to hash with, so calls recorded before
it are not matched by number (they still match by their case's CVR number).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_phone_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_call_callback_phone_key_received_at",
            ["callback_phone_key", "received_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index("ix_call_callback_phone_key_received_at")
        batch_op.drop_column("callback_phone_key")
