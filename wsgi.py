"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from anticafe import create_app

app = create_app()
