"""DESIGN.md §4 "HTTP": the paths, status codes and JSON shapes an outside client relies on.

Each test walks one part of the API over a real socket, signed in as the fixtures' people:
wang (commission), li and sun (inspectors on today's visit to 金碧镇), zhang (金碧镇's official),
qian (observer).
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, time

import pytest
import time_machine
from openpyxl import load_workbook
from PIL import Image

from tests.contracts.conftest import (
    INSPECTION_STATUSES,
    LEVELS,
    NOTICE_KINDS,
    NOTICE_STATES,
    SEVERITIES,
    has,
    is_error,
    items,
)
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, SHANGHAI, WEEK, roster  # noqa: F401
from tests.inspection.field_fixtures import dispatched, item, sun, tomorrow  # noqa: F401
from tests.notices import pdftools as P

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CRITICAL = 6  # checklist position of a critical item (tests/inspection/escalation_fixtures.py)

pytestmark = pytest.mark.django_db(transaction=True)


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


def is_notice(notice: dict) -> dict:
    has(notice, "id", "kind", "number", "state", "township", "verify_code")
    assert notice["kind"] in NOTICE_KINDS and notice["state"] in NOTICE_STATES
    return notice


class TestSigningIn:
    def test_a_token_is_issued_for_a_username_and_password(self, outside, wang):
        reply = outside().post("/api/v1/auth/token", json={"username": "wang", "password": "pw-wang"})
        assert reply.status_code == 200
        assert isinstance(has(reply.json(), "token")["token"], str)

    def test_a_wrong_password_is_401_json(self, outside, wang):
        is_error(outside().post("/api/v1/auth/token", json={"username": "wang", "password": "nope"}), 401)

    def test_me_names_role_county_and_township(self, outside, wang, zhang):
        mine = has(outside(wang).get("/api/v1/me").json(), "role", "county", "township")
        assert (mine["role"], mine["county"]) == ("commission", "520581")
        theirs = outside(zhang).get("/api/v1/me").json()
        assert (theirs["role"], theirs["county"], theirs["township"]) == ("official", "520581", "520581100")

    def test_without_a_token_every_endpoint_is_refused_in_json(self, outside, county):
        for path in ("/api/v1/me", "/api/v1/townships", "/api/v1/inspections", "/api/v1/notices",
                     "/api/v1/draws", "/api/v1/ledger"):
            is_error(outside().get(path), 401)
        is_error(outside().post("/api/v1/inspections/1/submit"), 401, 403)  # 403: no session's CSRF token


class TestTownships:
    def test_the_list_and_the_detail_carry_level_and_key_management(self, outside, wang):
        client = outside(wang)
        listed = items(client.get("/api/v1/townships").json())
        assert len(listed) == 30
        for township in listed:
            has(township, "code", "name", "level", "key_managed")
            assert township["level"] in LEVELS and isinstance(township["key_managed"], bool)
        detail = client.get("/api/v1/townships/520581100")
        assert detail.status_code == 200
        body = has(detail.json(), "code", "name", "level", "key_managed", "score_history")
        assert body["code"] == "520581100" and isinstance(body["score_history"], list)
        is_error(client.get("/api/v1/townships/999999999"), 404)


class TestFieldWork:
    def test_an_inspector_lists_only_dispatched_visits_and_reads_one_with_its_checklist(
        self, outside, li, dispatched, tomorrow
    ):
        client = outside(li)
        listed = items(client.get("/api/v1/inspections").json())
        assert [i["id"] for i in listed] == [dispatched.pk]
        has(listed[0], "id", "township", "date", "status", "score")
        assert listed[0]["township"] == "520581100" and listed[0]["status"] in INSPECTION_STATUSES
        detail = has(client.get(f"/api/v1/inspections/{dispatched.pk}").json(), "checklist", "findings")
        assert detail["status"] == "dispatched" and detail["findings"] == []
        for entry in detail["checklist"]:
            has(entry, "id", "area", "text", "severity")
            assert entry["severity"] in SEVERITIES
        is_error(client.get(f"/api/v1/inspections/{tomorrow.pk}"), 404)

    def test_a_finding_is_filed_once_per_idempotency_key(self, outside, li, dispatched):
        client, path = outside(li), f"/api/v1/inspections/{dispatched.pk}/findings"
        body = {"item_id": item(dispatched, CRITICAL).pk, "text": "孤儿基本生活费延迟发放", "location": "乡民政办"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = client.post(path, json=body, headers=key)
        assert first.status_code == 201, first.text
        finding = has(first.json(), "id", "item_id", "severity", "text", "created_at", "recorded_by")
        assert finding["severity"] == "critical" and finding["recorded_by"] == "li"
        replay = client.post(path, json=body, headers=key)
        assert (replay.status_code, replay.json()) == (201, finding)
        is_error(client.post(path, json={**body, "text": "另一个问题"}, headers=key), 422)
        is_error(client.post(path, json=body), 400)
        other = client.post(path, json={"item_id": None, "severity": "minor", "text": "食堂卫生差"},
                            headers={"Idempotency-Key": str(uuid.uuid4())})
        assert other.status_code == 201 and other.json()["item_id"] is None

    def test_evidence_is_uploaded_and_the_visit_submitted_once(self, outside, li, sun, dispatched):
        client = outside(li)
        finding = client.post(f"/api/v1/inspections/{dispatched.pk}/findings",
                              json={"item_id": item(dispatched, CRITICAL).pk, "text": "未按时发放"},
                              headers={"Idempotency-Key": str(uuid.uuid4())}).json()
        uploaded = client.post(f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence",
                               files={"file": ("现场.png", png(), "image/png")})
        assert uploaded.status_code == 201, uploaded.text
        assert re.fullmatch(r"[0-9a-f]{64}", has(uploaded.json(), "id", "sha256")["sha256"])
        submitted = client.post(f"/api/v1/inspections/{dispatched.pk}/submit")
        assert submitted.status_code == 200, submitted.text
        body = submitted.json()
        assert body["status"] == "submitted" and isinstance(body["score"], int)
        again = outside(sun).post(f"/api/v1/inspections/{dispatched.pk}/submit")
        assert again.status_code == 200 and (again.json()["status"], again.json()["score"]) == ("submitted", body["score"])
        is_error(client.post(f"/api/v1/inspections/{dispatched.pk}/findings", json={"item_id": None,
                 "severity": "minor", "text": "迟到"}, headers={"Idempotency-Key": str(uuid.uuid4())}), 409)


@pytest.fixture
def drafted(outside, li, zhang, dispatched, settings, tmp_path):
    """Today's visit submitted with a critical finding: the escalation policy drafts a notice to zhang."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = outside(li)
    client.post(f"/api/v1/inspections/{dispatched.pk}/findings",
                json={"item_id": item(dispatched, CRITICAL).pk, "text": "孤儿基本生活费延迟发放"},
                headers={"Idempotency-Key": str(uuid.uuid4())})
    assert client.post(f"/api/v1/inspections/{dispatched.pk}/submit").status_code == 200
    return dispatched


