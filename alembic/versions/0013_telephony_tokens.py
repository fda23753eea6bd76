"""The phone system's token: role telephony, a service account that belongs to no person
(`api_token.adviser_id` may be null, for that role only, and then the token has a name).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSON_ROLES = "role IN ('adviser', 'supervisor', 'admin')"
ROLES = "role IN ('adviser', 'supervisor', 'admin', 'telephony')"
OWNER = (
    "(role = 'telephony' AND adviser_id IS NULL AND name IS NOT NULL)"
    " OR (role <> 'telephony' AND adviser_id IS NOT NULL)"
)


def upgrade() -> None:
    with _foreign_keys_off():
        with op.batch_alter_table("api_token", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_api_token_role"), type_="check")
            batch_op.alter_column("adviser_id", existing_type=sa.Uuid(), nullable=True)
            batch_op.create_check_constraint(batch_op.f("ck_api_token_role"), ROLES)
            batch_op.create_check_constraint(batch_op.f("ck_api_token_owner"), OWNER)


def downgrade() -> None:
    # The phone system's tokens cannot be kept: they have no person to belong to.
    op.execute("DELETE FROM api_token WHERE role = 'telephony'")
    with _foreign_keys_off():
        with op.batch_alter_table("api_token", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_api_token_owner"), type_="check")
            batch_op.drop_constraint(batch_op.f("ck_api_token_role"), type_="check")
            batch_op.alter_column("adviser_id", existing_type=sa.Uuid(), nullable=False)
            batch_op.create_check_constraint(batch_op.f("ck_api_token_role"), PERSON_ROLES)


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """On SQLite the batch copies api_token and drops the old table, and dropping it deletes
    its rows first: with foreign keys on, that cascades into web_session and signs every
    browser out. SQLite takes the switch only outside a transaction; the copy keeps every
    id, so nothing is left dangling (checked before they are on again)."""
    context = op.get_context()
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with context.autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        if sqlite:
            dangling = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
            assert not dangling, dangling
    finally:
        if sqlite:
            with context.autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")
