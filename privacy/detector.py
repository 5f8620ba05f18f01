"""The detector: which spans of a text are a person's data, and what each becomes when masked.

Precision matters as much as recall: inspectors write about 儿童之家, 留守儿童关爱 and 学生安全 all
day, and a warning on every ordinary finding would be clicked away unread. So a name is only
looked for right after a word that introduces a child or a family member (学生, 留守儿童, 其父…),
or right before the 男/女 and age inspectors add; numbers must have the shape (and, for resident
ID numbers, the check digit) of the real thing; an address must reach a house number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from privacy.names import COMPOUND_SURNAMES, FUNCTION_CHARS, NOT_NAMES, SURNAMES

KIND_LABELS = {
    "id_number": "身份证号码",
    "mobile": "手机号码",
    "landline": "固定电话号码",
    "name": "儿童或其家人的姓名",
    "school_class": "学校和年级班级",
    "address": "门牌住址",
}


@dataclass(frozen=True)
class Hit:
    """One span `text[start:end]` of personal data of `kind`; `masked` is what a letter shows instead."""

    kind: str
    start: int
    end: int
    masked: str = ""


HAN = "\u4e00-\u9fff"
CN_DIGITS = "一二三四五六七八九十"

# --------------------------------------------------------------------------- numbers

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})[ -]?(\d{8})[ -]?(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![0-9A-Za-z])")
# A landline needs its area code set apart (0851-2822xxxx, (0851)2822xxxx): a bare run of digits
# in a finding is far more often a count, an amount or a document number.
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(?:(0\d{2,3})[-－ ]|[（(](0\d{2,3})[)）] ?)(\d{7,8})(?![0-9A-Za-z])")


def is_resident_id(digits: str) -> bool:
    """GB 11643: 17 digits, a check character over them (0-9 or X), and a real birth date."""
    if len(digits) != 18 or not digits[:17].isdigit() or digits[0] == "0":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != digits[17].upper():
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return born.year >= 1900


def _numbers(text: str) -> list[Hit]:
    hits = []
    for m in _ID.finditer(text):
        digits = "".join(m.groups())
        if is_resident_id(digits):
            hits.append(Hit("id_number", m.start(), m.end(), digits[:4] + "*" * 10 + digits[-4:].upper()))
    for m in _MOBILE.finditer(text):
        hits.append(Hit("mobile", m.start(), m.end(), f"{m.group(1)}****{m.group(3)}"))
    for m in _LANDLINE.finditer(text):
        area = m.group(1) or m.group(2)
        hits.append(Hit("landline", m.start(), m.end(), f"{area}-****{m.group(3)[-4:]}"))
    return hits


# --------------------------------------------------------------------------- names

# Words after which a name names a child or the child's family.
_NAME_LEADS = (
    "事实无人抚养儿童", "困境儿童", "留守儿童", "流动儿童", "残疾儿童", "孤儿", "患儿", "儿童", "幼儿", "女童",
    "男童", "女孩", "男孩", "学生", "该生", "学童", "未成年人", "孩子", "小孩", "婴儿", "其子", "其女", "之子",
    "之女", "父亲", "母亲", "其父", "其母", "爷爷", "奶奶", "外公", "外婆", "祖父", "祖母", "监护人", "家长",
    "哥哥", "姐姐", "弟弟", "妹妹", "叔叔", "伯父", "伯母", "姑姑", "姑妈", "姨妈", "舅舅", "婶婶", "继父", "继母",
    "养父", "养母", "邻居", "姓名", "名叫", "叫做",
)
_LEAD = re.compile("(?:" + "|".join(sorted(_NAME_LEADS, key=len, reverse=True)) + r")[：:\s“\"「（(]*")
# 张小花（女，9岁） / 张小花，男，12岁: the name before the sex and age inspectors add.
_SEX_AGE = re.compile(rf"([{HAN}]{{2,4}})(?=[（(，, ]\s*[男女][，,、 ）)]*\s*(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[岁周])")


def name_at(text: str, start: int) -> int:
    """The end of a personal name beginning at `start` (surname + one or two given characters), or 0."""
    surname = next((s for s in COMPOUND_SURNAMES if text.startswith(s, start)), "")
    if not surname and start < len(text) and text[start] in SURNAMES:
        surname = text[start]
    if not surname:
        return 0
    given = start + len(surname)
    first = text[given:given + 1]
    if not first or not re.match(f"[{HAN}]", first) or first in FUNCTION_CHARS or first == "某":
        return 0
    if text[start:given + 1] in NOT_NAMES or text[start:given + 2] in NOT_NAMES:
        return 0
    second = text[given + 1:given + 2]
    if second and re.match(f"[{HAN}]", second) and second not in FUNCTION_CHARS and second != "某":
        return given + 2
    return given + 1


def _name_hit(text: str, start: int, end: int) -> Hit:
    surname = next((s for s in COMPOUND_SURNAMES if text.startswith(s, start)), text[start])
    return Hit("name", start, end, surname + "某某")


def _names(text: str) -> list[Hit]:
    hits = []
    for m in _LEAD.finditer(text):
        end = name_at(text, m.end())
        if end:
            hits.append(_name_hit(text, m.end(), end))
    for m in _SEX_AGE.finditer(text):
        # The name is the tail of the run of characters before the sex: try its last three, then two.
        run_end = m.end(1)
        for length in (3, 2, 4):
            start = run_end - length
            if start >= m.start(1) and name_at(text, start) == run_end:
                hits.append(_name_hit(text, start, run_end))
                break
    # A name once introduced is often repeated bare (…其叔叔汪建平，汪建平长期在外…).
    for name in {text[h.start:h.end] for h in hits}:
        at = text.find(name)
        while at >= 0:
            hits.append(_name_hit(text, at, at + len(name)))
            at = text.find(name, at + len(name))
    return hits


# --------------------------------------------------------------------------- schools and addresses

_SCHOOL_CHARS = f"[{HAN}]"
_SCHOOL = (rf"(?:{_SCHOOL_CHARS}{{1,12}}?)(?P<type>中心小学|中心学校|完全小学|完小|小学|初级中学|中学|"
           rf"九年制学校|学校|幼儿园)")
# 三年级, 初二, 高一, or the grade figure of 二（4）班.
_GRADE = rf"(?:[{CN_DIGITS[:9]}1-9]年级|初[一二三]|高[一二三]|[{CN_DIGITS[:9]}1-9](?=[（(]))"
_CLASS = rf"[（(]?(?:[{CN_DIGITS}]{{1,3}}|\d{{1,2}})[）)]?班"
_SCHOOL_CLASS = re.compile(rf"{_SCHOOL}的?\s*{_GRADE}\s*(?P<cls>{_CLASS})?")
# 三年级二班, 六（2）班, 3年级1班: a class without its school still narrows to a few dozen children.
_CLASS_ONLY = re.compile(rf"{_GRADE}\s*{_CLASS}")

_NUMBER = rf"(?:\d{{1,4}}|[{CN_DIGITS}]{{1,3}})"
_VILLAGE_HOUSE = re.compile(
    rf"(?<=[{HAN}])(?:村|社区|居委会)(?P<group>{_NUMBER}(?:组|队)|[{HAN}]{{1,4}}组)?"
    rf"(?P<house>\d{{1,4}}(?:-\d{{1,4}})?号(?:附\d{{1,3}}号)?)"
)
_STREET_HOUSE = re.compile(
    rf"(?<=[{HAN}])(?:路|街|大道|巷|弄)(?P<house>\d{{1,5}}(?:-\d{{1,4}})?号(?:附\d{{1,3}}号)?"
    rf"(?:\d{{1,3}}(?:栋|幢))?(?:\d{{1,2}}单元)?(?:\d{{1,4}}(?:室|号))?)"
)
_BUILDING = re.compile(r"(?<!\d)\d{1,3}(?:栋|幢|号楼)\d{1,2}单元\d{1,4}(?:室|号)?")


def _schools(text: str) -> list[Hit]:
    hits = []
    for m in _SCHOOL_CLASS.finditer(text):
        # Leave the words before the school's name (…发现、在…) to the sentence.
        start = m.start()
        while start < m.start("type") - 2 and text[start] in FUNCTION_CHARS:
            start += 1
        masked = f"某某{m.group('type')}某年级" + ("某班" if m.group("cls") else "")
        hits.append(Hit("school_class", start, m.end(), masked))
    for m in _CLASS_ONLY.finditer(text):
        hits.append(Hit("school_class", m.start(), m.end(), "某年级某班"))
    return hits


def _addresses(text: str) -> list[Hit]:
    hits = []
    for m in _VILLAGE_HOUSE.finditer(text):
        start = m.start("group") if m.group("group") else m.start("house")
        hits.append(Hit("address", start, m.end(), ("某组" if m.group("group") else "") + "某号"))
    for m in _STREET_HOUSE.finditer(text):
        hits.append(Hit("address", m.start("house"), m.end(), "某号"))
    for m in _BUILDING.finditer(text):
        hits.append(Hit("address", m.start(), m.end(), "某栋某单元某室"))
    return hits


# --------------------------------------------------------------------------- the public functions


def find(text: str) -> list[Hit]:
    """Every span of personal data in `text`, in order, never overlapping (the longer span wins)."""
    if not text:
        return []
    found = _numbers(text) + _names(text) + _schools(text) + _addresses(text)
    found.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in found:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


def mask(text: str) -> str:
    """`text` with every span `find` reports replaced by its masked form (张某某, 138****5678 …)."""
    if not text:
        return text
    out, at = [], 0
    for hit in find(text):
        out += [text[at:hit.start], hit.masked]
        at = hit.end
    out.append(text[at:])
    return "".join(out)


def warnings(text: str) -> list[str]:
    """One sentence per kind of personal data in `text`, in Chinese, for the inspector before filing."""
    seen: dict[str, list[str]] = {}
    for hit in find(text):
        seen.setdefault(hit.kind, []).append(hit.masked)
    return [
        f"疑似含有{KIND_LABELS[kind]}，文书、通报、台账和日志中将隐去，显示为“{'、'.join(dict.fromkeys(shown))}”"
        for kind, shown in seen.items()
    ]
