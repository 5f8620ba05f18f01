"""Setting up a county: its townships from the national list, its checklist, its people."""

import csv
import re
from datetime import date
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from inspection import defaults
from inspection.errors import InspectionError, NotFound
from inspection.models import Checklist, ChecklistItem, County, Inspector, Official, Post, Profile, Role, Township
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.lineage import record_lineage

DIVISIONS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "divisions"
STREETS_CSV = DIVISIONS_DIR / "streets.csv"
AREAS_CSV = DIVISIONS_DIR / "areas.csv"
ADMINISTERED_ELSEWHERE_CSV = DIVISIONS_DIR / "administered_elsewhere.csv"

REQUIRED_COLUMNS = {"code", "name", "areaCode", "provinceCode", "cityCode"}


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    county_code: str
    # Optional columns for an administrative change: `predecessors` (codes separated by ; or |)
    # and `changedOn` (YYYY-MM-DD), the township's lineage (services/lineage.py).
    predecessors: tuple[str, ...] = ()
    changed_on: str = ""


def read_divisions(path: Path = STREETS_CSV, *, county_code: str | None = None) -> list[DivisionRow]:
    """Rows of a National Bureau of Statistics township file (code,name,areaCode,provinceCode,cityCode),
    all of them or one county's (picked from the raw rows: making all 41,352 rows to keep a county's
    ~30 was 0.35 s of CPU in every process that sets a county up, 0.14 s now)."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InspectionError(f"无法读取区划文件 {path}：{exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise InspectionError(f"区划文件缺少列：{', '.join(sorted(missing))}")
        return [
            DivisionRow(r["code"].strip(), r["name"].strip(), r["areaCode"].strip(),
                        tuple(c.strip() for c in re.split(r"[;|]", r.get("predecessors") or "") if c.strip()),
                        (r.get("changedOn") or "").strip())
            for r in reader
            if county_code is None or r["areaCode"].strip() == county_code
        ]


def county_rows(county_code: str, path: Path = STREETS_CSV) -> list[DivisionRow]:
    """The file's rows of one county, parsed once per version of the file (its size and time).

    Every county setup (and every test's county) would otherwise parse all 41,352 national rows.
    """
    try:
        stat = path.stat()
    except OSError:
        return read_divisions(path, county_code=county_code)  # read_divisions says why
    return list(_cached_county_rows(path, stat.st_mtime_ns, stat.st_size, county_code))


@lru_cache(maxsize=16)
def _cached_county_rows(path: Path, mtime_ns: int, size: int, county_code: str) -> tuple[DivisionRow, ...]:
    return tuple(read_divisions(path, county_code=county_code))


@lru_cache(maxsize=1)
def _county_names() -> dict[str, str]:
    with open(AREAS_CSV, newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def county_name_for(code: str) -> str | None:
    return _county_names().get(code)


def administered_elsewhere() -> set[str]:
    """Townships the NBS lists under a county but that another body administers (百里杜鹃管理区)."""
    with open(ADMINISTERED_ELSEWHERE_CSV, newline="", encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


@transaction.atomic
def import_divisions(*, county_code: str, path: Path | None = None, include_administered_elsewhere=False):
    """Create or update the county and its townships. Idempotent. Returns (county, created, updated)."""
    if not (county_code.isdigit() and len(county_code) == 6):
        raise InspectionError(f"县级代码应为6位数字：{county_code!r}")
    rows = county_rows(county_code, Path(path or STREETS_CSV))
    if not include_administered_elsewhere:
        skip = administered_elsewhere()
        rows = [r for r in rows if r.code not in skip]
    if not rows:
        raise NotFound(f"区划文件中没有县级代码为 {county_code} 的乡镇（街道）")
    name = county_name_for(county_code) or county_code
    county, _ = County.objects.get_or_create(
        code=county_code,
        defaults={"name": name, "doc_prefix": defaults.doc_prefix_for(name), "authority_name": defaults.authority_for(name)},
    )
    existing = {t.code: t for t in Township.objects.filter(county=county)}
    created = updated = 0
    for row in rows:
        kind = Township.kind_for(row.name)
        township = existing.get(row.code)
        if township is None:
            Township.objects.create(county=county, code=row.code, name=row.name, kind=kind)
            created += 1
        elif (township.name, township.kind) != (row.name, kind):
            township.name, township.kind = row.name, kind
            township.save(update_fields=["name", "kind"])
            updated += 1
    _record_lineage(county, [r for r in rows if r.predecessors])
    if created or updated:
        record_event("divisions.imported", county=county, obj=county, data={"created": created, "updated": updated})
    refresh_coverage(county=county)  # every township has its dashboard row from the start
    return county, created, updated


def _record_lineage(county: County, rows: list[DivisionRow]) -> None:
    """The divisions file's own account of a merge or split: a new township with its predecessors."""
    shared = [code for row in rows for code in row.predecessors]
    for row in rows:
        try:
            changed_on = date.fromisoformat(row.changed_on)
        except ValueError:
            raise InspectionError(f"区划文件中 {row.code} 有前身代码，但调整日期（changedOn 列）不是“年-月-日”格式：{row.changed_on!r}") from None
        township = Township.objects.get(county=county, code=row.code)
        for code in row.predecessors:
            kind = "split" if shared.count(code) > 1 else "merge"  # one predecessor, several successors
            record_lineage(township=township, predecessor_code=code, changed_on=changed_on, kind=kind,
                           source="区划代码文件")


@transaction.atomic
def ensure_default_checklist(*, county: County) -> Checklist:
    checklist = Checklist.objects.filter(county=county, draft=False).order_by("-version").first()
    if checklist is not None:
        return checklist
    checklist = Checklist.objects.create(county=county, version=1, name=defaults.CHECKLIST_V1_NAME)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=checklist, position=i, area=area, text=text, severity=severity)
        for i, (area, text, severity) in enumerate(defaults.CHECKLIST_V1, start=1)
    )
    record_event("checklist.created", county=county, obj=checklist, data={"version": 1, "items": len(defaults.CHECKLIST_V1)})
    return checklist


