"""Checklist versions (检查清单), changed from the web: a new version is drafted as a copy of the one
in force, edited while a draft, and published with the day it takes effect.

    start_checklist_draft(actor=, county=)                → the county's draft (one at a time)
    save_checklist_draft(actor=, checklist=, name=, items=[ItemData]) its items replaced, audited
    publish_checklist(actor=, checklist=, effective_on=)  no longer editable; new visits from that day use it
    discard_checklist_draft(actor=, checklist=)

A published version never changes: the inspections that used it keep it (`Inspection.checklist`),
and their findings keep pointing at its items. A draft is used by nothing, so its items can be
replaced. Which version a new visit takes is `Checklist.objects.in_force(county, day)`.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from inspection.errors import Conflict, InspectionError
from inspection.models import Checklist, ChecklistItem, Severity
from inspection.services.audit import record_event
from scoring import cn_date

AREA_MAX = 32
TEXT_MAX = 500
NAME_MAX = 128
ITEMS_MAX = 100


@dataclass(frozen=True)
class ItemData:
    area: str
    text: str
    severity: str


def _clean_items(items) -> list[ItemData]:
    cleaned = []
    for n, item in enumerate(items, start=1):
        area, text = (item.area or "").strip(), (item.text or "").strip()
        if not area or not text:
            raise InspectionError(f"第{n}项的领域和检查内容都不能为空")
        if len(area) > AREA_MAX:
            raise InspectionError(f"第{n}项的领域过长（最多 {AREA_MAX} 字）")
        if len(text) > TEXT_MAX:
            raise InspectionError(f"第{n}项的检查内容过长（最多 {TEXT_MAX} 字）")
        if item.severity not in Severity.values:
            raise InspectionError(f"第{n}项的严重程度应为一般、较重或严重")
        cleaned.append(ItemData(area, text, item.severity))
    if not cleaned:
        raise InspectionError("检查清单至少要有一项")
    if len(cleaned) > ITEMS_MAX:
        raise InspectionError(f"检查清单最多 {ITEMS_MAX} 项")
    return cleaned


def _items_of(checklist: Checklist) -> list[ItemData]:
    return [ItemData(i.area, i.text, i.severity) for i in checklist.items.order_by("position")]


@transaction.atomic
def start_checklist_draft(*, actor, county) -> Checklist:
    """The county's draft; a new one copies the newest published version."""
    existing = Checklist.objects.select_for_update().filter(county=county, draft=True).first()
    if existing is not None:
        return existing
    source = Checklist.objects.filter(county=county, draft=False).order_by("-version").first()
    version = (Checklist.objects.filter(county=county).aggregate(v=Max("version"))["v"] or 0) + 1
    draft = Checklist.objects.create(county=county, version=version, draft=True,
                                     name=source.name if source else "未成年人保护工作暗查暗访检查清单")
    items = _items_of(source) if source else []
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=draft, position=n, area=i.area, text=i.text, severity=i.severity)
        for n, i in enumerate(items, start=1)
    )
    record_event("checklist.draft_started", actor=actor, county=county, obj=draft,
                 data={"version": version, "copied_from": source.version if source else None})
    return draft


def _locked_draft(checklist: Checklist) -> Checklist:
    row = Checklist.objects.select_for_update().get(pk=checklist.pk)
    if not row.draft:
        raise Conflict(f"{row.label}已经发布，不能再修改；如需调整，请新建一版")
    return row


@transaction.atomic
def save_checklist_draft(*, actor, checklist: Checklist, name: str, items) -> Checklist:
    draft = _locked_draft(checklist)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise InspectionError(f"名称不能为空，最多 {NAME_MAX} 字")
    new, old = _clean_items(items), _items_of(draft)
    draft.items.all().delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=draft, position=n, area=i.area, text=i.text, severity=i.severity)
        for n, i in enumerate(new, start=1)
    )
    draft.name = name
    draft.save(update_fields=["name"])
    record_event("checklist.draft_saved", actor=actor, county=draft.county, obj=draft, data={
        "version": draft.version, "name": name, "items": len(new),
        "added": [f"{i.area}：{i.text}" for i in new if i not in old],
        "removed": [f"{i.area}：{i.text}" for i in old if i not in new],
    })
    return draft


@transaction.atomic
def publish_checklist(*, actor, checklist: Checklist, effective_on: date) -> Checklist:
    draft = _locked_draft(checklist)
    today = timezone.localdate()
    if effective_on < today:
        raise InspectionError("施行日期不能早于今天：已经安排的检查按原清单进行")
    previous = Checklist.objects.filter(county=draft.county, draft=False, effective_on__gt=effective_on).order_by("-effective_on").first()
    if previous is not None:
        raise InspectionError(f"施行日期不能早于{previous.label}的施行日期{cn_date(previous.effective_on)}")
    if not draft.items.exists():
        raise InspectionError("检查清单至少要有一项")
    draft.draft, draft.effective_on, draft.published_at = False, effective_on, timezone.now()
    draft.save(update_fields=["draft", "effective_on", "published_at"])
    record_event("checklist.published", actor=actor, county=draft.county, obj=draft, data={
        "version": draft.version, "effective_on": effective_on.isoformat(), "items": draft.items.count(),
    })
    return draft


@transaction.atomic
def discard_checklist_draft(*, actor, checklist: Checklist) -> None:
    draft = _locked_draft(checklist)
    record_event("checklist.draft_discarded", actor=actor, county=draft.county, obj=draft,
                 data={"version": draft.version})
    draft.items.all().delete()
    draft.delete()
