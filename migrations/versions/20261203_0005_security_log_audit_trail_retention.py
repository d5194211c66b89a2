"""security event log, audit trail of HQ's changes, staff informed per branch, visit purge time

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:35:16.714301
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('adminchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_adminchange_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adminchange'))
    )
    with op.batch_alter_table('adminchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adminchange_at'), ['at'], unique=False)
        batch_op.create_index('ix_adminchange_kind_at', ['kind', 'at'], unique=False)

    op.create_table('securityevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_securityevent_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_securityevent'))
    )
    with op.batch_alter_table('securityevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_securityevent_at'), ['at'], unique=False)
        batch_op.create_index('ix_securityevent_kind_at', ['kind', 'at'], unique=False)

    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_informed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('staff_informed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', app.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('purged_at')

    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_column('staff_informed_by')
        batch_op.drop_column('staff_informed_on')

    with op.batch_alter_table('securityevent', schema=None) as batch_op:
        batch_op.drop_index('ix_securityevent_kind_at')
        batch_op.drop_index(batch_op.f('ix_securityevent_at'))

    op.drop_table('securityevent')
    with op.batch_alter_table('adminchange', schema=None) as batch_op:
        batch_op.drop_index('ix_adminchange_kind_at')
        batch_op.drop_index(batch_op.f('ix_adminchange_at'))

    op.drop_table('adminchange')
