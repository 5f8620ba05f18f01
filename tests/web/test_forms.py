"""The web's forms refuse what the services refuse, at the services' limits and in their words (in Chinese,
or in English on an English page), before anything is written."""

import pytest

from inspection.errors import InspectionError
from inspection.models import Finding, Notice, NoticeKind, NoticeResponse
from inspection.services import inspections, notices, responses
from inspection.services.inspections import FindingData, file_finding
from inspection.web.forms import FindingForm, ResponseForm, ReviewForm
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_each_limit_is_the_services_own():
    fields = FindingForm.base_fields
    assert fields["text"].max_length == inspections.TEXT_MAX
    assert fields["location"].max_length == inspections.LOCATION_MAX
    assert fields["correction_reason"].max_length == inspections.REASON_MAX
    assert ResponseForm.base_fields["text"].max_length == responses.MAX_RESPONSE_TEXT
    assert ReviewForm.base_fields["comment"].max_length == notices.MAX_REASON


def test_an_over_long_finding_is_refused_in_the_services_words(client, li, dispatched):
    text = "长" * (inspections.TEXT_MAX + 1)
    with pytest.raises(InspectionError) as refused:
        file_finding(inspection=dispatched, user=li, data=FindingData(text=text, severity="minor"))
    client.force_login(li)
    response = client.post(f"/inspector/inspections/{dispatched.pk}/findings/",
                           {"idempotency_key": "k-long", "severity": "minor", "text": text}, follow=True)
    assert said(response) == [refused.value.detail] == [f"问题描述过长（最多 {inspections.TEXT_MAX} 字）"]
    assert not Finding.objects.exists()


def test_the_page_gives_the_browser_the_same_limits(client, li, dispatched):
    client.force_login(li)
    html = client.get(f"/inspector/inspections/{dispatched.pk}/").content.decode()
    assert f'maxlength="{inspections.TEXT_MAX}"' in html
    assert f'maxlength="{inspections.LOCATION_MAX}"' in html
    assert f'maxlength="{inspections.REASON_MAX}"' not in html, "no finding to correct yet"


def test_a_bad_item_or_severity_is_refused_before_anything_is_filed(client, li, dispatched):
    client.force_login(li)
    response = client.post(f"/inspector/inspections/{dispatched.pk}/findings/",
                           {"idempotency_key": "k-bad", "item_id": "x", "severity": "grave", "text": "有问题"},
                           follow=True)
    assert said(response) == ["检查项无效", "严重程度应为一般、较重或严重"]
    assert not Finding.objects.exists()


def test_an_english_page_refuses_and_confirms_in_english(client, li, dispatched):
    client.force_login(li)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    url = f"/inspector/inspections/{dispatched.pk}/findings/"
    refused = client.post(url, {"idempotency_key": "k-en", "severity": "minor", "text": "  "}, follow=True)
    assert said(refused) == ["Description is required"]
    filed = client.post(url, {"idempotency_key": "k-en", "severity": "minor", "text": "大门紧锁"}, follow=True)
    assert said(filed) == ["Finding saved."]
    again = client.post(url, {"idempotency_key": "k-en", "severity": "minor", "text": "大门紧锁"}, follow=True)
    assert said(again) == ["This finding was already saved; it was not filed twice."]


@pytest.fixture
def reported(wang, zhang, jinbi_visit):
    """The summons of 金碧镇's visit, issued, acknowledged and answered with a report."""
    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    summons = notices.issue_notice(notice=summons, actor=wang)
    summons = responses.acknowledge_notice(notice=summons, user=zhang)
    return responses.file_response(notice=summons, user=zhang, text="已召开专题会议，补发生活费。")


def test_a_review_comment_longer_than_the_service_keeps_is_refused(client, wang, reported):
    client.force_login(wang)
    url = f"/notices/{reported.notice_id}/responses/{reported.pk}/review/"
    page = client.get(f"/notices/{reported.notice_id}/").content.decode()
    assert f'<textarea name="comment" rows="3" maxlength="{notices.MAX_REASON}">' in page
    response = client.post(url, {"decision": "return", "comment": "改" * (notices.MAX_REASON + 1)}, follow=True)
    assert said(response) == [f"审核意见不超过{notices.MAX_REASON}字"]
    reported.refresh_from_db()
    assert reported.state == NoticeResponse.State.PENDING
    client.post(url, {"decision": "return", "comment": "改" * notices.MAX_REASON})
    reported.refresh_from_db()
    assert (reported.state, len(reported.review_comment)) == (NoticeResponse.State.RETURNED, notices.MAX_REASON)


def test_an_unknown_review_decision_is_not_found(client, wang, reported):
    client.force_login(wang)
    url = f"/notices/{reported.notice_id}/responses/{reported.pk}/review/"
    assert client.post(url, {"decision": "maybe"}).status_code == 404


def test_an_empty_report_is_refused_in_the_services_words(client, wang, zhang, jinbi_visit):
    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    responses.acknowledge_notice(notice=notices.issue_notice(notice=summons, actor=wang), user=zhang)
    client.force_login(zhang)
    response = client.post(f"/notices/{summons.pk}/respond/", {"text": "   "}, follow=True)
    assert said(response) == ["请填写整改情况"]
    assert not NoticeResponse.objects.exists()


def test_a_circular_without_a_week_is_refused_on_the_dashboard(client, wang, county):
    client.force_login(wang)
    response = client.post("/notices/circular/", {"week": ""}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert said(response) == ["周次格式应为 YYYY-Www，如 2026-W49"]
    assert not Notice.objects.filter(kind=NoticeKind.CIRCULAR).exists()
