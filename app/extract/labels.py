"""What a row's label says, in several languages, read fuzzily: OCR turns TOTAL into T0TAL or
TOTAI, and receipts abbreviate (`SUB-TTL`, `DISC`, `AMT`).

Each word of a label is matched against a vocabulary of label words (rapidfuzz), each of which
stands for a concept; the concepts present decide what the row holds.
"""

import re
import unicodedata
from collections.abc import Iterable
from enum import Enum
from functools import lru_cache

from rapidfuzz import fuzz, process


class Concept(Enum):
    TOTAL = "total"
    FINAL = "final"  # grand, nett, due, payable: the total that is paid
    INCLUSIVE = "inclusive"  # incl., TTC: a total with the tax in it
    SUB = "sub"  # subtotal, excl, before: the total before something is added
    TAX = "tax"
    TIP = "tip"
    DISCOUNT = "discount"
    ROUNDING = "rounding"
    PAYMENT = "payment"
    CHANGE = "change"
    COUNT = "count"  # quantities and numbers of items, never money
    DATE = "date"
    DUE = "due"
    NUMBER = "number"  # No, Nr, #: a document's number
    DOCUMENT = "document"  # invoice, receipt, bill
    CUSTOMER = "customer"
    PHONE = "phone"
    TAX_ID = "tax_id"  # registration: GST ID, VAT No, USt-IdNr
    REGISTRATION = "registration"  # company numbers that are not tax ids


_VOCABULARY: dict[Concept, tuple[str, ...]] = {
    Concept.TOTAL: (
        "total",
        "ttl",
        "totals",
        "jumlah",
        "gesamt",
        "gesamtbetrag",
        "summe",
        "totale",
        "totaal",
        "importe",
        "montant",
        "payable",
        "amount",
        "amt",
        "betrag",
        "endbetrag",
        "zahlen",
        "payer",
        "pagar",
        "pagare",
        "betalen",
        "bayar",
        "sum",
    ),
    Concept.FINAL: (
        "grand",
        "nett",
        "net",
        "rounded",
        "final",
        "besar",
        "keseluruhan",
        "due",
        "payable",
        "balance",
        "zahlen",
        "payer",
        "pagar",
        "pagare",
        "betalen",
        "bayar",
        "endbetrag",
    ),
    Concept.INCLUSIVE: ("incl", "inclusive", "including", "inc", "ttc", "inkl", "compris"),
    Concept.SUB: (
        "subtotal",
        "sub",
        "subttl",
        "zwischensumme",
        "sous",
        "subtotale",
        "subtotaal",
        "excl",
        "exclusive",
        "excluding",
        "exc",
        "before",
        "ht",
        "netto",
        "imponible",
        "imponibile",
        "base",
        "exkl",
        "hors",
    ),
    Concept.TAX: (
        "tax",
        "gst",
        "vat",
        "sst",
        "mwst",
        "ust",
        "tva",
        "iva",
        "btw",
        "cukai",
        "steuer",
        "taxe",
        "taxes",
        "impuesto",
        "imposta",
        "mehrwertsteuer",
        "taxable",
    ),
    Concept.TIP: ("tip", "tips", "gratuity", "trinkgeld", "pourboire", "propina", "mancia", "fooi"),
    Concept.DISCOUNT: (
        "discount",
        "disc",
        "rabatt",
        "remise",
        "descuento",
        "sconto",
        "korting",
        "savings",
        "saving",
        "promo",
        "voucher",
        "coupon",
        "diskaun",
        "nachlass",
    ),
    Concept.ROUNDING: (
        "rounding",
        "round",
        "adj",
        "adjustment",
        "rundung",
        "arrondi",
        "redondeo",
        "arrotondamento",
        "afronding",
        "pembundaran",
    ),
    Concept.PAYMENT: (
        "cash",
        "tendered",
        "tender",
        "paid",
        "payment",
        "card",
        "visa",
        "mastercard",
        "credit",
        "debit",
        "bar",
        "gegeben",
        "especes",
        "efectivo",
        "contanti",
        "contant",
        "received",
        "tunai",
        "eftpos",
        "amex",
        "pin",
        "maestro",
    ),
    Concept.CHANGE: (
        "change",
        "ruckgeld",
        "wechselgeld",
        "rendu",
        "monnaie",
        "cambio",
        "resto",
        "wisselgeld",
        "baki",
        "kembali",
    ),
    Concept.COUNT: (
        "qty",
        "quantity",
        "items",
        "item",
        "pcs",
        "count",
        "menge",
        "anzahl",
        "articles",
        "artikel",
        "units",
        "kuantiti",
        "qte",
        "cantidad",
        "quantita",
        "aantal",
        "stk",
    ),
    Concept.DATE: ("date", "dated", "datum", "fecha", "data", "tarikh", "dt"),
    Concept.DUE: (
        "due",
        "payable",
        "faellig",
        "fallig",
        "echeance",
        "vencimiento",
        "scadenza",
        "vervaldatum",
    ),
    Concept.NUMBER: ("no", "nr", "number", "num", "numero", "nummer", "n", "ref", "nro", "bil"),
    Concept.DOCUMENT: (
        "invoice",
        "inv",
        "receipt",
        "bill",
        "rechnung",
        "facture",
        "factura",
        "fattura",
        "factuur",
        "quittung",
        "beleg",
        "bon",
        "ticket",
        "resit",
        "doc",
        "document",
        "transaction",
        "trans",
        "txn",
        "order",
        "check",
        "chk",
    ),
    Concept.CUSTOMER: (
        "customer",
        "client",
        "bill",
        "billed",
        "sold",
        "ship",
        "kunde",
        "cliente",
        "klant",
        "destinataire",
        "buyer",
        "attention",
        "attn",
    ),
    Concept.PHONE: (
        "tel",
        "telephone",
        "phone",
        "telefon",
        "telefono",
        "fon",
        "hp",
        "mobile",
        "fax",
        "tlf",
        "ph",
    ),
    Concept.TAX_ID: (
        "gst",
        "vat",
        "sst",
        "tin",
        "abn",
        "ustidnr",
        "ustid",
        "steuernummer",
        "siret",
        "nif",
        "cif",
        "piva",
        "btw",
        "npwp",
        "tax",
    ),
    Concept.REGISTRATION: (
        "reg",
        "registration",
        "roc",
        "co",
        "company",
        "brn",
        "ssm",
        "handelsregister",
    ),
}
# Words this short must be read exactly: one misread letter makes another word.
EXACT_BELOW = 4
_DIGITS_AS_LETTERS = str.maketrans("0158", "olsb")
FUZZY_CUTOFF = 75.0  # one wrong letter in four


