"""The neural reader: PP-OCR text detection and recognition through RapidOCR on ONNX Runtime.

Its models are the ONNX files inside the rapidocr wheel, named here one by one, so RapidOCR
never reaches for its downloader. Each reader (a RapidOCR instance with its own sessions,
loaded once and kept) reads one page at a time on one thread, so N readings use N cores as
the runner's admission by cores expects; a reading past its timeout is stopped inside ONNX
Runtime (RunOptions.terminate, set from a timer thread), not left running.

One module, over 300 lines: mapping RapidOCR's output into the page tree and keeping its
sessions both depend on RapidOCR's internals, which this module alone knows.
"""

import ctypes
import ctypes.util
import importlib.metadata
import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from PIL import Image

from app.core.errors import ConfigurationError, EngineFailure, ProcessingTimeout
from app.ocr.engines.protocol import RecognizeOptions, check_size
from app.ocr.engines.vocabulary import Vocabulary
from app.ocr.results import BBox, Line, Page, Word, layout_text, union

# The models the wheel ships, by RapidOCR's name for the stage that uses each.
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
# Tesseract's names of the installed languages that PP-OCRv6's multilingual recogniser reads
# (its dictionary has their letters and accents).
LANGUAGES = ("eng", "deu", "fra", "spa", "ita", "por", "nld")
# Detection on the image scaled so that its longer side is at most this: RapidOCR's default
# scales every image up to 736 px on its short side, which costs a small image several times
# its recognition.
DETECTION_MAX_SIDE = 960
# Lines recognised one at a time: a batch pads every line to its widest, which on one thread
# costs time and memory (each reading's peak) and reads no better (docs/engines.md).
RECOGNITION_BATCH = 1
MIN_WORD_SCORE = 0.5  # RapidOCR's own floor for a line's recognition score
PARAGRAPH_GAP = 0.8  # a gap above a line taller than this share of its height starts a paragraph


def model_folder() -> Path:
    return Path(str(files("rapidocr") / "models"))


