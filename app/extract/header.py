"""Who issued the document: the merchant's name, address, phone and tax id, from the rows
above the first item.

The address is the run of rows that reads as one (a house number, a street word, a postcode)
and ends at its postcode; the name is the row above it that names a business (a legal form
such as SDN BHD or GmbH first), joined with the rows it continues when a name wraps.

Over 300 lines: the merchant's fields are found together (the name is the row above the
address), and the word lists they need are most of its length.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from app.extract.parsing.labels import Concept, words_of
from app.extract.parsing.lines import ReadRow

# Rows this far down can still be the header: a receipt's own number, a logo's words, a
# branch line and a registration line can all stand above the address.
HEADER_ROWS = 14
MAX_ADDRESS_ROWS = 5
_LEGAL_FORMS = (
    "sdn bhd",
    "s b",
    "sb",
    "bhd",
    "berhad",
    "ltd",
    "limited",
    "llc",
    "inc",
    "corp",
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "sarl",
    "sas",
    "sa",
    "srl",
    "spa",
    "bv",
    "nv",
    "plc",
    "pty",
    "pte",
    "pte ltd",
    "co",
    "llp",
    "oy",
    "ab",
    "as",
    "sl",
)
_BUSINESS_WORDS = frozenset(
    {
        "enterprise",
        "enterprises",
        "trading",
        "restaurant",
        "restoran",
        "hardware",
        "store",
        "stores",
        "shop",
        "mart",
        "market",
        "bakeries",
        "bakery",
        "farmasi",
        "pharmacy",
        "cafe",
        "holdings",
        "group",
        "supermarket",
        "company",
        "industries",
        "services",
        "service",
        "stationery",
        "furnishing",
        "hotel",
        "bistro",
        "kitchen",
        "boutique",
        "apotheke",
        "boulangerie",
        "pharmacie",
        "ristorante",
        "tienda",
        "winkel",
        "baeckerei",
        "backerei",
        "markt",
        "kedai",
        "syarikat",
        "perniagaan",
    }
)
# Streets written as one word with their name (Hauptstrasse, Bahnhofstr., Kerkstraat), and
# standing alone as well.
_ONE_WORD_STREETS = ("strasse", "str", "weg", "platz", "gasse", "allee", "straat")
_STREET_WORDS = frozenset(
    {
        *_ONE_WORD_STREETS,
        "jalan",
        "jln",
        "taman",
        "tmn",
        "lot",
        "lorong",
        "persiaran",
        "lebuhraya",
        "road",
        "rd",
        "street",
        "st",
        "avenue",
        "ave",
        "lane",
        "drive",
        "blvd",
        "boulevard",
        "way",
        "rue",
        "place",
        "chemin",
        "via",
        "viale",
        "piazza",
        "calle",
        "avenida",
        "plaza",
        "rua",
        "laan",
        "plein",
        "level",
        "unit",
        "block",
        "blk",
        "floor",
        "suite",
        "no",
        "building",
        "bangunan",
    }
)
# German and Dutch streets are one word: Hauptstrasse, Bahnhofstr., Lindenweg, Kerkstraat.
_STREET_ENDINGS = (*_ONE_WORD_STREETS, "damm", "ring", "laan", "gracht")
_GREETINGS = frozenset(
    {"welcome", "thank", "thanks", "tq", "order", "your", "please", "visit", "staff", "copy"}
)
_DIGITS_AS_LETTERS = str.maketrans("0158", "OISB")
_LETTERS_AS_DIGITS = str.maketrans("SO", "50")
_POSTCODE = re.compile(r"(?<![\d-])\d{4,5}(?![\d-])")
# British and Canadian postcodes: BS1 5AA, SW1A 1AA, K1A 0B1.
# An S or an O where a postcode's inward digit is (`BS1 SAA`) is how OCR misreads a 5 or a 0.
_LETTERED_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]? ?[\dSO][A-Z]{2}\b|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b"
)
_PHONE = re.compile(r"\+?\d[\d\s\-()./]{6,}\d")


@dataclass(frozen=True, slots=True)
class Header:
    name: list[ReadRow]
    name_text: str
    address: list[ReadRow]
    phone: tuple[ReadRow, str, str] | None  # row, as printed, normalised
    tax_id: tuple[ReadRow, str] | None


def find_header(rows: Sequence[ReadRow], region: str | None, stop_at: int) -> Header:
    """`stop_at`: the index of the first row that belongs to the body (an item, a sum)."""
    head = [row for row in rows[: min(stop_at, HEADER_ROWS)]]
    address = address_from(head)
    above = head[: head.index(address[0])] if address else head
    name = _name(above) if above else []
    if not name and address:
        name = _name(head[head.index(address[-1]) + 1 :])
    return Header(
        name=name,
        name_text=_clean_name(" ".join(row.text for row in name)),
        address=address,
        phone=_phone(rows[:stop_at] or rows[:HEADER_ROWS], region),
        tax_id=_tax_id(rows[: max(stop_at, HEADER_ROWS)]),
    )


def address_from(head: Sequence[ReadRow]) -> list[ReadRow]:
    """The first run of rows in `head` that reads as an address, through its postcode."""
    for start, row in enumerate(head):
        if not _address_like(row):
            continue
        block: list[ReadRow] = []
        for index in range(start, min(len(head), start + MAX_ADDRESS_ROWS)):
            candidate = head[index]
            if block and _stops_address(candidate):
                break
            block.append(candidate)
            if _postcode(candidate, five_only=True) or (
                _postcode(candidate) and not _five_digit_ahead(head, index, start)
            ):
                _add_region(block, head, index)
                return block
        # No postcode in reach: the rows that read as an address, when there are two or more.
        lines = [row for row in block if _address_like(row)]
        if len(lines) >= 2:
            return block[: block.index(lines[-1]) + 1]
    return []


def address_text(text: str) -> str:
    """An address as printed, with a British postcode's inward digit mended where OCR read
    it as a letter (`BS1 SAA` is BS1 5AA: that place only ever holds a digit)."""

    def mend(match: re.Match[str]) -> str:
        inward = match.group(2)
        return match.group(1) + inward[0].translate(_LETTERS_AS_DIGITS) + inward[1:]

    return re.sub(r"\b([A-Z]{1,2}\d[A-Z\d]? ?)([SO][A-Z]{2})\b", mend, text)


def _postcode(row: ReadRow, *, five_only: bool = False) -> bool:
    if _LETTERED_POSTCODE.search(row.text):
        return True
    codes = _POSTCODE.findall(row.text)
    return any(len(code) == 5 for code in codes) if five_only else bool(codes)


def _five_digit_ahead(head: Sequence[ReadRow], index: int, start: int) -> bool:
    """A four-digit number is a house number when a five-digit postcode follows within the
    address's reach (`LOT P.T. 2811`, then `41150 KLANG`)."""
    return any(
        _postcode(row, five_only=True) and not _stops_address(row)
        for row in head[index + 1 : start + MAX_ADDRESS_ROWS]
    )


