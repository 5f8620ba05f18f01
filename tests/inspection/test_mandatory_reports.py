"""The mandatory-report fast lane (强制报告, issue 16), through the API, the services and the command.

A finding marked 疑似侵害未成年人 opens a case outside the township ladder: the case and its
transfer letter exist, the child is described, never named or identified in the letter; the
township's official, its letters, the circular, the ledger and its export hold nothing of it; only
designated officers and the observer read it; a case whose receipt is not recorded in time turns
red and tells the head; closed cases lose their text after the retention, audited.
"""

import io
import json
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from inspection.models import AuditEvent, Inspection, MandatoryReport, MandatoryReportEvent, Notification
from inspection.services.audit import verify_chain
from inspection.services.inspections import submit_inspection
from inspection.services.notices import circular_snapshot, draft_circular
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)

CHILD_NAME = "王小明"
CHILD_ID = "520581201501011234"
PARENT_PHONE = "13812345678"
WHAT = "入户走访时发现该儿童手臂有多处淤伤，自述常被同住成年人殴打。"
DESCRIPTION = "约10岁男童，小学四年级在读"
IDENTITY = f"{CHILD_NAME}，身份证号{CHILD_ID}，父亲电话{PARENT_PHONE}"
SECRETS = (CHILD_NAME, CHILD_ID, PARENT_PHONE)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def designate(user, *, officer=True, head=False):
    profile = user.profile
    profile.report_officer, profile.commission_head = officer, head
    profile.save()
    return user


