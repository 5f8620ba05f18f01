"""The inspector's phone pages, through the real stack: what they show, to whom, and the plain-form path."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspection.models import Evidence, Finding
from tests.inspection.field_fixtures import dispatched, item, sun, tomorrow, zhou  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_li(client, li):
    client.force_login(li)
    return client


def page(inspection):
    return f"/inspector/inspections/{inspection.pk}/"


class Scripts(HTMLParser):
    """Collects <script> tags and on* event-handler attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]


class TestWhatTheInspectorSees:
    def test_todays_assignment_is_listed_and_tomorrows_is_not(self, as_li, dispatched, tomorrow):
        response = as_li.get("/inspector/")
        assert response.status_code == 200
        text = response.content.decode()
        assert "金碧镇" in text and "雨朵镇" not in text
        assert f'href="{page(dispatched)}"' in text

    def test_the_inspection_page_lists_the_whole_checklist_and_the_finding_form(self, as_li, dispatched):
        response = as_li.get(page(dispatched))
        assert response.status_code == 200
        text = response.content.decode()
        assert text.count('data-tick="') == 16
        assert "控辍保学" in text and "登记问题" in text and "提交检查结果" in text
        assert 'name="idempotency_key"' in text

    def test_a_report_link_preselects_its_item_without_javascript(self, as_li, dispatched):
        target = item(dispatched, 9)
        text = as_li.get(page(dispatched) + f"?item={target.pk}").content.decode()
        assert f'<option value="{target.pk}" selected>' in text

    def test_tomorrows_assignment_page_is_not_found(self, as_li, tomorrow):
        assert as_li.get(page(tomorrow)).status_code == 404

    @pytest.mark.parametrize("who", ["zhang", "wang", "zhou", "qian"])
    def test_other_people_get_404(self, client, dispatched, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get(page(dispatched)).status_code == 404
        assert client.post(page(dispatched) + "findings/", {"text": "x", "severity": "minor"}).status_code == 404

    def test_signed_out_visitors_are_sent_to_sign_in(self, client, dispatched):
        response = client.get(page(dispatched))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_pages_have_no_inline_script_and_a_csp_without_unsafe_inline_scripts(self, as_li, dispatched):
        for path in ("/inspector/", page(dispatched)):
            response = as_li.get(path)
            parser = Scripts()
            parser.feed(response.content.decode())
            assert parser.scripts and all(s.get("src", "").startswith("/static/") for s in parser.scripts)
            assert parser.handlers == []
            policy = response["Content-Security-Policy"]
            script_src = re.search(r"script-src ([^;]*)", policy).group(1)
            assert "'unsafe-inline'" not in script_src and "'self'" in script_src

    def test_the_script_is_served_from_our_own_static_files(self, as_li, dispatched):
        from django.contrib.staticfiles import finders

        path = finders.find("js/inspector.js")
        assert path and "Idempotency-Key" in open(path, encoding="utf-8").read()


class TestThePlainFormPath:
    def test_a_finding_filed_by_form_is_saved_once_however_often_it_is_posted(self, as_li, dispatched):
        form = {"idempotency_key": "form-key-1", "item_id": item(dispatched, 4).pk, "severity": "",
                "text": "儿童之家大门紧锁", "location": "某村"}
        for _ in range(3):
            response = as_li.post(page(dispatched) + "findings/", form)
            assert response.status_code == 302
        finding = Finding.objects.get()
        assert (finding.text, finding.severity, finding.location) == ("儿童之家大门紧锁", "minor", "某村")
        shown = as_li.get(page(dispatched)).content.decode()
        assert "儿童之家大门紧锁" in shown

    def test_an_old_form_posted_again_with_other_text_is_refused_plainly(self, as_li, dispatched):
        form = {"idempotency_key": "form-key-9", "item_id": "", "severity": "minor", "text": "第一次"}
        as_li.post(page(dispatched) + "findings/", form)
        response = as_li.post(page(dispatched) + "findings/", {**form, "text": "改过的"}, follow=True)
        assert "这张表单已经提交过" in response.content.decode()
        assert list(Finding.objects.values_list("text", flat=True)) == ["第一次"]

    def test_photos_sent_with_the_form_are_stored_as_evidence(self, as_li, dispatched, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        photo = io.BytesIO()
        Image.new("RGB", (30, 20), "blue").save(photo, "JPEG")
        response = as_li.post(page(dispatched) + "findings/", {
            "idempotency_key": "form-key-2", "item_id": "", "severity": "major", "text": "食堂无人监管",
            "files": [SimpleUploadedFile("a.jpg", photo.getvalue(), "image/jpeg"),
                      SimpleUploadedFile("b.jpg", b"not an image", "image/jpeg")],
        })
        assert response.status_code == 302
        assert Evidence.objects.count() == 1
        messages = [str(m) for m in as_li.get(page(dispatched)).context["messages"]]
        assert any("b.jpg" in m for m in messages)

    def test_a_refused_form_says_why(self, as_li, dispatched):
        response = as_li.post(page(dispatched) + "findings/", {"idempotency_key": "k3", "item_id": "", "text": "无严重程度"},
                              follow=True)
        assert "严重程度" in response.content.decode()
        assert not Finding.objects.exists()

    def test_submitting_needs_the_confirmation_tick(self, as_li, dispatched):
        as_li.post(page(dispatched) + "submit/", {})
        dispatched.refresh_from_db()
        assert dispatched.status == "dispatched"
        as_li.post(page(dispatched) + "submit/", {"confirm": "yes"})
        dispatched.refresh_from_db()
        assert dispatched.status == "submitted" and dispatched.score == 100

    def test_a_submitted_inspection_shows_its_score_and_no_forms(self, as_li, dispatched):
        as_li.post(page(dispatched) + "submit/", {"confirm": "yes"})
        text = as_li.get(page(dispatched)).content.decode()
        assert "已提交" in text and 'class="js-finding"' not in text and 'class="js-submit"' not in text
