"""Jobs benchmark: one long document through /v1/jobs against the bare engine on all cores.

Printed, measured side by side in one run (default settings, a real gunicorn server):
- pages per second of a PAGES-page 300 dpi PDF read as one job, against the engine ceiling
  (bare tesserocr on every usable core reading the same page, no HTTP);
- seconds from submission to the first page done, against one page's engine time;
- p50 of interactive single-image requests at 1 client while a job runs, against the same
  requests on the idle service;
- the time /v1/ocr takes for a 10-page PDF of such pages in one request, against the same
  pages sent one request after another (each page read alone, as /v1/ocr read a document's
  pages before it read them on idle cores too: one after another on one thread), alternated.

The ceiling reads the document's own page, the JPEG stream the PDF stores for it (what the
service decodes), not the PNG it was made from: compression changes Tesseract's time a little.

Not a test: `make bench-jobs` (`QUICK=1` for a shorter document). Figures go to
docs/performance.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

import requests
from PIL import Image

from bench.bench import EngineCeiling, verdict
from bench.report import update
from bench.server import GunicornServer
from bench.traffic import a4_page

TOKEN = "bench-jobs-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SMALL_TEXT = "Invoice 4711 total 29.84"


def document(pages: int) -> bytes:
    """A PDF of `pages` scanned A4 pages at 300 dpi (no text layer: every page is OCR)."""
    page = Image.open(BytesIO(a4_page())).convert("L")
    buffer = BytesIO()
    page.save(buffer, format="PDF", save_all=True, append_images=[page] * (pages - 1),
              resolution=300)  # fmt: skip
    return buffer.getvalue()


def small_image() -> bytes:
    from PIL import ImageDraw, ImageFont

    from bench.traffic import FONT

    image = Image.new("L", (700, 90), 255)
    font = ImageFont.truetype(str(FONT), 40) if FONT.exists() else ImageFont.load_default(40)
    ImageDraw.Draw(image).text((20, 20), SMALL_TEXT, fill=0, font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def submit(url: str, data: bytes) -> str:
    response = requests.post(
        f"{url}/v1/jobs", files={"file": ("book.pdf", data)}, headers=AUTH, timeout=300
    )
    response.raise_for_status()
    job_id: str = response.json()["id"]
    return job_id


def status(url: str, job_id: str) -> dict[str, object]:
    body: dict[str, object] = requests.get(
        f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=30
    ).json()
    return body


def run_job(url: str, data: bytes) -> tuple[float, float, float]:
    """(seconds to the first page done, seconds submission to finish, seconds from the first
    page started to the last page done) of one job, polled every 0.1 s."""
    submitted = time.monotonic()
    job_id = submit(url, data)
    first_done = None
    while True:
        body = status(url, job_id)
        done = body["pages_done"]
        assert isinstance(done, int)
        if first_done is None and done >= 1:
            first_done = time.monotonic() - submitted
        if body["status"] != "queued" and body["status"] != "running":
            break
        time.sleep(0.1)
    finished = time.monotonic() - submitted
    if body["status"] != "succeeded" or body["pages_failed"]:
        raise RuntimeError(f"the job ended {body}")
    return first_done or finished, finished, finished


def post_ocr(url: str, data: bytes) -> float:
    """Seconds /v1/ocr takes to answer for the document `data`."""
    started = time.perf_counter()
    response = requests.post(
        f"{url}/v1/ocr", files={"file": ("pages.pdf", data)}, headers=AUTH, timeout=300
    )
    response.raise_for_status()
    return time.perf_counter() - started


def document_times(url: str, pages: int, rounds: int) -> tuple[float, float]:
    """(seconds one page after another, seconds in one request) for a `pages`-page PDF through
    /v1/ocr, the median of `rounds` alternated rounds: the machine's speed drifts."""
    one_page, whole = document(1), document(pages)
    post_ocr(url, one_page)  # warm: this kind of page's cost learned
    apart, together = [], []
    for _ in range(rounds):
        apart.append(sum(post_ocr(url, one_page) for _ in range(pages)))
        together.append(post_ocr(url, whole))
    return statistics.median(apart), statistics.median(together)