class TestNotices:
    def test_a_draft_is_previewed_without_a_number_then_issued_acknowledged_and_answered(
        self, outside, drafted, wang, zhang
    ):
        commission = outside(wang)
        listed = [is_notice(n) for n in items(commission.get("/api/v1/notices").json())]
        draft = next(n for n in listed if n["township"] == "520581100")
        assert draft["state"] == "draft" and draft["number"] is None and draft["verify_code"] is None
        assert is_notice(commission.get(f"/api/v1/notices/{draft['id']}").json())["id"] == draft["id"]
        preview = commission.get(f"/api/v1/notices/{draft['id']}/pdf")
        assert preview.status_code == 200 and preview.headers["Content-Type"] == "application/pdf"
        text = P.text(preview.content)
        assert "草稿" in text and "〔" not in text
        official = outside(zhang)
        assert items(official.get("/api/v1/notices").json()) == []  # not before it is issued
        is_error(official.get(f"/api/v1/notices/{draft['id']}"), 404)

        issued = commission.post(f"/api/v1/notices/{draft['id']}/issue")
        assert issued.status_code == 200, issued.text
        notice = is_notice(issued.json())
        assert notice["state"] == "issued" and notice["number"] and notice["verify_code"]
        assert [n["id"] for n in items(official.get("/api/v1/notices").json())] == [draft["id"]]
        acknowledged = official.post(f"/api/v1/notices/{draft['id']}/acknowledge")
        assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
        answered = official.post(f"/api/v1/notices/{draft['id']}/responses", data={"text": "已足额补发并建立台账。"},
                                 files={"files": ("整改.png", png(), "image/png")})
        assert answered.status_code == 201, answered.text
        assert commission.get(f"/api/v1/notices/{draft['id']}").json()["state"] == "responded"

    def test_an_issued_notice_is_verified_by_anyone(self, outside, drafted, wang):
        commission = outside(wang)
        draft = items(commission.get("/api/v1/notices?state=draft").json())[0]
        code = commission.post(f"/api/v1/notices/{draft['id']}/issue").json()["verify_code"]
        public = outside().get(f"/api/v1/verify/{code}")
        assert public.status_code == 200
        assert has(public.json(), "number", "kind", "status")["status"] == "valid"
        page = outside().get(f"/verify/{code}")
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        is_error(outside().get("/api/v1/verify/XXXX-XXXX-XXXX"), 404)

    def test_the_ledger_is_json_or_a_workbook_for_commission_and_observer(self, outside, drafted, wang, qian, zhang):
        for who in (wang, qian):
            reply = outside(who).get("/api/v1/ledger")
            assert reply.status_code == 200 and isinstance(has(reply.json(), "entries")["entries"], list)
        workbook = outside(wang).get("/api/v1/ledger?format=xlsx")
        assert workbook.status_code == 200 and workbook.headers["Content-Type"].startswith(XLSX)
        assert load_workbook(io.BytesIO(workbook.content)).sheetnames
        is_error(outside(zhang).get("/api/v1/ledger"), 403, 404)


