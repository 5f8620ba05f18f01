"""A province's counties from the shipped national list, their people, and the entry points."""

from __future__ import annotations

import csv
import hashlib
import math
import random
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

import rotation
from bench.loadgen.bulk import BATCH, AuditBatch, historic_timestamps
from bench.loadgen.county import CountyPlay, Town
from inspection import defaults
from inspection.errors import InspectionError, NotFound
from inspection.models import County, Inspector, Official, Post, Profile, Role, Township
from inspection.services import setup
from inspection.services.coverage_summary import rebuild_coverage
from scoring import TownshipHistory


@dataclass
class LoadReport:
    province: str
    weeks: int
    counties: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0

    def add(self, name: str, n: int) -> None:
        self.counts[name] += n


# --------------------------------------------------------------------------- the national list


def province_counties(province: str) -> dict[str, list[setup.DivisionRow]]:
    """County code → its townships in the shipped list (the administered-elsewhere ones left out)."""
    if not (province.isdigit() and len(province) == 2):
        raise InspectionError(f"省级代码应为2位数字：{province!r}")
    skip = setup.administered_elsewhere()
    counties: dict[str, list[setup.DivisionRow]] = {}
    for row in setup.read_divisions():
        if row.county_code.startswith(province) and row.code not in skip:
            counties.setdefault(row.county_code, []).append(row)
    if not counties:
        raise NotFound(f"区划文件中没有省级代码为 {province} 的乡镇（街道）")
    return dict(sorted(counties.items()))


