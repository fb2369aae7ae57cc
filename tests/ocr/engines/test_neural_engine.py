"""The neural reader (RapidOCR on ONNX Runtime): models from the wheel, one thread a reading,
stopped at its timeout, our page tree with word boxes."""

import os
import socket
import threading
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from app.core.errors import ConfigurationError, ProcessingTimeout
from app.ocr.engines import neural_engine
from app.ocr.engines.neural_engine import MODEL_FILES, NeuralEngine, model_folder
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from tests.conftest import SAMPLES_DIR, text_image

LINES = ["Neural reading of a page", "with three lines of text", "Total 1471.60 EUR"]


def test_reads_a_page_into_lines_and_words_with_boxes(
    neural: NeuralEngine, engine: OcrEngine
) -> None:
    image = Image.open(BytesIO(text_image("\n".join(LINES))))
    page = neural.recognize(image, RecognizeOptions())
    tesseract_lines = engine.recognize(image, RecognizeOptions()).lines
    assert page.text_lines == LINES
    assert [line.text for line in page.lines] == LINES
    assert page.confidence > 80
    for line, tesseract_line in zip(page.lines, tesseract_lines, strict=True):
        assert [word.text for word in line.words] == line.text.split()
        tesseract_boxes = {word.text: word.bbox for word in tesseract_line.words}
        lefts = [word.bbox[0] for word in line.words]
        assert lefts == sorted(lefts)
        for word in line.words:
            left, top, right, bottom = word.bbox
            assert 0 <= left < right <= image.width
            assert 0 <= top < bottom <= image.height
            # Where Tesseract reads the same word, it puts it in the same place: the same
            # left and right edges within a few pixels, around the same glyphs (the neural
            # box spans its line's height, Tesseract's the glyphs').
            if word.text in tesseract_boxes:
                other = tesseract_boxes[word.text]
                assert abs(left - other[0]) <= 12
                assert abs(right - other[2]) <= 12
                assert top <= (other[1] + other[3]) / 2 <= bottom
    tops = [line.bbox[1] for line in page.lines]
    assert tops == sorted(tops)


def test_reads_the_sample_label(neural: NeuralEngine) -> None:
    page = neural.recognize(Image.open(SAMPLES_DIR / "ingredients-1.png"), RecognizeOptions())
    assert "1 Tablespoon chili powder" in page.text
    assert "1/4 teaspoon ground black pepper" in page.text


def test_a_blank_page_reads_as_nothing_with_no_confidence(neural: NeuralEngine) -> None:
    page = neural.recognize(Image.new("L", (400, 300), 255), RecognizeOptions())
    assert page.lines == []
    assert page.text == ""
    assert page.confidence == 0.0


def page_with_one_line_turned() -> Image.Image:
    upright = ["Invoice 2041 for the garden works", "Hedge trimmed along the north wall",
               "Total due within thirty days", "Paid in cash on delivery"]  # fmt: skip
    page = Image.open(BytesIO(text_image("\n".join(upright), size=30))).convert("RGB")
    turned = Image.open(BytesIO(text_image(TURNED_LINE, size=30))).convert("RGB").rotate(180)
    sheet = Image.new("RGB", (page.width, page.height + turned.height), "white")
    sheet.paste(page, (0, 0))
    sheet.paste(turned, (0, page.height))
    return sheet


TURNED_LINE = "GST SUMMARY 6% 14.15"


def test_on_an_upright_page_no_line_is_turned_alone(neural: NeuralEngine) -> None:
    # On receipts the line classifier calls short upright lines upside down ("GST (6%)" read
    # as "(%9) 1S9"): a line turns only with most of the page's, which the pipeline turns.
    sheet = page_with_one_line_turned()
    page = neural.recognize(sheet, RecognizeOptions())
    assert not page.upside_down
    assert "Total due within thirty days" in page.text
    assert TURNED_LINE not in page.text  # read as the page stands
    rapidocr = NeuralEngine(max_readers=1, lines_turn_alone=True)  # as RapidOCR reads it
    assert TURNED_LINE in rapidocr.recognize(sheet, RecognizeOptions()).text
    rapidocr.close()


