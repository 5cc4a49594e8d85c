"""Review board for a team (issue 27): roles, disabling, session revocation, optional TOTP on editor
accounts, and board_events for account changes.

Existing accounts become Verwaltung: until now every account could do everything, so nobody loses
a right they had, and the first account can still administer the others.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('editor_accounts') as batch:  # batch: SQLite
        batch.add_column(sa.Column('role', sa.String(length=20), nullable=False, server_default='verwaltung'))
        batch.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('totp_required', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('board_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_board_events_at', 'board_events', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_board_events_at', table_name='board_events')
    op.drop_table('board_events')
    with op.batch_alter_table('editor_accounts') as batch:
        for column in ('totp_required', 'totp_secret', 'session_epoch', 'disabled', 'role'):
            batch.drop_column(column)
