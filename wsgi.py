"""Entry point for `gunicorn wsgi:app` (settings in gunicorn.conf.py)."""

from assistant import create_app
from assistant.errors import SettingError

try:
    app = create_app()
except SettingError as e:
    # A bad ASSISTANT_* value: gunicorn prints an AppImportError's message alone, without a traceback,
    # and stops ("App failed to load") instead of starting worker after worker.
    from gunicorn.errors import AppImportError

    raise AppImportError(f"无法启动：{e}") from None
