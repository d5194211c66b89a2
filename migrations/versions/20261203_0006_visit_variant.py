"""a visit names its variant (the kind of visit among its checklist's variants); a shopper
keeps the content language chosen for checklist texts; a wave plans its mix of variants

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("variant", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "variant_mix",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "content_language",
                sqlmodel.sql.sqltypes.AutoString(length=35),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_column("variant_mix")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("content_language")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("variant")
