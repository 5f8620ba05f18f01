"""A county's licensed faces dropped into ANCHA_LETTER_FONTS_DIR, read back from real PDFs.

No licensed 仿宋 is on this machine, so the test faces are installed free faces renamed:
AR PL UKai cut to GB2312 and called 仿宋_GB2312 (its brush strokes make a body set in it
plainly different from the Noto Serif fallback), Noto Sans cut to GB2312 under a neutral
name and dropped as 黑体.otf (recognised by its file name).  Beside them lie the faults a
county meets: a file that is no font, a 小标宋 that lacks most of GB2312, a text file.
"""

from __future__ import annotations

import io
import shutil

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from inspection.notices import fontbuild, fonts, letterfaces
from inspection.notices.renderer import NoticeRenderer
from inspection.notices.samples import sample_snapshot
from tests.notices import pdftools as P
from tests.notices.conftest import issued

UKAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
SHORT_TEXT = "方正小标宋测试"


def _cut(source: str, index: int, out, family: str, *, zh_family: str | None = None) -> None:
    fontbuild.build_face(fonts.SubsetFace(family, 400, "", out.name), source, index, str(out))
    if zh_family:
        font = TTFont(str(out))
        font["name"].setName(zh_family, 1, 3, 1, 0x804)  # Windows, zh-CN: as a Chinese face is named
        font.save(str(out))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("letter-fonts")
    _cut(UKAI, 0, folder / "fs.ttf", "FangSong_GB2312", zh_family="仿宋_GB2312")
    sans, sans_index = fonts.locate_face("Noto Sans CJK SC:style=Regular")
    _cut(str(sans), sans_index, folder / "黑体.otf", "Ancha Test Sans")
    (folder / "楷体_GB2312.ttf").write_bytes(b"\x00\x01\x00\x00 this is not a font")
    short = TTFont(str(folder / "fs.ttf"))
    subsetter = subset.Subsetter()
    subsetter.populate(text=SHORT_TEXT)
    subsetter.subset(short)
    for record in short["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "方正小标宋简体"
    short.save(str(folder / "xbs.ttf"))
    (folder / "readme.txt").write_text("许可证见县委办存档", "utf-8")
    return folder


@pytest.fixture(scope="module")
def cache(renderer, tmp_path_factory):
    """A copy of the built subset cache with the dropped faces cut into it (var/fonts is
    left alone)."""
    cache = tmp_path_factory.mktemp("font-cache")
    shutil.copytree(fonts.FONT_DIR, cache, dirs_exist_ok=True)
    return cache


def test_faces_are_recognised_by_family_or_file_name_and_every_fault_is_said(folder):
    found = letterfaces.scan(folder)
    assert {k: (f.path.name, f.family) for k, f in found.faces.items()} == {
        "fangsong": ("fs.ttf", "FangSong_GB2312"), "heiti": ("黑体.otf", "黑体")}
    problems = "\n".join(found.problems)
    assert "“楷体_GB2312.ttf”无法读取" in problems
    lacking = 6763 - len(set(SHORT_TEXT))
    assert f"“xbs.ttf”（方正小标宋（发文机关标志、标题））缺少国标GB2312汉字{lacking}个" in problems
    assert "readme.txt" not in problems
    assert len(found.problems) == 2
    assert "Error" not in problems  # said for a person, not as an exception


def test_a_face_known_only_by_its_chinese_family_name_is_recognised(tmp_path, folder):
    font = TTFont(str(folder / "fs.ttf"))
    font["name"].names = [r for r in font["name"].names
                          if r.nameID not in (1, 4, 16) or r.langID == 0x804]
    font.save(str(tmp_path / "licensed.ttf"))
    found = letterfaces.scan(tmp_path)
    assert found.faces["fangsong"].family == "仿宋_GB2312" and not found.problems


def test_a_missing_folder_that_was_asked_for_is_said_and_the_default_one_is_silent(tmp_path):
    assert letterfaces.scan(tmp_path / "nowhere").problems == [
        f"公文字体文件夹“{tmp_path / 'nowhere'}”不存在，信函使用默认字体。"]
    assert letterfaces.scan().problems == [] and letterfaces.scan().faces == {}


def test_the_subset_cache_keys_on_the_dropped_files_hashes(folder, tmp_path):
    dropped, cache = tmp_path / "dropped", tmp_path / "cache"
    dropped.mkdir()
    shutil.copy(folder / "fs.ttf", dropped)
    shutil.copytree(fonts.FONT_DIR, cache)
    assert [p.name for p in fontbuild.build(cache, letter_dir=dropped)] == ["AnchaFangSong.ttf"]
    assert fontbuild.build(cache, letter_dir=dropped) == []  # unchanged: never rebuilt
    font = TTFont(str(dropped / "fs.ttf"))
    font["head"].fontRevision += 1  # a new release of the licensed face
    font.save(str(dropped / "fs.ttf"))
    assert [p.name for p in fontbuild.build(cache, letter_dir=dropped)] == ["AnchaFangSong.ttf"]
    built = {f["role"]: f for f in fonts.built_subsets(cache) if "role" in f}
    assert built["fangsong"]["source_sha256"] == fontbuild.file_sha256(dropped / "fs.ttf")
    assert TTFont(built["fangsong"]["path"])["name"].getDebugName(1) == "Ancha FangSong"


def _fonts_of(pdf: bytes) -> dict[str, set[str]]:
    runs = [run for page in (1, 2) for run in P.font_runs(pdf, page)]

    def of(needle: str) -> set[str]:
        found = {font.split("+", 1)[1] for text, font, _ in runs if needle in text}
        assert found, needle
        return found

    return {"body": of("根据未成年人保护工作暗查暗访安排"), "h1": of("发现的问题"),
            "h2": of("组织领导方面"), "title": of("关于")}


SHEN = ("520581107", "永燊彝族苗族乡")  # 燊 is outside GB2312: no dropped face has it


@pytest.fixture(scope="module")
def dropped_renderer(folder, cache):
    fontbuild.build(cache, letter_dir=folder)
    return NoticeRenderer(font_dir=cache, letter_dir=folder)


def _letter():
    return issued(sample_snapshot("rectification", township=SHEN), "黔西未保办改〔2026〕1号")


@pytest.fixture(scope="module")
def dropped_pdf(dropped_renderer):
    return dropped_renderer.render(_letter())


def test_the_letter_uses_each_dropped_face_and_each_other_role_keeps_its_own(dropped_pdf):
    used = _fonts_of(dropped_pdf)
    assert used["body"] == {"Ancha-FangSong"}
    assert used["h1"] == {"Ancha-HeiTi"}
    assert used["h2"] == {"Ancha-Kai-CN"}  # the broken 楷体 file: AR PL UKai as before
    assert used["title"] == {"Ancha-Serif-SC-Bold"}  # the short 小标宋: Noto Serif as before
    text = P.flat(P.text(dropped_pdf))
    assert "根据未成年人保护工作暗查暗访安排" in text
    assert "永燊彝族苗族乡" in text  # a character the dropped face lacks still prints


def test_without_the_folder_the_body_keeps_the_free_face(summons_pdf):
    body = {font.split("+", 1)[1] for _, font, size in P.font_runs(summons_pdf, 1)
            if size == pytest.approx(16, abs=0.1)}
    assert "Ancha-Serif-SC" in body
    assert not any("FangSong" in row["name"] for row in P.fonts(summons_pdf))


def test_the_same_snapshot_and_faces_give_the_same_bytes(dropped_renderer, dropped_pdf):
    # Rendered again on the warm renderer: nothing of the first render leaks into the bytes.
    assert dropped_renderer.render(_letter()) == dropped_pdf


def test_a_dropped_face_whose_subset_is_not_built_is_used_directly(folder, tmp_path, caplog):
    renderer = NoticeRenderer(font_dir=tmp_path, letter_dir=folder)  # an empty cache
    pdf = renderer.render(_letter())
    assert _fonts_of(pdf)["body"] == {"Ancha-FangSong"}
    assert any("fs.ttf 的子集尚未生成" in r.getMessage() for r in caplog.records)
    assert any("“楷体_GB2312.ttf”无法读取" in r.getMessage() for r in caplog.records)


def test_startup_check_and_status_command_say_the_faults_in_chinese(folder, settings, capsys):
    settings.ANCHA_LETTER_FONTS_DIR = folder
    problems = fonts.check_font_setup(stream=io.StringIO())
    assert sum("公文字体" in p for p in problems) == 2
    assert fonts.main(["status", "--letter-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "仿宋_GB2312（正文）：“fs.ttf”（FangSong_GB2312）" in out
    assert "楷体_GB2312（二级标题）：默认字体" in out
    assert "缺少国标GB2312汉字" in out
