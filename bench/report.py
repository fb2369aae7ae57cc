"""The latest figures of a benchmark written into its page of docs/, between two markers.

`make bench` and `make bench-accuracy` call `update` with the table they printed, so the
docs always show what the last run on this machine measured, never a number typed by hand.
"""

import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def update(page: str, name: str, text: str) -> Path:
    """Replace what lies between `<!-- name:start -->` and `<!-- name:end -->` in
    docs/`page` with `text`, stamped with the run's date."""
    path = DOCS / page
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    content = path.read_text(encoding="utf-8")
    before, found, rest = content.partition(start)
    if not found or end not in rest:
        raise ValueError(f"{path} has no {start} ... {end} block")
    _, _, after = rest.partition(end)
    stamp = f"Run of {time.strftime('%Y-%m-%d %H:%M')} on {_machine()}:"
    path.write_text(f"{before}{start}\n{stamp}\n\n```\n{text.strip()}\n```\n{end}{after}")
    return path


def _machine() -> str:
    from app.concurrency.cpus import usable_cpus

    return f"{usable_cpus()} usable CPUs"
