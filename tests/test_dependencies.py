"""The locked dependencies: one OpenCV, and the extraction libraries, offline."""

import importlib.metadata
import re
import socket

import pytest

from tests.conftest import REPO_ROOT


def _locked() -> set[str]:
    names = re.findall(r"^([A-Za-z0-9_.\-]+)==", (REPO_ROOT / "requirements.txt").read_text(), re.M)
    return {name.lower() for name in names}


def test_one_opencv_in_the_lock_and_installed() -> None:
    """Two OpenCV distributions install the same cv2 module over each other (rapidocr brings
    opencv-python-headless; img2table would bring opencv-contrib-python)."""
    locked = [name for name in _locked() if name.startswith("opencv")]
    installed = [
        dist.metadata["Name"].lower()
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"].lower().startswith("opencv")
    ]
    assert locked == ["opencv-python-headless"]
    assert installed == ["opencv-python-headless"]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a network connection was attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_extraction_reads_with_no_network(no_network: None) -> None:
    """Month names, currencies, phone plans and fuzzy matching all come from the wheels' data."""
    from app.extract.documents import extract
    from tests.helpers.pages import page_from_rows

    rows = ["CAFE SOLEIL SARL", "12 rue Station", "75004 Paris", "Tél : 01 42 21 22 33",
            "le 5 mars 2024", ("Croissant", "2,50"), ("TOTAL TTC", "2,50 €")]  # fmt: skip
    fields = {
        name: found.value for name, found in extract([page_from_rows(rows)], ["fra"]).fields.items()
    }
    assert fields["transaction_date"] == "2024-03-05"
    assert fields["merchant_phone"] == "+33142212233"
    assert (fields["total"], fields["currency"]) == ("2.50", "EUR")
