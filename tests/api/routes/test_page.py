"""GET /: the upload page is served with its own assets, nothing from elsewhere."""

import re

from fastapi.testclient import TestClient

from tests.conftest import SettingsFactory


def test_page_is_html_with_an_upload_form(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'type="file"' in html
    assert 'type="password"' in html  # the token, never put in a URL


def test_page_assets_are_served_by_the_app(client: TestClient) -> None:
    html = client.get("/").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page links its script and stylesheet"
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset) or asset.startswith("http://testserver/")
        assert client.get(asset).status_code == 200


def test_page_hides_token_field_when_auth_is_skipped(
    client: TestClient, override_settings: SettingsFactory
) -> None:
    override_settings(app_auth_token=None, debug=True, skip_auth=True)
    assert 'type="password"' not in client.get("/").text


def test_the_language_picker_starts_on_automatic(client: TestClient) -> None:
    html = client.get("/").text
    picker = re.search(r'<select id="lang" name="lang">(.*?)</select>', html, re.S)
    assert picker is not None
    options = re.findall(r"<option [^>]*>[^<]*</option>", picker.group(1))
    # The page's script adds the installed languages after it, from GET /v1/languages.
    assert options == ['<option value="auto" selected>Automatic</option>']
