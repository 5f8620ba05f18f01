"""Minimisation through the real path (issue 16): the fixed corpus filed through the API as the
team files it, then every place its text can travel — the issued letters (pdftotext), the weekly
circular, the ledger's XLSX export (openpyxl) and the audit log (direct reads) — holds none of
the personal values, while the finding itself keeps the full text for those allowed to see it."""

import io
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from inspection.models import AuditEvent, Finding, Notice
from inspection.services.notices import draft_circular, issue_notice, notice_pdf, void_notice
from inspection.services.visits import cancel_inspection
from tests.inspection.field_fixtures import dispatched, sun, tomorrow  # noqa: F401
from tests.notices import pdftools
from tests.notices.workflow import media  # noqa: F401
from tests.privacy import corpus

pytestmark = pytest.mark.django_db

PERSONAL = corpus.personal()
ORDINARY = corpus.ordinary()
ALL_VALUES = [value for row in PERSONAL for value in row.values]
CHECK = "/api/v1/privacy/check"


def findings_url(inspection):
    return f"/api/v1/inspections/{inspection.pk}/findings"


def file(client, inspection, text, severity="major"):
    return client.post_json(findings_url(inspection), {"item_id": None, "severity": severity, "text": text},
                            **{"Idempotency-Key": str(uuid.uuid4())})


def file_corpus(client, inspection) -> list[dict]:
    """Every personal finding of the corpus, filed as the team files it; the 201 replies."""
    replies = []
    for n, row in enumerate(PERSONAL):
        reply = file(client, inspection, row.text, "critical" if n % 3 == 0 else "major")
        assert reply.status_code == 201, reply.content
        replies.append(reply.json())
    submitted = client.post(f"/api/v1/inspections/{inspection.pk}/submit", headers={"Idempotency-Key": "s"})
    assert submitted.status_code in (200, 201), submitted.content
    return replies


TOWNSHIP_LETTERS = {"rectification", "summons", "referral"}


def assert_warned_and_kept(replies, client, inspection):
    assert all(reply["warnings"] for reply in replies)
    assert all("疑似含有" in warning for reply in replies for warning in reply["warnings"])
    # The full text stays in the finding, and the commission reads it as filed.
    stored = dict(Finding.objects.values_list("pk", "text"))
    assert [stored[reply["id"]] for reply in replies] == [row.text for row in PERSONAL]
    listed = client.get(f"/api/v1/inspections/{inspection.pk}").json()["findings"]
    assert {row.text for row in PERSONAL} <= {f["text"] for f in listed}


def assert_letters_clean(county, wang, chen) -> list[Notice]:
    drafts = list(Notice.objects.filter(county=county, state=Notice.State.DRAFT))
    # One letter to the township for the visit (the summons carries the rectification demands).
    assert len(drafts) == 1 and drafts[0].kind in TOWNSHIP_LETTERS
    week = timezone.localdate().isocalendar()
    drafts.append(draft_circular(county=county, week=f"{week[0]}-W{week[1]:02d}", actor=wang))
    issued, quoted = [], 0
    for draft in drafts:
        letter = issue_notice(notice=draft, actor=chen)  # wang drafted the circular; another signs
        text = pdftools.text(notice_pdf(notice=letter, user=wang))
        assert corpus.leaks(ALL_VALUES, text) == [], letter.kind
        assert corpus.leaks(ALL_VALUES, str(letter.snapshot)) == [], letter.kind
        quoted += pdftools.flat(text).count("某某")
        issued.append(letter)
    assert "circular" in {n.kind for n in issued}
    # The letters did quote the findings (masked), not leave them out.
    assert quoted >= len(PERSONAL)
    return issued


def assert_ledger_clean(client):
    from openpyxl import load_workbook

    reply = client.get("/api/v1/ledger?format=xlsx")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    cells = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
                     if c is not None)
    assert "某某" in cells  # the reasons quote the findings, masked
    assert corpus.leaks(ALL_VALUES, cells) == []
    assert corpus.leaks(ALL_VALUES, client.get("/api/v1/ledger").content.decode()) == []


def assert_audit_clean(letter, tomorrow, wang):
    # Reasons a person types also quote findings: a letter voided, a visit withdrawn.
    void_notice(notice=letter, actor=wang, reason=f"误将{PERSONAL[0].text}写入正文，重新发文")
    cancel_inspection(inspection=tomorrow, actor=wang, reason=f"该村{PERSONAL[1].text}，另行安排")
    payloads = " ".join(AuditEvent.objects.values_list("payload", flat=True))
    assert "误将" in payloads and "另行安排" in payloads
    assert corpus.leaks(ALL_VALUES, payloads) == []


