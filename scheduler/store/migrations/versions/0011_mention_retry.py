"""Mention retry: webhook payloads get a status, a transient-failure count and a next attempt time.

Rows the old rule marked processed after five attempts although the error was only "später
erneut" (rate limit, 368, 5xx: mentions lost during an outage) are pending again, so the next
`collect --source mentions` or the receiver's worker brings them in; rows given up after
permanent errors are `gave_up`, everything else processed is `done`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:10:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('webhook_payloads', sa.Column('status', sa.String(length=20), server_default='pending',
                                                nullable=False))
    op.add_column('webhook_payloads', sa.Column('retries', sa.Integer(), server_default='0', nullable=False))
    op.add_column('webhook_payloads', sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
    op.create_index('ix_webhook_payloads_status', 'webhook_payloads', ['status'], unique=False)
    op.execute("UPDATE webhook_payloads SET status = 'pending', processed_at = NULL, attempts = 0 "
               "WHERE processed_at IS NOT NULL AND outcome LIKE 'später erneut%'")
    op.execute("UPDATE webhook_payloads SET attempts = 0 WHERE processed_at IS NULL AND outcome LIKE 'später erneut%'")
    op.execute("UPDATE webhook_payloads SET status = 'gave_up' "
               "WHERE processed_at IS NOT NULL AND outcome LIKE 'fehlgeschlagen%'")
    op.execute("UPDATE webhook_payloads SET status = 'done' WHERE processed_at IS NOT NULL AND status = 'pending'")


def downgrade() -> None:
    op.drop_index('ix_webhook_payloads_status', table_name='webhook_payloads')
    with op.batch_alter_table('webhook_payloads') as batch:
        batch.drop_column('next_attempt_at')
        batch.drop_column('retries')
        batch.drop_column('status')
