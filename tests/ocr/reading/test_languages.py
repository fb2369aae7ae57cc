"""Telling a reading's languages among the installed ones."""

from app.ocr.reading.languages import identifiable, identify, of_script, scripts_of
from bench.languages import PROSE

INSTALLED = ["eng", "osd", "deu", "fra", "spa", "ita", "por", "nld"]


def test_each_installed_language_is_told_from_its_prose() -> None:
    for language, sentences in PROSE.items():
        found = identify(" ".join(sentences[:3]), identifiable(INSTALLED))
        assert [item.language for item in found] == [language]
        assert 0.5 < found[0].confidence <= 1.0


def test_text_read_without_its_accents_is_still_told() -> None:
    # What a first reading in English makes of French: the letters without their accents.
    unaccented = "Le conseil municipal s'est reuni mardi soir pour parler de la bibliotheque."
    assert identify(unaccented, ["eng", "fra", "deu"])[0].language == "fra"


def test_a_page_mixing_two_languages_names_both() -> None:
    text = " ".join(PROSE["eng"][:4]) + " " + " ".join(PROSE["deu"][:4])
    found = identify(text, identifiable(INSTALLED))
    assert {item.language for item in found} == {"eng", "deu"}
    assert sum(item.confidence for item in found) <= 1.0


def test_a_language_not_among_the_candidates_is_never_chosen() -> None:
    found = identify(" ".join(PROSE["fra"]), ["eng", "deu"])
    assert found
    assert all(item.language in ("eng", "deu") for item in found)


def test_too_little_text_tells_nothing() -> None:
    assert identify("12.50 kWh", identifiable(INSTALLED)) == ()


def test_osd_is_not_a_language() -> None:
    assert "osd" not in identifiable(INSTALLED)


def test_the_script_narrows_the_candidates_only_where_it_knows() -> None:
    assert of_script("Latin", ["eng", "rus", "fra"]) == ["eng", "fra"]
    assert of_script("Cyrillic", ["eng", "rus"]) == ["rus"]
    assert of_script("Klingon", ["eng", "rus"]) == ["eng", "rus"]  # unknown: the text decides
    assert of_script("Greek", ["eng", "fra"]) == ["eng", "fra"]  # none installed: the same
    assert scripts_of(["eng", "fra", "deu"]) == {"Latin"}
    assert scripts_of(["eng", "rus"]) == {"Latin", "Cyrillic"}
