"""Calendar import (issue 31): calendar_sources (each municipality calendar's last answer,
with the named reason of a refusal) and calendar_imports (each event made a draft, the text
written, the last upstream diff, published or not).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.partners.calendars.state  # noqa: F401,E402

revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('calendar_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('checked_utc', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason_de', sa.Text(), nullable=False),
    sa.Column('events_seen', sa.Integer(), nullable=False),
    sa.Column('skipped_de', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ags', 'url')
    )
    op.create_index(op.f('ix_calendar_sources_ags'), 'calendar_sources', ['ags'], unique=False)
    op.create_table('calendar_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('source_ags', sa.String(length=8), nullable=False),
    sa.Column('source_url', sa.String(length=1000), nullable=False),
    sa.Column('event_url', sa.Text(), nullable=False),
    sa.Column('upstream_uid', sa.Text(), nullable=False),
    sa.Column('identity', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('start_text', sa.String(length=20), nullable=False),
    sa.Column('how_found', sa.String(length=40), nullable=False),
    sa.Column('upstream_text', sa.Text(), nullable=False),
    sa.Column('written_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('diff', sa.Text(), nullable=False),
    sa.Column('diff_applied', sa.Boolean(), nullable=False),
    sa.Column('imported_utc', sa.DateTime(), nullable=False),
    sa.Column('changed_utc', sa.DateTime(), nullable=True),
    sa.Column('accepted_utc', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('slug')
    )
    op.create_index(op.f('ix_calendar_imports_ags'), 'calendar_imports', ['ags'], unique=False)
    op.create_index(op.f('ix_calendar_imports_identity'), 'calendar_imports', ['identity'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_calendar_imports_identity'), table_name='calendar_imports')
    op.drop_index(op.f('ix_calendar_imports_ags'), table_name='calendar_imports')
    op.drop_table('calendar_imports')
    op.drop_index(op.f('ix_calendar_sources_ags'), table_name='calendar_sources')
    op.drop_table('calendar_sources')
