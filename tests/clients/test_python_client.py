"""The Python client (clients/python) against the real gunicorn server."""

import asyncio
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ocr_client import (
    NO_RETRY,
    AsyncOCRClient,
    AuthenticationError,
    BadRequestError,
    Extraction,
    OCRClient,
    OCRConnectionError,
    PayloadTooLargeError,
    Prediction,
    RetryPolicy,
    ServiceUnavailableError,
    UnprocessableError,
    UnsupportedMediaTypeError,
)

from bench.documents import COUNTRIES, receipt
from bench.server import free_port
from tests.conftest import TEST_TOKEN, LiveServer

pytestmark = pytest.mark.e2e

TIGHT_UPLOAD_BYTES = 200_000


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One OCR thread and no queue: a second request at once is answered 503 + Retry-After.
    A small upload limit, and the access log on so the test can see the 503s it caused."""
    server = LiveServer(
        {
            "OCR_THREADS": "1",
            "OCR_MAX_QUEUE": "0",
            "MAX_UPLOAD_BYTES": str(TIGHT_UPLOAD_BYTES),
            "ACCESS_LOG": "1",
        }
    )
    server.start(tmp_path_factory.mktemp("tight-server"))
    yield server
    server.stop()


def test_predict_reads_the_sample(live_server: LiveServer, samples_dir: Path) -> None:
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        prediction = ocr.predict(samples_dir / "ingredients-2.png")
    assert isinstance(prediction, Prediction)
    assert "chili powder" in prediction.original
    assert any("ground cumin" in line for line in prediction.results)


@pytest.mark.parametrize(
    "kind", ["path", "str", "bytes", "file object"], ids=["path", "str", "bytes", "fileobj"]
)
def test_predict_accepts_every_file_input(
    live_server: LiveServer, samples_dir: Path, kind: str
) -> None:
    path = samples_dir / "ingredients-2.png"
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        if kind == "path":
            prediction = ocr.predict(path)
        elif kind == "str":
            prediction = ocr.predict(str(path))
        elif kind == "bytes":
            prediction = ocr.predict(path.read_bytes())
        else:
            with path.open("rb") as handle:
                prediction = ocr.predict(handle)
    assert "chili powder" in prediction.original


def test_one_client_reuses_its_connection(live_server: LiveServer, sample_png: bytes) -> None:
    connections: list[object] = []

    def remember(response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        connections.append(stream)

    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        ocr._http.event_hooks["response"].append(remember)
        ocr.health()
        ocr.predict(sample_png)
        ocr.health()
    assert len(connections) == 3
    assert connections[0] is connections[1] is connections[2]


def test_async_client_reads_several_at_once(live_server: LiveServer, samples_dir: Path) -> None:
    async def read_all() -> list[Prediction]:
        async with AsyncOCRClient(live_server.url, TEST_TOKEN) as ocr:
            files = [samples_dir / "ingredients-1.png", samples_dir / "ingredients-2.png"]
            assert await ocr.ready()
            return await asyncio.gather(*(ocr.predict(path) for path in files))

    first, second = asyncio.run(read_all())
    assert first.original.strip()
    assert first.original != second.original
    assert "chili powder" in second.original


@pytest.mark.parametrize(
    ("token", "upload", "error"),
    [
        ("wrong", None, AuthenticationError),
        (TEST_TOKEN, b"just some text, not an image", UnsupportedMediaTypeError),
        (TEST_TOKEN, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, BadRequestError),
    ],
    ids=["401-wrong-token", "415-not-an-image", "400-corrupt-png"],
)
def test_error_statuses_raise_their_exception(
    live_server: LiveServer, sample_png: bytes, token: str, upload: bytes | None, error: type
) -> None:
    with OCRClient(live_server.url, token) as ocr, pytest.raises(error) as raised:
        ocr.predict(upload or sample_png, filename="upload.png")
    assert raised.value.status_code == error_status(error)
    assert raised.value.detail  # the service's own explanation travels with it


def error_status(error: type) -> int:
    return {AuthenticationError: 401, UnsupportedMediaTypeError: 415, BadRequestError: 400}[error]


def test_oversize_upload_raises_payload_too_large(tight_server: LiveServer) -> None:
    with OCRClient(tight_server.url, TEST_TOKEN) as ocr, pytest.raises(PayloadTooLargeError) as e:
        ocr.predict(b"\x89PNG" + b"\x00" * (2 * TIGHT_UPLOAD_BYTES), filename="big.png")
    assert str(TIGHT_UPLOAD_BYTES) in e.value.detail


def _predict_at_once(url: str, sample: bytes, retry: RetryPolicy, count: int) -> list[object]:
    """`count` predictions started together, each from its own thread; results or exceptions."""
    outcomes: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def one(index: int) -> None:
        with OCRClient(url, TEST_TOKEN, retry=retry) as ocr:
            barrier.wait(timeout=10)
            try:
                outcomes[index] = ocr.predict(sample)
            except ServiceUnavailableError as error:
                outcomes[index] = error

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def count_503(server: LiveServer) -> int:
    return sum(1 for line in server.log().splitlines() if line.endswith('HTTP/1.1" 503'))


def test_busy_service_is_retried_after_retry_after(
    tight_server: LiveServer, sample_png: bytes
) -> None:
    # Without retries, the saturated server turns requests away with 503 and Retry-After...
    refused = _predict_at_once(tight_server.url, sample_png, NO_RETRY, 3)
    busy = [outcome for outcome in refused if isinstance(outcome, ServiceUnavailableError)]
    assert busy, "the one-thread, no-queue server should have refused a concurrent request"
    assert all(error.retry_after and error.retry_after >= 1 for error in busy)
    log_before = count_503(tight_server)

    # ...and the default client waits as told and gets every result.
    retried = _predict_at_once(tight_server.url, sample_png, RetryPolicy(max_attempts=10), 3)
    assert all(isinstance(outcome, Prediction) for outcome in retried), retried
    assert all("chili powder" in outcome.original for outcome in retried)
    assert count_503(tight_server) > log_before, "no 503 was answered, nothing was retried"


def test_unreachable_service_raises_after_bounded_attempts() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    attempts: list[httpx.Request] = []
    policy = RetryPolicy(max_attempts=3, backoff_seconds=0.01)
    with OCRClient(url, TEST_TOKEN, retry=policy) as ocr:
        ocr._http.event_hooks["request"].append(attempts.append)
        with pytest.raises(OCRConnectionError) as raised:
            ocr.health()
    assert raised.value.retryable
    assert len(attempts) == 3


def test_health_and_ready(live_server: LiveServer) -> None:
    with OCRClient(live_server.url) as ocr:
        assert ocr.health()["status"] == "ok"
        assert ocr.ready() is True


SIDEWAYS_TEXT = "The quick brown fox jumps\nover the lazy dog again\nand reads every line twice"


def sideways_page() -> bytes:
    from io import BytesIO

    from PIL import Image

    from tests.conftest import text_image

    image = Image.open(BytesIO(text_image(SIDEWAYS_TEXT))).rotate(90, expand=True)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_switches_turn_a_preparation_step_off(live_server: LiveServer) -> None:
    page = sideways_page()
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        decided = ocr.ocr(page)
        kept_sideways = ocr.ocr(page, switches={"auto_rotate": False})
    assert any(step.startswith("rotate:") for step in decided.pages[0].steps)
    assert "quick brown fox" in decided.text
    assert not any(step.startswith("rotate:") for step in kept_sideways.pages[0].steps)


def test_the_engine_option_reaches_the_service(live_server: LiveServer) -> None:
    page = sideways_page()
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        neural = ocr.ocr(page, engine="neural")
        tesseract = ocr.ocr(page, engine="tesseract")
        job = ocr.submit(page, engine="neural")
        job.wait(timeout=120)
        from_job = job.result()
    assert neural.pages[0].engine == "neural"
    assert [engine["name"] for engine in neural.engines] == ["neural"]
    assert "quick brown fox" in neural.text
    assert tesseract.pages[0].engine == "tesseract"
    assert from_job.pages[0].engine == "neural"


def _receipt_png(path: Path) -> tuple[Path, dict[str, str]]:
    document = receipt(random.Random(11), COUNTRIES[0], "DejaVuSansMono.ttf", "clean", "r")
    document.image.save(path)
    return path, document.fields


def test_extract_gives_a_receipts_fields_sync_and_async(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path, truth = _receipt_png(tmp_path / "receipt.png")
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        found = ocr.extract(path, kind="receipt")
    assert isinstance(found, Extraction)
    assert found.kind == "receipt"
    assert (found.value("total"), found.value("transaction_date")) == (
        truth["total"],
        truth["transaction_date"],
    )
    assert found.value("currency") == "USD"
    assert found.value("no_such_field") is None
    assert found.consistent
    assert found.items
    assert found.fields["total"].box[2] > found.fields["total"].box[0]

    async def extract_async() -> Extraction:
        async with AsyncOCRClient(live_server.url, TEST_TOKEN) as client:
            return await client.extract(path.read_bytes(), lang="eng")

    assert asyncio.run(extract_async()).value("total") == truth["total"]


def test_extract_with_a_wrong_kind_is_the_services_422(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path, _ = _receipt_png(tmp_path / "receipt.png")
    with OCRClient(live_server.url, TEST_TOKEN) as ocr, pytest.raises(UnprocessableError):
        ocr.extract(path, kind="tables")  # type: ignore[arg-type]  # a kind the service refuses, on purpose
