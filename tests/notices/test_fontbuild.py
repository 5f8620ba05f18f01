"""The install's font subset build: HarfBuzz, cached by hashes, a progress line per face.

Only the AR PL UKai face is built here (half a second with HarfBuzz); the four faces of
`make install` are checked by test_fonts.py against var/fonts.
"""

from __future__ import annotations

import json
import shutil

import pytest
from fontTools.ttLib import TTFont

from inspection.notices import fontbuild, fonts

KAI = next(face for face in fonts.SUBSET_FACES if face.family == "Ancha Kai CN")


@pytest.fixture
def kai_only(monkeypatch, tmp_path):
    """Build just the Kai face, from a private copy of its source font we may alter."""
    located = fonts.locate_face(KAI.source_pattern)
    if located is None:
        pytest.fail("AR PL UKai is not installed: make install brings fonts-arphic-ukai")
    source, index = located
    copy = tmp_path / "src" / source.name
    copy.parent.mkdir()
    shutil.copyfile(source, copy)
    monkeypatch.setattr(fonts, "SUBSET_FACES", (KAI,))
    monkeypatch.setattr(fonts, "locate_face", lambda pattern: (copy, index))
    return tmp_path / "out", copy


def _cmap_and_glyphs(path):
    font = TTFont(path, lazy=True)
    return set(font.getBestCmap()), font.getGlyphOrder()


def test_harfbuzz_builds_the_face_once_and_says_so(kai_only):
    out, source = kai_only
    lines = []
    written = fontbuild.build(out, use_harfbuzz=True, progress=lines.append)
    assert [p.name for p in written] == [KAI.file_name]
    assert any("[1/1] Ancha Kai CN 400 from ukai.ttc" in line for line in lines), lines
    manifest = json.loads((out / fonts.MANIFEST).read_text("utf-8"))
    entry = manifest["faces"][0]
    assert entry["source_sha256"] == fontbuild.file_sha256(source)
    assert entry["sha256"] == fontbuild.file_sha256(out / KAI.file_name)
    face = TTFont(out / KAI.file_name, lazy=True)
    assert face["name"].getDebugName(1) == "Ancha Kai CN"
    assert not {"vhea", "vmtx", "VORG"} & set(face.keys())
    cmap, _ = _cmap_and_glyphs(out / KAI.file_name)
    assert ord("黔") in cmap and ord("〔") in cmap and ord("燊") not in cmap

    lines.clear()
    assert fontbuild.build(out, use_harfbuzz=True, progress=lines.append) == []
    assert any("up to date" in line for line in lines)


def test_a_changed_source_font_or_a_damaged_subset_is_built_again(kai_only):
    out, source = kai_only
    fontbuild.build(out, use_harfbuzz=True)
    built = out / KAI.file_name
    built.write_bytes(built.read_bytes()[:1000])  # an interrupted copy, a disk error
    assert [p.name for p in fontbuild.build(out, use_harfbuzz=True)] == [KAI.file_name]
    assert fontbuild.file_sha256(built) == json.loads((out / fonts.MANIFEST).read_text())["faces"][0]["sha256"]

    with open(source, "ab") as f:  # a new release of the system font, same file name and size class
        f.write(b"\0" * 16)
    assert [p.name for p in fontbuild.build(out, use_harfbuzz=True)] == [KAI.file_name]
    assert fontbuild.build(out, use_harfbuzz=True) == []


def test_without_uharfbuzz_fonttools_builds_a_face_of_the_same_coverage(monkeypatch, tmp_path):
    # fontTools takes minutes on a CJK face: the two builders are compared on a small Latin
    # face (DejaVu Serif, through the same code path) with ASCII and Latin-1.
    dejavu = fonts.locate_face("DejaVu Serif:style=Book")
    if dejavu is None:
        pytest.fail("DejaVu Serif is not installed (fonts-dejavu-core, a WeasyPrint dependency)")
    monkeypatch.setattr(fonts, "SUBSET_FACES", (KAI,))
    monkeypatch.setattr(fonts, "locate_face", lambda pattern: dejavu)
    monkeypatch.setattr(fonts, "subset_characters", lambda: "".join(map(chr, range(0x20, 0x100))))
    fontbuild.build(tmp_path / "hb", use_harfbuzz=True)
    monkeypatch.setattr(fontbuild, "uharfbuzz_available", lambda: False)
    lines = []
    fallback = tmp_path / "fallback"
    assert [p.name for p in fontbuild.build(fallback, progress=lines.append, workers=1)] == [KAI.file_name]
    assert any("fontTools" in line for line in lines)
    hb_face = TTFont(tmp_path / "hb" / KAI.file_name, lazy=True)
    ft_face = TTFont(fallback / KAI.file_name, lazy=True)
    assert set(hb_face.getBestCmap()) == set(ft_face.getBestCmap())
    assert ord("é") in ft_face.getBestCmap() and ord("Ā") not in ft_face.getBestCmap()
    assert ft_face["name"].getDebugName(1) == hb_face["name"].getDebugName(1) == "Ancha Kai CN"
    assert not {"vhea", "vmtx", "VORG"} & (set(hb_face.keys()) | set(ft_face.keys()))
