"""Alerts: alert_log (mail deduplication and recovery) and job_runs (last run per job).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register the tables on the shared metadata whenever migrations run (see 0002).
import scheduler.alerts.state  # noqa: F401,E402

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('alert_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('text_de', sa.Text(), nullable=False),
    sa.Column('action_de', sa.Text(), nullable=False),
    sa.Column('first_seen_utc', sa.DateTime(), nullable=False),
    sa.Column('last_seen_utc', sa.DateTime(), nullable=False),
    sa.Column('last_mailed_utc', sa.DateTime(), nullable=True),
    sa.Column('resolved_utc', sa.DateTime(), nullable=True),
    sa.Column('recovery_mailed_utc', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_log', schema=None) as batch_op:
        batch_op.create_index('ix_alert_log_kind_subject', ['kind', 'subject'], unique=False)

    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('started_utc', sa.DateTime(), nullable=False),
    sa.Column('finished_utc', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_job'), ['job'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_job'))
    op.drop_table('job_runs')
    with op.batch_alter_table('alert_log', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_log_kind_subject')
    op.drop_table('alert_log')
