"""Migrations: upgrade from empty gives exactly the models' schema; downgrade back to base works."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import TEST_CONFIG
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from anticafe import create_app
from anticafe.extensions import db


def test_upgrade_matches_models_and_downgrade_empties(empty_db_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_db_url})
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
