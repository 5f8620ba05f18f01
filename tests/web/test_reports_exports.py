"""Summaries over chosen periods (page, PDF, XLSX) and the lists of inspections and findings (CSV,
XLSX) as the commission and the 纪委 download them: the real bytes read back."""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspection.models import AuditEvent, Finding, Inspection
from tests.web.builders import fill_county, make_team, submit_visit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FIRST = (TODAY - timedelta(days=60)).isoformat()
LAST = TODAY.isoformat()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
HOSTILE = "=HYPERLINK(\"http://evil.example\",\"点我\")"


@pytest.fixture
def worked(county, checklist, team, jinbi):
    """Four weeks of visits, plus one to 金碧镇 whose findings quote a child and a formula."""
    made = fill_county(county, checklist, team=team, townships=3, weeks=3)
    odd = submit_visit(township=jinbi, checklist=checklist, team=team, day=TODAY - timedelta(days=3),
                       findings=[(2, None, "学生张小花反映宿舍无人值守"), (3, "major", HOSTILE)])
    return made + [odd]


def counted_findings(user_visible=None):
    rows = Finding.objects.filter(corrections__isnull=True, inspection__status=Inspection.Status.SUBMITTED)
    return rows.count()


# ---------------------------------------------------------------------------
# Summaries


def test_a_chosen_period_reads_every_month_in_it_with_its_problems(client, wang, worked):
    client.force_login(wang)
    response = client.get("/summary/", {"from": FIRST, "to": LAST})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.quarter == "" and "至" in summary.label
    assert summary.findings == counted_findings()
    assert sum(m["findings"] for m in summary.by_month) == summary.findings
    assert sum(m["visits"] for m in summary.by_month) == summary.visits == len(worked)
    assert len(summary.by_month) in (3, 4)  # every month the 61 days touch, empty ones included
    assert sum(r["total"] for r in summary.by_area) == summary.findings
    assert sum(r["findings"] for r in summary.by_township) == summary.findings
    html = response.content.decode()
    assert "按月趋势" in html and "金碧镇" in html


def test_a_month_is_summarised_on_its_own(client, wang, worked):
    client.force_login(wang)
    month = TODAY.strftime("%Y-%m")
    summary = client.get("/summary/", {"month": month}).context["summary"]
    assert summary.label == f"{TODAY.year}年{TODAY.month}月"
    assert [m["label"] for m in summary.by_month] == [f"{TODAY.month}月"]
    in_month = Inspection.objects.filter(status="submitted", date__year=TODAY.year, date__month=TODAY.month).count()
    assert summary.visits == in_month


@pytest.mark.parametrize("query, message", [
    ({"from": "2026-12-01", "to": "2026-10-01"}, "起始日期不能晚于截止日期"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "起始日期“2026-02-30”不存在"),
    ({"from": "2026-01-01"}, "请同时填写起始日期和截止日期"),
    ({"from": "20260101", "to": "2026-03-01"}, "起始日期应为有效日期"),
    ({"from": "2020-01-01", "to": "2026-03-01"}, "统计期间最长三年"),
    ({"from": "1999-12-01", "to": "2000-01-01"}, "起始日期应在2000年至2099年之间"),
    ({"month": "2026-13"}, "月份格式应为"),
    ({"quarter": "2026-Q5"}, "季度格式应为"),
])
def test_a_bad_period_is_refused_in_words(client, wang, query, message):
    client.force_login(wang)
    for path in ("/summary/", "/summary/pdf/", "/summary/xlsx/"):
        response = client.get(path, query)
        assert response.status_code == 400, path
        assert message in response.content.decode(), path
    assert not AuditEvent.objects.filter(action="summary.exported").exists()


