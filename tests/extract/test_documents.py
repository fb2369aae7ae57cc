"""The extractor on page trees written by hand: each field, the items, the checks, the kind."""

from app.extract.documents import extract
from app.extract.model import Extraction
from tests.helpers.pages import page_from_rows

CAFE = [
    "CAFE SOLEIL GMBH",
    "Hauptstrasse 12",
    "10115 Berlin",
    "Tel: 030 1234567",
    "USt-IdNr: DE123456789",
    "Beleg-Nr: 4711",
    "Datum: 05.03.2024 14:32",
    ("Cappuccino", "2 x 3,20", "6,40"),
    ("Croissant", "2,50"),
    ("Zwischensumme", "8,90"),
    ("MwSt 19%", "1,69"),
    ("Trinkgeld", "1,00"),
    ("GESAMT", "EUR 11,59"),
    ("Bar", "20,00"),
    ("Rückgeld", "8,41"),
]


def values(extraction: Extraction) -> dict[str, str]:
    return {name: found.value for name, found in extraction.fields.items()}


def test_every_field_of_a_receipt() -> None:
    extraction = extract([page_from_rows(CAFE)], ["deu"])
    assert extraction.kind == "receipt"
    assert values(extraction) == {
        "merchant_name": "CAFE SOLEIL GMBH",
        "merchant_address": "Hauptstrasse 12, 10115 Berlin",
        "merchant_phone": "+49301234567",
        "merchant_tax_id": "DE123456789",
        "document_number": "4711",
        "transaction_date": "2024-03-05",
        "transaction_time": "14:32",
        "subtotal": "8.90",
        "tax": "1.69",
        "tip": "1.00",
        "total": "11.59",
        "currency": "EUR",
    }


def test_a_field_keeps_its_printed_text_its_page_and_its_box() -> None:
    total = extract([page_from_rows(CAFE, number=2)], ["deu"]).fields["total"]
    assert total.text == "EUR 11,59"
    assert total.page == 2
    x0, y0, x1, y1 = total.bbox
    assert x0 < x1
    assert y0 < y1
    assert y0 > 12 * 24
    assert 0 < total.confidence <= 100


def test_items_with_quantities_and_unit_prices() -> None:
    extraction = extract([page_from_rows(CAFE)], ["deu"])
    assert [
        (item.description, item.quantity, item.unit_price, item.amount) for item in extraction.items
    ] == [
        ("Cappuccino", "2", "3.20", "6.40"),
        ("Croissant", None, None, "2.50"),
    ]


def test_the_checks_say_a_receipt_adds_up() -> None:
    checks = extract([page_from_rows(CAFE)], ["deu"]).checks
    assert (
        checks.items_match_subtotal,
        checks.total_matches_parts,
        checks.payment_matches_total,
    ) == (True, True, True)
    assert checks.consistent


def test_the_checks_say_when_it_does_not() -> None:
    misread = [row if row != ("Croissant", "2,50") else ("Croissant", "2,80") for row in CAFE]
    checks = extract([page_from_rows(misread)], ["deu"]).checks
    assert checks.items_match_subtotal is False
    assert not checks.consistent


def test_a_receipt_without_a_total_has_no_total_field() -> None:
    rows = [
        row
        for row in CAFE
        if not (isinstance(row, tuple) and row[0] in ("GESAMT", "Bar", "Rückgeld"))
    ]
    extraction = extract([page_from_rows(rows)], ["deu"])
    assert "total" not in extraction.fields
    assert extraction.fields["subtotal"].value == "8.90"


def test_the_tip_line_is_not_taken_for_the_total() -> None:
    rows = [
        "JOE'S DINER LLC",
        "12 Main Street",
        "Springfield, IL 62701",
        "03/04/2024 7:15 PM",
        ("Burger", "$12.00"),
        ("Subtotal", "$12.00"),
        ("Tax", "$0.96"),
        ("Tip", "$2.50"),
        ("Total", "$15.46"),
    ]
    fields = values(extract([page_from_rows(rows)], ["eng"]))
    assert (fields["tip"], fields["total"], fields["currency"]) == ("2.50", "15.46", "USD")
    assert fields["transaction_date"] == "2024-03-04"  # $: a US receipt prints the month first
    assert fields["transaction_time"] == "19:15"


def test_a_gst_summary_below_the_total_does_not_replace_it() -> None:
    rows = [
        "KEDAI MAJU SDN BHD",
        "NO 4, JALAN BESAR,",
        "81700 PASIR GUDANG, JOHOR",
        "13/03/2018",
        ("NAIL 2 INCH", "100.90"),
        ("TOTAL INCL GST", "RM 100.90"),
        ("GST SUMMARY", "AMOUNT", "TAX"),
        ("TOTAL", "95.19", "5.71"),
    ]
    fields = values(extract([page_from_rows(rows)], ["eng"]))
    assert fields["total"] == "100.90"
    assert fields["merchant_address"] == "NO 4, JALAN BESAR, 81700 PASIR GUDANG, JOHOR"


