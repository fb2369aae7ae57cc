"""Job callbacks against a real receiving HTTP server on loopback: signatures checked with the
`standardwebhooks` package (independent of our signer), retries, redirects, timeouts, and the
address check of callback URLs."""

import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import trustme
from standardwebhooks import Webhook, WebhookVerificationError

from app.core.errors import ServiceError
from app.jobs import callbacks
from app.jobs.callbacks import (
    CallbackRefused,
    check_callback_url,
    deliver,
    finished_payload,
    signed_headers,
)
from tests.helpers.receiver import Received, Receiver

# Standard Webhooks' form: base64 after whsec_ (the key of the spec's reference test vector).
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PLAIN_SECRET = "not base64: a plain secret!"
BODY = b'{"type":"job.finished","data":{"id":"j_1"}}'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


class Sleeps:
    """A `sleep` that records the delays asked for and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def warnings_logged() -> Iterator[list[logging.LogRecord]]:
    """The records of the "app.jobs" logger (whose parent may not propagate to pytest's)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("app.jobs")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def verify(request: Received, secret: str | bytes = WHSEC) -> Any:
    """What the receiver's side of Standard Webhooks does: the reference library's check."""
    return Webhook(secret).verify(request.body, request.headers)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# Signing


def test_signature_matches_the_spec_reference_vector() -> None:
    headers = signed_headers(
        WHSEC, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )

    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["content-type"] == "application/json"
    assert "ocr-service" in headers["user-agent"]


def test_a_secret_without_whsec_prefix_is_the_key_as_utf8_bytes() -> None:
    now = int(time.time())
    headers = signed_headers(PLAIN_SECRET, "j_1", now, BODY)
    request = Received("POST", "/", headers, BODY)

    assert verify(request, PLAIN_SECRET.encode()) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        verify(request, "whsec_" + "QUJD")  # another key fails: the check is a real one


def test_delivery_is_signed_and_verified_by_the_receiver(receiver: Receiver) -> None:
    url = f"{receiver.base}/hooks/ocr?tenant=7"

    delivered = deliver(url, BODY, secret=WHSEC, message_id="j_abc", allow_private=True, attempts=1)

    assert delivered
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/ocr?tenant=7")
    assert verify(request) == json.loads(BODY)
    assert request.headers["webhook-id"] == "j_abc"
    assert request.headers["content-type"] == "application/json"
    assert "ocr-service" in request.headers["user-agent"]


def test_a_tampered_body_fails_verification(receiver: Receiver) -> None:
    assert deliver(
        receiver.base, BODY, secret=WHSEC, message_id="j_1", allow_private=True, attempts=1
    )
    [request] = receiver.requests

    with pytest.raises(WebhookVerificationError):
        verify(Received("POST", "/", request.headers, BODY.replace(b"j_1", b"j_2")))


# Retries


class Clock:
    """The module's clock, moved on by the recorded sleeps (so no real waiting)."""

    def __init__(self) -> None:
        self.now = time.time()
        self.delays: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


def test_500s_are_retried_with_doubling_delays_and_fresh_signatures(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.statuses = [500, 500, 204]
    clock = Clock()
    monkeypatch.setattr(callbacks, "time", clock)

    delivered = deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_retry",
        allow_private=True,
        attempts=5,
        sleep=clock.sleep,
    )

    assert delivered
    assert len(receiver.requests) == 3
    assert clock.delays == [1.0, 2.0]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"j_retry"}
    start = int(clock.now) - 3
    assert [int(r.headers["webhook-timestamp"]) for r in receiver.requests] == [
        start,
        start + 1,
        start + 3,
    ]
    for request in receiver.requests:
        verify(request)


def test_any_2xx_is_success(receiver: Receiver) -> None:
    receiver.statuses = [202]
    sleeps = Sleeps()

    assert deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=3,
        sleep=sleeps,
    )
    assert len(receiver.requests) == 1
    assert sleeps.delays == []


