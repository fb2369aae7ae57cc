"""The README documents every setting and every option a user can set."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text under `## title`, up to the next section of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def documented_names(text: str) -> set[str]:
    """The names in the first column of the text's tables."""
    return set(re.findall(r"^\| `([A-Za-z_]+)` \|", text, re.M))


def test_every_setting_is_in_the_configuration_table() -> None:
    names = {name.upper() for name in Settings.model_fields}
    missing = names - documented_names(section("Configuration"))
    assert not missing, f"settings missing from the README's Configuration: {sorted(missing)}"


def test_every_server_setting_is_in_the_configuration_table() -> None:
    config = Path(REPO_ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    names = set(re.findall(r"os\.environ\.get\(\"([A-Z_]+)\"", config))
    assert names  # the pattern still finds what gunicorn.conf.py reads
    missing = names - documented_names(section("Configuration"))
    assert not missing, f"gunicorn settings missing from the README: {sorted(missing)}"


def test_every_v1_ocr_option_is_in_the_options_table(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/ocr"]["post"]
    options = {parameter["name"] for parameter in operation["parameters"]}
    options.discard("Authorization")
    assert {"lang", "pages", "deskew", "second_opinion"} <= options
    missing = options - documented_names(section("API"))
    assert not missing, f"/v1/ocr options missing from the README: {sorted(missing)}"
