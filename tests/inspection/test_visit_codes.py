"""Visit codes a township can check at the door (issue 16, 无扰督查): a dispatched visit's code for its
day only, refused when replayed from another day, visit or county, or altered; the public check
writes nothing a township can read and is throttled per address; the township official confirms
the visit with the code, and the commission sees whether and when."""

import hashlib
import hmac
import json
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.test import Client

from inspection.errors import Conflict
from inspection.models import AuditEvent, Inspection, Official, Post, Role, SignInAttempt, VisitConfirmation
from inspection.services import visit_codes
from inspection.services.draws import dispatch_due
from inspection.services.inspections import submit_inspection
from inspection.services.visit_codes import CROCKFORD, check_code, code_for, confirm_visit
from tests.conftest import _user
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, WEEK, at, roster, sealed  # noqa: F401 - fixtures
from tests.inspection.field_fixtures import make_inspection, sun  # noqa: F401 - fixtures

DAY = date(2026, 12, 2)  # a Wednesday
CHECK = "/api/v1/visit-codes/check"


def forge(secret: str, county: str, inspection_id: int, township: str, day: date) -> str:
    """The code as the issue specifies it, written out here independently of the service: 50 bits of
    HMAC-SHA256 over (county, inspection, township, date), Crockford base32, after the reference."""
    message = f"ancha.visit-code.v1|{county}|{inspection_id}|{township}|{day.isoformat()}".encode()
    bits = int.from_bytes(hmac.new(bytes.fromhex(secret), message, hashlib.sha256).digest()[:8], "big") >> 14
    mac = "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(10)))
    return f"{inspection_id}-{mac[:5]}-{mac[5:]}"


def visit(township, checklist, team, day=DAY, status=Inspection.Status.DISPATCHED):
    with at(day, 8):
        return make_inspection(township=township, checklist=checklist, team=team, day=day, status=status)


def official_of(township, username):
    user = _user(username, Role.OFFICIAL, township.county, f"{township.name}负责人")
    official = Official.objects.create(user=user, county=township.county, name=f"{township.name}负责人")
    Post.objects.create(official=official, township=township, started_on="2025-01-01")
    return user


def verdict(code, day=DAY):
    with at(day, 11):
        return check_code(code).verdict


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def today_visit(jinbi, checklist, li, sun):
    return visit(jinbi, checklist, [li, sun])


# --- what a code is --------------------------------------------------------------------------------


def test_a_dispatched_visit_has_a_code_of_fifty_bits_signed_with_the_county_key(today_visit, county):
    with at(DAY, 9):
        code = code_for(today_visit)
    assert code.text == forge(county.visit_code_secret, county.code, today_visit.pk, today_visit.township.code, DAY)
    reference, first, second = code.text.split("-")
    assert reference == str(today_visit.pk) and len(first + second) == 10 and set(first + second) <= set(CROCKFORD)
    assert verdict(code.text) == "valid"


def test_before_dispatch_no_code_exists(sealed, roster, api, wang):
    """The draw's planned visits have no code, and their team cannot ask for one; the morning's
    dispatch brings the code, for that day only."""
    first = sealed.inspections.order_by("date", "id").first()
    member = first.members.first().inspector.user
    client = api(member)
    with at(first.date - timedelta(days=1), 18):
        with pytest.raises(Conflict, match="尚未派出"):
            code_for(first)
        assert client.get(f"/api/v1/inspections/{first.pk}/visit-code").status_code == 404
        # The commission sees the planned visit, but not a code for it either.
        assert api(wang).get(f"/api/v1/inspections/{first.pk}/visit-code").status_code == 404
    with at(first.date, 7):
        dispatch_due(county=roster)
        reply = client.get(f"/api/v1/inspections/{first.pk}/visit-code")
        assert reply.status_code == 200
        body = reply.json()
        assert body["date"] == first.date.isoformat()
        assert body["url"].endswith(f"/visit/check/?code={body['code']}")
        assert check_code(body["code"]).verdict == "valid"
        # A visit dispatched later in the week has no code before its own morning either.
        later = sealed.inspections.filter(date__gt=first.date).first()
        if later is not None:
            with pytest.raises(Conflict):
                code_for(later)
    with at(first.date + timedelta(days=1), 9):
        refused = client.get(f"/api/v1/inspections/{first.pk}/visit-code")
        assert refused.status_code == 409 and refused.json()["detail"] == "核验码只在检查当天提供"


