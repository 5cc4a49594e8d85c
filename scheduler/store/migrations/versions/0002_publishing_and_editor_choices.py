"""Publishing state (feature_publications, feature_publish_steps) and editor_choices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:45:00

The publish tables may already exist where `publish_state.ensure_tables` created them before
this revision existed; they are then left as they are.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# Register every table module on the shared metadata whenever migrations run, so that
# autogenerate and the schema comparison test see the same set of tables as this history.
import scheduler.plan.editor_choices  # noqa: F401,E402
import scheduler.publish.state  # noqa: F401,E402

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _exists(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _exists('feature_publications'):
        op.create_table('feature_publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('slot_utc', sa.DateTime(), nullable=False),
        sa.Column('post_uid', sa.String(length=200), nullable=False),
        sa.Column('ags', sa.String(length=8), nullable=False),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_utc', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_utc', sa.DateTime(), nullable=False),
        sa.Column('updated_utc', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key')
        )
        with op.batch_alter_table('feature_publications', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_feature_publications_ags'), ['ags'], unique=False)
            batch_op.create_index(batch_op.f('ix_feature_publications_post_uid'), ['post_uid'], unique=False)
            batch_op.create_index(batch_op.f('ix_feature_publications_slot_utc'), ['slot_utc'], unique=False)
            batch_op.create_index(batch_op.f('ix_feature_publications_status'), ['status'], unique=False)

    if not _exists('feature_publish_steps'):
        op.create_table('feature_publish_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feature_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('started_utc', sa.DateTime(), nullable=True),
        sa.Column('finished_utc', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['feature_id'], ['feature_publications.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('feature_id', 'step')
        )

    op.create_table('editor_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('slot_utc', sa.DateTime(), nullable=True),
    sa.Column('post_uid', sa.String(length=200), nullable=True),
    sa.Column('editor', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_utc', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('editor_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_editor_choices_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('editor_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_editor_choices_kind'))
    op.drop_table('editor_choices')
    op.drop_table('feature_publish_steps')
    with op.batch_alter_table('feature_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feature_publications_status'))
        batch_op.drop_index(batch_op.f('ix_feature_publications_slot_utc'))
        batch_op.drop_index(batch_op.f('ix_feature_publications_post_uid'))
        batch_op.drop_index(batch_op.f('ix_feature_publications_ags'))
    op.drop_table('feature_publications')
