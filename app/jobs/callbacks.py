"""Job callbacks: the `job.finished` message, its Standard Webhooks signature, the address
check of `callback_url` and the delivery with retries (docs/jobs.md, Callbacks).

Everything here blocks: it runs on a background thread (or, for the check at submission, in a
thread pool). The signature is ten lines of `hmac` rather than the `standardwebhooks` package
so that the service takes no extra runtime dependency (and its dependency chain) for it; the
tests verify our signatures with that package, independently. The HTTP client is the standard
library's `http.client`: it never follows redirects and never goes through a proxy from the
environment, so the address that was checked is the one connected to.

One module, over 300 lines: the delivery connects only to the addresses the check passed, a
guarantee that would otherwise cross a module boundary.
"""

import base64
import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

from app.core.errors import ServiceError

logger = logging.getLogger("app.jobs")

MAX_URL_LENGTH = 2000
RESPONSE_READ_LIMIT = 64 * 1024  # of a receiver's answer we read at most this (and ignore it)
USER_AGENT = "ocr-service job callbacks (Standard Webhooks)"
_SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of Standard Webhooks secrets)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class CallbackRefused(ServiceError):
    """A callback_url the service will not call."""

    status_code = 422
    detail = "callback_url is not allowed."


def check_callback_url(url: str, *, allow_private: bool) -> str:
    """`url` when it is an absolute http(s) URL without credentials whose host resolves, and
    only to global addresses unless `allow_private`; else raises CallbackRefused. Resolves
    the host (blocking: DNS)."""
    resolve_callback_url(url, allow_private=allow_private)
    return url


def resolve_callback_url(url: str, *, allow_private: bool) -> list[str]:
    """The addresses `url`'s host resolves to, checked as check_callback_url checks them: an
    attempt connects to these, never to what a second lookup might answer."""
    parts = _split(url)
    host = parts.hostname or ""
    port = _port(parts)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # gaierror; UnicodeError: a label IDNA cannot encode
        raise CallbackRefused(f"callback_url's host {host} does not resolve.") from None
    if not infos:
        raise CallbackRefused(f"callback_url's host {host} does not resolve.")
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if allow_private:
        return addresses
    for address in addresses:
        plain = address.split("%", 1)[0]  # an IPv6 scope (fe80::1%eth0) aside
        kind = _non_global_kind(ipaddress.ip_address(plain))
        if kind is not None:
            raise CallbackRefused(
                f"callback_url's host {host} resolves to {plain}, a {kind} address; "
                "callbacks to such addresses are refused unless CALLBACK_ALLOW_PRIVATE is set."
            )
    return addresses