def _add_region(block: list[ReadRow], head: Sequence[ReadRow], index: int) -> None:
    """The city after a postcode that ends its row (`Ara Damansara, 47301` / `Petaling Jaya,
    Selangor`), and the state or region a postcode row leads to (`81700 PASIR GUDANG,` /
    `JOHOR`)."""
    if re.search(r"\d{4,5}\W*$", block[-1].text) and index + 1 < len(head):
        city = head[index + 1]
        if not _stops_address(city) and city.letters >= 3:
            block.append(city)
            index += 1
    for follower in head[index + 1 : index + 3]:
        words = words_of(follower.text)
        continues = block[-1].text.rstrip().endswith(",")
        if _stops_address(follower) or any(ch.isdigit() for ch in follower.text):
            return
        if not (continues or len(words) == 1) or len(words) > 3:
            return
        block.append(follower)


def _address_like(row: ReadRow) -> bool:
    if _stops_address(row) or row.letters < 2:
        return False
    words = words_of(row.text)
    starts_with_number = bool(re.match(r"^\(?(no\b|lot\b|[a-z]?\d)", row.text.strip().lower()))
    has_street = any(word in _STREET_WORDS or word.endswith(_STREET_ENDINGS) for word in words)
    if _has_legal_form(row) and not has_street:
        return False  # `99 SPEED MART S/B`: a name that starts with a number
    return starts_with_number or has_street or _postcode(row)


def _stops_address(row: ReadRow) -> bool:
    text = row.text.lower()
    if "@" in text or "www" in text or ".com" in text:
        return True
    found = row.concepts
    return bool(
        found & {Concept.PHONE, Concept.TAX_ID, Concept.REGISTRATION, Concept.DOCUMENT}
        or found & {Concept.COUNT, Concept.TOTAL, Concept.CUSTOMER, Concept.DATE, Concept.DUE}
        or row.amounts
        or row.dates
        or row.times
    )


