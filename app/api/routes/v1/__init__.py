"""The versioned API, /v1."""

from fastapi import APIRouter

from app.api.routes.v1 import engines, extract, health, jobs, languages, ocr

router = APIRouter(prefix="/v1")
router.include_router(ocr.router)
router.include_router(extract.router)
router.include_router(jobs.router)
router.include_router(languages.router)
router.include_router(engines.router)
router.include_router(health.router)
