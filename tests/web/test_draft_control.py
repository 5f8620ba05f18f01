"""Letters under the commission's control (issue 15): edit a draft, quote a choice of its findings,
set the summons meeting, preview it, 拟稿 → 审核签发 by two people, withdraw or void with a reason.

Through the real path: the Django test client on the pages, the API with bearer tokens, the
draft's PDF read back with pdftotext, the audit log as stored."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from inspection.models import AuditEvent, Finding, Notice, NoticeKind, Profile
from inspection.services import drafts
from inspection.services.calendar import work_calendar
from inspection.services.notices import draft_circular, issue_notice
from tests.notices import pdftools
from tests.web.test_pages import page


@pytest.fixture
def staffed(wang, chen):
    Profile.objects.filter(user=wang).update(name="王强", title="市未保办主任")
    return wang


@pytest.fixture
def summons(jinbi_visit):
    return Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)


@pytest.fixture
def circular(jinbi_visit, wang):
    """The week's circular, drafted by wang (a draft that does not depend on how the ladder merges letters)."""
    year, week, _ = jinbi_visit.date.isocalendar()
    return draft_circular(county=jinbi_visit.county, week=f"{year}-W{week:02d}", actor=wang)


def next_workday(county, after_days=3):
    today = timezone.localdate()
    cal = work_calendar(county=county, first=today, last=today + timedelta(days=30))
    day = today + timedelta(days=after_days)
    while not cal.is_workday(day):
        day += timedelta(days=1)
    return day


def ahead(county):
    """A meeting at 09:30 on a working day a few days ahead."""
    return datetime.combine(next_workday(county), datetime.min.time()).replace(hour=9, minute=30)


def next_holiday(county):
    today = timezone.localdate()
    cal = work_calendar(county=county, first=today, last=today + timedelta(days=30))
    day = today + timedelta(days=2)
    while cal.is_workday(day):
        day += timedelta(days=1)
    return day


def edits(notice):
    return [json.loads(e.payload)["data"] for e in
            AuditEvent.objects.filter(object_id=str(notice.pk), action="notice.edited").order_by("seq")]


def patch(client, notice, body):
    return client.patch(f"/api/v1/notices/{notice.pk}", json.dumps(body), content_type="application/json")


def findings_of(notice):
    return list(Finding.objects.filter(inspection=notice.inspection).order_by("id"))


# --------------------------------------------------------------------------- the service


class TestEditDraft:
    def test_an_edit_changes_the_wording_and_records_only_the_changed_fields(self, summons, staffed):
        drafts.edit_draft(notice=summons, actor=staffed, title="关于金碧镇约谈的通知", warning="如再出现同类问题，将依规问责。")
        summons.refresh_from_db()
        assert summons.snapshot["title"] == "关于金碧镇约谈的通知"
        assert summons.drafted_by == staffed
        (event,) = edits(summons)
        assert set(event["before"]) == set(event["after"]) == {"title", "warning"}
        assert event["after"]["title"] == "关于金碧镇约谈的通知"

    def test_dropping_a_quoted_finding_needs_a_reason_and_the_log_keeps_it(self, summons, staffed):
        first, second = findings_of(summons)
        with pytest.raises(drafts.Unprocessable, match="须说明理由"):
            drafts.edit_draft(notice=summons, actor=staffed, findings=[first.pk])
        drafts.edit_draft(notice=summons, actor=staffed, findings=[first.pk], drop_reason="该问题已当场整改")
        summons.refresh_from_db()
        assert [f["text"] for f in summons.snapshot["findings"]] == [first.text]
        assert summons.quoted_findings == [first.pk]
        (event,) = edits(summons)
        assert event["after"]["reason"] == "该问题已当场整改"
        assert event["after"]["dropped_ids"] == [second.pk]
        assert event["after"]["dropped"] == [second.text[:30]]

    def test_a_finding_of_another_inspection_cannot_be_quoted(self, summons, staffed, county, checklist):
        from tests.web.builders import make_team, submit_visit

        other = submit_visit(township=county.townships.get(code="520581001"), checklist=checklist,
                             team=make_team(county, "x"), day=timezone.localdate() - timedelta(days=3),
                             findings=[(6, None, "另一乡镇的问题")])
        foreign = Finding.objects.filter(inspection=other).first()
        with pytest.raises(drafts.Unprocessable, match="只能引用本次暗查发现的问题"):
            drafts.edit_draft(notice=summons, actor=staffed, findings=[foreign.pk])
        with pytest.raises(drafts.Unprocessable, match="至少引用一个问题"):
            drafts.edit_draft(notice=summons, actor=staffed, findings=[], drop_reason="x")

    def test_the_meeting_must_be_ahead_on_a_working_day_with_a_place_and_a_named_host(self, summons, staffed, county):
        with pytest.raises(drafts.Unprocessable, match="须晚于现在"):
            drafts.edit_draft(notice=summons, actor=staffed, meeting_start=timezone.now() - timedelta(hours=1))
        holiday = datetime.combine(next_holiday(county), datetime.min.time()).replace(hour=9)
        with pytest.raises(drafts.Unprocessable, match="不是工作日"):
            drafts.edit_draft(notice=summons, actor=staffed, meeting_start=holiday)
        with pytest.raises(drafts.Unprocessable, match="请填写约谈地点"):
            drafts.edit_draft(notice=summons, actor=staffed, meeting_place="   ")
        with pytest.raises(drafts.Unprocessable, match="不超过60字"):
            drafts.edit_draft(notice=summons, actor=staffed, meeting_place="会" * 61)
        unnamed = summons.county.profiles.filter(name="").exclude(role="commission").first()
        with pytest.raises(drafts.Unprocessable, match="名单中选择"):
            drafts.edit_draft(notice=summons, actor=staffed, meeting_host=unnamed.user_id if unnamed else 999999)
        day = datetime.combine(next_workday(county), datetime.min.time()).replace(hour=15)
        drafts.edit_draft(notice=summons, actor=staffed, meeting_start=day, meeting_place="市政务中心三楼会议室",
                          meeting_host=staffed.pk)
        summons.refresh_from_db()
        assert summons.snapshot["meeting"]["start"] == day.strftime("%Y-%m-%dT15:00")
        assert summons.snapshot["meeting"]["host"] == "市未保办主任王强"
        assert summons.meeting_host == staffed

    def test_only_drafts_of_the_office_are_edited(self, summons, staffed, chen, zhang, media_in_a_temporary_folder):
        with pytest.raises(drafts.NotFound):
            drafts.edit_draft(notice=summons, actor=zhang, title="篡改")
        with pytest.raises(drafts.Forbidden):
            drafts.edit_draft(notice=summons, actor=None, title="系统")
        issue_notice(notice=summons, actor=chen)
        with pytest.raises(drafts.Conflict):
            drafts.edit_draft(notice=summons, actor=staffed, title="印发后再改")


