"""The `ocr` command (the installed console script) against the real server."""

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.documents import COUNTRIES, receipt
from bench.server import free_port
from tests.conftest import TEST_TOKEN, LiveServer, text_image

pytestmark = pytest.mark.e2e

OCR = Path(sys.executable).parent / "ocr"


def run_ocr(
    *args: str, url: str, token: str | None = TEST_TOKEN, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `ocr` with the token in OCR_TOKEN (never on the command line) and the URL in OCR_URL."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCR_")}
    env["OCR_URL"] = url
    if token is not None:
        env["OCR_TOKEN"] = token
    return subprocess.run(
        [str(OCR), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )


def test_one_file_prints_its_text(live_server: LiveServer, samples_dir: Path) -> None:
    result = run_ocr("read", str(samples_dir / "ingredients-2.png"), url=live_server.url)
    assert result.returncode == 0, result.stderr
    assert "chili powder" in result.stdout


@pytest.fixture
def batch(tmp_path: Path, samples_dir: Path) -> Path:
    """A folder (with a subfolder and a file that is not an image) and files for a glob."""
    scans = tmp_path / "scans"
    (scans / "sub").mkdir(parents=True)
    shutil.copy(samples_dir / "ingredients-2.png", scans / "recipe.png")
    (scans / "sub" / "hello.png").write_bytes(text_image("HELLO WORLD"))
    (scans / "fox.jpg").write_bytes(text_image("QUICK BROWN FOX", fmt="JPEG"))
    (scans / "notes.md").write_text("not picked up: not an image suffix")
    other = tmp_path / "other"
    other.mkdir()
    (other / "jumps.png").write_bytes(text_image("JUMPS OVER"))
    (other / "skip.txt").write_text("the glob does not match this")
    return tmp_path


def test_batch_of_folders_and_globs_with_progress(live_server: LiveServer, batch: Path) -> None:
    out = batch / "out"
    result = run_ocr(
        "read",
        "scans",
        "other/*.png",
        "--format",
        "json",
        "--out",
        str(out),
        "--jobs",
        "3",
        "--progress",
        url=live_server.url,
        cwd=batch,
    )
    assert result.returncode == 0, result.stderr
    assert "4/4" in result.stderr  # the progress bar reached the end
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.json"))
    assert written == ["fox.json", "jumps.json", "recipe.json", "sub/hello.json"]
    expected = {
        "fox.json": "QUICK BROWN FOX",
        "jumps.json": "JUMPS OVER",
        "recipe.json": "chili powder",
        "sub/hello.json": "HELLO WORLD",
    }
    for name, phrase in expected.items():
        body = json.loads((out / name).read_text())
        assert phrase in body["text"], name
        assert body["pages"][0]["lines"], name


@pytest.mark.parametrize(
    ("fmt", "suffix", "marker"),
    [
        ("text", ".txt", b"chili powder"),
        ("markdown", ".md", b"chili powder"),
        ("hocr", ".hocr", b"ocr_page"),
        ("pdf", ".pdf", b"%PDF"),
    ],
    ids=["text", "markdown", "hocr", "pdf"],
)
def test_formats_are_written_with_their_suffix(
    live_server: LiveServer, samples_dir: Path, tmp_path: Path, fmt: str, suffix: str, marker: bytes
) -> None:
    source = samples_dir / "ingredients-2.png"
    result = run_ocr(
        "read", str(source), "--format", fmt, "--out", str(tmp_path), url=live_server.url
    )
    assert result.returncode == 0, result.stderr
    assert marker in (tmp_path / f"ingredients-2{suffix}").read_bytes()


def test_some_files_failing_exit_1_and_the_rest_are_written(
    live_server: LiveServer, samples_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.png"
    bad.write_text("this is not an image")
    out = tmp_path / "out"
    good = samples_dir / "ingredients-2.png"
    result = run_ocr("read", str(good), str(bad), "--out", str(out), url=live_server.url)
    assert result.returncode == 1
    assert "broken.png" in result.stderr
    assert "415" in result.stderr
    assert "chili powder" in (out / "ingredients-2.txt").read_text()
    assert not (out / "broken.txt").exists()


@pytest.mark.parametrize(
    ("case", "code"),
    [("wrong-token", 3), ("unreachable", 4), ("empty-folder", 2), ("missing-file", 2)],
    ids=["wrong-token", "unreachable", "empty-folder", "missing-file"],
)
def test_exit_codes(
    live_server: LiveServer, samples_dir: Path, tmp_path: Path, case: str, code: int
) -> None:
    sample = str(samples_dir / "ingredients-2.png")
    if case == "wrong-token":
        result = run_ocr("read", sample, url=live_server.url, token="wrong")
    elif case == "unreachable":
        url = f"http://127.0.0.1:{free_port()}"
        result = run_ocr("read", sample, "--timeout", "5", url=url)
    elif case == "empty-folder":
        result = run_ocr("read", str(tmp_path), url=live_server.url)
    else:
        result = run_ocr("read", str(tmp_path / "nope.png"), url=live_server.url)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""


def test_no_token_is_the_services_401_not_a_usage_error(
    live_server: LiveServer, samples_dir: Path
) -> None:
    """The token is never a required flag: without one the request goes out unauthenticated."""
    sample = str(samples_dir / "ingredients-2.png")
    result = run_ocr("read", sample, url=live_server.url, token=None)
    assert result.returncode == 3
    assert "401" in result.stderr


def test_languages_lists_installed_data(live_server: LiveServer) -> None:
    result = run_ocr("languages", url=live_server.url)
    assert result.returncode == 0, result.stderr
    assert {"eng", "fra", "deu"} <= set(result.stdout.split())


def test_switches_reach_the_service_and_bad_ones_are_usage_errors(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from tests.clients.test_python_client import sideways_page

    page = tmp_path / "sideways.png"
    page.write_bytes(sideways_page())

    def steps(*switches: str) -> list[str]:
        result = run_ocr("read", str(page), "--format", "json", *switches, url=live_server.url)
        assert result.returncode == 0, result.stderr
        found: list[str] = json.loads(result.stdout)["pages"][0]["steps"]
        return found

    assert any(step.startswith("rotate:") for step in steps())
    assert not any(step.startswith("rotate:") for step in steps("--switch", "auto_rotate=off"))
    assert steps("--no-preprocess") == []
    wrong = run_ocr("read", str(page), "--switch", "tilt=off", url=live_server.url)
    assert wrong.returncode == 2
    assert "STEP=on|off" in wrong.stderr


def test_engine_reaches_the_service_and_a_wrong_one_is_a_usage_error(
    live_server: LiveServer, tmp_path: Path
) -> None:
    page = tmp_path / "page.png"
    page.write_bytes(text_image("Invoice 2041 for the garden works"))
    result = run_ocr(
        "read", str(page), "--format", "json", "--engine", "neural", url=live_server.url
    )
    assert result.returncode == 0, result.stderr
    assert [p["engine"] for p in json.loads(result.stdout)["pages"]] == ["neural"]
    wrong = run_ocr("read", str(page), "--engine", "easyocr", url=live_server.url)
    assert wrong.returncode == 2
    assert "--engine" in wrong.stderr


def test_extract_prints_a_receipts_fields_and_its_json(
    live_server: LiveServer, tmp_path: Path
) -> None:
    document = receipt(random.Random(11), COUNTRIES[0], "DejaVuSansMono.ttf", "clean", "r")
    path = tmp_path / "receipt.png"
    document.image.save(path)
    result = run_ocr("extract", str(path), url=live_server.url)
    assert result.returncode == 0, result.stderr
    assert f"total: {document.fields['total']}" in result.stdout.splitlines()
    assert "adds up: yes" in result.stdout
    result = run_ocr("extract", str(path), "--json", url=live_server.url)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["fields"]["transaction_date"]["value"] == document.fields["transaction_date"]


def test_extract_of_a_missing_file_is_a_usage_error(
    live_server: LiveServer, tmp_path: Path
) -> None:
    result = run_ocr("extract", str(tmp_path / "nowhere.jpg"), url=live_server.url)
    assert result.returncode == 2
    assert "nowhere.jpg" in result.stderr
