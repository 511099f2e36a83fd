"""The Flask application factory, in the shape of Flask's own tutorial."""
from __future__ import annotations

from typing import Any

from flask import Flask

from ssexplain.config import PROJECT_ROOT, Settings, settings
from ssexplain.engine import Engine
from ssexplain.search.index_store import check_manifest, expected_model_id
from ssexplain.content.loader import load_content
from ssexplain.web import api, checklist, embed, pages, production
from ssexplain.web.engine_holder import EngineHolder
from ssexplain.web.errors import register_error_handlers

BLUEPRINTS = (api.bp, pages.bp, embed.bp, checklist.bp,)


def preflight(config: Settings) -> None:
    """Fail at once, with one clear line, on bad content or a missing or stale index."""
    load_content(config.content_dir)
    check_manifest(config.content_dir, config.index_dir, expected_model_id=expected_model_id(config.model_path))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` may pass a ready ENGINE so tests load the model once."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config_now: Settings = (test_config or {}).get("SETTINGS") or settings()
    app.config.from_mapping(SETTINGS=config_now, ENGINE=None, LOAD_ENGINE=True, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.from_mapping(production.defaults(config_now, testing=bool((test_config or {}).get("TESTING"))))
    if test_config:
        app.config.update(test_config)
    production.install(app)

    holder = EngineHolder()
    app.extensions["ssexplain"] = holder
    if app.config["ENGINE"] is not None:
        holder.set(app.config["ENGINE"])
    elif app.config["LOAD_ENGINE"]:
        config: Settings = app.config["SETTINGS"]
        preflight(config)
        holder.load_in_background(lambda: Engine.load(config))

    register_error_handlers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
