"""Review board: editor accounts (argon2 password hashes) and a version per post for
compare-and-set actions from the board.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('editor_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_utc', sa.DateTime(), nullable=False),
    sa.Column('last_login_utc', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('posts') as batch:  # batch: SQLite cannot add constraints in place
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('posts') as batch:
        batch.drop_column('version')
    op.drop_table('editor_accounts')