def test_a_cancelled_or_missed_visit_loses_its_code(today_visit, wang):
    with at(DAY, 9):
        code = code_for(today_visit).text
    Inspection.objects.filter(pk=today_visit.pk).update(
        status=Inspection.Status.MISSED, missed_at=today_visit.dispatched_at, missed_reason="督查组途中车辆故障")
    assert verdict(code) == "invalid"


# --- replay, alteration, forgery ------------------------------------------------------------------


def test_a_genuine_code_is_accepted_only_on_its_day(today_visit):
    with at(DAY, 9):
        code = code_for(today_visit).text
    assert verdict(code, DAY) == "valid"
    assert verdict(code, DAY + timedelta(days=1)) == "expired"
    assert verdict(code, DAY + timedelta(days=30)) == "expired"
    assert verdict(code, DAY - timedelta(days=1)) == "invalid"  # never "genuine" before its day


def test_codes_replayed_from_another_day_visit_or_county_are_refused(
    today_visit, county, other_county, jinbi, checklist, li, sun
):
    next_week = visit(jinbi, checklist, [li, sun], day=DAY + timedelta(days=7))
    elsewhere = visit(county.townships.get(code="520581101"), checklist, [li, sun])
    other_township = other_county.townships.order_by("code").first()
    with at(DAY, 8):
        foreign = make_inspection(township=other_township, checklist=checklist, team=[], day=DAY)
        mine = code_for(today_visit).text
    mac = mine.split("-", 1)[1]
    # Another day: last week's code at next week's visit to the same township.
    assert verdict(mine, next_week.date) == "expired"
    assert verdict(f"{next_week.pk}-{mac}", next_week.date) == "invalid"
    assert verdict(forge(county.visit_code_secret, county.code, today_visit.pk, jinbi.code, DAY + timedelta(days=7)),
                   next_week.date) == "invalid"
    # Another visit the same day: the signature is over the visit and its township.
    assert verdict(f"{elsewhere.pk}-{mac}") == "invalid"
    assert verdict(forge(county.visit_code_secret, county.code, elsewhere.pk, jinbi.code, DAY)) == "invalid"
    # Another county: its key does not sign our visits, ours does not sign its visits.
    assert verdict(f"{foreign.pk}-{mac}") == "invalid"
    assert verdict(forge(other_county.visit_code_secret, county.code, today_visit.pk, jinbi.code, DAY)) == "invalid"
    assert verdict(forge(county.visit_code_secret, other_county.code, foreign.pk, other_township.code, DAY)) == "invalid"
    assert verdict(forge(other_county.visit_code_secret, other_county.code, foreign.pk, other_township.code, DAY)) == "valid"
    assert county.visit_code_secret != other_county.visit_code_secret


def test_an_altered_code_is_refused_in_every_character(today_visit):
    with at(DAY, 9):
        code = code_for(today_visit).text
    reference, mac = code.split("-", 1)
    flat = mac.replace("-", "")
    for position in range(len(flat)):
        other = CROCKFORD[(CROCKFORD.index(flat[position]) + 1) % 32]
        altered = flat[:position] + other + flat[position + 1:]
        assert verdict(f"{reference}-{altered}") == "invalid", position
    assert verdict(f"{int(reference) + 1}-{mac}") == "invalid"
    for junk in ["", "1234", f"{reference}-{flat[:9]}", f"{reference}-{flat}0", "ABCDE-FGHJK", "x" * 65, "１２'; --"]:
        assert verdict(junk) == "invalid", junk


def test_a_code_is_read_as_people_type_it(today_visit):
    with at(DAY, 9):
        code = code_for(today_visit).text
    flat = code.replace("-", "")
    spaced = " ".join([code[:4], code[4:9], code[9:]])
    full_width = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})
    for typed in [code.lower(), flat, spaced, f" {code} ", full_width, code.replace("-", "—")]:
        assert verdict(typed) == "valid", typed
    if "0" in code or "1" in code:
        assert verdict(code.replace("0", "O").replace("1", "l")) == "valid"


# --- the public check ------------------------------------------------------------------------------


