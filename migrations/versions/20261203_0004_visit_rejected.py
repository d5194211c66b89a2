"""a visit may be rejected (an agency delivery the reviewer refused, with a reason)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('assigned','in_progress','submitted','returned','approved')"
AFTER = "status IN ('assigned','in_progress','submitted','returned','approved','rejected')"


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_visit_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_visit_status"), AFTER)


def downgrade() -> None:
    op.execute("UPDATE visit SET status = 'submitted' WHERE status = 'rejected'")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_visit_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_visit_status"), BEFORE)
