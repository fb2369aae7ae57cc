"""Generated receipts and invoices with every field and item written beside them.

    python -m bench.documents OUT_DIR     # writes NAME.png and NAME.truth.json per document

Deterministic (a seeded generator, the DejaVu fonts of fonts-dejavu-core), in the seven
languages the service installs besides OSD, each printed the way that country's tills and
invoicing programs print: its labels, its date order, its decimal comma or point, its currency
before or after the amount, tax added on top (US) or included (Europe). Layouts: one row per
item, the quantity on the item's row or on a row of its own below, a column table for
invoices. Degradations: none, a tilt, blur, noise, a small scan, JPEG.

The truth holds normalised values (amounts as decimal strings, dates as YYYY-MM-DD) for the
fields printed, and the items; a field that a document does not print is absent from it.
"""

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import numpy as np
import phonenumbers
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")
DOCUMENT_FONTS = ("DejaVuSansMono.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf",
                  "DejaVuSansCondensed.ttf", "DejaVuSansMono-Bold.ttf")  # fmt: skip
LOOKS = ("clean", "tilted", "blurred", "noisy", "small", "jpeg")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Country:
    language: str  # Tesseract's name
    currency: str
    symbol: str
    symbol_after: bool
    decimal_comma: bool
    date_order: str  # "dmy" or "mdy"
    date_separator: str
    phone: str  # as printed nationally, # for a digit
    phone_region: str  # the country: its phone plan, its VAT numbers' prefix
    tax_rate: Decimal
    tax_added: bool  # on top of the prices (US) or included in them
    legal_forms: tuple[str, ...]
    street: str  # a format with {number} and {name}
    city: tuple[str, ...]  # "postcode city" lines
    labels: dict[str, str]
    products: tuple[str, ...]


