"""The `ocr` command: read files, folders and globs through the service, several at a time.

PDFs, TIFFs and files over 10 MB are read as jobs (POST /v1/jobs) with a bar of the pages
read; images in one request (POST /v1/ocr); --no-jobs sends everything in one request.

Exit codes:
  0  every file was read
  1  some files failed (each one's error is printed); the others were written
  2  usage error: bad arguments, or no input files found
  3  the service refused the token (401)
  4  the service could not be reached, timed out, or stayed busy (503/429) after retries
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_args

from tqdm import tqdm

from ocr_client import __version__
from ocr_client._requests import ReadOptions
from ocr_client.client import AsyncJob, AsyncOCRClient, Switch
from ocr_client.errors import (
    APIError,
    AuthenticationError,
    OCRConnectionError,
    OCRError,
    RateLimitedError,
    ServiceUnavailableError,
)
from ocr_client.models import Extraction, JobStatus

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_UNAVAILABLE = 4

DEFAULT_URL = "http://127.0.0.1:8000"
URL_ENV = "OCR_URL"
TOKEN_ENV = "OCR_TOKEN"  # noqa: S105 (a variable name, not a secret)
FORMATS = ("text", "json", "markdown", "hocr", "alto", "tsv", "pdf")
EXTENSIONS = {"text": ".txt", "json": ".json", "markdown": ".md", "hocr": ".hocr", "alto": ".xml"}
EXTENSIONS.update(tsv=".tsv", pdf=".pdf")
# What a folder given on the command line is searched for.
INPUT_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".pdf"}
)
# What is read as a job, page by page in the background, rather than in one request: the
# documents of many pages, and any file over JOB_MIN_BYTES.
JOB_SUFFIXES = frozenset({".pdf", ".tif", ".tiff"})
JOB_MIN_BYTES = 10 * 1024 * 1024
DOCUMENT_MAGIC = (b"%PDF", b"II*\x00", b"MM\x00*")


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class Job:
    source: Path
    name: str
    """Relative output name without extension, unique within the batch."""


@dataclass
class Outcome:
    job: Job
    payload: Any = None
    error: OCRError | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocr",
        description="Command line for the OCR service.",
        epilog=__doc__.split("\n", 2)[2] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    read = commands.add_parser("read", help="read the text of files, folders or globs")
    read.add_argument("inputs", nargs="+", metavar="FILE", help="files, folders or globs")
    _add_connection_options(read)
    read.add_argument(
        "--lang",
        help="language(s), e.g. eng or eng+fra, or auto: found on each page "
        "(default: the server's)",
    )
    read.add_argument("--psm", type=int, help="Tesseract page segmentation mode")
    read.add_argument(
        "--engine",
        choices=("auto", "tesseract", "neural"),
        help="which engine reads (default: the server's, OCR_ENGINE)",
    )
    read.add_argument("--dpi", type=int, help="resolution hint for images without one")
    read.add_argument("--pages", help="pages of a document to read, e.g. 1-3,7")
    read.add_argument(
        "--chars-allow", metavar="CHARS", help="the only characters to read, e.g. 0123456789."
    )
    read.add_argument("--chars-deny", metavar="CHARS", help="characters never to read, e.g. |")
    read.add_argument(
        "--word",
        dest="words",
        action="append",
        metavar="WORD",
        help="a word of this document the dictionary lacks (repeatable; Tesseract)",
    )
    read.add_argument(
        "--pattern",
        dest="patterns",
        action="append",
        metavar="PATTERN",
        help=r"a pattern in Tesseract's user-patterns syntax, e.g. '\A\A-\d\d\d\d' "
        "(repeatable)",
    )
    read.add_argument(
        "--layout",
        choices=("reading", "preserve"),
        help="with --format text: lines in reading order (default), or preserve: each word "
        "at its column on the page",
    )
    read.add_argument(
        "--switch",
        dest="switches",
        type=_switch,
        action="append",
        default=[],
        metavar="STEP=on|off",
        help="force a preparation step on or off, e.g. deskew=off (repeatable; steps: "
        + ", ".join(get_args(Switch))
        + ")",
    )
    read.add_argument(
        "--no-preprocess",
        action="append_const",
        dest="switches",
        const=("preprocess", False),
        help="read the pages as sent, without any preparation",
    )
    read.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    read.add_argument("--out", type=Path, metavar="DIR", help="write one file per input here")
    read.add_argument("--jobs", "-j", type=int, default=4, help="requests at once (default 4)")
    read.add_argument(
        "--no-jobs",
        action="store_true",
        help="read PDFs, TIFFs and large files in one request too, not as background jobs",
    )
    progress = read.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="always show the progress bars (default: when stderr is a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")

    extract = commands.add_parser(
        "extract", help="a receipt's or an invoice's fields, items and checks"
    )
    extract.add_argument("inputs", nargs="+", metavar="FILE", help="receipts or invoices")
    _add_connection_options(extract)
    extract.add_argument(
        "--kind",
        choices=("auto", "receipt", "invoice", "table"),
        default="auto",
        help="default: auto",
    )
    extract.add_argument("--lang", help="language(s), e.g. eng or deu (default: the server's)")
    extract.add_argument("--engine", choices=("auto", "tesseract", "neural"))
    extract.add_argument("--pages", help="pages of a document to read, e.g. 1-2")
    extract.add_argument("--json", action="store_true", help="print the service's JSON")

    languages = commands.add_parser("languages", help="list the languages the service has")
    _add_connection_options(languages)

    jobs = commands.add_parser("jobs", help="the status of a job, or cancel it")
    actions = jobs.add_subparsers(dest="action", required=True)
    for name, text in (("status", "print a job's status (JSON)"), ("cancel", "cancel a job")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", metavar="ID", help="the job's id (j_...)")
        _add_connection_options(action)
    return parser


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=os.environ.get(URL_ENV, DEFAULT_URL),
        help=f"service URL (env {URL_ENV}; default {DEFAULT_URL})",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"access token (better: the {TOKEN_ENV} environment variable)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")


def collect_inputs(inputs: Sequence[str]) -> list[Job]:
    """Files named, found in folders (recursively) or matched by globs, in a stable order."""
    jobs: list[Job] = []
    seen: set[Path] = set()
    names: set[str] = set()
    for item in inputs:
        for source, name in _expand(item):
            resolved = source.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            unique, counter = name, 2
            while unique in names:
                unique, counter = f"{name}-{counter}", counter + 1
            names.add(unique)
            jobs.append(Job(source, unique))
    if not jobs:
        raise UsageError("no input files found")
    return jobs


def _expand(item: str) -> list[tuple[Path, str]]:
    path = Path(item)
    if path.is_dir():
        found = sorted(
            child
            for child in path.rglob("*")
            if child.is_file() and child.suffix.lower() in INPUT_SUFFIXES
        )
        return [(child, child.relative_to(path).with_suffix("").as_posix()) for child in found]
    if path.is_file():
        return [(path, path.stem)]
    if glob.has_magic(item):
        matches = sorted(Path(match) for match in glob.glob(item, recursive=True))
        return [(match, match.stem) for match in matches if match.is_file()]
    raise UsageError(f"{item}: no such file or folder")


def reads_as_job(path: Path) -> bool:
    """PDFs and TIFFs (by suffix or by their first bytes), and any file over JOB_MIN_BYTES."""
    if path.suffix.lower() in JOB_SUFFIXES:
        return True
    try:
        if path.stat().st_size > JOB_MIN_BYTES:
            return True
        with path.open("rb") as handle:
            return handle.read(4) in DOCUMENT_MAGIC
    except OSError:
        return False  # the request reports it


def _switch(text: str) -> tuple[Switch, bool]:
    """`deskew=off` -> ("deskew", False), for --switch."""
    name, _, value = text.partition("=")
    states = {"on": True, "true": True, "off": False, "false": False}
    if name not in get_args(Switch) or value.lower() not in states:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not STEP=on|off with STEP one of {', '.join(get_args(Switch))}"
        )
    return cast(Switch, name), states[value.lower()]


def _read_options(args: argparse.Namespace) -> ReadOptions:
    """How the pages are to be read, the same whether a file goes as a job or in one request."""
    return ReadOptions(
        lang=args.lang,
        psm=args.psm,
        engine=args.engine,
        dpi=args.dpi,
        pages=args.pages,
        switches=dict(args.switches),
        chars_allow=args.chars_allow,
        chars_deny=args.chars_deny,
        words=args.words,
        patterns=args.patterns,
    )


async def read_as_job(
    client: AsyncOCRClient, job: Job, args: argparse.Namespace, show: bool
) -> Any:
    """Submit one file as a job, follow its pages on a bar, then fetch the result in
    `args.format`. Interrupted (Ctrl-C), it cancels the job rather than leave it running."""
    submitted: AsyncJob = await client.submit(
        job.source, formats=[args.format], **_read_options(args)
    )
    with tqdm(
        desc=str(job.source),
        unit="page",
        disable=not show,
        file=sys.stderr,
    ) as bar:

        def progress(status: JobStatus) -> None:
            bar.total = status.pages_total or None
            bar.n = status.pages_done
            if status.pages_failed:
                bar.set_postfix(failed=status.pages_failed, refresh=False)
            bar.refresh()

        try:
            final = await submitted.wait(on_progress=progress)
        except asyncio.CancelledError:
            with contextlib.suppress(OCRError):
                await submitted.cancel()
            raise
    if final.pages_failed:
        tqdm.write(
            f"{job.source}: {final.pages_failed} of {final.pages_total} pages could not be "
            "read (their `error` is in the JSON)",
            file=sys.stderr,
        )
    return await submitted.result(format=args.format, layout=args.layout)


async def read_all(args: argparse.Namespace, jobs: list[Job]) -> list[Outcome]:
    limit = asyncio.Semaphore(max(1, args.jobs))
    show = args.progress if args.progress is not None else len(jobs) > 1 and sys.stderr.isatty()
    show_pages = args.progress if args.progress is not None else sys.stderr.isatty()
    async with AsyncOCRClient(
        args.url, args.token, timeout=args.timeout, max_connections=max(1, args.jobs)
    ) as client:

        async def one(job: Job) -> Outcome:
            async with limit:
                try:
                    if not args.no_jobs and reads_as_job(job.source):
                        payload = await read_as_job(client, job, args, show_pages)
                    else:
                        payload = await client.ocr(
                            job.source,
                            format=args.format,
                            layout=args.layout,
                            **_read_options(args),
                        )
                except OCRError as error:
                    return Outcome(job, error=error)
                return Outcome(job, payload=payload)

        outcomes: list[Outcome] = []
        tasks = [asyncio.ensure_future(one(job)) for job in jobs]
        try:
            with tqdm(total=len(jobs), unit="file", disable=not show, file=sys.stderr) as bar:
                for finished in asyncio.as_completed(tasks):
                    outcome = await finished
                    outcomes.append(outcome)
                    bar.update(1)
                    if outcome.error is not None:
                        message = f"{outcome.job.source}: {_describe(outcome.error)}"
                        bar.write(message, file=sys.stderr)
                    elif args.out is not None:
                        _write(args.out, outcome, args.format)
        finally:
            # Interrupted: the files under way stop (their jobs are canceled) while the
            # client is still open.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    order = {job: index for index, job in enumerate(jobs)}
    return sorted(outcomes, key=lambda outcome: order[outcome.job])


def _describe(error: OCRError) -> str:
    if isinstance(error, APIError):
        return f"error {error.status_code}: {error.detail}"
    return str(error)


def _serialise(payload: Any, fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(payload.raw, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "pdf":
        return bytes(payload)
    return str(payload).encode()


def _write(out: Path, outcome: Outcome, fmt: str) -> None:
    target = out / (outcome.job.name + EXTENSIONS[fmt])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_serialise(outcome.payload, fmt))


def _print(outcomes: list[Outcome], fmt: str, many: bool) -> None:
    done = [outcome for outcome in outcomes if outcome.error is None]
    if fmt == "json" and many:
        for outcome in done:
            line = {"file": str(outcome.job.source), **outcome.payload.raw}
            print(json.dumps(line, ensure_ascii=False))
        return
    for outcome in done:
        if many:
            print(f"==> {outcome.job.source} <==")
        data = _serialise(outcome.payload, fmt)
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def exit_code(outcomes: list[Outcome]) -> int:
    errors = [outcome.error for outcome in outcomes if outcome.error is not None]
    if any(isinstance(error, AuthenticationError) for error in errors):
        return EXIT_AUTH
    unavailable = (OCRConnectionError, ServiceUnavailableError, RateLimitedError)
    if any(isinstance(error, unavailable) for error in errors):
        return EXIT_UNAVAILABLE
    return EXIT_SOME_FAILED if errors else EXIT_OK


def run_read(args: argparse.Namespace) -> int:
    jobs = collect_inputs(args.inputs)
    many = len(jobs) > 1
    if args.out is None and many and args.format in ("pdf", "hocr", "alto", "tsv"):
        raise UsageError(f"--format {args.format} with several files needs --out DIR")
    if args.layout == "preserve" and args.format != "text":
        raise UsageError(f"--layout preserve lays out plain text: not --format {args.format}")
    outcomes = asyncio.run(read_all(args, jobs))
    if args.out is None:
        _print(outcomes, args.format, many)
    return exit_code(outcomes)


async def _languages(args: argparse.Namespace) -> list[str]:
    async with AsyncOCRClient(args.url, args.token, timeout=args.timeout) as client:
        return await client.languages()


async def _job_action(args: argparse.Namespace) -> JobStatus | None:
    async with AsyncOCRClient(args.url, args.token, timeout=args.timeout) as client:
        job = client.job(args.id)
        if args.action == "status":
            return await job.status()
        await job.cancel()
        return None


def _failed(error: OCRError) -> int:
    """A command about the service rather than files (jobs, languages) failed: the error said
    once, and the exit code a file's failure would have."""
    print(f"ocr: {_describe(error)}", file=sys.stderr)
    return exit_code([Outcome(Job(Path("-"), "-"), error=error)])


