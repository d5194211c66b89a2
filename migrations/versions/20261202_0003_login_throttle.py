"""login throttle counters replace the login attempt log; sessions know when last seen

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('loginthrottle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_allowed_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_loginthrottle'))
    )
    with op.batch_alter_table('loginthrottle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginthrottle_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginattempt_username'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_at'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_address'))
    op.drop_table('loginattempt')
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loginattempt'))
    )
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginattempt_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_username'), ['username'], unique=False)
    with op.batch_alter_table('loginthrottle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginthrottle_updated_at'))
    op.drop_table('loginthrottle')
