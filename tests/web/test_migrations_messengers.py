"""Migration 0016 carries the email outbox into delivery rows, and back on downgrade."""

from conftest import TEST_CONFIG
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from anticafe import create_app
from anticafe.extensions import db, init_migrate


def test_email_states_move_to_deliveries_and_back(empty_db_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    init_migrate(app)
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, email, name, role, consent_at, email_notifications, guest_category, "
                "card_code, feed_token, active, created_at) VALUES (1, 'a@example.org', 'A', 'visitor', "
                "'2026-01-01 10:00:00', TRUE, 'standard', 'CARD', 'FEED', TRUE, '2026-01-01 10:00:00')"))
            for note_id, state in [(1, "pending"), (2, "sent"), (3, "skipped"), (4, "failed")]:
                conn.execute(text(
                    "INSERT INTO notifications (id, user_id, kind, subject, body, created_at, email_state, "
                    "email_attempts) VALUES (:id, 1, 'x', 'S', 'B', '2026-01-02 10:00:00', :state, :attempts)"),
                    {"id": note_id, "state": state, "attempts": 1 if state in ("sent", "failed") else 0})
        upgrade(revision="0016")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT notification_id, channel, state, attempts FROM notification_deliveries "
                                     "ORDER BY notification_id")).all()
        assert [tuple(row) for row in rows] == [(1, "email", "pending", 0), (2, "email", "sent", 1),
                                                (4, "email", "failed", 1)]
        downgrade(revision="0013")
        with db.engine.connect() as conn:
            states = conn.execute(text("SELECT id, email_state, email_attempts FROM notifications ORDER BY id")).all()
        assert [tuple(row) for row in states] == [(1, "pending", 0), (2, "sent", 1), (3, "skipped", 0),
                                                  (4, "failed", 1)]
        db.engine.dispose()
