"""Notice PDFs: our warm render against plain WeasyPrint and against LibreOffice (DESIGN.md §6).

Side by side in one run, on the same two-page summons letter:

- ours: the project's renderer, warm (one FontConfiguration, parsed CSS, the font subset);
- plain WeasyPrint: the same HTML and CSS rendered with WeasyPrint's defaults (a new font
  configuration and stylesheet per letter, the full Noto faces);
- LibreOffice: the same letter built as .docx with python-docx, converted by
  `soffice --headless --convert-to pdf` (Debian's libreoffice-writer-nogui), the way offices
  turn a Word template into PDF; one process per letter, and one call for the batch.

Batches of 30 letters: ours into one document (pages copied) and as 30 PDFs rendered by the
warm worker processes (what a batch issue does), plain WeasyPrint one by one, LibreOffice in a
single call converting all 30 files.  Each pair is timed in alternation (median of the singles,
best of three batches each side), as the machine is shared.  Every timed render is of a letter
not rendered before in the run (another township, number and finding).

    .venv/bin/python -m bench bench_pdf      (needs libreoffice-writer-nogui and python-docx)
"""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._results import record

TOWNSHIPS = [
    ("520581100", "金碧镇"), ("520581101", "雨朵镇"), ("520581002", "文峰街道"), ("520581102", "大关镇"),
    ("520581103", "谷里镇"), ("520581104", "素朴镇"), ("520581105", "中坪镇"), ("520581106", "重新镇"),
    ("520581108", "林泉镇"), ("520581107", "永燊乡"),
]
BATCH = 30


FINDINGS = ("儿童基本生活费延迟发放{n}天。", "困境儿童档案{n}份未按季度更新。", "儿童主任{n}名未参加年度培训。",
            "留守儿童走访记录缺失{n}条。", "未成年人保护工作站值班表{n}天无人签到。")


def two_page_summons(township=TOWNSHIPS[0], variant: int = 0) -> dict:
    from inspection.notices.samples import sample_snapshot

    # The sample summons cut to what fits two pages: one finding, one ground, no attachment,
    # nothing to bring and no 抄送 line (since the verification band joined the 版记, the
    # letter with them ran onto a third page, and the benchmark stopped at its page check).
    # ``variant`` changes the finding's words and numbers, so that no two letters of a run
    # are the same document (nothing rendered once can be served again).
    snapshot = sample_snapshot("summons", township=township)
    finding = FINDINGS[variant % len(FINDINGS)].format(n=variant % 90 + 2)
    snapshot["findings"] = [dict(snapshot["findings"][0], item=None, location=None, text=finding)]
    snapshot["grounds"] = ["存在严重问题1项。"]
    snapshot["requirements"] = []
    snapshot["contact"] = None
    snapshot["meeting"]["attendees"] = snapshot["meeting"]["attendees"][:1]
    snapshot["meeting"]["bring"] = []
    snapshot["attachments"] = []
    snapshot["copy_to"] = []
    snapshot["warning"] = f"对{township[1]}予以预警。"
    snapshot["key_management"]["follow_up"] = "期满后开展“回头看”"
    return snapshot


def spec_for(i: int):
    from inspection.notices.renderer import NoticeDocumentSpec

    code = f"7KQ2-M9XD-{i:04d}"
    return NoticeDocumentSpec(two_page_summons(TOWNSHIPS[i % len(TOWNSHIPS)], i), draft=False,
                              number=f"黔西未保办约〔2026〕{i + 1}号", verify_code=code,
                              verify_url=f"https://ancha.example.cn/verify/{code.replace('-', '')}")


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def side_by_side(ours, anchor, rounds: int, pick=statistics.median):
    """Time the two in alternation, so that both see the same machine: this one is shared,
    and a load that comes and goes would otherwise land on one side only."""
    ours_times, anchor_times, results = [], [], {}
    for _ in range(rounds):
        for fn, times, key in ((ours, ours_times, "ours"), (anchor, anchor_times, "anchor")):
            start = time.perf_counter()
            results[key] = fn()
            times.append(time.perf_counter() - start)
    return pick(ours_times), pick(anchor_times), results


