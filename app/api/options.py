"""The reading options /v1/ocr and /v1/jobs share, as query parameters, checked alike."""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from app.api.deps import EngineDep, NeuralDep, SettingsDep
from app.core.errors import UnprocessableOption
from app.ocr.decoding.documents import parse_pages
from app.ocr.engines import unreadable
from app.ocr.engines.tessdata import check_languages
from app.ocr.engines.vocabulary import NO_VOCABULARY, Vocabulary, checked_vocabulary
from app.ocr.reading.languages import AUTO_LANGUAGE
from app.schemas.options import PreparationQuery, Switches

# 0 is orientation detection only and 2 is layout without OCR: neither gives text.
SUPPORTED_PSM = (1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)

LangQuery = Annotated[
    str | None,
    Query(
        description="Tesseract language(s), `+`-joined; see GET /v1/languages. `auto`: each "
        "page's script is detected, then its languages from a first reading of a sample of its "
        "lines, among the installed languages; the page is read in them and says which "
        "(`languages`, with confidences). Default: DEFAULT_LANG.",
        examples=["eng", "eng+fra", "auto"],
        openapi_examples={
            "auto": {"summary": "Found on each page", "value": "auto"},
            "english": {"summary": "English", "value": "eng"},
            "french": {"summary": "French", "value": "fra"},
            "two": {"summary": "English and French on one page", "value": "eng+fra"},
        },
        max_length=200,
    ),
]
PsmQuery = Annotated[
    int | None,
    Query(
        description="Tesseract page segmentation mode (1, 3-13). Default: chosen per page.",
        examples=[6],
        openapi_examples={
            "auto": {"summary": "3: automatic page segmentation", "value": 3},
            "block": {"summary": "6: one uniform block of text", "value": 6},
            "line": {"summary": "7: a single text line", "value": 7},
            "sparse": {"summary": "11: sparse text, as much as possible", "value": 11},
        },
    ),
]
DpiQuery = Annotated[
    int | None,
    Query(
        ge=50,
        le=2400,
        description="Resolution hint (dots per inch) for images whose file carries none; "
        "PDF pages are always rendered at 300.",
        examples=[300],
        openapi_examples={"scan": {"summary": "A 300 dpi scan", "value": 300}},
    ),
]
EngineName = Literal["auto", "tesseract", "neural"]
EngineQuery = Annotated[
    EngineName | None,
    Query(
        description="Which engine reads the pages: `tesseract`; `neural` (PP-OCRv6 through "
        "RapidOCR, after the same preparation); or `auto`, Tesseract, and the neural reader on "
        "the pages Tesseract hesitates over (receipts, forms, photos), whose reading is taken "
        "when it finds as much text. "
        "Default: OCR_ENGINE. See GET /v1/engines.",
        examples=["auto"],
        openapi_examples={
            "auto": {
                "summary": "Tesseract, and the neural reader where it hesitates",
                "value": "auto",
            },
            "tesseract": {"summary": "Tesseract alone", "value": "tesseract"},
            "neural": {"summary": "The neural reader alone", "value": "neural"},
        },
    ),
]
CharsAllowQuery = Annotated[
    str | None,
    Query(
        description="The only characters the reading may output (spaces between words "
        "always): Tesseract's whitelist, and for the neural reader its other output classes "
        "masked before decoding. E.g. `0123456789.` for a meter or an amount.",
        examples=["0123456789."],
        openapi_examples={
            "digits": {"summary": "Digits and a decimal point", "value": "0123456789."},
            "plate": {
                "summary": "Capitals and digits",
                "value": "ABCDEFGHJKLMNPRSTUVWXYZ0123456789",
            },
        },
        max_length=4000,
    ),
]
CharsDenyQuery = Annotated[
    str | None,
    Query(
        description="Characters the reading must never output (Tesseract's blacklist; masked "
        "for the neural reader), e.g. `|` on a page of tables.",
        examples=["|~"],
        openapi_examples={"rules": {"summary": "Never a rule taken for a letter", "value": "|"}},
        max_length=4000,
    ),
]
WordsQuery = Annotated[
    list[str] | None,
    Query(
        description="This request's own words (repeat the parameter for each, at most 1000, "
        "64 characters each): product names, part numbers, surnames that the dictionary would "
        "otherwise read as something it knows. Tesseract's user words; the page is read by "
        "Tesseract (`engine=neural` refuses them).",
        examples=[["Kleenr", "Zorblax"]],
    ),
]
PatternsQuery = Annotated[
    list[str] | None,
    Query(
        description="This request's patterns, in Tesseract's user-patterns syntax (`\\d` a "
        "digit, `\\a` a lower-case and `\\A` an upper-case letter, `\\n` any of them, "
        "`\\p` punctuation, `\\*` repeats what precedes): e.g. `\\A\\A-\\d\\d\\d\\d` "
        "for a part number. Repeat for each, at most 100.",
        examples=[["\\A\\A-\\d\\d\\d\\d"]],
    ),
]
PagesQuery = Annotated[
    str | None,
    Query(
        description="Pages to read, 1-based: `1-3,7`. Default: all.",
        examples=["1-3,7"],
        openapi_examples={
            "first": {"summary": "The first page", "value": "1"},
            "some": {"summary": "Pages 1 to 3 and 7", "value": "1-3,7"},
        },
        max_length=200,
    ),
]


