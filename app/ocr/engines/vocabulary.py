"""What a request allows a reading to say: the characters it may or may not read, and its own
words and patterns, as each engine takes them (Tesseract's variables and per-request files; the
neural recogniser's output classes)."""

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import UnprocessableOption


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Empty strings and tuples mean no constraint: the engines read as they always do."""

    chars_allow: str = ""
    chars_deny: str = ""
    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @property
    def constrained(self) -> bool:
        return bool(self.chars_allow or self.chars_deny or self.words or self.patterns)

    @property
    def has_word_lists(self) -> bool:
        """Words or patterns: Tesseract loads them with a model, so a reading needs a handle
        of its own."""
        return bool(self.words or self.patterns)

    def variables(self) -> tuple[tuple[str, str], ...]:
        """Tesseract's variables for the character sets (set per reading, reset after)."""
        variables = []
        if self.chars_allow:
            variables.append(("tessedit_char_whitelist", self.chars_allow))
        if self.chars_deny:
            variables.append(("tessedit_char_blacklist", self.chars_deny))
        return tuple(variables)

    def allows(self, character: str) -> bool:
        """Whether a reading may output `character` (a space always: it separates words)."""
        if character == " ":
            return True
        if self.chars_allow and character not in self.chars_allow:
            return False
        return character not in self.chars_deny


NO_VOCABULARY = Vocabulary()


@contextmanager
def word_files(vocabulary: Vocabulary) -> Iterator[dict[str, str]]:
    """Tesseract's init variables naming the request's words and patterns, written to files in
    a private temporary folder (mode 0700) that is removed when the reading is done, whatever
    happens: no two requests share one, and none is left behind."""
    if not vocabulary.has_word_lists:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="ocr-words-") as folder:
        variables = {}
        for variable, name, entries in (
            ("user_words_file", "words.txt", vocabulary.words),
            ("user_patterns_file", "patterns.txt", vocabulary.patterns),
        ):
            if entries:
                path = Path(folder) / name
                path.write_text("".join(f"{entry}\n" for entry in entries), encoding="utf-8")
                variables[variable] = str(path)
        yield variables


MAX_CHARACTERS = 1000  # a character set longer than this is no constraint worth the name
MAX_WORDS = 1000
MAX_PATTERNS = 100
MAX_ENTRY_LENGTH = 64


def checked_vocabulary(
    chars_allow: str | None = None,
    chars_deny: str | None = None,
    words: Sequence[str] = (),
    patterns: Sequence[str] = (),
) -> Vocabulary:
    """The request's vocabulary, or a clear UnprocessableOption naming what is wrong."""
    allow = _character_set("chars_allow", chars_allow)
    deny = _character_set("chars_deny", chars_deny)
    if allow and deny and not set(allow) - set(deny):
        raise UnprocessableOption(
            "chars_deny takes away every character of chars_allow: nothing could be read."
        )
    return Vocabulary(
        chars_allow=allow,
        chars_deny=deny,
        words=_entries("words", words, MAX_WORDS),
        patterns=_entries("patterns", patterns, MAX_PATTERNS),
    )


def _character_set(name: str, value: str | None) -> str:
    if value is None:
        return ""
    characters = "".join(dict.fromkeys(character for character in value if character != " "))
    if not characters:
        raise UnprocessableOption(f"{name} is empty: name the characters, e.g. {name}=0123456789.")
    if len(characters) > MAX_CHARACTERS:
        raise UnprocessableOption(
            f"{name} has {len(characters)} different characters; at most {MAX_CHARACTERS}."
        )
    if controls := [character for character in characters if not character.isprintable()]:
        shown = ", ".join(f"U+{ord(character):04X}" for character in controls[:5])
        raise UnprocessableOption(f"{name} holds characters that are never printed: {shown}.")
    return characters


def _entries(name: str, values: Sequence[str], limit: int) -> tuple[str, ...]:
    entries = tuple(dict.fromkeys(value.strip() for value in values if value.strip()))
    if len(entries) > limit:
        raise UnprocessableOption(f"{len(entries)} {name} given; at most {limit} a request.")
    for entry in entries:
        if len(entry) > MAX_ENTRY_LENGTH:
            raise UnprocessableOption(
                f"{name} entry {entry[:20]!r}... is {len(entry)} characters; at most "
                f"{MAX_ENTRY_LENGTH}."
            )
        if any(character.isspace() or not character.isprintable() for character in entry):
            raise UnprocessableOption(
                f"{name} entry {entry!r} holds a space or a control character: one word "
                "(or pattern) an entry; send several as repeated parameters."
            )
    return entries