def model_paths(folder: Path | None = None) -> dict[str, Path]:
    """Each stage's model file; a clear error at start when one is missing, since RapidOCR
    would otherwise try to download it at the first reading."""
    folder = folder or model_folder()
    paths = {stage: folder / name for stage, name in MODEL_FILES.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise ConfigurationError(
            f"The neural reader's model files are missing: {', '.join(missing)}. They come "
            "with the rapidocr wheel pinned in requirements.txt; reinstall it."
        )
    return paths


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where there is one."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return trim


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Give the memory freed so far back to the system (glibc only)."""
    if _TRIM is not None:
        _TRIM(0)


class _Stoppable:
    """An ONNX Runtime session that runs with the reading's RunOptions, so that the reading
    can be stopped from another thread. The recogniser's also weighs its output classes by the
    reading's mask before they are decoded: a character the request does not allow scores
    nothing, and the decoder takes the likeliest character it allows at that place (not a
    character deleted after the fact). Everything else is the session's own."""

    def __init__(
        self, session: onnxruntime.InferenceSession, local: threading.local, *, masked: bool
    ) -> None:
        self._session = session
        self._local = local
        self._masked = masked

    def run(self, output_names: Sequence[str], input_feed: dict[str, np.ndarray]) -> Any:
        outputs = self._session.run(output_names, input_feed, getattr(self._local, "run", None))
        mask = getattr(self._local, "mask", None) if self._masked else None
        if mask is not None:
            outputs[0] = outputs[0] * mask  # (lines, steps, classes) by (classes,)
        return outputs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@dataclass(slots=True)
class _Reader:
    ocr: Any  # rapidocr.RapidOCR: untyped
    local: threading.local
    sessions: tuple[onnxruntime.InferenceSession, ...]
    classes: tuple[str, ...]  # the recogniser's output classes: CTC's blank, then characters
    masks: dict[Vocabulary, np.ndarray] = field(default_factory=dict)

    def mask(self, vocabulary: Vocabulary) -> np.ndarray | None:
        """1 for each class the reading may output (the blank always), 0 for the others."""
        if not (vocabulary.chars_allow or vocabulary.chars_deny):
            return None
        if vocabulary not in self.masks:
            allowed = [index == 0 or vocabulary.allows(character)
                       for index, character in enumerate(self.classes)]  # fmt: skip
            self.masks[vocabulary] = np.asarray(allowed, dtype=np.float32)
        return self.masks[vocabulary]


CUDA_PROVIDER = "CUDAExecutionProvider"


def providers(device: str) -> list[str]:
    """ONNX Runtime's execution providers for `device`, in order of preference; a clear
    error at start when the device's provider is not installed."""
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if CUDA_PROVIDER not in onnxruntime.get_available_providers():
        raise ConfigurationError(
            "OCR_DEVICE=cuda, but this ONNX Runtime has no CUDA provider (it offers "
            f"{', '.join(onnxruntime.get_available_providers())}). Install onnxruntime-gpu "
            "from requirements-gpu.txt, on a machine with an NVIDIA driver and CUDA."
        )
    return [CUDA_PROVIDER, "CPUExecutionProvider"]


class NeuralEngine:
    name = "neural"

    def __init__(
        self,
        *,
        max_readers: int,
        models: Path | None = None,
        device: str = "cpu",
        lines_turn_alone: bool = False,
    ) -> None:
        """`lines_turn_alone`: each line is turned when the classifier calls it upside down,
        as RapidOCR does (the benchmarks' bare reader); by default lines turn only with most
        of the page's."""
        self._paths = model_paths(models)
        self.lines_turn_alone = lines_turn_alone
        self.device = device
        self.providers = providers(device)
        self._max_readers = max(1, max_readers)
        self._idle: queue.LifoQueue[_Reader] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._made = 0

    def version(self) -> str:
        return importlib.metadata.version("rapidocr")

    def models(self) -> list[str]:
        return [path.stem for path in self._paths.values()]

    def languages(self) -> list[str]:
        return list(LANGUAGES)

    @property
    def reader_count(self) -> int:
        with self._lock:
            return self._made

    def running_providers(self) -> list[str]:
        """The execution providers the loaded sessions run on, first the one they prefer."""
        with self._reader() as reader:
            running: list[str] = []
            for session in reader.sessions:
                running += [name for name in session.get_providers() if name not in running]
            return running

    def warm_up(self) -> None:
        """Load a reader's models and run each once, so the first request does not wait."""
        blank = Image.new("RGB", (64, 32), "white")
        with self._reader() as reader:
            reader.ocr(np.asarray(blank))

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        pixels = np.asarray(_detectable(check_size(image).convert("RGB")))
        with self._reader() as reader:
            run = onnxruntime.RunOptions()
            stopped = threading.Event()

            def stop() -> None:
                stopped.set()
                run.terminate = True

            timer = None
            if options.timeout_seconds is not None:
                timer = threading.Timer(max(0.0, options.timeout_seconds), stop)
                timer.daemon = True
                timer.start()
            reader.local.run = run
            reader.local.mask = reader.mask(options.vocabulary)
            reader.local.turned = 0
            try:
                output = reader.ocr(pixels)
            except Exception as error:  # ONNX Runtime's errors reach us wrapped by RapidOCR
                if stopped.is_set():
                    raise ProcessingTimeout() from None
                raise EngineFailure(f"The neural reader failed on this page: {error}") from None
            finally:
                reader.local.run = None
                reader.local.mask = None
                if timer is not None:
                    timer.cancel()
                # A reading allocates and frees a hundred megabytes or more, which glibc
                # would otherwise keep: readings on several threads would each keep theirs.
                release_freed_memory()
            if stopped.is_set():
                raise ProcessingTimeout()
            turned = int(getattr(reader.local, "turned", 0))
        lines = _lines(output)
        words = [word.confidence for line in lines for word in line.words]
        return Page(
            text=layout_text(lines),
            width=image.width,
            height=image.height,
            lines=lines,
            confidence=round(sum(words) / len(words), 2) if words else 0.0,
            engine=self.name,
            # Most lines read turned: the page itself is, and its lines are in reverse order.
            upside_down=bool(lines) and turned > len(output.txts or ()) / 2,
        )

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait()
            except queue.Empty:
                return

    @contextmanager
    def _reader(self) -> Iterator[_Reader]:
        reader = self._acquire()
        try:
            yield reader
        finally:
            self._idle.put(reader)

    def _acquire(self) -> _Reader:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._made < self._max_readers
            if make:
                self._made += 1
        if not make:
            return self._idle.get()
        try:
            return self._load()
        except BaseException:
            with self._lock:
                self._made -= 1
            raise

    def _load(self) -> _Reader:
        from rapidocr import RapidOCR  # imported here: it loads OpenCV

        params: dict[str, object] = {
            "Global.log_level": "error",
            "Global.return_word_box": True,
            "Global.use_cls": True,
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECTION_MAX_SIDE,
            "Rec.rec_batch_num": RECOGNITION_BATCH,
            "EngineConfig.onnxruntime.use_cuda": self.device == "cuda",
        }
        for stage, path in self._paths.items():
            params[f"{stage}.model_path"] = str(path)
        ocr: Any = RapidOCR(params=params)  # its loaders are not annotated
        local = threading.local()
        # The stages load their sessions lazily; loaded now, each is wrapped to run with the
        # reading's RunOptions.
        stages = (ocr._load_det_model(), ocr._load_cls_model(), ocr._load_rec_model())
        sessions = tuple(stage.session.session for stage in stages)
        for stage, session in zip(stages, sessions, strict=True):
            stage.session.session = _Stoppable(session, local, masked=stage is stages[2])
        # The classifier's verdict on each line (upright or turned 180 degrees) is what tells
        # an upside-down page, and RapidOCR's output drops it: kept for the reading.
        classify = ocr.cls_and_rotate
        threshold = float(stages[1].cls_thresh)

        def classify_and_keep(crops: list[np.ndarray]) -> Any:
            rotated, verdicts = classify(crops)
            local.turned = sum(
                1 for label, score in verdicts.cls_res or () if "180" in label and score > threshold
            )
            judged = not self.lines_turn_alone and len(crops) >= MIN_LINES_TO_JUDGE
            if judged and local.turned <= len(crops) / 2:
                # An upright page: a line the classifier calls upside down is a misjudged
                # short one ("GST (6%)" read as "(%9) 1S9"). Most lines turned, the page is
                # upside down, and the pipeline turns it whole (page.upside_down).
                return crops, verdicts
            return rotated, verdicts

        ocr.cls_and_rotate = classify_and_keep
        return _Reader(ocr, local, sessions, tuple(stages[2].postprocess_op.character))


MIN_LINES_TO_JUDGE = 4  # lines of a page, for most of them to say which way up it is

# The detector scales the longer side to DETECTION_MAX_SIDE and each side to a multiple of 32:
# a strip narrower than this share of its length would scale to no pixel at all.
MIN_SIDE_SHARE = 48 / DETECTION_MAX_SIDE


def _detectable(image: Image.Image) -> Image.Image:
    """`image`, padded with white below or to the right when it is so long and thin that
    detection would scale its short side away; boxes stay where they were."""
    width, height = image.size
    least = math.ceil(max(width, height) * MIN_SIDE_SHARE)
    if min(width, height) >= least:
        return image
    padded = Image.new("RGB", (max(width, least), max(height, least)), "white")
    padded.paste(image, (0, 0))
    return padded


def _lines(output: Any) -> list[Line]:
    """The page's lines, top to bottom as RapidOCR orders them, each with its words' boxes;
    a wider gap than usual above a line starts a paragraph."""
    if output.boxes is None or output.txts is None:
        return []
    lines: list[Line] = []
    paragraph = 0
    previous: BBox | None = None
    # Word boxes, when RapidOCR could place every line's words; else each line is one word.
    word_results = output.word_results
    if len(word_results) != len(output.txts):
        word_results = [()] * len(output.txts)
    for polygon, text, score, words in zip(
        output.boxes, output.txts, output.scores, word_results, strict=True
    ):
        if not text.strip() or score < MIN_WORD_SCORE:
            continue
        box = _box(polygon)
        read = tuple(
            Word(word_text, _box(np.asarray(corners)), round(float(word_score) * 100, 2))
            for word_text, word_score, corners in words
            if corners is not None and word_text.strip()
        ) or (Word(text.strip(), box, round(float(score) * 100, 2)),)
        if previous is not None:
            height = box[3] - box[1]
            if box[1] - previous[3] > PARAGRAPH_GAP * height:
                paragraph += 1
        previous = box
        line_box = union([word.bbox for word in read])
        text = " ".join(word.text for word in read)
        lines.append(Line(text, line_box, round(float(score) * 100, 2), read, paragraph))
    return lines


def _box(polygon: np.ndarray) -> BBox:
    xs, ys = polygon[:, 0], polygon[:, 1]
    return (int(xs.min()), int(ys.min()), int(np.ceil(xs.max())), int(np.ceil(ys.max())))
