"""`make bench-options`: lang=auto, chars_allow and words against reading without them, side by
side in one run, on the same pages (the pipeline in-process, no HTTP).

- lang=auto on generated pages in the seven installed languages: how often it picks the page's
  language, its mean page CER against naming the language, and its time against it;
- lang=auto on tesseract-test/eurotext (six languages on one page), against `eng` and the six
  named;
- chars_allow=0123456789. on generated meter and amount images: characters outside the set,
  and CER, with and without it, for Tesseract and the neural reader;
- words on generated lines naming invented products: names read exactly with and without them.
"""

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from app.ocr.engines import create_engine
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.engines.tessdata import find_tessdata
from app.ocr.engines.vocabulary import Vocabulary
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.results import Page
from bench.documents import COUNTRIES, receipt
from bench.languages import FONTS, language_pages
from bench.metrics import cer

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DIGITS = "0123456789."
PRODUCT_NAMES = [
    "Flickr",
    "Tumblr",
    "Kleenr",
    "Brite",
    "Froot",
    "Krispy",
    "Kwench",
    "Xpress",
    "Nite",
    "Thru",
    "Lyte",
    "Klear",
    "Kool",
    "Wondr",
    "Fresca",
    "Dettol",
    "Gorilex",
    "Quikly",
    "Smoothr",
    "Snackr",
    "Crunchi",
    "Toastr",
    "Blendr",
    "Sparkl",
    "Glowr",
    "Cleanz",
    "Brushd",
    "Rinsr",
    "Clikk",
    "Shyne",
    "Zoomr",
    "Pikture",
    "Flashr",
    "Vyew",
    "Tekno",
    "Servr",
    "Fyle",
    "Drivr",
    "Strem",
    "Kloud",
]


def timed(image: Image.Image, engine: OcrEngine, options: PageOptions) -> tuple[Page, float]:
    started = time.perf_counter()
    page = recognize_page(image, engine, options)
    return page, time.perf_counter() - started


def bench_lang_auto(engine: OcrEngine, served: PageOptions, per_language: int) -> None:
    pages = language_pages(per_language)
    # Loaded before the clock runs, as a server's first page would have them: every model and
    # the identifier.
    for sample in language_pages(1, repeats=1):
        recognize_page(sample.image, engine, replace(served, lang="auto"))
        recognize_page(sample.image, engine, replace(served, lang=sample.language))
    picked = 0
    errors_auto, errors_named, seconds_auto, seconds_named = [], [], [], []
    for sample in pages:
        named_options = replace(served, lang=sample.language)
        named, named_seconds = timed(sample.image, engine, named_options)
        auto, auto_seconds = timed(sample.image, engine, replace(served, lang="auto"))
        chosen = "+".join(found.language for found in auto.languages)
        picked += chosen == sample.language
        errors_named.append(cer(sample.truth, named.text))
        errors_auto.append(cer(sample.truth, auto.text))
        seconds_named.append(named_seconds)
        seconds_auto.append(auto_seconds)
        if chosen != sample.language:
            print(f"  {sample.name}: picked {chosen}")
    print(f"lang=auto, generated A4 pages at 300 dpi ({len(pages)}, {per_language} a language, "
          "the default engine=auto)")  # fmt: skip
    print(f"  picked the page's language: {picked}/{len(pages)} ({picked / len(pages):.1%})")
    print(f"  mean page CER: named {statistics.mean(errors_named):.4f}, "
          f"auto {statistics.mean(errors_auto):.4f}")  # fmt: skip
    ratio = sum(seconds_auto) / sum(seconds_named)
    print(f"  seconds a page: named {statistics.mean(seconds_named):.3f}, "
          f"auto {statistics.mean(seconds_auto):.3f} ({ratio:.2f}x)")  # fmt: skip
    english = [i for i, sample in enumerate(pages) if sample.language == "eng"]
    english_ratio = sum(seconds_auto[i] for i in english) / sum(seconds_named[i] for i in english)
    print(f"  English pages alone: {english_ratio:.2f}x")
    short = language_pages(1, repeats=1)
    short_named = sum(timed(p.image, engine, replace(served, lang=p.language))[1]
                      for p in short)  # fmt: skip
    short_auto = sum(timed(p.image, engine, replace(served, lang="auto"))[1]
                     for p in short)  # fmt: skip
    print(f"  short pages (8 sentences, 6 lines, their own sample): "
          f"{short_auto / short_named:.2f}x")  # fmt: skip


def bench_lang_auto_receipts(engine: OcrEngine, served: PageOptions, per_country: int) -> None:
    """Receipts are short lines: too little for a sample, so lang=auto reads them whole."""
    picked = total = 0
    wrong: dict[str, int] = {}
    for seed in range(per_country):
        for country in COUNTRIES:
            document = receipt(random.Random(seed), country, "DejaVuSansMono.ttf", "clean", "r")
            page = recognize_page(document.image.convert("L"), engine, replace(served, lang="auto"))
            chosen = "+".join(found.language for found in page.languages)
            total += 1
            picked += chosen == country.language
            if chosen != country.language:
                key = f"{country.language} as {chosen}"
                wrong[key] = wrong.get(key, 0) + 1
    print(f"lang=auto, generated receipts ({total}, {per_country} in each of {len(COUNTRIES)} "
          "countries' languages)")  # fmt: skip
    print(
        f"  picked the receipt's language: {picked}/{total} ({picked / total:.1%})"
        + (f"; wrong: {', '.join(f'{k} {v}' for k, v in sorted(wrong.items()))}" if wrong else "")
    )