class TestTwoPeople:
    def test_the_drafter_cannot_sign_off_and_another_can(self, summons, staffed, chen, county, media_in_a_temporary_folder):
        drafts.edit_draft(notice=summons, actor=staffed, title="关于金碧镇约谈的通知", meeting_start=ahead(county))
        with pytest.raises(drafts.Forbidden, match="拟稿人"):
            issue_notice(notice=summons, actor=staffed)
        assert Notice.objects.get(pk=summons.pk).state == Notice.State.DRAFT
        issued = issue_notice(notice=summons, actor=chen)
        assert issued.state == Notice.State.ISSUED and issued.issued_by == chen

    def test_the_last_editor_is_the_drafter(self, summons, staffed, chen, county, media_in_a_temporary_folder):
        drafts.edit_draft(notice=summons, actor=staffed, title="第一稿", meeting_start=ahead(county))
        drafts.edit_draft(notice=summons, actor=chen, title="第二稿")
        with pytest.raises(drafts.Forbidden):
            issue_notice(notice=summons, actor=chen)
        assert issue_notice(notice=summons, actor=staffed).state == Notice.State.ISSUED

    def test_a_letter_only_the_system_drafted_is_signed_by_anyone_of_the_office(self, summons, wang, media_in_a_temporary_folder):
        assert summons.drafted_by is None
        assert issue_notice(notice=summons, actor=wang).state == Notice.State.ISSUED

    def test_whoever_drafts_the_circular_is_its_drafter(self, circular, wang, chen, media_in_a_temporary_folder):
        assert circular.drafted_by == wang
        with pytest.raises(drafts.Forbidden):
            issue_notice(notice=circular, actor=wang)
        drafts.edit_draft(notice=circular, actor=chen, requirements=["各乡镇（街道）对照通报问题立行立改"])
        assert issue_notice(notice=circular, actor=wang).state == Notice.State.ISSUED

    def test_a_worded_summons_whose_meeting_passed_is_not_signed(self, summons, staffed, chen, county, media_in_a_temporary_folder):
        import time_machine

        day = datetime.combine(next_workday(county), datetime.min.time()).replace(hour=9)
        drafts.edit_draft(notice=summons, actor=staffed, meeting_start=day)
        with time_machine.travel(timezone.make_aware(day + timedelta(days=1)), tick=False):
            with pytest.raises(drafts.Unprocessable, match="已过"):
                issue_notice(notice=summons, actor=chen)


# --------------------------------------------------------------------------- the pages


