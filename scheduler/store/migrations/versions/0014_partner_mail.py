"""The monthly mail to the municipalities (issue 31): opt-outs clicked in a mail, the mail's
sent-log, and the clicks on links with the mail's campaign parameter from the access logs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('partner_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('opted_out_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ags', 'email')
    )
    with op.batch_alter_table('partner_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_opt_outs_ags'), ['ags'], unique=False)
    op.create_table('partner_mail_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('at_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partner_mail_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_mail_log_ags'), ['ags'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_mail_log_month'), ['month'], unique=False)
    op.create_table('insight_campaign_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign', sa.String(length=40), nullable=False),
    sa.Column('keyword', sa.String(length=80), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('day', 'campaign', 'keyword')
    )
    with op.batch_alter_table('insight_campaign_clicks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_campaign_clicks_campaign'), ['campaign'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_campaign_clicks_day'), ['day'], unique=False)


def downgrade() -> None:
    op.drop_table('insight_campaign_clicks')
    op.drop_table('partner_mail_log')
    op.drop_table('partner_opt_outs')
