"""A bounded pool of loaded Tesseract handles, per model folder and language.

Loading a model costs far more than reading a small image, so handles are kept and reused.
A handle is reset before it goes back to the pool, so no setting leaks from one request to
the next, and a handle that failed is dropped rather than reused. When the bound is reached,
the least recently used idle handle of another language is ended to make room.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from tesserocr import OEM, PSM, PyTessBaseAPI

from app.core.errors import EngineFailure


class HandlePool:
    def __init__(self, max_handles: int) -> None:
        self._max_handles = max(1, max_handles)
        self._lock = threading.Condition()
        # (folder, language) -> idle handles: models of every folder share the bound.
        self._idle: OrderedDict[tuple[str, str], list[PyTessBaseAPI]] = OrderedDict()
        self._total = 0

    @property
    def count(self) -> int:
        """Handles loaded, idle or in use."""
        with self._lock:
            return self._total

    def idle(self, folder: str, lang: str) -> list[PyTessBaseAPI]:
        """The idle handles of one model (tests swap one for a failing stand-in)."""
        return self._idle[(folder, lang)]

    @contextmanager
    def handle(
        self, lang: str, folder: str, init_variables: Mapping[str, str] | None = None
    ) -> Iterator[PyTessBaseAPI]:
        """A handle of `lang`. With `init_variables` (which Tesseract reads only as it loads a
        model, such as a request's word list), a handle of its own, within the same bound,
        ended after the reading so that nothing of it reaches another request."""
        if init_variables:
            api = self._load_own(lang, folder, init_variables)
            try:
                yield api
            finally:
                self._discard(api)
            return
        key = (folder, lang)
        api = self._acquire(key)
        try:
            yield api
        except BaseException:
            self._discard(api)
            raise
        else:
            try:
                api.Clear()
                api.SetPageSegMode(PSM.AUTO)
            except Exception:
                self._discard(api)
                raise
            self._release(key, api)

    def _acquire(self, key: tuple[str, str]) -> PyTessBaseAPI:
        folder, lang = key
        with self._lock:
            while True:
                idle = self._idle.get(key)
                if idle:
                    self._idle.move_to_end(key)
                    return idle.pop()
                if self._total < self._max_handles:
                    self._total += 1
                    break
                if not self._evict_one_idle():
                    self._lock.wait()
        return self._load(folder, lang, {})

    def _load_own(self, lang: str, folder: str, variables: Mapping[str, str]) -> PyTessBaseAPI:
        with self._lock:
            while self._total >= self._max_handles:
                if not self._evict_one_idle():
                    self._lock.wait()
            self._total += 1
        return self._load(folder, lang, variables)

    def _load(self, folder: str, lang: str, variables: Mapping[str, str]) -> PyTessBaseAPI:
        """A new handle, its place in the bound already taken (and given back on failure)."""
        try:
            return PyTessBaseAPI(
                path=folder, lang=lang, oem=OEM.LSTM_ONLY, variables=dict(variables)
            )
        except RuntimeError as error:
            with self._lock:
                self._total -= 1
                self._lock.notify()
            raise EngineFailure(f"Could not load Tesseract language {lang!r}: {error}") from None

    def _release(self, key: tuple[str, str], api: PyTessBaseAPI) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(api)
            self._idle.move_to_end(key)
            self._lock.notify()

    def _discard(self, api: PyTessBaseAPI) -> None:
        try:
            api.End()
        finally:
            with self._lock:
                self._total -= 1
                self._lock.notify()

    def _evict_one_idle(self) -> bool:
        """Free the least recently used idle handle, so another language can load."""
        for key, handles in self._idle.items():
            if handles:
                handles.pop().End()
                self._total -= 1
                if not handles:
                    del self._idle[key]
                return True
        return False

    def close(self) -> None:
        with self._lock:
            for handles in self._idle.values():
                for api in handles:
                    api.End()
            self._idle.clear()
            self._total = 0