def stored_scan(data: bytes) -> bytes:
    """The scan the document's first page holds, as stored in the PDF (a JPEG stream): what
    the service decodes for that page."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        picture = next(iter(pdf[0].get_objects()))
        assert isinstance(picture, pdfium.PdfImage)
        return bytes(picture.get_data(decode_simple=False))
    finally:
        pdf.close()


def interactive_p50(url: str, image: bytes, requests_count: int) -> float:
    times = []
    for _ in range(requests_count):
        started = time.perf_counter()
        response = requests.post(
            f"{url}/v1/ocr", files={"file": ("line.png", image)}, headers=AUTH, timeout=60
        )
        response.raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20-page document")
    args = parser.parse_args()
    pages = 20 if args.quick else 100
    data = document(pages)
    page = stored_scan(data)
    document_pages = 10

    ceiling = EngineCeiling()
    slice_seconds = 20 if args.quick else 30
    try:
        page_ms = statistics.median(ceiling.page_times_ms(page, 3))
        # The ceiling before and after the job, pooled: this machine's speed drifts by more
        # than the ratio's margin over a few minutes.
        before = ceiling.throughput(page, slice_seconds)
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as data_dir:
            server = GunicornServer({"APP_AUTH_TOKEN": TOKEN, "DATA_DIR": data_dir})
            server.start(Path(data_dir))
            try:
                image = small_image()
                interactive_p50(server.url, image, 5)  # warm: models loaded, rates learned
                idle_p50 = interactive_p50(server.url, image, 30)
                first_page, total, _ = run_job(server.url, data)
                job_rate = pages / total
                after = ceiling.throughput(page, slice_seconds)
                # A second job, for the interactive requests alongside it.
                busy_job = submit(server.url, data)
                while status(server.url, busy_job)["pages_done"] == 0:
                    time.sleep(0.1)
                busy_p50 = interactive_p50(server.url, image, 30)
                still_running = status(server.url, busy_job)["status"] == "running"
                requests.delete(f"{server.url}/v1/jobs/{busy_job}", headers=AUTH, timeout=30)
                apart, together = document_times(server.url, document_pages, 2 if args.quick else 3)
                peak_mb = server.rss_mb()
            finally:
                server.stop()
    finally:
        ceiling.close()
    ceiling_rate = (before[0] + after[0]) / (before[1] + after[1])

    rate_ratio = job_rate / ceiling_rate
    first_ratio = first_page / (page_ms / 1000)
    latency_ratio = busy_p50 / idle_p50
    document_ratio = together / apart
    floor = document_pages / ceiling_rate
    alone = document_pages * page_ms / 1000
    lines = [
        f"document: {pages} pages, A4 at 300 dpi, {len(data) / 1e6:.1f} MB",
        f"engine ceiling: {ceiling_rate:.3f} pages/s on all cores; one page {page_ms:.0f} ms",
        f"job: {job_rate:.3f} pages/s ({total:.1f} s from submission to the last page)",
        f"  ratio to the ceiling: {rate_ratio:.3f}x (target >= 0.9)  {verdict(rate_ratio >= 0.9)}",
        f"first page done after {first_page:.2f} s = {first_ratio:.2f} page times "
        f"(target <= 2)  {verdict(first_ratio <= 2)}",
        f"interactive p50 at 1 client: idle {idle_p50:.0f} ms, during a job {busy_p50:.0f} ms "
        f"= {latency_ratio:.2f}x (target <= 1.5)  {verdict(latency_ratio <= 1.5)}"
        + ("" if still_running else "  (the job ended before the requests did)"),
        f"/v1/ocr, a {document_pages}-page PDF of such pages: {together:.2f} s in one request, "
        f"{apart:.2f} s one page after another",
        f"  ratio: {document_ratio:.2f}x (target about 0.5, <= 0.55)  "
        f"{verdict(document_ratio <= 0.55)}",
        f"  against the bare engine: one page after another on one thread "
        f"{alone:.2f} s ({together / alone:.2f}x), its ceiling on all cores {floor:.2f} s "
        f"({together / floor:.2f}x)",
        f"server memory after both jobs and the documents: {peak_mb:.0f} MB",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.quick:
        update("performance.md", "bench-jobs", text)
    met = rate_ratio >= 0.9 and first_ratio <= 2 and latency_ratio <= 1.5
    return 0 if met and document_ratio <= 0.55 else 1


if __name__ == "__main__":
    sys.exit(main())
