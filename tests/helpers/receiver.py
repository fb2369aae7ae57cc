"""A real HTTP server on loopback that takes job callbacks, for every test of callbacks."""

import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A real HTTP server on a free loopback port that records what it is sent and answers
    `statuses` in turn (then 204), or redirects, hangs or drips its answer; over HTTPS with
    the server context `tls`."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.mode = "answer"  # or "redirect", "hang", "drip"
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = False  # server_close joins the handlers' threads
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.requests.append(Received(self.command, self.path, headers, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                try:
                    if receiver.mode == "hang":
                        receiver.release.wait(10)
                    elif receiver.mode == "drip":
                        self._drip()
                        return
                    if receiver.mode == "redirect" and self.path != "/moved":
                        status = 302
                    self.send_response(status)
                    if status == 302:
                        self.send_header("Location", f"{receiver.base}/moved")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up first

            def _drip(self) -> None:
                """An answer a byte every 50 ms, for about 10 s."""
                self.close_connection = True
                data = b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 180
                for byte in data:
                    if receiver.release.wait(0.05):
                        return
                    self.wfile.write(bytes([byte]))

        return Handler

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    @property
    def url(self) -> str:
        """Where to send callbacks."""
        return f"{self.base}/hook"
