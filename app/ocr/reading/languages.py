"""Which languages a reading's text is in, among the installed ones: Lingua's identifier (its
models ship in its wheel), by Tesseract's language codes, and the scripts they are written in."""

import functools
from collections.abc import Iterable, Sequence

from lingua import IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

from app.ocr.results import DetectedLanguage


# Tesseract's orientation and script detection names a script; these are the languages of each
# that Tesseract has models for and Lingua can tell apart. A language of no script here is
# never ruled out by the script.
def _codes(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "Latin": _codes(
        "afr aze bos cat ces cym dan deu eng epo est eus fin fra gle hrv hun ind isl ita lat "
        "lav lit msa nld nor pol por ron slk slv som spa sqi swa swe tgl tur vie yor zul"
    ),
    "Cyrillic": _codes("bel bul kaz mkd mon rus srp ukr"),
    "Greek": _codes("ell"),
    "Arabic": _codes("ara fas urd"),
    "Hebrew": _codes("heb"),
    "Devanagari": _codes("hin mar"),
    "Han": _codes("chi_sim chi_tra"),
    "Japanese": _codes("jpn"),
    "Hangul": _codes("kor"),
    "Thai": _codes("tha"),
}
_TESSERACT_CODES = {"chi_sim": "zho", "chi_tra": "zho", "nor": "nob"}
AUTO_LANGUAGE = "auto"  # the `lang` that asks for the page's languages to be found
MIN_LETTERS = 20  # fewer letters than this say too little to tell a language by
MIN_SECTION_WORDS = 10  # a run of fewer words in another language is no mix
MIX_SHARE = 0.2  # a language on less of a mixed page's words than this is taken for noise
MAX_LANGUAGES = 3  # Tesseract reads a page in a few languages at once, and slower each


def lingua_language(code: str) -> Language | None:
    """Lingua's language of a Tesseract code, or None when Lingua has no model of it."""
    try:
        return Language.from_iso_code_639_3(IsoCode639_3.from_str(_TESSERACT_CODES.get(code, code)))
    except ValueError:
        return None


def identifiable(installed: Iterable[str]) -> list[str]:
    """The installed Tesseract languages the identifier can name (not `osd`, say)."""
    return [code for code in installed if lingua_language(code) is not None]


def scripts_of(languages: Sequence[str]) -> set[str]:
    """The scripts `languages` are written in ("?" for a language of no script known here)."""
    return {
        next((script for script, codes in SCRIPT_LANGUAGES.items() if code in codes), "?")
        for code in languages
    }


def of_script(script: str, languages: Sequence[str]) -> list[str]:
    """Those of `languages` written in `script`; all of them when the script is unknown or
    none of them is written in it (then the text itself decides)."""
    written = SCRIPT_LANGUAGES.get(script)
    if written is None:
        return list(languages)
    known = {code for codes in SCRIPT_LANGUAGES.values() for code in codes}
    chosen = [code for code in languages if code in written or code not in known]
    return chosen or list(languages)


@functools.lru_cache(maxsize=16)
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    # Trigrams alone (Lingua's low accuracy mode): a page's worth of text needs no more, and it
    # loads in a tenth of the time and memory of the full models.
    known = [language for code in languages if (language := lingua_language(code)) is not None]
    return LanguageDetectorBuilder.from_languages(*known).with_low_accuracy_mode().build()


def identify(text: str, candidates: Sequence[str]) -> tuple[DetectedLanguage, ...]:
    """The languages of `text` among `candidates` (Tesseract codes), the likeliest first: one
    for most pages, up to three where several hold a fair share of the words. Empty when the
    text is too short to tell or no candidate is identifiable."""
    codes = tuple(sorted(set(identifiable(candidates))))
    letters = sum(character.isalpha() for character in text)
    if letters < MIN_LETTERS or not codes:
        return ()
    if len(codes) == 1:
        return (DetectedLanguage(codes[0], 1.0),)
    detector = _detector(codes)
    by_language = {lingua_language(code): code for code in codes}
    words: dict[str, int] = {}
    for section in detector.detect_multiple_languages_of(text):
        if section.word_count < MIN_SECTION_WORDS:
            # A few words that happen to look foreign (names, numbers, misread words): on a
            # page of one language the search for a mix finds many such sections.
            continue
        code = by_language[section.language]
        words[code] = words.get(code, 0) + section.word_count
    total = sum(words.values())
    mixed = [code for code, count in sorted(words.items(), key=lambda item: -item[1])
             if total and count / total >= MIX_SHARE][:MAX_LANGUAGES]  # fmt: skip
    if len(mixed) > 1:
        return tuple(DetectedLanguage(code, round(words[code] / total, 3)) for code in mixed)
    best = detector.compute_language_confidence_values(text)[0]
    return (DetectedLanguage(by_language[best.language], round(best.value, 3)),)
