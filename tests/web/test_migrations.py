"""Migrations: upgrade from empty gives exactly the models' schema; downgrade back to base works."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import TEST_CONFIG
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from anticafe import create_app
from anticafe.extensions import db, init_migrate


def test_upgrade_matches_models_and_downgrade_empties(empty_db_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    init_migrate(app)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        engine = create_engine(empty_db_url)
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        engine.dispose()
        assert tables == set()
        db.engine.dispose()


def test_flask_db_binds_flask_migrate_when_it_runs(empty_db_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_db_url})
    assert "migrate" not in app.extensions, "a serving app does not carry Flask-Migrate and Alembic"
    runner = app.test_cli_runner()
    done = runner.invoke(args=["db", "upgrade"])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(args=["db", "--help"])
    assert listed.exit_code == 0 and "upgrade" in listed.output and "downgrade" in listed.output
    engine = create_engine(empty_db_url)
    assert {"users", "events", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    with app.app_context():
        db.engine.dispose()
