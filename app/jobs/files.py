"""Where a job's files live: its document and each page's results. The interface, and the
embedded one in DATA_DIR.

Every write goes to a temporary name first and is renamed into place, so a reader never sees
half a file and a process killed mid-write leaves no result that looks finished.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

DOCUMENT = "document"


class JobFiles(Protocol):
    def document_path(self, job_id: str) -> Path: ...
    @contextmanager
    def new_document(self, job_id: str) -> Iterator[BinaryIO]: ...
    def write(self, job_id: str, name: str, data: bytes) -> None: ...
    def read(self, job_id: str, name: str) -> bytes: ...
    def exists(self, job_id: str, name: str) -> bool: ...
    @contextmanager
    def new_result(self, job_id: str, name: str) -> Iterator[BinaryIO]: ...
    def path(self, job_id: str, name: str) -> Path: ...
    def delete(self, job_id: str) -> None: ...


class LocalJobFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _folder(self, job_id: str) -> Path:
        return self.root / job_id

    def document_path(self, job_id: str) -> Path:
        return self._folder(job_id) / DOCUMENT

    def path(self, job_id: str, name: str) -> Path:
        return self._folder(job_id) / name

    @contextmanager
    def new_document(self, job_id: str) -> Iterator[BinaryIO]:
        with self.new_result(job_id, DOCUMENT) as out:
            yield out

    @contextmanager
    def new_result(self, job_id: str, name: str) -> Iterator[BinaryIO]:
        """A file to write `name` into; it appears under its name only once complete."""
        folder = self._folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                yield out
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def write(self, job_id: str, name: str, data: bytes) -> None:
        with self.new_result(job_id, name) as out:
            out.write(data)

    def read(self, job_id: str, name: str) -> bytes:
        return (self._folder(job_id) / name).read_bytes()

    def exists(self, job_id: str, name: str) -> bool:
        return (self._folder(job_id) / name).is_file()

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self._folder(job_id), ignore_errors=True)
