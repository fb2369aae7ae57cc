"""GET /v1/engines and the `engine` option of /v1/ocr and /v1/jobs."""

from collections.abc import Iterator
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from app.api.deps import get_neural
from app.ocr.engines.neural_engine import NeuralEngine
from tests.conftest import SettingsFactory, text_image
from tests.helpers.waiting import poll_for

TEXT = "Invoice 2041 for the garden works\nTotal due within thirty days"


class EnglishOnlyNeural(NeuralEngine):
    """The neural reader said to read English only, as a dictionary that lacks a language."""

    def languages(self) -> list[str]:
        return ["eng"]


@pytest.fixture
def english_only_neural(app_instance) -> Iterator[None]:
    app_instance.dependency_overrides[get_neural] = lambda: EnglishOnlyNeural(max_readers=1)
    yield
    del app_instance.dependency_overrides[get_neural]


def test_the_engines_are_listed_with_versions_models_and_languages(client: TestClient) -> None:
    body = client.get("/v1/engines").json()
    assert body["default"] == "auto"
    engines = {detail["name"]: detail for detail in body["engines"]}
    assert set(engines) == {"tesseract", "neural"}
    assert engines["tesseract"]["version"][0].isdigit()
    assert "fra" in engines["tesseract"]["languages"]
    assert engines["neural"]["version"].startswith("rapidocr 3.")
    assert any("det" in model for model in engines["neural"]["models"])
    assert any("rec" in model for model in engines["neural"]["models"])
    assert {"eng", "fra", "deu"} <= set(engines["neural"]["languages"])


def test_the_default_engine_follows_ocr_engine(
    client: TestClient, override_settings: SettingsFactory
) -> None:
    override_settings(ocr_engine="tesseract")
    assert client.get("/v1/engines").json()["default"] == "tesseract"


@pytest.mark.parametrize("endpoint", ["/v1/ocr", "/v1/jobs"])
def test_an_unknown_engine_is_422(client: TestClient, auth_headers: dict, endpoint: str) -> None:
    response = client.post(
        endpoint,
        params={"engine": "easyocr"},
        files={"file": ("page.png", text_image(TEXT))},
        headers=auth_headers,
    )
    assert response.status_code == 422
    assert "engine" in response.text


@pytest.mark.usefixtures("english_only_neural")
@pytest.mark.parametrize("endpoint", ["/v1/ocr", "/v1/jobs"])
def test_engine_neural_with_a_language_it_lacks_is_422_naming_the_engines(
    client: TestClient, auth_headers: dict, endpoint: str
) -> None:
    response = client.post(
        endpoint,
        params={"engine": "neural", "lang": "fra"},
        files={"file": ("page.png", text_image(TEXT))},
        headers=auth_headers,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "engine=neural cannot read fra" in detail
    assert "engine=tesseract" in detail
    # auto sends the language to Tesseract: the same request without engine=neural reads.
    if endpoint == "/v1/ocr":
        auto = client.post(
            endpoint,
            params={"lang": "fra"},
            files={"file": ("page.png", text_image(TEXT))},
            headers=auth_headers,
        )
        assert auto.status_code == 200
        assert {page["engine"] for page in auto.json()["pages"]} == {"tesseract"}


def hesitant_page() -> bytes:
    """Small, blurred, hard-compressed print: a page Tesseract is unsure of."""
    page = Image.open(BytesIO(text_image(TEXT, size=16))).convert("L")
    buffer = BytesIO()
    page.filter(ImageFilter.GaussianBlur(1.4)).save(buffer, "JPEG", quality=30)
    return buffer.getvalue()


@pytest.mark.slow
def test_engine_neural_reads_the_page_and_says_so(client: TestClient, auth_headers: dict) -> None:
    response = client.post(
        "/v1/ocr",
        params={"engine": "neural"},
        files={"file": ("page.png", text_image(TEXT))},
        headers=auth_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "garden works" in body["text"]
    assert [page["engine"] for page in body["pages"]] == ["neural"]
    assert [detail["name"] for detail in body["engines"]] == ["neural"]
    words = [word for line in body["pages"][0]["lines"] for word in line["words"]]
    assert all(0 <= word["confidence"] <= 100 for word in words)
    hocr = client.post(
        "/v1/ocr",
        params={"engine": "neural", "format": "hocr"},
        files={"file": ("page.png", text_image(TEXT))},
        headers=auth_headers,
    )
    assert hocr.status_code == 200
    assert "garden" in hocr.text
    assert "x_wconf" in hocr.text


@pytest.mark.slow
def test_auto_asks_the_neural_reader_on_a_hesitant_page(
    client: TestClient, auth_headers: dict
) -> None:
    data = hesitant_page()
    read = {
        engine: client.post(
            "/v1/ocr",
            params={"engine": engine},
            files={"file": ("p.jpg", data)},
            headers=auth_headers,
        ).json()
        for engine in ("auto", "tesseract")
    }
    assert read["tesseract"]["pages"][0]["engine"] == "tesseract"
    page = read["auto"]["pages"][0]
    assert page["engine"] == "neural"
    assert "neural:all" in page["steps"]
    assert [detail["name"] for detail in read["auto"]["engines"]] == ["neural"]


@pytest.mark.slow
def test_a_job_reads_with_the_engine_it_names(client: TestClient, auth_headers: dict) -> None:
    response = client.post(
        "/v1/jobs",
        params={"engine": "neural"},
        files={"file": ("page.png", text_image(TEXT))},
        headers=auth_headers,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    def done() -> dict | None:
        body = client.get(f"/v1/jobs/{job_id}", headers=auth_headers).json()
        return body if body["status"] in ("succeeded", "failed") else None

    assert poll_for(done, 120)["status"] == "succeeded"
    result = client.get(f"/v1/jobs/{job_id}/result", headers=auth_headers).json()
    assert [page["engine"] for page in result["pages"]] == ["neural"]
    assert "garden works" in result["text"]
