"""Takedowns: the audit line that stays (takedowns) and the crash-safe steps (takedown_steps).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.publish.takedown_state  # noqa: F401,E402

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('takedowns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.String(length=80), nullable=False),
    sa.Column('requested_utc', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('editor', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('finished_utc', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id')
    )
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.create_index('ix_takedowns_status', ['status'], unique=False)
    op.create_table('takedown_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('takedown_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('started_utc', sa.DateTime(), nullable=True),
    sa.Column('finished_utc', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['takedown_id'], ['takedowns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('takedown_id', 'step')
    )


def downgrade() -> None:
    op.drop_table('takedown_steps')
    with op.batch_alter_table('takedowns', schema=None) as batch_op:
        batch_op.drop_index('ix_takedowns_status')
    op.drop_table('takedowns')
