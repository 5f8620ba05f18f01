"""Checklist versions from the web: a new version drafted as a copy of the one in force, its items edited
(area, text, severity; added, removed, reordered) and published with the day it takes effect; old
inspections keep their version, new draws take the one in force."""

from datetime import date

import pytest
from django.utils.html import strip_tags

from inspection.models import AuditEvent, Checklist, Inspection, Severity
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, MONDAY, WEEK, at, roster  # noqa: F401
from tests.inspection.field_fixtures import make_inspection

pytestmark = pytest.mark.django_db

BEFORE = date(2026, 11, 20)


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def items_post(rows, name="未成年人保护工作暗查暗访检查清单（修订）", extra=0):
    data = {"name": name, "items-TOTAL_FORMS": str(len(rows) + extra), "items-INITIAL_FORMS": str(len(rows)),
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{n}-{key}"] = value
    return data


def current_rows(checklist):
    return [{"area": i.area, "text": i.text, "severity": i.severity, "position": ""} for i in checklist.items.order_by("position")]


def new_draft(client):
    response = client.post("/checklists/new/")
    assert response.status_code == 302
    return Checklist.objects.get(draft=True)


def test_a_new_version_is_drafted_edited_and_published_from_the_web(client, wang, checklist):
    client.force_login(wang)
    with at(BEFORE):
        draft = new_draft(client)
        assert draft.version == 2 and draft.items.count() == checklist.items.count()
        assert "第2版（草稿）" in client.get(f"/checklists/{draft.pk}/").content.decode()
        rows = current_rows(checklist)
        rows[0]["severity"] = Severity.CRITICAL  # 工作站 now weighs more
        rows[1]["DELETE"] = "on"
        rows[-1]["position"] = "1"  # the last item moves to the top
        rows.append({"area": "网络保护", "text": "辖区网吧落实未成年人禁入制度，有巡查记录", "severity": Severity.MAJOR, "position": ""})
        response = client.post(f"/checklists/{draft.pk}/save/", items_post(rows), follow=True)
        assert said(response) == ["草稿已保存。"]
        items = list(draft.items.order_by("position"))
        assert len(items) == checklist.items.count()  # one removed, one added
        assert items[0].text == checklist.items.order_by("position").last().text
        assert items[1].severity == Severity.CRITICAL
        assert items[-1].area == "网络保护"
        assert checklist.items.order_by("position").first().severity == Severity.MAJOR  # v1 untouched

        response = client.post(f"/checklists/{draft.pk}/publish/", {"effective_on": "2026-11-30"}, follow=True)
        assert said(response) == ["已发布第2版（2026年11月30日起施行）。此后安排的检查使用新版清单，此前的检查仍按原清单。"]
        listing = client.get("/checklists/").content.decode()
        # The words a reader sees: a CSRF token in the page's forms now and then holds "v2".
        shown = strip_tags(listing)
        assert "第2版（2026年11月30日起施行）" in shown and "待施行" in shown and "v2" not in shown
        assert AuditEvent.objects.filter(action="checklist.published", actor="wang").exists()
    draft.refresh_from_db()
    assert Checklist.objects.in_force(checklist.county, date(2026, 11, 29)) == checklist
    assert Checklist.objects.in_force(checklist.county, date(2026, 11, 30)) == draft


def test_new_draws_use_the_version_in_force_and_old_inspections_keep_theirs(client, wang, roster, checklist, jinbi, li):
    old = make_inspection(township=jinbi, checklist=checklist, team=[li], day=date(2026, 11, 19))
    client.force_login(wang)
    with at(BEFORE):
        draft = new_draft(client)
        client.post(f"/checklists/{draft.pk}/publish/", {"effective_on": MONDAY.isoformat()})
    from inspection.services.draws import seal_draw

    with at(FRIDAY_BEFORE):
        draw = seal_draw(county=roster, week=WEEK, actor=wang)
    assert set(Inspection.objects.filter(draw=draw).values_list("checklist_id", flat=True)) == {draft.pk}
    old.refresh_from_db()
    assert old.checklist_id == checklist.pk
    page = client.get(f"/inspections/{old.pk}/").content.decode()
    assert "检查清单第1版" in page and " v1" not in page


def test_a_draft_is_never_used_by_a_draw(client, wang, roster, checklist):
    client.force_login(wang)
    with at(BEFORE):
        new_draft(client)
    from inspection.services.draws import seal_draw

    with at(FRIDAY_BEFORE):
        draw = seal_draw(county=roster, week=WEEK, actor=wang)
    assert set(Inspection.objects.filter(draw=draw).values_list("checklist_id", flat=True)) == {checklist.pk}


def test_bad_edits_are_refused_in_chinese_and_nothing_typed_is_lost(client, wang, checklist):
    client.force_login(wang)
    with at(BEFORE):
        draft = new_draft(client)
        rows = current_rows(checklist)
        rows[0]["severity"] = "huge"
        rows[1]["text"] = "新写的内容，不能丢"
        response = client.post(f"/checklists/{draft.pk}/save/", items_post(rows))
        assert said(response) == ["严重程度应为一般、较重或严重"]
        assert "新写的内容，不能丢" in response.content.decode()
        assert draft.items.order_by("position")[1].text == checklist.items.order_by("position")[1].text

        every = [dict(r, DELETE="on") for r in current_rows(checklist)]
        response = client.post(f"/checklists/{draft.pk}/save/", items_post(every))
        assert said(response) == ["检查清单至少要有一项"]

        response = client.post(f"/checklists/{draft.pk}/publish/", {"effective_on": "2026-11-01"})
        assert said(response) == ["施行日期不能早于今天：已经安排的检查按原清单进行"]
        response = client.post(f"/checklists/{draft.pk}/publish/", {"effective_on": "十二月"})
        assert said(response) == ["施行日期格式应为 年-月-日"]
        draft.refresh_from_db()
        assert draft.draft


def test_a_published_version_cannot_be_changed(client, wang, checklist):
    client.force_login(wang)
    with at(BEFORE):
        response = client.post(f"/checklists/{checklist.pk}/save/", items_post(current_rows(checklist)[:1]), follow=True)
        assert said(response) == ["第1版已经发布，不能再修改；如需调整，请新建一版"]
        assert client.post(f"/checklists/{checklist.pk}/discard/").status_code == 302
    assert checklist.items.count() == 16 and Checklist.objects.filter(pk=checklist.pk).exists()


@pytest.mark.parametrize("who", ["li", "zhang", "qian"])
def test_only_the_commission_edits_checklists(request, client, checklist, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/checklists/").status_code == 404
    assert client.post("/checklists/new/").status_code == 404
    assert client.post(f"/checklists/{checklist.pk}/save/", items_post([])).status_code == 404
    assert not Checklist.objects.filter(draft=True).exists()