def test_attempts_exhausted_is_false_and_each_failure_is_logged_without_the_secret(
    receiver: Receiver, warnings_logged: list[logging.LogRecord]
) -> None:
    receiver.statuses = [500, 503, 400]
    sleeps = Sleeps()

    delivered = deliver(
        f"{receiver.base}/hook?token=receivers-own-token",
        BODY,
        secret=WHSEC,
        message_id="j_fail",
        allow_private=True,
        attempts=3,
        first_delay=0.5,
        sleep=sleeps,
    )

    assert not delivered
    assert len(receiver.requests) == 3
    assert sleeps.delays == [0.5, 1.0]
    assert [record.levelno for record in warnings_logged] == [logging.WARNING] * 3
    assert {record.name for record in warnings_logged} == {"app.jobs"}
    messages = [record.getMessage() for record in warnings_logged]
    assert "500" in messages[0]
    assert "503" in messages[1]
    assert "giving up" in messages[2]
    for message in messages:
        assert "j_fail" in message
        assert WHSEC not in message
        assert WHSEC.removeprefix("whsec_") not in message
        assert "receivers-own-token" not in message


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver: Receiver) -> None:
    receiver.mode = "redirect"
    sleeps = Sleeps()

    delivered = deliver(
        f"{receiver.base}/hook",
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=2,
        sleep=sleeps,
    )

    assert not delivered
    assert [r.path for r in receiver.requests] == ["/hook", "/hook"]
    assert sleeps.delays == [1.0]


def test_a_refused_connection_is_retried() -> None:
    sleeps = Sleeps()

    delivered = deliver(
        f"http://127.0.0.1:{closed_port()}/hook",
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=3,
        sleep=sleeps,
    )

    assert not delivered
    assert sleeps.delays == [1.0, 2.0]


def test_a_receiver_that_does_not_answer_times_out(
    receiver: Receiver, warnings_logged: list[logging.LogRecord]
) -> None:
    receiver.mode = "hang"
    started = time.monotonic()

    delivered = deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=1,
        timeout=0.3,
    )

    assert not delivered
    assert time.monotonic() - started < 5  # the receiver would hang for 10 s
    assert len(receiver.requests) == 1
    assert "Timeout" in warnings_logged[0].getMessage()


def test_the_timeout_bounds_an_answer_dripped_a_byte_at_a_time(receiver: Receiver) -> None:
    receiver.mode = "drip"  # every read succeeds within the timeout; the whole never ends
    started = time.monotonic()

    delivered = deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=1,
        timeout=0.5,
    )

    assert not delivered
    assert time.monotonic() - started < 5  # the drip lasts 10 s


def test_the_address_is_checked_before_every_attempt(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_check = callbacks.resolve_callback_url

    def recording_check(url: str, *, allow_private: bool) -> list[str]:
        checked.append(url)
        return real_check(url, allow_private=allow_private)

    monkeypatch.setattr(callbacks, "resolve_callback_url", recording_check)
    receiver.statuses = [500, 500, 500]

    deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=True,
        attempts=3,
        sleep=Sleeps(),
    )

    assert checked == [receiver.base] * 3
    assert len(receiver.requests) == 3


def rebinding_name(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """DNS rebinding: `name` answers loopback when first looked up and nothing at all after;
    the list of its lookups."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == name:
            lookups.append(host)
            if len(lookups) > 1:
                raise socket.gaierror(socket.EAI_NONAME, "the name changed")
            return real_getaddrinfo("127.0.0.1", *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    return lookups


def deliver_once(url: str) -> bool:
    return deliver(
        url, BODY, secret=WHSEC, message_id="j_1", allow_private=True, attempts=1, sleep=Sleeps()
    )


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """A test certificate authority the callbacks' TLS trusts (instead of the system's)."""
    ca = trustme.CA()
    real_context = ssl.create_default_context

    def trusting_ca(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = real_context(*args, **kwargs)
        ca.configure_trust(context)
        return context

    monkeypatch.setattr(callbacks.ssl, "create_default_context", trusting_ca)
    return ca


def tls_receiver(ca: trustme.CA, name: str) -> Receiver:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return Receiver(tls=context)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_connection_goes_to_the_address_checked_not_a_second_lookups(
    scheme: str, authority: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempt connects to the address checked, and still names the host: in its Host
    header, and over HTTPS as the name its certificate is verified for."""
    server = tls_receiver(authority, "callback.example") if scheme == "https" else Receiver()
    with server as receiver:
        port = receiver.server.server_address[1]
        lookups = rebinding_name(monkeypatch, "callback.example")
        assert deliver_once(f"{scheme}://callback.example:{port}/hook")
        assert lookups == ["callback.example"]  # looked up once: when checked
        (request,) = receiver.requests
        assert request.headers["host"] == f"callback.example:{port}"
        assert request.path == "/hook"
        verify(request)


