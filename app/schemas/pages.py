"""A page as the API returns it and jobs store it (words, lines, their boxes), and the
original contract's Prediction."""

from pydantic import BaseModel, ConfigDict, Field


class Prediction(BaseModel):
    """The original service's contract: keep it exactly as it is."""

    results: list[str] = Field(
        description="Recognised lines in reading order, blank lines dropped.",
        examples=[["1 tbsp chili powder", "1/2 teaspoon ground cumin"]],
    )
    original: str = Field(description="The full recognised text.")


class ErrorBody(BaseModel):
    detail: str = Field(examples=["Invalid token."])


class WordResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str = Field(examples=["chili"])
    bbox: tuple[int, int, int, int] = Field(
        description="[x0, y0, x1, y1] in pixels of the page as sent (after EXIF rotation).",
        examples=[[29, 3, 34, 17]],
    )
    confidence: float = Field(description="0 to 100.", examples=[96.5])


class LineResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str = Field(examples=["1 tbsp chili powder"])
    bbox: tuple[int, int, int, int] = Field(
        description="[x0, y0, x1, y1] around the line's words, in the page's pixels.",
        examples=[[29, 3, 250, 24]],
    )
    confidence: float = Field(description="0 to 100.", examples=[95.1])
    words: list[WordResult]


class LanguageResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    language: str = Field(description="A Tesseract language code.", examples=["fra"])
    confidence: float = Field(
        description="0 to 1: the language identifier's confidence that the page's text (on "
        "a page that mixes languages, this language's share of it) is in this language.",
        examples=[0.97],
    )


class PageResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int = Field(description="1-based page number in the document.")
    width: int = Field(description="Pixels; for a PDF page, as rendered at 300 dpi.")
    height: int = Field(description="Pixels; for a PDF page, as rendered at 300 dpi.")
    rotation: int = Field(
        description="Degrees the page was turned to read it upright (0, 90, 180, 270)."
    )
    text: str
    lines: list[LineResult]
    source: str = Field(
        description="`ocr`, or `text-layer` for a PDF page whose own text was used as it is "
        "(its words have boxes and confidence 100).",
        examples=["ocr"],
    )
    steps: list[str] = Field(description="Preparation steps applied to the page, in order.")
    engine: str = Field(
        default="tesseract",
        description="Which engine read the page: `tesseract`, `neural`, or `tesseract+neural` "
        "(Tesseract's lines with the neural reader's words where it was surer), or "
        "`text-layer` (a PDF page's own text); details in the response's `engines`.",
        examples=["tesseract"],
    )
    languages: list[LanguageResult] = Field(
        default_factory=list,
        description="With `lang=auto`: the languages found on the page and read with, "
        "likeliest first (the page was read with them `+`-joined). Empty when the "
        "language was named.",
    )
    error: ErrorBody | None = Field(
        default=None,
        description="Why the page could not be read (a job's page; the document's other "
        "pages are read all the same); null when it was.",
    )