class TestDraftPage:
    def test_a_refused_edit_keeps_everything_typed(self, client, summons, staffed):
        client.force_login(staffed)
        first, _second = findings_of(summons)
        response = client.post(f"/notices/{summons.pk}/edit/", {
            "title": "新的标题", "requirements": "第一条要求\n第二条要求", "warning": "新的预警",
            "findings": [str(first.pk)], "drop_reason": "",
            "meeting_start": summons.snapshot["meeting"]["start"], "meeting_place": "新的会议室", "meeting_host": "",
        })
        assert response.status_code == 422
        html = response.content.decode()
        assert "删去引用的问题须说明理由" in html
        assert "新的标题" in html and "第二条要求" in html and "新的会议室" in html and "新的预警" in html
        assert Notice.objects.get(pk=summons.pk).snapshot == summons.snapshot

    def test_a_saved_edit_shows_in_the_history_and_the_preview(self, client, summons, staffed, chen):
        client.force_login(staffed)
        first, second = findings_of(summons)
        response = client.post(f"/notices/{summons.pk}/edit/", {
            "title": summons.snapshot["title"], "requirements": "限期十日内报送整改方案", "warning": summons.snapshot["warning"],
            "findings": [str(first.pk)], "drop_reason": "系重复记录",
            "meeting_start": summons.snapshot["meeting"]["start"], "meeting_place": summons.snapshot["meeting"]["place"],
            "meeting_host": "",
        }, follow=True)
        html = response.content.decode()
        assert "草稿已保存" in html
        assert "王强" in html and "修改草稿" in html and "系重复记录" in html and "引用的问题" in html
        assert "须由另一位未保办人员审核签发" in html and 'action="/notices/%d/issue/"' % summons.pk not in html
        pdf = client.get(f"/api/v1/notices/{summons.pk}/pdf").content
        text = pdftools.flat(pdftools.text(pdf))
        assert "限期十日内报送整改方案" in text and "草稿" in text
        assert pdftools.flat(second.text) not in text
        client.force_login(chen)
        assert 'action="/notices/%d/issue/"' % summons.pk in page(client, f"/notices/{summons.pk}/")

    def test_void_needs_a_reason_and_the_official_reads_it(self, client, summons, circular, wang, zhang, media_in_a_temporary_folder):
        client.force_login(wang)
        refused = client.post(f"/notices/{circular.pk}/void/", {"reason": " "})
        assert refused.status_code == 422 and "请填写原因" in refused.content.decode()
        withdrawn = client.post(f"/notices/{circular.pk}/void/", {"reason": "统计有误，重新起草"}, follow=True)
        assert "草稿已撤回" in withdrawn.content.decode() and "撤回草稿" in withdrawn.content.decode()
        assert Notice.objects.get(pk=circular.pk).state == Notice.State.VOID
        issue_notice(notice=summons, actor=wang)
        client.post(f"/notices/{summons.pk}/void/", {"reason": "问题认定有误，另行发文"})
        client.force_login(zhang)
        html = page(client, f"/notices/{summons.pk}/")
        assert "已作废" in html and "问题认定有误，另行发文" in html

    def test_observers_and_officials_cannot_edit_or_void(self, client, summons, qian, zhang):
        for user in (qian, zhang):
            client.force_login(user)
            assert client.post(f"/notices/{summons.pk}/edit/", {"title": "x"}).status_code == 404
            assert client.post(f"/notices/{summons.pk}/void/", {"reason": "x"}).status_code == 404
        assert Notice.objects.get(pk=summons.pk).state == Notice.State.DRAFT


# --------------------------------------------------------------------------- the API


class TestApi:
    def test_edit_preview_and_issue_by_two_people(self, api, summons, staffed, chen, county, media_in_a_temporary_folder):
        staff = api(staffed).get("/api/v1/notices/staff").json()
        assert {"id": staffed.pk, "name": "王强", "title": "市未保办主任", "label": "市未保办主任王强"} in staff
        day = next_workday(county)
        first, _ = findings_of(summons)
        edited = patch(api(staffed), summons, {
            "requirements": ["一周内报送整改方案"], "findings": [first.pk], "drop_reason": "重复",
            "meeting": {"start": f"{day.isoformat()}T10:00", "place": "市民中心", "host": chen.pk}})
        assert edited.status_code == 200, edited.content
        body = edited.json()
        assert body["drafted_by"] == "wang" and body["quoted_findings"] == [first.pk]
        assert body["snapshot"]["meeting"]["host"] == "市未保办副主任陈明"
        assert body["edits"][-1]["what"] == "修改草稿" and body["edits"][-1]["reason"] == "重复"
        refused = api(staffed).post(f"/api/v1/notices/{summons.pk}/issue")
        assert refused.status_code == 403 and "拟稿人" in refused.json()["detail"]
        assert api(chen).post(f"/api/v1/notices/{summons.pk}/issue").status_code == 200

    def test_bad_edits_are_refused_in_chinese(self, api, summons, staffed, zhang):
        for body, status, words in [
            ({"title": ""}, 422, "标题不能为空"),
            ({"title": "题" * 61}, 422, "标题不超过60字"),
            ({"requirements": [f"第{i}条" for i in range(11)]}, 422, "最多10条"),
            ({"findings": [2**31 - 1]}, 422, "只能引用本次暗查发现的问题"),
            ({"requirements": ["a" * 201]}, 422, "不超过200字"),
            ({"meeting": {"place": ""}}, 422, "请填写约谈地点"),
            ({"suggestion": "不适用"}, 422, "没有可修改的问责建议"),
            ({}, 422, "没有改动"),
        ]:
            response = patch(api(staffed), summons, body)
            assert response.status_code == status and words in response.json()["detail"], (body, response.content)
        assert patch(api(zhang), summons, {"title": "x"}).status_code == 404
