"""Which locale a document is written in, from the request's languages and the currency its
sums are marked with: where its dates put the day, which country its phone numbers dial."""

from collections.abc import Mapping, Sequence
from functools import lru_cache

from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import get_date_format

# Tesseract's language names, the language codes of CLDR, and the country a language most
# often means when a currency shared by several (the euro) does not tell one.
_LANGUAGES: dict[str, tuple[str, str | None]] = {
    "eng": ("en", None),
    "deu": ("de", "DE"),
    "fra": ("fr", "FR"),
    "spa": ("es", "ES"),
    "ita": ("it", "IT"),
    "por": ("pt", "PT"),
    "nld": ("nl", "NL"),
    "msa": ("ms", "MY"),
    "ind": ("id", "ID"),
    "pol": ("pl", "PL"),
    "swe": ("sv", "SE"),
    "dan": ("da", "DK"),
    "nor": ("nb", "NO"),
    "fin": ("fi", "FI"),
    "tur": ("tr", "TR"),
    "ces": ("cs", "CZ"),
}


# CLDR lists the euro area and the United Nations as territories: no phone plan, no locale.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ"})


def locale_codes(languages: Sequence[str]) -> list[str]:
    """CLDR language codes for the request's languages, English always among them."""
    codes = ["en"]
    for language in languages:
        known = _LANGUAGES.get(language)
        if known is not None and known[0] not in codes:
            codes.append(known[0])
    return codes


@lru_cache(maxsize=64)
def territory(languages: tuple[str, ...], currency: str | None) -> str | None:
    """The country a document most likely comes from: one that uses its currency, the one
    its language names first (EUR and German: DE), else the one the currency is named after
    (USD: US, MYR: MY); None when neither tells."""
    users = _currency_users(currency) if currency else ()
    for language in languages:
        place = _LANGUAGES.get(language, ("", None))[1]
        if place is not None and place in users:
            return place
    if currency and currency[:2] in users:
        return currency[:2]
    return users[0] if len(users) == 1 else None


@lru_cache(maxsize=64)
def locale_day_first(languages: tuple[str, ...], currency: str | None) -> bool:
    """Whether the document's locale prints the day before the month (`dd/MM/y`)."""
    place = territory(languages, currency)
    codes = locale_codes(languages)
    language = codes[-1]
    if place is None and language == "en":
        return True  # English from nowhere in particular: most of the world puts the day first
    try:
        locale = Locale.parse(f"{language}_{place}" if place else language)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(language)
    pattern = get_date_format("short", locale).pattern.lstrip("'")
    return not pattern.upper().startswith("M")


@lru_cache(maxsize=64)
def _currency_users(currency: str) -> tuple[str, ...]:
    territories: Mapping[str, list[tuple[str, object, object, bool]]] = get_global(
        "territory_currencies"
    )
    return tuple(
        place
        for place, spans in territories.items()
        if place not in _NOT_COUNTRIES
        and any(code == currency and until is None for code, _since, until, _tender in spans)
    )
