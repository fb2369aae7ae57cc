"""ALTO 4 (https://www.loc.gov/standards/alto/): a Page of TextBlocks of TextLines of Strings
with their places in pixels and word confidences (WC, 0-1), valid against the ALTO 4.4 schema."""

from xml.sax.saxutils import quoteattr

from app.ocr.rendering.blocks import paragraphs
from app.ocr.results import BBox, Page

NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
SCHEMA = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _place(box: BBox) -> str:
    left, top, right, bottom = box
    return f'HPOS="{left}" VPOS="{top}" WIDTH="{right - left}" HEIGHT="{bottom - top}"'


def write(page: Page) -> bytes:
    index = page.number - 1
    prefix = "" if index == 0 else f"{index}_"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<alto xmlns="{NAMESPACE}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} {SCHEMA}">\n',
        "\t<Description>\n\t\t<MeasurementUnit>pixel</MeasurementUnit>\n",
        f"\t\t<sourceImageInformation>\n\t\t\t<fileName>page-{page.number:04d}.png</fileName>\n"
        "\t\t</sourceImageInformation>\n",
        "\t</Description>\n\t<Layout>\n",
        f'\t\t<Page WIDTH="{page.width}" HEIGHT="{page.height}" PHYSICAL_IMG_NR="{index}" '
        f'ID="page_{index}">\n',
        f"\t\t\t<PrintSpace {_place((0, 0, page.width, page.height))}>\n",
    ]
    # Counted from 0, a later page's ids prefixed with its index, as Tesseract numbers them.
    lines = words = -1
    for number, (box, block_lines) in enumerate(paragraphs(page)):
        out.append(f'\t\t\t\t<TextBlock ID="block_{prefix}{number}" {_place(box)}>\n')
        for line in block_lines:
            lines += 1
            out.append(f'\t\t\t\t\t<TextLine ID="line_{prefix}{lines}" {_place(line.bbox)}>\n')
            for position, word in enumerate(line.words):
                if position:
                    previous = line.words[position - 1].bbox
                    gap = max(0, word.bbox[0] - previous[2])
                    place = f'WIDTH="{gap}" VPOS="{previous[1]}" HPOS="{previous[2]}"'
                    out.append(f"\t\t\t\t\t\t<SP {place}/>\n")
                words += 1
                confidence = f"{max(0.0, min(1.0, word.confidence / 100)):.2f}"
                out.append(
                    f'\t\t\t\t\t\t<String ID="string_{prefix}{words}" {_place(word.bbox)} '
                    f'WC="{confidence}" CONTENT={quoteattr(word.text)}/>\n'
                )
            out.append("\t\t\t\t\t</TextLine>\n")
        out.append("\t\t\t\t</TextBlock>\n")
    out.append("\t\t\t</PrintSpace>\n\t\t</Page>\n\t</Layout>\n</alto>\n")
    return "".join(out).encode()
