"""Response bodies of the HTTP API."""

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


class EngineInfo(BaseModel):
    name: str = Field(examples=["tesserocr"])
    version: str = Field(examples=["5.5.4"])


class OcrResult(BaseModel):
    text: str = Field(description="All pages' text, pages separated by a form feed.")
    pages: list[PageResult]
    lang: str = Field(examples=["eng"])
    engine: EngineInfo
    timings_ms: dict[str, float] = Field(
        description="Milliseconds waiting for an OCR thread, reading, and in all.",
        examples=[{"queue": 0.4, "ocr": 87.1, "total": 90.2}],
    )


class Languages(BaseModel):
    languages: list[str] = Field(
        description="Installed Tesseract languages; combine several in `lang` with `+`.",
        examples=[["deu", "eng", "fra"]],
    )
    default: str = Field(description="Used when a request names none.", examples=["eng"])
    accurate: list[str] = Field(
        description="Languages that also have larger models, read as a second opinion on "
        "pages the engine is unsure of (`second_opinion`).",
        examples=[["eng"]],
    )
