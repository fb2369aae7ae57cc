"""Every setting is documented in docs/configuration.md, the README names only real ones, and
the README documents every option a user can set."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text under `## title`, up to the next section of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def documented_names(text: str) -> set[str]:
    """The names in the first column of the text's tables."""
    return set(re.findall(r"^\| `([A-Za-z_]+)` \|", text, re.M))


def server_settings() -> set[str]:
    config = Path(REPO_ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    names = set(re.findall(r"os\.environ\.get\(['\"]([A-Z_]+)['\"]", config))
    assert names  # the pattern still finds what gunicorn.conf.py reads
    return names


def test_every_setting_is_in_the_configuration_reference() -> None:
    names = {name.upper() for name in Settings.model_fields}
    missing = names - documented_names(CONFIGURATION)
    assert not missing, f"settings missing from docs/configuration.md: {sorted(missing)}"


def test_every_server_setting_is_in_the_configuration_reference() -> None:
    missing = server_settings() - documented_names(CONFIGURATION)
    assert not missing, f"gunicorn settings missing from docs/configuration.md: {sorted(missing)}"


def test_the_readme_names_real_settings_and_links_the_reference() -> None:
    readme = section("Configuration")
    named = documented_names(readme)
    assert "APP_AUTH_TOKEN" in named
    real = {name.upper() for name in Settings.model_fields} | server_settings()
    assert not named - real, f"the README names unknown settings: {sorted(named - real)}"
    assert "docs/configuration.md" in readme
    # The README's defaults are the reference's.
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", CONFIGURATION, re.M))
    for name, default in re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", readme, re.M):
        assert rows[name] == default, f"{name}: README says {default}, the reference {rows[name]}"


def test_every_v1_ocr_option_is_in_the_options_table(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/ocr"]["post"]
    options = {parameter["name"] for parameter in operation["parameters"]}
    options.discard("Authorization")
    assert {"lang", "pages", "deskew", "second_opinion"} <= options
    missing = options - documented_names(section("API"))
    assert not missing, f"/v1/ocr options missing from the README: {sorted(missing)}"
