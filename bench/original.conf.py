"""gunicorn settings for the original approach: its defaults (run from the repository root,
gunicorn would otherwise read the service's own gunicorn.conf.py). Only the worker class,
which FastAPI needs, and a timeout long enough for its slowest requests differ."""

worker_class = "uvicorn_worker.UvicornWorker"
timeout = 300
