"""Input no part of the project can hold is refused at the edge (inspection/security/hygiene.py), with
a 4xx and a Chinese sentence, for path, query, headers, JSON and forms alike; nothing is written.

Each class of the outside review has its cases: NUL and other C0 controls, lone surrogates, dates at
the edges of the calendar, ISO weeks far away, digits `int()` refuses, a too-large JSON body in
debug mode, a NUL in a username at sign-in. Run on SQLite and on PostgreSQL (which refuses a NUL
with a 500 when one reaches a query).
"""

import json
import logging

import pytest

from inspection.models import AuditEvent, Finding, Notice, NoticeKind
from inspection.security.hygiene import DATE_MAX, DATE_MIN, check_week, holdable, strict_id
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)
from tests.web.builders import jinbi_visit, media_in_a_temporary_folder, team  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

JINBI = "520581100"
UNHOLDABLE = {"NUL": "\x00", "bell": "\x07", "escape": "\x1b", "unit separator": "\x1f"}
CHARACTERS = "含有无法处理的字符"


def detail(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"detail"}, body
    return json.dumps(body["detail"], ensure_ascii=False)


def page_text(response) -> str:
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return response.content.decode()


@pytest.fixture
def audit_rows():
    """The audit chain's length before the test, to show a refusal wrote nothing to it."""
    return AuditEvent.objects.count


# ---------------------------------------------------------------------------
# The checks themselves


@pytest.mark.parametrize("char", [*UNHOLDABLE.values(), "\ud800", "\udfff"])
def test_what_cannot_be_held_is_found(char):
    assert not holdable(f"金碧镇{char}")


@pytest.mark.parametrize("text", ["金碧镇", "第一行\n第二行", "列\t列", "回车\r\n", "燊 😀"])
def test_tab_line_breaks_and_any_real_character_are_kept(text):
    assert holdable(text)


@pytest.mark.parametrize("text, value", [("12", 12), ("²", None), ("١٢", None), ("１２", None), ("0", None),
                                          ("9" * 19, None), (str(2**63 - 1), 2**63 - 1), ("-1", None), ("", None)])
def test_an_id_is_ascii_digits_within_bigint(text, value):
    assert strict_id(text) == value


@pytest.mark.parametrize("week", ["1999-W52", "2100-W01", "9999-W52", "0001-W01"])
def test_a_week_far_away_is_out_of_range(week):
    with pytest.raises(ValueError, match="周次应在"):
        check_week(week)


# ---------------------------------------------------------------------------
# Path, query, headers, cookies


@pytest.mark.parametrize("name, char", UNHOLDABLE.items())
def test_a_control_character_in_a_path_is_a_400_page_and_a_json_400(client, api, wang, name, char, audit_rows):
    client.force_login(wang)
    token = api(wang)
    before = audit_rows()
    page = client.get(f"/townships/5205{char}81100/")
    assert page.status_code == 400 and "网址" + CHARACTERS in page_text(page)
    reply = token.get(f"/api/v1/townships/5205{char}81100")
    assert reply.status_code == 400 and "网址" + CHARACTERS in detail(reply)
    assert audit_rows() == before


def test_a_nul_in_a_query_names_the_parameter_on_the_web_and_in_the_api(client, api, wang):
    client.force_login(wang)
    for url in ("/townships/?q=金\x00碧", "/notices/?q=a\x00", "/audit/?action=draw.\x00"):
        page = client.get(url)
        assert page.status_code == 400, url
        assert "查询参数“" in page_text(page) and CHARACTERS in page_text(page)
    reply = api(wang).get("/api/v1/inspections?township=5205\x00")
    assert reply.status_code == 400 and "查询参数“township”" in detail(reply)


def test_an_anonymous_nul_is_refused_before_anything_is_looked_up(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="ancha.security"):
        page = client.get("/verify/AB\x00CD/")
        reply = client.get("/api/v1/verify/AB\x00CD")
    assert page.status_code == reply.status_code == 400
    assert any('"input.refused"' in r.getMessage() for r in caplog.records)
    assert not any("\x00" in r.getMessage() for r in caplog.records), "the log line carries no raw NUL"


