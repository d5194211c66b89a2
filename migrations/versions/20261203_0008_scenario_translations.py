"""a wave's (and its visits') scenario brief in more languages than the one typed first:
{language tag: text}, so the PDF and the shopper read it in their own language

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    for table in ("wave", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("scenario_translations", _JSON, nullable=True))


def downgrade() -> None:
    for table in ("visit", "wave"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("scenario_translations")
