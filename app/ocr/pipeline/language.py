"""`lang=auto`: the page's script from Tesseract's script detection, then its languages from a
first reading of a sample of its lines, told by the language identifier among the installed
languages of that script."""

from dataclasses import dataclass, replace

from PIL import Image

from app.ocr.engines.protocol import OcrEngine, RecognizeOptions, ScriptGuess
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.prepare import OSD_SIZE
from app.ocr.preparation.sampling import text_sample
from app.ocr.reading.languages import (
    AUTO_LANGUAGE,
    identifiable,
    identify,
    of_script,
    scripts_of,
)
from app.ocr.results import DetectedLanguage, Page

FIRST_READING_LANGUAGE = "eng"  # the sample's first reading: plain Latin letters, no accents
MIN_SCRIPT_CONFIDENCE = 1.0  # Tesseract's script confidence: under this, the script is a guess
MIN_ROTATION_CONFIDENCE = 2.0  # a sideways sample is turned before it is read
MIN_SAMPLE_LETTERS = 200  # a sample with fewer: a page of short lines, read whole instead
UNSURE_SAMPLE_CONFIDENCE = 50.0  # a sample read with less is perhaps not upright


@dataclass(frozen=True, slots=True)
class LanguageFinding:
    """The languages to read a page with, likeliest first; and `whole_reading`, the first
    reading of the whole page when it was read whole to tell its language (a page of few or
    short lines), in `FIRST_READING_LANGUAGE`."""

    languages: tuple[DetectedLanguage, ...]
    whole_reading: Page | None = None

    @property
    def lang(self) -> str:
        return "+".join(found.language for found in self.languages)


def candidates(engine: OcrEngine, options: PageOptions) -> list[str]:
    """The installed languages `lang=auto` may choose, the neural reader's alone when it is to
    read the page."""
    installed = identifiable(engine.languages())
    if options.engine == "neural" and options.neural is not None:
        covered = set(options.neural.languages())
        installed = [code for code in installed if code in covered]
    return installed


def fallback_language(choices: list[str]) -> str:
    """What a page with too little text to tell is read in: English where it is installed."""
    return (
        FIRST_READING_LANGUAGE if FIRST_READING_LANGUAGE in choices or not choices else choices[0]
    )


def warm_language(lang: str) -> str:
    """The language to load at start for a default of `lang`: the first reading's for auto."""
    return FIRST_READING_LANGUAGE if lang == AUTO_LANGUAGE else lang


def detect_languages(
    image: Image.Image, engine: OcrEngine, options: PageOptions
) -> LanguageFinding:
    """The languages to read `image` with, likeliest first, each with its confidence; the
    fallback language at confidence 0 when the page says too little to tell.

    Script detection is asked only where it can change the answer: when the candidates are
    written in more than one script, or when the sample reads as no text, being perhaps a
    sideways page (the guess then turns the sample)."""
    choices = candidates(engine, options)
    guess: ScriptGuess | None = None
    if len(scripts_of(choices)) > 1:
        guess = _script(image, engine)
        if guess.confidence >= MIN_SCRIPT_CONFIDENCE:
            choices = of_script(guess.script, choices)
    first = fallback_language(choices)
    sample = text_sample(image)
    reading = _read_sample(sample, engine, options, first)
    whole = reading if sample is image else None
    if whole is None and _letters(reading.text) < MIN_SAMPLE_LETTERS:
        # Six short lines (a receipt's, a form's) say too little to tell a language by:
        # Lingua takes "Date: Orange juice Coffee Subtotal" for Dutch. The whole page is read.
        whole = reading = _read_sample(image, engine, options, first)
    if reading.confidence < UNSURE_SAMPLE_CONFIDENCE:
        guess = guess or _script(image, engine)
        if guess.rotation % 360 and guess.rotation_confidence >= MIN_ROTATION_CONFIDENCE:
            turned = text_sample(image.rotate(guess.rotation, expand=True))
            reading = _read_sample(turned, engine, options, first)
            whole = None  # not a reading of the page as it stands
    languages = identify(reading.text, choices) or (DetectedLanguage(first, 0.0),)
    return LanguageFinding(languages, whole)


def _letters(text: str) -> int:
    return sum(character.isalpha() for character in text)


def _script(image: Image.Image, engine: OcrEngine) -> ScriptGuess:
    small = image.copy()
    small.thumbnail((OSD_SIZE, OSD_SIZE))
    return engine.detect_script(small)


def _read_sample(sample: Image.Image, engine: OcrEngine, options: PageOptions, lang: str) -> Page:
    timeout = options.timeout_seconds
    if options.stop is not None:
        options.stop.check()
        timeout = options.stop.bound(timeout)
    return engine.recognize(
        sample, RecognizeOptions(lang=lang, dpi=options.dpi, timeout_seconds=timeout)
    )


def with_languages(options: PageOptions, finding: LanguageFinding) -> PageOptions:
    return replace(options, lang=finding.lang)


def reusable_reading(finding: LanguageFinding, options: PageOptions) -> Page | None:
    """The page's whole first reading where it is the very reading the pipeline would begin
    with: the page found to be in the first reading's language alone, read without the
    request's character sets or words (the sample is read without them)."""
    if finding.lang != FIRST_READING_LANGUAGE or options.vocabulary.constrained:
        return None
    return finding.whole_reading
