"""The sample of lines lang=auto reads first."""

from app.ocr.preparation.sampling import LINES_A_PLACE, PLACES, text_rows, text_sample
from bench.languages import language_page


def test_a_full_page_is_sampled_by_whole_lines_from_three_places() -> None:
    generated = language_page("fra", 0)
    page = generated.image
    rows = text_rows(page)
    assert len(rows) == len(generated.truth.splitlines())  # each line found, none cut in two
    pitch = 30 * 1.6  # the generated page's line pitch at size 30
    assert all(bottom - top < 1.5 * pitch for top, bottom in rows)  # one line a row
    sample = text_sample(page)
    assert sample.width == page.width
    # Six of its lines and the white between them: a share of the page to read.
    assert sample.height < page.height * 0.5
    assert len(text_rows(sample)) == len(PLACES) * LINES_A_PLACE


def test_a_page_of_few_lines_is_its_own_sample() -> None:
    generated = language_page("deu", 0, repeats=1, width=4000)
    page = generated.image
    assert len(text_rows(page)) == len(generated.truth.splitlines()) <= len(PLACES) * LINES_A_PLACE
    assert text_sample(page) is page


def test_a_page_the_sample_would_mostly_take_is_its_own_sample() -> None:
    # Read whole, a short page's first reading can be its reading (pipeline/language.py).
    eight = language_page("deu", 0, repeats=1, width=1600).image
    nine = language_page("deu", 0, repeats=1, width=1400).image
    assert [len(text_rows(page)) for page in (eight, nine)] == [8, 9]
    assert text_sample(eight) is eight
    assert text_sample(nine) is not nine


def test_a_page_of_small_print_is_its_own_sample() -> None:
    # Ten lines each; in small print six of them with the white stacked between them would be
    # about as tall as the page, and no quicker to read than the page itself.
    small = language_page("eng", 0, size=12, width=700, repeats=1).image
    large = language_page("eng", 0, size=16, width=800, repeats=1).image
    assert [len(text_rows(page)) for page in (small, large)] == [10, 10]
    assert text_sample(small) is small
    assert text_sample(large) is not large
