"""One OCR client per process: it keeps its connections to the service open between requests
(httpx clients are thread-safe, so every Django thread can share it)."""

import threading

from django.conf import settings
from ocr_client import OCRClient

_clients: dict[tuple[str, str, float], OCRClient] = {}
_lock = threading.Lock()


def ocr_client() -> OCRClient:
    key = (settings.OCR_SERVICE_URL, settings.OCR_SERVICE_TOKEN, settings.OCR_SERVICE_TIMEOUT)
    with _lock:
        if key not in _clients:
            _clients[key] = OCRClient(key[0], key[1], timeout=key[2])
        return _clients[key]


def close_clients() -> None:
    """Close the open connections (at shutdown, or between tests)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
