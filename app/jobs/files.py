"""Where a job's files live: its document and each page's results.

The embedded implementation is a folder per job in DATA_DIR (app/jobs/embedded/local_files.py);
past one machine, an S3-compatible bucket (app/jobs/distributed/s3_files.py). Either way a
file appears under its name only once it is complete, so a reader never sees half of one.
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

DOCUMENT = "document"


class JobFiles(Protocol):
    def document_path(self, job_id: str) -> Path:
        """A local path of the job's document (fetched into a cache first if it is remote)."""
        ...

    def receive_path(self, job_id: str) -> Path:
        """A new local file to stream the uploaded document into before it is stored."""
        ...

    def store_document(self, job_id: str, received: Path, pages: Sequence[int] = ()) -> None:
        """Make the received file the job's document: moved into place, or, in remote
        storage, uploaded as one file per page of `pages` (the whole file without them)."""
        ...

    def page_source(self, job_id: str, number: int) -> tuple[Path, int]:
        """A local file holding page `number` of the job's document, and the page's number
        inside that file (fetched into a cache first if it is remote)."""
        ...

    def write(self, job_id: str, name: str, data: bytes) -> None: ...
    def read(self, job_id: str, name: str) -> bytes: ...
    def exists(self, job_id: str, name: str) -> bool: ...
    def new_result(self, job_id: str, name: str) -> AbstractContextManager[BinaryIO]: ...

    def path(self, job_id: str, name: str) -> Path:
        """A local path of a stored file (fetched into a cache first if it is remote)."""
        ...

    def forget_local(self, job_id: str) -> None:
        """The job has ended here: local copies of remote files can go (no-op when local)."""
        ...

    def delete(self, job_id: str) -> None: ...
