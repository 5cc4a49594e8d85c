"""place_aliases: phrases editors taught the municipality detector.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('place_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=200), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('editor', sa.String(length=120), nullable=False),
    sa.Column('post_uid', sa.String(length=200), nullable=True),
    sa.Column('created_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phrase', 'ags')
    )
    with op.batch_alter_table('place_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_aliases_phrase'), ['phrase'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('place_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_aliases_phrase'))
    op.drop_table('place_aliases')
