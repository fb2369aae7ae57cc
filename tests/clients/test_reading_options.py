"""The reading options of /v1/ocr and /v1/jobs the client and the `ocr` command send: `lang=auto`,
`chars_allow`, `chars_deny`, `words` and `patterns` (repeated query parameters) and `layout`.
Through httpx's mock transport, the query each sends; against the service's own declaration
of its parameters, their names; against the real server, that it hears them."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from ocr_client import (
    AsyncOCRClient,
    Language,
    OCRClient,
    OCRResult,
    UnprocessableError,
    _requests,
    cli,
)

from tests.clients.test_client_plumbing import FakeService, accepted, mock, scripted
from tests.conftest import TEST_TOKEN, LiveServer, text_image

READING = {
    "lang": "auto",
    "chars_allow": "0123456789.",
    "chars_deny": "|~",
    "words": ["Kleenr", "Zorblax"],
    "patterns": [r"\A\A-\d\d\d\d", r"\d\d\d"],
}
"""Every new reading option, as `ocr()` and `submit()` take them."""
SENT = [
    ("lang", "auto"),
    ("chars_allow", "0123456789."),
    ("chars_deny", "|~"),
    ("words", "Kleenr"),
    ("words", "Zorblax"),
    ("patterns", r"\A\A-\d\d\d\d"),
    ("patterns", r"\d\d\d"),
]
"""...and the query they make: a list is its parameter repeated, once a value, in order."""

PAGE = {"number": 1, "width": 10, "height": 10, "text": "bonjour", "lines": []}
FRENCH = {**PAGE, "languages": [{"language": "fra", "confidence": 0.97}]}


def ocr_answer(page: dict[str, Any] = PAGE) -> httpx.Response:
    return httpx.Response(200, json={"text": page["text"], "pages": [page]})


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return list(request.url.params.multi_items())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_ocr_sends_every_reading_option_and_the_layout(kind: str) -> None:
    transport, seen = scripted(httpx.Response(200, text="12.5\n"))
    if kind == "sync":
        with mock(transport) as ocr:
            text = ocr.ocr(b"image", format="text", layout="preserve", **READING)
    else:

        async def go() -> str:
            async with AsyncOCRClient("http://ocr.test", "t", transport=transport) as ocr:
                return await ocr.ocr(b"image", format="text", layout="preserve", **READING)

        text = asyncio.run(go())
    assert text == "12.5\n"
    assert seen[0].url.path == "/v1/ocr"
    assert query(seen[0]) == [("format", "text"), *SENT, ("layout", "preserve")]
    # Repeated in the URL itself, not joined into one value.
    assert b"words=Kleenr&words=Zorblax" in seen[0].url.query


def test_submit_sends_every_reading_option_and_refuses_a_layout(tmp_path: Path) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    transport, seen = scripted(accepted())
    with mock(transport) as ocr:
        job = ocr.submit(document, formats=["hocr"], **READING)
        # POST /v1/jobs has no layout (a job's text is laid out when it is fetched): an error
        # here, rather than an option the service would pass over without a word.
        with pytest.raises(TypeError, match="'layout'"):
            ocr.submit(document, layout="preserve")  # type: ignore[call-arg]  # wrong on purpose
    assert job.id == "j_1"
    assert len(seen) == 1
    assert seen[0].url.path == "/v1/jobs"
    assert query(seen[0]) == [*SENT, ("formats", "hocr")]


def test_a_jobs_text_is_laid_out_when_its_result_is_fetched() -> None:
    transport, seen = scripted(httpx.Response(200, text="  12.5      EUR\n"))
    with mock(transport) as ocr:
        job = ocr.job("j_1")
        preserved = job.result(format="text", layout="preserve")
        plain = job.result("text")
    assert preserved == "  12.5      EUR\n"
    assert plain == "  12.5      EUR\n"
    assert [request.url.path for request in seen] == ["/v1/jobs/j_1/result"] * 2
    assert query(seen[0]) == [("format", "text"), ("layout", "preserve")]
    assert query(seen[1]) == [("format", "text")]  # left out: the service's `reading`


def test_options_left_out_are_not_sent_and_one_word_is_one_word() -> None:
    transport, seen = scripted(ocr_answer())
    with mock(transport) as ocr:
        ocr.ocr(b"image")
        ocr.ocr(b"image", words=[], patterns=None, chars_allow=None, layout=None)
        ocr.ocr(b"image", words="Zorblax", patterns=r"\d\d")
    assert query(seen[0]) == [("format", "json")]
    assert query(seen[1]) == [("format", "json")]
    assert query(seen[2]) == [("format", "json"), ("words", "Zorblax"), ("patterns", r"\d\d")]


def test_the_languages_found_on_a_page_are_its_languages() -> None:
    transport, _ = scripted(ocr_answer(FRENCH))
    with mock(transport) as ocr:
        result = ocr.ocr(b"image", lang="auto")
    assert result.pages[0].languages == [Language("fra", 0.97)]
    named = OCRResult.from_json({"text": "x", "pages": [PAGE]})
    assert named.pages[0].languages == []  # a language named: none found


def test_the_options_sent_are_the_ones_the_service_declares(app_instance: FastAPI) -> None:
    """Each endpoint's query parameters, as the service's OpenAPI declares them: every name
    the client sends is one of them, and the ones it repeats are arrays there."""
    operations = app_instance.openapi()["paths"]

    def declared(method: str, path: str) -> dict[str, set[str]]:
        """Each query parameter's types: `str | None` is {"string", "null"}."""
        return {
            parameter["name"]: {kind.get("type", "") for kind in schema.get("anyOf", [schema])}
            for parameter in operations[path][method]["parameters"]
            if parameter["in"] == "query"
            for schema in [parameter["schema"]]
        }

    full = {**READING, "psm": 6, "engine": "tesseract", "dpi": 300, "pages": "1"}
    requests = {
        ("post", "/v1/ocr"): _requests.ocr(b"x", "text", {**full, "layout": "preserve"}),
        ("post", "/v1/jobs"): _requests.submit(b"x", {**full, "formats": ["pdf"]}),
        ("get", "/v1/jobs/{job_id}/result"): _requests.job_result("j_1", "text", "preserve"),
    }
    for (method, path), request in requests.items():
        names = declared(method, path)
        assert request.params is not None
        assert set(request.params) <= set(names), path
        repeated = {name for name, value in request.params.items() if isinstance(value, list)}
        assert {name for name in request.params if "array" in names[name]} == repeated, path
    assert {"words", "patterns"} <= set(requests["post", "/v1/jobs"].params or {})


