"""Reading real PDF bytes back with poppler (pdftotext, pdffonts, pdftoppm) and pypdf."""

from __future__ import annotations

import html
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pypdf
from PIL import Image

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
TEXT_LEFT, TEXT_TOP = 28 * MM, 37 * MM
TEXT_RIGHT, TEXT_BOTTOM = (28 + 156) * MM, (37 + 225) * MM


def _with_file(pdf: bytes, args: list[str]) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run([*args, f.name, "-"] if args[0] == "pdftotext" else [*args, f.name],
                              check=True, capture_output=True, text=True).stdout


def text(pdf: bytes, *, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page:
        args += ["-f", str(page), "-l", str(page)]
    return _with_file(pdf, args)


def flat(s: str) -> str:
    """Text without any whitespace: line wraps may fall on a space or inside a word."""
    return re.sub(r"\s+", "", s)


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def lines(pdf: bytes, page: int) -> list[Line]:
    out = _with_file(pdf, ["pdftotext", "-enc", "UTF-8", "-bbox-layout", "-f", str(page), "-l", str(page)])
    result = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
                         out, re.S):
        words = re.findall(r">([^<]*)</word>", m.group(5))
        result.append(Line(float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)),
                           html.unescape("".join(words))))
    return result


def fonts(pdf: bytes) -> list[dict]:
    out = _with_file(pdf, ["pdffonts"])
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni objectID gen: the flags are the 5th..3rd from the end
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def image(pdf: bytes, page: int, dpi: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        pdf_path = Path(tmp) / "in.pdf"
        pdf_path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf_path), str(Path(tmp) / "page")], check=True)
        return Image.open(Path(tmp) / "page.png").convert("RGB")


def font_runs(pdf: bytes, page: int) -> list[tuple[str, str, float]]:
    """(text, base font name, effective size in pt) for every text run pypdf sees."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    runs = []

    def visit(txt, cm, tm, font_dict, font_size):
        if txt.strip() and font_dict is not None:
            scale = (tm[0] * cm[0] + tm[1] * cm[2]) if cm else tm[0]
            runs.append((txt, str(font_dict.get("/BaseFont", "")), abs(font_size * scale)))

    reader.pages[page - 1].extract_text(visitor_text=visit)
    return runs


def all_names(pdf: bytes) -> set[str]:
    """Every dictionary key and name value reachable from the trailer (object streams are
    compressed, so searching the raw bytes would find nothing either way)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    seen_refs: set[tuple[int, int]] = set()
    names: set[str] = set()

    def walk(obj):
        if isinstance(obj, pypdf.generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen_refs:
                return
            seen_refs.add(key)
            obj = obj.get_object()
        if isinstance(obj, pypdf.generic.DictionaryObject):
            for k, v in obj.items():
                names.add(str(k))
                walk(v)
        elif isinstance(obj, pypdf.generic.ArrayObject):
            for v in obj:
                walk(v)
        elif isinstance(obj, pypdf.generic.NameObject):
            names.add(str(obj))

    walk(reader.trailer)
    return names
