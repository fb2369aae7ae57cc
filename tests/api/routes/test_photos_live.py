"""A real phone photo through every route that reads it, on the real server with its defaults."""

import unicodedata

import pytest
import requests

from tests.conftest import LiveServer
from tests.helpers.photos import REAL_PHOTO, assert_reads_the_real_photo
from tests.helpers.waiting import poll_for

pytestmark = pytest.mark.e2e


def _post_photo(server: LiveServer, path: str, auth: dict, **params: str) -> requests.Response:
    upload = {"file": (REAL_PHOTO.name, REAL_PHOTO.read_bytes(), "image/jpeg")}
    return requests.post(
        f"{server.url}{path}", params=params, files=upload, headers=auth, timeout=120
    )


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def test_v1_ocr_reads_the_real_photo(live_server: LiveServer, auth_headers: dict) -> None:
    response = _post_photo(live_server, "/v1/ocr", auth_headers, lang="fra")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_reads_the_real_photo(body["text"])
    assert body["pages"][0]["steps"][0] == "exif-orientation:6"


def test_the_seed_contract_reads_the_real_photo(
    live_server: LiveServer, auth_headers: dict
) -> None:
    # POST / reads in the default language (English): the words, if not every accent.
    response = _post_photo(live_server, "/", auth_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    original = _unaccented(body["original"])
    for phrase in ("Antique", "La societe grecque", "Les grecs ont invente la democratie"):
        assert phrase in original, body["original"]
    assert "Les grecs ont invent" in " ".join(body["results"])


def test_a_job_reads_the_real_photo(live_server: LiveServer, auth_headers: dict) -> None:
    response = _post_photo(live_server, "/v1/jobs", auth_headers, lang="fra")
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    def finished() -> dict | None:
        body = requests.get(f"{live_server.url}/v1/jobs/{job_id}", headers=auth_headers, timeout=10)
        status = body.json()
        return status if status["status"] in ("succeeded", "failed", "canceled") else None

    assert poll_for(finished, 120)["status"] == "succeeded"
    result = requests.get(
        f"{live_server.url}/v1/jobs/{job_id}/result", headers=auth_headers, timeout=30
    )
    assert result.status_code == 200
    assert_reads_the_real_photo(result.json()["text"])
