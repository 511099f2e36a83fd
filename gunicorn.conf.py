"""gunicorn settings, all from the environment (see README, "Configuration").

Run with `gunicorn --config gunicorn.conf.py 'app:create_app()'` (what `make run` does).
Each worker loads its own copy of the model after the fork (about 250-440 MiB resident with
the ONNX encoder, 550-640 with torch; see docs/BENCHMARKS.md), so size SSEXPLAIN_WORKERS to the memory you have, and use threads
for concurrency within a worker.
"""
import os
import sys

from ssexplain.config import BadSetting, settings

# Every setting is checked here, once, before gunicorn does anything: a bad value stops the
# start with one line naming the variable (SystemExit passes gunicorn's config loader by).
try:
    SETTINGS = settings()
except BadSetting as exc:
    sys.exit(f"ssexplain: {exc}")

# Requests run on gunicorn's pool threads, and torch.set_num_threads() in the loading thread
# does not reach OpenMP's per-thread default there: set it for every thread of every worker
# before torch is imported, so a 2-core box is not oversubscribed by spinning OpenMP teams.
os.environ.setdefault("OMP_NUM_THREADS", str(SETTINGS.encoder_threads))

bind = f"{SETTINGS.host}:{SETTINGS.port}"
workers = SETTINGS.workers
threads = SETTINGS.threads  # more than 1 selects the gthread worker
timeout = SETTINGS.timeout
# On SIGTERM, requests in flight get this long to finish before their worker is killed.
graceful_timeout = SETTINGS.graceful_timeout
keepalive = 5
# A link to an answer carries the question in its query (GET /ask?q=...&h=...): a long story
# URL-encodes to about three times its length. gunicorn's ceiling for a request line is 8,190
# bytes (its default is 4,094); links are kept within ssexplain.web.api.MAX_LINK below it.
# Headers keep gunicorn's bounds (8,190 bytes each, 100 of them): pages send no referrer.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 100
# Recycling a worker costs a model load (and 503s from it meanwhile), so it is off by default.
max_requests = SETTINGS.max_requests
max_requests_jitter = max_requests // 10

# No preload: the master never imports torch or faiss, so no thread pool is copied into
# a forked worker (the cause of hung workers). Each worker loads the model after the fork.
preload_app = False
# The heartbeat file in memory, not on a disk that may stall under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No runtime control socket: nothing here uses it, and two servers on one host would share its path.
control_socket_disable = True

# Private access log: no client address, no query string (a question may travel in one:
# GET /ask?q=...), no referrer or user agent. %(U)s is the path alone. The error log's
# "Invalid request" lines are cut to the kind of error in on_starting below.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = SETTINGS.log_level.lower()
proc_name = "ssexplain"


def on_starting(server):
    """Refuse to start, with one clear line and exit code 1, when content, model or index are wrong."""
    from ssexplain.errors import SsexplainError
    from ssexplain.web.logging_setup import install_gunicorn_filter
    from ssexplain.web.startup import check_before_fork

    # A malformed request line is logged raw by gunicorn; this keeps only the kind of error.
    install_gunicorn_filter()
    try:
        check_before_fork(SETTINGS)
    except SsexplainError as exc:
        print(f"ssexplain: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)


def post_worker_init(worker):
    """Stop the whole server if this worker cannot load the engine (say, a corrupt index file)."""
    from ssexplain.web.startup import exit_if_engine_fails

    exit_if_engine_fails(worker.wsgi)


def worker_exit(server, worker):
    """After a clean stop, skip the interpreter's teardown of torch, which takes seconds.

    Requests in flight are done by now; any other exit (an error) keeps its own code and path.
    """
    import logging

    stopping = sys.exc_info()[1]
    if isinstance(stopping, SystemExit) and stopping.code in (0, None):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
