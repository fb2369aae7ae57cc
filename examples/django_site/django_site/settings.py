"""Settings of the example site: the least Django needs, plus where the OCR service is.

OCR_SERVICE_URL and OCR_SERVICE_TOKEN come from the environment, as they would in production.
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
DATABASES: dict[str, dict[str, str]] = {}  # the example stores nothing
USE_TZ = True

# Uploads larger than this are refused by the form before anything is sent on.
OCR_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
OCR_SERVICE_URL = os.environ.get("OCR_SERVICE_URL", "http://127.0.0.1:8000")
OCR_SERVICE_TOKEN = os.environ.get("OCR_SERVICE_TOKEN", "")
OCR_SERVICE_TIMEOUT = float(os.environ.get("OCR_SERVICE_TIMEOUT", "60"))
