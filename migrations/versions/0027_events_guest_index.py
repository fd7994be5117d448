"""events: index (entry, status, ends_at) for the guests inside now

The occupancy counts the people checked in at free-entry scheduled events that have not ended; without
this index SQLite scanned every event of the year to find them.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_events_entry_status_ends_at', 'events', ['entry', 'status', 'ends_at'], unique=False)


def downgrade():
    op.drop_index('ix_events_entry_status_ends_at', table_name='events')