def test_the_total_after_rounding_is_the_one_paid() -> None:
    rows = [
        "KEDAI MAJU SDN BHD",
        ("Total Sales (Inclusive GST)", "RM 181.98"),
        ("Rounding Adjustment", "RM 0.02"),
        ("Total After Rounding", "RM 182.00"),
    ]
    assert values(extract([page_from_rows(rows)], ["eng"]))["total"] == "182.00"


def test_an_invoice_names_its_customer_its_number_and_its_due_date() -> None:
    rows = [
        "ACME WIDGETS LTD",
        "1 Harbour Road",
        "Bristol BS1 5AA",
        "INVOICE",
        "Invoice No: INV-2024-0042",
        "Invoice Date: 12/02/2024",
        "Due Date: 13/03/2024",
        "Bill To:",
        "Northwind Traders",
        "22 Mill Lane",
        "Leeds LS1 4DY",
        ("Widget, large", "3", "£40.00", "£120.00"),
        ("Subtotal", "£120.00"),
        ("VAT 20%", "£24.00"),
        ("Amount Due", "£144.00"),
    ]
    extraction = extract([page_from_rows(rows)], ["eng"])
    fields = values(extraction)
    assert extraction.kind == "invoice"
    assert fields["document_number"] == "INV-2024-0042"
    assert fields["transaction_date"] == "2024-02-12"
    assert fields["due_date"] == "2024-03-13"
    assert fields["customer_name"] == "Northwind Traders"
    assert fields["customer_address"] == "22 Mill Lane, Leeds LS1 4DY"
    assert (fields["subtotal"], fields["tax"], fields["total"], fields["currency"]) == (
        "120.00",
        "24.00",
        "144.00",
        "GBP",
    )
    (item,) = extraction.items
    assert (item.description, item.quantity, item.unit_price, item.amount) == (
        "Widget, large",
        "3",
        "40.00",
        "120.00",
    )
    assert extraction.checks.consistent


def test_a_page_with_no_sums_is_other_with_no_fields() -> None:
    rows = ["The cat sat on the mat.", "It was a sunny day,", "and nothing was for sale."]
    extraction = extract([page_from_rows(rows)], ["eng"], "auto")
    assert extraction.kind == "other"
    assert extraction.fields == {}
    assert extraction.items == []


def test_asking_for_a_receipt_reads_one_even_without_sums() -> None:
    extraction = extract([page_from_rows(["The cat sat on the mat."])], ["eng"], "receipt")
    assert extraction.kind == "receipt"
    assert "total" not in extraction.fields


def test_a_name_over_two_rows_and_a_registration_after_it() -> None:
    rows = [
        "31803054",
        "POPULAR BOOK",
        "CO. (M) SDN BHD",
        "(Co. No. 113825-W)",
        "No 8, Jalan 7/118B, Desa Tun Razak",
        "56000 Kuala Lumpur, Malaysia",
        "AMPANG POINT CENTRE",
        ("TOTAL", "7.30"),
    ]
    fields = values(extract([page_from_rows(rows)], ["eng"]))
    assert fields["merchant_name"] == "POPULAR BOOK CO. (M) SDN BHD"
    assert (
        fields["merchant_address"]
        == "No 8, Jalan 7/118B, Desa Tun Razak, 56000 Kuala Lumpur, Malaysia"
    )


def test_a_misread_legal_form_is_spelt_right() -> None:
    rows = [
        "AMANO MALAYSIA SON BHD (682288-V)",
        "12 JALAN PENGACARA U1/48",
        "40150 SHAH ALAM",
        ("TOTAL", "3.00"),
    ]
    assert (
        values(extract([page_from_rows(rows)], ["eng"]))["merchant_name"]
        == "AMANO MALAYSIA SDN BHD"
    )


def test_a_misread_tax_figure_is_mended_when_subtotal_total_and_rate_agree() -> None:
    rows = ["LOJA DO PORTO LDA.", "Rua Park 17", "4000-322 Porto",
            ("Subtotal", "69,22"), ("IVA 23%", "13,92"), ("TOTAL", "85,14 €")]  # fmt: skip
    tax = extract([page_from_rows(rows)], ["por"]).fields["tax"]
    assert (tax.value, tax.text) == ("15.92", "13,92")  # the value mended, the text as read
    assert tax.confidence < 92.0


def test_a_tax_figure_that_disagrees_without_a_rate_stays_as_read() -> None:
    rows = ["LOJA DO PORTO LDA.", ("Subtotal", "69,22"), ("IVA", "13,92"), ("TOTAL", "85,14 €")]
    extraction = extract([page_from_rows(rows)], ["por"])
    assert extraction.fields["tax"].value == "13.92"
    assert extraction.checks.total_matches_parts is False


def test_a_british_postcodes_inward_digit_misread_as_a_letter_is_mended() -> None:
    rows = ["ACME WIDGETS LTD", "40 Linden Road", "Bristol BS1 SAA", ("Total", "£3.00")]
    address = extract([page_from_rows(rows)], ["eng"]).fields["merchant_address"]
    assert (address.value, address.text) == (
        "40 Linden Road, Bristol BS1 5AA",
        "40 Linden Road\nBristol BS1 SAA",
    )
