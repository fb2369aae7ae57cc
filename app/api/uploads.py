"""A multipart upload streamed straight into a file, for documents too large to hold.

Starlette's form parser spools each file to a temporary file of its own, which for a job would
be written twice (once to the temporary folder, once to DATA_DIR) and could land on a small
tmpfs. Here python-multipart's streaming parser hands the `file` part's bytes to the
destination as they arrive, hashing them on the way, and stops at the byte limit.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect, Request

from app.core.errors import BadRequest, ClientGone, EmptyUpload, PayloadTooLarge

FIELD = "file"
WRITE_BYTES = 1024 * 1024  # written to disk in pieces this large: one thread hop each


@dataclass(frozen=True, slots=True)
class StreamedUpload:
    filename: str
    size: int
    sha256: str


class _Parts:
    """The parser's callbacks: which part is which, and the `file` part's bytes so far."""

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False
        self.file_parts = 0
        self.other_files = 0
        self.filename = ""
        self.pending = bytearray()

    def on_part_begin(self) -> None:
        self.headers = {}
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == FIELD:
            self.file_parts += 1
            self.in_file = self.file_parts == 1
            self.filename = options.get(b"filename", b"upload").decode("utf-8", "replace")
        elif b"filename" in options:
            self.other_files += 1

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending += data[start:end]

    def on_part_end(self) -> None:
        self.in_file = False


async def stream_upload(
    request: Request, out: BinaryIO, *, max_bytes: int, setting: str
) -> StreamedUpload:
    """Write the one `file` part of a multipart request to `out`; refuse it past `max_bytes`
    (PayloadTooLarge naming `setting`)."""
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadRequest("Send the document as multipart/form-data, in the field `file`.")
    parts = _Parts()
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": parts.on_part_begin,
            "on_header_field": parts.on_header_field,
            "on_header_value": parts.on_header_value,
            "on_header_end": parts.on_header_end,
            "on_headers_finished": parts.on_headers_finished,
            "on_part_data": parts.on_part_data,
            "on_part_end": parts.on_part_end,
        },
    )
    digest = hashlib.sha256()
    size = 0

    async def flush() -> None:
        nonlocal size
        data = bytes(parts.pending)
        parts.pending.clear()
        size += len(data)
        if size > max_bytes:
            raise PayloadTooLarge(
                f"The document is larger than the limit of {max_bytes} bytes ({setting})."
            )
        digest.update(data)
        await asyncio.to_thread(out.write, data)

    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if len(parts.pending) >= WRITE_BYTES:
                await flush()
        parser.finalize()
    except MultipartParseError:
        raise BadRequest("The multipart body is malformed.") from None
    except ClientDisconnect:
        raise ClientGone() from None
    await flush()
    if parts.file_parts != 1 or parts.other_files:
        raise BadRequest("Send exactly one file, in the multipart field `file`.")
    if size == 0:
        raise EmptyUpload()
    return StreamedUpload(parts.filename, size, digest.hexdigest())
