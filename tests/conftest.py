"""Shared fixtures: sample files, an in-process client, settings overrides, a real server."""

from __future__ import annotations

import functools
import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from app.core.config import Settings, get_settings
from bench.server import GunicornServer

# The app, its engines and the cluster load in the fixtures that need them: pytest's controlling
# process (under xdist it runs no test) then starts without them.
if TYPE_CHECKING:
    from app.ocr.engines.neural_engine import NeuralEngine
    from app.ocr.engines.protocol import OcrEngine
    from bench.cluster import Cluster
    from bench.redis_server import RedisServer
    from bench.s3_server import S3Server

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("OCR_SHARED_DIR", REPO_ROOT.parent / "shared"))
SAMPLES_DIR = SHARED_DIR / "samples"
EVAL_DIR = SHARED_DIR / "eval"
TEST_TOKEN = "test-token"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

SettingsFactory = Callable[..., Settings]


@functools.cache
def _test_data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="ocr-test-data-"))


def make_settings(**changes: object) -> Settings:
    """Settings for tests: no .env file, a test token, jobs' data in a temporary folder, then
    the given changes."""
    values: dict[str, object] = {"app_auth_token": TEST_TOKEN, "data_dir": _test_data_dir()}
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# Tiers by what a test needs, so `make test-fast` leaves out whatever takes seconds.
TIER_BY_FIXTURE = {
    "eval_dir": "eval",
    "engine_with_larger_models": "slow",
    "neural": "slow",  # the neural reader's models: loading and reading take seconds
    "live_server": "e2e",
    "start_server": "e2e",
    "redis_server": "e2e",
    "start_cluster": "e2e",
    "s3_server": "e2e",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in TIER_BY_FIXTURE:
                item.add_marker(TIER_BY_FIXTURE[fixture])


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    return EVAL_DIR


@pytest.fixture(scope="session")
def engine() -> Iterator[OcrEngine]:
    """The tesserocr engine with the standard models only: the fast tier's engine."""
    from app.ocr.engines import create_engine
    from app.ocr.engines.tessdata import find_tessdata

    created = create_engine("tesserocr", tessdata=find_tessdata(), max_handles=4)
    yield created
    created.close()


@pytest.fixture(scope="session")
def neural() -> Iterator[NeuralEngine]:
    """The neural reader, its models loaded and warmed up once."""
    from app.ocr.engines.neural_engine import NeuralEngine

    reader = NeuralEngine(max_readers=2)
    reader.warm_up()
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def subprocess_engine() -> Iterator[OcrEngine]:
    """The pytesseract engine: a tesseract process per reading."""
    from app.ocr.engines import create_engine
    from app.ocr.engines.tessdata import find_tessdata

    created = create_engine("pytesseract", tessdata=find_tessdata(), max_handles=1)
    yield created
    created.close()


@pytest.fixture(params=["tesserocr", "pytesseract"])
def either_engine(request: pytest.FixtureRequest) -> OcrEngine:
    """Each engine in turn, for what both must do alike."""
    name = "engine" if request.param == "tesserocr" else "subprocess_engine"
    chosen: OcrEngine = request.getfixturevalue(name)
    return chosen


@pytest.fixture(scope="session")
def engine_with_larger_models() -> Iterator[OcrEngine]:
    """The tesserocr engine as the service loads it: standard and larger models."""
    from app.ocr.engines import create_engine
    from app.ocr.engines.tessdata import find_accurate_tessdata, find_tessdata

    engine = create_engine(
        "tesserocr",
        tessdata=find_tessdata(),
        accurate_tessdata=find_accurate_tessdata(),
        max_handles=4,
    )
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def sample_png(samples_dir: Path) -> bytes:
    return (samples_dir / "ingredients-2.png").read_bytes()


def use_settings(app: FastAPI, settings: Settings) -> Settings:
    """Run the app on `settings` from now on: its dependencies and its middleware (which read
    the settings the app started with) alike."""
    app.dependency_overrides[get_settings] = lambda: settings
    app.state.settings = settings
    return settings


@pytest.fixture(scope="session")
def app_instance(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    from app.main import create_app

    app = create_app()
    upload_dir = tmp_path_factory.mktemp("uploads")
    base = make_settings(upload_dir=upload_dir)
    app.dependency_overrides[get_settings] = lambda: base
    return app


@pytest.fixture(scope="session")
def _session_client(app_instance) -> Iterator[TestClient]:
    with TestClient(app_instance) as client:
        yield client


@pytest.fixture
def client(_session_client: TestClient, app_instance, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient on the real app and engine; settings reset to the test defaults each test."""
    base = use_settings(app_instance, make_settings(upload_dir=tmp_path / "uploads"))
    yield _session_client
    use_settings(app_instance, base)


@pytest.fixture
def override_settings(app_instance, tmp_path: Path) -> SettingsFactory:
    """Call with Settings fields to change them for the rest of the test."""

    def apply(**changes: object) -> Settings:
        changes.setdefault("upload_dir", tmp_path / "uploads")
        return use_settings(app_instance, make_settings(**changes))

    return apply


@pytest.fixture(scope="session")
def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_TOKEN}"}


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's built-in font has no accented letters; DejaVu has them all.
    return (
        ImageFont.truetype(str(DEJAVU), size) if DEJAVU.exists() else ImageFont.load_default(size)
    )


def text_image(text: str, *, size: int = 40, padding: int = 30, fmt: str = "PNG") -> bytes:
    """A clean image of some text, drawn with a real font, encoded in the given format."""
    font = _font(size)
    lines = text.splitlines()
    width = max(int(font.getlength(line)) for line in lines) + 2 * padding
    height = len(lines) * int(size * 1.5) + 2 * padding
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((padding, padding + index * int(size * 1.5)), line, fill="black", font=font)
    buffer = BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def hocr_lines(body: bytes) -> list[dict[str, list[float]]]:
    """Each hOCR line's properties: bbox, baseline, x_size, ..."""
    titles = re.findall(r"class='ocr_line'[^>]*title=\"([^\"]*)\"", body.decode())
    return [
        {name: [float(value) for value in values] for name, *values in
         (part.split() for part in title.split("; "))}
        for title in titles
    ]  # fmt: skip


def read_http_response(sock: socket.socket) -> bytes:
    """One raw HTTP response: the head, then as much body as its Content-Length announces (the
    body may come in a later packet than the head), or up to the connection's end."""
    data = b""
    expected: int | None = None
    while expected is None or expected < 0 or len(data) < expected:
        if expected is None and b"\r\n\r\n" in data:
            head = data.split(b"\r\n\r\n", 1)[0]
            match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            expected = len(head) + 4 + int(match.group(1)) if match else -1
            continue
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


class LiveServer(GunicornServer):
    """`gunicorn app.main:app` exactly as production runs it, on a free loopback port, with
    the tests' token."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        data_dir = tempfile.mkdtemp(prefix="ocr-live-data-")
        super().__init__({"APP_AUTH_TOKEN": TEST_TOKEN, "DATA_DIR": data_dir, **(env or {})})
        self.data_dir = Path(self.env["DATA_DIR"])

    def start(self, log_dir: Path | None = None) -> LiveServer:
        super().start(log_dir)
        return self


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real production server, shared by the end-to-end tests of a run."""
    upload_dir = tmp_path_factory.mktemp("live-uploads")
    server = LiveServer({"ECHO_ACTIVE": "1", "UPLOAD_DIR": str(upload_dir)})
    server.start(tmp_path_factory.mktemp("live-logs"))
    yield server
    server.stop()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start a dedicated real server with extra environment; stopped after the test."""
    started: list[LiveServer] = []

    def start(**env: str) -> LiveServer:
        server = LiveServer(env)
        started.append(server)
        return server.start(tmp_path)

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server without persistence, shared by the tests of a run."""
    from bench.redis_server import RedisServer

    server = RedisServer().start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (moto's server mode), shared by the tests of a run."""
    from bench.s3_server import S3Server

    server = S3Server().start(log_dir=tmp_path_factory.mktemp("s3-server"))
    yield server
    server.stop()


@pytest.fixture
def start_cluster(tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    """The distributed layout's shared parts of the test's own (a real redis-server and S3
    server), started; the test starts web instances and workers on it; all stopped after."""
    from bench.cluster import Cluster

    started: list[Cluster] = []

    def start(**options: Any) -> Cluster:
        cluster = Cluster(TEST_TOKEN, root=tmp_path / f"cluster-{len(started)}", **options)
        started.append(cluster)
        return cluster.start_stores()

    yield start
    for cluster in started:
        cluster.stop()


class CrashingHandle:
    """A pooled tesserocr handle whose recognition crashes; everything else is the real one.
    `ended` records that the pool ended it rather than reusing it."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.ended = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def Recognize(self, timeout: int = 0) -> bool:
        raise RuntimeError("engine crashed")

    def End(self) -> None:
        self.ended = True
        self.real.End()  # type: ignore[attr-defined]


def crash_next_handle(engine: object, lang: str = "eng") -> CrashingHandle:
    """Make the idle handle the next request of `lang` takes crash inside Tesseract."""
    from app.ocr.engines.tesserocr_engine import TesserocrEngine

    assert isinstance(engine, TesserocrEngine)
    idle = engine._pool.idle(engine._tessdata, lang)
    idle[-1] = CrashingHandle(idle[-1])
    return idle[-1]
