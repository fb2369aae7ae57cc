"""gunicorn settings for `gunicorn app.main:app`, the one command every environment runs."""

import ctypes
import ctypes.util
import os

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

# glibc gives each thread that allocates at once a malloc arena of its own (up to 8 per core)
# and each keeps what Tesseract freed in it: two arenas bound the worker's memory under a
# flood of hesitant pages at the same pages per second (docs/performance.md).
MALLOC_ARENAS = int(os.environ.get("MALLOC_ARENA_MAX", "2"))
M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def post_fork(server: object, worker: object) -> None:
    """Bound the worker's malloc arenas before its OCR threads start (glibc only)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError):  # another C library: nothing to bound
        return
    mallopt(M_ARENA_MAX, MALLOC_ARENAS)
