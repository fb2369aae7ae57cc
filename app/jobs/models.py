"""What a job is: its record, its pages' states and the options its pages are read with."""

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from app.ocr.engines.vocabulary import NO_VOCABULARY, Vocabulary
from app.schemas.options import PreparationQuery, Switches


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)


class PageState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# The renderer outputs a job may be asked for besides json and text, which every job has.
RENDERER_FORMATS = ("hocr", "alto", "tsv", "pdf")


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How the job's pages are read: /v1/ocr's options, kept as the job's record."""

    lang: str
    psm: int | None = None
    dpi: int | None = None
    switches: Switches = field(default_factory=lambda: PreparationQuery().switches())
    formats: tuple[str, ...] = ()  # renderer formats, in RENDERER_FORMATS order
    engine: str = "auto"  # records made before engines were chosen read as `auto`
    vocabulary: Vocabulary = NO_VOCABULARY

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "JobOptions":
        values: dict[str, Any] = json.loads(text)
        values["formats"] = tuple(values.get("formats", ()))
        values["switches"] = PreparationQuery(**values["switches"]).switches()
        given = values.get("vocabulary") or {}
        values["vocabulary"] = Vocabulary(
            chars_allow=str(given.get("chars_allow", "")),
            chars_deny=str(given.get("chars_deny", "")),
            words=tuple(given.get("words", ())),
            patterns=tuple(given.get("patterns", ())),
        )
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    owner: str
    state: JobState
    options: JobOptions
    pages: tuple[int, ...]  # the document's page numbers the job reads, in order
    pages_done: int
    pages_failed: int
    created_at: float  # unix seconds
    started_at: float | None
    finished_at: float | None
    expires_at: float | None
    error: str | None
    callback_url: str | None
    base_url: str
    upload_digest: str
    files_deleted: bool

    @property
    def pages_total(self) -> int:
        return len(self.pages)


@dataclass(frozen=True, slots=True)
class Claim:
    """A page a reader took: read it, then report it done or failed."""

    job_id: str
    number: int
    attempt: int
    first: bool = False  # the job's first page taken: its document is checked first


@dataclass(frozen=True, slots=True)
class PageOutcome:
    number: int
    state: PageState
    error: str | None