def _name(candidates: Sequence[ReadRow]) -> list[ReadRow]:
    rows = [row for row in candidates if not _junk(row)]
    if not rows:
        return []
    legal = [row for row in rows if _has_legal_form(row)]
    business = [row for row in rows if set(words_of(row.text)) & _BUSINESS_WORDS]
    chosen = (legal or business or [rows[-1]])[0]
    return _wrapped(rows, chosen)


def _wrapped(rows: Sequence[ReadRow], chosen: ReadRow) -> list[ReadRow]:
    """A name printed over several rows: `AIK HUAT HARDWARE` / `ENTERPRISE (SETIA` /
    `ALAM) SDN BHD`, `POPULAR BOOK` / `CO. (M) SDN BHD`."""
    name = [chosen]
    position = rows.index(chosen)
    while position > 0:
        text = " ".join(row.text for row in name)
        above = rows[position - 1]
        if above.index != name[0].index - 1:
            break
        opened = text.count("(") < text.count(")")
        short_start = len(words_of(name[0].text)) <= 2 or re.match(
            r"^(co\b|&)", name[0].text.lower()
        )
        if not (opened or short_start) or _has_legal_form(above):
            break
        name.insert(0, above)
        position -= 1
    return name


def _junk(row: ReadRow) -> bool:
    """A row above the address that is not the name: a number, a logo's letter, a greeting,
    a document title, a registration, a web address."""
    text = row.text.strip()
    named = _clean_name(text)  # a registration number after a name leaves it a name
    visible = [character for character in named if not character.isspace()]
    letters = sum(character.isalpha() for character in named)
    if letters < 3 or letters < 0.5 * len(visible):
        return True
    if "@" in text or "www" in text.lower() or ".com" in text.lower():
        return True
    words = set(words_of(text))
    if words & _GREETINGS:
        return True
    if row.concepts & {Concept.PHONE, Concept.TAX_ID, Concept.REGISTRATION} and any(
        character.isdigit() for character in text
    ):
        return True
    document_words = row.concepts & {Concept.DOCUMENT, Concept.TAX}
    return bool(document_words) and len(words) <= 3 and not words & _BUSINESS_WORDS


def _has_legal_form(row: ReadRow) -> bool:
    joined = " ".join(words_of(_clean_name(row.text).replace("/", "")))
    return any(
        joined.endswith(" " + form) or joined == form
        for form in _LEGAL_FORMS
        if len(form) > 2 or form in ("sb", "co")
    )


def _clean_name(text: str) -> str:
    """The name without a registration number after it (`TRI SHAAS SDN BHD (728515-M)`), its
    legal form spelt right when OCR misread one letter of it (`SON BHD`, `5/B`)."""
    name = re.sub(r"\s*\([^)]*\d[^)]*\)\s*$", "", text.strip())
    name = re.sub(r"\s*\([^)]*\d[^)]*\)\s*(?=\S)", " ", name) if name.count("(") > 1 else name
    return _legal_form_spelt(name.strip(" .,-"))


# Legal forms whose misreads are worth mending, as printed: one wrong letter in them reads
# as nothing else.
_MENDED_FORMS = ("SDN BHD", "SDN. BHD.", "S/B", "GMBH", "PTE LTD", "PTE. LTD.")


def _legal_form_spelt(name: str) -> str:
    words = name.split()
    for size in (2, 1):
        if len(words) <= size:
            continue
        tail = " ".join(words[-size:])
        letters = tail.upper().translate(_DIGITS_AS_LETTERS)
        for form in _MENDED_FORMS:
            if len(form) == len(letters) and tail.upper() != form:
                wrong = sum(a != b for a, b in zip(letters, form, strict=False))
                if wrong <= 1 and sum(ch.isalpha() for ch in form) >= 2:
                    return " ".join([*words[:-size], form])
    return name


def _phone(rows: Sequence[ReadRow], region: str | None) -> tuple[ReadRow, str, str] | None:
    for row in rows:
        if Concept.PHONE not in row.concepts:
            continue
        match = _PHONE.search(row.text)
        if match is None:
            continue
        printed = match.group(0).strip()
        return row, printed, _normalised_phone(printed, region)
    return None


def _normalised_phone(printed: str, region: str | None) -> str:
    number = printed.split("/")[0]
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return ("+" if number.startswith("+") else "") + re.sub(r"\D", "", number)


def _tax_id(rows: Sequence[ReadRow]) -> tuple[ReadRow, str] | None:
    for row in rows:
        if Concept.TAX_ID not in row.concepts or Concept.TOTAL in row.concepts or row.amounts:
            continue
        codes = re.findall(r"[A-Z]{0,3}\d[\dA-Z\-]{5,}", row.text.upper())
        if codes:
            return row, max(codes, key=len)
    return None
