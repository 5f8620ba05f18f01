"""Writing a laid-out letter as PDF bytes faster than WeasyPrint's defaults, same look.

Every patch here is scoped to one of our own letters being written (``writing()``, entered
under the renderer's lock): any other WeasyPrint use in the process keeps the library's
behaviour.  Each one is deterministic, so the same snapshot still gives the same bytes.
"""

from __future__ import annotations

import contextlib
import re
import threading
import zlib
from collections import OrderedDict

PDF_ZLIB_LEVEL = 6


class _ZlibAtLevel:
    """pydyf's ``zlib`` with every stream compressed at PDF_ZLIB_LEVEL instead of 9.

    Level 9 spends ~2.5x the CPU of level 6 on the embedded font programs, a fifth of
    writing a letter, for files 0.5% smaller.  The level is fixed, so the same snapshot
    still gives the same bytes."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(*args, **kwargs):
        kwargs.pop("level", None)
        return zlib.compressobj(PDF_ZLIB_LEVEL, *args[1:], **kwargs)


_SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")


class _OpenArrays:
    """WeasyPrint's cffi handle, asking for ``T[]`` where it asks for ``T[n]`` with n items.

    WeasyPrint's font subsetting allocates ``hb_codepoint_t[<glyph count>]``; cffi parses
    each new C type string with pycparser, 30-80 ms, and the count is new in nearly every
    letter.  An open array of the same items is the same memory."""

    def __init__(self, ffi):
        self._ffi = ffi

    def __getattr__(self, name):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        match = _SIZED_ARRAY.fullmatch(cdecl)
        if match and isinstance(init, (list, tuple)) and len(init) == int(match[2]):
            cdecl = match[1] + "[]"
        return self._ffi.new(cdecl, init)


@contextlib.contextmanager
def _swapped(owner, name, value):
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


# ---------------------------------------------------------------------------
# Each object serialised (and each stream compressed) once
# ---------------------------------------------------------------------------
#
# With a file identifier, pydyf's PDF.write serialises every object a second time to hash
# it: every stream, the font programs first, is compressed twice, about a fifth of writing
# a letter.  While one of our letters is written, an object's bytes are kept the first time
# they are made; nothing changes an object between the two (the PDF is complete).

_memo: dict[int, tuple[object, bytes]] | None = None


def _remembered(original: property) -> property:
    def data(self):
        if _memo is None:
            return original.fget(self)
        hit = _memo.get(id(self))
        if hit is None:
            hit = _memo[id(self)] = (self, original.fget(self))  # the object pins its id
        return hit[1]

    return property(data)


@contextlib.contextmanager
def _serialised_once():
    import pydyf

    global _memo
    write = pydyf.PDF.write

    def write_once(pdf, *args, **kwargs):
        global _memo
        _memo = {}
        try:
            return write(pdf, *args, **kwargs)
        finally:
            _memo = None

    with contextlib.ExitStack() as stack:
        for cls in (pydyf.Stream, pydyf.Dictionary):
            stack.enter_context(_swapped(cls, "data", _remembered(cls.__dict__["data"])))
        stack.enter_context(_swapped(pydyf.PDF, "write", write_once))
        yield


# ---------------------------------------------------------------------------
# Font subsetting from preprocessed faces, in one pass
# ---------------------------------------------------------------------------
#
# WeasyPrint cuts each embedded font from the face in two HarfBuzz passes (the glyphs used,
# then the hinting), and HarfBuzz parses the whole face (13,800 glyphs in our subset files)
# again for every letter.  hb_subset_preprocess parses a face once into a form made for
# repeated subsetting (same output); one pass with both sets of flags keeps the same glyph
# ids (RETAIN_GIDS) and the same outlines.  Together a third of the cost of embedding.

_FACES_MAX = 16  # four subset files, a few licensed ones, a fresh renderer's copies
# Only faces of a letter's size are remembered: the subset files (14,000 glyphs, 0.3 s and
# ~30 MB to preprocess) and a county's licensed faces.  A full CJK face behind them (65,535
# glyphs, for the rare character outside GB2312) would take 4 s and 600 MB to preprocess: it is
# cut directly, in one pass, as rarely as it is needed.
_REMEMBER_GLYPHS_MAX = 30_000
_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH",
                b"PCLT", b"SVG ")


class _Face:
    """What a letter needs again of one of Pango's faces: its bytes (WeasyPrint copies the
    whole file, 3-5 MB, out of HarfBuzz for every font of every letter) and its
    preprocessed form for subsetting."""

    __slots__ = ("source", "content", "prepared")

    def __init__(self, source):
        self.source = source  # the reference held keeps the face, so its address is not reused
        self.content = None
        self.prepared = None


_faces: OrderedDict[int, _Face] = OrderedDict()
_faces_lock = threading.RLock()


def _key(hb_face) -> int:
    from weasyprint.text.ffi import ffi

    return int(ffi.cast("uintptr_t", hb_face))


def _face(hb_face, *, create: bool = True) -> _Face | None:
    from weasyprint.text.ffi import ffi, harfbuzz

    key = _key(hb_face)
    with _faces_lock:
        record = _faces.get(key)
        if record is None and create:
            record = _faces[key] = _Face(ffi.gc(harfbuzz.hb_face_reference(hb_face), harfbuzz.hb_face_destroy))
            while len(_faces) > _FACES_MAX:
                _faces.popitem(last=False)
        if record is not None:
            _faces.move_to_end(key)
        return record


def _hb_preprocess():
    """HarfBuzz's hb_subset_preprocess through WeasyPrint's handles, or None (HarfBuzz < 6)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(6, 0, 0):
        return None
    try:
        return harfbuzz_subset.hb_subset_preprocess
    except AttributeError:
        try:
            ffi.cdef("hb_face_t * hb_subset_preprocess (hb_face_t *source);")
            return harfbuzz_subset.hb_subset_preprocess
        except Exception:  # noqa: BLE001 - no such symbol: WeasyPrint's own path still works
            return None


