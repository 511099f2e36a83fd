"""Entry point for gunicorn and `flask run`: `app:create_app()`."""
from ssexplain.web import create_app

__all__ = ["create_app"]