@pytest.mark.slow
def test_no_model_is_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every way out is shut: RapidOCR's downloader and any network connection.
    from rapidocr.utils.download_file import DownloadFile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(DownloadFile, "run", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    engine = NeuralEngine(max_readers=1)
    engine.warm_up()
    page = engine.recognize(Image.open(BytesIO(text_image(LINES[0]))), RecognizeOptions())
    assert page.text_lines == LINES[:1]
    engine.close()


def test_a_missing_model_file_fails_at_start_with_its_name(tmp_path: Path) -> None:
    for stage, name in MODEL_FILES.items():
        if stage != "Rec":  # the recogniser's file is missing
            (tmp_path / name).symlink_to(model_folder() / name)
    with pytest.raises(ConfigurationError, match=MODEL_FILES["Rec"]):
        NeuralEngine(max_readers=1, models=tmp_path)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.slow
def test_a_reader_runs_on_the_thread_that_reads() -> None:
    # ONNX Runtime's default is a pool of threads per session, one per core: a reading
    # would then use every core, whatever the runner admitted.
    before = _threads()
    engine = NeuralEngine(max_readers=1)
    engine.warm_up()
    assert _threads() == before
    engine.close()


def test_a_reading_past_its_timeout_is_stopped_and_the_reader_serves_on(
    neural: NeuralEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished: list[str] = []
    run = neural_engine._Stoppable.run

    def counted(self: neural_engine._Stoppable, *args: object) -> object:
        result = run(self, *args)  # type: ignore[arg-type]
        finished.append("run")
        return result

    monkeypatch.setattr(neural_engine._Stoppable, "run", counted)
    photo = Image.open(SAMPLES_DIR / "photo-fr-exif6.jpg")
    photo.load()
    with pytest.raises(ProcessingTimeout):
        neural.recognize(photo, RecognizeOptions(timeout_seconds=0.05))
    # Stopped inside the detector's run: no model ran to its end, the recogniser not at all.
    assert finished == []
    page = neural.recognize(Image.open(BytesIO(text_image(LINES[1]))), RecognizeOptions())
    assert page.text_lines == LINES[1:2]
    assert finished


@pytest.mark.slow
def test_concurrent_readings_share_at_most_max_readers() -> None:
    engine = NeuralEngine(max_readers=2)
    image = Image.open(BytesIO(text_image("\n".join(LINES))))
    image.load()  # decoded once: the threads share it
    texts: list[str] = []

    def read() -> None:
        texts.append(engine.recognize(image, RecognizeOptions()).text)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine.reader_count <= 2
    assert len(texts) == 4
    assert all(text.splitlines()[:3] == LINES for text in texts)
    engine.close()


def test_the_cpu_device_runs_every_session_on_the_cpu_provider() -> None:
    assert neural_engine.providers("cpu") == ["CPUExecutionProvider"]
    engine = NeuralEngine(max_readers=1, device="cpu")
    try:
        assert engine.running_providers() == ["CPUExecutionProvider"]
    finally:
        engine.close()


def test_cuda_without_its_provider_refuses_to_start_naming_the_gpu_requirements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        neural_engine.onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"]
    )
    with pytest.raises(ConfigurationError, match=r"requirements-gpu\.txt"):
        NeuralEngine(max_readers=1, device="cuda")


def test_cuda_is_preferred_when_its_provider_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        neural_engine.onnxruntime,
        "get_available_providers",
        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"],
    )
    assert neural_engine.providers("cuda") == ["CUDAExecutionProvider", "CPUExecutionProvider"]


@pytest.mark.skipif(
    "CUDAExecutionProvider" not in neural_engine.onnxruntime.get_available_providers(),
    reason="no CUDA provider here: onnxruntime-gpu (requirements-gpu.txt) and an NVIDIA device "
    "are needed to read on the GPU",
)
def test_cuda_reads_on_the_gpu() -> None:
    engine = NeuralEngine(max_readers=1, device="cuda")
    try:
        assert engine.running_providers()[0] == "CUDAExecutionProvider"
        page = engine.recognize(
            Image.open(BytesIO(text_image("\n".join(LINES)))), RecognizeOptions()
        )
        assert "Total 1471.60 EUR" in page.text
    finally:
        engine.close()


@pytest.mark.parametrize("size", [(8000, 40), (40, 8000), (3000, 1)])
def test_a_long_thin_strip_reads_without_failing(
    neural: NeuralEngine, size: tuple[int, int]
) -> None:
    strip = Image.new("RGB", size, "white")
    page = neural.recognize(strip, RecognizeOptions())
    assert (page.width, page.height) == size
    assert page.text == ""


MEMORY_PROBE = """
import sys
from PIL import Image
from app.concurrency.malloc import bound_malloc_arenas
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import RecognizeOptions

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

bound_malloc_arenas()
neural = NeuralEngine(max_readers=1)
neural.warm_up()
page = Image.open(sys.argv[1]).convert("L")
before = rss_mb()
for _ in range(2):
    neural.recognize(page, RecognizeOptions())
print(rss_mb() - before, rss_mb())
"""


@pytest.mark.eval  # reads an SROIE receipt from ../shared/eval, in a process of its own
def test_a_reading_gives_back_the_memory_it_used() -> None:
    # In a process of its own: what the process keeps after a reading is what it measures.
    import subprocess
    import sys

    receipt = SAMPLES_DIR.parent / "eval" / "sroie-receipts" / "079.jpg"
    if not receipt.is_file():
        pytest.skip(f"{receipt} is not here")
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(receipt)],
        capture_output=True, text=True, check=True, timeout=120, cwd=Path(__file__).parents[3],
    )  # fmt: skip
    kept_mb, total_mb = map(float, probe.stdout.split())
    # A reading of a receipt allocates over 100 MB; kept by the allocator, tens of them stay.
    assert kept_mb < 30, f"{kept_mb:.0f} MB kept after two readings ({total_mb:.0f} MB in all)"
