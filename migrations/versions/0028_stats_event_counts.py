"""stats: per-event counts, person-day rows for partial months, the facts indexed by (event, person)

Self-contained (imports no application code): creates `stats_event` and writes the "count everything"
mark (kind '*') into `stats_stale`, so the first statistics read after the upgrade counts the facts,
the month rows and the event counts from the raw rows once (or run `flask stats rebuild`).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_event',
        sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('registered', sa.Integer(), nullable=False),
        sa.Column('waitlisted', sa.Integer(), nullable=False),
        sa.Column('absent', sa.Integer(), nullable=False),
        sa.Column('checked_in', sa.Integer(), nullable=False),
        sa.Column('walk_ins', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_stats_event')),
    )
    op.create_table(
        'stats_person_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('age_group', sa.Integer(), nullable=False),
        sa.Column('youth', sa.Integer(), nullable=False),
        sa.Column('checkins', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.Column('free_subsidised', sa.BigInteger(), nullable=False),
        sa.Column('free_pass', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_person_day')),
    )
    with op.batch_alter_table('stats_person_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_person_day_day'), ['day'], unique=False)
    # An event's attendees from the index alone: (event_id, user_id) replaces the index on event_id.
    with op.batch_alter_table('stats_presence', schema=None) as batch_op:
        batch_op.create_index('ix_stats_presence_event_user', ['event_id', 'user_id'], unique=False)
        batch_op.drop_index('ix_stats_presence_event_id')
    stale = sa.table('stats_stale', sa.column('kind', sa.String), sa.column('ref_id', sa.Integer))
    # "count everything": the first statistics read (or `flask stats rebuild`) fills the new rows.
    op.bulk_insert(stale, [{'kind': '*', 'ref_id': 0}])


def downgrade():
    with op.batch_alter_table('stats_person_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_person_day_day'))
    op.drop_table('stats_person_day')
    with op.batch_alter_table('stats_presence', schema=None) as batch_op:
        batch_op.create_index('ix_stats_presence_event_id', ['event_id'], unique=False)
        batch_op.drop_index('ix_stats_presence_event_user')
    op.drop_table('stats_event')
