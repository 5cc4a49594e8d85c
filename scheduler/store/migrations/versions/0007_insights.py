"""Insights: measurements per feature, daily account snapshots, referrer counts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.insights.state  # noqa: F401,E402

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('insight_measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feature_key', sa.String(length=80), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('posted_utc', sa.DateTime(), nullable=False),
    sa.Column('age_days', sa.Integer(), nullable=False),
    sa.Column('measured_utc', sa.DateTime(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('gap', sa.String(length=40), nullable=True),
    sa.Column('gap_detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('feature_key', 'channel', 'age_days')
    )
    with op.batch_alter_table('insight_measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_measurements_ags'), ['ags'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_measurements_feature_key'), ['feature_key'], unique=False)

    op.create_table('insight_account_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('followers', sa.Integer(), nullable=True),
    sa.Column('demographics', sa.JSON(), nullable=False),
    sa.Column('measured_utc', sa.DateTime(), nullable=False),
    sa.Column('gap', sa.String(length=40), nullable=True),
    sa.Column('gap_detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'channel')
    )
    with op.batch_alter_table('insight_account_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_account_snapshots_day'), ['day'], unique=False)

    op.create_table('insight_referrers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'slug', 'kind', 'host')
    )
    with op.batch_alter_table('insight_referrers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_referrers_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_referrers_slug'), ['slug'], unique=False)


def downgrade() -> None:
    for table, columns in (('insight_referrers', ('day', 'slug')), ('insight_account_snapshots', ('day',)),
                           ('insight_measurements', ('ags', 'feature_key'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
