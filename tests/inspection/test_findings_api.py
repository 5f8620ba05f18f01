"""Filing findings through the real HTTP stack: exactly once per key, only by the team, never after submission."""

import json
import threading
import uuid

import pytest
from django.db import connections, transaction

from inspection.models import AuditEvent, Finding, IdempotencyRecord
from tests.inspection.field_fixtures import dispatched, item, sun, tomorrow, zhou  # noqa: F401

pytestmark = pytest.mark.django_db


def url(inspection):
    return f"/api/v1/inspections/{inspection.pk}/findings"


def key():
    return str(uuid.uuid4())


@pytest.fixture
def body(dispatched):
    return {"item_id": item(dispatched, 9).pk, "text": "两名留守儿童已辍学，台账未更新", "location": "某村小学"}


class TestFilingAFinding:
    def test_inspector_files_a_finding_and_gets_it_back_with_id_time_and_author(self, api, li, dispatched, body):
        response = api(li).post_json(url(dispatched), body, **{"Idempotency-Key": key()})
        assert response.status_code == 201, response.content
        data = response.json()
        finding = Finding.objects.get()
        assert data["id"] == finding.pk
        assert data["recorded_by"] == "li"
        assert data["item_id"] == body["item_id"]
        assert data["severity"] == "critical"  # the checklist item's severity, as no other was given
        assert data["text"] == body["text"] and data["location"] == "某村小学"
        assert data["created_at"] and data["corrects"] is None and data["evidence"] == []
        assert AuditEvent.objects.filter(action="finding.added", object_id=str(finding.pk)).exists()

    def test_a_problem_outside_the_checklist_needs_a_severity(self, api, li, dispatched):
        client = api(li)
        refused = client.post_json(url(dispatched), {"item_id": None, "text": "食堂卫生差"}, **{"Idempotency-Key": key()})
        assert refused.status_code == 422
        assert "严重程度" in refused.json()["detail"]
        accepted = client.post_json(
            url(dispatched), {"item_id": None, "severity": "minor", "text": "食堂卫生差"}, **{"Idempotency-Key": key()}
        )
        assert accepted.status_code == 201 and accepted.json()["severity"] == "minor"

    def test_an_item_of_another_checklist_is_refused(self, api, li, dispatched, other_county):
        from inspection.services.setup import ensure_default_checklist

        foreign = ensure_default_checklist(county=other_county).items.first()
        response = api(li).post_json(url(dispatched), {"item_id": foreign.pk, "text": "x"}, **{"Idempotency-Key": key()})
        assert response.status_code == 422
        assert "检查清单" in response.json()["detail"]
        assert not Finding.objects.exists()


class TestIdempotency:
    def test_a_finding_without_an_idempotency_key_is_refused_with_400(self, api, li, dispatched, body):
        response = api(li).post_json(url(dispatched), body)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["detail"]
        assert not Finding.objects.exists()

    @pytest.mark.parametrize("bad", ["   ", "x" * 129, "含中文", "a b"])
    def test_a_malformed_key_is_refused_with_400(self, api, li, dispatched, body, bad):
        response = api(li).post_json(url(dispatched), body, **{"Idempotency-Key": bad})
        assert response.status_code == 400
        assert not Finding.objects.exists()

    def test_a_replay_returns_the_stored_reply_byte_for_byte_and_files_nothing_new(self, api, li, dispatched, body):
        client, k = api(li), key()
        first = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
        # The body is the same request even with its keys in another order.
        again = client.post_json(url(dispatched), dict(reversed(list(body.items()))), **{"Idempotency-Key": k})
        assert first.status_code == again.status_code == 201
        assert again.content == first.content
        assert again["Idempotent-Replayed"] == "true"
        assert Finding.objects.count() == 1

    def test_the_same_key_with_another_body_is_refused_with_422(self, api, li, dispatched, body):
        client, k = api(li), key()
        assert client.post_json(url(dispatched), body, **{"Idempotency-Key": k}).status_code == 201
        other = client.post_json(url(dispatched), {**body, "text": "另一个问题"}, **{"Idempotency-Key": k})
        assert other.status_code == 422
        assert "Idempotency-Key" in other.json()["detail"]
        assert Finding.objects.count() == 1

    def test_keys_belong_to_their_user(self, api, li, sun, dispatched, body):
        k = key()
        mine = api(li).post_json(url(dispatched), body, **{"Idempotency-Key": k})
        theirs = api(sun).post_json(url(dispatched), body, **{"Idempotency-Key": k})
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["id"] != theirs.json()["id"]
        assert theirs.json()["recorded_by"] == "sun"

    def test_a_refused_request_leaves_its_key_free_for_the_corrected_request(self, api, li, dispatched, body):
        client, k = api(li), key()
        refused = client.post_json(url(dispatched), {**body, "text": "   "}, **{"Idempotency-Key": k})
        assert refused.status_code == 422
        assert not IdempotencyRecord.objects.exists()
        assert client.post_json(url(dispatched), body, **{"Idempotency-Key": k}).status_code == 201

    def test_a_replay_still_answers_after_the_inspection_was_submitted(self, api, li, dispatched, body):
        client, k = api(li), key()
        first = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
        assert client.post(f"/api/v1/inspections/{dispatched.pk}/submit").status_code == 200
        again = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
        assert (again.status_code, again.content) == (201, first.content)


