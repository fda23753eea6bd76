"""The web pages' sign-in: `web_session`, one row per signed-in browser. The cookie holds a
secret of which only the SHA-256 is stored; the row holds the CSRF token the pages' changes
carry, whom it acts for and until when.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("adviser_id", sa.Uuid(), nullable=True),
        sa.Column("token_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["adviser_id"],
            ["adviser.id"],
            name=op.f("fk_web_session_adviser_id_adviser"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_token.id"],
            name=op.f("fk_web_session_token_id_api_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_web_session_secret_hash")),
    )
    op.create_index(op.f("ix_web_session_adviser_id"), "web_session", ["adviser_id"])
    op.create_index(op.f("ix_web_session_token_id"), "web_session", ["token_id"])
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"])


def downgrade() -> None:
    op.drop_table("web_session")
