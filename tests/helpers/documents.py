"""Documents made for tests: PDFs with a real text layer."""

from io import BytesIO

from PIL import Image


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
