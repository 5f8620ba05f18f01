"""Fonts for the notice PDFs.

Why this module exists: the Noto CJK faces hold ~65,000 glyphs, and every render has to
open, shape and subset them.  Building a small subset of the faces we use once (GB2312's
7,445 characters plus ASCII and CJK punctuation, HarfBuzz, at install time) and putting it
first in the CSS stack nearly halves a warm render and the PDF size; the full faces stay
behind it so a character outside the subset (燊 in 永燊彝族苗族乡, rare personal names)
still prints.

    python -m inspection.notices.fonts build     # once, from `make install`; idempotent
    python -m inspection.notices.fonts status    # what is built, which faces are found

The renderer works without the subset (only slower), and with the government faces
(仿宋_GB2312, 方正小标宋 …) preferred whenever they are installed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = Path(os.environ.get("ANCHA_FONT_DIR") or PROJECT_ROOT / "var" / "fonts")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class SubsetFace:
    """One subset to build: which installed face it is cut from and what it is called."""

    family: str  # the CSS family the subset is registered under (never a system name)
    weight: int
    source_pattern: str  # fontconfig pattern of the installed full face
    file_name: str


SUBSET_FACES = (
    SubsetFace("Ancha Serif SC", 400, "Noto Serif CJK SC:style=Regular", "AnchaSerifSC-Regular.otf"),
    SubsetFace("Ancha Serif SC", 700, "Noto Serif CJK SC:style=Bold", "AnchaSerifSC-Bold.otf"),
    SubsetFace("Ancha Sans SC", 400, "Noto Sans CJK SC:style=Regular", "AnchaSansSC-Regular.otf"),
    SubsetFace("Ancha Kai CN", 400, "AR PL UKai CN", "AnchaKaiCN.ttf"),
)

# Government faces, preferred when an office has them installed (they are not free software).
GOV_FANGSONG = ("仿宋_GB2312", "FangSong_GB2312", "方正仿宋_GBK", "方正仿宋简体", "仿宋", "FangSong", "STFangsong")
GOV_XIAOBIAOSONG = ("方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05", "小标宋")
GOV_HEITI = ("黑体", "SimHei", "方正黑体_GBK", "方正黑体简体", "STHeiti")
GOV_KAITI = ("楷体_GB2312", "KaiTi_GB2312", "方正楷体_GBK", "方正楷体简体", "楷体", "KaiTi", "STKaiti")
GOV_SONGTI = ("宋体", "SimSun", "方正书宋_GBK", "STSong")

NOTO_SERIF = "Noto Serif CJK SC"
NOTO_SANS = "Noto Sans CJK SC"
UKAI = "AR PL UKai CN"


# ---------------------------------------------------------------------------
# Character set
# ---------------------------------------------------------------------------

def subset_characters() -> str:
    """GB2312 (all 7,445 graphic characters) + ASCII + the punctuation a 公文 uses."""
    chars: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    ranges = [
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1 (·, ×, °)
        (0x2000, 0x206F),  # general punctuation: — ‘ ’ “ ” … ‰
        (0x2100, 0x218F),  # letterlike, Roman numerals Ⅰ Ⅱ
        (0x2190, 0x21FF),  # arrows
        (0x2460, 0x24FF),  # ① ②
        (0x2500, 0x257F),  # box drawing ─
        (0x25A0, 0x25FF),  # ■ □ ○ ●
        (0x3000, 0x303F),  # CJK punctuation: 、。〔〕《》「」
        (0xFF00, 0xFFEF),  # full-width forms ，：；（）
    ]
    for first, last in ranges:
        chars.update(chr(c) for c in range(first, last + 1))
    return "".join(sorted(chars))


# ---------------------------------------------------------------------------
# Locating installed faces
# ---------------------------------------------------------------------------

def _fc(*args: str) -> str:
    try:
        return subprocess.run(
            ["fc-match" if args[0] != "list" else "fc-list", *args[1:]],
            check=True, capture_output=True, text=True, timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def locate_face(pattern: str) -> tuple[Path, int] | None:
    """The file and collection index of an installed face, only if fontconfig really has it."""
    family = pattern.split(":", 1)[0]
    out = _fc("match", "-f", "%{file}|%{index}|%{family}\n", pattern).strip()
    if not out:
        return None
    file, index, families = out.split("|", 2)
    if family not in families.split(","):
        return None  # fontconfig substituted some other face
    return Path(file), int(index)


@functools.cache
def installed_families() -> frozenset[str]:
    """Every family name fontconfig knows (all localized names), read once per process."""
    out = _fc("list", ":", "-f", "%{family}\n")
    names: set[str] = set()
    for line in out.splitlines():
        names.update(n.strip() for n in line.split(",") if n.strip())
    return frozenset(names)


@functools.cache
def installed_cjk_families() -> tuple[str, ...]:
    out = _fc("list", ":lang=zh", "-f", "%{family[0]}\n")
    return tuple(sorted({line.strip() for line in out.splitlines() if line.strip()}))


# ---------------------------------------------------------------------------
# Building the subset (install time; the work itself is in fontbuild.py)
# ---------------------------------------------------------------------------

def rename_face(font, face: SubsetFace, *, cff: bool = True) -> None:
    """Give the subset its own names, so fontconfig never takes it for the full system face
    (it would then be picked for 燊 and print nothing).  fontconfig and WeasyPrint read the
    name table; ``cff=False`` leaves the CFF program's internal names as they are (rewriting
    them means recompiling every glyph in fontTools, ~30 s a face)."""
    style = "Bold" if face.weight >= 700 else "Regular"
    ps_name = face.family.replace(" ", "") + "-" + style
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=record.nameID)
    for name_id, value in ((1, face.family), (2, style), (4, f"{face.family} {style}"), (6, ps_name)):
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    if cff and "CFF " in font:
        cff_table = font["CFF "].cff
        cff_table.fontNames = [ps_name]
        top = cff_table.topDictIndex[0]
        top.FullName = f"{face.family} {style}"
        top.FamilyName = face.family


def read_manifest(font_dir: Path) -> dict:
    try:
        return json.loads((font_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def build(font_dir: Path = FONT_DIR, *, force: bool = False, **options) -> list[Path]:
    """Build the missing or stale subsets (see ``fontbuild.build``); returns the files written."""
    from . import fontbuild

    return fontbuild.build(font_dir, force=force, **options)


def built_subsets(font_dir: Path = FONT_DIR) -> list[dict]:
    """The subset faces that are built and whose files exist."""
    faces = read_manifest(font_dir).get("faces", [])
    return [dict(f, path=str(font_dir / f["file"])) for f in faces if (font_dir / f["file"]).is_file()]


# ---------------------------------------------------------------------------
# HarfBuzz subsetting (render time)
# ---------------------------------------------------------------------------

def harfbuzz_subset_available() -> bool:
    """WeasyPrint embeds fonts through libharfbuzz-subset when it loads; otherwise it falls
    back to fontTools, which takes ~17 s per letter with the CJK faces."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def check_font_setup(*, stream=None) -> list[str]:
    """Start-up check, meant for AppConfig.ready(): returns the problems found and says
    them loudly (log at ERROR and a banner on stderr).  Never raises."""
    problems: list[str] = []
    try:
        if not harfbuzz_subset_available():
            problems.append(
                "libharfbuzz-subset0 is missing or too old: every notice PDF will take ~17 s "
                "(WeasyPrint falls back to fontTools). Install it: apt-get install libharfbuzz-subset0")
    except Exception as exc:  # noqa: BLE001 - a start-up check must not stop the server
        problems.append(f"WeasyPrint cannot load its libraries: {exc}")
    if not installed_cjk_families():
        problems.append("no CJK font is installed: apt-get install fonts-noto-cjk fonts-arphic-ukai")
    if not built_subsets():
        problems.append(
            f"the notice font subset is not built in {FONT_DIR}: PDFs render, but slower and larger. "
            "Run: python -m inspection.notices.fonts build")
    from . import letterfaces

    # A county's dropped faces: a bad file is said here at start-up, the letter still prints.
    problems += [f"公文字体：{p}" for p in letterfaces.scan().problems]
    for problem in problems:
        logger.error("notice PDFs: %s", problem)
    if problems:
        out = stream or sys.stderr
        banner = "!" * 78
        print(banner, *("!! " + p for p in problems), banner, sep="\n", file=out)
    return problems


