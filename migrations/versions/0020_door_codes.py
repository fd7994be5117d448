"""registrations: a short door code per registration, unique within its event (typed at the door);
visits and bills: payment kinds "pass" and "free" (a visit costing nothing is no longer "cash at 0 ₽")

Revision ID: 0020
Revises: 0024
Create Date: 2026-12-05 09:10:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0024'
branch_labels = None
depends_on = None

#: The typeable alphabet of `anticafe.codes` (copied: a migration must not change when the app does).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


OLD_METHODS = "'cash', 'card', 'transfer', 'subsidised'"
NEW_METHODS = "'cash', 'card', 'transfer', 'subsidised', 'pass', 'free'"


def _methods(methods: str) -> None:
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_bills_payment_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_bills_payment_method_known'), f"payment_method IN ({methods})")
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_visits_payment_method_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_visits_payment_method_known'),
                                         f"payment_method IS NULL OR payment_method IN ({methods})")


def upgrade():
    _methods(NEW_METHODS)
    # Visits the till closed by itself at 0 ₽ (no bill) were recorded as cash: passes or nothing due.
    op.execute("UPDATE visits SET payment_method = 'pass' WHERE payment_method = 'cash' AND amount = 0 "
               "AND bill_id IS NULL AND CAST(breakdown AS TEXT) LIKE '%prepaid%'")
    op.execute("UPDATE visits SET payment_method = 'free' WHERE payment_method = 'cash' AND amount = 0 "
               "AND bill_id IS NULL")
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
    op.execute("UPDATE visits SET payment_method = 'cash' WHERE payment_method IN ('pass', 'free')")
    _methods(OLD_METHODS)
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_door_code')
        batch_op.drop_column('door_code')
