"""Fuzzing: schemathesis over the OpenAPI schema, hypothesis over validators and option parsing."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import ServiceError, UnprocessableOption
from app.ocr.decoding.documents import Limits, load_pages, parse_pages
from app.ocr.decoding.images import decode_image
from app.ocr.engines.tessdata import check_languages
from tests.conftest import TEST_TOKEN, LiveServer, text_image
from tests.helpers.documents import pdf_with_text_layer

INSTALLED = ["deu", "eng", "fra"]


@pytest.mark.e2e
def test_no_request_the_schema_allows_causes_a_server_error(live_server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/", "/v1/ocr", "/img-echo/", "/v1/languages"}
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15, deadline=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {TEST_TOKEN}"}, timeout=60)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            statuses.append(response.status_code)

        call()
    assert len(statuses) >= 3 * len(operations)
    assert any(400 <= status < 500 for status in statuses)


@given(st.binary(max_size=4096))
@settings(max_examples=300, deadline=None)
def test_any_bytes_are_an_image_or_a_domain_error(data: bytes) -> None:
    try:
        image, kind = decode_image(data, max_pixels=4_000_000)
    except ServiceError as error:
        assert 400 <= error.status_code < 500
    else:
        assert image.width * image.height <= 4_000_000
        assert kind.media_type.startswith("image/")


VALID_PNG = text_image("fuzz", size=12)


@given(st.integers(min_value=0, max_value=len(VALID_PNG)), st.binary(min_size=1, max_size=64))
@settings(max_examples=200, deadline=None)
def test_corrupted_images_never_escape_as_other_errors(offset: int, junk: bytes) -> None:
    data = VALID_PNG[:offset] + junk + VALID_PNG[offset + len(junk) :]
    try:
        decode_image(data, max_pixels=4_000_000)
    except ServiceError as error:
        assert 400 <= error.status_code < 500


VALID_PDF = pdf_with_text_layer(["Fuzz line one", "Fuzz line two"])
PDF_TOKENS = [
    b"0", b"-1", b"99999999", b"R", b"<<", b">>", b"/Kids", b"/Count", b"1 0 R", b"2 0 R",
    b"/Parent", b"endobj", b"/Length 0", b"/Rotate 45", b"/MediaBox[0 0 1e30 1]",
]  # fmt: skip


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(VALID_PDF) - 1),
            st.one_of(st.sampled_from(PDF_TOKENS), st.binary(min_size=0, max_size=8)),
            st.integers(min_value=0, max_value=16),
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=200, deadline=None)
def test_corrupted_pdfs_never_escape_as_other_errors(edits: list[tuple[int, bytes, int]]) -> None:
    data = bytearray(VALID_PDF)
    for offset, junk, cut in edits:
        data[offset : offset + cut] = junk
    try:
        list(load_pages(bytes(data), Limits(max_pixels=4_000_000, max_pages=5), None))
    except ServiceError as error:
        assert 400 <= error.status_code < 500


@given(st.text(max_size=40))
@settings(max_examples=500, deadline=None)
def test_page_selection_parses_or_refuses_with_422(spec: str) -> None:
    try:
        pages = parse_pages(spec)
    except UnprocessableOption as error:
        assert error.status_code == 422
    else:
        assert pages is None or all(page >= 1 for page in pages)


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8))
def test_page_selection_round_trips(numbers: list[int]) -> None:
    assert parse_pages(",".join(map(str, numbers))) == set(numbers)


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_languages_are_installed_ones_or_refused(lang: str) -> None:
    try:
        accepted = check_languages(lang, INSTALLED)
    except ServiceError as error:
        assert error.status_code == 400
    else:
        assert all(part in INSTALLED for part in accepted.split("+"))