def test_the_public_check_answers_genuine_county_and_date_and_nothing_else(today_visit, county):
    with at(DAY, 9):
        code = code_for(today_visit).text
    client = Client()
    with at(DAY, 10):
        got = client.get(CHECK, {"code": code})
        posted = client.post(CHECK, {"code": code}, content_type="application/json")
        page = client.get("/visit/check/", {"code": code})
    assert got.status_code == posted.status_code == 200
    assert got.json() == posted.json() == {"result": "valid", "county": county.authority_name, "date": "2026-12-02"}
    html = page.content.decode()
    assert page.status_code == 200 and "真实有效" in html and county.authority_name in html and "2026年12月2日" in html
    for secret in [today_visit.township.name, "李督查", "孙督查"]:
        assert secret not in html and secret not in got.content.decode()
    with at(DAY + timedelta(days=1), 10):
        assert client.get(CHECK, {"code": code}).json()["result"] == "expired"
        assert "已过期" in client.get("/visit/check/", {"code": code}).content.decode()
        assert client.get(CHECK, {"code": "1-ABCDE-FGHJK"}).json() == {"result": "invalid", "county": None, "date": None}
        page = client.post("/visit/check/", {"code": "1-ABCDE-FGHJK"}).content.decode()
        assert "无效" in page and county.authority_name not in page
        assert client.get(CHECK).status_code == 422


def test_a_public_check_records_nothing_for_the_township_office(today_visit, zhang, client):
    with at(DAY, 9):
        code = code_for(today_visit).text
        client.force_login(zhang)
        portal_before = client.get("/").content.decode()
    before = row_counts()
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    with at(DAY, 10):
        stranger.get(CHECK, {"code": code})
        stranger.post("/visit/check/", {"code": code})
    with at(DAY + timedelta(days=1), 10):
        stranger.get(CHECK, {"code": code})
    assert row_counts() == before  # a genuine or expired check writes no row at all
    with at(DAY, 10):
        stranger.get(CHECK, {"code": code[:-1] + ("0" if code[-1] != "0" else "1")})
    after = row_counts()
    # An invalid try is counted against its address, and only there: a keyed hash, no code, no address.
    assert {k for k in after if after[k] != before[k]} == {SignInAttempt._meta.label}
    row = SignInAttempt.objects.get()
    assert row.ip == "" and row.account == "" and "203.0.113.9" not in row.key and code[:4] not in row.key
    with at(DAY, 11):
        assert client.get("/").content.decode().count(code) == portal_before.count(code) == 0
    assert not AuditEvent.objects.filter(action__startswith="visit").exists()


def test_the_check_is_throttled_per_address_with_a_chinese_message(today_visit):
    with at(DAY, 9):
        code = code_for(today_visit).text
    guesser, neighbour = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    with at(DAY, 10):
        for n in range(10):
            assert guesser.get(CHECK, {"code": f"{today_visit.pk}-{n}BCDE-FGHJK"}).json()["result"] == "invalid"
        refused = guesser.get(CHECK, {"code": code})
        assert refused.status_code == 429
        assert refused.json()["detail"] == "核验失败次数过多，请 1 秒后再试。"
        page = guesser.post("/visit/check/", {"code": code})
        assert page.status_code == 429 and "核验失败次数过多" in page.content.decode()
        # Refused tries are not counted, and another address is not slowed.
        assert SignInAttempt.objects.count() == 10
        assert neighbour.get(CHECK, {"code": code}).json()["result"] == "valid"
    with at(DAY, 10) as frozen:
        frozen.shift(2)
        assert guesser.get(CHECK, {"code": code}).json()["result"] == "valid"


# --- the township's confirmation and what the commission sees -----------------------------------------


def test_the_official_confirms_the_visit_with_the_code_and_the_commission_sees_when(
    today_visit, zhang, wang, qian, api, client
):
    with at(DAY, 9):
        code = code_for(today_visit).text
    with at(DAY, 16):
        client.force_login(zhang)
        response = client.post("/my-township/confirm-visit/", {"code": code.lower()}, follow=True)
    assert "已确认督查组于今天来访（确认时间 16:00）" in response.content.decode()
    confirmation = VisitConfirmation.objects.get(inspection=today_visit)
    assert confirmation.confirmed_by == zhang
    event = AuditEvent.objects.get(action="visit.confirmed")
    assert json.loads(event.payload)["data"]["township"] == today_visit.township.code
    with at(DAY, 16):
        again = api(zhang).post_json("/api/v1/visit-codes/confirm", {"code": code})
    assert again.status_code == 200 and VisitConfirmation.objects.count() == 1
    assert AuditEvent.objects.filter(action="visit.confirmed").count() == 1
    with at(DAY, 17):
        submit_inspection(inspection=today_visit, user=today_visit.members.first().inspector.user)
        client.force_login(wang)
        page = client.get(f"/inspections/{today_visit.pk}/").content.decode()
        detail = api(wang).get(f"/api/v1/inspections/{today_visit.pk}").json()
        client.force_login(qian)
        observed = client.get(f"/inspections/{today_visit.pk}/").content.decode()
    assert "乡镇已确认来访：2026-12-02 16:00" in page and "乡镇已确认来访" in observed
    assert detail["confirmed_at"].startswith("2026-12-02T") and detail["unconfirmed"] is False