def run_jobs(args: argparse.Namespace) -> int:
    """`ocr jobs status ID` prints the status JSON; `ocr jobs cancel ID` prints nothing."""
    try:
        status = asyncio.run(_job_action(args))
    except OCRError as error:
        return _failed(error)
    if status is not None:
        print(json.dumps(status.raw, ensure_ascii=False, indent=2))
    return EXIT_OK


async def _extract_all(args: argparse.Namespace) -> list[tuple[Path, Extraction | OCRError]]:
    results: list[tuple[Path, Extraction | OCRError]] = []
    async with AsyncOCRClient(args.url, args.token, timeout=args.timeout) as client:
        for name in args.inputs:
            path = Path(name)
            try:
                found = await client.extract(
                    path, kind=args.kind, lang=args.lang, engine=args.engine, pages=args.pages
                )
            except OCRError as error:
                results.append((path, error))
            else:
                results.append((path, found))
    return results


def _extraction_text(found: Extraction) -> str:
    lines = [f"kind: {found.kind}"]
    lines += [f"{name}: {value.value}" for name, value in found.fields.items()]
    for item in found.items:
        quantity = f"{item.quantity} x " if item.quantity else ""
        lines.append(f"item: {quantity}{item.description}  {item.amount}")
    lines.append("adds up: " + ("yes" if found.consistent else "NO, worth a look"))
    return "\n".join(lines)