def _split(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise CallbackRefused(f"callback_url is longer than {MAX_URL_LENGTH} characters.")
    if not url.isascii() or any(char.isspace() or not char.isprintable() for char in url):
        raise CallbackRefused(
            "callback_url must be plain ASCII without spaces or control characters "
            "(percent-encode the path, write the host in punycode)."
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise CallbackRefused(
            "callback_url must be an absolute http:// or https:// URL with a host."
        )
    if "@" in parts.netloc:
        raise CallbackRefused("callback_url must not carry credentials (user:password@).")
    return parts


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise CallbackRefused("callback_url's port is not a valid port number.") from None
    if port is not None:
        return port
    return 443 if parts.scheme.lower() == "https" else 80


def _non_global_kind(address: IPAddress) -> str | None:
    """What makes `address` one callbacks may not reach, or None for a global address. An
    IPv6 address carrying an IPv4 one (IPv4-mapped, 6to4) is judged by the IPv4 one too."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            kind = _non_global_kind(embedded)
            if kind is not None:
                return kind
    for kind, flag in (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("non-global", not address.is_global),
    ):
        if flag:
            return kind
    return None


def signing_key(secret: str) -> bytes:
    """The HMAC key of `secret`: the base64 after `whsec_` (Standard Webhooks' form), else
    the secret's UTF-8 bytes. ValueError for an empty key or bad base64 (a setup error)."""
    if secret.startswith(_SECRET_PREFIX):
        encoded = secret[len(_SECRET_PREFIX) :]
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    else:
        key = secret.encode()
    if not key:
        raise ValueError("The callback secret is empty.")
    return key


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery of `body`, signed as Standard Webhooks says: v1, an
    HMAC-SHA256 of `{id}.{timestamp}.{body}` in base64."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode("ascii"),
    }


def finished_payload(job_id: str, status: str, links: dict[str, str], timestamp: int) -> bytes:
    """The `job.finished` message, as compact JSON."""
    moment = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = {
        "type": "job.finished",
        "timestamp": moment,
        "data": {"id": job_id, "status": status, "links": links},
    }
    return json.dumps(message, separators=(",", ":")).encode()


def deliver(
    url: str,
    body: bytes,
    *,
    secret: str,
    message_id: str,
    allow_private: bool,
    attempts: int,
    first_delay: float = 1.0,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POSTs `body` to `url` until a 2xx answer, at most `attempts` times, `first_delay`
    seconds apart and doubling; True once answered 2xx. Every attempt is signed afresh (a
    new timestamp, the same `message_id`) and checks the URL's addresses again first.
    `timeout` bounds each attempt as a whole. Failures are logged, never raised."""
    origin = _origin(url)
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            # Resolved and checked again each time since DNS may have changed, and the
            # connection goes to the addresses checked: a name answering a private address
            # on a second lookup (DNS rebinding) never gets one.
            addresses = resolve_callback_url(url, allow_private=allow_private)
            headers = signed_headers(secret, message_id, int(time.time()), body)
            status = _post(url, body, headers, timeout, addresses)
        except CallbackRefused as error:
            failure = error.detail
        except (OSError, http.client.HTTPException) as error:  # timeouts are OSErrors
            failure = f"{type(error).__name__}: {error}"
        else:
            if 200 <= status < 300:
                return True
            failure = f"answered HTTP {status}"
        last = attempt == attempts
        logger.warning(
            "Callback %s to %s failed (attempt %d of %d): %s; %s",
            message_id,
            origin,
            attempt,
            attempts,
            failure,
            "giving up" if last else f"retrying in {delay:g} s",
            extra={"callback_id": message_id, "attempt": attempt},
        )
        if not last:
            sleep(delay)
            delay *= 2
    return False


def _origin(url: str) -> str:
    """What the logs name of a callback URL: scheme and host, since its path or query may
    carry the receiver's own token."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}"


def _post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, addresses: list[str]
) -> int:
    """One POST to one of `addresses`: the status of the answer. Redirects are not followed
    (http.client never does), so a 3xx is just a status that is not 2xx."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connection: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        context = ssl.create_default_context()
        connection = _PinnedHTTPSConnection(host, parts.port, addresses, timeout, context)
    else:
        connection = _PinnedHTTPConnection(host, parts.port, addresses, timeout)
    # `timeout` bounds each socket operation; the timer bounds the attempt as a whole, as a
    # receiver sending its answer a byte at a time would otherwise hold this thread for long.
    expired = threading.Event()
    timer = threading.Timer(timeout, _abort, args=(connection, expired))
    timer.daemon = True
    timer.start()
    try:
        connection.connect()
        if expired.is_set():
            raise TimeoutError("the callback attempt ran out of time")
        connection.request("POST", target, body=body, headers={**headers, "connection": "close"})
        response = connection.getresponse()
        with contextlib.suppress(OSError, http.client.HTTPException):
            response.read(RESPONSE_READ_LIMIT)  # the answer's body is ignored; its status counts
        return response.status
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError(f"the callback attempt took longer than {timeout:g} s") from None
        raise
    finally:
        timer.cancel()
        connection.close()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the host's name (its Host header) on one of the addresses checked for it."""

    def __init__(self, host: str, port: int | None, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one of the addresses checked, its certificate verified for the host's name
    (and the name sent as SNI and Host)."""

    def __init__(
        self,
        host: str,
        port: int | None,
        addresses: list[str],
        timeout: float,
        context: ssl.SSLContext,
    ):
        super().__init__(host, port, timeout=timeout, context=context)
        self.addresses = addresses
        self.tls = context

    def connect(self) -> None:
        plain = _connect(self.addresses, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(plain, server_hostname=self.host)
        except BaseException:
            plain.close()
            raise


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of `addresses` that takes one."""
    error: OSError = OSError("callback_url's host has no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as failed:
            error = failed
    raise error


def _abort(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """Ends an attempt that ran out of time: shutting the socket down wakes the read blocked
    on it (the plain socket's shutdown, under any TLS layer, which is not thread-safe)."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
