"""Tesseract in-process through tesserocr: recognition and orientation, on handles lent by
the pool (pool.py) per language and model folder."""

import math
from collections.abc import Iterator
from contextlib import contextmanager

import tesserocr
from PIL import Image
from tesserocr import PSM, RIL, PyTessBaseAPI

from app.core.errors import EngineFailure, ProcessingTimeout
from app.ocr.decoding.images import to_engine_mode
from app.ocr.engines.pool import HandlePool
from app.ocr.engines.protocol import RecognizeOptions, ScriptGuess, check_size
from app.ocr.engines.tessdata import installed_languages, model_folder
from app.ocr.engines.vocabulary import word_files
from app.ocr.reading.spacing import ReadWord, line_words
from app.ocr.results import Line, Page, layout_text


class TesserocrEngine:
    name = "tesserocr"

    def __init__(
        self, *, tessdata: str, max_handles: int, accurate_tessdata: str | None = None
    ) -> None:
        self._tessdata = tessdata.rstrip("/") + "/"
        self._accurate_tessdata = accurate_tessdata.rstrip("/") + "/" if accurate_tessdata else None
        self._pool = HandlePool(max_handles)
        # Read once: the models installed do not change while the service runs.
        self._languages = installed_languages(self._tessdata)
        accurate = self._accurate_tessdata
        self._accurate = installed_languages(accurate) if accurate else []

    def version(self) -> str:
        version: str = tesserocr.tesseract_version().split()[1]
        return version

    def languages(self) -> list[str]:
        return list(self._languages)

    def accurate_languages(self) -> list[str]:
        return list(self._accurate)

    @property
    def handle_count(self) -> int:
        return self._pool.count

    def warm_up(self, lang: str) -> None:
        with self._pool.handle(lang, self._tessdata):
            pass

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        folder = self._folder(options.accurate)
        variables = options.variables + options.vocabulary.variables()
        with (
            word_files(options.vocabulary) as init_variables,
            self._pool.handle(options.lang, folder, init_variables) as api,
            _variables(api, variables),
        ):
            api.SetPageSegMode(options.psm)
            set_image(api, check_size(image), options.dpi)
            timeout_ms = _milliseconds(options.timeout_seconds)
            try:
                finished = api.Recognize(timeout=timeout_ms)
            except RuntimeError as error:  # the handle is discarded on the way out
                raise EngineFailure(f"The OCR engine failed on this page: {error}") from None
            if not finished:
                raise ProcessingTimeout()
            # The text is laid out from the lines: GetUTF8Text would walk the page again.
            lines = _lines(api)
            # Tesseract's mean of no words at all can be high: an empty reading is not sure.
            confidence = float(api.MeanTextConf()) if lines else 0.0
        return Page(
            text=layout_text(lines),
            width=image.width,
            height=image.height,
            lines=lines,
            confidence=confidence,
        )

    def detect_orientation(self, image: Image.Image) -> tuple[int, float]:
        guess = self.detect_script(image)
        return guess.rotation, guess.rotation_confidence

    def detect_script(self, image: Image.Image) -> ScriptGuess:
        with self._pool.handle("osd", self._tessdata) as api:
            api.SetPageSegMode(PSM.OSD_ONLY)
            set_image(api, image, None)
            try:
                found = api.DetectOrientationScript()
            except RuntimeError:  # too little text to tell
                return ScriptGuess()
        if not found:
            return ScriptGuess()
        return ScriptGuess(
            script=str(found["script_name"]),
            confidence=float(found["script_conf"]),
            rotation=int(found["orient_deg"]),
            rotation_confidence=float(found["orient_conf"]),
        )

    def close(self) -> None:
        self._pool.close()

    def _folder(self, accurate: bool) -> str:
        return model_folder(self._tessdata, self._accurate_tessdata, accurate)


def _milliseconds(timeout: float | None) -> int:
    """Tesseract's timeout in milliseconds, where 0 means none: a time limit almost used up
    must not round down to no limit at all."""
    return 0 if timeout is None else max(1, math.ceil(timeout * 1000))


def set_image(api: PyTessBaseAPI, image: Image.Image, dpi: int | None) -> None:
    """Hand Tesseract the page's pixels as they are, and its resolution when known.

    Not tesserocr's SetImage: it saves a Pillow image in the format it was decoded from for
    Leptonica to decode again, which recompresses a JPEG (lossy) before it is read and costs
    a full PNG page a tenth of its reading; without a format it writes a BMP that claims 96
    dpi. An image that names no resolution lets Tesseract estimate it from the text, as the
    tesseract command does for such a file."""
    image = to_engine_mode(image)
    channels = len(image.getbands())
    api.SetImageBytes(image.tobytes(), image.width, image.height, channels, image.width * channels)
    resolution = dpi or round(image.info.get("dpi", (0,))[0])
    if resolution > 0:
        api.SetSourceResolution(resolution)


@contextmanager
def _variables(api: PyTessBaseAPI, variables: tuple[tuple[str, str], ...]) -> Iterator[None]:
    """Set Tesseract variables for one request and put the previous values back after it."""
    previous = [(name, api.GetVariableAsString(name)) for name, _ in variables]
    for name, value in variables:
        if not api.SetVariable(name, value):
            raise EngineFailure(f"Tesseract has no variable {name!r}.")
    try:
        yield
    finally:
        for name, value in previous:
            if value is not None:
                api.SetVariable(name, value)


def _lines(api: PyTessBaseAPI) -> list[Line]:
    """The page's lines, walked glyph by glyph: the glyphs' boxes show where the recogniser
    ran words together (spacing.line_words). The iterator's Next costs about the same at
    either level, so the glyph walk costs little more than a walk by words."""
    iterator = api.GetIterator()
    if iterator is None:
        return []
    lines: list[Line] = []
    read: list[ReadWord] = []
    texts: list[str] = []
    boxes: list[tuple[int, int, int, int]] = []
    line_box: tuple[int, int, int, int] | None = None
    line_conf = 0.0
    paragraph = -1

    def end_line() -> None:
        words = line_words([word for word in read if word.texts])
        if words and line_box is not None:
            text = " ".join(word.text for word in words)
            lines.append(Line(text, line_box, line_conf, tuple(words), paragraph))
        read.clear()

    # Bound once: this loop runs on every glyph of the page.
    at_start, text_of, box_of, step = (
        iterator.IsAtBeginningOf,
        iterator.GetUTF8Text,
        iterator.BoundingBox,
        iterator.Next,
    )
    word_level, line_level, glyph_level = RIL.WORD, RIL.TEXTLINE, RIL.SYMBOL
    iterator.Begin()
    while True:
        if at_start(word_level):
            if at_start(line_level):
                end_line()
                paragraph += at_start(RIL.PARA)
                line_box = box_of(line_level)
                line_conf = round(iterator.Confidence(line_level), 2)
            texts, boxes = [], []
            word_box = box_of(word_level) or (0, 0, 0, 0)
            read.append(ReadWord(word_box, round(iterator.Confidence(word_level), 2), texts, boxes))
        try:
            text = text_of(glyph_level)
        except RuntimeError:  # an empty element: cheaper to meet than to ask about each glyph
            text = None
        box = box_of(glyph_level)
        if text and box:
            texts.append(text)
            boxes.append(box)
        if not step(glyph_level):
            break
    end_line()
    return lines