def test_the_corpus_filed_through_the_api_leaves_no_personal_value_in_letters_exports_or_the_log(
        api, li, wang, chen, county, dispatched, tomorrow, media):
    # One filing of the whole corpus (its cost is the API's, 187 findings) checked everywhere it travels.
    replies = file_corpus(api(li), dispatched)
    assert_warned_and_kept(replies, api(wang), dispatched)
    letters = assert_letters_clean(county, wang, chen)
    assert_ledger_clean(api(wang))
    assert_audit_clean(next(n for n in letters if n.kind in TOWNSHIP_LETTERS), tomorrow, wang)


class TestTheCheck:
    @pytest.fixture(autouse=True)
    def fresh_throttle(self):
        # The throttle counts in the cache, which outlives each test's database: start each count at zero.
        from django.core.cache import cache

        cache.clear()

    def test_at_most_two_percent_of_the_ordinary_corpus_is_warned_of(self, api, li):
        client, flagged = api(li), []
        now = timezone.now()
        for n, row in enumerate(ORDINARY):
            # The check is throttled per account: let a minute pass every fifty checks.
            with time_machine.travel(now + timedelta(seconds=61 * (n // 50)), tick=False):
                reply = client.post_json(CHECK, {"text": row.text})
            assert reply.status_code == 200, reply.content
            if reply.json()["warnings"]:
                flagged.append(row.text)
        assert len(flagged) <= 0.02 * len(ORDINARY), flagged

    def test_the_check_answers_in_chinese_with_what_letters_will_show(self, api, li, wang):
        reply = api(li).post_json(CHECK, {"text": "留守儿童张小花，家长电话13885176543", "location": "新华村3组12号"})
        assert reply.status_code == 200
        data = reply.json()
        assert data["masked_text"] == "留守儿童张某某，家长电话138****6543"
        assert data["masked_location"] == "新华村某组某号"
        assert {(h["field"], h["kind"]) for h in data["hits"]} == {
            ("text", "name"), ("text", "mobile"), ("location", "address")}
        assert len(data["warnings"]) == 3
        assert api(wang).post_json(CHECK, {"text": "学生张小花"}).json()["warnings"]

    def test_officials_observers_and_strangers_may_not_use_it(self, api, zhang, qian, client):
        for user in (zhang, qian):
            reply = api(user).post_json(CHECK, {"text": "学生张小花"})
            assert reply.status_code == 403 and "督查组" in reply.json()["detail"]
        assert client.post(CHECK, {"text": "x"}, content_type="application/json").status_code in (401, 403)

    def test_bad_input_is_refused_with_a_clear_error(self, api, li):
        client = api(li)
        assert client.post_json(CHECK, {"text": "x" * 2001}).status_code == 422
        assert client.post_json(CHECK, {"text": "x", "extra": 1}).status_code == 422
        assert client.post_json(CHECK, {}).status_code == 422

    def test_a_flood_of_checks_is_throttled_and_the_account_may_check_again_a_minute_later(self, api, li):
        client = api(li)
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            codes = [client.post_json(CHECK, {"text": "食堂卫生差"}).status_code for _ in range(61)]
            assert codes[:60] == [200] * 60 and codes[60] == 429
            traveller.shift(timedelta(seconds=61))
            assert client.post_json(CHECK, {"text": "食堂卫生差"}).status_code == 200


def test_the_plain_form_without_javascript_files_and_then_warns(client, li, dispatched):
    client.force_login(li)
    page = f"/inspector/inspections/{dispatched.pk}/"
    form = {"idempotency_key": "plain-1", "item_id": "", "severity": "major", "location": "",
            "text": "学生李明轩已连续两周未到校，家长电话13885176543"}
    assert client.post(page + "findings/", form).status_code == 302
    assert Finding.objects.get().text == form["text"]
    shown = client.get(page).content.decode()
    assert "李某某" in shown and "138****6543" in shown
    assert shown.count("个人信息提示") == 2  # one per kind: the name and the phone
    ordinary = dict(form, idempotency_key="plain-2", text="儿童之家大门紧锁，活动室堆放杂物")
    assert client.post(page + "findings/", ordinary).status_code == 302
    assert client.get(page).content.decode().count("个人信息提示") == 0  # none for the ordinary one
