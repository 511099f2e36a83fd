"""gunicorn settings, all from the environment (see README, "Configuration")."""
import os
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("SSEXPLAIN_WORKERS", "2"))
threads = int(os.environ.get("SSEXPLAIN_THREADS", "4"))
timeout = int(os.environ.get("SSEXPLAIN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("SSEXPLAIN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# No preload: each worker builds the app, and loads the model, after the fork.
preload_app = False
# Access log without query strings: a question may travel in one (GET /ask?q=...).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def on_starting(server):
    """Refuse to start, with one clear line, when the content or index is not right."""
    from ssexplain.config import settings
    from ssexplain.errors import SsexplainError
    from ssexplain.web import preflight

    try:
        preflight(settings())
    except SsexplainError as exc:
        print(f"ssexplain: {exc}", file=sys.stderr)
        sys.exit(1)
