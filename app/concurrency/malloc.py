"""Bound glibc's malloc arenas in a process that runs OCR threads.

glibc gives each thread that allocates at once a malloc arena of its own (up to 8 per core)
and each keeps what Tesseract freed in it: two arenas bound a process's memory under a flood
of hesitant pages at the same pages per second (docs/performance.md). gunicorn's post_fork
hook and the job worker call this before their OCR threads start.
"""

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def bound_malloc_arenas() -> None:
    """Two arenas, or MALLOC_ARENA_MAX's number (glibc only; elsewhere nothing to bound)."""
    arenas = int(os.environ.get("MALLOC_ARENA_MAX", "2"))
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_ARENA_MAX, arenas)
