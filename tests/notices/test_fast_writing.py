"""The faster way of writing a letter (notices/pdfwrite.py) writes exactly what WeasyPrint's
own code writes: the fonts cut from preprocessed faces in one HarfBuzz pass, each object
serialised once, a face's bytes copied once per process.  Only the stream compression level
is ours in both, so any difference in the bytes is a difference these shortcuts made."""

from __future__ import annotations

import re
import zlib

import pydyf
import pytest

from inspection.notices import pdfwrite
from inspection.notices.samples import sample_snapshot
from tests.notices import pdftools as P
from tests.notices.conftest import issued


def _weasyprints_own_bytes(document) -> bytes:
    # Only the compression level of our letters (and cffi's open arrays, the same memory);
    # WeasyPrint's subsetting and pydyf's writing.
    from weasyprint.pdf import fonts as pdf_fonts

    with (pdfwrite._swapped(pydyf, "zlib", pdfwrite._ZlibAtLevel()),
          pdfwrite._swapped(pdf_fonts, "ffi", pdfwrite._OpenArrays(pdf_fonts.ffi))):
        return document.write_pdf(pdf_identifier=b"ancha-notice")


@pytest.fixture(scope="module")
def rare_character_letter(renderer):
    # 燊 is outside the subset files: it comes from the full face behind them, a second face
    # of the same role to subset in the same letter.
    snapshot = sample_snapshot("summons", township=("520581107", "永燊彝族苗族乡"))
    return issued(snapshot, "黔西未保办约〔2026〕8号")


def test_the_fast_path_writes_weasyprints_own_bytes(renderer, rare_character_letter):
    fast = renderer.render(rare_character_letter)
    with renderer._lock:
        plain = _weasyprints_own_bytes(renderer.document(rare_character_letter))
    assert fast == plain
    assert fast == renderer.render(rare_character_letter)  # again, every face now remembered
    assert "永燊彝族苗族乡" in P.text(fast)
    # The full face 燊 came from is cut directly, not preprocessed and kept (4 s, 600 MB).
    from weasyprint.text.ffi import harfbuzz

    counts = [harfbuzz.hb_face_get_glyph_count(f.source) for f in pdfwrite._faces.values()]
    assert counts and max(counts) <= pdfwrite._REMEMBER_GLYPHS_MAX


def test_every_stream_is_compressed_once(renderer, monkeypatch):
    """pydyf serialises the whole file a second time to hash it for the identifier; the
    shortcut keeps each object's bytes, so no stream is compressed twice."""
    compressed = []

    class Counting:
        def __getattr__(self, name):
            return getattr(zlib, name)

        @staticmethod
        def compressobj(*args, **kwargs):
            compressed.append(1)
            return zlib.compressobj(*args, **kwargs)

    monkeypatch.setattr(pdfwrite, "zlib", Counting())
    pdf = renderer.render(issued(sample_snapshot("rectification"), "黔西未保办改〔2026〕7号"))
    dictionaries = re.findall(rb"\d+ 0 obj\n(<<.*?)\nstream\n", pdf, re.S)
    ours = [d for d in dictionaries if b"/FlateDecode" in d and b"/Subtype /Image" not in d]
    assert len(ours) > 5  # fonts, their maps, the pages, the object and xref streams
    assert len(compressed) == len(ours)
    assert pdfwrite._memo is None  # nothing kept after the letter


def test_the_shortcuts_end_with_the_letter(renderer):
    """Outside one of our letters WeasyPrint and pydyf are their own again (the benchmark's
    plain anchor and any other use in the process)."""
    from weasyprint.pdf import fonts as pdf_fonts

    renderer.render(issued(sample_snapshot("summons")))
    assert pydyf.zlib is zlib
    assert "data" in pydyf.Stream.__dict__ and pydyf.Stream.data is not None
    assert pydyf.PDF.write.__name__ == "write"
    assert pdf_fonts.Font._harfbuzz_subset.__name__ == "_harfbuzz_subset"
    assert pdf_fonts.get_hb_object_data.__module__ == "weasyprint.text.fonts"


def test_the_remembered_faces_stay_bounded_and_a_dropped_one_comes_back(renderer, monkeypatch):
    from inspection.notices.renderer import NoticeRenderer

    monkeypatch.setattr(pdfwrite, "_FACES_MAX", 5)
    spec = issued(sample_snapshot("rectification"), "黔西未保办改〔2026〕9号")
    expected = renderer.render(spec)
    # A fresh renderer has its own font configuration and faces: the warm one's are dropped.
    assert NoticeRenderer().render(spec) == expected
    assert len(pdfwrite._faces) <= 5
    assert renderer.render(spec) == expected
