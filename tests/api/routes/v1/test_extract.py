"""POST /v1/extract: a receipt's fields, items and checks through the real engines."""

import csv
import io
import json
import random
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bench.documents import COUNTRIES, Document, invoice, receipt, tables
from tests.conftest import text_image
from tests.helpers.documents import pdf_with_table

SROIE_CASES = [
    # The DIY chain's receipt: the total beside CASH and CHANGE, the date printed 19-09-17.
    pytest.param("079", "2017-09-19", id="diy"),
    # A bakery's: five totals on the page, the one paid labelled `Total Payable`.
    pytest.param("344", "2017-09-05", id="bakery"),
    # A book shop's: its name wraps over two rows under a number, its registration below.
    pytest.param("613", "2018-04-03", id="book-shop"),
    # Logo words above the name; the date printed `10 OCT 2017`.
    pytest.param("270", "2017-10-10", id="logo"),
]


def post(client: TestClient, data: bytes, headers: dict, lang: str = "eng", **form: str):
    return client.post(
        "/v1/extract",
        params={"lang": lang},
        files={"file": ("upload", data)},
        data=form,
        headers=headers,
    )


def png(document: Document) -> bytes:
    buffer = BytesIO()
    document.image.save(buffer, format="PNG")
    return buffer.getvalue()


def clean_receipt(seed: int, country: int = 0) -> Document:
    return receipt(random.Random(seed), COUNTRIES[country], "DejaVuSansMono.ttf", "clean", "r")


def test_a_receipt_comes_back_as_fields_items_and_checks(
    client: TestClient, auth_headers: dict
) -> None:
    document = clean_receipt(3, country=2)  # German: decimal commas, the euro after the amount
    response = post(client, png(document), auth_headers, lang="deu")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "receipt"
    values = {name: found["value"] for name, found in body["fields"].items()}
    assert {name: values.get(name) for name in document.fields} == document.fields
    assert [(item["description"], item["amount"]) for item in body["items"]] == [
        (item["description"], item["amount"]) for item in document.items
    ]
    assert body["checks"]["consistent"] is True
    total = body["fields"]["total"]
    assert total["page"] == 1
    assert total["text"].endswith("€")
    x0, y0, x1, y1 = total["box"]
    page = body["pages"][0]
    assert 0 <= x0 < x1 <= page["width"]
    assert 0 <= y0 < y1 <= page["height"]
    assert body["lang"] == "deu"
    assert set(body["timings_ms"]) == {"queue", "ocr", "extract", "total"}


@pytest.mark.slow
def test_an_invoice_names_its_customer_and_due_date(client: TestClient, auth_headers: dict) -> None:
    document = invoice(random.Random(5), COUNTRIES[1], "DejaVuSans.ttf", "clean", "i")
    response = post(client, png(document), auth_headers, kind="invoice")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "invoice"
    values = {name: found["value"] for name, found in body["fields"].items()}
    for name in ("customer_name", "due_date", "document_number", "total", "currency"):
        assert values.get(name) == document.fields[name], name


def test_a_page_that_is_no_receipt_is_other_with_no_fields(
    client: TestClient, auth_headers: dict
) -> None:
    image = Image.radial_gradient("L").resize((400, 300))  # a photograph with no text at all
    buffer = BytesIO()
    image.save(buffer, format="JPEG")
    response = post(client, buffer.getvalue(), auth_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["fields"], body["items"]) == ("other", {}, [])


def test_prose_is_other_too(client: TestClient, auth_headers: dict) -> None:
    response = post(
        client, text_image("The quick brown fox\njumps over the lazy dog."), auth_headers
    )
    assert response.json()["kind"] == "other"


@pytest.mark.parametrize("kind", ["tables", "RECEIPT", "recipe"])
def test_an_unknown_kind_is_a_clear_422(client: TestClient, auth_headers: dict, kind: str) -> None:
    response = post(client, text_image("TOTAL 3.00"), auth_headers, kind=kind)
    assert response.status_code == 422
    assert "kind" in json.dumps(response.json())


def test_the_reading_options_are_checked_as_for_ocr(client: TestClient, auth_headers: dict) -> None:
    response = client.post(
        "/v1/extract",
        params={"lang": "xxx"},
        files={"file": ("upload", text_image("TOTAL 3.00"))},
        headers=auth_headers,
    )
    assert response.status_code == 400
    assert "xxx" in response.json()["detail"]