def _prepared_face(hb_face, preprocess):
    """The preprocessed form of a remembered face, else the face itself."""
    from weasyprint.text.ffi import ffi, harfbuzz

    with _faces_lock:
        record = _face(hb_face, create=False)
        if record is None:
            return hb_face
        if record.prepared is None:
            record.prepared = ffi.gc(preprocess(hb_face), harfbuzz.hb_face_destroy)
        return record.prepared


_ORIGINAL: dict[str, object] = {}


def _pango_face(pango_font):
    # Only Pango's own faces (kept for the life of the font configuration) are remembered,
    # never the short-lived faces a subset makes.
    from weasyprint.text.ffi import harfbuzz

    hb_face = _ORIGINAL["get_pango_font_hb_face"](pango_font)
    if harfbuzz.hb_face_get_glyph_count(hb_face) <= _REMEMBER_GLYPHS_MAX:
        _face(hb_face)
    return hb_face


def _face_bytes(hb_object, ot_color=None, glyph=None):
    if ot_color is None:
        record = _face(hb_object, create=False)
        if record is not None:
            if record.content is None:
                record.content = _ORIGINAL["get_hb_object_data"](hb_object)
            return record.content
    return _ORIGINAL["get_hb_object_data"](hb_object, ot_color, glyph)


def _subset_once(font, to_unicode, hinting):
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    preprocess = _hb_preprocess()
    if preprocess is None:
        return _weasyprint_subset(font, to_unicode, hinting)
    source = _prepared_face(font.hb_face, preprocess)
    sub = harfbuzz_subset
    hb_input = ffi.gc(sub.hb_subset_input_create_or_fail(), sub.hb_subset_input_destroy)
    gids = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(sub.hb_subset_input_glyph_set(hb_input),
                                     ffi.new("hb_codepoint_t[]", gids), len(gids))
    flags = (sub.HB_SUBSET_FLAGS_RETAIN_GIDS | sub.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | sub.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= sub.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= sub.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    sub.hb_subset_input_set_flags(hb_input, flags)
    drop = sorted(harfbuzz.hb_tag_from_string(name, -1) for name in _DROP_TABLES)
    harfbuzz.hb_set_add_sorted_array(
        sub.hb_subset_input_set(hb_input, sub.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new("hb_codepoint_t[]", drop), len(drop))
    face = sub.hb_subset_or_fail(source, hb_input)
    if face != ffi.NULL:
        face = ffi.gc(face, harfbuzz.hb_face_destroy)
        content = get_hb_object_data(face)
        if content:
            font.file_content = content
            return
    _weasyprint_subset(font, to_unicode, hinting)  # WeasyPrint's own path, and its warning


def _weasyprint_subset(font, to_unicode, hinting):
    return _ORIGINAL["_harfbuzz_subset"](font, to_unicode, hinting)


@contextlib.contextmanager
def _fast_fonts():
    from weasyprint.pdf import fonts as pdf_fonts

    if not _ORIGINAL:
        _ORIGINAL.update(_harfbuzz_subset=pdf_fonts.Font._harfbuzz_subset,
                         get_pango_font_hb_face=pdf_fonts.get_pango_font_hb_face,
                         get_hb_object_data=pdf_fonts.get_hb_object_data)
    with (_swapped(pdf_fonts.Font, "_harfbuzz_subset", _subset_once),
          _swapped(pdf_fonts, "get_pango_font_hb_face", _pango_face),
          _swapped(pdf_fonts, "get_hb_object_data", _face_bytes)):
        yield


@contextlib.contextmanager
def writing():
    """The scope of writing one of our letters (enter it under the render lock)."""
    import pydyf
    from weasyprint.pdf import fonts as pdf_fonts

    with (_swapped(pydyf, "zlib", _ZlibAtLevel()), _swapped(pdf_fonts, "ffi", _OpenArrays(pdf_fonts.ffi)),
          _serialised_once(), _fast_fonts()):
        yield
