"""hOCR 1.2 (https://kba.github.io/hocr-spec/1.2/): page, content areas, paragraphs, lines and
words, each with its `bbox`, words with `x_wconf`, as Tesseract's renderer nests them."""

from html import escape

from app.ocr.rendering.blocks import paragraphs
from app.ocr.results import BBox, Page

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title></title>
  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
  <meta name='ocr-system' content='ocr-service'/>
  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf'/>
 </head>
 <body>
"""
FOOTER = """ </body>
</html>
"""


def _bbox(box: BBox) -> str:
    return "bbox {} {} {} {}".format(*box)


def write(page: Page) -> bytes:
    number = page.number
    out = [HEADER]
    title = (
        f'image "page-{number:04d}.png"; {_bbox((0, 0, page.width, page.height))}; '
        f"ppageno {number - 1}"
    )
    out.append(f"  <div class='ocr_page' id='page_{number}' title='{title}'>\n")
    word_count = line_count = 0
    for index, (box, lines) in enumerate(paragraphs(page), start=1):
        out.append(f"   <div class='ocr_carea' id='block_{number}_{index}' title='{_bbox(box)}'>\n")
        out.append(f"    <p class='ocr_par' id='par_{number}_{index}' title='{_bbox(box)}'>\n")
        for line in lines:
            line_count += 1
            out.append(
                f"     <span class='ocr_line' id='line_{number}_{line_count}' "
                f'title="{_bbox(line.bbox)}; x_size {line.bbox[3] - line.bbox[1]}">'
            )
            for word in line.words:
                word_count += 1
                confidence = round(word.confidence)
                out.append(
                    f"\n      <span class='ocrx_word' id='word_{number}_{word_count}' "
                    f"title='{_bbox(word.bbox)}; x_wconf {confidence}'>{escape(word.text)}</span>"
                )
            out.append("\n     </span>\n")
        out.append("    </p>\n   </div>\n")
    out.append("  </div>\n")
    out.append(FOOTER)
    return "".join(out).encode()
