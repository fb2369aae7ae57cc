"""The whole answer of /v1/ocr."""

from pydantic import BaseModel, Field

from app.schemas.pages import PageResult
from app.schemas.service import EngineDetail, EngineInfo


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
