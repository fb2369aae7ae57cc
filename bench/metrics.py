"""Accuracy metrics, as the eval README defines them: CER and bag-of-words error."""

import re
import unicodedata
from collections import Counter

from rapidfuzz.distance import Levenshtein

_FOLDS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str, *, fold_case: bool = False) -> str:
    """NFKC, typographic quotes and dashes folded to ASCII, whitespace runs to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLDS)
    text = _WHITESPACE.sub(" ", text).strip()
    return text.lower() if fold_case else text


def edits(truth: str, hypothesis: str, *, fold_case: bool = False) -> tuple[int, int]:
    """(Levenshtein distance, truth length) after normalising both."""
    reference = normalise(truth, fold_case=fold_case)
    return Levenshtein.distance(reference, normalise(hypothesis, fold_case=fold_case)), len(
        reference
    )


def cer(truth: str, hypothesis: str, *, fold_case: bool = False) -> float:
    distance, length = edits(truth, hypothesis, fold_case=fold_case)
    return distance / max(1, length)


def bow_error(truth: str, hypothesis: str, *, fold_case: bool = False) -> float:
    """1 - F1 of the word multisets: order does not matter."""
    reference = Counter(normalise(truth, fold_case=fold_case).split())
    found = Counter(normalise(hypothesis, fold_case=fold_case).split())
    if not reference and not found:
        return 0.0
    overlap = sum((reference & found).values())
    precision = overlap / max(1, sum(found.values()))
    recall = overlap / max(1, sum(reference.values()))
    if precision + recall == 0:
        return 1.0
    return 1 - 2 * precision * recall / (precision + recall)
