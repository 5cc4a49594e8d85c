"""Official Instagram collection: ig_media (API evidence, public rights requests, carousel images),
hashtag_queries (30 unique hashtags per rolling 7 days) and webhook_payloads (mentions, stored first).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.store.official  # noqa: F401,E402

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('ig_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('author_known', sa.Boolean(), nullable=False),
    sa.Column('can_reply', sa.Boolean(), nullable=False),
    sa.Column('mention_comment_id', sa.String(length=40), nullable=True),
    sa.Column('request_comment_id', sa.String(length=40), nullable=True),
    sa.Column('request_at', sa.DateTime(), nullable=True),
    sa.Column('extra_images', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id')
    )
    with op.batch_alter_table('ig_media', schema=None) as batch_op:
        batch_op.create_index('ix_ig_media_media_id', ['media_id'], unique=False)
    op.create_table('hashtag_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hashtag', sa.String(length=100), nullable=False),
    sa.Column('hashtag_id', sa.String(length=40), nullable=True),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('last_queried_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hashtag')
    )
    op.create_table('webhook_payloads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('webhook_payloads', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_payloads_processed_at', ['processed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_payloads', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_payloads_processed_at')
    op.drop_table('webhook_payloads')
    op.drop_table('hashtag_queries')
    with op.batch_alter_table('ig_media', schema=None) as batch_op:
        batch_op.drop_index('ix_ig_media_media_id')
    op.drop_table('ig_media')
