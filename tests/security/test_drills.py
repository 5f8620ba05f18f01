"""Fault drills: a worker killed mid-reply, many writers at once, a media folder that cannot be
written, a database restarted under a stream of submissions."""

import os
import signal
import subprocess

import pytest
from django.test import Client

from inspection.models import AuditEvent, Notice, NoticeCounter


class TestKilledWorker:
    def test_a_worker_killed_after_the_commit_leaves_one_finding_and_the_retry_gets_the_stored_reply(self, drill_dbs):
        database = drill_dbs.migrated()
        field = database.json("field_setup")
        token, inspection = field["tokens"]["li"], field["inspection"]

        killed = database.run("post_finding", token, inspection, "phone-7f3a", "die")
        assert killed.returncode == -signal.SIGKILL
        assert killed.stdout == "", "the reply never left the worker"

        retry = database.json("post_finding", token, inspection, "phone-7f3a")
        assert retry["status"] == 201 and retry["replayed"]
        assert retry["body"]["text"] == "工作站无人值守"
        assert (retry["findings"], retry["audited"]) == (1, 1)


class TestConcurrentWriters:
    def test_many_writers_at_once_all_succeed_without_database_is_locked(self, drill_dbs):
        """On SQLite this is the real file database (WAL, immediate transactions, busy timeout)."""
        database = drill_dbs.migrated()
        field = database.json("field_setup")
        inspection = field["inspection"]
        workers = [
            subprocess.Popen(
                [os.sys.executable, "-m", "tests.security.drill_worker", "post_findings",
                 field["tokens"][who], str(inspection), f"w{n}", "3", "4"],
                cwd=database.env["PYTHONPATH"], env=database.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )
            for n, who in enumerate(["li", "sun", "li"])
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err[-2000:]
            import json

            results.append(json.loads(out.strip().splitlines()[-1]))
        statuses = [s for r in results for s in r["statuses"]]
        assert [r["errors"] for r in results] == [[], [], []]
        assert not [b for r in results for b in r["bodies"] if "locked" in b], "database is locked reached a client"
        assert statuses == [201] * 36, sorted(set(statuses))
        summary = database.json("summary", inspection)
        assert (summary["findings"], summary["distinct"], summary["audited"]) == (36, 36, 36)
        assert summary["chain_ok"], summary["problem"]


@pytest.fixture
def draft(county, jinbi, zhang, wang, checklist, li, settings, tmp_path):
    """A rectification notice drafted by a submitted inspection, through the real services."""
    from django.utils import timezone

    from inspection.models import Inspection, TeamMember
    from inspection.services.inspections import FindingData, add_finding, submit_inspection

    settings.MEDIA_ROOT = str(tmp_path / "media")
    inspection = Inspection.objects.create(
        county=county, township=jinbi, checklist=checklist, date=timezone.localdate(),
        status=Inspection.Status.DISPATCHED, dispatched_at=timezone.now(),
    )
    TeamMember.objects.create(inspection=inspection, inspector=li.inspector)
    item = checklist.items.filter(severity="major").first()
    add_finding(inspection=inspection, user=li, data=FindingData(text="台账缺失", item_id=item.pk))
    submit_inspection(inspection=inspection, user=li)
    return Notice.objects.filter(inspection=inspection, state=Notice.State.DRAFT).order_by("pk").first()


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()) if path.exists() else []