def _post_in_thread(token_client, path, body, k, results, index, barrier):
    try:
        barrier.wait()
        response = token_client.post_json(path, body, **{"Idempotency-Key": k})
        results[index] = (response.status_code, response.content, response.headers.get("Retry-After"))
    except Exception as exc:  # recorded, so the test fails with the reason rather than hanging
        results[index] = ("error", repr(exc), None)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_replays_of_one_finding_make_one_row_and_identical_replies(api, li, dispatched, body):
    """Thirty sends of one finding at once, as a phone on a bad line may do. The writers queue for
    the database; a send that waits longer than IDEMPOTENCY_WAIT_SECONDS answers 409 with
    Retry-After, and the field app sends it again later under the same key (the documented
    contract, services/idempotency.py). However long the queue on a loaded machine, every send ends
    with the one stored reply and exactly one finding is written."""
    client, k, n = api(li), key(), 30
    results, barrier = [None] * n, threading.Barrier(n)
    threads = [
        threading.Thread(target=_post_in_thread, args=(client, url(dispatched), body, k, results, i, barrier))
        for i in range(n)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results), "a send neither answered nor failed"
    assert all(status in (201, 409) for status, _, _ in results), results
    assert any(status == 201 for status, _, _ in results)
    for i, (status, _, retry_after) in enumerate(results):
        if status == 409:
            assert retry_after, "a 409 tells the app when to send again"
            again = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
            results[i] = (again.status_code, again.content, None)
    assert all(status == 201 for status, _, _ in results), results
    assert len({content for _, content, _ in results}) == 1
    assert Finding.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert json.loads(results[0][1])["id"] == Finding.objects.get().pk


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_first_attempt_is_still_in_flight_answers_409_then_succeeds(
    api, li, dispatched, body, settings
):
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.5
    client, k = api(li), key()
    holding, release = threading.Event(), threading.Event()

    def first_attempt_in_flight():
        # Stands for a first request that has written its key and not yet committed.
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(user=li, key=k, request_hash="in flight")
                holding.set()
                release.wait(timeout=30)
                raise RuntimeError("first attempt dies before it commits")
        except RuntimeError:
            pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_attempt_in_flight)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        busy = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
        assert busy.status_code == 409
        assert busy["Retry-After"]
        assert "处理中" in busy.json()["detail"]
    finally:
        release.set()
        thread.join(timeout=30)
    retried = client.post_json(url(dispatched), body, **{"Idempotency-Key": k})
    assert retried.status_code == 201
    assert Finding.objects.count() == 1


class TestCorrections:
    def test_a_correction_is_a_new_finding_naming_the_corrected_one_and_the_reason(self, api, li, dispatched, body):
        client = api(li)
        first = client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).json()
        correction = client.post_json(
            url(dispatched),
            {"item_id": body["item_id"], "severity": "major", "text": "一名儿童辍学，台账未更新",
             "corrects": first["id"], "correction_reason": "核实后为一名"},
            **{"Idempotency-Key": key()},
        )
        assert correction.status_code == 201, correction.content
        assert correction.json()["corrects"] == first["id"]
        assert Finding.objects.get(pk=first["id"]).text == body["text"]  # the original stays as filed
        detail = client.get(f"/api/v1/inspections/{dispatched.pk}").json()
        by_id = {f["id"]: f for f in detail["findings"]}
        assert by_id[first["id"]]["corrected_by"] == correction.json()["id"]

    def test_a_correction_needs_a_reason(self, api, li, dispatched, body):
        client = api(li)
        first = client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).json()
        response = client.post_json(url(dispatched), {**body, "corrects": first["id"]}, **{"Idempotency-Key": key()})
        assert response.status_code == 422
        assert "更正理由" in response.json()["detail"]

    def test_a_finding_is_corrected_once_then_the_correction_is_corrected(self, api, li, dispatched, body):
        client = api(li)
        first = client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).json()
        fix = {**body, "corrects": first["id"], "correction_reason": "笔误"}
        assert client.post_json(url(dispatched), fix, **{"Idempotency-Key": key()}).status_code == 201
        again = client.post_json(url(dispatched), fix, **{"Idempotency-Key": key()})
        assert again.status_code == 409

    def test_a_finding_of_another_inspection_cannot_be_corrected_here(self, api, li, dispatched, body, jinbi, checklist, sun):
        from tests.inspection.field_fixtures import make_inspection

        other = make_inspection(township=jinbi.county.townships.get(code="520581101"), checklist=checklist, team=[li, sun])
        client = api(li)
        theirs = client.post_json(url(other), {**body, "item_id": item(other, 9).pk}, **{"Idempotency-Key": key()}).json()
        response = client.post_json(
            url(dispatched), {**body, "corrects": theirs["id"], "correction_reason": "x"}, **{"Idempotency-Key": key()}
        )
        assert response.status_code == 422


