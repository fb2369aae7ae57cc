"""Where echo keeps uploads, and how long."""

import time
from pathlib import Path


def remove_older_than(directory: Path, max_age_seconds: int) -> int:
    """Delete regular files in `directory` older than `max_age_seconds`; return how many."""
    if max_age_seconds <= 0 or not directory.is_dir():
        return 0
    cutoff = time.time() - max_age_seconds
    removed = 0
    for path in directory.iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker got there first
            continue
    return removed
