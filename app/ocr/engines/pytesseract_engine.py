"""Tesseract as a subprocess through pytesseract: the portable alternative engine."""

import os
import subprocess
from collections.abc import Iterable
from typing import Any

import pytesseract
from PIL import Image

from app.core.errors import EngineFailure, ProcessingTimeout
from app.ocr.engines.protocol import RecognizeOptions, ScriptGuess, check_size
from app.ocr.engines.tessdata import installed_languages, model_folder
from app.ocr.engines.vocabulary import word_files
from app.ocr.rendering.formats import OUTPUT_FORMATS, OutputFormat, page_files, read_output
from app.ocr.results import Line, Page, Word, layout_text, union


class PytesseractEngine:
    name = "pytesseract"

    def __init__(self, *, tessdata: str, accurate_tessdata: str | None = None) -> None:
        self._tessdata = tessdata
        self._accurate_tessdata = accurate_tessdata
        # Read once: the models installed do not change while the service runs.
        self._languages = installed_languages(tessdata)
        self._accurate = installed_languages(accurate_tessdata) if accurate_tessdata else []

    def warm_up(self, lang: str) -> None:
        """Nothing stays loaded: each reading starts its own tesseract process."""

    @property
    def handle_count(self) -> int:
        return 0

    def version(self) -> str:
        return str(pytesseract.get_tesseract_version())

    def languages(self) -> list[str]:
        return list(self._languages)

    def accurate_languages(self) -> list[str]:
        return list(self._accurate)

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        # As the tesserocr engine reads a page: at the resolution asked for, else its own, else
        # the one Tesseract estimates.
        own = image.info.get("dpi", (0,))[0]
        dpi = options.dpi or (round(own) if own else None)
        tsv = self._run_renderer([image], [dpi], options, OUTPUT_FORMATS["tsv"], None)
        data = pytesseract.pytesseract.file_to_dict(tsv.decode(), "\t", -1)
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
        guess = self.detect_script(image)
        return guess.rotation, guess.rotation_confidence

    def detect_script(self, image: Image.Image) -> ScriptGuess:
        with page_files([image], [None]) as (list_file, _):
            command = [pytesseract.pytesseract.tesseract_cmd, list_file, "stdout", "--psm", "0",
                       "-l", "osd", "--tessdata-dir", self._tessdata]  # fmt: skip
            try:
                found = pytesseract.pytesseract.osd_to_dict(_run(command, None).decode())
            except (EngineFailure, ProcessingTimeout):  # too little text to tell
                return ScriptGuess()
        if "rotate" not in found:
            return ScriptGuess()
        return ScriptGuess(
            script=str(found.get("script", "")),
            confidence=float(found.get("script_conf", 0.0)),
            # Tesseract's "Rotate" is the clockwise turn that makes the page upright.
            rotation=(360 - int(found["rotate"])) % 360,
            rotation_confidence=float(found["orientation_conf"]),
        )

    def _run_renderer(
        self,
        images: Iterable[Image.Image],
        dpis: Iterable[int | None],
        options: RecognizeOptions,
        fmt: OutputFormat,
        default_dpi: int | None,
    ) -> bytes:
        pages = page_files(map(check_size, images), dpis, default_dpi)
        variables = options.variables + options.vocabulary.variables()
        with pages as (list_file, output_base), word_files(options.vocabulary) as word_lists:
            command = [
                pytesseract.pytesseract.tesseract_cmd, list_file, output_base,
                "-l", options.lang, "--psm", str(options.psm),
                "--tessdata-dir",
                model_folder(self._tessdata, self._accurate_tessdata, options.accurate),
                *(arg for name, value in variables for arg in ("-c", f"{name}={value}")),
                # Read as the model loads, so not `-c`: the options tesseract has for them.
                *(arg for name, path in word_lists.items() for arg in (WORD_LISTS[name], path)),
                # The renderer by its variable, not its config file: the larger models'
                # folder has no configs/.
                "-c", f"{fmt.tesseract_variable}=1",
            ]  # fmt: skip
            _run(command, options.timeout_seconds)
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


WORD_LISTS = {"user_words_file": "--user-words", "user_patterns_file": "--user-patterns"}

# A tesseract process per reading must not also spin OpenMP threads on every core: each call
# gets this environment, and the service's own is left alone.
TESSERACT_ENVIRONMENT = {"OMP_THREAD_LIMIT": "1"}


def _run(command: list[str], timeout: float | None) -> bytes:
    """Run tesseract; its standard output, or the engine's errors."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            check=True,
            timeout=_seconds(timeout),
            env={**os.environ, **TESSERACT_ENVIRONMENT},
        )
    except subprocess.TimeoutExpired:
        raise ProcessingTimeout() from None
    except (subprocess.CalledProcessError, OSError) as error:
        raise EngineFailure(f"tesseract failed: {error}") from None
    return done.stdout
