"""The foundation: settings fail loudly, divisions load exactly, the demo is idempotent, the home page works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from inspection.models import (
    AuditEvent,
    Checklist,
    County,
    Finding,
    Inspection,
    Inspector,
    Notice,
    Official,
    Post,
    Profile,
    Township,
)

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "ANCHA_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


class TestSettingsFailLoudly:
    def test_missing_secret_key_with_debug_off_stops_with_one_line(self):
        result = run_manage("check", DJANGO_DEBUG="0")
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            "ancha: configuration error: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"
        ]

    @pytest.mark.parametrize("url", ["mysql://u:p@h/db", "not a url", "postgres://host:notaport/db"])
    def test_bad_database_url_stops_with_one_line(self, url):
        result = run_manage("check", DJANGO_DEBUG="1", DATABASE_URL=url)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ancha: configuration error: DATABASE_URL"), lines

    def test_bad_boolean_is_refused(self):
        result = run_manage("check", DJANGO_DEBUG="maybe")
        assert result.returncode == 2
        assert "DJANGO_DEBUG must be one of" in result.stderr

    def test_production_settings_pass_the_deploy_check(self, tmp_path):
        result = run_manage(
            "check", "--deploy", "--fail-level", "WARNING",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="x7#kP2$vQ9!mZ4@wL8^nR3&tY6*bH1(cJ5)dF0-gS_eA+uI=oE",
            DJANGO_ALLOWED_HOSTS="ancha.example.gov.cn",
            DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
        )
        assert result.returncode == 0, result.stdout + result.stderr


class TestDivisions:
    def test_qianxi_yields_exactly_its_30_townships(self, db):
        call_command("import_divisions", "--county", "520581", stdout=open(os.devnull, "w"))
        townships = Township.objects.filter(county__code="520581")
        assert townships.count() == 30
        kinds = {k: townships.filter(kind=k).count() for k in Township.Kind.values}
        assert kinds == {"street": 5, "town": 15, "township": 0, "ethnic": 10}
        assert not townships.filter(name__in=["金坡苗族彝族满族乡", "仁和彝族苗族乡"]).exists()
        assert townships.filter(name="永燊彝族苗族乡").exists()

    def test_townships_administered_elsewhere_can_be_included_on_request(self, db):
        call_command("import_divisions", "--county", "520581", "--include-administered-elsewhere", stdout=open(os.devnull, "w"))
        assert Township.objects.filter(county__code="520581").count() == 32

    def test_import_twice_changes_nothing(self, county):
        before = list(Township.objects.values_list("code", "name", "kind"))
        call_command("import_divisions", "--county", "520581", stdout=open(os.devnull, "w"))
        assert list(Township.objects.values_list("code", "name", "kind")) == before

    def test_a_county_not_in_the_list_is_a_clear_error(self, db):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="没有县级代码为 999999"):
            call_command("import_divisions", "--county", "999999")

    def test_a_file_in_the_wrong_layout_is_a_clear_error(self, db, tmp_path):
        from django.core.management.base import CommandError

        bad = tmp_path / "bad.csv"
        bad.write_text("id,title\n1,x\n", encoding="utf-8")
        with pytest.raises(CommandError, match="区划文件缺少列"):
            call_command("import_divisions", "--county", "520581", "--file", str(bad))

    def test_a_divisions_file_changed_between_imports_is_read_again(self, db, tmp_path):
        # The county's rows are parsed once per version of the file: a new township must still arrive.
        path = tmp_path / "streets.csv"
        header = "code,name,areaCode,provinceCode,cityCode\n"
        path.write_text(header + '520581001,"水西街道",520581,52,5205\n', encoding="utf-8")
        call_command("import_divisions", "--county", "520581", "--file", str(path), stdout=open(os.devnull, "w"))
        assert list(Township.objects.filter(county__code="520581").values_list("code", flat=True)) == ["520581001"]
        path.write_text(header + '520581001,"水西街道",520581,52,5205\n520581002,"文峰街道",520581,52,5205\n',
                        encoding="utf-8")
        call_command("import_divisions", "--county", "520581", "--file", str(path), stdout=open(os.devnull, "w"))
        codes = Township.objects.filter(county__code="520581").order_by("code").values_list("code", flat=True)
        assert list(codes) == ["520581001", "520581002"]

    def test_county_gets_its_document_prefix(self, county):
        assert county.name == "黔西市"
        assert county.doc_prefix == "黔西未保办"
        assert county.authority_name == "黔西市未成年人保护工作委员会办公室"


def _snapshot():
    tables = [County, Township, Profile, Inspector, Official, Post, Checklist, Inspection, Finding, Notice]
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in tables} | {
        "people": sorted(Profile.objects.values_list("user__username", "role", "county__code")),
        "posts": sorted(Post.objects.values_list("official__name", "township__code", "ended_on")),
        "inspections": sorted(Inspection.objects.values_list("township__code", "date", "status", "score")),
    }


class TestDemo:
    def test_load_demo_twice_leaves_the_same_data(self, transactional_db):
        out = open(os.devnull, "w")
        call_command("load_demo", "--weeks", "2", stdout=out)
        first = _snapshot()
        call_command("load_demo", "--weeks", "2", stdout=out)
        assert _snapshot() == first
        assert Profile.objects.filter(role="inspector").count() == 12
        assert Profile.objects.filter(role="official").count() == 30
        assert Inspector.objects.exclude(home_township=None).count() == 12
        for username in ["commission", "observer", "inspector1", "inspector12", "official-520581100"]:
            assert Profile.objects.filter(user__username=username).exists(), username
        # two named people of the office, so that one words a draft and the other signs it off
        assert sorted(Profile.objects.filter(role="commission").exclude(name="").values_list("user__username", flat=True)) \
            == ["commission", "commission2"]

    def test_demo_logins_use_the_configured_password(self, db, monkeypatch):
        from django.contrib.auth import authenticate

        monkeypatch.setenv("ANCHA_DEMO_PASSWORD", "another-demo-pass")
        call_command("load_demo", "--weeks", "0", stdout=open(os.devnull, "w"))
        assert authenticate(username="inspector3", password="another-demo-pass") is not None


class TestModelConstraints:
    def test_duplicate_township_code_is_refused(self, county):
        with pytest.raises(IntegrityError), transaction.atomic():
            Township.objects.create(county=county, code="520581100", name="重复镇", kind="town")

    def test_malformed_township_code_is_refused(self, county):
        with pytest.raises(IntegrityError), transaction.atomic():
            Township.objects.create(county=county, code="52058110X", name="错码镇", kind="town")

    def test_finding_without_inspection_is_refused(self, li):
        from django.db import connection

        # Django's foreign keys are checked at commit; check them now, as the commit would.
        with pytest.raises(IntegrityError), transaction.atomic():
            Finding.objects.create(inspection_id=987654, severity="minor", text="无主问题", recorded_by=li)
            connection.check_constraints()

    def test_a_township_has_one_current_responsible_official(self, zhang, jinbi, county):
        other = Official.objects.create(county=county, name="另一人")
        with pytest.raises(IntegrityError), transaction.atomic():
            Post.objects.create(official=other, township=jinbi, started_on="2026-01-01")

    def test_key_management_needs_a_start_date(self, jinbi):
        jinbi.key_managed = True
        with pytest.raises(IntegrityError), transaction.atomic():
            jinbi.save()

    def test_a_submitted_inspection_needs_a_score(self, jinbi, checklist):
        with pytest.raises(IntegrityError), transaction.atomic():
            Inspection.objects.create(
                county=jinbi.county, township=jinbi, checklist=checklist, date="2026-11-02", status="submitted"
            )

    def test_issued_notice_needs_a_number(self, county, jinbi):
        with pytest.raises(IntegrityError), transaction.atomic():
            Notice.objects.create(county=county, kind="summons", series="约", state="issued", township=jinbi, snapshot={})

    def test_two_notices_cannot_share_a_number(self, county, jinbi):
        Notice.objects.create(county=county, kind="summons", series="约", year=2026, number=3, number_text="x",
                              verify_code="A1", state="issued", township=jinbi, snapshot={})
        with pytest.raises(IntegrityError), transaction.atomic():
            Notice.objects.create(county=county, kind="summons", series="约", year=2026, number=3, number_text="y",
                                  verify_code="A2", state="issued", township=jinbi, snapshot={})

    def test_one_draw_per_county_and_week(self, county):
        from inspection.models import Draw, SeedPeriod

        period = SeedPeriod.objects.create(county=county, starts_on="2026-11-01", ends_on="2026-12-31", seed="ab", commitment="cd")
        Draw.objects.create(county=county, week="2026-W48", week_start="2026-11-23", period=period, inputs={}, result={}, result_hash="0")
        with pytest.raises(IntegrityError), transaction.atomic():
            Draw.objects.create(county=county, week="2026-W48", week_start="2026-11-23", period=period, inputs={}, result={}, result_hash="1")


class TestAuditLogIsAppendOnly:
    def test_events_chain_and_verify(self, county):
        from inspection.services.audit import record_event, verify_chain

        record_event("test.one", county=county, data={"n": 1})
        record_event("test.two", county=county, data={"n": 2, "text": "换行\n仍在记录内"})
        report = verify_chain()
        # One chain per county since issue 13: the heads together count every event.
        assert report.ok and sum(h.seq for h in report.heads) == AuditEvent.objects.count()

    def test_orm_update_and_delete_are_refused_by_the_database(self, county):
        from django.db import DatabaseError

        from inspection.services.audit import record_event

        event = record_event("test.one", county=county)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=event.seq).update(action="tampered")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(seq=event.seq).delete()


class TestHomePage:
    def test_anonymous_visitor_is_sent_to_sign_in(self, client, db):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        page = client.get("/login/")
        assert page.status_code == 200 and "登录" in page.content.decode()

    def test_signed_in_official_sees_their_role_home(self, client, zhang):
        client.force_login(zhang)
        page = client.get("/").content.decode()
        assert "乡镇分管负责人" in page and "金碧镇" in page

    def test_english_is_available(self, client, wang):
        client.force_login(wang)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        page = client.get("/").content.decode()
        assert 'lang="en"' in page
