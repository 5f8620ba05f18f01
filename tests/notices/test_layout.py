"""The letters are laid out the way GB/T 9704-2012 puts a 公文 on the page (read back from
the PDF bytes with poppler and pypdf)."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from tests.notices import pdftools as P
from tests.notices.conftest import GRID_TEXT, NUMBER, VERIFY_URL

RED = (0xE6, 0x00, 0x12)


def is_red(pixel) -> bool:
    r, g, b = pixel
    return r > 190 and g < 90 and b < 90


def red_pixels(img, top_mm: float, bottom_mm: float, dpi: int):
    px = img.load()
    per_mm = dpi / 25.4
    found = []
    for y in range(int(top_mm * per_mm), int(bottom_mm * per_mm)):
        for x in range(img.width):
            if is_red(px[x, y]):
                found.append((x / per_mm, y / per_mm))
    return found


@pytest.fixture(scope="module")
def first_page(summons_pdf):
    return P.image(summons_pdf, 1, dpi=150)


def test_every_page_is_a4(summons_pdf):
    reader = pypdf.PdfReader(io.BytesIO(summons_pdf))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(P.PAGE_W, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(P.PAGE_H, abs=0.5)


def test_the_document_language_is_simplified_chinese(summons_pdf):
    reader = pypdf.PdfReader(io.BytesIO(summons_pdf))
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_every_font_is_embedded_as_a_subset_with_unicode_mapping(summons_pdf, circular_pdf):
    for pdf in (summons_pdf, circular_pdf):
        rows = P.fonts(pdf)
        assert rows
        for row in rows:
            assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
            assert re.match(r"^[A-Z]{6}\+", row["name"]), row


def test_the_number_is_centred_under_the_red_mark_in_the_gbt_form(summons_pdf):
    number_lines = [ln for ln in P.lines(summons_pdf, 1) if "〔" in ln.text]
    assert [ln.text for ln in number_lines] == [NUMBER]
    assert re.fullmatch(r"黔西未保办约〔2026〕[1-9]\d*号", number_lines[0].text)
    centre = (number_lines[0].x0 + number_lines[0].x1) / 2
    assert centre == pytest.approx((P.TEXT_LEFT + P.TEXT_RIGHT) / 2, abs=1.5)


def test_the_authority_mark_is_red_centred_35mm_below_the_top_of_the_text_area(first_page):
    mark = red_pixels(first_page, 60, 100, dpi=150)
    assert len(mark) > 2000  # a line of large red characters, not a speck
    xs, ys = [p[0] for p in mark], [p[1] for p in mark]
    assert min(ys) - 37 == pytest.approx(35, abs=1.5)
    assert (min(xs) + max(xs)) / 2 == pytest.approx(28 + 156 / 2, abs=1.5)
    assert 28 - 0.5 <= min(xs) and max(xs) <= 184 + 0.5


def test_the_red_rule_spans_the_text_area_4mm_under_the_number(summons_pdf, first_page):
    rule = red_pixels(first_page, 100, 140, dpi=150)
    ys = sorted({round(y, 2) for _, y in rule})
    assert ys and max(ys) - min(ys) < 1.5  # one thin horizontal line
    xs = [x for x, _ in rule]
    assert min(xs) == pytest.approx(28, abs=0.5)
    assert max(xs) == pytest.approx(184, abs=0.5)
    number = next(ln for ln in P.lines(summons_pdf, 1) if "〔" in ln.text)
    # pdftotext's box bottom is the font's descent, about 1 mm below the characters' feet
    assert min(ys) - number.y1 / P.MM == pytest.approx(4, abs=1.5)


def test_the_mark_and_rule_are_painted_in_red_in_the_content_stream(summons_pdf):
    content = pypdf.PdfReader(io.BytesIO(summons_pdf)).pages[0].get_contents().get_data().decode("latin-1")
    colours = {tuple(float(c) for c in m.groups()) for m in
               re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) rg", content)}
    assert any(r > 0.85 and g < 0.1 and b < 0.15 for r, g, b in colours)
    later = [pypdf.PdfReader(io.BytesIO(summons_pdf)).pages[i].get_contents().get_data().decode("latin-1")
             for i in (1, 2)]
    for page in later:  # only the first page carries the red head
        assert not re.search(r"0\.9\d* 0 0\.0\d* rg", page)


def test_title_is_22pt_and_body_16pt(summons_pdf):
    runs = P.font_runs(summons_pdf, 1)
    title = [size for text, _, size in runs if "约谈的通知" in text]
    body = [size for text, _, size in runs if "暗查暗访" in text and "通知" not in text]
    assert title and all(s == pytest.approx(22, abs=0.1) for s in title)
    assert body and all(s == pytest.approx(16, abs=0.1) for s in body)


def test_first_level_headings_are_heiti_and_second_level_kaiti(summons_pdf):
    runs = P.font_runs(summons_pdf, 1)
    heading1 = [font for text, font, _ in runs if "约谈事由" in text]
    heading2 = [font for text, font, _ in runs if "突出问题认定" in text]
    assert heading1 and all("Sans" in f for f in heading1)
    assert heading2 and all("Kai" in f for f in heading2)


def test_body_lines_hold_28_characters_inside_the_156mm_text_area(grid_pdf):
    page_lines = [ln for page in (1, 2) for ln in P.lines(grid_pdf, page)]
    grid = [ln for ln in page_lines if set(ln.text) <= set(GRID_TEXT)]
    full = [ln for ln in grid if ln.x0 == pytest.approx(P.TEXT_LEFT, abs=0.3)]
    assert len(full) > 22
    for ln in full[:-1]:  # the paragraph's last line may be short
        assert len(ln.text) == 28, ln
        assert ln.x1 <= P.TEXT_RIGHT + 0.3
        assert ln.x1 > P.TEXT_RIGHT - 16  # a 29th character would not have fitted
    first = next(ln for ln in page_lines if ln.text.startswith("1." + GRID_TEXT[:10]))
    assert first.x0 == pytest.approx(P.TEXT_LEFT + 2 * 15.77, abs=0.5)  # 左空二字
    assert first.x1 <= P.TEXT_RIGHT + 0.3


def test_a_full_page_of_body_text_has_22_lines_inside_the_text_area(grid_pdf):
    body = [ln for ln in P.lines(grid_pdf, 2) if not ln.text.startswith("—")]
    assert len(body) == 22
    assert body[0].y0 >= P.TEXT_TOP - 3
    assert body[-1].y1 <= P.TEXT_BOTTOM
    pitches = {round(b.y0 - a.y0, 1) for a, b in zip(body, body[1:])}
    assert pitches == {28.9} or pitches == {29.0} or pitches <= {28.9, 29.0}


def test_page_numbers_are_dashed_odd_right_even_left_below_the_text_area(summons_pdf):
    for page in range(1, P.page_count(summons_pdf) + 1):
        numbers = [ln for ln in P.lines(summons_pdf, page) if re.fullmatch(r"—\s*\d+\s*—", ln.text)]
        assert len(numbers) == 1, page
        number = numbers[0]
        assert re.sub(r"\D", "", number.text) == str(page)
        assert number.y0 > P.TEXT_BOTTOM + 2 * P.MM
        if page % 2:
            assert number.x1 == pytest.approx(P.TEXT_RIGHT - 14, abs=3)  # 居右空一字
        else:
            assert number.x0 == pytest.approx(P.TEXT_LEFT + 14, abs=3)  # 居左空一字


def test_banji_is_on_the_last_page_only_ending_at_the_bottom_of_the_text_area(summons_pdf):
    last = P.page_count(summons_pdf)
    for page in range(1, last):
        assert "印发" not in P.text(summons_pdf, page=page)
    printed = [ln for ln in P.lines(summons_pdf, last) if ln.text.endswith("印发")]
    assert len(printed) == 1
    assert printed[0].y1 == pytest.approx(P.TEXT_BOTTOM, abs=6)
    assert "2026年12月1日印发" in printed[0].text
    cc = [ln for ln in P.lines(summons_pdf, last) if ln.text.startswith("抄送：")]
    assert cc and cc[0].y1 < printed[0].y0


def test_signature_and_date_stand_with_the_last_paragraph(summons_pdf):
    # the 附件 follow on pages of their own: the signature is on the last page before them
    last = next(n for n in range(1, P.page_count(summons_pdf) + 1)
                if "不得委托他人代为参加" in P.flat(P.text(summons_pdf, page=n)))
    page_text = P.flat(P.text(summons_pdf, page=last))
    assert "不得委托他人代为参加" in page_text  # the closing paragraph
    assert "附件：暗查暗访问题清单" in page_text  # one 附件: no ordinal
    lines = P.lines(summons_pdf, last)
    org = next(ln for ln in lines if ln.text == "黔西市未成年人保护工作委员会办公室")
    date = next(ln for ln in lines if ln.text == "2026年12月1日")
    assert org.x1 == pytest.approx(P.TEXT_RIGHT - 2 * 15.77, abs=1)  # 右空二字
    assert date.x0 == pytest.approx(org.x0 + 2 * 15.77, abs=1)  # 首字右移二字
    assert date.y0 > org.y0


def test_issued_letter_shows_its_verification_code_and_a_qr_code_for_the_verify_page(summons_pdf):
    import shutil
    import subprocess
    import tempfile

    # issue 15: the code is the 版记's first row on the last page; the band above the red mark
    # is GB/T 9704's place for 份号 and 密级
    last = P.page_count(summons_pdf)
    code = next(ln for ln in P.lines(summons_pdf, last) if "7KQ2-M9XD-4HTP" in ln.text)
    printed = next(ln for ln in P.lines(summons_pdf, last) if ln.text.endswith("印发"))
    assert code.y1 < printed.y0 and code.x1 <= P.TEXT_RIGHT + 0.5
    assert "7KQ2-M9XD-4HTP" not in P.text(summons_pdf, page=1)
    assert VERIFY_URL in P.flat(P.text(summons_pdf, page=last))
    assert shutil.which("zbarimg"), "zbarimg missing: make install brings the Debian package zbar-tools"
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        P.image(summons_pdf, last, dpi=150).save(f.name)
        out = subprocess.run(["zbarimg", "-q", "--raw", f.name], capture_output=True, text=True).stdout
    assert out.strip() == VERIFY_URL


def test_a_draft_says_so_and_has_no_number_code_or_qr(draft_pdf):
    text = P.text(draft_pdf)
    assert "草稿" in text
    assert "〔" not in text and "号" not in P.lines(draft_pdf, 1)[1].text
    assert "验证码" not in text and "/verify/" not in text


def test_a_long_title_breaks_between_words(circular_pdf):
    titles = [ln.text for ln in P.lines(circular_pdf, 1) if "通报" in ln.text or "关于" in ln.text]
    assert titles[:2] == ["关于2026年第49周未成年人保护工作", "暗查暗访情况的通报"]


def test_circular_ranks_the_weeks_townships_and_names_no_child(circular_pdf):
    text = P.flat(P.text(circular_pdf))
    positions = [text.index(name) for name in ("锦星镇", "永燊彝族苗族乡", "文峰街道", "金碧镇")]
    assert positions == sorted(positions)
    assert "平均得分78.3分" in text
    assert "控辍保学台账未及时更新" in text


def test_a_summons_with_nothing_to_bring_prints_no_empty_heading_for_it(renderer, summons_pdf):
    from inspection.notices.samples import sample_snapshot
    from tests.notices.conftest import issued

    assert "（五）需携带材料" in P.flat(P.text(summons_pdf))
    snapshot = sample_snapshot("summons")
    snapshot["meeting"]["bring"] = []
    text = P.flat(P.text(renderer.render(issued(snapshot))))
    assert "需携带材料" not in text
    assert "约谈人" in text and "参加人员" in text
