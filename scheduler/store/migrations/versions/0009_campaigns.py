"""Campaigns: posts.campaign, campaign_draws (commit-reveal draw) and campaign_draw_events (audit).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-15 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.store.campaigns  # noqa: F401,E402

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_posts_campaign', ['campaign'], unique=False)
    op.create_table('campaign_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=80), nullable=False),
    sa.Column('seed_hex', sa.String(length=128), nullable=False),
    sa.Column('seed_sha256', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('entries_sha256', sa.String(length=64), nullable=True),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=True),
    sa.Column('winners', sa.JSON(), nullable=False),
    sa.Column('reserves', sa.JSON(), nullable=False),
    sa.Column('statuses', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign')
    )
    op.create_table('campaign_draw_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign_draw_events', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_draw_events_campaign', ['campaign'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_draw_events', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_draw_events_campaign')
    op.drop_table('campaign_draw_events')
    op.drop_table('campaign_draws')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_campaign')
        batch_op.drop_column('campaign')
