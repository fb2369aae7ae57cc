"""A job's status as GET /v1/jobs/{id} answers it."""

from pydantic import BaseModel, Field

from app.schemas.pages import ErrorBody


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