# ---------------------------------------------------------------------------
# CSS font stacks
# ---------------------------------------------------------------------------

def _quote(family: str) -> str:
    return '"' + family.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _stack(gov: tuple[str, ...], subset_family: str | None, full: tuple[str, ...]) -> list[str]:
    present = installed_families()
    # Only installed government faces are named: an unknown name would make fontconfig
    # substitute its own default (DejaVu) with no CJK at all.
    stack = [f for f in gov if f in present]
    if subset_family:
        stack.append(subset_family)
    stack += [f for f in full if f in present or not present]
    cjk = installed_cjk_families()
    last = next((f for f in (NOTO_SERIF, NOTO_SANS, UKAI) if f in present), cjk[0] if cjk else None)
    if last and stack[-1:] != [last]:
        stack.append(last)
    return stack


@dataclass(frozen=True)
class FontStacks:
    fangsong: list[str]  # body, 仿宋
    xiaobiaosong: list[str]  # title and authority mark, 小标宋
    xiaobiaosong_is_gov: bool  # the government face is a display face: no synthetic bold
    heiti: list[str]  # first-level headings, 黑体
    kaiti: list[str]  # second-level headings, 楷体
    songti: list[str]  # page numbers, 宋体
    font_faces: list[dict]  # the subset files to declare with @font-face


