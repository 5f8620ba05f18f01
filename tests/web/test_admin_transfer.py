"""An official's transfer (调任) from the commission's pages: the old post ends, the new one starts, and the
record (问责台账) follows the person; letters already sent stay theirs, new letters for the old township
go to the successor."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inspection.access import visible_notices
from inspection.models import AuditEvent, Notice, NoticeKind, Official, Post, Role
from inspection.services import accounts
from inspection.services.ledger import ledger_entries
from inspection.services.notices import issue_notice
from tests.web.builders import submit_visit

pytestmark = pytest.mark.django_db

SHUIXI = "520581001"


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def transfer(client, official, **fields):
    data = {"on": timezone.localdate().isoformat(), "township": SHUIXI, "title": "", "note": "黔西党任〔2026〕12号"}
    data.update(fields)
    return client.post(f"/officials/{official.pk}/transfer/", data, follow=True)


def test_the_record_follows_the_official_to_the_new_post(client, wang, zhang, jinbi_visit, county):
    official = Official.objects.get(user=zhang)
    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    issue_notice(notice=summons, actor=wang)
    before = ledger_entries(county=county, official=official)
    assert before and {e.township_code for e in before} == {"520581100"}

    client.force_login(wang)
    response = transfer(client, official)
    assert said(response)[0].startswith("已办理调任：张永燊自")
    posts = {p.township.code: p for p in Post.objects.filter(official=official)}
    assert posts["520581100"].ended_on == timezone.localdate() and posts[SHUIXI].ended_on is None
    assert official.current_post().township.code == SHUIXI
    assert AuditEvent.objects.filter(action="official.transferred", actor="wang").exists()

    # The ledger still holds the decisions against the person, with the post held then.
    after = ledger_entries(county=county, official=official)
    assert [e.decision_id for e in after] == [e.decision_id for e in before]
    assert all(e.post for e in after)
    # The new township's page shows the record the official brought with them; the old one keeps its own.
    new_page = client.get(f"/townships/{SHUIXI}/").content.decode()
    assert "分管负责人张永燊此前任职期间的问责记录" in new_page and "金碧镇" in new_page
    assert summons.number_text in new_page
    old_page = client.get("/townships/520581100/").content.decode()
    assert "此前任职期间" not in old_page and summons.number_text in old_page

    # The letter already sent stays addressed to them: they still see it and can 签收 it.
    summons.refresh_from_db()
    assert summons.official_id == official.pk
    assert visible_notices(zhang).filter(pk=summons.pk).exists()
    client.force_login(zhang)
    client.post(f"/notices/{summons.pk}/acknowledge/")
    summons.refresh_from_db()
    assert summons.state == Notice.State.ACKNOWLEDGED


def test_new_letters_for_the_old_township_go_to_the_successor(client, wang, zhang, jinbi, checklist, team):
    client.force_login(wang)
    transfer(client, Official.objects.get(user=zhang))
    successor, _ = accounts.create_account(actor=wang, username="official-jinbi", full_name="罗继任",
                                           role=Role.OFFICIAL, township=jinbi)
    visit = submit_visit(township=jinbi, checklist=checklist, team=team, day=timezone.localdate(),
                         findings=[(2, None, "包保联系无工作记录")])
    letter = Notice.objects.get(inspection=visit)
    assert letter.official.user == successor
    assert not visible_notices(zhang).filter(pk=letter.pk).exists()
    # A visit made before the transfer and filed late is the record of the official in post that day.
    late = submit_visit(township=jinbi, checklist=checklist, team=team, day=timezone.localdate() - timedelta(days=1),
                        findings=[(4, None, "儿童之家活动记录缺失")])
    assert Notice.objects.get(inspection=late).official.user == zhang


def test_a_township_with_an_official_in_post_is_refused_and_nothing_changes(client, wang, zhang, county):
    other, _ = accounts.create_account(actor=wang, username="official-shuixi", full_name="杨水西",
                                       role=Role.OFFICIAL, township=county.townships.get(code=SHUIXI))
    client.force_login(wang)
    response = transfer(client, Official.objects.get(user=zhang))
    assert said(response) == ["水西街道现任分管负责人为杨水西，请先为其办理调任或离任"]
    assert 'value="黔西党任〔2026〕12号"' in response.content.decode()  # what was typed stays
    assert Official.objects.get(user=zhang).current_post().township.code == "520581100"
    assert not AuditEvent.objects.filter(action="official.transferred").exists()


def test_leaving_the_county_ends_the_post_only(client, wang, zhang):
    official = Official.objects.get(user=zhang)
    client.force_login(wang)
    response = transfer(client, official, township="")
    assert said(response) == ["请选择新任职的乡镇（街道），或选择调离本县乡镇（街道）职务"]
    assert official.current_post() is not None  # an untouched choice never ends a post
    response = transfer(client, official, township="leave")
    assert said(response)[0].startswith("已办理离任")
    assert official.current_post() is None
    assert "暂无分管负责人的乡镇（街道）" in client.get("/officials/").content.decode()


def test_bad_dates_are_refused_in_chinese(client, wang, zhang):
    official = Official.objects.get(user=zhang)
    client.force_login(wang)
    assert said(transfer(client, official, on="2024-06-01")) == ["调任日期不能早于张永燊在金碧镇的任职日期"]
    assert said(transfer(client, official, on="明天")) == ["调任日期格式应为 年-月-日"]
    assert official.current_post().township.code == "520581100"


@pytest.mark.parametrize("who", ["li", "zhang", "qian"])
def test_only_the_commission_transfers(request, client, zhang, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    official = Official.objects.get(user=zhang)
    assert client.get(f"/officials/{official.pk}/").status_code == 404
    assert transfer(client, official).status_code == 404
    assert official.current_post().township.code == "520581100"
