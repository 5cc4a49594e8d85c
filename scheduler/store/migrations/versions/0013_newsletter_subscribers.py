"""Newsletter sign-ups with double opt-in (issue 28 §6): newsletter_subscribers holds the address,
when the confirmation was asked for and when it was given, and the consent text's version.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('newsletter_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('requested_utc', sa.DateTime(), nullable=False),
    sa.Column('confirmed_utc', sa.DateTime(), nullable=True),
    sa.Column('consent_version', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )


def downgrade() -> None:
    op.drop_table('newsletter_subscribers')