class TestDraws:
    def test_the_commission_seals_a_week_and_reads_it_by_its_iso_week(self, outside, roster, wang, zhang):
        with time_machine.travel(datetime.combine(FRIDAY_BEFORE, time(10), tzinfo=SHANGHAI), tick=True):
            client = outside(wang)
            created = client.post("/api/v1/draws", json={"week": WEEK})
            assert created.status_code == 201, created.text
            assert has(created.json(), "week", "commitment")["week"] == WEEK
            assert [d["week"] for d in items(client.get("/api/v1/draws").json())] == [WEEK]
            detail = client.get(f"/api/v1/draws/{WEEK}")
            assert detail.status_code == 200
            for visit in has(detail.json(), "week", "visits")["visits"]:
                has(visit, "township", "date", "inspectors", "probability")
            is_error(client.post("/api/v1/draws", json={"week": "2026-49"}), 400)
            is_error(client.get("/api/v1/draws/2030-W01"), 404)
            is_error(outside(zhang).post("/api/v1/draws", json={"week": "2026-W50"}), 403, 404)


class TestDocsAndErrors:
    def test_openapi_and_docs_are_only_for_signed_in_users(self, outside, wang):
        anonymous = outside()
        assert anonymous.get("/api/v1/openapi.json").status_code in (302, 401, 403)
        assert anonymous.get("/api/v1/docs").status_code in (302, 401, 403)
        browser = outside()
        browser.get("/login/")
        signed_in = browser.post("/login/", data={"username": "wang", "password": "pw-wang",
                                                  "csrfmiddlewaretoken": browser.session.cookies["csrftoken"]},
                                 headers={"Referer": browser.base + "/login/"})
        assert signed_in.status_code == 302, signed_in.text[:300]
        schema = browser.get("/api/v1/openapi.json")
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/townships/{code}",
                     "/api/v1/inspections/{inspection_id}/findings", "/api/v1/draws/{week}",
                     "/api/v1/notices/{notice_id}/pdf", "/api/v1/ledger", "/api/v1/verify/{code}"):
            assert path in paths, path
        assert browser.get("/api/v1/docs").status_code == 200

    def test_bad_input_is_a_json_error_never_a_500(self, outside, li, dispatched):
        client = outside(li)
        is_error(client.get("/api/v1/inspections/999999"), 404)
        is_error(client.get("/api/v1/inspections/abc"), 400, 404, 422)
        is_error(client.get("/api/v1/inspections?status=nonsense"), 400, 422)
        broken = client.post(f"/api/v1/inspections/{dispatched.pk}/findings", data="{not json",
                             headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"})
        is_error(broken, 400, 422)