def county_names() -> dict[str, str]:
    with open(setup.AREAS_CSV, newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def weekly_capacity(townships: int, start: date) -> int:
    """Inspections a week: Qianxi's 6 per 30 townships, never below what both coverage rules need."""
    return max(1, math.ceil(townships / 5), rotation.minimum_capacity(townships, start=start, weeks=26))


def roster_size(capacity: int) -> int:
    """Enough inspectors for two-person teams on every slot of the busiest weekday, and more."""
    return max(12, 4 * math.ceil(capacity / 5) + 4)


# --------------------------------------------------------------------------- people


def _people(county: County, townships: list[Township], password_hash: str,
            capacity: int, audit: AuditBatch):
    User = get_user_model()
    code = county.code
    names = [
        (f"{code}-commission", "未保办主任", Role.COMMISSION),
        (f"{code}-observer", "纪委监委观察员", Role.OBSERVER),
    ]
    inspectors = roster_size(capacity)
    names += [(f"{code}-inspector{i}", setup.demo_name(100 + i), Role.INSPECTOR) for i in range(1, inspectors + 1)]
    names += [(f"official-{t.code}", setup.demo_name(i), Role.OFFICIAL) for i, t in enumerate(townships)]
    taken = set(User.objects.filter(username__in=[n for n, _, _ in names]).values_list("username", flat=True))
    if taken:
        raise InspectionError(f"{county.name}的账号已存在（如 {sorted(taken)[0]}），请换一个数据库或先清空")
    users = User.objects.bulk_create(
        [User(username=n, first_name=full, password=password_hash, is_staff=role == Role.COMMISSION)
         for n, full, role in names], batch_size=BATCH,
    )
    Profile.objects.bulk_create([Profile(user=u, role=role, county=county) for u, (_, _, role) in zip(users, names)],
                                batch_size=BATCH)
    for user, (_, _, role) in zip(users, names):
        audit.add("user.created", obj=user, county=code, data={"username": user.username, "role": role})
    commission = users[0]
    inspector_users = users[2:2 + inspectors]
    official_users = users[2 + inspectors:]
    # Homes spread over the county (as rotation.default_roster does); in a county of one township
    # the inspectors come from elsewhere, or nobody could go there.
    count = len(inspector_users)
    roster = Inspector.objects.bulk_create([
        Inspector(user=u, county=county, name=u.first_name,
                  home_township=townships[(i * len(townships)) // count] if len(townships) > 1 else None)
        for i, u in enumerate(inspector_users)
    ])
    for inspector, user in zip(roster, inspector_users):
        inspector.user = user
    officials = Official.objects.bulk_create(
        [Official(user=u, county=county, name=u.first_name) for u in official_users], batch_size=BATCH
    )
    for official, user in zip(officials, official_users):
        official.user = user
    posts = Post.objects.bulk_create(
        [Post(official=o, township=t, started_on=date(2024, 1, 1)) for o, t in zip(officials, townships)],
        batch_size=BATCH,
    )
    return commission, roster, officials, posts


# --------------------------------------------------------------------------- entry point


def seed_bytes(seed) -> bytes:
    return hashlib.sha256(f"ancha-load:{seed}".encode()).digest()


@transaction.atomic
def generate_county(*, county_code: str, rows: list[setup.DivisionRow], name: str, weeks: int, seed=0,
                    now: datetime | None = None, password_hash: str) -> dict[str, int] | None:
    """One county, in one transaction: townships, people, `weeks` past weeks of work, audit events.
    Returns the counts, or None when the county already holds draws or inspections."""
    now = now or timezone.now()
    county = County.objects.filter(code=county_code).first()
    if county is not None and (county.draws.exists() or county.inspections.exists()):
        return None
    audit = AuditBatch()
    today = timezone.localdate(now)
    start = today - timedelta(days=today.weekday() + 7 * weeks)
    capacity = weekly_capacity(len(rows), start)
    if county is None:
        county = County.objects.create(
            code=county_code, name=name, doc_prefix=defaults.doc_prefix_for(name),
            authority_name=defaults.authority_for(name), inspections_per_week=capacity,
        )
    else:
        county.inspections_per_week = capacity
        county.save(update_fields=["inspections_per_week"])
    existing = set(Township.objects.filter(county=county).values_list("code", flat=True))
    new = [Township(county=county, code=r.code, name=r.name, kind=Township.kind_for(r.name))
           for r in rows if r.code not in existing]
    Township.objects.bulk_create(new, batch_size=BATCH)
    if new:
        audit.add("divisions.imported", obj=county, county=county_code, data={"created": len(new), "updated": 0})
    townships = list(Township.objects.filter(county=county, active=True).order_by("code"))
    checklist = setup.ensure_default_checklist(county=county)
    commission, roster, officials, posts = _people(county, townships, password_hash, capacity, audit)
    rng = random.Random(f"{seed}:{county_code}")
    towns = [
        Town(row=t, official=o, post=p, diligence=rng.uniform(0.3, 2.2), history=TownshipHistory(township=t.code))
        for t, o, p in zip(townships, officials, posts)
    ]
    play = CountyPlay(county=county, checklist=checklist, inspectors=roster, commission=commission, towns=towns,
                   rng=rng, seed=seed_bytes(seed), weeks=weeks, now=now, audit=audit)
    with historic_timestamps():
        play.run()
        counts = play.save()
    audit.add("load.generated", county=county_code, obj=county, data={"weeks": weeks, "seed": str(seed), **counts})
    rebuild_coverage(county=county)  # the rows were written around the services: the dashboard's summary
    counts["townships"] = len(townships)
    counts["users"] = 2 + len(roster) + len(officials)  # commission, observer, inspectors, officials
    counts["audit_events"] = audit.flush()
    return counts


def generate_load(*, province: str, weeks: int, counties: int | None = None, county_codes: Iterable[str] = (),
                  seed=0, now: datetime | None = None, password: str | None = None,
                  progress: Callable[[str, dict | None], None] | None = None) -> LoadReport:
    """Load a province (or `counties` of its counties, in code order, or the listed ones).
    Each county commits on its own: an interrupted run keeps the counties it finished and a
    second run skips them."""
    if weeks < 1:
        raise InspectionError("周数至少为 1")
    began = clock.perf_counter()
    listing = province_counties(province)
    wanted = list(county_codes)
    if wanted:
        missing = [c for c in wanted if c not in listing]
        if missing:
            raise NotFound(f"省级代码 {province} 下没有县级代码 {', '.join(missing)}")
        chosen = wanted
    else:
        chosen = list(listing)[: counties] if counties else list(listing)
    names = county_names()
    password_hash = make_password(password or defaults.DEMO_PASSWORD_DEFAULT)
    now = now or timezone.now()
    report = LoadReport(province=province, weeks=weeks)
    for code in chosen:
        counts = generate_county(county_code=code, rows=listing[code], name=names.get(code, code), weeks=weeks,
                                 seed=seed, now=now, password_hash=password_hash)
        if counts is None:
            report.skipped.append(code)
        else:
            report.counties.append(code)
            for key, n in counts.items():
                report.add(key, n)
        if progress is not None:
            progress(code, counts)
    report.seconds = clock.perf_counter() - began
    return report
