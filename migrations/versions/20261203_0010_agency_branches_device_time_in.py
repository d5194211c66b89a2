"""agencies limited to branches (agencybranch: none means every branch); the time in the
phone claimed at check-in, kept beside the server's (visit.device_time_in)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencybranch",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
            name=op.f("fk_agencybranch_agency_id_agency"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branch.id"],
            name=op.f("fk_agencybranch_branch_id_branch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", "branch_id", name=op.f("pk_agencybranch")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "device_time_in", app.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("device_time_in")
    op.drop_table("agencybranch")
