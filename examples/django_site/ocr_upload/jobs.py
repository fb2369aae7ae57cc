"""Documents sent as jobs: which uploads are documents, the jobs a visitor's session may see,
and the service's signed callback when a job ends."""

import json
from typing import IO, Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile

# The first bytes of a PDF and of a TIFF (little- and big-endian): a name can be anything.
DOCUMENT_SIGNATURES = (b"%PDF-", b"II*\x00", b"MM\x00*")
SESSION_KEY = "ocr_jobs"
SESSION_MAX_JOBS = 20  # a session remembers its latest jobs only (the cookie stays small)
FINISHED_KEY = "ocr-job-finished:{}"
FINISHED_SECONDS = 24 * 3600  # the service keeps a result this long (JOBS_RETENTION_SECONDS)


def is_document(upload: UploadedFile) -> bool:
    """A PDF or a TIFF, told by the file's first bytes."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return bool(head.startswith(DOCUMENT_SIGNATURES))


def upload_source(upload: UploadedFile) -> str | IO[bytes]:
    """What the client sends: the path of the temporary file Django wrote a large upload to
    (streamed from disk, never whole in memory), else the small in-memory file itself."""
    upload.seek(0)
    temporary_path = getattr(upload, "temporary_file_path", None)
    if temporary_path is not None:
        path: str = temporary_path()
        return path
    return upload


# The visitor's own jobs: the site reads every job with one token, so the session is what
# keeps one visitor from looking at another's documents by their job id.


def remember_job(session: SessionBase, job_id: str, name: str) -> None:
    jobs: dict[str, str] = dict(session.get(SESSION_KEY, {}))
    jobs.pop(job_id, None)
    jobs[job_id] = name
    session[SESSION_KEY] = dict(list(jobs.items())[-SESSION_MAX_JOBS:])


def job_name(session: SessionBase, job_id: str) -> str | None:
    """The uploaded file's name when this session submitted the job, else None."""
    jobs: dict[str, str] = session.get(SESSION_KEY, {})
    return jobs.get(job_id)


# Callbacks (Standard Webhooks): the service POSTs `job.finished` when a job ends.


class BadCallback(Exception):
    """A callback whose signature does not verify (or that is not one at all)."""


def callbacks_enabled() -> bool:
    return bool(settings.OCR_CALLBACK_URL and settings.OCR_CALLBACK_SECRET)


def verify_callback(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The callback's message once its `webhook-signature` matches OCR_CALLBACK_SECRET and its
    timestamp is recent (the `standardwebhooks` package checks both); BadCallback otherwise."""
    from standardwebhooks import Webhook, WebhookVerificationError

    secret: str = settings.OCR_CALLBACK_SECRET
    # The service's key is the base64 after `whsec_`, else the secret's own bytes.
    key: str | bytes = secret if secret.startswith("whsec_") else secret.encode()
    try:
        Webhook(key).verify(body, headers, json_parse=False)
        message = json.loads(body)
    except (WebhookVerificationError, ValueError) as error:  # ValueError: malformed headers
        raise BadCallback(str(error)) from None
    if not isinstance(message, dict) or message.get("type") != "job.finished":
        raise BadCallback("not a job.finished message")
    data = message.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise BadCallback("no job id")
    return message


def note_finished(job_id: str, status: str) -> None:
    """The callback said the job ended: the job page need not ask the service any more."""
    cache.set(FINISHED_KEY.format(job_id), status, FINISHED_SECONDS)


def finished_status(job_id: str) -> str | None:
    """How the job ended, if its callback came; None otherwise."""
    status: str | None = cache.get(FINISHED_KEY.format(job_id))
    return status
