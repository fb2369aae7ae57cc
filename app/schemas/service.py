"""What /v1/engines and /v1/languages answer."""

from pydantic import BaseModel, Field


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
