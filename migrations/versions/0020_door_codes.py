"""registrations: a short door code per registration, unique within its event (typed at the door)

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-05 09:10:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0017'
branch_labels = None
depends_on = None

#: The typeable alphabet of `anticafe.codes` (copied: a migration must not change when the app does).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('door_code', sa.String(length=8), nullable=True))
    # Registrations holding a ticket get their door code now, unique within each event.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, event_id FROM registrations WHERE ticket_code IS NOT NULL "
                                "ORDER BY event_id, id")).all()
    taken: dict[int, set[str]] = {}
    for registration_id, event_id in rows:
        used = taken.setdefault(event_id, set())
        code = None
        while code is None or code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        used.add(code)
        bind.execute(sa.text("UPDATE registrations SET door_code = :code WHERE id = :id"),
                     {"code": code, "id": registration_id})
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('uq_registrations_event_door_code', ['event_id', 'door_code'], unique=True)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_door_code')
        batch_op.drop_column('door_code')
