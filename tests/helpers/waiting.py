"""Waiting for a condition by polling it, never by sleeping a guessed time."""

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


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


def poll_for(value: Callable[[], T | None], seconds: float = 10.0, interval: float = 0.05) -> T:
    """The first value `value()` gives that is not None; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = value()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still nothing after {seconds:g} s")
        time.sleep(interval)
