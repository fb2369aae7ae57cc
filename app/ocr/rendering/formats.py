"""The output formats: their media types and extensions, and for the subprocess engine, which
of Tesseract's renderers writes each (its own TSV is how that engine reads a page)."""

import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


@dataclass(frozen=True, slots=True)
class OutputFormat:
    name: str
    media_type: str
    extension: str
    tesseract_variable: str


OUTPUT_FORMATS: dict[str, OutputFormat] = {
    fmt.name: fmt
    for fmt in (
        OutputFormat("text", "text/plain; charset=utf-8", ".txt", "tessedit_create_txt"),
        OutputFormat("hocr", "text/html; charset=utf-8", ".hocr", "tessedit_create_hocr"),
        OutputFormat("alto", "application/xml", ".xml", "tessedit_create_alto"),
        OutputFormat(
            "tsv", "text/tab-separated-values; charset=utf-8", ".tsv", "tessedit_create_tsv"
        ),
        OutputFormat("pdf", "application/pdf", ".pdf", "tessedit_create_pdf"),
    )
}


@contextmanager
def page_files(
    images: Iterable[Image.Image],
    dpis: Iterable[int | None],
    default_dpi: int | None = 300,
) -> Iterator[tuple[str, str]]:
    """The pages as PNG files plus a list file naming them, as Tesseract's renderers read them;
    a page of no known resolution is written as `default_dpi` (None: none, and Tesseract
    estimates it from the text).

    Yields (list file path, output base path) inside a private temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix="ocr-render-") as folder:
        paths = []
        for index, (image, dpi) in enumerate(zip(images, dpis, strict=True)):
            path = Path(folder) / f"page-{index + 1:04d}.png"
            resolution = dpi or default_dpi
            if resolution:
                image.save(path, format="PNG", dpi=(resolution, resolution))
            else:
                image.save(path, format="PNG")
            paths.append(str(path))
        list_file = Path(folder) / "pages.txt"
        list_file.write_text("\n".join(paths) + "\n")
        yield str(list_file), str(Path(folder) / "output")


def read_output(output_base: str, fmt: OutputFormat, failed: Callable[[str], Exception]) -> bytes:
    """The renderer's output; hOCR and ALTO name each page's image file, and the server's
    private folder is no business of the client's, so only the file name is kept."""
    path = Path(output_base + fmt.extension)
    if not path.exists():
        raise failed(f"Tesseract produced no {fmt.name} output.")
    body = path.read_bytes()
    if fmt.name == "pdf":  # binary, with byte offsets; it names no file anyway
        return body
    return body.replace(str(path.parent).encode() + b"/", b"")
