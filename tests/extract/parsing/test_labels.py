import pytest

from app.extract.parsing.labels import Concept, concepts
from app.extract.totals import Role, role_of


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("TOTAL", Role.TOTAL),
        ("T0TAL", Role.TOTAL),
        ("TOTAI", Role.TOTAL),
        ("Jumlah", Role.TOTAL),
        ("Gesamt", Role.TOTAL),
        ("Grand Total", Role.FINAL_TOTAL),
        ("Total Payable:", Role.FINAL_TOTAL),
        ("Total Payat .e:", Role.FINAL_TOTAL),  # a word OCR split in two
        ("Montant TTC", Role.INCLUSIVE_TOTAL),
        ("TOTAL INCL. GST@6%", Role.INCLUSIVE_TOTAL),
        ("Total Inel. GST 6%", Role.INCLUSIVE_TOTAL),
        ("Sub-Total", Role.SUBTOTAL),
        ("Zwischensumme", Role.SUBTOTAL),
        ("Total Excl. GST", Role.SUBTOTAL),
        ("GST @6%", Role.TAX),
        ("MwSt 19%", Role.TAX),
        ("TVA 20%", Role.TAX),
        ("Tip", Role.TIP),
        ("Trinkgeld", Role.TIP),
        ("Discount", Role.DISCOUNT),
        ("Rounding Adj", Role.ROUNDING),
        ("CASH", Role.PAYMENT),
        ("Ch ange", Role.CHANGE),
        ("Rückgeld", Role.CHANGE),
    ],
)
def test_a_label_says_which_sum_its_row_holds(label: str, role: Role) -> None:
    assert role_of(concepts(label)) is role


@pytest.mark.parametrize(
    "label", ["Total Qty", "Item(s) : 5", "GROUND FLOOR", "CURTAIN STRAPS", "Cappuccino"]
)
def test_counts_and_words_that_only_look_like_labels_hold_no_sum(label: str) -> None:
    assert role_of(concepts(label)) is None


def test_label_concepts_beyond_sums() -> None:
    assert Concept.PHONE in concepts("Tel:")
    assert Concept.TAX_ID in concepts("USt-IdNr")
    assert {Concept.DOCUMENT, Concept.NUMBER} <= concepts("Invoice No")
    assert Concept.DUE in concepts("Due date")