def test_a_submitted_visit_without_confirmation_is_flagged_on_the_inspection_and_draw_pages(
    sealed, roster, wang, api, client
):
    visits = list(sealed.inspections.order_by("date", "id")[:2])
    confirmed, silent = visits
    with at(confirmed.date, 7):
        dispatch_due(county=roster)
    with at(silent.date, 7):
        dispatch_due(county=roster)
    official = official_of(confirmed.township, "official-a")
    with at(confirmed.date, 15):
        code = code_for(Inspection.objects.get(pk=confirmed.pk)).text
        reply = api(official).post_json("/api/v1/visit-codes/confirm", {"code": code})
        assert reply.status_code == 201 and reply.json()["inspection"] == confirmed.pk
    for inspection in visits:
        with at(inspection.date, 17):
            submit_inspection(inspection=Inspection.objects.get(pk=inspection.pk),
                              user=inspection.members.first().inspector.user)
    with at(silent.date, 18):
        client.force_login(wang)
        page = client.get(f"/inspections/{silent.pk}/").content.decode()
        ok_page = client.get(f"/inspections/{confirmed.pk}/").content.decode()
        draw = client.get(f"/draws/{WEEK}/").content.decode()
        flagged = api(wang).get(f"/api/v1/inspections/{silent.pk}").json()
    assert "乡镇未确认来访" in page and "乡镇未确认来访" not in ok_page
    assert flagged["unconfirmed"] is True and flagged["confirmed_at"] is None
    assert "乡镇确认来访" in draw and draw.count(">未确认<") == 1 and draw.count(">已确认<") == 1


def test_confirmation_is_refused_for_another_township_another_county_or_another_day(
    today_visit, county, zhang, zhao, api, checklist, li, sun
):
    elsewhere = visit(county.townships.get(code="520581101"), checklist, [li, sun])
    with at(DAY, 9):
        mine, theirs = code_for(today_visit).text, code_for(elsewhere).text
    with at(DAY, 15):
        wrong_township = api(zhang).post_json("/api/v1/visit-codes/confirm", {"code": theirs})
        forged = api(zhang).post_json("/api/v1/visit-codes/confirm", {"code": mine[:-1] + ("Z" if mine[-1] != "Z" else "Y")})
        other_county = api(zhao).post_json("/api/v1/visit-codes/confirm", {"code": mine})
        inspector = api(li).post_json("/api/v1/visit-codes/confirm", {"code": mine})
    # The same words whatever the reason: the portal tells nothing about other townships' visits.
    assert wrong_township.status_code == forged.status_code == other_county.status_code == 409
    assert wrong_township.json() == forged.json() == other_county.json() == {"detail": visit_codes.NOT_YOURS}
    assert inspector.status_code == 403
    with at(DAY + timedelta(days=1), 9):
        late = api(zhang).post_json("/api/v1/visit-codes/confirm", {"code": mine})
    assert late.status_code == 409
    assert not VisitConfirmation.objects.exists()
    assert Client().post("/api/v1/visit-codes/confirm", {"code": mine}, content_type="application/json").status_code == 401


def test_the_inspector_page_shows_the_code_and_its_qr_only_on_the_day(today_visit, li, client):
    with at(DAY, 9):
        client.force_login(li)
        page = client.get(f"/inspector/inspections/{today_visit.pk}/").content.decode()
        code = code_for(today_visit).text
    assert code in page and "<svg" in page and "核验二维码" in page and "/visit/check/" in page
    with at(DAY + timedelta(days=1), 9):
        client.force_login(li)
        later = client.get(f"/inspector/inspections/{today_visit.pk}/").content.decode()
    assert code not in later and "核验二维码" not in later


def test_the_migration_gives_every_existing_county_its_own_visit_code_key(county, other_county):
    """AddField evaluates its default once for all existing rows: the data step must part them."""
    import importlib

    from inspection.models import County

    migration = importlib.import_module("inspection.migrations.0009_visitcode_confirmations")
    County.objects.update(visit_code_secret="0" * 64)
    migration.give_each_county_its_own_key(apps, None)
    keys = list(County.objects.values_list("visit_code_secret", flat=True))
    assert len(set(keys)) == len(keys) == 2 and all(len(k) == 64 and int(k, 16) for k in keys)
    assert not set(keys) & set(County.objects.values_list("pseudonym_secret", flat=True))