def pages(pdf: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


# --------------------------------------------------------------------------- plain WeasyPrint


def plain_css() -> str:
    from inspection.notices import fonts
    from inspection.notices.renderer import TEMPLATE_DIR, _without_subset

    stacks = _without_subset(fonts.font_stacks())
    return fonts.font_css(stacks) + (TEMPLATE_DIR / "notice.css").read_text("utf-8")


def plain_weasyprint(html: str, css: str) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])


# --------------------------------------------------------------------------- LibreOffice


def letter_docx(html: str, path: Path, qr_png: bytes | None) -> None:
    """The same letter as a Word file: the structure of our HTML, GB/T 9704 page set-up."""
    import lxml.html
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    tree = lxml.html.fromstring(html)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def para(text, *, size=16, font="Noto Serif CJK SC", bold=False, color=None, align=None, indent=True,
             before=0, exact=28.95):
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact)
        fmt.space_before, fmt.space_after = Pt(before), Pt(0)
        if indent:
            fmt.first_line_indent = Pt(32)
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.font.size, run.font.bold = Pt(size), bold
        run.font.name = font
        run._element.rPr.rFonts.set(qn("w:eastAsia"), font)
        if color:
            run.font.color.rgb = RGBColor(*color)
        return p

    def text(el):
        return "".join(el.itertext()).strip()

    red = (0xE6, 0x00, 0x12)
    para(text(tree.find_class("mark")[0]), size=36, bold=True, color=red, align=WD_ALIGN_PARAGRAPH.CENTER,
         indent=False, before=99, exact=40)
    para(text(tree.find_class("number")[0]), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=58)
    rule = para("", indent=False, exact=6)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in {"w:val": "single", "w:sz": "18", "w:space": "1", "w:color": "E60012"}.items():
        bottom.set(qn(k), v)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)
    para(text(tree.find_class("title")[0]), size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
         before=58, exact=34)
    for el in tree.body.iter("p", "div", "table"):
        classes = set((el.get("class") or "").split())
        if el.tag == "p" and "addressee" in classes:
            para(text(el), indent=False, before=29)
        elif el.tag == "p" and "h1" in classes:
            para(text(el), font="Noto Sans CJK SC")
        elif el.tag == "p" and "h2" in classes:
            para(text(el), font="AR PL UKai CN")
        elif el.tag == "p":
            para(text(el))
        elif el.tag == "div" and "item" in classes:
            para(text(el), indent=False)
        elif el.tag == "div" and ("org" in classes or "date" in classes):
            para(text(el), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif el.tag == "div" and classes & {"text"}:
            para(text(el), size=10.5, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=15)
            if qr_png:
                doc.add_picture(io.BytesIO(qr_png), width=Mm(20))
        elif el.tag == "table":
            for row in el.iter("tr"):
                para("    ".join(text(td) for td in row.iter("td")), size=14, indent=False, exact=22)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = footer.add_run("— ")
    for kind, value in (("begin", None), ("instr", "PAGE"), ("end", None)):
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.text = value
            footer.add_run()._r.append(instr)
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            footer.add_run()._r.append(fld)
    footer.add_run(" —")
    doc.save(path)


def soffice(files: list[Path], outdir: Path, profile: Path) -> None:
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=900)


def libreoffice_version() -> str:
    try:
        out = subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout
        return " ".join(out.split()[:2])
    except (OSError, subprocess.SubprocessError):
        return "LibreOffice"


# --------------------------------------------------------------------------- the run


class Letters:
    """Every timed render gets a letter never rendered before in the run: another township,
    number, code and finding (nothing made once can be served again)."""

    def __init__(self):
        self.count = 0

    def specs(self, n: int) -> list:
        out = [spec_for(self.count + i) for i in range(n)]
        self.count += n
        return out


def _single(renderer, letters: Letters, css: str) -> None:
    rounds = 9
    ours_specs = iter(letters.specs(rounds))
    plain_htmls = iter([renderer.html(s) for s in letters.specs(rounds)])
    ours, plain, out = side_by_side(lambda: renderer.render(next(ours_specs)),
                                    lambda: plain_weasyprint(next(plain_htmls), css), rounds)
    pdf, plain_pdf = out["ours"], out["anchor"]
    assert pages(pdf) == 2, f"the benchmark letter should be two pages, is {pages(pdf)}"
    assert pages(plain_pdf) == 2
    record("pdf: two-page summons letter, warm render", ours=ours, anchor=plain,
           anchor_name="plain WeasyPrint, default settings, same HTML", unit="s", target="≥3×")
    record("pdf: two-page summons letter, file size", ours=len(pdf) / 1024, anchor=len(plain_pdf) / 1024,
           anchor_name="plain WeasyPrint, default settings, same HTML", unit="KB")


