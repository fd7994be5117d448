"""stats: pre-aggregated presence facts (one row per check-in and timed visit), their marks and lock

The migration is self-contained (it imports no application code): it creates the tables and writes
the "count everything" mark (kind '*') into `stats_stale`, so the first statistics read after the
upgrade counts every fact from the raw rows once (or run `flask stats rebuild`). From then on every
write marks what it changed and the statistics bring the facts up to date before counting.

Revision ID: 0025
Revises: 0018
Create Date: 2026-12-05 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_presence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('held', sa.Integer(), nullable=False),
        sa.Column('at', sa.BigInteger(), nullable=False),
        sa.Column('stays', sa.Integer(), nullable=False),
        sa.Column('stay_start', sa.BigInteger(), nullable=True),
        sa.Column('stay_end', sa.BigInteger(), nullable=True),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.Column('free_subsidised', sa.BigInteger(), nullable=False),
        sa.Column('free_pass', sa.BigInteger(), nullable=False),
        sa.Column('birth', sa.BigInteger(), nullable=True),
        sa.Column('band_age', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_presence')),
        sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_stats_presence_kind')),
    )
    with op.batch_alter_table('stats_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_presence_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stats_presence_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_stats_presence_user_at', ['user_id', 'at'], unique=False)
    stale = op.create_table(
        'stats_stale',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_stale')),
    )
    lock = op.create_table(
        'stats_aggregate_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_aggregate_lock')),
    )
    op.bulk_insert(lock, [{'id': 1}])
    # "count everything": the first statistics read (or `flask stats rebuild`) fills the facts.
    op.bulk_insert(stale, [{'kind': '*', 'ref_id': 0}])


def downgrade():
    op.drop_table('stats_aggregate_lock')
    op.drop_table('stats_stale')
    with op.batch_alter_table('stats_presence', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_presence_user_at')
        batch_op.drop_index(batch_op.f('ix_stats_presence_event_id'))
        batch_op.drop_index(batch_op.f('ix_stats_presence_at'))
    op.drop_table('stats_presence')
