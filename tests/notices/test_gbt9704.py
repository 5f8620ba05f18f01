"""Done-when check of issue 15: the summons, rectification, referral and circular PDFs, read back
from their bytes with pypdf and poppler, are laid out as GB/T 9704-2012 says, carry their 附件,
and print no Latin letter outside the verification code and address.  Screenshots of every
page go to test-artifacts/letters/."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from inspection.notices import phrasing
from inspection.notices.samples import sample_snapshot
from tests.notices import pdftools as P
from tests.notices.conftest import GRID_TEXT, VERIFY_CODE, VERIFY_URL, issued

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "letters"
KINDS = {"summons": "约", "rectification": "改", "referral": "问", "circular": "通"}
CELL = 15.77  # one character of the 28-character line, in pt


@pytest.fixture(scope="module", params=list(KINDS))
def letter(request, renderer):
    kind = request.param
    pdf = renderer.render(issued(sample_snapshot(kind), f"黔西未保办{KINDS[kind]}〔2026〕7号"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{kind}.pdf"
    path.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{kind}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / kind)], check=True)
    return kind, pdf


def test_a4_and_the_text_area_inside_the_margins(letter):
    kind, pdf = letter
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        assert float(page.mediabox.width) == pytest.approx(P.PAGE_W, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(P.PAGE_H, abs=0.5)
    lefts, tops = [], []
    for n in range(1, P.page_count(pdf) + 1):
        for ln in P.lines(pdf, n):
            if re.fullmatch(r"—\s*\d+\s*—", ln.text):
                continue
            assert ln.x0 >= P.TEXT_LEFT - 1 * P.MM and ln.x1 <= P.TEXT_RIGHT + 1 * P.MM, (kind, n, ln)
            lefts.append(ln.x0)
            tops.append(ln.y0)
    # 订口 28 mm ±1: the flush-left lines start there; 天头 37 mm ±1: nothing above it
    assert min(lefts) / P.MM == pytest.approx(28, abs=1)
    assert min(tops) / P.MM >= 37 - 1


def test_red_mark_red_rule_and_the_number_form(letter):
    kind, pdf = letter
    content = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    reds = [m for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) (rg|RG)", content)
            if float(m[1]) > 0.85 and float(m[2]) < 0.1 and float(m[3]) < 0.15]
    assert reds, kind
    img = P.image(pdf, 1, dpi=100)
    px, per_mm = img.load(), 100 / 25.4
    red_rows = {y for y in range(int(60 * per_mm), int(140 * per_mm)) for x in range(0, img.width, 2)
                if px[x, y][0] > 190 and px[x, y][1] < 90 and px[x, y][2] < 90}
    assert red_rows and min(red_rows) / per_mm == pytest.approx(37 + 35, abs=1.5)  # the mark's top
    number = next(ln.text for ln in P.lines(pdf, 1) if "〔" in ln.text)  # the first: under the rule
    assert re.fullmatch(r"黔西未保办.〔2026〕[1-9]\d*号", number)


def test_the_body_grid_is_22_lines_of_28_characters(renderer):
    snapshot = sample_snapshot("rectification")
    snapshot["findings"] = [{"area": "组织领导", "item": None, "severity": "major", "text": GRID_TEXT,
                             "location": None, "observed_at": None}]
    pdf = renderer.render(issued(snapshot, "黔西未保办改〔2026〕12号"))
    body = [ln for ln in P.lines(pdf, 2) if not ln.text.startswith("—")]
    assert len(body) == 22
    full = [ln for ln in body if set(ln.text) <= set(GRID_TEXT) and ln.x0 == pytest.approx(P.TEXT_LEFT, abs=0.3)]
    assert full and all(len(ln.text) == 28 for ln in full[:-1])


def test_page_numbers_at_the_foot(letter):
    kind, pdf = letter
    for n in range(1, P.page_count(pdf) + 1):
        numbers = [ln for ln in P.lines(pdf, n) if re.fullmatch(r"—\s*\d+\s*—", ln.text)]
        assert len(numbers) == 1 and re.sub(r"\D", "", numbers[0].text) == str(n), (kind, n)
        assert numbers[0].y0 > P.TEXT_BOTTOM


def test_banji_with_cc_printed_and_verification_on_the_last_page_only(letter):
    kind, pdf = letter
    last = P.page_count(pdf)
    for n in range(1, last):
        page = P.flat(P.text(pdf, page=n))
        assert "印发" not in page and VERIFY_CODE not in page, (kind, n)
    lines = P.lines(pdf, last)
    printed = [ln for ln in lines if ln.text.endswith("印发")]
    cc = [ln for ln in lines if ln.text.startswith("抄送：")]
    code = [ln for ln in lines if VERIFY_CODE in ln.text]
    assert len(printed) == 1 and cc and code
    assert code[0].y1 <= cc[0].y0 and cc[0].y1 <= printed[0].y0
    assert printed[0].y1 == pytest.approx(P.TEXT_BOTTOM, abs=6)
    assert VERIFY_URL in P.flat(P.text(pdf, page=last))
    # nothing above the red mark: GB/T 9704 keeps that band for 份号 and 密级
    assert all(ln.y0 > (37 + 30) * P.MM for ln in P.lines(pdf, 1))


def test_an_announced_attachment_follows_on_its_own_page(letter):
    kind, pdf = letter
    snapshot = sample_snapshot(kind)
    text = P.flat(P.text(pdf))
    if not snapshot["attachments"]:
        assert "附件" not in text
        return
    for name in snapshot["attachments"]:
        assert f"附件：{name}" in text or f"附件：1.{name}" in text
        annex = [n for n in range(2, P.page_count(pdf) + 1)
                 if P.lines(pdf, n) and P.lines(pdf, n)[0].text.startswith("附件")]
        assert annex, kind
        first = P.lines(pdf, annex[0])
        label, title = first[0], first[1]
        assert label.x0 == pytest.approx(P.TEXT_LEFT, abs=1)  # top left
        assert title.text == name
        assert (title.x0 + title.x1) / 2 == pytest.approx((P.TEXT_LEFT + P.TEXT_RIGHT) / 2, abs=2)
        fonts = {font for t, font, _ in P.font_runs(pdf, annex[0]) if t.strip() == "附件"}
        assert fonts and all("Sans" in f or "Hei" in f or "黑" in f for f in fonts)
        annex_text = P.flat(P.text(pdf, page=annex[0]))
        for finding in snapshot.get("findings", [])[:1]:
            assert finding["text"][:12] in annex_text


def test_no_latin_letter_outside_the_verification(letter):
    kind, pdf = letter
    text = P.text(pdf).replace(VERIFY_URL, "").replace(VERIFY_CODE, "")
    assert not re.findall(r"[A-Za-z]", text), (kind, re.findall(r"[A-Za-z]+", text))


def test_no_internal_label_or_awkward_phrase():
    for kind in ("summons", "rectification"):
        from inspection.notices.renderer import get_renderer
        html = get_renderer().html(issued(sample_snapshot(kind)))
        assert "（v1）" not in html and "第1版" not in html
    for terse, letter in [
        ("存在较重问题3项，达到3项", "检查发现较重问题3项，达到突出问题认定标准（3项及以上）。"),
        ("检查得分52分，低于60分", "检查得分52分，低于60分。"),
        ("6个月内已第3次被约谈（2026年7月1日、2026年9月1日、2026年12月1日）",
         "6个月内已第3次被约谈（分别于2026年7月1日、2026年9月1日、2026年12月1日）。"),
        ("整改期限2026年11月1日已过，催办提醒（2026年11月2日）后已16日仍未完成整改，超过15日",
         "整改期限已于2026年11月1日届满，2026年11月2日发出催办提醒后16日仍未完成整改，超过规定的15日。"),
        ("一句手写的理由。", "一句手写的理由。"),
    ]:
        assert phrasing.ground(terse) == letter
    assert phrasing.item_text("问题整改方案（加盖公章）") == "问题整改方案（加盖公章）。"
    assert phrasing.item_text("问题整改方案（加盖公章）。") == "问题整改方案（加盖公章）。"
