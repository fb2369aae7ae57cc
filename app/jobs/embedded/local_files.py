"""The embedded job files: a folder per job in DATA_DIR.

Every write goes to a temporary name first and is renamed into place, so a reader never sees
half a file and a process killed mid-write leaves no result that looks finished.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from app.jobs.files import DOCUMENT


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

    def receive_path(self, job_id: str) -> Path:
        folder = self._folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f".received-{DOCUMENT}"

    def store_document(self, job_id: str, received: Path, pages: Sequence[int] = ()) -> None:
        # Every reader of this folder is on this machine: the whole file serves each page.
        os.replace(received, self.document_path(job_id))

    def page_source(self, job_id: str, number: int) -> tuple[Path, int]:
        return self.document_path(job_id), number

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

    def forget_local(self, job_id: str) -> None:
        """Nothing to forget: these files are the stored ones."""

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self._folder(job_id), ignore_errors=True)
