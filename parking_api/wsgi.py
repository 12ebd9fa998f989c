"""WSGI entry point for gunicorn: ``gunicorn parking_api.wsgi:app``."""

from parking_api.app import create_app

app = create_app()