def test_without_a_token_it_is_401(client: TestClient) -> None:
    response = client.post("/v1/extract", files={"file": ("upload", text_image("TOTAL 3.00"))})
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"", 400), (b"not an image at all", 415), (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 400)],
)
def test_a_bad_file_is_a_clear_error(
    client: TestClient, auth_headers: dict, data: bytes, status: int
) -> None:
    response = post(client, data, auth_headers)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize(("name", "date"), SROIE_CASES)
def test_real_receipts_give_their_key_fields(
    client: TestClient, auth_headers: dict, eval_dir: Path, name: str, date: str
) -> None:
    folder = eval_dir / "sroie-receipts"
    truth = json.loads((folder / f"{name}.fields.json").read_text(encoding="utf-8"))
    response = post(client, (folder / f"{name}.jpg").read_bytes(), auth_headers, kind="receipt")
    assert response.status_code == 200, response.text
    fields = {key: found["value"] for key, found in response.json()["fields"].items()}

    def letters(text: str) -> str:
        return "".join(character for character in text.upper() if character.isalnum())

    assert fields["total"] == truth["total"].removeprefix("RM").strip()
    assert letters(fields["merchant_name"]) == letters(truth["company"])
    assert letters(fields["merchant_address"]) == letters(truth["address"])
    assert fields["transaction_date"] == date  # SROIE's truth is as printed: 19-09-17
    printed = response.json()["fields"]["transaction_date"]["text"]
    assert letters(printed) == letters(truth["date"])


def table_png(index: int) -> tuple[bytes, list[list[str]]]:
    generated = tables()[index]
    buffer = BytesIO()
    generated.image.save(buffer, format="PNG")
    return buffer.getvalue(), generated.grid


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1], ids=["ruled", "unruled"])
def test_a_scanned_table_comes_back_cell_by_cell(
    client: TestClient, auth_headers: dict, index: int
) -> None:
    data, grid = table_png(index)
    response = post(client, data, auth_headers, kind="table")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["fields"]) == ("table", {})
    (table,) = body["tables"]
    assert (table["rows"], table["columns"]) == (len(grid), len(grid[0]))
    found = [["" for _ in grid[0]] for _ in grid]
    for cell in table["cells"]:
        found[cell["row"]][cell["column"]] = cell["text"]
    assert found == grid
    heading = next(cell for cell in table["cells"] if (cell["row"], cell["column"]) == (0, 0))
    assert heading["box"][0] < heading["box"][2]


@pytest.mark.slow
def test_tables_as_csv_and_as_markdown(client: TestClient, auth_headers: dict) -> None:
    data, grid = table_png(0)
    as_csv = client.post(
        "/v1/extract",
        params={"format": "csv"},
        files={"file": ("t.png", data)},
        data={"kind": "table"},
        headers=auth_headers,
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.text))) == grid
    as_markdown = client.post(
        "/v1/extract",
        params={"format": "markdown"},
        files={"file": ("t.png", data)},
        data={"kind": "table"},
        headers=auth_headers,
    )
    assert as_markdown.headers["content-type"].startswith("text/markdown")
    lines = as_markdown.text.splitlines()
    assert lines[0] == "| " + " | ".join(grid[0]) + " |"
    assert lines[1] == "|" + "|".join(" --- " for _ in grid[0]) + "|"
    assert len(lines) == len(grid) + 1


def test_a_table_in_a_pdfs_text_layer(client: TestClient, auth_headers: dict) -> None:
    grid = [
        ["Region", "Units", "Revenue"],
        ["North", "1200", "14400.00"],
        ["South", "900", "10800.00"],
    ]
    response = post(client, pdf_with_table(grid), auth_headers, kind="table")
    assert response.status_code == 200, response.text
    (table,) = response.json()["tables"]
    found = [["" for _ in grid[0]] for _ in grid]
    for cell in table["cells"]:
        found[cell["row"]][cell["column"]] = cell["text"]
    assert found == grid
    assert response.json()["pages"][0]["source"] == "text-layer"  # read from the PDF, no OCR
