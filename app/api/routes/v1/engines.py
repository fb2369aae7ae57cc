"""GET /v1/engines: the engines that read pages, their versions, models and languages."""

from fastapi import APIRouter

from app.api.deps import EngineDep, NeuralDep, SettingsDep
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.schemas.service import EngineDetail, Engines

router = APIRouter(tags=["ocr"])


def engine_details(tesseract: OcrEngine, neural: NeuralEngine) -> dict[str, EngineDetail]:
    """Each engine's details, by the name a page's `engine` gives it."""
    tesseract_models = ["tessdata (fast LSTM)"]
    if tesseract.accurate_languages():
        tesseract_models.append(f"tessdata_best ({', '.join(tesseract.accurate_languages())})")
    return {
        "tesseract": EngineDetail(
            name="tesseract",
            version=tesseract.version(),
            models=tesseract_models,
            languages=tesseract.languages(),
        ),
        "neural": EngineDetail(
            name="neural",
            version=f"rapidocr {neural.version()}",
            models=neural.models(),
            languages=neural.languages(),
        ),
    }


def engines_used(names: list[str], details: dict[str, EngineDetail]) -> list[EngineDetail]:
    """The details of the engines named by pages' `engine` ("tesseract+neural" names two)."""
    used = {part for name in names for part in name.split("+")}
    return [detail for name, detail in details.items() if name in used]


@router.get("/engines")
async def list_engines(engine: EngineDep, neural: NeuralDep, settings: SettingsDep) -> Engines:
    """The engines a request may choose with `engine` (`auto` uses both)."""
    return Engines(
        default=settings.ocr_engine, engines=list(engine_details(engine, neural).values())
    )
