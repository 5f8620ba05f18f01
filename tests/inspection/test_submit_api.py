"""Submission: the score from the findings that count, idempotent, and a record nobody can change afterwards."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from inspection.models import AuditEvent, Evidence, Finding, Inspection
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

pytestmark = pytest.mark.django_db


def file(client, inspection, **body):
    response = client.post_json(
        f"/api/v1/inspections/{inspection.pk}/findings", body, **{"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.content
    return response.json()


def submit(client, inspection):
    return client.post(f"/api/v1/inspections/{inspection.pk}/submit")


@pytest.fixture
def submitted(api, li, dispatched):
    """金碧镇 submitted with one critical finding (控辍保学) and one minor one (包保联系)."""
    client = api(li)
    file(client, dispatched, item_id=item(dispatched, 9).pk, text="两名儿童辍学")
    file(client, dispatched, item_id=item(dispatched, 2).pk, text="包保联系无记录")
    assert submit(client, dispatched).status_code == 200
    dispatched.refresh_from_db()
    return dispatched


class TestSubmitting:
    def test_submission_scores_100_minus_the_deductions_and_freezes_the_inspection(self, api, li, dispatched):
        client = api(li)
        file(client, dispatched, item_id=item(dispatched, 9).pk, text="两名儿童辍学")  # critical 15
        file(client, dispatched, item_id=item(dispatched, 2).pk, text="包保联系无记录")  # minor 3
        file(client, dispatched, item_id=None, severity="major", text="食堂无人监管")  # major 8
        response = submit(client, dispatched)
        assert response.status_code == 200, response.content
        data = response.json()
        assert (data["status"], data["score"]) == ("submitted", 74)
        dispatched.refresh_from_db()
        assert dispatched.status == "submitted" and dispatched.score == 74
        assert dispatched.submitted_by == li and dispatched.submitted_at is not None

    def test_two_findings_against_one_item_deduct_once_at_the_worst_severity(self, api, li, dispatched):
        client = api(li)
        file(client, dispatched, item_id=item(dispatched, 4).pk, text="儿童之家关门")
        file(client, dispatched, item_id=item(dispatched, 4).pk, severity="major", text="儿童之家无活动记录")
        assert submit(client, dispatched).json()["score"] == 92

    def test_an_inspection_without_findings_scores_100(self, api, li, dispatched):
        assert submit(api(li), dispatched).json()["score"] == 100

    def test_a_corrected_finding_no_longer_counts_its_correction_does(self, api, li, dispatched):
        client = api(li)
        wrong = file(client, dispatched, item_id=item(dispatched, 9).pk, text="两名儿童辍学")
        file(client, dispatched, item_id=item(dispatched, 9).pk, severity="minor", text="台账晚更新两天",
             corrects=wrong["id"], correction_reason="核实后儿童在校，仅台账滞后")
        assert submit(client, dispatched).json()["score"] == 97

    def test_submitting_again_returns_the_same_result_and_records_one_submission(self, api, li, sun, submitted):
        first = submit(api(li), submitted)
        again = submit(api(sun), submitted)
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert AuditEvent.objects.filter(action="inspection.submitted").count() == 1

    def test_submission_applies_the_escalation_policy_once(self, api, li, sun, dispatched):
        from inspection.models import Decision

        client = api(li)
        file(client, dispatched, item_id=item(dispatched, 9).pk, text="两名儿童辍学")  # critical: prominent problem
        submit(client, dispatched)
        decisions = Decision.objects.filter(inspection=dispatched).count()
        assert decisions >= 1
        dispatched.township.refresh_from_db()
        assert dispatched.township.level != "normal"
        submit(api(sun), dispatched)
        assert Decision.objects.filter(inspection=dispatched).count() == decisions

    def test_only_the_team_submits(self, api, wang, zhang, dispatched):
        assert submit(api(wang), dispatched).status_code == 403
        assert submit(api(zhang), dispatched).status_code == 404
        dispatched.refresh_from_db()
        assert dispatched.status == "dispatched"


@pytest.mark.django_db(transaction=True)
def test_the_two_team_members_submitting_at_once_submit_once(api, li, sun, dispatched, patient_writers):
    import threading

    from django.db import connections

    file(api(li), dispatched, item_id=item(dispatched, 2).pk, text="包保联系无记录")
    clients = [api(li), api(sun), api(li), api(sun)]
    results, barrier = [None] * len(clients), threading.Barrier(len(clients))

    def go(i):
        try:
            barrier.wait()
            response = submit(clients[i], dispatched)
            results[i] = (response.status_code, response.json()["score"], response.json()["submitted_at"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(set(results)) == 1 and results[0][:2] == (200, 97), results
    assert AuditEvent.objects.filter(action="inspection.submitted").count() == 1


class TestASubmittedRecordCannotBeChanged:
    def test_through_the_api_no_finding_or_correction_is_accepted(self, api, li, submitted):
        client = api(li)
        existing = submitted.findings.first()
        for body in (
            {"item_id": None, "severity": "minor", "text": "补充问题"},
            {"item_id": None, "severity": "minor", "text": "更正", "corrects": existing.pk, "correction_reason": "x"},
        ):
            response = client.post_json(
                f"/api/v1/inspections/{submitted.pk}/findings", body, **{"Idempotency-Key": str(uuid.uuid4())}
            )
            assert response.status_code == 409
            assert "已提交" in response.json()["detail"]
        assert submitted.findings.count() == 2

    def test_the_api_has_no_way_to_edit_or_delete_a_finding(self, api, li, submitted):
        client = api(li)
        finding = submitted.findings.first()
        path = f"/api/v1/inspections/{submitted.pk}/findings/{finding.pk}"
        for method in (client.put, client.patch, client.delete):
            assert method(path, {"text": "改"}, content_type="application/json").status_code in (404, 405)
        assert Finding.objects.get(pk=finding.pk).text == finding.text

    def test_through_the_orm_updates_deletes_and_inserts_are_refused_by_the_database(self, li, submitted):
        finding = submitted.findings.first()
        attempts = [
            lambda: Finding.objects.filter(pk=finding.pk).update(text="悄悄改掉"),
            lambda: Finding.objects.filter(pk=finding.pk).delete(),
            lambda: Finding.objects.create(inspection=submitted, severity="minor", text="事后补充", recorded_by=li),
            lambda: Inspection.objects.filter(pk=submitted.pk).update(status="dispatched"),
            lambda: Inspection.objects.filter(pk=submitted.pk).update(score=100),
            lambda: Inspection.objects.filter(pk=submitted.pk).delete(),
        ]
        for attempt in attempts:
            with pytest.raises(IntegrityError), transaction.atomic():
                attempt()
        finding.refresh_from_db()
        submitted.refresh_from_db()
        assert finding.text == "两名儿童辍学" and submitted.score == 82 and submitted.status == "submitted"

    def test_evidence_rows_of_a_submitted_inspection_are_frozen_too(self, li, submitted):
        finding = submitted.findings.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            Evidence.objects.create(finding=finding, file="evidence/x.jpg", content_type="image/jpeg", size=1,
                                    sha256="0" * 64, uploaded_by=li)

    def test_fields_outside_the_frozen_record_may_still_change(self, submitted):
        Inspection.objects.filter(pk=submitted.pk).update(probability=0.25)
        submitted.refresh_from_db()
        assert submitted.probability == 0.25

    def test_through_the_admin_a_submitted_finding_can_be_viewed_but_not_changed_or_deleted(self, client, submitted):
        admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1234")
        client.force_login(admin)
        finding = submitted.findings.first()
        change = f"/admin/inspection/finding/{finding.pk}/change/"
        assert client.get(change).status_code == 200  # view-only page
        posted = client.post(change, {"inspection": submitted.pk, "severity": "minor", "text": "管理员改",
                                      "recorded_by": finding.recorded_by_id})
        assert posted.status_code == 403
        deleted = client.post(f"/admin/inspection/finding/{finding.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 403
        finding.refresh_from_db()
        assert finding.text == "两名儿童辍学"

    def test_before_submission_the_admin_may_still_change_a_finding(self, client, api, li, dispatched):
        created = file(api(li), dispatched, item_id=None, severity="minor", text="原文")
        admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1234")
        client.force_login(admin)
        page = client.get(f"/admin/inspection/finding/{created['id']}/change/")
        assert page.status_code == 200 and b'name="text"' in page.content