COUNTRIES = (
    Country(
        "eng", "USD", "$", False, False, "mdy", "/", "(212) 555-####", "US",
        Decimal("0.08875"), True,
        ("LLC", "INC"), "{number} {name} Street", ("New York, NY 10012", "Brooklyn, NY 11201"),
        {
            "subtotal": "Subtotal", "tax": "Sales Tax", "tip": "Tip", "discount": "Discount",
            "total": "TOTAL", "cash": "Cash", "change": "Change", "phone": "Tel:",
            "tax_id": "EIN:", "number": "Receipt #", "date": "Date:", "invoice": "INVOICE",
            "invoice_number": "Invoice No:", "due": "Due Date:", "customer": "Bill To:",
            "qty": "Qty", "description": "Description", "price": "Price", "amount": "Amount",
            "amount_due": "Amount Due",
        },
        ("Coffee", "Bagel", "Orange juice", "Blueberry muffin", "Turkey sandwich",
         "Green salad", "Bottled water", "Chocolate cookie", "Tomato soup", "Iced tea"),
    ),
    Country(
        "eng", "GBP", "£", False, False, "dmy", "/", "020 7946 ####", "GB", Decimal("0.20"), False,
        ("LTD", "PLC"), "{number} {name} Road", ("London SW1A 1AA", "Bristol BS1 5AA"),
        {
            "subtotal": "Subtotal", "tax": "VAT 20%", "tip": "Service", "discount": "Discount",
            "total": "Total", "cash": "Cash", "change": "Change", "phone": "Tel:",
            "tax_id": "VAT Reg No:", "number": "Receipt No:", "date": "Date:",
            "invoice": "INVOICE", "invoice_number": "Invoice No:", "due": "Due Date:",
            "customer": "Invoice To:", "qty": "Qty", "description": "Description",
            "price": "Unit Price", "amount": "Amount", "amount_due": "Balance Due",
            "included": "incl. VAT",
        },
        ("Flat white", "Scone", "Cream tea", "Sausage roll", "Bacon bap", "Porridge",
         "Fish and chips", "Mushy peas", "Lemonade", "Victoria sponge"),
    ),
    Country(
        "deu", "EUR", "€", True, True, "dmy", ".", "030 #######", "DE", Decimal("0.19"), False,
        ("GmbH", "AG"), "{name}strasse {number}", ("10115 Berlin", "80331 München"),
        {
            "subtotal": "Zwischensumme", "tax": "MwSt 19%", "tip": "Trinkgeld",
            "discount": "Rabatt", "total": "SUMME", "cash": "Bar", "change": "Rückgeld",
            "phone": "Tel.:", "tax_id": "USt-IdNr.:", "number": "Beleg-Nr.:", "date": "Datum:",
            "invoice": "RECHNUNG", "invoice_number": "Rechnungsnummer:", "due": "Fällig am:",
            "customer": "Kunde:", "qty": "Menge", "description": "Bezeichnung",
            "price": "Einzelpreis", "amount": "Betrag", "amount_due": "Gesamtbetrag",
            "included": "enthaltene MwSt 19%",
        },
        ("Milchkaffee", "Brezel", "Apfelschorle", "Käsebrötchen", "Bratwurst",
         "Kartoffelsalat", "Butterbrezel", "Mineralwasser", "Apfelstrudel", "Schnitzel"),
    ),
    Country(
        "fra", "EUR", "€", True, True, "dmy", "/", "01 42 ## ## ##", "FR", Decimal("0.20"), False,
        ("SARL", "SAS"), "{number} rue {name}", ("75004 Paris", "69002 Lyon"),
        {
            "subtotal": "Sous-total", "tax": "TVA 20%", "tip": "Pourboire",
            "discount": "Remise", "total": "TOTAL TTC", "cash": "Espèces", "change": "Rendu",
            "phone": "Tél :", "tax_id": "N° TVA :", "number": "Ticket n°", "date": "Date :",
            "invoice": "FACTURE", "invoice_number": "Facture n°", "due": "Échéance :",
            "customer": "Client :", "qty": "Qté", "description": "Désignation",
            "price": "Prix unitaire", "amount": "Montant", "amount_due": "Net à payer",
            "included": "dont TVA 20%",
        },
        ("Café crème", "Croissant", "Pain au chocolat", "Jus d'orange", "Croque-monsieur",
         "Salade niçoise", "Eau minérale", "Tarte aux pommes", "Baguette", "Quiche"),
    ),
    Country(
        "spa", "EUR", "€", True, True, "dmy", "/", "91 ### ## ##", "ES", Decimal("0.21"), False,
        ("S.L.", "S.A."), "Calle {name} {number}", ("28013 Madrid", "08002 Barcelona"),
        {
            "subtotal": "Subtotal", "tax": "IVA 21%", "tip": "Propina", "discount": "Descuento",
            "total": "TOTAL", "cash": "Efectivo", "change": "Cambio", "phone": "Tel.:",
            "tax_id": "NIF:", "number": "Ticket nº", "date": "Fecha:", "invoice": "FACTURA",
            "invoice_number": "Factura nº", "due": "Vencimiento:", "customer": "Cliente:",
            "qty": "Cant.", "description": "Descripción", "price": "Precio",
            "amount": "Importe", "amount_due": "Total a pagar", "included": "IVA incluido 21%",
        },
        ("Café con leche", "Tostada", "Zumo de naranja", "Churros", "Tortilla",
         "Bocadillo", "Agua mineral", "Croquetas", "Ensalada", "Flan"),
    ),
    Country(
        "ita", "EUR", "€", True, True, "dmy", "/", "06 ########", "IT", Decimal("0.22"), False,
        ("S.r.l.", "S.p.A."), "Via {name} {number}", ("00184 Roma", "20121 Milano"),
        {
            "subtotal": "Subtotale", "tax": "IVA 22%", "tip": "Mancia", "discount": "Sconto",
            "total": "TOTALE", "cash": "Contanti", "change": "Resto", "phone": "Tel.",
            "tax_id": "P.IVA", "number": "Scontrino n.", "date": "Data:", "invoice": "FATTURA",
            "invoice_number": "Fattura n.", "due": "Scadenza:", "customer": "Cliente:",
            "qty": "Qtà", "description": "Descrizione", "price": "Prezzo",
            "amount": "Importo", "amount_due": "Totale da pagare", "included": "di cui IVA 22%",
        },
        ("Cappuccino", "Cornetto", "Spremuta", "Tramezzino", "Pizza margherita",
         "Acqua naturale", "Tiramisù", "Panino", "Insalata", "Espresso"),
    ),
    Country(
        "nld", "EUR", "€", False, True, "dmy", "-", "020 ### ####", "NL", Decimal("0.21"), False,
        ("B.V.", "N.V."), "{name}straat {number}", ("1012 AB Amsterdam", "3011 AD Rotterdam"),
        {
            "subtotal": "Subtotaal", "tax": "BTW 21%", "tip": "Fooi", "discount": "Korting",
            "total": "TOTAAL", "cash": "Contant", "change": "Wisselgeld", "phone": "Tel:",
            "tax_id": "BTW-nr:", "number": "Bonnr:", "date": "Datum:", "invoice": "FACTUUR",
            "invoice_number": "Factuurnummer:", "due": "Vervaldatum:", "customer": "Klant:",
            "qty": "Aantal", "description": "Omschrijving", "price": "Prijs",
            "amount": "Bedrag", "amount_due": "Te betalen", "included": "waarvan BTW 21%",
        },
        ("Koffie", "Appeltaart", "Broodje kaas", "Tosti", "Jus d'orange", "Bitterballen",
         "Erwtensoep", "Stroopwafel", "Spa blauw", "Kroket"),
    ),
    Country(
        "por", "EUR", "€", True, True, "dmy", "-", "21 ### ####", "PT", Decimal("0.23"), False,
        ("Lda.", "S.A."), "Rua {name} {number}", ("1100-148 Lisboa", "4000-322 Porto"),
        {
            "subtotal": "Subtotal", "tax": "IVA 23%", "tip": "Gorjeta", "discount": "Desconto",
            "total": "TOTAL", "cash": "Numerário", "change": "Troco", "phone": "Tel.:",
            "tax_id": "NIF:", "number": "Talão n.º", "date": "Data:", "invoice": "FATURA",
            "invoice_number": "Fatura n.º", "due": "Vencimento:", "customer": "Cliente:",
            "qty": "Qtd.", "description": "Descrição", "price": "Preço", "amount": "Valor",
            "amount_due": "Total a pagar", "included": "IVA incluído 23%",
        },
        ("Galão", "Pastel de nata", "Tosta mista", "Sumo de laranja", "Bifana",
         "Caldo verde", "Água", "Francesinha", "Bolo de arroz", "Bica"),
    ),
)  # fmt: skip
NAME_WORDS = ("BLUE", "HARBOUR", "GOLDEN", "NORTH", "MAPLE", "RIVER", "STAR", "LINDEN", "OAK",
              "SILVER", "CORNER", "SUNNY", "GREEN", "ROYAL")  # fmt: skip
