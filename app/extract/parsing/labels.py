"""What a row's label says, in several languages, read fuzzily: OCR turns TOTAL into T0TAL or
TOTAI, and receipts abbreviate (`SUB-TTL`, `DISC`, `AMT`).

Each word of a label is matched against a vocabulary of label words (rapidfuzz), each of which
stands for a concept; the concepts present decide what the row holds.

Over 300 lines: most of it is the vocabulary, in the eight languages read.
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
    SERVICE = "service"  # a service charge is a tip; a service tax is a tax
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


# "To pay" in the languages read: a total's word, and the final total's.
_TO_PAY = ("payable", "zahlen", "payer", "pagar", "pagare", "betalen", "bayar")
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
        "amount",
        "amt",
        "betrag",
        "endbetrag",
        *_TO_PAY,
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
        "balance",
        *_TO_PAY,
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
    Concept.TIP: (
        "tip",
        "tips",
        "gratuity",
        "trinkgeld",
        "pourboire",
        "propina",
        "mancia",
        "fooi",
        "gorjeta",
    ),
    Concept.SERVICE: ("service", "servis", "bedienung", "servizio", "servicio"),
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
        "numerario",
        "dinheiro",
        "multibanco",
        "contado",
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
        "troco",
        "vuelto",
        "devuelto",
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
        "scontrino",
        "talao",
        "tagliando",
        "kassenbon",
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
        "tva",
        "iva",
        "ein",
        "idnr",
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
CONFUSABLE_UP_TO = 5
FUZZY_CUTOFF = 80.0  # one wrong letter in five
_NUMBER_ENDINGS = ("nummer", "number", "nr", "no")
# A word OCR split in two (`Payat .e`) has lost a letter and gained a space: a looser match.
SPLIT_WORD_CUTOFF = 75.0
_CONFUSABLE = frozenset(
    frozenset(pair) for pair in ("ce", "il", "lt", "oa", "ec", "rn", "uv", "ao", "ij", "ft")
)


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
    meanings = [_word_concepts(word) or _compound_number(word) for word in words]
    for meaning in meanings:
        found |= meaning
    for position in range(len(words) - 1):
        first, second = words[position], words[position + 1]
        if min(len(first), len(second)) <= 2 and not (
            meanings[position] and meanings[position + 1]
        ):
            found |= _word_concepts(first + second, SPLIT_WORD_CUTOFF)
    return found


@lru_cache(maxsize=4096)
def _word_concepts(word: str, cutoff: float = FUZZY_CUTOFF) -> frozenset[Concept]:
    exact = _by_word().get(word)
    if exact is not None:
        return exact
    if len(word) < EXACT_BELOW:
        return frozenset()
    if len(word) <= CONFUSABLE_UP_TO:
        # Short words: only a letter OCR confuses with another (INEL for INCL, TOTAI for
        # TOTAL), else PAIN would read as PAID and a TOSTA (a toast) as a TOTAL.
        return _confused_with(word)
    # A misread keeps the first letter more often than not, and requiring it keeps GROUND
    # from reading as ROUND.
    same_start = tuple(known for known in _long_words() if known[0] == word[0])
    best = process.extractOne(word, same_start, scorer=fuzz.ratio, score_cutoff=cutoff)
    return _by_word()[best[0]] if best is not None else frozenset()


def _compound_number(word: str) -> frozenset[Concept]:
    """German and Dutch write a number's label as one word: Bonnr, Rechnungsnummer,
    Factuurnummer."""
    for ending in _NUMBER_ENDINGS:
        stem = word.removesuffix(ending)
        if stem != word and len(stem) >= 3:
            meaning = _word_concepts(stem) or _word_concepts(stem.removesuffix("s"))
            if meaning:
                return meaning | {Concept.NUMBER}
    return frozenset()


def _confused_with(word: str) -> frozenset[Concept]:
    for known, meaning in _by_word().items():
        if len(known) != len(word):
            continue
        wrong = [(a, b) for a, b in zip(known, word, strict=True) if a != b]
        if len(wrong) == 1 and frozenset(wrong[0]) in _CONFUSABLE:
            return meaning
    return frozenset()


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
