# One place that installs what the project needs and runs it. `make run`, `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Python keeps its compiled modules (and pytest its rewritten tests) even where the shell says not
# to: without them every test process compiles the whole tree again before its first test.
export PYTHONDONTWRITEBYTECODE :=
TESSERACT_LANGS ?= eng osd deu fra spa ita por nld

# apt only when we are root or have password-less sudo; otherwise say what is missing.
SUDO := $(shell if [ "$$(id -u)" = 0 ]; then echo; elif sudo -n true 2>/dev/null; then echo sudo -n; else echo none; fi)
TESSDATA_FILES := $(foreach lang,$(TESSERACT_LANGS),/usr/share/tesseract-ocr/5/tessdata/$(lang).traineddata)
# qpdf merges the pages of a searchable PDF with flat memory (app/ocr/rendering/merge.py).
APT_OCR := tesseract-ocr $(foreach lang,$(TESSERACT_LANGS),tesseract-ocr-$(lang)) qpdf fonts-dejavu-core
APT_TEST := chromium fonts-dejavu-core redis-server

.PHONY: help run worker run-cluster test test-fast typecheck lint lock bench bench-jobs bench-cluster bench-accuracy bench-extract bench-options soak smoke system-deps system-deps-test system-deps-cluster venv clean _apt-venv

help:
	@echo "make run    serve the app on http://127.0.0.1:$(PORT) (installs what is missing)"
	@echo "make test   install what is missing, then the type checker and the whole test suite"
	@echo "make test-fast  the unit tier (no server, browser, eval set or larger model): under a minute"
	@echo "make lint   ruff and the other pre-commit hooks"
	@echo "make worker  a job worker of the distributed layout (needs JOBS_BROKER_URL, STORAGE_URL)"
	@echo "make run-cluster  the distributed layout on loopback: Redis, S3, 2 web instances, WORKERS=2 workers"
	@echo "make bench  throughput benchmark; make bench-jobs  jobs benchmark; make bench-cluster  workers benchmark"
	@echo "make bench-accuracy  accuracy benchmark"
	@echo "make bench-extract  receipts and invoices as data: fields right, engines side by side"
	@echo "make bench-options  lang=auto, chars_allow and words against reading without them"

define apt_install
	@missing=""; for pkg in $(1); do dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$(SUDO)" = none ]; then \
	    echo "Missing system packages:$$missing. Install them (apt-get install$$missing) or run as root."; exit 1; \
	  fi; \
	  echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call apt_install,$(APT_OCR))

system-deps-test: system-deps
	$(call apt_install,$(APT_TEST))

# Redis from Debian for the distributed layout on one machine (production uses a managed one).
system-deps-cluster: system-deps
	$(call apt_install,redis-server)

$(BIN)/activate:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  $(MAKE) --no-print-directory _apt-venv && $(PYTHON) -m venv $(VENV); }

_apt-venv:
	$(call apt_install,python3-venv)

# The locked requirements, every file checked against its hash; then the repository's own
# client from its folder (its dependencies are in the lock), as users install it.
$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e ./clients/python
	@touch $@