def test_a_nul_in_the_session_cookie_never_reaches_the_session_table(client, db):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"  # sent quoted, as "abcdefgh\000ijkl"
    page = client.get("/")
    assert page.status_code == 400 and "Cookie“sessionid”" + CHARACTERS in page_text(page)


def test_a_nul_in_the_idempotency_key_is_refused_before_the_finding(api, li, dispatched):
    reply = api(li).post_json(f"/api/v1/inspections/{dispatched.pk}/findings", {"text": "有问题", "severity": "minor"},
                              **{"Idempotency-Key": "key\x00one"})
    assert reply.status_code == 400 and "请求头“IDEMPOTENCY_KEY”" in detail(reply)
    assert not Finding.objects.exists()


# ---------------------------------------------------------------------------
# JSON bodies


@pytest.mark.parametrize("raw", ['"有\\u0000问题"', '"有\\u0007问题"', '"\\ud800"', '"前\\udfff后"'])
def test_a_json_field_that_cannot_be_held_is_named_and_nothing_is_filed(api, li, dispatched, raw, audit_rows):
    before = audit_rows()
    body = '{"severity": "minor", "text": %s}' % raw
    reply = api(li).post(f"/api/v1/inspections/{dispatched.pk}/findings", body, content_type="application/json",
                         headers={"Idempotency-Key": "k-hostile"})
    assert reply.status_code == 400
    assert "提交内容的“text”" + CHARACTERS in detail(reply)
    assert not Finding.objects.exists() and audit_rows() == before


def test_a_nul_in_a_json_key_or_a_nested_value_is_refused(api, wang):
    for body in ('{"we\\u0000ek": "2026-W49"}', '{"week": "2026-W49", "x": [{"y": ["\\u0000"]}]}'):
        reply = api(wang).post("/api/v1/draws", body, content_type="application/json")
        assert reply.status_code == 400, body
        assert CHARACTERS in detail(reply)


def test_a_line_break_and_a_tab_in_a_finding_are_kept(api, li, dispatched):
    reply = api(li).post_json(f"/api/v1/inspections/{dispatched.pk}/findings",
                              {"text": "第一行\n\t第二行\r\n", "severity": "minor"}, **{"Idempotency-Key": "k-lines"})
    assert reply.status_code == 201, reply.content
    assert Finding.objects.get().text.startswith("第一行\n\t第二行")


def test_json_python_cannot_hold_is_a_clear_400(api, wang):
    for body in ('{"week": %s}' % ("1" * 5000), "[" * 100_000 + "]" * 100_000):
        reply = api(wang).post("/api/v1/draws", body, content_type="application/json")
        assert reply.status_code == 400
        assert "过长的数字或过深的嵌套" in detail(reply)