def test_the_summary_as_a_pdf_says_what_the_page_says(client, qian, worked):
    from pypdf import PdfReader

    client.force_login(qian)
    response = client.get("/summary/pdf/", {"from": FIRST, "to": LAST})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "summary-period.pdf").write_bytes(response.content)  # for a person to look at
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace(" ", "")
    summary = client.get("/summary/", {"from": FIRST, "to": LAST}).context["summary"]
    assert "暗查暗访情况汇总" in text and "按检查领域" in text and "按月趋势" in text
    assert f"发现问题{summary.findings}个" in text
    assert "金碧镇" in text
    assert "张小花" not in text
    [event] = AuditEvent.objects.filter(action="summary.exported")
    data = json.loads(event.payload)["data"]
    assert data["format"] == "pdf" and data["first"] == FIRST and event.actor == "qian"


def test_the_summary_as_a_workbook_has_each_table(client, wang, worked):
    from openpyxl import load_workbook

    client.force_login(wang)
    response = client.get("/summary/xlsx/", {"from": FIRST, "to": LAST})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按检查领域", "按乡镇", "按月趋势", "达标率估计"]
    summary = client.get("/summary/", {"from": FIRST, "to": LAST}).context["summary"]
    townships = list(book["按乡镇"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2]) for r in townships] == [(r["name"], r["findings"]) for r in summary.by_township]
    months = list(book["按月趋势"].iter_rows(min_row=3, values_only=True))
    assert sum(r[2] for r in months) == summary.findings
    assert "年" in book["按乡镇"]["A1"].value and "-" not in book["按乡镇"]["A1"].value


def test_the_summary_reads_in_the_same_queries_whatever_the_period_holds(wang, county, checklist):
    from inspection.summaries import period_summary

    team = make_team(county)
    fill_county(county, checklist, townships=2, weeks=1, team=team)

    def run():
        with CaptureQueriesContext(connection) as queries:
            period_summary(user=wang, county=county, first=TODAY - timedelta(days=90), last=TODAY, today=TODAY)
        return len(queries.captured_queries)

    small = run()
    fill_county(county, checklist, townships=6, weeks=2, team=team)
    assert run() == small