def run_extract(args: argparse.Namespace) -> int:
    """`ocr extract FILE...`: each file's fields, items and checks, as text or --json."""
    missing = [name for name in args.inputs if not Path(name).is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    results = asyncio.run(_extract_all(args))
    outcomes: list[Outcome] = []
    payloads: list[dict[str, Any]] = []
    for path, found in results:
        if isinstance(found, OCRError):
            print(f"ocr: {path}: {_describe(found)}", file=sys.stderr)
            outcomes.append(Outcome(Job(path, path.name), error=found))
            continue
        outcomes.append(Outcome(Job(path, path.name), payload=found.raw))
        if args.json:
            payloads.append({"file": str(path), **found.raw} if len(results) > 1 else found.raw)
        else:
            heading = f"== {path}\n" if len(results) > 1 else ""
            print(heading + _extraction_text(found))
    if args.json and payloads:
        shown: Any = payloads if len(results) > 1 else payloads[0]
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    return exit_code(outcomes)


def run_languages(args: argparse.Namespace) -> int:
    try:
        languages = asyncio.run(_languages(args))
    except OCRError as error:
        return _failed(error)
    print("\n".join(languages))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "read":
            return run_read(args)
        if args.command == "jobs":
            return run_jobs(args)
        if args.command == "extract":
            return run_extract(args)
        return run_languages(args)
    except UsageError as error:
        parser.error(str(error))  # exits with EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
