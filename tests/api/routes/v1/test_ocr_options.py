"""The options people ask for, through /v1/ocr and /v1/jobs: lang=auto, chars_allow and
chars_deny, words and patterns, format=text&layout=preserve."""

import contextlib
import tempfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.ocr.engines import tesserocr_engine, vocabulary
from tests.api.routes.v1.test_jobs import AUTH, finished, jobs_client, submit
from tests.conftest import text_image
from tests.helpers.documents import scanned_pdf, two_columns

FRENCH = "Le conseil s'est réuni à l'hôpital.\nLes élèves étaient très contents de l'été."
METER = "Meter 0O1l 4B8S 12.50 kWh"


def ocr(client: TestClient, data: bytes, headers: dict, **params: object):
    return client.post("/v1/ocr", params=params, files={"file": ("upload", data)}, headers=headers)


def test_lang_auto_reads_each_page_in_the_language_it_finds(
    client: TestClient, auth_headers: dict
) -> None:
    body = ocr(client, text_image(FRENCH, size=32), auth_headers, lang="auto").json()
    assert body["lang"] == "auto"
    page = body["pages"][0]
    assert [found["language"] for found in page["languages"]] == ["fra"]
    assert 0 < page["languages"][0]["confidence"] <= 1
    assert "hôpital" in page["text"]
    assert "élèves" in page["text"]
    named = ocr(client, text_image(FRENCH, size=32), auth_headers, lang="fra").json()
    assert named["pages"][0]["languages"] == []
    assert named["text"] == body["text"]


def test_default_lang_auto_makes_every_request_find_its_language(
    client: TestClient, override_settings, auth_headers: dict
) -> None:
    override_settings(default_lang="auto")
    page = ocr(client, text_image(FRENCH, size=32), auth_headers).json()["pages"][0]
    assert [found["language"] for found in page["languages"]] == ["fra"]


def test_chars_allow_keeps_every_character_within_the_set(
    client: TestClient, auth_headers: dict
) -> None:
    for engine in ("tesseract", "neural"):
        text = ocr(client, text_image(METER), auth_headers, engine=engine,
                   chars_allow="0123456789.").json()["text"]  # fmt: skip
        assert text.strip(), engine
        assert set(text) <= set("0123456789. \n\f"), (engine, text)
        assert "12.50" in text
        denied = ocr(client, text_image(METER), auth_headers, engine=engine, chars_deny="O")
        assert "O" not in denied.json()["text"]
        assert "Meter" in denied.json()["text"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"chars_allow": ""}, "chars_allow is empty"),
        ({"chars_allow": "ab", "chars_deny": "ba"}, "takes away every character"),
        ({"chars_deny": "a\tb"}, "never printed"),
        ({"words": ["two words"]}, "holds a space"),
        ({"words": [f"w{n}" for n in range(1001)]}, "at most 1000"),
        ({"engine": "neural", "words": ["Kleenr"]}, "Tesseract's dictionary"),
        ({"format": "hocr", "layout": "preserve"}, "use it with format=text"),
    ],
)
def test_options_out_of_reason_are_a_clear_422(
    client: TestClient, auth_headers: dict, params: dict, detail: str
) -> None:
    response = ocr(client, text_image(METER), auth_headers, **params)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]


def test_an_unknown_language_names_auto_among_the_choices(
    client: TestClient, auth_headers: dict
) -> None:
    response = ocr(client, text_image(METER), auth_headers, lang="xx")
    assert response.status_code == 400
    assert "or use auto" in response.json()["detail"]


def test_words_reach_tesseract_in_files_removed_after_the_request(
    client: TestClient, auth_headers: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made: list[Path] = []
    real = vocabulary.word_files

    @contextlib.contextmanager
    def spied(wanted: vocabulary.Vocabulary) -> Iterator[dict[str, str]]:
        with real(wanted) as variables:
            made.extend(Path(path) for path in variables.values())
            assert all(path.is_file() for path in made)  # there while Tesseract loads them
            yield variables

    monkeypatch.setattr(tesserocr_engine, "word_files", spied)
    params = {"words": ["Kleenr", "Zorblax"], "patterns": ["\\d\\d.\\d\\d"], "engine": "auto"}
    response = ocr(client, text_image("Buy Kleenr for 12.50"), auth_headers, **params)
    assert response.status_code == 200
    assert "Kleenr" in response.json()["text"]
    assert response.json()["pages"][0]["engine"] == "tesseract"  # auto reads them with Tesseract
    assert {path.name for path in made} == {"words.txt", "patterns.txt"}
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_layout_preserve_keeps_the_columns_of_a_page(
    client: TestClient, auth_headers: dict
) -> None:
    sheet = two_columns()
    buffer = BytesIO()
    sheet.save(buffer, format="PNG")
    preserved = ocr(client, buffer.getvalue(), auth_headers, format="text", layout="preserve")
    assert preserved.headers["content-type"].startswith("text/plain")
    rows = [row for row in preserved.text.splitlines() if row.strip()]
    read = [row.split() for row in rows]
    assert read == [["Item", "Amount"], ["Soap", "3.20"], ["Bread", "1.05"]]
    assert rows[0].index("Amount") == rows[1].index("3.20") > 20
    reading = ocr(client, buffer.getvalue(), auth_headers, format="text").text
    assert reading != preserved.text  # by default, the reading order's text


def test_a_job_keeps_its_options_for_every_page(tmp_path: Path) -> None:
    document = scanned_pdf([text_image(FRENCH, size=32), text_image(METER)])
    with jobs_client(tmp_path) as client:
        job = submit(client, document, lang="auto", chars_deny="O")
        assert finished(client, job["id"])["status"] == "succeeded"
        result = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH)
        pages = result.json()["pages"]
        assert [found["language"] for found in pages[0]["languages"]] == ["fra"]
        assert "O" not in pages[1]["text"]
        assert "Meter" in pages[1]["text"]
        text = client.get(
            f"/v1/jobs/{job['id']}/result",
            params={"format": "text", "layout": "preserve"},
            headers=AUTH,
        )
        assert text.status_code == 200
        assert "\f" in text.text
        assert "hôpital" in text.text
