"""Production smoke checks, run after each deployment against the deployed URL (see conftest):
the page loads, the sample is read, a wrong token is refused, health and readiness answer."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from ocr_client import AuthenticationError, OCRClient

from tests.smoke.conftest import Target

pytestmark = [pytest.mark.e2e, pytest.mark.smoke]

ASSET_URL = r'(?:href|src)="([^"]+/static/[^"]+)"'


def test_page_loads_with_its_assets(target: Target) -> None:
    page = requests.get(f"{target.url}/", timeout=30)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert 'type="file"' in page.text
    assets = [urljoin(page.url, url) for url in re.findall(ASSET_URL, page.text)]
    assert assets
    for asset in assets:
        # Same scheme as the page: an http:// stylesheet on an https:// page is blocked by
        # browsers (the app must believe the load balancer's X-Forwarded-Proto).
        assert urlsplit(asset).scheme == urlsplit(page.url).scheme, asset
        assert requests.get(asset, timeout=30).status_code == 200, asset


def test_sample_is_read(target: Target, samples_dir: Path) -> None:
    with OCRClient(target.url, target.token, timeout=90) as ocr:
        prediction = ocr.predict(samples_dir / "ingredients-2.png")
    assert "chili powder" in prediction.original
    assert "chili powder" in " ".join(prediction.results)


def test_wrong_token_is_refused(target: Target, sample_png: bytes) -> None:
    with OCRClient(target.url, "not-" + target.token) as ocr, pytest.raises(AuthenticationError):
        ocr.predict(sample_png, filename="sample.png")


def test_health_and_readiness(target: Target) -> None:
    with OCRClient(target.url) as ocr:
        assert ocr.health() == {"status": "ok"}
        assert ocr.ready()
