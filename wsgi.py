"""Entry point for `gunicorn wsgi:app` (settings in gunicorn.conf.py)."""

from assistant import create_app

app = create_app()
