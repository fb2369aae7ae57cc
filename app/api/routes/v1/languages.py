"""GET /v1/languages: what the engine can read."""

from fastapi import APIRouter

from app.api.deps import EngineDep, SettingsDep
from app.schemas.service import Languages

router = APIRouter(tags=["ocr"])


@router.get("/languages")
async def list_languages(engine: EngineDep, settings: SettingsDep) -> Languages:
    """The installed languages; combine several in `lang` with `+` (e.g. `eng+fra`)."""
    return Languages(
        languages=engine.languages(),
        default=settings.default_lang,
        accurate=engine.accurate_languages(),
    )
