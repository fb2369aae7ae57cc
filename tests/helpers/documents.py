"""Documents made for tests: PDFs with a real text layer."""

import functools
import struct
import zlib
from io import BytesIO
from pathlib import Path

from PIL import Image


def pdf_with_table(rows: list[list[str]], *, left: int = 72, top: int = 700) -> bytes:
    """A one-page PDF whose text layer is a table: each cell's text placed at its column
    (every 130 points) and its row (every 24), as a spreadsheet exports it."""
    operators = " ".join(
        f"1 0 0 1 {left + 130 * column} {top - 24 * number} Tm ({text}) Tj"
        for number, row in enumerate(rows)
        for column, text in enumerate(row)
        if text
    )
    return _pdf(f"BT /F1 12 Tf {operators} ET".encode())


def pdf_with_text_layer(
    lines: list[str], *, invisible: bool = False, scan: bytes | None = None, top: int = 720
) -> bytes:
    """A one-page PDF whose text is real PDF text (Helvetica), as a word processor writes it;
    `invisible` draws nothing (text render mode 3), like the text layer over a scan; `scan`
    (JPEG bytes) is drawn over the whole page first, as a scanner's PDF holds it."""
    operators = " ".join(f"({line}) Tj 0 -30 Td" for line in lines)
    mode = "3 Tr " if invisible else ""
    picture = "q 612 0 0 792 0 0 cm /Im1 Do Q " if scan else ""
    stream = f"{picture}BT {mode}/F1 24 Tf 72 {top} Td {operators} ET".encode()
    return _pdf(stream, scan)


def _pdf(stream: bytes, scan: bytes | None = None) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> %s>> /Contents 4 0 R >>"
        % (b"/XObject << /Im1 6 0 R >> " if scan else b""),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if scan:
        width, height = Image.open(BytesIO(scan)).size
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream"
            % (width, height, len(scan), scan)
        )
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return body + b"startxref\n%d\n%%%%EOF\n" % xref


def scanned_pdf(pages: list[bytes], *, dpi: int = 300) -> bytes:
    """A PDF of images only (no text layer), one page per image, as a scanner writes it."""
    images = [Image.open(BytesIO(page)).convert("RGB") for page in pages]
    buffer = BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()


def dense_page(number: int, *, lines: int = 40, width: int = 2480, height: int = 3508) -> bytes:
    """An A4 page at 300 dpi of `lines` lines of text that name the page: a full page's work."""
    from PIL import ImageDraw

    from tests.conftest import _font

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = _font(42)
    for row in range(lines):
        text = f"Page {number} line {row + 1}: the quick brown fox jumps over the lazy dog"
        draw.text((150, 150 + row * 80), text, fill=0, font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_padded_pdf(path: Path, page: bytes, total_bytes: int) -> None:
    """A PDF of `total_bytes` on disk: one scanned page plus an unreferenced stream of zeros
    that makes up the size, written in pieces (never whole in memory)."""
    head = scanned_pdf([page])
    # Insert the filler object before the document's own objects would be rewritten: a new
    # object in an incremental update, placed after the original file, with its own xref.
    start_xref = int(head.rsplit(b"startxref", 1)[1].split()[0])
    objects = int(head.split(b"/Size", 1)[1].split()[0]) if b"/Size" in head else 0
    root = head.split(b"/Root", 1)[1].split(b"R", 1)[0] + b"R"
    filler = total_bytes - len(head) - 400
    with path.open("wb") as out:
        out.write(head)
        offset = len(head)
        out.write(b"%d 0 obj\n<< /Length %d >>\nstream\n" % (objects, filler))
        zeros = bytes(1024 * 1024)
        left = filler
        while left > 0:
            piece = zeros[: min(left, len(zeros))]
            out.write(piece)
            left -= len(piece)
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n%d 1\n%010d 00000 n \n" % (objects, offset))
        out.write(
            b"trailer\n<< /Size %d /Root%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (objects + 1, root, start_xref, xref)
        )


@functools.cache
def blank_png(side: int) -> bytes:
    """A valid all-black 1-bit PNG of side x side pixels, written chunk by chunk: a bomb of
    900 megapixels in under a megabyte, built in a fraction of the seconds Pillow would take."""
    row = bytes(1 + (side + 7) // 8)  # filter type 0, then the packed pixels
    compressor = zlib.compressobj(1)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def two_columns(gap: int = 600) -> Image.Image:
    """A real image of two columns, items and amounts, `gap` pixels apart."""
    from tests.conftest import text_image

    left = Image.open(BytesIO(text_image("Item\nSoap\nBread", size=32))).convert("L")
    right = Image.open(BytesIO(text_image("Amount\n3.20\n1.05", size=32))).convert("L")
    sheet = Image.new("L", (left.width + right.width + gap, left.height), 255)
    sheet.paste(left, (0, 0))
    sheet.paste(right, (left.width + gap, 0))
    return sheet
