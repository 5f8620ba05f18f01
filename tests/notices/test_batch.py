from __future__ import annotations

import re

import pytest

from inspection.notices.renderer import NoticeDocumentSpec, render_batch, render_many, render_notice
from inspection.notices.samples import sample_snapshot
from tests.notices import pdftools as P
from tests.notices.conftest import VERIFY_CODE, VERIFY_URL, issued


@pytest.fixture(scope="module")
def letters():
    return [
        issued(sample_snapshot("rectification"), "黔西未保办改〔2026〕1号"),
        issued(sample_snapshot("referral"), "黔西未保办问〔2026〕1号"),
        issued(sample_snapshot("rectification", township=("520581107", "永燊彝族苗族乡")),
               "黔西未保办改〔2026〕2号"),
    ]


def test_a_batch_is_one_pdf_holding_every_letter_each_numbered_from_page_one(renderer, letters):
    singles = [renderer.render(spec) for spec in letters]
    batch = render_batch(letters)
    assert P.page_count(batch) == sum(P.page_count(pdf) for pdf in singles)
    text = P.text(batch)
    for number in ("黔西未保办改〔2026〕1号", "黔西未保办问〔2026〕1号", "黔西未保办改〔2026〕2号"):
        assert number in text
    assert len(re.findall(r"—\s*1\s*—", text)) == 3
    assert "永燊彝族苗族乡" in text


def test_render_many_returns_one_pdf_per_letter_in_order(renderer, letters):
    pdfs = render_many(letters, processes=1)
    assert [re.search(r"黔西未保办.〔2026〕\d+号", P.text(pdf)).group() for pdf in pdfs] == [
        "黔西未保办改〔2026〕1号", "黔西未保办问〔2026〕1号", "黔西未保办改〔2026〕2号"]


def test_an_issued_letter_needs_its_number_and_verification(renderer):
    with pytest.raises(ValueError, match="number"):
        render_notice(sample_snapshot("rectification"), draft=False, number=None,
                      verify_code=VERIFY_CODE, verify_url=VERIFY_URL)


def test_the_same_snapshot_renders_the_same_bytes(renderer):
    spec = issued(sample_snapshot("referral"), "黔西未保办问〔2026〕7号")
    assert renderer.render(spec) == renderer.render(spec)


def test_a_draft_needs_nothing_but_its_snapshot(renderer):
    pdf = renderer.render(NoticeDocumentSpec(sample_snapshot("circular"), draft=True))
    assert "草稿" in P.text(pdf)
