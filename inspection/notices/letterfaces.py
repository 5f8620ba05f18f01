"""A county's licensed letter faces, dropped into a folder (ANCHA_LETTER_FONTS_DIR).

The government faces of a 公文 (仿宋_GB2312, 方正小标宋, 黑体, 楷体_GB2312) are not free
software, so the project cannot ship them; an office that holds a licence copies the files
into the folder and restarts.  Each file is recognised by its family name (the font's name
table) or, failing that, by its file name (仿宋_GB2312.ttf, FangSong_GB2312.ttf …), and must
hold every GB2312 hanzi: a face that lacks some would print a letter in two faces, so it is
left out and the role keeps its free face (Noto Serif CJK, Noto Sans CJK, AR PL UKai).
Every role falls back on its own; a file that cannot be read is reported, never fatal.

    python -m inspection.notices.fonts status    # which dropped file each role uses, and why not
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import fonts

logger = logging.getLogger(__name__)

ENV_NAME = "ANCHA_LETTER_FONTS_DIR"
DEFAULT_DIR = fonts.PROJECT_ROOT / "var" / "letter-fonts"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class Role:
    key: str
    label: str  # how a person names the face
    css_family: str  # the family the renderer registers it under (never a system name)
    file_stem: str  # the subset file built from it in the font cache
    names: tuple[str, ...]  # family names and documented file names, best first


ROLES = (
    Role("fangsong", "仿宋_GB2312（正文）", "Ancha FangSong", "AnchaFangSong",
         fonts.GOV_FANGSONG + ("fangsong",)),
    Role("xiaobiaosong", "方正小标宋（发文机关标志、标题）", "Ancha XiaoBiaoSong", "AnchaXiaoBiaoSong",
         fonts.GOV_XIAOBIAOSONG + ("方正小标宋", "xiaobiaosong")),
    Role("heiti", "黑体（一级标题、附件）", "Ancha HeiTi", "AnchaHeiTi", fonts.GOV_HEITI + ("heiti",)),
    Role("kaiti", "楷体_GB2312（二级标题）", "Ancha KaiTi", "AnchaKaiTi", fonts.GOV_KAITI + ("kaiti",)),
)
ROLE_BY_KEY = {role.key: role for role in ROLES}


@dataclass(frozen=True)
class LetterFace:
    role: Role
    path: Path
    index: int  # the face inside a .ttc collection
    family: str  # the name it was recognised by
    sha256: str
    rank: int  # position of that name in the role's list: lower is better


@dataclass
class LetterFaces:
    folder: Path | None
    faces: dict[str, LetterFace] = field(default_factory=dict)  # role key -> face in use
    problems: list[str] = field(default_factory=list)  # said in Chinese, for people


def letter_fonts_dir() -> Path | None:
    """The folder from Django's settings when they are loaded, else the environment (the
    install-time build runs without Django), else var/letter-fonts."""
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, ENV_NAME, DEFAULT_DIR)
    except ImportError:  # pragma: no cover - Django is always installed here
        pass
    raw = (os.environ.get(ENV_NAME) or "").strip()
    return Path(raw).expanduser().resolve() if raw else DEFAULT_DIR


@functools.cache
def gb2312_hanzi() -> frozenset[int]:
    return frozenset(ord(c) for c in fonts.subset_characters() if "\u4e00" <= c <= "\u9fff")


def _norm(name: str) -> str:
    return "".join(name.split()).casefold()


def _rank(role: Role, names: list[str]) -> int | None:
    wanted = [_norm(n) for n in role.names]
    ranks = [wanted.index(_norm(n)) for n in names if _norm(n) in wanted]
    return min(ranks) if ranks else None


def _family_names(font) -> list[str]:
    names = []
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            try:
                names.append(record.toUnicode())
            except UnicodeDecodeError:
                continue
    return names


def _read_file(path: Path) -> list[tuple[int, list[str], set[int]]]:
    """(index, family names, code points) of every face in one file; raises on a bad file."""
    from fontTools.ttLib import TTCollection, TTFont

    with open(path, "rb") as f:
        is_collection = f.read(4) == b"ttcf"
    count = len(TTCollection(str(path), lazy=True).fonts) if is_collection else 1
    faces = []
    for index in range(count):
        font = TTFont(str(path), fontNumber=index if is_collection else -1, lazy=True)
        faces.append((index, _family_names(font), set(font.getBestCmap() or {})))
    return faces


def _consider(path: Path, found: LetterFaces, candidates: list[LetterFace]) -> None:
    from .fontbuild import file_sha256

    try:
        faces = _read_file(path)
    except Exception as exc:  # noqa: BLE001 - a bad file is reported, never fatal
        logger.debug("letter face %s unreadable: %r", path, exc)
        found.problems.append(f"字体文件“{path.name}”无法读取（不是有效的字体文件或文件已损坏），未使用。")
        return
    matched = False
    for index, names, cmap in faces:
        for role in ROLES:
            rank = _rank(role, names)
            by_file = rank is None
            if by_file:
                rank = _rank(role, [path.stem])
            if rank is None:
                continue
            matched = True
            missing = len(gb2312_hanzi() - cmap)
            if missing:
                found.problems.append(
                    f"字体文件“{path.name}”（{role.label}）缺少国标GB2312汉字{missing}个"
                    f"（共{len(gb2312_hanzi())}个），未使用，仍用默认字体。")
                continue
            family = path.stem if by_file else next(n for n in names if _rank(role, [n]) is not None)
            # A name-table match outranks a file-name match of the same role.
            candidates.append(LetterFace(role, path, index, family, file_sha256(path),
                                         rank + (1000 if by_file else 0)))
    if not matched:
        shown = "、".join(dict.fromkeys(ns[0] for _, ns, _ in faces if ns)) or "无"
        found.problems.append(
            f"字体文件“{path.name}”（字体名称：{shown}）不是公文所用的字体，未使用。"
            "可将文件改名为 仿宋_GB2312、方正小标宋简体、黑体 或 楷体_GB2312（扩展名不变）。")


def scan(folder: Path | None = None) -> LetterFaces:
    """The faces dropped into ``folder`` (default: the setting), one per role, and what
    was wrong with the others.  An unset or absent default folder is simply empty."""
    explicit = folder is not None
    folder = folder if folder is not None else letter_fonts_dir()
    explicit = explicit or (folder is not None and Path(folder) != DEFAULT_DIR)
    found = LetterFaces(folder)
    if folder is None or not Path(folder).is_dir():
        if folder is not None and explicit:
            found.problems.append(f"公文字体文件夹“{folder}”不存在，信函使用默认字体。")
        return found
    candidates: list[LetterFace] = []
    for path in sorted(Path(folder).iterdir()):
        if path.is_file() and path.suffix.lower() in FONT_SUFFIXES:
            _consider(path, found, candidates)
    for face in sorted(candidates, key=lambda f: (f.rank, f.path.name, f.index)):
        if face.role.key in found.faces:
            chosen = found.faces[face.role.key]
            if chosen.path != face.path:
                found.problems.append(
                    f"字体文件“{face.path.name}”与“{chosen.path.name}”同为{face.role.label}，"
                    f"使用“{chosen.path.name}”。")
            continue
        found.faces[face.role.key] = face
    return found


def subset_face(face: LetterFace) -> fonts.SubsetFace:
    """The subset the install-time build cuts from a dropped face (named as the role's CSS
    family, so fontconfig never takes it for another face)."""
    with open(face.path, "rb") as f:
        head = f.read(4)
    if head == b"ttcf":
        from fontTools.ttLib import TTFont

        head = b"OTTO" if "CFF " in TTFont(str(face.path), fontNumber=face.index, lazy=True) else b""
    suffix = ".otf" if head == b"OTTO" else ".ttf"
    return fonts.SubsetFace(face.role.css_family, 400, str(face.path), face.role.file_stem + suffix)


def report(found: LetterFaces) -> list[str]:
    """Lines for a person: which dropped file each role uses, then the problems."""
    lines = []
    for role in ROLES:
        face = found.faces.get(role.key)
        where = f"“{face.path.name}”（{face.family}）" if face else "默认字体"
        lines.append(f"{role.label}：{where}")
    return lines + found.problems


def log_problems(found: LetterFaces) -> None:
    for problem in found.problems:
        logger.warning("公文字体：%s", problem)