def font_stacks(font_dir: Path = FONT_DIR, letter_faces=None) -> FontStacks:
    """The family of each text role: a county's dropped face first (see letterfaces.py),
    then an installed government face, then our subset, then the full free faces."""
    from . import letterfaces

    found = letter_faces if letter_faces is not None else letterfaces.scan()
    subsets = [f for f in built_subsets(font_dir) if "role" not in f]
    families = {f["family"] for f in subsets}
    dropped, dropped_faces = _dropped_faces(font_dir, found)

    def sub(name: str) -> str | None:
        return name if name in families else None

    def stack(role: str, gov, subset_family, full) -> list[str]:
        return dropped.get(role, []) + _stack(gov, sub(subset_family), full)

    present = installed_families()
    return FontStacks(
        fangsong=stack("fangsong", GOV_FANGSONG, "Ancha Serif SC", (NOTO_SERIF, UKAI)),
        xiaobiaosong=stack("xiaobiaosong", GOV_XIAOBIAOSONG, "Ancha Serif SC", (NOTO_SERIF, NOTO_SANS)),
        xiaobiaosong_is_gov=("xiaobiaosong" in dropped
                             or any(f in present for f in GOV_XIAOBIAOSONG)),
        heiti=stack("heiti", GOV_HEITI, "Ancha Sans SC", (NOTO_SANS, NOTO_SERIF)),
        kaiti=stack("kaiti", GOV_KAITI, "Ancha Kai CN", (UKAI, NOTO_SERIF)),
        songti=_stack(GOV_SONGTI, sub("Ancha Serif SC"), (NOTO_SERIF,)),
        font_faces=subsets + dropped_faces,
    )


def _dropped_faces(font_dir: Path, found) -> tuple[dict[str, list[str]], list[dict]]:
    """Per role, the CSS family of its dropped face, and the file to declare for it: the
    subset cut from it when that subset is built from these very bytes (by hash), else the
    dropped file itself (slower to embed, but the letter never waits for a build)."""
    built = {f["role"]: f for f in built_subsets(font_dir) if "role" in f}
    families: dict[str, list[str]] = {}
    faces: list[dict] = []
    for key, face in found.faces.items():
        subset = built.get(key)
        if subset and subset.get("source_sha256") == face.sha256:
            faces.append(subset)
        elif face.index == 0:
            logger.warning("公文字体：%s 的子集尚未生成，直接使用原字体文件（较慢）；请运行 make fonts。",
                           face.path.name)
            faces.append({"family": face.role.css_family, "weight": 400, "role": key,
                          "path": str(face.path)})
        else:
            logger.warning("公文字体：%s 是字体集合，须先运行 make fonts 生成子集，暂用默认字体。",
                           face.path.name)
            continue
        families[key] = [face.role.css_family]
    return families, faces


def font_css(stacks: FontStacks) -> str:
    """The @font-face rules and the family of each text role, as one stylesheet."""
    parts = []
    for face in stacks.font_faces:
        url = Path(face["path"]).resolve().as_uri()
        parts.append(
            f'@font-face {{ font-family: {_quote(face["family"])}; src: url("{url}"); '
            f'font-weight: {face["weight"]}; font-style: normal; }}')

    def family(stack: list[str]) -> str:
        return ", ".join(_quote(f) for f in stack)

    title_weight = "normal" if stacks.xiaobiaosong_is_gov else "bold"
    parts += [
        f"html {{ font-family: {family(stacks.fangsong)}; }}",
        f".f-xbs {{ font-family: {family(stacks.xiaobiaosong)}; font-weight: {title_weight}; }}",
        f".f-hei {{ font-family: {family(stacks.heiti)}; font-weight: normal; }}",
        f".f-kai {{ font-family: {family(stacks.kaiti)}; font-weight: normal; }}",
        f"@page {{ @bottom-left {{ font-family: {family(stacks.songti)}; }} "
        f"@bottom-right {{ font-family: {family(stacks.songti)}; }} }}",
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m inspection.notices.fonts")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the font subsets (idempotent)")
    b.add_argument("--out", type=Path, default=FONT_DIR)
    b.add_argument("--force", action="store_true")
    s = sub.add_parser("status", help="show the subsets and the CSS font stacks")
    s.add_argument("--out", type=Path, default=FONT_DIR)
    for p in (b, s):
        p.add_argument("--letter-dir", type=Path, default=None,
                       help="folder of the licensed letter faces (default: ANCHA_LETTER_FONTS_DIR)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "build":
        started = time.monotonic()
        print(f"font subsets for the notice PDFs in {args.out}:", flush=True)
        written = build(args.out, force=args.force, letter_dir=args.letter_dir,
                        progress=lambda line: print(line, flush=True))
        print(f"font subsets up to date ({len(written)} built, {time.monotonic() - started:.1f} s)",
              flush=True)
        return 0 if built_subsets(args.out) else 1
    from . import letterfaces

    found = letterfaces.scan(args.letter_dir)
    print(f"公文字体文件夹：{found.folder}", *letterfaces.report(found), sep="\n")
    stacks = font_stacks(args.out, found)
    print(json.dumps({"subsets": built_subsets(args.out), "stacks": {
        "fangsong": stacks.fangsong, "xiaobiaosong": stacks.xiaobiaosong, "heiti": stacks.heiti,
        "kaiti": stacks.kaiti, "songti": stacks.songti}}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