NAME_KINDS = ("CAFE", "BAKERY", "DELI", "MARKET", "BISTRO", "KITCHEN", "TRADING", "STORE")
STREET_NAMES = ("Linden", "Market", "Church", "Mill", "Garden", "Park", "Station", "King")
CUSTOMERS = ("Northwind Traders", "Fabrikam Partners", "Contoso Services", "Tailspin Studio")


@dataclass
class Document:
    name: str
    kind: str  # receipt or invoice
    language: str
    image: Image.Image
    fields: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str | None]] = field(default_factory=list)

    def truth(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "language": self.language,
            "fields": self.fields,
            "items": self.items,
        }


def money(country: Country, value: Decimal, *, symbol: bool = False) -> str:
    text = f"{value:,.2f}"
    if country.decimal_comma:
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    if not symbol:
        return text
    return f"{text} {country.symbol}" if country.symbol_after else f"{country.symbol}{text}"


def printed_date(country: Country, day: int, month: int, year: int) -> str:
    parts = (day, month) if country.date_order == "dmy" else (month, day)
    return country.date_separator.join([f"{parts[0]:02d}", f"{parts[1]:02d}", str(year)])


class _Sheet:
    """Rows of text drawn left, right or at columns, one font, top to bottom."""

    def __init__(self, width: int, font: ImageFont.FreeTypeFont, margin: int) -> None:
        self.width = width
        self.font = font
        self.margin = margin
        self.rows: list[list[tuple[str, str | int]]] = []

    def row(self, *cells: tuple[str, str | int]) -> None:
        self.rows.append(list(cells))

    def blank(self) -> None:
        self.rows.append([])

    def render(self, pitch: float) -> Image.Image:
        size = int(getattr(self.font, "size", 24))
        height = int(2 * self.margin + len(self.rows) * size * pitch)
        image = Image.new("L", (self.width, height), 255)
        draw = ImageDraw.Draw(image)
        for index, cells in enumerate(self.rows):
            top = self.margin + index * size * pitch
            for text, where in cells:
                length = self.font.getlength(text)
                left: float
                if where == "left":
                    left = self.margin
                elif where == "right":
                    left = self.width - self.margin - length
                elif where == "center":
                    left = (self.width - length) / 2
                else:
                    left = int(where)
                draw.text((left, top), text, fill=0, font=self.font)
        return image


