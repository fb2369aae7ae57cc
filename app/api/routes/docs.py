"""GET /docs: Swagger UI served entirely by the app (no CDN), for people exploring the API."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.routes.page import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html")
