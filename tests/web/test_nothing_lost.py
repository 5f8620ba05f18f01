"""Nothing typed is lost (issue 15): a finding the inspector's plain form (no JavaScript) cannot
file comes back in the form with the text, the place, the item and the severity as typed, under a
fresh key, with the reason said in Chinese; filing it again, corrected, files it once."""

import re

import pytest

from inspection.models import Finding
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

pytestmark = pytest.mark.django_db

TYPED = "食堂后厨无人值守，<留守儿童>自行取餐"
PLACE = "中心小学 & 食堂"


def post(client, inspection, **fields):
    data = {"idempotency_key": "k-1", "item_id": "", "severity": "", "text": TYPED, "location": PLACE, **fields}
    return client.post(f"/inspector/inspections/{inspection.pk}/findings/", data)


def form_of(html: str) -> str:
    return html[html.index('id="finding-form"'):html.index("</form>", html.index('id="finding-form"'))]


@pytest.mark.parametrize("fields, reason", [
    ({"severity": "serious"}, "严重程度"),  # refused by the form
    ({}, "严重程度"),  # refused by the service: a problem outside the checklist needs a severity
])
def test_a_refused_finding_comes_back_with_what_was_typed(client, li, dispatched, fields, reason):
    client.force_login(li)
    reply = post(client, dispatched, **fields)
    assert reply.status_code == 422
    html = reply.content.decode()
    form = form_of(html)
    assert "食堂后厨无人值守，&lt;留守儿童&gt;自行取餐</textarea>" in form
    assert 'value="中心小学 &amp; 食堂"' in form
    assert re.search(r'class="msg error"[^>]*>[^<]*' + reason, html), "the reason is said"
    assert 'name="idempotency_key" value="k-1"' not in form, "a fresh key: nothing was filed under the old one"
    assert not Finding.objects.exists()

    again = post(client, dispatched, severity="major", idempotency_key="k-2")
    assert again.status_code == 302 and Finding.objects.get().text == TYPED
    assert post(client, dispatched, severity="major", idempotency_key="k-2").status_code == 302
    assert Finding.objects.count() == 1


def test_the_chosen_item_and_severity_stay_chosen(client, li, dispatched):
    client.force_login(li)
    chosen = item(dispatched, 9)
    reply = post(client, dispatched, item_id=str(chosen.pk), severity="critical", text="")
    assert reply.status_code == 422
    form = form_of(reply.content.decode())
    assert f'<option value="{chosen.pk}" selected>' in form
    assert '<option value="critical" selected>' in form
    assert 'value="中心小学 &amp; 食堂"' in form