def _items(rng: random.Random, country: Country, count: int) -> list[dict[str, str | None]]:
    chosen = rng.sample(country.products, count)
    items: list[dict[str, str | None]] = []
    for description in chosen:
        quantity = rng.choice((1, 1, 1, 2, 3))
        price = Decimal(rng.randint(90, 2400)) / 100
        items.append(
            {
                "description": description,
                "quantity": str(quantity),
                "unit_price": str(price),
                "amount": str((price * quantity).quantize(CENT)),
            }
        )
    return items


def e164(country: Country, phone: str) -> str:
    region = {"USD": "US", "GBP": "GB"}.get(country.currency) or country.language[:2].upper()
    region = {
        "EN": "US",
        "DE": "DE",
        "FR": "FR",
        "SP": "ES",
        "IT": "IT",
        "NL": "NL",
        "PO": "PT",
    }.get(region, region)
    return phonenumbers.format_number(
        phonenumbers.parse(phone, region), phonenumbers.PhoneNumberFormat.E164
    )


def _merchant(rng: random.Random, country: Country) -> tuple[str, str, str, str, str]:
    name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_KINDS)} {rng.choice(country.legal_forms)}"
    street = country.street.format(number=rng.randint(2, 180), name=rng.choice(STREET_NAMES))
    city = rng.choice(country.city)
    phone = "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in country.phone)
    tax_id = {
        "USD": f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
        "GBP": f"GB{rng.randint(100000000, 999999999)}",
    }.get(country.currency, f"{country.phone_region}{rng.randint(100000000, 999999999)}")
    return name, street, city, phone, tax_id