class TestUnwritableMedia:
    def test_issuing_with_an_unwritable_media_folder_is_a_clear_error_that_uses_no_number(
        self, draft, wang, settings, tmp_path
    ):
        media = tmp_path / "media"
        media.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            # root writes through permission bits: block the notices folder with a file instead
            (media / "notices").write_text("not a folder")
        else:
            media.chmod(0o500)
        before = files_under(media)
        client = Client()
        client.force_login(wang)
        client.get("/")  # the sign-out form carries the CSRF token
        token = client.cookies["csrftoken"]
        try:
            reply = client.post(f"/api/v1/notices/{draft.pk}/issue", content_type="application/json",
                                HTTP_X_CSRFTOKEN=token.value)
        finally:
            media.chmod(0o700)
        assert reply.status_code == 503, reply.content
        assert "未印发" in reply.json()["detail"] and "文号未占用" in reply.json()["detail"]
        draft.refresh_from_db()
        assert (draft.state, draft.number, draft.verify_code, draft.pdf.name or "") == ("draft", None, None, "")
        assert not NoticeCounter.objects.filter(last_number__gt=0).exists()
        assert not AuditEvent.objects.filter(action="notice.issued").exists()
        assert files_under(media) == before

        (media / "notices").unlink(missing_ok=True)
        issued = client.post(f"/api/v1/notices/{draft.pk}/issue", content_type="application/json",
                             HTTP_X_CSRFTOKEN=token.value)
        assert issued.status_code == 200, issued.content
        assert issued.json()["number"].endswith("〕1号"), issued.json()["number"]
        assert NoticeCounter.objects.get().last_number == 1


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL server of our own, so that restarting it disturbs no other test."""

    def __init__(self, root):
        from inspection.backups import pg_binary

        self.bin = os.path.dirname(pg_binary("pg_ctl"))
        self.root, self.data, self.port = root, root / "data", _free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args, check=True):
        return subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=120, check=check)

    def init(self):
        if self.as_postgres:
            subprocess.run(["chown", "postgres", str(self.root)], check=True)
        self.run(f"{self.bin}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                 "--no-sync")
        self.start()

    def start(self):
        self.run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                 f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, check=True):
        self.run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=check)

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def cluster():
    import shutil
    import tempfile
    from pathlib import Path

    from inspection.errors import InspectionError
    from tests.security.conftest import _vendor

    if _vendor() != "postgresql":
        pytest.skip("the restart drill runs when the suite runs on PostgreSQL")
    # Not under pytest's temporary folder: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="ancha-pg-drill-"))
    try:
        cluster = Cluster(root)
    except InspectionError as exc:  # no PostgreSQL server programs on this machine
        shutil.rmtree(root)
        pytest.skip(str(exc))
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.stop(check=False)
        shutil.rmtree(root, ignore_errors=True)


class TestDatabaseRestart:
    def test_postgresql_restarted_under_a_stream_of_submissions_loses_and_doubles_nothing(self, cluster):
        import json
        import threading
        import time
        import urllib.error
        import urllib.request

        import psycopg

        from tests.security.conftest import DrillDatabase

        with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE ancha")
        database = DrillDatabase(cluster.url("ancha"))
        assert database.manage("migrate", "--noinput", "-v0").returncode == 0
        field = database.json("field_setup")
        port = _free_port()
        server = subprocess.Popen(
            [os.sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=database.env["PYTHONPATH"], env=database.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)

            statuses, done, total = [], [], 24

            def submit(n):
                """What the field app does: send, and on no answer or a 409/503 send again with the same key."""
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/inspections/{field['inspection']}/findings",
                    data=json.dumps({"text": f"重启中登记 {n}", "severity": "minor"}).encode(),
                    headers={"Authorization": f"Bearer {field['tokens']['li']}", "Idempotency-Key": f"stream-{n}",
                             "Content-Type": "application/json"},
                    method="POST",
                )
                for _ in range(300):
                    try:
                        with urllib.request.urlopen(request, timeout=10) as response:
                            statuses.append(response.status)
                            return
                    except urllib.error.HTTPError as exc:
                        statuses.append(exc.code)
                        if exc.code not in (409, 503):
                            return
                    except OSError:
                        statuses.append("no answer")
                    time.sleep(0.1)

            def stream():
                for n in range(total):
                    submit(n)
                    done.append(n)

            streamer = threading.Thread(target=stream)
            streamer.start()
            while len(done) < 6:
                time.sleep(0.05)
            cluster.stop()
            time.sleep(1.5)  # submissions keep coming while the database is down
            cluster.start()
            streamer.join(timeout=240)
            assert not streamer.is_alive()
        finally:
            server.terminate()
            server.wait(timeout=30)

        assert 500 not in statuses, statuses
        assert 503 in statuses, "no submission met the restart"
        assert statuses.count(201) == total, statuses
        summary = database.json("summary", field["inspection"])
        assert (summary["findings"], summary["distinct"], summary["audited"]) == (total, total, total)
        assert summary["chain_ok"], summary["problem"]