class _Passwords:
    """Hashes the demo password once, only if a new account needs it."""

    def __init__(self, raw: str):
        self.raw, self._hash = raw, None

    @property
    def hash(self):
        if self._hash is None:
            self._hash = make_password(self.raw)
        return self._hash


def ensure_user(*, username: str, full_name: str, role: str, county: County, passwords: _Passwords, staff=False):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=full_name, is_staff=staff)
        user.password = passwords.hash
        user.save()
        record_event("user.created", county=county, obj=user, data={"username": username, "role": role})
    Profile.objects.update_or_create(user=user, defaults={"role": role, "county": county})
    return user


# Deterministic demo names: surname × given name, so every run makes the same people.
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = ["建国", "海燕", "志强", "丽华", "永红", "明辉", "秀英", "国庆", "红梅", "晓东", "德明", "燊林",
          "春兰", "光荣", "玉兰", "文军", "桂芳", "建华", "小平", "正清", "金凤", "世杰", "绍林", "兴旺",
          "家国", "学文", "云峰", "朝阳", "应芬", "启明", "远航", "宏伟"]


def demo_name(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7) % len(_GIVEN)]


@transaction.atomic
def load_demo_people(*, county: County, password: str, inspectors: int = 12):
    """Commission, observer, inspectors with home townships, one official per township. Idempotent."""
    passwords = _Passwords(password)
    logins = []
    first_time = not get_user_model().objects.filter(username="commission").exists()
    commission = ensure_user(username="commission", full_name="王主任", role=Role.COMMISSION, county=county,
                             passwords=passwords, staff=True)
    if first_time:  # the demo's office head handles mandatory reports too; a later change of hers stays
        Profile.objects.filter(user=commission).update(report_officer=True, commission_head=True,
                                                       name="王建国", title="市未保办主任")
    logins.append(("commission", "未保办"))
    # A second person of the office: a draft one of them words, the other signs off (拟稿 → 审核签发).
    reviewer_new = not get_user_model().objects.filter(username="commission2").exists()
    reviewer = ensure_user(username="commission2", full_name="陈副主任", role=Role.COMMISSION, county=county,
                           passwords=passwords)
    if reviewer_new:
        Profile.objects.filter(user=reviewer).update(name="陈明", title="市未保办副主任")
    logins.append(("commission2", "未保办（审核签发）"))
    ensure_user(username="observer", full_name="纪委监委观察员", role=Role.OBSERVER, county=county, passwords=passwords)
    logins.append(("observer", "纪委监委"))
    townships = list(Township.objects.filter(county=county, active=True).order_by("code"))
    for i in range(1, inspectors + 1):
        username = f"inspector{i}"
        name = demo_name(100 + i)
        user = ensure_user(username=username, full_name=name, role=Role.INSPECTOR, county=county, passwords=passwords)
        home = townships[(i * 5) % len(townships)]
        Inspector.objects.get_or_create(user=user, defaults={"county": county, "name": name, "home_township": home})
        logins.append((username, "督查组成员"))
    for i, township in enumerate(townships):
        username = f"official-{township.code}"
        name = demo_name(i)
        user = ensure_user(username=username, full_name=name, role=Role.OFFICIAL, county=county, passwords=passwords)
        official, _ = Official.objects.get_or_create(user=user, defaults={"county": county, "name": name})
        if not Post.objects.filter(township=township, ended_on__isnull=True).exists():
            Post.objects.create(official=official, township=township, started_on="2024-01-01")
        logins.append((username, f"{township.name}分管负责人"))
    return logins