def receipt(rng: random.Random, country: Country, font_name: str, look: str, name: str) -> Document:
    font = ImageFont.truetype(str(FONTS / font_name), rng.choice((22, 24, 26)))
    sheet = _Sheet(rng.choice((560, 620, 680)), font, 28)
    labels = country.labels
    merchant, street, city, phone, tax_id = _merchant(rng, country)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2025)
    hour, minute = rng.randint(7, 22), rng.randint(0, 59)
    number = str(rng.randint(1000, 99999))
    items = _items(rng, country, rng.randint(2, 5))
    below = rng.random() < 0.35  # quantity and price on a row of their own under the name
    fields: dict[str, str] = {
        "merchant_name": merchant,
        "merchant_address": f"{street}, {city}",
        "merchant_phone": e164(country, phone),
        "transaction_date": f"{year:04d}-{month:02d}-{day:02d}",
        "transaction_time": f"{hour:02d}:{minute:02d}",
        "document_number": number,
        "currency": country.currency,
    }
    for line in (merchant, street, city, f"{labels['phone']} {phone}"):
        sheet.row((line, "center"))
    if rng.random() < 0.7:
        sheet.row((f"{labels['tax_id']} {tax_id}", "center"))
        fields["merchant_tax_id"] = tax_id
    sheet.blank()
    sheet.row((f"{labels['date']} {printed_date(country, day, month, year)}", "left"),
              (f"{hour:02d}:{minute:02d}", "right"))  # fmt: skip
    sheet.row((f"{labels['number']} {number}", "left"))
    sheet.blank()
    for item in items:
        quantity, unit = item["quantity"] or "1", Decimal(item["unit_price"] or "0")
        amount = money(country, Decimal(item["amount"] or "0"))
        if below:
            sheet.row((str(item["description"]), "left"))
            sheet.row((f"  {quantity} x {money(country, unit)}", "left"), (amount, "right"))
        elif quantity != "1":
            sheet.row((f"{quantity} x {item['description']}", "left"), (amount, "right"))
            item["unit_price"] = None  # not printed on this layout
        else:
            sheet.row((str(item["description"]), "left"), (amount, "right"))
            item["quantity"] = item["unit_price"] = None
    sheet.blank()
    items_sum = sum((Decimal(item["amount"] or "0") for item in items), Decimal(0))
    discount = Decimal(0)
    if rng.random() < 0.25:
        discount = (items_sum * Decimal("0.10")).quantize(CENT)
        sheet.row((labels["discount"], "left"), (money(country, -discount), "right"))
        fields["discount"] = str(discount)
    base = items_sum - discount
    if country.tax_added:
        tax = (base * country.tax_rate).quantize(CENT, ROUND_HALF_UP)
        sheet.row((labels["subtotal"], "left"), (money(country, base), "right"))
        sheet.row((labels["tax"], "left"), (money(country, tax), "right"))
        fields["subtotal"], fields["tax"] = str(base), str(tax)
        total = base + tax
    else:
        tax = (base - base / (1 + country.tax_rate)).quantize(CENT, ROUND_HALF_UP)
        total = base
        fields["tax"] = str(tax)
    tip = Decimal(0)
    if rng.random() < 0.3:
        tip = Decimal(rng.randint(1, 5))
        sheet.row((labels["tip"], "left"), (money(country, tip), "right"))
        fields["tip"] = str(tip.quantize(CENT))
        total += tip
    sheet.row((labels["total"], "left"), (money(country, total, symbol=True), "right"))
    fields["total"] = str(total.quantize(CENT))
    if not country.tax_added:
        sheet.row((labels["included"], "left"), (money(country, tax), "right"))
    if rng.random() < 0.6:
        cash = (total / 10).to_integral_value(rounding="ROUND_CEILING") * 10
        sheet.row((labels["cash"], "left"), (money(country, cash), "right"))
        sheet.row((labels["change"], "left"), (money(country, cash - total), "right"))
    image = _degrade(sheet.render(rng.choice((1.35, 1.5))), look, rng)
    return Document(name, "receipt", country.language, image, fields, items)