def words_of(text: str) -> list[str]:
    """A label's words: lower case, accents and punctuation gone, `SUB-TOTAL` two words."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(character for character in plain if not unicodedata.combining(character))
    words: list[str] = []
    for part in re.split(r"[^a-z0-9]+", plain.replace("ß", "ss")):
        if re.search(r"[a-z]", part) and re.search(r"[0-9]", part):
            part = part.translate(_DIGITS_AS_LETTERS)  # T0TAL, SUBT0TAL
        words.extend(word for word in re.split(r"[^a-z]+", part) if word)
    return words


def concepts(text: str) -> set[Concept]:
    """The concepts a label's words stand for. Two neighbours that mean nothing alone are
    also read as one word: OCR splits words (`Ch ange`, `Payat .e`)."""
    words = words_of(text)
    found: set[Concept] = set()
    meanings = [_word_concepts(word) for word in words]
    for meaning in meanings:
        found |= meaning
    for position in range(len(words) - 1):
        if not meanings[position] or not meanings[position + 1]:
            joined = words[position] + words[position + 1]
            if len(joined) >= 5:
                found |= _word_concepts(joined)
    return found


@lru_cache(maxsize=4096)
def _word_concepts(word: str) -> frozenset[Concept]:
    exact = _by_word().get(word)
    if exact is not None:
        return exact
    if len(word) < EXACT_BELOW:
        return frozenset()
    # A misread keeps the first letter more often than not, and requiring it keeps GROUND
    # from reading as ROUND.
    same_start = tuple(known for known in _long_words() if known[0] == word[0])
    best = process.extractOne(word, same_start, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return _by_word()[best[0]] if best is not None else frozenset()


@lru_cache(maxsize=1)
def _by_word() -> dict[str, frozenset[Concept]]:
    table: dict[str, set[Concept]] = {}
    for concept, vocabulary in _VOCABULARY.items():
        for word in vocabulary:
            table.setdefault(word, set()).add(concept)
    return {word: frozenset(found) for word, found in table.items()}


@lru_cache(maxsize=1)
def _long_words() -> tuple[str, ...]:
    return tuple(word for word in _by_word() if len(word) >= EXACT_BELOW)


def any_of(found: Iterable[Concept], *wanted: Concept) -> bool:
    return any(concept in wanted for concept in found)
