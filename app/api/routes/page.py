"""GET /: the upload page for people."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import SettingsDep

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")

router = APIRouter(tags=["page"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def upload_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "index.html", {"auth_required": not settings.auth_disabled}
    )
