"""Request options and response bodies of the HTTP API."""

from typing import Any, Literal, TypedDict

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
    engine: str = Field(
        default="tesseract",
        description="Which engine read the page: `tesseract`, `neural`, or `tesseract+neural` "
        "(Tesseract's lines with the neural reader's words where it was surer), or "
        "`text-layer` (a PDF page's own text); details in the response's `engines`.",
        examples=["tesseract"],
    )
    error: ErrorBody | None = Field(
        default=None,
        description="Why the page could not be read (a job's page; the document's other "
        "pages are read all the same); null when it was.",
    )


class EngineInfo(BaseModel):
    name: str = Field(examples=["tesserocr"])
    version: str = Field(examples=["5.5.4"])


class EngineDetail(BaseModel):
    name: str = Field(description="`tesseract` or `neural`.", examples=["neural"])
    version: str = Field(description="The engine's own version.", examples=["3.10.0"])
    models: list[str] = Field(
        description="The models it reads with.",
        examples=[["PP-OCRv6_det_small", "PP-OCRv6_rec_small", "ch_ppocr_mobile_v2.0_cls_mobile"]],
    )
    languages: list[str] = Field(
        description="The languages it reads, by Tesseract's names.", examples=[["eng", "fra"]]
    )


class Engines(BaseModel):
    default: str = Field(
        description="What `engine` is when a request names none (OCR_ENGINE).", examples=["auto"]
    )
    engines: list[EngineDetail]


class OcrResult(BaseModel):
    text: str = Field(description="All pages' text, pages separated by a form feed.")
    pages: list[PageResult]
    lang: str = Field(examples=["eng"])
    engine: EngineInfo = Field(description="The Tesseract binding (TESSERACT_BINDING).")
    engines: list[EngineDetail] = Field(
        description="The engines that read the pages (each page's `engine` names them)."
    )
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


_SWITCH = "Default: decided from the page. `true` forces it, `false` turns it off."


def _switch(description: str) -> Any:
    return Field(default=None, description=f"{description} {_SWITCH}", examples=[True, False])


class Switches(TypedDict):
    """The preparation switches as PageOptions takes them."""

    preprocess: bool
    auto_rotate: bool | None
    deskew: bool | None
    rescale: bool | None
    denoise: bool | None
    invert: bool | None
    binarize: bool | None
    remove_lines: bool | None
    remove_border: bool | None
    smooth: bool | None
    drop_noise: bool | None
    second_opinion: bool | None


class PreparationQuery(BaseModel):
    """The per-request preparation switches of /v1/ocr, as query parameters. Each is None
    (decided from the page), true (forced) or false (off): app.ocr.pipeline.decide."""

    preprocess: bool = Field(
        default=True,
        description="Prepare pages before OCR (all the steps below).",
        examples=[True, False],
    )
    auto_rotate: bool | None = _switch("Turn sideways or upside-down pages upright.")
    deskew: bool | None = _switch("Straighten skewed pages.")
    rescale: bool | None = _switch("Scale small or huge text to the size Tesseract reads best.")
    denoise: bool | None = _switch("Remove salt-and-pepper specks.")
    invert: bool | None = _switch("Invert light text on a dark page.")
    binarize: bool | None = _switch("Adaptive (Sauvola) thresholding for uneven light.")
    remove_lines: bool | None = _switch("Remove the rules and boxes of forms and tables.")
    remove_border: bool | None = _switch("Paint over a scanner's dark surround around the sheet.")
    smooth: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Blur grain, JPEG blocks and dotted print away. By default a grey page "
        "read with little confidence is read smoothed too, and the more confident reading "
        "kept; `true` or `false` forces it.",
    )
    drop_noise: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Leave out the words more likely specks, table borders or dotted lines "
        "than text: symbols read with confidence under 70, and one or two characters under "
        "40. On with `preprocess`; `true` or `false` forces it. JSON and text only: the "
        "other formats are Tesseract's own output.",
    )
    second_opinion: bool | None = Field(
        default=None,
        examples=[True, False],
        description="Read the page again with the language's larger models (listed in "
        "/v1/languages as `accurate`) and keep, word by word, the more confident reading. "
        "By default only pages read with less confidence than clean print, with "
        "`preprocess`. JSON and text only.",
    )

    def switches(self) -> Switches:
        return Switches(
            preprocess=self.preprocess, auto_rotate=self.auto_rotate, deskew=self.deskew,
            rescale=self.rescale, denoise=self.denoise, invert=self.invert,
            binarize=self.binarize, remove_lines=self.remove_lines,
            remove_border=self.remove_border, smooth=self.smooth, drop_noise=self.drop_noise,
            second_opinion=self.second_opinion,
        )  # fmt: skip


