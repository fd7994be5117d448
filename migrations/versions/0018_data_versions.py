"""data versions: one row per topic (calendar, stats, feeds), bumped in the transaction of every change

Caches key their entries by these numbers instead of a timer (anticafe/versions.py).

Revision ID: 0018
Revises: 0020
Create Date: 2026-12-05 09:10:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(table, [{'name': name, 'number': secrets.randbelow(2**30)} for name in ('calendar', 'stats', 'feeds')])


def downgrade():
    op.drop_table('data_versions')
