"""The deploy files: the Dockerfile passes hadolint and runs what the tests run; the
DigitalOcean App Platform template holds the fields the platform documents, with values that
match this app."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
TEMPLATE = REPO_ROOT / ".do" / "deploy.template.yaml"

# App Platform's instance sizes: apps-<s|d>-<vCPUs>vcpu-<memory>gb, "-fixed" for those that run
# a single instance only.
INSTANCE_SIZE = re.compile(r"apps-[sd]-(\d+)vcpu-(\d+(?:\.\d+)?)gb(-fixed)?")
# What the service may use at peak (make bench's RSS target), with room for a large PDF.
NEEDED_GB = 1.0
ENV_SCOPES = {"RUN_TIME", "BUILD_TIME", "RUN_AND_BUILD_TIME"}
ENV_TYPES = {"GENERAL", "SECRET"}
NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")  # the app spec's rule for names


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_what_the_makefile_and_tests_run() -> None:
    text = DOCKERFILE.read_text()
    assert "make system-deps" in text
    commands = [line for line in text.splitlines() if line.startswith("CMD ")]
    assert commands == ['CMD ["gunicorn", "app.main:app"]']


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text())["spec"]


@pytest.fixture(scope="module")
def service(spec: dict[str, Any]) -> dict[str, Any]:
    services = spec["services"]
    assert isinstance(services, list)
    assert len(services) == 1
    return services[0]


def gunicorn_default_port(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.delenv("PORT", raising=False)
    bind = runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))["bind"]
    return int(bind.rsplit(":", 1)[1])


def test_names_follow_the_app_spec_rules(spec: dict[str, Any], service: dict[str, Any]) -> None:
    assert NAME.match(spec["name"])
    assert NAME.match(service["name"])


def test_source_is_a_github_repo_and_branch_to_edit(service: dict[str, Any]) -> None:
    sources = [key for key in ("github", "gitlab", "git", "image") if key in service]
    assert sources == ["github"]
    github = service["github"]
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", github["repo"])
    assert github["branch"]


def test_dockerfile_path_exists(service: dict[str, Any]) -> None:
    path = REPO_ROOT / service["dockerfile_path"]
    assert path.is_file()
    assert path.resolve() == DOCKERFILE.resolve()


def test_http_port_is_gunicorns_default_port(
    service: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = gunicorn_default_port(monkeypatch)
    assert service["http_port"] == port
    assert f"EXPOSE {port}" in DOCKERFILE.read_text()


def test_health_check_path_answers_200(service: dict[str, Any], client: TestClient) -> None:
    check = service["health_check"]
    assert check["http_path"].startswith("/")
    assert client.get(check["http_path"]).status_code == 200
    for field in ("initial_delay_seconds", "period_seconds", "timeout_seconds"):
        assert isinstance(check.get(field, 1), int)
        assert check.get(field, 1) >= 0


def test_token_is_a_secret_and_envs_are_well_formed(service: dict[str, Any]) -> None:
    envs = {env["key"]: env for env in service["envs"]}
    assert envs["APP_AUTH_TOKEN"]["type"] == "SECRET"
    # Behind the platform's load balancer the app must believe its X-Forwarded-Proto, or the
    # page links its assets over http from an https page.
    assert envs["FORWARDED_ALLOW_IPS"]["value"] == "*"
    for env in service["envs"]:
        assert env.get("scope", "RUN_AND_BUILD_TIME") in ENV_SCOPES
        assert env.get("type", "GENERAL") in ENV_TYPES
        assert isinstance(env.get("value", ""), str), f"{env['key']}: values must be strings"


def test_the_instance_holds_the_service(service: dict[str, Any]) -> None:
    count = service["instance_count"]
    assert isinstance(count, int)
    assert count >= 1
    size = INSTANCE_SIZE.fullmatch(service["instance_size_slug"])
    assert size, f"{service['instance_size_slug']} is not an App Platform instance size"
    assert float(size.group(2)) >= NEEDED_GB
    if count > 1:
        assert not size.group(3), "a -fixed size cannot run more than one instance"


def test_routes_send_traffic_to_the_service(service: dict[str, Any]) -> None:
    paths = [route["path"] for route in service.get("routes", [])]
    assert "/" in paths


ARENAS = """
import ctypes, runpy, sys, threading
config = runpy.run_path(sys.argv[1])
if sys.argv[2] == "after-fork":
    config["post_fork"](None, None)
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
alive = threading.Barrier(9)  # eight threads and this one
def allocate():
    libc.malloc(4096)  # a thread's first allocation picks its arena
    alive.wait()
    alive.wait()  # still alive while the arenas are counted: none handed on
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
alive.wait()
report = libc.fopen(sys.argv[3].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(report))
libc.fclose(ctypes.c_void_p(report))
alive.wait()
"""


@pytest.mark.parametrize(
    ("when", "bounded"), [("after-fork", True), ("as-started", False)], ids=["worker", "default"]
)
def test_a_worker_bounds_its_malloc_arenas(tmp_path: Path, when: str, bounded: bool) -> None:
    """Eight threads allocating at once share two malloc arenas in a worker (gunicorn's
    post_fork hook), where glibc would give each its own."""
    report = tmp_path / "malloc.xml"
    subprocess.run(
        [sys.executable, "-c", ARENAS, str(REPO_ROOT / "gunicorn.conf.py"), when, str(report)],
        check=True,
        timeout=30,
        env={key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"},
    )
    arenas = report.read_text().count("<heap nr=")
    assert (arenas <= 2) is bounded, arenas


def pins(lock: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s\\]+)", lock.read_text(), re.M))


def test_the_image_installs_the_lock_the_tests_run_on() -> None:
    assert "pip install --require-hashes -r requirements.txt" in DOCKERFILE.read_text()
    runtime, dev = pins(REPO_ROOT / "requirements.txt"), pins(REPO_ROOT / "requirements-dev.txt")
    assert {"fastapi", "tesserocr", "pillow", "gunicorn"} <= set(runtime)
    # Every package the image runs is the very version the tests run.
    assert {name: dev.get(name) for name in runtime} == runtime
    for lock in ("requirements.txt", "requirements-dev.txt", "requirements-gpu.txt"):
        blocks = re.split(r"\n(?=\S)", (REPO_ROOT / lock).read_text())
        unhashed = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash" not in b]
        assert not unhashed, f"{lock}: no hash for {unhashed}"


def test_the_gpu_image_swaps_onnxruntime_for_the_same_version_on_cuda() -> None:
    runtime, gpu = pins(REPO_ROOT / "requirements.txt"), pins(REPO_ROOT / "requirements-gpu.txt")
    assert gpu == {"onnxruntime-gpu": runtime["onnxruntime"]}
    dockerfile = DOCKERFILE.read_text()
    assert "ARG OCR_DEVICE=cpu" in dockerfile  # the default image stays the CPU one
    assert "pip uninstall -y onnxruntime" in dockerfile
    assert "--require-hashes --no-deps -r requirements-gpu.txt" in dockerfile
    assert "ENV OCR_DEVICE=${OCR_DEVICE}" in dockerfile


def test_the_image_is_built_from_the_app_alone() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything is left out but what is named, .env and tokens too
    for needed in (
        "app/",
        "gunicorn.conf.py",
        "Makefile",
        "requirements.txt",
        "requirements-gpu.txt",
    ):
        assert f"!{needed}" in ignored
        assert needed.rstrip("/") in DOCKERFILE.read_text()


EMBEDDED = REPO_ROOT / ".do" / "embedded.template.yaml"
DISTRIBUTED_SETTINGS = {"JOBS_BROKER_URL", "STORAGE_URL", "STORAGE_ENDPOINT_URL"}


def _envs(component: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {env["key"]: env for env in component.get("envs", [])}


def test_workers_run_the_worker_command_of_the_same_image(spec: dict[str, Any]) -> None:
    (worker,) = spec["workers"]
    assert NAME.match(worker["name"])
    assert worker["dockerfile_path"] == "Dockerfile"
    assert worker["run_command"] == "python -m app.jobs.worker"
    assert worker["github"] == spec["services"][0]["github"]
    assert "http_port" not in worker
    assert "routes" not in worker


def test_web_and_workers_share_the_queue_and_the_bucket(spec: dict[str, Any]) -> None:
    (database,) = spec["databases"]
    assert database["engine"] in {"REDIS", "VALKEY"}
    assert database["production"] is True  # App Platform's dev databases are PostgreSQL only
    components = [spec["services"][0], spec["workers"][0]]
    for component in components:
        envs = _envs(component)
        assert set(envs) >= DISTRIBUTED_SETTINGS
        assert envs["JOBS_BROKER_URL"]["value"] == f"${{{database['name']}.DATABASE_URL}}"
        assert envs["STORAGE_URL"]["value"].startswith("s3://")
        for secret in ("APP_AUTH_TOKEN", "STORAGE_ACCESS_KEY_ID", "STORAGE_SECRET_ACCESS_KEY"):
            assert envs[secret]["type"] == "SECRET", secret
    first, second = (_envs(component) for component in components)
    for key in DISTRIBUTED_SETTINGS | {"STORAGE_REGION"}:
        assert first[key]["value"] == second[key]["value"], key


def test_the_single_service_layout_needs_nothing_else() -> None:
    spec = yaml.safe_load(EMBEDDED.read_text())["spec"]
    assert set(spec) == {"name", "services"}
    (service,) = spec["services"]
    assert not DISTRIBUTED_SETTINGS & set(_envs(service))
    assert _envs(service)["APP_AUTH_TOKEN"]["type"] == "SECRET"
