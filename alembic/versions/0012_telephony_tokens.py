"""The phone system's token: role telephony, a service account that belongs to no person
(`api_token.adviser_id` may be null, for that role only, and then the token has a name).

It comes before web_session (0013): on SQLite the batch rebuilds api_token, and dropping
the old table deletes its rows first, which with foreign keys on would cascade into the
web sessions that reference the tokens and sign every browser out.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSON_ROLES = "role IN ('adviser', 'supervisor', 'admin')"
ROLES = "role IN ('adviser', 'supervisor', 'admin', 'telephony')"
OWNER = (
    "(role = 'telephony' AND adviser_id IS NULL AND name IS NOT NULL)"
    " OR (role <> 'telephony' AND adviser_id IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_api_token_role"), type_="check")
        batch_op.alter_column("adviser_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_check_constraint(batch_op.f("ck_api_token_role"), ROLES)
        batch_op.create_check_constraint(batch_op.f("ck_api_token_owner"), OWNER)


def downgrade() -> None:
    # The phone system's tokens cannot be kept: they have no person to belong to.
    op.execute("DELETE FROM api_token WHERE role = 'telephony'")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_api_token_owner"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_api_token_role"), type_="check")
        batch_op.alter_column("adviser_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_api_token_role"), PERSON_ROLES)
