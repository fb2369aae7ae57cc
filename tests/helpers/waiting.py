"""Waiting for a condition by polling it, never by sleeping a guessed time."""

import asyncio
import time
from collections.abc import Callable


def poll(condition: Callable[[], object], seconds: float = 10.0, interval: float = 0.01) -> bool:
    """True as soon as `condition()` is true; False if it is still false after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


async def apoll(condition: Callable[[], object], seconds: float = 10.0) -> bool:
    """`poll` inside an event loop: the loop keeps running while it waits."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True