class TestWhoMayReadAndWrite:
    def test_an_official_cannot_read_or_write_an_inspection_of_their_township_before_submission(
        self, api, zhang, dispatched, body
    ):
        client = api(zhang)
        assert client.get(f"/api/v1/inspections/{dispatched.pk}").status_code == 404
        assert client.get("/api/v1/inspections").json() == {"items": [], "count": 0}
        assert client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).status_code == 404
        assert client.post(f"/api/v1/inspections/{dispatched.pk}/submit").status_code == 404

    def test_an_outsider_gets_404_for_everything(self, api, zhao, dispatched, body):
        client = api(zhao)
        assert client.get(f"/api/v1/inspections/{dispatched.pk}").status_code == 404
        assert client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).status_code == 404
        assert client.post(f"/api/v1/inspections/{dispatched.pk}/submit").status_code == 404
        assert not Finding.objects.exists()

    def test_an_inspector_not_on_the_team_gets_404(self, api, zhou, dispatched, body):
        client = api(zhou)
        assert client.get(f"/api/v1/inspections/{dispatched.pk}").status_code == 404
        assert client.post_json(url(dispatched), body, **{"Idempotency-Key": key()}).status_code == 404

    def test_an_official_reads_their_township_inspection_and_findings_after_submission(self, api, li, zhang, dispatched, body):
        inspector = api(li)
        inspector.post_json(url(dispatched), body, **{"Idempotency-Key": key()})
        inspector.post(f"/api/v1/inspections/{dispatched.pk}/submit")
        detail = api(zhang).get(f"/api/v1/inspections/{dispatched.pk}")
        assert detail.status_code == 200
        assert [f["text"] for f in detail.json()["findings"]] == [body["text"]]
        assert detail.json()["team"] is None  # the roster is not the township's business
        assert {(f["recorded_by"], f["recorded_by_name"]) for f in detail.json()["findings"]} == {("督查组", "督查组")}
        text = detail.content.decode()
        assert '"li"' not in text and "李督查" not in text and "孙督查" not in text  # nobody of the team is named
        assert api(zhang).post_json(url(dispatched), body, **{"Idempotency-Key": key()}).status_code == 404

    def test_the_commission_reads_but_does_not_file(self, api, wang, dispatched, body):
        client = api(wang)
        assert client.get(f"/api/v1/inspections/{dispatched.pk}").status_code == 200
        response = client.post_json(url(dispatched), body, **{"Idempotency-Key": key()})
        assert response.status_code == 403
        assert "督查组成员" in response.json()["detail"]

    def test_an_inspector_cannot_see_tomorrows_assignment(self, api, li, dispatched, tomorrow, body):
        client = api(li)
        listed = client.get("/api/v1/inspections").json()
        assert [i["id"] for i in listed["items"]] == [dispatched.pk]
        assert client.get(f"/api/v1/inspections/{tomorrow.pk}").status_code == 404
        assert client.post_json(url(tomorrow), {**body, "item_id": item(tomorrow, 9).pk},
                                **{"Idempotency-Key": key()}).status_code == 404

    def test_the_detail_lists_the_checklist_of_the_inspection(self, api, li, dispatched):
        detail = api(li).get(f"/api/v1/inspections/{dispatched.pk}").json()
        assert len(detail["checklist"]) == 16
        assert set(detail["checklist"][0]) >= {"id", "area", "text", "severity"}
        assert detail["township"] == "520581100" and detail["status"] == "dispatched"
        assert detail["team"] == ["李督查", "孙督查"]

    def test_signed_out_callers_get_401(self, client, dispatched, body):
        response = client.post(url(dispatched), body, content_type="application/json", headers={"Idempotency-Key": key()})
        assert response.status_code == 401
