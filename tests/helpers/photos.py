"""The real phone photo of ../shared/samples and what reading it must give."""

from tests.conftest import SAMPLES_DIR

# A real phone photo (MIT, see ../shared/samples/README.md): a French page shot in dim light,
# stored on its side; the phrases it holds, in reading order.
REAL_PHOTO = SAMPLES_DIR / "photo-fr-exif6.jpg"
REAL_PHOTO_PHRASES = [
    "Grèce Antique",
    "très appréciées dans",
    "les tragédies et le récit des",
    # "Les" stands half in the photo's blur, read "Les" or "tes" depending on the reader.
    "théâtres, où se déroulaient les représentations",
    "ce sont les amphithéâtres",
    "Organisation d",
    "La société grecque",
    "Les grecs ont inventé la démocratie",
    "façon de diriger la cité",
]


def assert_reads_the_real_photo(text: str) -> None:
    """Every phrase of the photo, each after the one before it."""
    positions = [text.find(phrase) for phrase in REAL_PHOTO_PHRASES]
    missing = [phrase for phrase, at in zip(REAL_PHOTO_PHRASES, positions, strict=True) if at < 0]
    assert not missing, f"not read: {missing} in {text!r}"
    assert positions == sorted(positions), text