def test_https_refuses_a_certificate_for_another_name(
    authority: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The address is pinned, the name is still what the certificate must prove.
    with tls_receiver(authority, "someone-else.example") as receiver:
        port = receiver.server.server_address[1]
        rebinding_name(monkeypatch, "callback.example")
        assert not deliver_once(f"https://callback.example:{port}/hook")
        assert receiver.requests == []


def test_a_loopback_receiver_is_never_called_without_allow_private(
    receiver: Receiver, warnings_logged: list[logging.LogRecord]
) -> None:
    sleeps = Sleeps()

    delivered = deliver(
        receiver.base,
        BODY,
        secret=WHSEC,
        message_id="j_1",
        allow_private=False,
        attempts=2,
        sleep=sleeps,
    )

    assert not delivered
    assert receiver.requests == []
    assert sleeps.delays == [1.0]
    assert "CALLBACK_ALLOW_PRIVATE" in warnings_logged[0].getMessage()


# The address check


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://2130706433/hook",
        "http://0x7f.1/hook",
        "http://0177.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:a9fe:a9fe]/hook",
        "http://[2002:7f00:1::]/hook",
        "https://127.0.0.1:8443/hook",
    ],
)
def test_non_global_addresses_are_refused(url: str) -> None:
    with pytest.raises(CallbackRefused) as caught:
        check_callback_url(url, allow_private=False)

    assert isinstance(caught.value, ServiceError)
    assert caught.value.status_code == 422
    assert "CALLBACK_ALLOW_PRIVATE" in caught.value.detail


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://169.254.169.254/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://100.64.0.1/", "non-global"),
        # An IPv6 address carrying an IPv4 one is judged by the IPv4 one.
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[::ffff:a9fe:a9fe]/", "link-local"),
        ("http://[2002:7f00:1::]/", "loopback"),
    ],
)
def test_the_refusal_names_the_kind_of_address(url: str, kind: str) -> None:
    with pytest.raises(CallbackRefused) as caught:
        check_callback_url(url, allow_private=False)

    assert f"a {kind} address" in caught.value.detail


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://93.184.215.14/hook", "http"),
        ("file:///etc/passwd", "http"),
        ("93.184.215.14/hook", "http"),
        ("//93.184.215.14/hook", "http"),
        ("/hook", "http"),
        ("http:///hook", "host"),
        ("http://user:pass@93.184.215.14/hook", "credentials"),
        ("http://user@93.184.215.14/hook", "credentials"),
        ("http://93.184.215.14:99999/hook", "port"),
        ("http://93.184.215.14/" + "a" * 2000, "2000"),
        ("http://93.184.215.14/a b", "ASCII"),
        ("http://93.184.215.14/a\r\nX-Injected: 1", "ASCII"),
        ("http://name.invalid/hook", "does not resolve"),
    ],
)
def test_urls_that_are_not_allowed_are_refused_saying_why(url: str, says: str) -> None:
    for allow_private in (False, True):
        with pytest.raises(CallbackRefused) as caught:
            check_callback_url(url, allow_private=allow_private)

        assert caught.value.status_code == 422
        assert says in caught.value.detail
        assert "CALLBACK_ALLOW_PRIVATE" not in caught.value.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.0.0.5/",
    ],
)
def test_allow_private_accepts_private_addresses(url: str) -> None:
    assert check_callback_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/hooks/ocr?tenant=7",
        "HTTP://93.184.215.14:8080/",
        "http://[2606:4700::1111]/hook",
        "http://93.184.215.14/" + "a" * (2000 - len("http://93.184.215.14/")),
    ],
)
def test_public_addresses_are_accepted(url: str) -> None:
    # getaddrinfo on an IP literal needs no DNS, so no network either.
    assert check_callback_url(url, allow_private=False) == url


# The message


def test_finished_payload_is_compact_json_with_an_iso_utc_timestamp() -> None:
    moment = datetime(2026, 12, 1, 21, 0, 5, tzinfo=UTC)
    links = {"self": "/v1/jobs/j_1", "result": "/v1/jobs/j_1/result"}

    payload = finished_payload("j_1", "succeeded", links, int(moment.timestamp()))

    assert json.loads(payload) == {
        "type": "job.finished",
        "timestamp": "2026-12-01T21:00:05Z",
        "data": {"id": "j_1", "status": "succeeded", "links": links},
    }
    assert b" " not in payload