# The `ocr` command: its flags, and the query they make on either path (a job or one request).


FLAGS = [
    *("--lang", "auto", "--chars-allow", "0123456789.", "--chars-deny", "|~"),
    *("--word", "Kleenr", "--word", "Zorblax"),
    *("--pattern", r"\A\A-\d\d\d\d", "--pattern", r"\d\d\d"),
]


def test_the_flags_are_the_reading_options() -> None:
    args = cli.build_parser().parse_args(["read", "scan.png", *FLAGS, "--layout", "preserve"])
    options = cli._read_options(args)
    assert {name: options.get(name) for name in READING} == READING
    assert args.layout == "preserve"
    bare = cli._read_options(cli.build_parser().parse_args(["read", "scan.png"]))
    assert [bare.get(name) for name in READING] == [None] * len(READING)


def test_cli_sends_the_flags_to_ocr_and_to_a_job(
    service: FakeService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    document = tmp_path / "doc.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    for path in (image, document):
        code = cli.main(["read", str(path), *FLAGS, "--layout", "preserve", "--url", "http://x"])
        assert code == 0, capsys.readouterr().err
    assert service.routes() == [
        "POST /v1/ocr",
        "POST /v1/jobs",
        "GET /v1/jobs/j_1",
        "GET /v1/jobs/j_1",
        "GET /v1/jobs/j_1/result",
    ]
    ocr, submitted, *_, result = service.seen
    assert query(ocr) == [("format", "text"), *SENT, ("layout", "preserve")]
    assert query(submitted) == SENT
    assert query(result) == [("format", "text"), ("layout", "preserve")]


def test_cli_layout_preserve_is_for_text_and_a_wrong_layout_is_a_usage_error(
    service: FakeService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    for wrong in (["--layout", "preserve", "--format", "json"], ["--layout", "columns"]):
        with pytest.raises(SystemExit) as exited:
            cli.main(["read", str(image), *wrong, "--url", "http://x"])
        assert exited.value.code == cli.EXIT_USAGE
        assert "--layout" in capsys.readouterr().err
    assert service.seen == []


# The real server hears them.


@pytest.mark.e2e
def test_the_service_reads_with_the_options_the_client_sends(live_server: LiveServer) -> None:
    french = text_image("Une fenêtre élégante donne sur le jardin fleuri", size=44)
    invoice = text_image("Invoice 2041 total 318.50", size=44)
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        found = ocr.ocr(french, lang="auto")
        digits = ocr.ocr(invoice, format="text", lang="eng", chars_allow="0123456789. ")
        preserved = ocr.ocr(invoice, format="text", lang="eng", layout="preserve")
        # A neural reading has no dictionary: the service refuses words and patterns, which
        # it would not if they did not reach it.
        for vocabulary in ({"words": ["Zorblax"]}, {"patterns": [r"\d\d\d\d"]}):
            with pytest.raises(UnprocessableError, match="words and patterns"):
                ocr.ocr(invoice, engine="neural", **vocabulary)
        with pytest.raises(UnprocessableError, match="layout=preserve"):
            ocr.ocr(invoice, layout="preserve")  # JSON
    assert found.pages[0].languages[0].language == "fra"
    assert "fenêtre" in found.text
    assert "2041" in digits
    assert not any(letter.isalpha() for letter in digits)
    assert "Invoice 2041" in preserved
