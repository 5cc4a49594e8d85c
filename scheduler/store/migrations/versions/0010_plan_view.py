"""Plan view: caption overrides (one row per edit, newest wins) and the plan's revision counter.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.plan.plan_state  # noqa: F401,E402

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('caption_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_uid', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('editor', sa.String(length=120), nullable=False),
    sa.Column('created_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_caption_overrides_post_uid', 'caption_overrides', ['post_uid'], unique=False)
    revisions = op.create_table('plan_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('editor', sa.String(length=120), nullable=False),
    sa.Column('changed_utc', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(revisions, [{'id': 1, 'version': 0, 'editor': ''}])


def downgrade() -> None:
    op.drop_table('plan_revisions')
    op.drop_index('ix_caption_overrides_post_uid', table_name='caption_overrides')
    op.drop_table('caption_overrides')
