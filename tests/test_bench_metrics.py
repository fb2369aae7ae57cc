"""The accuracy benchmark's metrics."""

import pytest

from bench.metrics import bow_error, cer, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("\u201cHi\u201d \u2014 it\u2019s", '"Hi" - it\'s', id="quotes-dashes"),
        pytest.param("a \n\n  b\tc ", "a b c", id="whitespace"),
        pytest.param("\ufb01ne", "fine", id="nfkc-ligature"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_cer_counts_edits_over_truth_length() -> None:
    assert cer("hello world", "hello world") == 0
    assert cer("abcd", "abed") == pytest.approx(0.25)
    assert cer("abc", "") == 1
    assert cer("TOTAL", "total", fold_case=True) == 0
    assert cer("TOTAL", "total") == 1


def test_cer_is_order_sensitive_and_bow_is_not() -> None:
    assert cer("one two", "two one") > 0
    assert bow_error("one two", "two one") == 0


def test_bow_error_is_one_minus_f1() -> None:
    # 2 of 3 found, 1 extra: precision 2/3, recall 2/3, F1 2/3.
    assert bow_error("a b c", "a b x") == pytest.approx(1 / 3)
    assert bow_error("a a b", "a b") == pytest.approx(1 - 2 * 1 * (2 / 3) / (1 + 2 / 3))
    assert bow_error("", "") == 0
