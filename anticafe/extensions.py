"""The Flask extension objects, created unbound so that any module can import them."""

from pathlib import Path

import click
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Constraint names that are the same on SQLite and PostgreSQL, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

#: The Alembic environment and revisions (`flask db …`).
MIGRATIONS = Path(__file__).parent.parent / "migrations"


def init_migrate(app) -> None:
    """Bind Flask-Migrate to `app` (for `flask db …` and the migration tests), once.

    Flask-Migrate imports Alembic and Mako (~11 MB): a worker that serves requests never needs them, so
    `create_app` registers `MigrationCommands`, which calls this when a `flask db` command runs.
    """
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)


class MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported and bound to the app when it is used."""

    def __init__(self, app):
        super().__init__("db", help="Database migrations (Flask-Migrate and Alembic): upgrade, downgrade, "
                                    "migrate, history…")
        self.app = app

    def _group(self) -> click.Group:
        init_migrate(self.app)
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra):
        # The real group parses and runs: its options (--directory, -x) and its callback come with it.
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)
