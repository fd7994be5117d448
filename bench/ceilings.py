"""The two ceilings the app is measured against, served exactly like the app (gunicorn, 2 workers).

    gunicorn 'bench.ceilings:bare()'       GET /ping -> a small JSON, nothing else
    gunicorn 'bench.ceilings:checkin()'    POST /checkin {"code": "<what the QR holds>"}
                                           -> look the ticket up, insert a check-in row, commit

The check-in ceiling is what "the full feature at the toy's speed" means: one indexed lookup and one
insert through Flask-SQLAlchemy, on the same database (DATABASE_URL), the same tables and the same
connection settings as the app (importing `anticafe` registers its SQLite pragmas: WAL,
synchronous=NORMAL, and the writers' line of `anticafe/writers.py`; `limit_lock_waits` sets the busy
timeout and the pool's options as for the app), and nothing else: no authentication, no scan log, no rules.
"""

from flask import Flask, jsonify, request


def bare() -> Flask:
    """A Flask app with one route that returns a small JSON document."""
    app = Flask("ceiling_bare")

    @app.get("/ping")
    def ping():
        return jsonify(status="ok", service="anticafe-bench")

    return app


def checkin(url: str | None = None) -> Flask:
    """A minimal Flask + SQLAlchemy app: look up a ticket and insert a check-in row (DATABASE_URL or `url`)."""
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    import anticafe  # the app's SQLite pragmas, registered on every Engine
    from anticafe.db import utcnow
    from config import Config

    app = Flask("ceiling_checkin")
    app.config["SQLALCHEMY_DATABASE_URI"] = url or Config.SQLALCHEMY_DATABASE_URI
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = Config.SQLALCHEMY_ENGINE_OPTIONS
    app.config["DB_BUSY_SECONDS"] = Config.DB_BUSY_SECONDS
    anticafe.limit_lock_waits(app)  # the app's own engine options: lock waits, no pre-ping on SQLite
    db = SQLAlchemy(app)

    find = text("SELECT id, event_id, user_id FROM registrations WHERE ticket_code = :code AND status = 'confirmed'")
    add = text("INSERT INTO checkins (registration_id, event_id, user_id, checked_in_at, walk_in) "
               "VALUES (:registration_id, :event_id, :user_id, :now, :walk_in)")

    @app.post("/checkin")
    def check_in():
        raw = str((request.get_json(silent=True) or {}).get("code", ""))
        code = raw.rstrip("/").rsplit("/", 1)[-1]
        ticket = db.session.execute(find, {"code": code}).first()
        if ticket is None:
            return jsonify(error={"code": "unknown_code"}), 404
        try:
            db.session.execute(add, {"registration_id": ticket.id, "event_id": ticket.event_id,
                                     "user_id": ticket.user_id, "now": utcnow().replace(tzinfo=None),
                                     "walk_in": False})
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return jsonify(result="already_checked_in", registration_id=ticket.id)
        return jsonify(result="checked_in", registration_id=ticket.id)

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")

    return app