class JobLinks(BaseModel):
    self: str = Field(examples=["/v1/jobs/j_4fK2x9LmQa0pR7sT"])
    result: str = Field(examples=["/v1/jobs/j_4fK2x9LmQa0pR7sT/result"])


class JobStatusBody(BaseModel):
    id: str = Field(examples=["j_4fK2x9LmQa0pR7sT"])
    status: str = Field(
        description="`queued`, `running`, `succeeded`, `failed` or `canceled`.",
        examples=["running"],
    )
    pages_total: int = Field(examples=[30])
    pages_done: int = Field(description="Pages finished, read or failed.", examples=[12])
    pages_failed: int = Field(
        description="Pages that could not be read; their errors are in the result.",
        examples=[0],
    )
    error: ErrorBody | None = Field(
        description="Why the whole job failed (a document that cannot be opened)."
    )
    created_at: str = Field(examples=["2026-12-01T21:00:00Z"])
    started_at: str | None
    finished_at: str | None
    expires_at: str | None = Field(
        description="When the result and the files are deleted (set once finished)."
    )
    formats: list[str] = Field(
        description="Formats the result can be fetched in.", examples=[["json", "text"]]
    )
    links: JobLinks


class ExtractedFieldResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    value: str = Field(
        description="Normalised: an amount as a decimal string, a date as YYYY-MM-DD, a time "
        "as HH:MM[:SS], a currency as its ISO 4217 code, a phone in E.164 when its country "
        "is known; names and addresses as printed.",
        examples=["15.90"],
    )
    text: str = Field(description="As printed (as read).", examples=["RM 15.90"])
    confidence: float = Field(description="0 to 100: the reading's, of the words it stands on.")
    page: int = Field(description="1-based page number.", examples=[1])
    box: tuple[int, int, int, int] = Field(
        validation_alias="bbox",
        description="[x0, y0, x1, y1] in pixels of the page as sent (after EXIF rotation).",
        examples=[[727, 1346, 816, 1400]],
    )


class ItemResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    description: str = Field(examples=["CURTAIN STRAPS"])
    quantity: str | None = Field(description="As a decimal string, when printed.", examples=["2"])
    unit_price: str | None = Field(
        description="As a decimal string, when printed.", examples=["2.50"]
    )
    amount: str = Field(description="The line's amount, as a decimal string.", examples=["5.00"])
    page: int
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")


class ChecksResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items_match_subtotal: bool | None = Field(
        description="The items add up to the subtotal (to the total when none is printed); "
        "null when there are no items or no sum to compare with."
    )
    total_matches_parts: bool | None = Field(
        description="Subtotal + tax + tip - discount (+ rounding) is the total, or the subtotal "
        "already holds the tax; null without a subtotal and a total."
    )
    payment_matches_total: bool | None = Field(
        description="What was paid less the change is the total; null when no payment is printed."
    )
    consistent: bool = Field(
        description="No check failed: when false, the document wants a person's eyes."
    )


class TableCellResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int = Field(description="0-based; row 0 is the table's first row (often its heading).")
    column: int = Field(description="0-based.")
    row_span: int = Field(examples=[1])
    column_span: int = Field(description="Columns the cell covers (a heading over two).")
    text: str = Field(examples=["1,200"])
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")


class TableResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    page: int
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")
    rows: int
    columns: int
    cells: list[TableCellResult]


class ExtractPage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    width: int
    height: int
    rotation: int
    engine: str
    source: str = Field(description="`ocr`, or `text-layer` for a PDF page's own text.")


class ExtractResult(BaseModel):
    kind: Literal["receipt", "invoice", "table", "other"] = Field(
        description="What the document was read as: a `receipt` or an `invoice` (fields, items "
        "and checks), a `table` (its tables only), or `other` (a photo, a letter: no fields)."
    )
    fields: dict[str, ExtractedFieldResult] = Field(
        description="The fields found, by name: merchant_name, merchant_address, merchant_phone, "
        "merchant_tax_id, transaction_date, transaction_time, document_number, subtotal, tax, "
        "tip, discount, total, currency; for invoices also due_date, customer_name, "
        "customer_address. A field that is not printed is absent, never guessed.",
    )
    items: list[ItemResult]
    checks: ChecksResult
    tables: list[TableResult] = Field(
        description="Tables found on the pages (ruled or not, scanned or a PDF's text layer): "
        "cells by row and column, with their spans and boxes."
    )
    text: str = Field(description="All pages' text, pages separated by a form feed.")
    pages: list[ExtractPage]
    lang: str = Field(examples=["eng"])
    engines: list[EngineDetail]
    timings_ms: dict[str, float] = Field(
        examples=[{"queue": 0.4, "ocr": 2710.3, "extract": 4.2, "total": 2716.1}]
    )