def invoice(rng: random.Random, country: Country, font_name: str, look: str, name: str) -> Document:
    font = ImageFont.truetype(str(FONTS / font_name), 22)
    sheet = _Sheet(1240, font, 70)
    labels = country.labels
    merchant, street, city, phone, tax_id = _merchant(rng, country)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2025)
    due_month, due_year = (month % 12) + 1, year + (month == 12)
    number = f"{rng.choice(('INV', 'F', 'R'))}-{year}-{rng.randint(10, 9999):04d}"
    customer = rng.choice(CUSTOMERS)
    customer_street = country.street.format(
        number=rng.randint(2, 99), name=rng.choice(STREET_NAMES)
    )
    customer_city = rng.choice(country.city)
    items = _items(rng, country, rng.randint(2, 6))
    fields: dict[str, str] = {
        "merchant_name": merchant,
        "merchant_address": f"{street}, {city}",
        "merchant_phone": e164(country, phone),
        "merchant_tax_id": tax_id,
        "document_number": number,
        "transaction_date": f"{year:04d}-{month:02d}-{day:02d}",
        "due_date": f"{due_year:04d}-{due_month:02d}-{day:02d}",
        "customer_name": customer,
        "customer_address": f"{customer_street}, {customer_city}",
        "currency": country.currency,
    }
    for line in (
        merchant,
        street,
        city,
        f"{labels['phone']} {phone}",
        f"{labels['tax_id']} {tax_id}",
    ):
        sheet.row((line, "left"))
    sheet.blank()
    sheet.row((labels["invoice"], "left"))
    sheet.row((f"{labels['invoice_number']} {number}", "left"))
    sheet.row((f"{labels['date']} {printed_date(country, day, month, year)}", "left"))
    sheet.row((f"{labels['due']} {printed_date(country, day, due_month, due_year)}", "left"))
    sheet.blank()
    sheet.row((labels["customer"], "left"))
    sheet.row((customer, "left"))
    sheet.row((customer_street, "left"))
    sheet.row((customer_city, "left"))
    sheet.blank()
    columns = (70, 620, 820)
    sheet.row((labels["description"], columns[0]), (labels["qty"], columns[1]),
              (labels["price"], columns[2]), (labels["amount"], "right"))  # fmt: skip
    for item in items:
        sheet.row(
            (str(item["description"]), columns[0]),
            (str(item["quantity"]), columns[1]),
            (money(country, Decimal(item["unit_price"] or "0")), columns[2]),
            (money(country, Decimal(item["amount"] or "0")), "right"),
        )
    sheet.blank()
    items_sum = sum((Decimal(item["amount"] or "0") for item in items), Decimal(0))
    if country.tax_added or country.currency == "GBP":
        tax = (items_sum * country.tax_rate).quantize(CENT, ROUND_HALF_UP)
        total = items_sum + tax
        sheet.row((labels["subtotal"], 820), (money(country, items_sum), "right"))
        sheet.row((labels["tax"], 820), (money(country, tax), "right"))
        fields["subtotal"] = str(items_sum)
    else:
        net = (items_sum / (1 + country.tax_rate)).quantize(CENT, ROUND_HALF_UP)
        tax = items_sum - net
        total = items_sum
        sheet.row((labels["subtotal"], 820), (money(country, net), "right"))
        sheet.row((labels["tax"], 820), (money(country, tax), "right"))
        fields["subtotal"] = str(net)
    fields["tax"] = str(tax)
    sheet.row((labels["amount_due"], 820), (money(country, total, symbol=True), "right"))
    fields["total"] = str(total.quantize(CENT))
    image = _degrade(sheet.render(1.6), look, rng)
    return Document(name, "invoice", country.language, image, fields, items)


TABLE_HEADINGS = ("Region", "Product", "Units", "Price", "Revenue", "Change", "Stock", "Code")
TABLE_NAMES = ("North", "South", "East", "West", "Central", "Harbour", "Valley", "Coast",
               "Highlands", "Lakeside", "Old Town", "Riverside")  # fmt: skip


@dataclass
class GeneratedTable:
    name: str
    ruled: bool
    image: Image.Image
    grid: list[list[str]]

    def truth(self) -> dict[str, object]:
        return {"ruled": self.ruled, "grid": self.grid}