# Compile requirements*.in into the locks, with every transitive dependency and its hashes;
# the runtime lock constrains the dev one, so tests run the versions the image runs.
lock: $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements-dev.in --constraint requirements.txt -o requirements-dev.txt
	$(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 requirements-gpu.in --constraint requirements.txt --no-deps -o requirements-gpu.txt

venv: $(VENV)/.installed

.dev-token:
	@$(PYTHON) -c "import secrets; print('dev-' + secrets.token_urlsafe(18))" > $@

# Job callbacks are signed with this secret (Standard Webhooks' whsec_ form).
.dev-callback-secret:
	@$(PYTHON) -c "import base64, secrets; print('whsec_' + base64.b64encode(secrets.token_bytes(24)).decode())" > $@

# A development machine's callbacks go to a site on the same machine: loopback allowed here.
run: system-deps venv .dev-token .dev-callback-secret
	@echo "Serving on http://127.0.0.1:$(PORT)  development token: $$(cat .dev-token)"
	@echo "Job callbacks are signed with CALLBACK_SECRET=$$(cat .dev-callback-secret)"
	APP_AUTH_TOKEN="$${APP_AUTH_TOKEN:-$$(cat .dev-token)}" ECHO_ACTIVE="$${ECHO_ACTIVE:-1}" \
	  CALLBACK_SECRET="$${CALLBACK_SECRET:-$$(cat .dev-callback-secret)}" \
	  CALLBACK_ALLOW_PRIVATE="$${CALLBACK_ALLOW_PRIVATE:-1}" \
	  $(BIN)/gunicorn app.main:app --bind 127.0.0.1:$(PORT)

# A worker of the distributed layout: the same image and settings as the web instances, with
# JOBS_BROKER_URL and STORAGE_URL set (README, "Past one machine").
worker: system-deps venv
	$(BIN)/python -m app.jobs.worker

WORKERS ?= 2
# Redis, moto's S3 server, web instances on PORT and PORT+1, and WORKERS workers, on loopback.
run-cluster: system-deps-cluster venv .dev-token
	APP_AUTH_TOKEN="$${APP_AUTH_TOKEN:-$$(cat .dev-token)}" \
	  $(BIN)/python -m bench.cluster --workers $(WORKERS) --port $(PORT)

# Test processes (pytest-xdist): the suite waits on servers, processes and polls more than it
# computes, so two keep a 2-core machine busy. TEST_PROCESSES=0 runs in this one process.
TEST_PROCESSES ?= 2

test: system-deps-test venv typecheck
	$(BIN)/pytest -n $(TEST_PROCESSES)

# The tier every commit runs (pre-commit): no server, no browser, no eval set, no larger model.
test-fast: system-deps venv
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist worksteal -m "not e2e and not browser and not eval and not slow"

# Strict on the service and the benchmarks; the client for the oldest Python it supports.
typecheck: venv
	$(BIN)/mypy
	$(BIN)/mypy --python-version 3.10 clients/python/src

# Smoke checks against a deployed service: make smoke URL=https://ocr.example.com TOKEN=...
smoke: venv
	@if [ -z "$(URL)" ]; then echo "usage: make smoke URL=https://your-app TOKEN=your-token"; exit 2; fi
	SMOKE_URL="$(URL)" SMOKE_TOKEN="$(TOKEN)" $(BIN)/pytest tests/smoke -m smoke

lint: venv
	$(BIN)/pre-commit run --all-files

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts

# Throughput benchmark (not a test): make bench, or make bench QUICK=1 for a shorter run.
bench: system-deps venv
	$(BIN)/python -m bench.bench $(if $(QUICK),--quick)

# Ten minutes of steady load on the production server; reports RSS growth (not part of CI).
soak: system-deps venv
	$(BIN)/python -m bench.soak

# One long document through /v1/jobs against the engine on all cores: make bench-jobs [QUICK=1].
bench-jobs: system-deps venv
	$(BIN)/python -m bench.jobs $(if $(QUICK),--quick)

# One long job on the distributed backend with 1, 2 and 4 workers: make bench-cluster [QUICK=1].
bench-cluster: system-deps-cluster venv
	$(BIN)/python -m bench.cluster_bench $(if $(QUICK),--quick)

# Receipts and invoices as data: fields right on real SROIE receipts and on generated documents, engines side by side: make bench-extract [QUICK=1].
bench-extract: system-deps venv
	$(BIN)/python -m bench.extract $(if $(QUICK),--quick)

# lang=auto against the named language (pick rate, CER, time), chars_allow on meters, words on
# invented names, each beside the reading without it: make bench-options [QUICK=1].
bench-options: system-deps venv
	$(BIN)/python -m bench.options $(if $(QUICK),--quick)

# Accuracy on real photos, ../shared/eval and generated pages: plain Tesseract, engine=tesseract, engine=neural, auto and bare RapidOCR side by side: make bench-accuracy [QUICK=1] [NO_NEURAL=1].
bench-accuracy: system-deps venv
	$(BIN)/python -m bench.accuracy $(if $(QUICK),--quick) $(if $(NO_NEURAL),--no-neural)
