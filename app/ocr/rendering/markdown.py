"""Markdown from the page tree: headings by their size, paragraphs, lists, and tables as
Markdown tables, in reading order; and the tables alone as CSV.

A line much taller than the page's body text and short is a heading (`#` for the tallest
kind, `##` for the next); a line that starts with a bullet or a number and a dot is a list
item; the lines of one paragraph are joined; the rows of a table (reading/tables.py) are
written as one Markdown table where the table stands.
"""

import csv
import io
import re
from collections.abc import Sequence
from statistics import median

from app.ocr.reading.tables import Table, find_tables
from app.ocr.results import Line, Page

MEDIA_TYPE = "text/markdown; charset=utf-8"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# A line this many times the body's height is a heading (`##`), twice that a title (`#`).
HEADING_RATIO = 1.35
TITLE_RATIO = 1.9
MAX_HEADING_WORDS = 12
PARAGRAPH_GAP = 0.8  # body heights between two lines: a blank line between paragraphs
_BULLET = re.compile(
    r"^\s*(?:[\u2022\u00b7\u25aa\u25e6\u2023*\-\u2013\u2014]|[0-9]{1,3}[.)]|\(?[a-z]\))\s+"
)
_NUMBERED = re.compile(r"^\s*\(?([0-9]{1,3})[.)]\s+")


def render_markdown(pages: Sequence[Page]) -> str:
    return "\n\n".join(part for part in (_page_markdown(page) for page in pages) if part) + "\n"


def tables_csv(tables: Sequence[Table]) -> str:
    """Every table as CSV, a blank line between two tables."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for number, table in enumerate(tables):
        if number:
            buffer.write("\n")
        writer.writerows(table.grid())
    return buffer.getvalue()


def table_markdown(table: Table) -> str:
    grid = table.grid()
    lines = [_markdown_row(grid[0]), "|" + "|".join(" --- " for _ in grid[0]) + "|"]
    lines += [_markdown_row(row) for row in grid[1:]]
    return "\n".join(lines)


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").strip() for cell in cells) + " |"


def _page_markdown(page: Page) -> str:
    lines = [line for line in page.lines if line.text.strip()]
    if not lines:
        return ""
    tables = find_tables(page)
    in_table = {id(line): table for table in tables for line in table.lines}
    body = median(_height(line) for line in lines)
    blocks: list[str] = []
    paragraph: list[str] = []
    previous_paragraph: int | None = None
    previous_bottom: int | None = None
    written: set[int] = set()

    def close() -> None:
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph.clear()

    for line in lines:
        table = in_table.get(id(line))
        if table is not None:
            close()
            if id(table) not in written:
                blocks.append(table_markdown(table))
                written.add(id(table))
            continue
        text = line.text.strip()
        ratio = _height(line) / body if body else 1.0
        if ratio >= HEADING_RATIO and len(text.split()) <= MAX_HEADING_WORDS:
            close()
            blocks.append(("# " if ratio >= TITLE_RATIO else "## ") + text)
        elif _BULLET.match(text):
            close()
            numbered = _NUMBERED.match(text)
            item = _BULLET.sub("", text, count=1)
            blocks.append(f"{numbered.group(1)}. {item}" if numbered else f"- {item}")
        else:
            gap = line.bbox[1] - previous_bottom if previous_bottom is not None else 0
            # A new paragraph after a blank line's gap (pages read back from JSON carry no
            # paragraph numbers), or where the engine starts one after a finished sentence:
            # Tesseract gives each short line a paragraph of its own.
            ended = bool(paragraph) and paragraph[-1].endswith((".", "!", "?", ":", ";"))
            new_paragraph = line.paragraph != previous_paragraph and ended
            if new_paragraph or gap > PARAGRAPH_GAP * body:
                close()
            paragraph.append(text)
        previous_paragraph = line.paragraph
        previous_bottom = line.bbox[3]
    close()
    return _join_lists("\n\n".join(blocks))


def _join_lists(text: str) -> str:
    """Items of one list stand on consecutive lines, not as paragraphs apart."""
    text = re.sub(r"(?m)^(- .*)\n\n(?=- )", r"\1\n", text)
    return re.sub(r"(?m)^(\d+\. .*)\n\n(?=\d+\. )", r"\1\n", text)


def _height(line: Line) -> int:
    return max(1, line.bbox[3] - line.bbox[1])
