"""No machine words in what people read: rules by their Chinese titles, weeks by their dates, checklist
versions as 第N版, and the API's refusals of malformed input as Chinese sentences the field app shows."""

import json
from datetime import date

import pytest
from django.template import Context, Template

from inspection.api.validation import chinese_errors
from inspection.models import Checklist
from scoring import RULES
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)


def render(source: str, **context) -> str:
    return Template("{% load vocabulary %}" + source).render(Context(context))


@pytest.mark.parametrize("week, shown", [
    ("2026-W48", "第48周（11月23日—29日）"),
    ("2026-W49", "第49周（11月30日—12月6日）"),
    ("2026-W53", "第53周（2026年12月28日—2027年1月3日）"),
    ("not-a-week", "not-a-week"),
    ("2026-W60", "2026-W60"),
])
def test_a_week_reads_as_its_dates(week, shown):
    assert render("{{ w|week_dates }}", w=week) == shown


def test_every_rule_has_a_chinese_title_and_an_unknown_one_no_code():
    for rule in RULES:
        title = render("{{ r|rule_title }}", r=rule)
        assert title and title.isascii() is False and rule not in title
    assert render("{{ r|rule_title }}", r="made.up") == "其他规则"


def test_a_checklist_version_reads_as_a_chinese_label():
    assert Checklist(version=2, effective_on=date(2026, 12, 1)).label == "第2版（2026年12月1日起施行）"
    assert Checklist(version=1).label == "第1版"
    assert Checklist(version=3, draft=True).label == "第3版（草稿）"


@pytest.mark.django_db
def test_the_apis_refusals_of_bad_input_are_chinese_sentences(api, li, dispatched):
    client = api(li)
    reply = client.post_json(f"/api/v1/inspections/{dispatched.pk}/findings",
                             {"text": "长" * 3000, "severity": "huge"}, **{"Idempotency-Key": "k1"})
    assert reply.status_code == 422
    errors = reply.json()["detail"]
    assert [e["msg"] for e in errors] == ["严重程度应为一般、较重或严重",
                                          "问题描述过长（最多 2000 字）"]
    assert [e["loc"][-1] for e in errors] == ["severity", "text"]  # programs still find the field
    reply = client.post_json(f"/api/v1/inspections/{dispatched.pk}/findings", {"severity": "minor", "item_id": "x"},
                             **{"Idempotency-Key": "k2"})
    assert sorted(e["msg"] for e in reply.json()["detail"]) == ["检查项应为整数", "缺少问题描述"]
    reply = client.post(f"/api/v1/inspections/{dispatched.pk}/findings", "{not json", content_type="application/json",
                        headers={"Idempotency-Key": "k3"})
    assert reply.status_code == 400 and reply.json()["detail"] == "请求内容无法解析，应为 JSON"
    reply = client.get("/api/v1/inspections?limit=abc&offset=-1")
    assert [e["msg"] for e in reply.json()["detail"]] == ["每页条数应为整数", "起始位置不能小于 0"]


def test_every_refusal_reads_without_english_words():
    import re

    kinds = ["missing", "string_too_long", "string_too_short", "int_parsing", "greater_than_equal", "less_than_equal",
             "literal_error", "date_parsing", "datetime_from_date_parsing", "bool_parsing", "string_type",
             "list_type", "model_attributes_type", "json_invalid", "value_error", "something_new"]
    errors = chinese_errors([{"type": k, "loc": ["body", "body", "text"], "msg": "Value error, English",
                              "ctx": {"max_length": 5, "min_length": 2, "ge": 1, "le": 9, "expected": "'a'"}} for k in kinds])
    for error in errors:
        prose = re.sub(r"\((minor|major|critical)\)|（(minor|major|critical)）|JSON|true|false|'a'", "", error["msg"])
        assert not re.search(r"[A-Za-z]{2,}", prose), error
    assert json.dumps(errors, ensure_ascii=False)
