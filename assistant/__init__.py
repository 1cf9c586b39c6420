"""人防咨询助手: the application factory.

`create_app(config)` builds the configuration (defaults → `ASSISTANT_*` environment → `config`),
initialises each concern through its `init_app`, and registers one blueprint per audience.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings
from .settings import ROOT

if TYPE_CHECKING:
    from flask import Flask


def _secret_key(instance: Path) -> str:
    """The key from `instance/secret_key`, generated once and shared by every worker."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x") as f:  # "x": only the first worker to get here writes it
            f.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    return path.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides settings by name (tests pass DB, KNOWLEDGE, ...)."""
    # Flask is imported here, not at the top: `import assistant.matcher` runs this file first, and
    # the core (tests and benchmarks that use it alone) must not load the web stack.
    from flask import Flask

    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
        instance_path=str(ROOT / "instance"),
    )
    # The same loader as the CLI's: a value of the wrong type stops the start with a clear message.
    app.config.update(settings.load(config))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["DB"]).parent)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["SECURE_COOKIES"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.json.ensure_ascii = False
    if not app.debug:
        logging.basicConfig(level=logging.INFO)

    from . import auth, csrf, db, knowledge_service, security, web_db, web_errors

    web_errors.register(app)
    security.init_app(app)
    web_db.init_app(app)
    knowledge_service.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    if app.config["DEMO_DATA"]:
        from . import demo

        with db.connection(app.config["DB"]) as conn, db.exclusive(app.config["DB"]):
            demo.seed_if_empty(conn, app.extensions["knowledge"].get())

    from .views import admin, api, public, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(admin.bp)
    return app
