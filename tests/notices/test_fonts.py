from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont

from inspection.notices import fonts
from inspection.notices.renderer import NoticeRenderer
from inspection.notices.samples import sample_snapshot
from tests.notices import pdftools as P
from tests.notices.conftest import issued


def test_the_subset_covers_gb2312_ascii_and_the_punctuation_of_a_notice():
    chars = set(fonts.subset_characters())
    assert len([c for c in chars if "\u4e00" <= c <= "\u9fff"]) == 6763  # GB2312 hanzi
    assert set("0123456789ABCabc-./:") <= chars
    assert set("〔〕，。、：；（）“”《》—") <= chars
    assert "燊" not in chars


def test_the_built_subsets_carry_their_own_names_not_the_system_faces(renderer):
    built = fonts.built_subsets()
    assert {f["family"] for f in built} >= {"Ancha Serif SC", "Ancha Sans SC"}
    for face in built:
        font = TTFont(face["path"], lazy=True)
        family = font["name"].getDebugName(1)
        assert family == face["family"]
        assert "Noto" not in family and "UKai" not in family
        cmap = font.getBestCmap()
        assert ord("黔") in cmap and ord("燊") not in cmap


def test_building_again_does_nothing_when_nothing_changed(renderer):
    assert fonts.build() == []


def test_the_css_stack_puts_the_subset_first_and_ends_with_an_installed_cjk_face(renderer):
    stacks = fonts.font_stacks()
    installed = fonts.installed_families()
    for stack in (stacks.fangsong, stacks.xiaobiaosong, stacks.heiti, stacks.kaiti):
        assert stack[0].startswith("Ancha ") or stack[0] in installed
        assert stack[-1] in installed
        assert any(f in installed and "CJK" in f or "UKai" in f for f in stack)
    assert stacks.fangsong.index("Ancha Serif SC") < stacks.fangsong.index("Noto Serif CJK SC")


def test_government_faces_come_first_only_when_installed(renderer):
    stacks = fonts.font_stacks()
    installed = fonts.installed_families()
    for gov in fonts.GOV_FANGSONG:
        assert (gov in stacks.fangsong) == (gov in installed)


def test_the_renderer_still_works_without_the_subset():
    renderer = NoticeRenderer(use_subset=False)
    snapshot = sample_snapshot("rectification", township=("520581107", "永燊彝族苗族乡"))
    pdf = renderer.render(issued(snapshot, "黔西未保办改〔2026〕1号"))
    names = {row["name"].split("+", 1)[1] for row in P.fonts(pdf)}
    assert not any(n.startswith("Ancha") for n in names)
    assert "Noto-Serif-CJK-SC" in names
    assert "永燊彝族苗族乡" in P.text(pdf)


def test_harfbuzz_subsetting_is_available_here():
    assert fonts.harfbuzz_subset_available()


def test_the_startup_check_is_silent_when_all_is_well(renderer):
    out = io.StringIO()
    assert fonts.check_font_setup(stream=out) == []
    assert out.getvalue() == ""


def test_the_startup_check_shouts_when_harfbuzz_subset_is_missing(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "harfbuzz_subset_available", lambda: False)
    out = io.StringIO()
    problems = fonts.check_font_setup(stream=out)
    assert len(problems) == 1 and "libharfbuzz-subset0" in problems[0]
    assert "!!!!" in out.getvalue() and "libharfbuzz-subset0" in out.getvalue()
    assert any(r.levelname == "ERROR" and "libharfbuzz-subset0" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("pattern,expected", [
    ("Noto Serif CJK SC:style=Regular", True),
    ("方正小标宋_GBK-未安装", False),
])
def test_locate_face_finds_only_faces_that_are_really_installed(pattern, expected):
    assert (fonts.locate_face(pattern) is not None) == expected
