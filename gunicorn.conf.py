"""gunicorn settings for `gunicorn app.main:app`, the one command every environment runs."""

import os

from app.concurrency.malloc import bound_malloc_arenas

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_class = "uvicorn_worker.UvicornWorker"
# A worker that stops answering its heartbeat for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# X-Forwarded-For/-Proto are believed only from these proxies (comma-separated addresses or
# networks, "*" for any): from anyone else they could fake the client address and scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files in memory: a slow or full disk must not make workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-" if os.environ.get("ACCESS_LOG", "0") == "1" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


def post_fork(server: object, worker: object) -> None:
    """Bound the worker's malloc arenas before its OCR threads start."""
    bound_malloc_arenas()