def table(rng: random.Random, font_name: str, look: str, ruled: bool, name: str) -> GeneratedTable:
    """A table of a heading row and rows of a name and figures, ruled or not."""
    font = ImageFont.truetype(str(FONTS / font_name), rng.choice((22, 26, 30)))
    columns = rng.randint(3, 5)
    headings = ["Name", *rng.sample(TABLE_HEADINGS[2:], columns - 1)]
    grid = [headings]
    for row_name in rng.sample(TABLE_NAMES, rng.randint(4, 8)):
        figures = [_figure(rng) for _ in range(columns - 1)]
        grid.append([row_name, *figures])
    size = int(getattr(font, "size", 24))
    widths = [
        max(int(font.getlength(row[column])) for row in grid) + 2 * size
        for column in range(columns)
    ]
    margin, pitch = 60, int(size * 1.9)
    width = margin * 2 + sum(widths)
    height = margin * 2 + pitch * len(grid)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    lefts = [margin + sum(widths[:column]) for column in range(columns)]
    for row_number, row in enumerate(grid):
        top = margin + row_number * pitch + (pitch - size) // 2
        for column, text in enumerate(row):
            left = (
                lefts[column] + size
                if column == 0
                else lefts[column] + widths[column] - size - font.getlength(text)
            )
            draw.text((left, top), text, fill=0, font=font)
    if ruled:
        for row_number in range(len(grid) + 1):
            y = margin + row_number * pitch
            draw.line((margin, y, width - margin, y), fill=0, width=2)
        for x in [*lefts, width - margin]:
            draw.line((x, margin, x, height - margin), fill=0, width=2)
    return GeneratedTable(name, ruled, _degrade(image, look, rng), grid)


def _figure(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.randint(1, 9999):,}"
    if kind == 1:
        return f"{rng.randint(0, 999)}.{rng.randint(0, 99):02d}"
    return f"{rng.randint(-20, 40)}%"


def tables(seed: int = 11, count: int = 12) -> list[GeneratedTable]:
    rng = random.Random(seed)
    made: list[GeneratedTable] = []
    for index in range(count):
        ruled, look = index % 2 == 0, LOOKS[index % len(LOOKS)]
        name = f"table-{index:02d}-{'ruled' if ruled else 'unruled'}-{look}"
        made.append(table(rng, DOCUMENT_FONTS[index % len(DOCUMENT_FONTS)], look, ruled, name))
    return made


def _degrade(image: Image.Image, look: str, rng: random.Random) -> Image.Image:
    if look == "tilted":
        return image.rotate(
            rng.uniform(-2.0, 2.0), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC
        )
    if look == "blurred":
        return image.filter(ImageFilter.GaussianBlur(0.9))
    if look == "noisy":
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(
            0, 28, (image.height, image.width)
        )
        return Image.fromarray(
            np.clip(np.asarray(image, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
        )
    if look == "small":
        return image.resize(
            (int(image.width * 0.7), int(image.height * 0.7)), Image.Resampling.LANCZOS
        )
    if look == "jpeg":
        buffer = BytesIO()
        image.save(buffer, format="JPEG", quality=35)
        return Image.open(BytesIO(buffer.getvalue())).convert("L")
    return image


def documents(seed: int = 7, receipts: int = 24, invoices: int = 12) -> list[Document]:
    rng = random.Random(seed)
    made: list[Document] = []
    for index in range(receipts):
        country = COUNTRIES[index % len(COUNTRIES)]
        font = DOCUMENT_FONTS[index % len(DOCUMENT_FONTS)]
        look = LOOKS[index % len(LOOKS)]
        made.append(
            receipt(rng, country, font, look, f"receipt-{index:02d}-{country.language}-{look}")
        )
    for index in range(invoices):
        country = COUNTRIES[(index * 3) % len(COUNTRIES)]
        font = DOCUMENT_FONTS[(index + 1) % len(DOCUMENT_FONTS)]
        look = LOOKS[(index * 5) % len(LOOKS)]
        made.append(
            invoice(rng, country, font, look, f"invoice-{index:02d}-{country.language}-{look}")
        )
    return made


def write(out: Path, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for generated in tables():
        path = out / f"{generated.name}.png"
        generated.image.save(path)
        (out / f"{generated.name}.truth.json").write_text(
            json.dumps(generated.truth(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(path)
    for document in documents(seed):
        path = out / f"{document.name}.png"
        document.image.save(path)
        (out / f"{document.name}.truth.json").write_text(
            json.dumps(document.truth(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    paths = write(arguments.out, arguments.seed)
    print(f"{len(paths)} documents in {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
