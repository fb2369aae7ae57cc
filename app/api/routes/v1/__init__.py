"""The versioned API, /v1."""

from fastapi import APIRouter

from app.api.routes.v1 import engines, extract, health, jobs, languages, ocr

router = APIRouter(prefix="/v1")
for resource in (ocr, extract, jobs, languages, engines, health):
    router.include_router(resource.router)
