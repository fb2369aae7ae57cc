# The production image runs what `make run` and the end-to-end tests run: `gunicorn app.main:app`.
FROM python:3.11-slim-bookworm

# More languages at build time: --build-arg TESSERACT_LANGS="eng osd deu fra jpn"
ARG TESSERACT_LANGS="eng osd deu fra spa ita por nld"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /srv

# Tesseract and its language data from Debian, installed by the same Makefile target as on a
# developer machine. Versions come from the pinned Debian release of the base image; pinning each
# package too would break the build at every Debian point release.
COPY Makefile ./
# make is only needed for that: it leaves the image again.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && make system-deps TESSERACT_LANGS="${TESSERACT_LANGS}" \
    && apt-get purge -y --auto-remove make \
    && rm -rf /var/lib/apt/lists/*

# The neural reader on an NVIDIA GPU: --build-arg OCR_DEVICE=cuda swaps onnxruntime for
# onnxruntime-gpu (requirements-gpu.txt) and sets OCR_DEVICE; the host provides the driver, and
# CUDA 12 and cuDNN 9 must be on the library path (docs/engines.md). The default image is CPU.
ARG OCR_DEVICE=cpu

# The lock: every dependency pinned, every file checked against its hash, as make installs it.
COPY requirements.txt requirements-gpu.txt ./
RUN pip install --require-hashes -r requirements.txt \
    && if [ "${OCR_DEVICE}" = "cuda" ]; then \
        pip uninstall -y onnxruntime \
        && pip install --require-hashes --no-deps -r requirements-gpu.txt; \
    fi
ENV OCR_DEVICE=${OCR_DEVICE}

COPY gunicorn.conf.py ./
COPY app ./app

# Jobs keep their records and files in DATA_DIR: mount a volume there to keep them across
# restarts of the container.
ENV DATA_DIR=/srv/data
RUN useradd --system --uid 10001 --home-dir /srv ocr \
    && mkdir -p /srv/uploads /srv/data \
    && chown ocr /srv/uploads /srv/data
USER 10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/v1/health\", timeout=4)"]

CMD ["gunicorn", "app.main:app"]