def bench_eurotext(engine: OcrEngine, served: PageOptions) -> None:
    image_path = EVAL / "tesseract-test" / "eurotext.tif"
    if not image_path.is_file():
        print(f"eurotext: {image_path} is not here")
        return
    truth = (EVAL / "tesseract-test" / "eurotext.txt").read_text()
    image = Image.open(image_path)
    image.load()
    print("lang=auto, tesseract-test/eurotext (English, German, French, Italian, Spanish, "
          "Portuguese on one page), CER")  # fmt: skip
    for lang in ("eng", "eng+deu+fra+ita+spa+por", "auto"):
        page = recognize_page(image, engine, replace(served, lang=lang))
        found = ", ".join(f"{x.language} {x.confidence:.2f}" for x in page.languages)
        print(f"  {lang:<24} {cer(truth, page.text):.4f}" + (f"  (found {found})" if found else ""))


def meter_images(count: int, *, hard: bool = False) -> list[tuple[Image.Image, str]]:
    """Meter readings and amounts, blurred; `hard`: smaller and blurred more, where the neural
    reader too starts to misread."""
    rng = random.Random(7)
    samples = []
    for index in range(count):
        value = (
            f"{rng.randint(0, 99999):05d}.{rng.randint(0, 9)}"
            if index % 2
            else (f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}")
        )
        size = rng.choice([10, 11, 12] if hard else [14, 16, 18])
        font = ImageFont.truetype(
            str(FONTS / rng.choice(["DejaVuSansMono.ttf", "DejaVuSans.ttf"])), size
        )
        image = Image.new("L", (int(font.getlength(value)) + 40, size * 2), 235)
        draw = ImageDraw.Draw(image)
        draw.text((20, size // 2), value, fill=rng.randint(20, 80), font=font)
        image = image.filter(
            ImageFilter.GaussianBlur(rng.choice([1.8, 2.2, 2.6] if hard else [1.0, 1.4, 1.8]))
        )
        samples.append((image, value))
    return samples


def bench_chars_allow(engine: OcrEngine, neural: NeuralEngine, count: int, *, hard: bool) -> None:
    samples = meter_images(count, hard=hard)
    kind = "small, heavily blurred " if hard else "blurred "
    print(f"chars_allow={DIGITS} on generated {kind}meter and amount images ({count})")
    for name in ("tesseract", "neural", "auto"):
        for vocabulary in (Vocabulary(), Vocabulary(chars_allow=DIGITS)):
            total_errors, outside = [], 0
            for image, truth in samples:
                options = PageOptions(engine=name, neural=neural, vocabulary=vocabulary)
                text = recognize_page(image, engine, options).text
                outside += sum(1 for c in text if not c.isspace() and c not in DIGITS)
                total_errors.append(cer(truth, text))
            label = "with chars_allow" if vocabulary.chars_allow else "without"
            print(f"  {name:<9} {label:<16} mean CER {statistics.mean(total_errors):.4f}, "
                  f"characters outside the set {outside}")  # fmt: skip


def product_lines(size: int = 10, blur: float = 0.8) -> list[tuple[Image.Image, str]]:
    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), size)
    samples = []
    for name in PRODUCT_NAMES:
        text = f"Buy {name} now"
        image = Image.new("L", (int(font.getlength(text)) + 16, size * 2 + 8), 255)
        ImageDraw.Draw(image).text((8, 4 + size // 2), text, fill=0, font=font)
        samples.append((image.filter(ImageFilter.GaussianBlur(blur)), name))
    return samples


def bench_words(engine: OcrEngine) -> None:
    samples = product_lines()
    print(f"words on generated lines naming invented products ({len(samples)}), names read exactly")
    for vocabulary in (Vocabulary(), Vocabulary(words=tuple(PRODUCT_NAMES))):
        right = 0
        for image, name in samples:
            options = PageOptions(engine="tesseract", vocabulary=vocabulary)
            right += name in recognize_page(image, engine, options).text.split()
        label = "with words" if vocabulary.words else "without"
        print(f"  {label:<10} {right}/{len(samples)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pages a language")
    args = parser.parse_args(argv)
    engine = create_engine("tesserocr", tessdata=find_tessdata(), max_handles=4)
    neural = NeuralEngine(max_readers=1)
    neural.warm_up()
    for lang in ("eng", "osd"):
        engine.warm_up(lang)
    # lang=auto is measured as the service reads by default: engine=auto, the neural reader
    # asked where Tesseract hesitates.
    served = PageOptions(engine="auto", neural=neural)
    bench_lang_auto(engine, served, 1 if args.quick else 5)
    bench_lang_auto_receipts(engine, served, 4 if args.quick else 20)
    bench_eurotext(engine, served)
    for hard in (False, True):
        bench_chars_allow(engine, neural, 10 if args.quick else 40, hard=hard)
    bench_words(engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
