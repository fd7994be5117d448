"""stats: person-month and heat-month rows (what a period of whole months reads), the zone they were counted in

Self-contained (imports no application code): creates the tables and writes the "count everything"
mark (kind '*') into `stats_stale`, so the first statistics read after the upgrade counts the facts
and the month rows from the raw rows once (or run `flask stats rebuild`).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_person_month',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('age_group', sa.Integer(), nullable=False),
        sa.Column('youth', sa.Integer(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('checkins', sa.Integer(), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.Column('free_subsidised', sa.BigInteger(), nullable=False),
        sa.Column('free_pass', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_person_month')),
    )
    with op.batch_alter_table('stats_person_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_person_month_month'), ['month'], unique=False)
        batch_op.create_index('ix_stats_person_month_user_month', ['user_id', 'month'], unique=False)
    op.create_table(
        'stats_heat_month',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('first_hour', sa.Integer(), nullable=False),
        sa.Column('last_hour', sa.Integer(), nullable=False),
        sa.Column('stays', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_heat_month')),
    )
    with op.batch_alter_table('stats_heat_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_heat_month_month'), ['month'], unique=False)
    with op.batch_alter_table('stats_aggregate_lock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone', sa.String(length=64), nullable=True))
    stale = sa.table('stats_stale', sa.column('kind', sa.String), sa.column('ref_id', sa.Integer))
    # "count everything": the first statistics read (or `flask stats rebuild`) fills the new rows.
    op.bulk_insert(stale, [{'kind': '*', 'ref_id': 0}])


def downgrade():
    with op.batch_alter_table('stats_aggregate_lock', schema=None) as batch_op:
        batch_op.drop_column('zone')
    with op.batch_alter_table('stats_heat_month', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_heat_month_month'))
    op.drop_table('stats_heat_month')
    with op.batch_alter_table('stats_person_month', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_person_month_user_month')
        batch_op.drop_index(batch_op.f('ix_stats_person_month_month'))
    op.drop_table('stats_person_month')