@pytest.mark.parametrize("debug", [False, True])
def test_a_too_large_json_body_is_a_413_in_debug_mode_too(api, wang, settings, debug):
    settings.DEBUG = debug
    body = json.dumps({"week": "2026-W49", "public_value": "长" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    reply = api(wang).post("/api/v1/draws", body, content_type="application/json")
    assert reply.status_code == 413
    assert "提交内容过大" in detail(reply)


# ---------------------------------------------------------------------------
# Forms and sign-in


def test_a_nul_in_a_web_form_field_is_a_400_page_naming_the_field(client, li, dispatched):
    client.force_login(li)
    page = client.post(f"/inspector/inspections/{dispatched.pk}/findings/",
                       {"idempotency_key": "k-web", "severity": "minor", "text": "有\x00问题"})
    assert page.status_code == 400 and "表单字段“text”" + CHARACTERS in page_text(page)
    assert not Finding.objects.exists()


def test_a_nul_in_a_multipart_field_beside_an_upload_is_refused(api, li, dispatched):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    reply = api(li).post(f"/api/v1/inspections/{dispatched.pk}/findings/1/evidence",
                         {"file": upload, "caption": "门\x00口"})
    assert reply.status_code == 400 and "表单字段“caption”" + CHARACTERS in detail(reply)


@pytest.mark.parametrize("username", ["wang\x00", "\x00", "wa\x1bng"])
def test_a_nul_in_a_username_at_sign_in_is_a_clear_400_on_the_web_and_the_token_endpoint(client, wang, username,
                                                                                     audit_rows):
    before = audit_rows()
    page = client.post("/login/", {"username": username, "password": "whatever"})
    assert page.status_code == 400 and "表单字段“username”" + CHARACTERS in page_text(page)
    reply = client.post("/api/v1/auth/token", {"username": username, "password": "whatever"},
                        content_type="application/json")
    assert reply.status_code == 400 and "提交内容的“username”" + CHARACTERS in detail(reply)
    assert audit_rows() == before


# ---------------------------------------------------------------------------
# Dates, weeks, ids


@pytest.mark.parametrize("observed_at", ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00Z",
                                         "9999-12-31T23:59:59-08:00", "9999-12-31T23:59:59Z", "1899-12-31T12:00:00"])
def test_an_observed_time_at_the_edge_of_the_calendar_is_a_422_with_the_range(api, li, dispatched, observed_at):
    reply = api(li).post_json(f"/api/v1/inspections/{dispatched.pk}/findings",
                              {"text": "有问题", "severity": "minor", "observed_at": observed_at},
                              **{"Idempotency-Key": f"k-{observed_at}"})
    assert reply.status_code == 422
    assert f"日期应在 {DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()} 之间" in detail(reply)
    assert not Finding.objects.exists()


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=2100-01-01"])
def test_a_date_filter_at_the_edge_of_the_calendar_is_a_422(api, wang, query):
    reply = api(wang).get(f"/api/v1/inspections?{query}")
    assert reply.status_code == 422 and "日期应在" in detail(reply)


def test_a_date_filter_inside_the_calendar_still_filters(api, wang, jinbi_visit):
    day = jinbi_visit.date.isoformat()
    reply = api(wang).get(f"/api/v1/inspections?date_from={day}&date_to={day}")
    assert reply.status_code == 200 and [i["id"] for i in reply.json()["items"]] == [jinbi_visit.pk]


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2150-W10"])
def test_a_week_far_away_is_refused_by_the_api_and_the_web(client, api, wang, week):
    # The draw endpoints answer a bad week 400 (DESIGN.md §4's contract), the others 422.
    sealed = api(wang).post_json("/api/v1/draws", {"week": week})
    assert sealed.status_code == 400 and "周次应在 2000-W01 至 2099-W52 之间" in detail(sealed)
    read = api(wang).get(f"/api/v1/draws/{week}")
    assert read.status_code == 400 and "周次应在" in detail(read)
    drafted = api(wang).post_json("/api/v1/notices/circulars", {"week": week})
    assert drafted.status_code == 422 and "周次应在" in detail(drafted)
    client.force_login(wang)
    page = client.get(f"/draws/{week}/")
    assert page.status_code == 400 and "周次应在" in page_text(page)
    circular = client.post("/notices/circular/", {"week": week}, follow=True)
    assert [str(m) for m in circular.context["messages"]] == ["周次应在 2000-W01 至 2099-W52 之间"]
    assert not Notice.objects.filter(kind=NoticeKind.CIRCULAR).exists()


@pytest.mark.parametrize("digits", ["²", "١", "１"])
def test_unicode_digits_as_a_page_number_are_a_clear_400(client, wang, digits):
    client.force_login(wang)
    page = client.get(f"/townships/?page={digits}")
    assert page.status_code == 400 and "页码应为半角数字" in page_text(page)


@pytest.mark.parametrize("digits", ["²", "١", "１"])
def test_unicode_digits_as_an_id_are_refused_not_a_500(client, api, li, wang, dispatched, digits):
    assert api(wang).get(f"/api/v1/inspections/{digits}").status_code in (404, 422)
    assert api(wang).get(f"/api/v1/inspections?limit={digits}").status_code == 422
    client.force_login(li)
    assert client.get(f"/inspector/inspections/{dispatched.pk}/?item={digits}").status_code == 200
    response = client.post(f"/inspector/inspections/{dispatched.pk}/findings/",
                           {"idempotency_key": f"k-{digits}", "item_id": digits, "severity": "minor", "text": "有问题"},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == ["检查项无效"]
    assert not Finding.objects.exists()
