"""A long unbroken word in a finding wraps in the issued letter instead of running off the page:
the signed, hashed letter keeps every character the inspector wrote."""

import re
import uuid

import pytest

from inspection.models import Notice
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401
from tests.notices import pdftools
from tests.notices.workflow import media  # noqa: F401

pytestmark = pytest.mark.django_db

# 2,000 characters without a space or a break opportunity: a pasted ledger reference, a URL,
# a run of digits. Mixed, so that a clipped stretch cannot hide behind a repeat.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LONG_WORD = "".join(ALPHABET[(i * 7 + i // 36) % len(ALPHABET)] for i in range(2_000))


def file_and_submit(api, li, inspection):
    client = api(li)
    filed = client.post_json(
        f"/api/v1/inspections/{inspection.pk}/findings",
        {"item_id": item(inspection, 4).pk, "text": LONG_WORD},
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert filed.status_code == 201, filed.content
    assert client.post(f"/api/v1/inspections/{inspection.pk}/submit").status_code == 200


def issued_pdf(api, wang, notice_id) -> bytes:
    issued = api(wang).post(f"/api/v1/notices/{notice_id}/issue")
    assert issued.status_code == 200, issued.content
    pdf = api(wang).get(f"/api/v1/notices/{notice_id}/pdf")
    assert pdf.status_code == 200
    body = b"".join(pdf.streaming_content) if getattr(pdf, "streaming", False) else pdf.content
    assert body.startswith(b"%PDF-")
    return body


def assert_whole_and_inside(body: bytes):
    # the word runs over a page break: leave out the page numbers (— 1 —) between its halves
    text = re.sub(r"—\d+—", "", pdftools.flat(pdftools.text(body)))
    assert LONG_WORD in text
    # and it stays inside the text area: no line of any page runs past the right margin
    pages = pdftools.text(body).count("\f") or 1
    for page in range(1, pages + 1):
        for line in pdftools.lines(body, page):
            assert line.x1 <= pdftools.TEXT_RIGHT + 1, (page, line)


def test_a_2000_character_unbroken_finding_appears_whole_in_the_issued_letter(api, li, wang, dispatched, media):
    file_and_submit(api, li, dispatched)
    draft = Notice.objects.get(inspection=dispatched, kind="rectification")
    assert_whole_and_inside(issued_pdf(api, wang, draft.pk))


def test_and_whole_in_the_weeks_issued_circular(api, li, wang, chen, dispatched, media):
    file_and_submit(api, li, dispatched)
    year, week, _ = dispatched.date.isocalendar()
    drafted = api(wang).post_json("/api/v1/notices/circulars", {"week": f"{year}-W{week:02d}"})
    assert drafted.status_code == 201, drafted.content
    # wang drafted the circular, so another person of the office signs it off
    assert_whole_and_inside(issued_pdf(api, chen, drafted.json()["id"]))