def body(inspection=None, **changes):
    data = {"what": WHAT, "location": "金碧镇某村", "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "child_description": DESCRIPTION, "child_identity": IDENTITY, "agency": "police"}
    if inspection is not None:
        data["inspection_id"] = inspection.pk
    return {**data, **changes}


def file(api, user, data, key="k-1"):
    return api(user).post_json("/api/v1/reports", data, **{"Idempotency-Key": key})


@pytest.fixture
def filed(api, li, dispatched):  # noqa: F811
    """li marks what he saw on today's visit to 金碧镇 疑似侵害未成年人."""
    response = file(api, li, body(dispatched))
    assert response.status_code == 201, response.content
    return MandatoryReport.objects.get(pk=response.json()["id"])


def test_a_marked_finding_opens_a_case_and_its_letter_names_no_child(api, li, dispatched, filed):  # noqa: F811
    assert filed.inspection == dispatched and filed.state == "open"
    assert dispatched.findings.count() == 0  # taken out of the township's record: nothing to score
    assert filed.due_at == filed.discovered_at + timedelta(hours=1)
    assert filed.letter_number == f"黔西未保办移〔{timezone.localdate().year}〕1号"
    text = pdf_text(filed.pdf.read())
    assert "关于移送强制报告线索的函" in text and "黔西市公安局" in text
    assert "约10岁男童" in text
    assert all(secret not in text for secret in SECRETS)
    mine = api(li).get("/api/v1/reports/mine").json()
    assert [m["id"] for m in mine] == [filed.pk] and "what" not in mine[0] and "child_identity" not in mine[0]


def test_the_same_key_files_once(api, li, dispatched):  # noqa: F811
    data = body(dispatched)  # one body: built twice, the minute in it could turn between the two
    first = file(api, li, data, key="same")
    again = file(api, li, data, key="same")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert MandatoryReport.objects.count() == 1


def test_bad_input_gets_a_clear_chinese_reason(api, li, dispatched, wang):  # noqa: F811
    future = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = file(api, li, body(dispatched, discovered_at=future))
    assert response.status_code == 422 and "发现时间不能晚于当前时间" in response.json()["detail"]
    response = file(api, li, body(dispatched, what="   "), key="k-2")
    assert response.status_code == 422 and response.json()["detail"] == "请填写线索情况"
    response = file(api, li, body(), key="k-3")  # an inspector reports from a visit of theirs
    assert response.status_code == 422 and "检查" in response.json()["detail"]
    assert MandatoryReport.objects.count() == 0


def test_an_inspector_not_on_the_team_cannot_file_on_that_visit(api, county, dispatched):  # noqa: F811
    from tests.conftest import _user
    from inspection.models import Inspector, Role

    zhou = _user("zhou", Role.INSPECTOR, county, "周督查")
    Inspector.objects.create(user=zhou, county=county, name="周督查")
    assert file(api, zhou, body(dispatched)).status_code == 404


def test_the_commission_may_file_directly(api, wang):
    response = file(api, wang, body(agency="education", agency_name="黔西市教育局"))
    assert response.status_code == 201
    report = MandatoryReport.objects.get()
    assert report.inspection is None and "黔西市教育局" in pdf_text(report.pdf.read())


def test_only_designated_officers_and_the_observer_read_the_case(api, filed, wang, qian, zhang, li):
    assert api(wang).get("/api/v1/reports").status_code == 404  # not designated: a count only
    assert api(wang).get(f"/api/v1/reports/{filed.pk}").status_code == 404
    assert api(wang).get("/api/v1/reports/summary").json() == {"open": 1, "late": 0}
    observed = api(qian).get(f"/api/v1/reports/{filed.pk}").json()
    assert observed["what"] == WHAT and observed["child_identity"] is None  # the identity: officers only
    designate(wang)
    seen = api(wang).get(f"/api/v1/reports/{filed.pk}").json()
    assert seen["child_identity"] == IDENTITY and seen["letter_number"] == filed.letter_number
    for path in ("/api/v1/reports", f"/api/v1/reports/{filed.pk}", "/api/v1/reports/summary",
                 f"/api/v1/reports/{filed.pk}/letter"):
        assert api(zhang).get(path).status_code == 404
    assert api(li).get(f"/api/v1/reports/{filed.pk}").status_code == 404


def test_nothing_of_it_reaches_the_township_its_letters_circular_ledger_or_exports(
        api, li, sun, dispatched, filed, wang, zhang):  # noqa: F811
    submit_inspection(inspection=dispatched, user=li)
    dispatched.refresh_from_db()
    assert dispatched.status == Inspection.Status.SUBMITTED and dispatched.score == 100
    seen = [
        api(zhang).get(f"/api/v1/inspections/{dispatched.pk}").content,
        api(zhang).get("/api/v1/notices").content,
        api(zhang).get("/api/v1/ledger").content,
        api(wang).get("/api/v1/ledger").content,
        api(wang).get("/api/v1/notices").content,
    ]
    week = f"{dispatched.date.isocalendar()[0]}-W{dispatched.date.isocalendar()[1]:02d}"
    seen.append(json.dumps(circular_snapshot(county=dispatched.county, week=week), ensure_ascii=False).encode())
    circular = draft_circular(county=dispatched.county, week=week, actor=wang)
    seen.append(json.dumps(circular.snapshot, ensure_ascii=False).encode())
    export = api(wang).get("/api/v1/ledger?format=xlsx")
    assert export.status_code == 200
    cells = [str(c.value) for ws in load_workbook(io.BytesIO(export.content)) for row in ws.iter_rows() for c in row]
    seen.append(" ".join(cells).encode())
    for blob in seen:
        text = blob.decode("utf-8")
        assert WHAT not in text and DESCRIPTION not in text and "强制报告线索" not in text
        assert all(secret not in text for secret in SECRETS)


def test_every_step_is_audited_with_digests_never_the_text(api, filed, wang):
    designate(wang)
    response = api(wang).post_json(f"/api/v1/reports/{filed.pk}/receipt", {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "received_by": "刘警官",
        "receipt_number": "黔公受〔2026〕88号"})
    assert response.status_code == 200 and response.json()["state"] == "closed"
    events = list(AuditEvent.objects.filter(action__startswith="report."))
    assert [e.action for e in events] == ["report.filed", "report.letter_issued", "report.received"]
    payloads = " ".join(e.payload for e in events)
    assert filed.content_sha256 in payloads
    for text in (WHAT, DESCRIPTION, "金碧镇某村", "刘警官", "黔公受", *SECRETS):
        assert text not in payloads
    assert verify_chain().ok
    again = api(wang).post_json(f"/api/v1/reports/{filed.pk}/receipt", {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "received_by": "刘警官",
        "receipt_number": "x"})
    assert again.status_code == 409


def test_a_receipt_is_recorded_by_a_designated_officer_only(api, filed, wang, qian):
    receipt = {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "received_by": "刘警官",
               "receipt_number": "88"}
    assert api(wang).post_json(f"/api/v1/reports/{filed.pk}/receipt", receipt).status_code == 404
    assert api(qian).post_json(f"/api/v1/reports/{filed.pk}/receipt", receipt).status_code == 404
    assert MandatoryReport.objects.get().state == "open"


def test_an_unacknowledged_case_turns_red_and_tells_the_head_after_the_configured_time(api, filed, wang, county):
    from tests.conftest import _user
    from inspection.models import Role

    head = designate(_user("head", Role.COMMISSION, county, "未保办主任"), officer=False, head=True)
    out = io.StringIO()
    with time_machine.travel(filed.discovered_at + timedelta(minutes=59), tick=False):
        call_command("check_reports", stdout=out)
        assert api(wang).get("/api/v1/reports/summary").json() == {"open": 1, "late": 0}
    assert not Notification.objects.exists() and "超时未确认接收并已提醒 0 件" in out.getvalue()
    with time_machine.travel(filed.discovered_at + timedelta(minutes=61), tick=False):
        # Red from the clock, before any job has run.
        assert api(wang).get("/api/v1/reports/summary").json() == {"open": 1, "late": 1}
        call_command("check_reports", stdout=io.StringIO())
        call_command("check_reports", stdout=io.StringIO())  # idempotent: one notification
    notes = list(Notification.objects.all())
    assert [n.recipient for n in notes] == [head] and "超过1小时" in notes[0].text
    assert all(s not in notes[0].text for s in (WHAT, DESCRIPTION, *SECRETS))
    assert AuditEvent.objects.filter(action="report.late").count() == 1
    filed.refresh_from_db()
    assert filed.escalated_at is not None


def test_the_receipt_time_is_a_county_setting(api, li, dispatched, county, wang):  # noqa: F811
    county.report_receipt_hours = 4
    county.save()
    designate(wang, head=True)
    report = MandatoryReport.objects.get(pk=file(api, li, body(dispatched)).json()["id"])
    with time_machine.travel(report.discovered_at + timedelta(hours=3), tick=False):
        call_command("check_reports", stdout=io.StringIO())
    assert not Notification.objects.exists()
    with time_machine.travel(report.discovered_at + timedelta(hours=4, minutes=1), tick=False):
        call_command("check_reports", stdout=io.StringIO())
    assert Notification.objects.get().recipient == wang


def test_retention_purges_closed_cases_text_audited_letter_kept(api, filed, wang, county):
    designate(wang)
    county.report_retention_days = 30
    county.save()
    api(wang).post_json(f"/api/v1/reports/{filed.pk}/receipt", {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "received_by": "刘警官",
        "receipt_number": "88"})
    letter = filed.pdf.read()
    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        call_command("check_reports", stdout=io.StringIO())
    assert MandatoryReport.objects.get().purged_at is None
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        call_command("check_reports", stdout=io.StringIO())
        call_command("check_reports", stdout=io.StringIO())
    report = MandatoryReport.objects.get()
    assert report.purged_at is not None and report.child_identity == ""
    for field in ("what", "location", "child_description", "received_by"):
        assert getattr(report, field) == "（已按保留期限清除）"
    assert report.content_sha256 == filed.content_sha256  # the digest stays
    assert not MandatoryReportEvent.objects.exclude(kind="letter").exclude(note="").exists()
    purged = AuditEvent.objects.filter(action="report.purged")
    # What was removed is what was filed: the digest in the chain vouches for the text no longer kept.
    assert json.loads(purged.get().payload)["data"]["sha256"] == filed.content_sha256
    assert purged.count() == 1
    report.pdf.open("rb")
    assert report.pdf.read() == letter  # the letter is untouched
    assert verify_chain().ok


def test_the_letter_verifies_publicly_without_revealing_the_case(client, filed):
    code = filed.verify_code
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    html = page.content.decode()
    assert filed.letter_number in html and filed.pdf_sha256 in html
    for text in (WHAT, DESCRIPTION, "金碧镇", "公安局", *SECRETS):
        assert text not in html
    same = client.post(f"/verify/{code}", {"file": io.BytesIO(filed.pdf.read())})
    assert "same" in same.context["comparison"]
    answer = client.get(f"/api/v1/verify/{code}").json()
    assert answer["number"] == filed.letter_number and answer["township"] is None
    assert answer["kind_label"] == "强制报告线索移送函"


def test_a_letter_that_fails_never_loses_the_case_and_the_job_issues_it(api, li, dispatched, monkeypatch):  # noqa: F811
    from inspection.services import reports

    def broken(*args, **kwargs):
        raise reports.RenderFailed("移送函生成失败，文号未占用（OSError）")

    monkeypatch.setattr(reports, "_render_letter", broken)
    response = file(api, li, body(dispatched))
    assert response.status_code == 201 and response.json()["letter_issued"] is False
    report = MandatoryReport.objects.get()
    assert report.letter_number == "" and not AuditEvent.objects.filter(action="report.letter_issued").exists()
    monkeypatch.undo()
    out = io.StringIO()
    call_command("check_reports", stdout=out)
    assert "补发移送函 1 份" in out.getvalue()
    report.refresh_from_db()
    assert report.letter_number.endswith("移〔%d〕1号" % timezone.localdate().year)  # the failed try used no number


def test_a_child_named_in_the_free_text_is_masked_in_the_letter(api, wang):
    """What the reporter types about the child goes into the letter masked: the identity travels only
    through the designated officer, never in the 移送函, even when it was written into the account."""
    designate(wang)
    slip = "学生王小明（身份证520581201501011233）反映遭同住成年人殴打，手臂有多处淤伤，联系电话13812345678。"
    response = file(api, wang, body(what=slip, child_description="留守儿童王小明，小学四年级"), key="k-slip")
    assert response.status_code == 201, response.content
    report = MandatoryReport.objects.get(pk=response.json()["id"])
    text = "".join(pdf_text(report.pdf.read()).split())  # lines of the letter joined again
    assert "反映遭同住成年人殴打" in text
    for secret in ("王小明", "520581201501011233", "13812345678"):
        assert secret not in text, secret
    assert "王某某" in text and "138****5678" in text
    assert api(wang).get(f"/api/v1/reports/{report.pk}").json()["what"] == slip, "the case keeps the full text"
