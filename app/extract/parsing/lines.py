"""A row read once for extraction: the label words before its amounts, what they stand for,
its amounts, and its dates and times with the words they stand on."""

from collections.abc import Sequence
from dataclasses import dataclass

from app.extract.model import Token
from app.extract.parsing.amounts import Amount, row_amounts
from app.extract.parsing.dates import FoundDate, FoundTime, find_dates, find_times
from app.extract.parsing.labels import Concept, concepts
from app.extract.parsing.rows import Row
from app.ocr.results import BBox, union


@dataclass(frozen=True, slots=True)
class ReadRow:
    row: Row
    index: int  # its place among the document's rows
    languages: tuple[str, ...]
    amounts: list[Amount]
    label: str  # the words before the first amount
    concepts: set[Concept]
    dates: list[FoundDate]
    times: list[FoundTime]

    @property
    def text(self) -> str:
        return self.row.text

    @property
    def page(self) -> int:
        return self.row.page

    @property
    def bbox(self) -> BBox:
        return self.row.bbox

    @property
    def last_amount(self) -> Amount | None:
        return self.amounts[-1] if self.amounts else None

    def tokens_at(self, start: int, end: int) -> list[Token]:
        """The row's words that a span of its text touches."""
        tokens: list[Token] = []
        offset = 0
        for token in self.row.tokens:
            token_end = offset + len(token.text)
            if offset < end and start < token_end:
                tokens.append(token)
            offset = token_end + 1
        return tokens

    def span_box(self, start: int, end: int) -> BBox:
        tokens = self.tokens_at(start, end)
        return union([token.bbox for token in tokens]) if tokens else self.bbox

    def span_confidence(self, start: int, end: int) -> float:
        tokens = self.tokens_at(start, end)
        return min((token.confidence for token in tokens), default=0.0)

    @property
    def confidence(self) -> float:
        return min((token.confidence for token in self.row.tokens), default=0.0)

    @property
    def letters(self) -> int:
        return sum(character.isalpha() for character in self.text)


def _holds_a_sum(row: Row) -> bool:
    found = concepts(row.text)
    return (
        bool(
            found & {Concept.TOTAL, Concept.FINAL, Concept.SUB, Concept.PAYMENT, Concept.CHANGE}
            or found & {Concept.ROUNDING, Concept.TAX, Concept.TIP, Concept.DISCOUNT}
        )
        and Concept.COUNT not in found
    )


def read_rows(rows: Sequence[Row], languages: Sequence[str]) -> list[ReadRow]:
    read: list[ReadRow] = []
    for index, row in enumerate(rows):
        amounts = row_amounts(row)
        if not amounts and _holds_a_sum(row):
            amounts = row_amounts(row, lenient=True)
        label_tokens = (
            [token for token in row.tokens if token.bbox[0] < amounts[0].bbox[0]]
            if amounts
            else list(row.tokens)
        )
        label = " ".join(token.text for token in label_tokens)
        text = row.text
        read.append(
            ReadRow(
                row,
                index,
                tuple(languages),
                amounts,
                label,
                concepts(label),
                find_dates(text, languages),
                find_times(text),
            )
        )
    return read
