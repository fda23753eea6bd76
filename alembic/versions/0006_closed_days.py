"""The authority's closed days per line, beyond the Danish public holidays.

Seeds Christmas Eve and New Year's Eve, every year, on both lines: the `holidays` package
does not count them as public holidays, and the authority is closed on them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED = [
    ("01a23b57-9efa-700f-81b3-31e9991b6bdc", "stress", 12, 24, "Juleaftensdag"),
    ("01a23b57-9efa-700f-81b3-31e9991b6bdd", "stress", 12, 31, "Nytårsaftensdag"),
    ("01a23b57-9efa-700f-81b3-31e9991b6bde", "managers", 12, 24, "Juleaftensdag"),
    ("01a23b57-9efa-700f-81b3-31e9991b6bdf", "managers", 12, 31, "Nytårsaftensdag"),
]


def upgrade() -> None:
    closed_day = op.create_table(
        "closed_day",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_closed_day_month")),
        sa.CheckConstraint("day BETWEEN 1 AND 31", name=op.f("ck_closed_day_day")),
        sa.ForeignKeyConstraint(["line"], ["line.code"], name=op.f("fk_closed_day_line_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_day")),
    )
    with op.batch_alter_table("closed_day", schema=None) as batch_op:
        batch_op.create_index("ix_closed_day_line", ["line"], unique=False)
    op.bulk_insert(
        closed_day,
        [
            {"id": uuid.UUID(id_), "line": line, "month": month, "day": day, "year": None,
             "name": name}
            for id_, line, month, day, name in SEEDED
        ],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("closed_day")