TextLayout = Literal["reading", "preserve"]
LayoutQuery = Annotated[
    TextLayout,
    Query(
        description="With `format=text`: `reading`, the lines in reading order (Tesseract's "
        "text), or `preserve`, each word at the column it stands at on the page, on a fixed "
        "character grid, for clients that parse by position (as `pdftotext -layout`).",
        examples=["preserve"],
        openapi_examples={
            "reading": {"summary": "Lines in reading order", "value": "reading"},
            "preserve": {"summary": "Words where they stand on the page", "value": "preserve"},
        },
    ),
]


def check_layout(layout: TextLayout, output: str) -> None:
    if layout == "preserve" and output != "text":
        raise UnprocessableOption(
            f"layout=preserve lays out plain text: use it with format=text (not {output})."
        )


@dataclass(frozen=True, slots=True)
class ReadingOptions:
    """The checked options: the language(s) installed, a psm that gives text, the pages."""

    lang: str
    psm: int | None
    dpi: int | None
    pages: set[int] | None
    switches: Switches
    engine: EngineName = "auto"
    vocabulary: Vocabulary = NO_VOCABULARY


async def reading_options(
    prepare: Annotated[PreparationQuery, Query()],
    settings: SettingsDep,
    engine: EngineDep,
    neural: NeuralDep,
    lang: LangQuery = None,
    psm: PsmQuery = None,
    dpi: DpiQuery = None,
    pages: PagesQuery = None,
    engine_name: Annotated[EngineQuery, Query(alias="engine")] = None,
    chars_allow: CharsAllowQuery = None,
    chars_deny: CharsDenyQuery = None,
    words: WordsQuery = None,
    patterns: PatternsQuery = None,
) -> ReadingOptions:
    language = check_languages(lang or settings.default_lang, engine.languages())
    if psm is not None and psm not in SUPPORTED_PSM:
        raise UnprocessableOption(f"psm={psm} is not supported; use one of {SUPPORTED_PSM}.")
    vocabulary = checked_vocabulary(chars_allow, chars_deny, words or (), patterns or ())
    chosen = engine_name or settings.ocr_engine
    if chosen == "neural":
        check_neural_languages(language, neural.languages())
        if vocabulary.has_word_lists:
            raise UnprocessableOption(
                "words and patterns are Tesseract's dictionary, which the neural reader has "
                "not: use engine=tesseract or auto (which then reads with Tesseract)."
            )
    return ReadingOptions(
        language, psm, dpi, parse_pages(pages), prepare.switches(), chosen, vocabulary
    )


def check_neural_languages(language: str, readable: list[str]) -> None:
    """A clear 422 when the neural reader cannot read a language asked for (with `auto`, it
    chooses among those it reads)."""
    if language == AUTO_LANGUAGE:
        return
    missing = ", ".join(unreadable(language, readable))
    if not missing:
        return
    covered = ", ".join(readable)
    detail = f"engine=neural cannot read {missing}: its dictionary covers {covered}."
    raise UnprocessableOption(
        f"{detail} engine=tesseract (or auto) reads every installed language; see GET /v1/engines."
    )


ReadingOptionsDep = Annotated[ReadingOptions, Depends(reading_options)]
