"""Settings of the example site: the least Django needs, plus where the OCR service is.

OCR_SERVICE_URL and OCR_SERVICE_TOKEN come from the environment, as they would in production,
and so do OCR_CALLBACK_URL and OCR_CALLBACK_SECRET when the service should call back.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = ["ocr_upload"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "django_site.urls"
WSGI_APPLICATION = "django_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
# The receipts page stores what the service extracted from each receipt (ocr_upload.models):
# SQLite beside the site, or where OCR_EXAMPLE_DB says.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("OCR_EXAMPLE_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The jobs a visitor submitted live in their session, kept in a signed cookie: no database.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
USE_TZ = True

# Uploads larger than this are refused by the form before anything is sent on (the service's
# own limit for a job is JOBS_MAX_BYTES, 500 MiB by default).
OCR_MAX_UPLOAD_BYTES = int(os.environ.get("OCR_MAX_UPLOAD_BYTES", str(500 * 1024 * 1024)))
# PDFs and TIFFs, and any file from this size on, are sent as a job (POST /v1/jobs), read in the
# background with a progress page; smaller images are read within the request (POST /).
OCR_JOB_MIN_BYTES = int(os.environ.get("OCR_JOB_MIN_BYTES", str(10 * 1024 * 1024)))
# How often the job page reloads itself while the service reads the pages.
OCR_JOB_REFRESH_SECONDS = 2
OCR_SERVICE_URL = os.environ.get("OCR_SERVICE_URL", "http://127.0.0.1:8000")
OCR_SERVICE_TOKEN = os.environ.get("OCR_SERVICE_TOKEN", "")
OCR_SERVICE_TIMEOUT = float(os.environ.get("OCR_SERVICE_TIMEOUT", "60"))
# Optional: where the service POSTs when a job ends (this site's /ocr-callback/, as the service
# can reach it) and the service's CALLBACK_SECRET that signs it. Unset: the job page polls.
OCR_CALLBACK_URL = os.environ.get("OCR_CALLBACK_URL", "")
OCR_CALLBACK_SECRET = os.environ.get("OCR_CALLBACK_SECRET", "")
# Where the callback view notes which jobs have ended: this process's memory. A site running
# several processes needs a cache they share (Redis, Memcached) or a database table instead.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
