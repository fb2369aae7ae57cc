"""Tesseract as a subprocess through pytesseract: the portable alternative engine."""

import os
import subprocess
from collections.abc import Iterable
from typing import Any

import pytesseract
from PIL import Image

from app.errors import EngineFailure, ProcessingTimeout
from app.ocr.engine import RecognizeOptions, check_size, installed_languages, model_folder
from app.ocr.formats import OutputFormat, page_files, read_output
from app.ocr.results import Line, Page, Word, layout_text, union


class PytesseractEngine:
    name = "pytesseract"

    def __init__(self, *, tessdata: str, accurate_tessdata: str | None = None) -> None:
        self._tessdata = tessdata
        self._accurate_tessdata = accurate_tessdata
        # A tesseract process per request must not also spin OpenMP threads on every core;
        # pytesseract's children inherit this environment.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def warm_up(self, lang: str) -> None:
        """Nothing stays loaded: each reading starts its own tesseract process."""

    @property
    def handle_count(self) -> int:
        return 0

    def version(self) -> str:
        return str(pytesseract.get_tesseract_version())

    def languages(self) -> list[str]:
        return installed_languages(self._tessdata)

    def accurate_languages(self) -> list[str]:
        return installed_languages(self._accurate_tessdata) if self._accurate_tessdata else []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        folder = model_folder(self._tessdata, self._accurate_tessdata, options.accurate)
        config = f'--psm {options.psm} --tessdata-dir "{folder}"'
        if options.dpi:
            config += f" --dpi {options.dpi}"
        for name, value in options.variables:
            config += f" -c {name}={value}"
        try:
            data = pytesseract.image_to_data(
                check_size(image),
                lang=options.lang,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=_seconds(options.timeout_seconds) or 0,
            )
        except RuntimeError as error:
            if "timeout" in str(error).lower():
                raise ProcessingTimeout() from None
            raise EngineFailure(f"tesseract failed: {error}") from None
        except (pytesseract.TesseractError, OSError) as error:
            raise EngineFailure(f"tesseract failed: {error}") from None
        grouped = _words_by_line(data)
        paragraphs: dict[tuple[int, int], int] = {}  # (block, paragraph) -> a number
        lines = [
            _line(words, paragraphs.setdefault(key[:2], len(paragraphs)))
            for key, words in grouped.items()
        ]
        text = layout_text(lines)
        words = [word.confidence for line in lines for word in line.words]
        confidence = sum(words) / len(words) if words else 0.0
        return Page(
            text=text, width=image.width, height=image.height, lines=lines, confidence=confidence
        )

    def detect_orientation(self, image: Image.Image) -> tuple[int, float]:
        try:
            found = pytesseract.image_to_osd(
                image,
                config=f'--psm 0 --tessdata-dir "{self._tessdata}"',
                output_type=pytesseract.Output.DICT,
            )
        except (pytesseract.TesseractError, RuntimeError, OSError):
            return 0, 0.0
        # pytesseract's "rotate" is the clockwise turn that makes the page upright.
        return (360 - int(found["rotate"])) % 360, float(found["orientation_conf"])

    def render(
        self,
        images: Iterable[Image.Image],
        dpis: Iterable[int | None],
        options: RecognizeOptions,
        fmt: OutputFormat,
    ) -> bytes:
        """Tesseract's own renderer for `fmt` over all pages, in one tesseract process."""
        with page_files(map(check_size, images), dpis) as (list_file, output_base):
            command = [
                pytesseract.pytesseract.tesseract_cmd, list_file, output_base,
                "-l", options.lang, "--psm", str(options.psm),
                "--tessdata-dir",
                model_folder(self._tessdata, self._accurate_tessdata, options.accurate),
                *(arg for name, value in options.variables for arg in ("-c", f"{name}={value}")),
                fmt.cli_config,
            ]  # fmt: skip
            try:
                subprocess.run(
                    command,
                    capture_output=True,
                    check=True,
                    timeout=_seconds(options.timeout_seconds),
                    env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                )
            except subprocess.TimeoutExpired:
                raise ProcessingTimeout() from None
            except (subprocess.CalledProcessError, OSError) as error:
                raise EngineFailure(f"tesseract failed: {error}") from None
            return read_output(output_base, fmt, EngineFailure)

    def close(self) -> None:
        pass


def _words_by_line(data: dict[str, list[Any]]) -> dict[tuple[int, int, int], list[Word]]:
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    keys = zip(data["block_num"], data["par_num"], data["line_num"], strict=True)
    for index, key in enumerate(keys):
        text = str(data["text"][index]).strip()
        if data["level"][index] != 5 or not text:
            continue
        left, top = data["left"][index], data["top"][index]
        box = (left, top, left + data["width"][index], top + data["height"][index])
        confidence = round(float(data["conf"][index]), 2)
        grouped.setdefault(key, []).append(Word(text=text, bbox=box, confidence=confidence))
    return grouped


def _line(words: list[Word], paragraph: int) -> Line:
    bbox = union([w.bbox for w in words])
    confidence = round(sum(w.confidence for w in words) / len(words), 2)
    return Line(" ".join(w.text for w in words), bbox, confidence, tuple(words), paragraph)


def _seconds(timeout: float | None) -> float | None:
    """pytesseract's timeout, where 0 means none: a time limit almost used up must not become
    no limit at all."""
    return None if timeout is None else max(0.001, timeout)