def _batches(renderer, letters: Letters, css: str) -> None:
    from inspection.notices.renderer import render_batch, render_many, worker_count

    rounds = 3
    ours_sets = iter([letters.specs(BATCH) for _ in range(rounds)])
    plain_sets = iter([[renderer.html(s) for s in letters.specs(BATCH)] for _ in range(rounds)])
    ours_batch, plain_batch, out = side_by_side(
        lambda: render_batch(next(ours_sets)), lambda: [plain_weasyprint(h, css) for h in next(plain_sets)],
        rounds, pick=min)
    assert pages(out["ours"]) == 2 * BATCH
    record(f"pdf: batch of {BATCH} letters", ours=ours_batch, anchor=plain_batch,
           anchor_name=f"plain WeasyPrint, {BATCH} letters one by one", unit="s")
    many_sets = iter([letters.specs(BATCH) for _ in range(rounds)])
    plain_sets = iter([[renderer.html(s) for s in letters.specs(BATCH)] for _ in range(rounds)])
    ours_many, plain_many, out = side_by_side(
        lambda: render_many(next(many_sets)), lambda: [plain_weasyprint(h, css) for h in next(plain_sets)],
        rounds, pick=min)
    assert len(out["ours"]) == BATCH and all(pages(pdf) == 2 for pdf in out["ours"])
    record(f"pdf: {BATCH} letters, one PDF each, {worker_count()} worker processes", ours=ours_many,
           anchor=plain_many, anchor_name=f"plain WeasyPrint, {BATCH} letters one by one", unit="s")


def _libreoffice(renderer, letters: Letters) -> None:
    from inspection.notices.renderer import render_many

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = tmp / "profile"
        specs = letters.specs(BATCH)
        docs = []
        for i, spec in enumerate(specs):
            path = tmp / f"letter-{i:02d}.docx"
            letter_docx(renderer.html(spec), path, _qr_png(spec.verify_url))
            docs.append(path)
        soffice([docs[0]], tmp / "warm", profile)  # first start writes the profile: not timed
        singles = iter(letters.specs(3))
        ours_single, lo_single, _ = side_by_side(
            lambda: renderer.render(next(singles)), lambda: soffice([docs[0]], tmp / "one", profile), 3)
        lo_pages = pages((tmp / "one" / "letter-00.pdf").read_bytes())
        many_sets = iter([letters.specs(BATCH) for _ in range(3)])
        ours_batch, lo_batch, _ = side_by_side(
            lambda: render_many(next(many_sets)), lambda: soffice(docs, tmp / "all", profile), 3, pick=min)
        assert len(list((tmp / "all").glob("*.pdf"))) == BATCH
    name = libreoffice_version()
    record("pdf: two-page summons letter vs LibreOffice", ours=ours_single, anchor=lo_single,
           anchor_name=f"{name} .docx→PDF, one soffice call ({lo_pages} pages)", unit="s", target="≥10×")
    record(f"pdf: batch of {BATCH} letters vs LibreOffice", ours=ours_batch, anchor=lo_batch,
           anchor_name=f"{name} .docx→PDF, one soffice call for {BATCH} files (ours: {BATCH} PDFs, "
                       "worker processes)", unit="s", target="ours ≤2 s")


def main() -> None:
    from inspection.notices import fonts
    from inspection.notices.renderer import get_renderer, warm_pool

    if not fonts.built_subsets():
        fonts.build()
    renderer = get_renderer()
    letters = Letters()
    css = plain_css()
    renderer.render(letters.specs(1)[0])  # warm: WeasyPrint, fonts, the subset files
    plain_weasyprint(renderer.html(letters.specs(1)[0]), css)  # same process, warm imports
    warm_pool()  # the worker processes a server keeps, each with its warm renderer
    _single(renderer, letters, css)
    _batches(renderer, letters, css)
    if not shutil.which("soffice"):
        print("!! soffice not installed (apt-get install libreoffice-writer-nogui): LibreOffice anchor skipped",
              file=sys.stderr)
        return
    _libreoffice(renderer, letters)


def _qr_png(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=4, border=0)
    return buf.getvalue()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