@pytest.mark.parametrize("who", ["zhang", "li"])
def test_officials_and_inspectors_get_no_summary_or_export(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for path in ("/summary/pdf/", "/summary/xlsx/", "/exports/", "/exports/download/"):
        assert client.get(path, {"what": "findings", "format": "csv", "from": FIRST, "to": LAST}).status_code == 404


# ---------------------------------------------------------------------------
# Exports


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_findings_as_csv_are_masked_formula_safe_and_complete(client, wang, worked):
    client.force_login(wang)
    response = client.get("/exports/download/", {"what": "findings", "format": "csv", "from": FIRST, "to": LAST})
    assert response.status_code == 200 and response.streaming
    rows = read_csv(response)
    assert rows[0][:4] == ["问题编号", "暗查编号", "检查日期", "乡镇（街道）"]
    assert len(rows) - 1 == counted_findings()
    texts = [r[7] for r in rows[1:]]
    assert "学生张某某反映宿舍无人值守" in texts and not any("张小花" in t for t in texts)
    assert "'" + HOSTILE in texts and HOSTILE not in texts
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    [event] = AuditEvent.objects.filter(action="export.downloaded")
    assert json.loads(event.payload)["data"]["what"] == "findings"


def test_inspections_as_a_workbook_for_one_township(client, qian, worked, jinbi):
    from openpyxl import load_workbook

    client.force_login(qian)
    response = client.get("/exports/download/", {"what": "inspections", "format": "xlsx", "from": FIRST,
                                                 "to": LAST, "township": jinbi.code})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "暗查清单" and "金碧镇暗查清单" in sheet["A1"].value
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    visits = Inspection.objects.filter(township=jinbi, status="submitted")
    assert [r[0] for r in rows] == list(visits.order_by("date", "id").values_list("id", flat=True))
    assert {r[2] for r in rows} == {"金碧镇"} and {r[4] for r in rows} == {"已提交"}
    odd = visits.order_by("-date").first()
    assert rows[-1][6] == odd.findings.count() and rows[-1][7] == 1  # one 较重 of the two


def test_findings_workbook_cells_are_text_not_formulas(client, wang, worked):
    from openpyxl import load_workbook

    client.force_login(wang)
    response = client.get("/exports/download/", {"what": "findings", "format": "xlsx", "from": FIRST, "to": LAST})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    texts = [r[7] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert "'" + HOSTILE in texts
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_observer_never_sees_a_visit_not_yet_submitted(client, qian, wang, worked, county, checklist, team):
    from tests.inspection.field_fixtures import make_inspection

    open_visit = make_inspection(township=county.townships.order_by("code").last(), checklist=checklist, team=team,
                                 day=TODAY - timedelta(days=1))
    ids = {}
    for who in (qian, wang):
        client.force_login(who)
        rows = read_csv(client.get("/exports/download/", {"what": "inspections", "format": "csv",
                                                          "from": FIRST, "to": LAST}))
        ids[who.username] = {int(r[0]) for r in rows[1:]}
    assert open_visit.pk in ids["wang"] and open_visit.pk not in ids["qian"]


def test_a_mandatory_report_never_appears_in_the_findings(client, wang, worked):
    from inspection.services.reports import file_report

    file_report(actor=wang, what="疑似监护人虐待线索", location="某村", discovered_at=timezone.now(),
                child_description="一名女童", agency="police", inspection=worked[-1])
    client.force_login(wang)
    body = b"".join(client.get("/exports/download/", {"what": "findings", "format": "csv", "from": FIRST,
                                                      "to": LAST}).streaming_content).decode("utf-8-sig")
    assert "虐待" not in body and "女童" not in body


def test_the_export_reads_in_the_same_queries_whatever_it_holds(client, wang, county, checklist):
    team = make_team(county)
    fill_county(county, checklist, townships=2, weeks=1, team=team)
    client.force_login(wang)
    query = {"what": "findings", "format": "csv", "from": FIRST, "to": LAST}

    def run():
        with CaptureQueriesContext(connection) as queries:
            rows = read_csv(client.get("/exports/download/", query))
        return len(queries.captured_queries), len(rows)

    small, few = run()
    fill_county(county, checklist, townships=6, weeks=2, team=team)
    more, many = run()
    assert many > few and more == small


def test_a_bad_export_request_is_refused_on_the_page(client, wang, worked):
    client.force_login(wang)
    response = client.get("/exports/download/", {"what": "findings", "format": "csv", "from": LAST, "to": FIRST})
    assert response.status_code == 422 and "起始日期不能晚于截止日期" in response.content.decode()
    response = client.get("/exports/download/", {"what": "findings", "format": "csv", "from": FIRST, "to": LAST,
                                                 "township": "999999999"})
    assert response.status_code == 400 and "未找到该乡镇（街道）" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()
    page = client.get("/exports/", {"from": FIRST, "to": LAST}).content.decode()
    assert f'value="{FIRST}"' in page and "问题清单" in page


# ---------------------------------------------------------------------------
# The API


@pytest.fixture
def bearer(wang):
    from inspection.services.tokens import issue_token

    _row, secret = issue_token(user=wang, label="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_gives_the_same_lists(client, bearer, worked):
    response = client.get("/api/v1/exports/findings", {"from": FIRST, "to": LAST}, **bearer)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert len(read_csv(response)) - 1 == counted_findings()
    response = client.get("/api/v1/exports/inspections", {"from": FIRST, "to": LAST, "format": "xlsx"}, **bearer)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize("query, status, message", [
    ({"from": "2026-12-01", "to": "2026-01-01"}, 422, "起始日期不能晚于截止日期"),
    ({"from": "2026-01-01", "to": "2026-02-01", "township": "000"}, 404, "未找到该乡镇（街道）"),
    ({"from": "2026-01-01"}, 422, "请同时填写起始日期和截止日期"),
])
def test_the_api_refuses_in_json(client, bearer, query, status, message):
    response = client.get("/api/v1/exports/findings", query, **bearer)
    assert response.status_code == status
    assert message in response.json()["detail"]
