"""import jobs: a CSV import of many rows runs as a background job, its file in the row
(backgroundjob.payload) with the address that asked (requested_from), and such a job has no wave (backgroundjob.wave_id nullable)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backgroundjob", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("requested_from", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.alter_column("wave_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM backgroundjob WHERE wave_id IS NULL")
    with op.batch_alter_table("backgroundjob", schema=None) as batch_op:
        batch_op.alter_column("wave_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("requested_from")
        batch_op.drop_column("payload")
