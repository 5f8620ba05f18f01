"""Scenarios run in a separate process against a drill database (see conftest.py).

`python -m tests.security.drill_worker SCENARIO [ARGS...]`; the last line printed is JSON.
"""

import json
import os
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ancha.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# Hashing strength is not under test in a drill (tokens sign the writers in); production's PBKDF2
# cost ~0.5 s of CPU for every password a scenario sets (the field's two inspectors, the demo's people).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
django.setup()

from django.db import connection, connections  # noqa: E402

SCENARIOS = {}


def scenario(func):
    SCENARIOS[func.__name__] = func
    return func


def in_threads(count, work):
    """Run work(i) in `count` threads at once; return the errors they raised, as text."""
    errors, barrier = [], threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # reported to the test, which decides
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@scenario
def audit_threads(threads="4", per_thread="25", spread="deployment"):
    """Writers appending at once: all to the deployment chain, or (`counties`) each to its own."""
    from inspection.models import AuditEvent
    from inspection.services.audit import record_event, verify_chain

    def work(i):
        for n in range(int(per_thread)):
            county = f"52058{i}" if spread == "counties" else None
            record_event("drill.append", county=county, data={"thread": i, "n": n})

    errors = in_threads(int(threads), work)
    report = verify_chain()
    chains = {}
    for chain, seq in AuditEvent.objects.filter(action="drill.append").order_by("chain", "chain_seq").values_list(
        "chain", "chain_seq"
    ):
        chains.setdefault(chain, []).append(seq)
    return {
        "errors": errors,
        "seqs": list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
        "chains": chains,
        "per_thread": sorted(
            [json.loads(p)["data"]["thread"], json.loads(p)["data"]["n"]]
            for p in AuditEvent.objects.filter(action="drill.append").values_list("payload", flat=True)
        ),
        "ok": report.ok,
        "problem": report.problem,
    }


@scenario
def legacy_chain():
    """Events of the single chain written as before migration 0007, then the migration, then new events."""
    import hashlib
    import io
    from datetime import datetime, timedelta
    from datetime import timezone as tz

    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    call_command("migrate", "inspection", "0006_work_state", verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(("inspection", "0006_work_state")).apps
    OldEvent, OldHead = old.get_model("inspection", "AuditEvent"), old.get_model("inspection", "AuditHead")
    prev, before = "0" * 64, []
    for seq in range(1, 6):  # record_event as it was: one chain, seq = head + 1
        at = datetime(2026, 11, 2, 8, tzinfo=tz.utc) + timedelta(minutes=seq)
        county = "520581" if seq % 2 else ""
        body = {"seq": seq, "at": at.isoformat(), "actor": "", "action": "legacy.step", "object_type": "",
                "object_id": "", "county": county, "data": {"n": seq, "text": "旧链"}}
        payload = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(prev.encode("ascii") + payload.encode("utf-8")).hexdigest()
        OldEvent.objects.create(seq=seq, at=at, action="legacy.step", county_code=county, payload=payload,
                                prev_hash=prev, hash=digest)
        OldHead.objects.filter(id=1).update(seq=seq, hash=digest)
        before.append([seq, digest])
        prev = digest
    call_command("migrate", verbosity=0)

    from inspection.models import AuditEvent
    from inspection.services.audit import record_event, verify_chain

    after = [list(row) for row in AuditEvent.objects.order_by("seq").values_list("chain_seq", "hash")]
    try:
        call_command("verify_audit", "--checkpoint", f"5 {prev}", stdout=io.StringIO(), stderr=io.StringIO())
        verified = 0
    except SystemExit as exc:
        verified = exc.code
    deployment = record_event("drill.after_split", data={})
    county = record_event("drill.after_split", county="520581", data={})
    report = verify_chain()
    return {
        "before": before,
        "after": after,
        "verify_old_checkpoint": verified,
        "deployment_next": [deployment.chain_seq, deployment.prev_hash],
        "county_first": [county.chain_seq, county.prev_hash],
        "ok": report.ok,
        "problem": report.problem,
    }


@scenario
def seed():
    """Some records of every early kind, each with its audit events, through the real services."""
    from django.core.management import call_command

    from inspection.services.audit import record_event

    call_command("load_demo", "--weeks", "0", stdout=open(os.devnull, "w"))
    for n in range(5):
        record_event("drill.note", data={"n": n, "text": "第二行\n仍是同一条记录"})
    return {"ok": True}


@scenario
def counts():
    """Rows in every table, and the audit head."""
    from inspection.services.audit import verify_chain

    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        result = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            result[table] = cursor.fetchone()[0]
    return {"tables": result, "head": verify_chain().head_line}


@scenario
def tamper_audit():
    """Try to change a restored audit row; print what the database says."""
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET action = 'x'")
    except DatabaseError as exc:
        return {"refused": str(exc)}
    return {"refused": False}


@scenario
def field_setup():
    """A county, two inspectors on today's dispatched visit, and their API tokens."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from inspection.models import ApiToken, Inspection, Inspector, Profile, Role, TeamMember
    from inspection.services.setup import ensure_default_checklist, import_divisions
    from inspection.services.tokens import token_hash  # not inspection.api's alias: that imports the whole API

    county, _, _ = import_divisions(county_code="520581")
    checklist = ensure_default_checklist(county=county)
    inspection = Inspection.objects.create(
        county=county, township=county.townships.get(code="520581100"), checklist=checklist,
        date=timezone.localdate(), status=Inspection.Status.DISPATCHED, dispatched_at=timezone.now(),
    )
    tokens = {}
    for username, home in [("li", "520581001"), ("sun", "520581002")]:
        user = get_user_model().objects.create_user(username=username, password="pw-" + username)
        Profile.objects.create(user=user, role=Role.INSPECTOR, county=county)
        inspector = Inspector.objects.create(user=user, county=county, name=username,
                                             home_township=county.townships.get(code=home))
        TeamMember.objects.create(inspection=inspection, inspector=inspector)
        tokens[username] = f"drill-token-{username}-0123456789"
        ApiToken.objects.create(user=user, token_hash=token_hash(tokens[username]))
    return {"inspection": inspection.pk, "tokens": tokens}


def _post_finding(client, inspection, key, text):
    return client.post(
        f"/api/v1/inspections/{inspection}/findings", {"text": text, "severity": "minor"},
        content_type="application/json", headers={"Idempotency-Key": key},
    )


def _findings(inspection):
    from inspection.models import AuditEvent, Finding

    return {
        "findings": Finding.objects.filter(inspection_id=inspection).count(),
        "audited": AuditEvent.objects.filter(action="finding.added").count(),
    }


@scenario
def post_finding(token, inspection, key, die=""):
    """File one finding through the HTTP stack; with `die`, the worker is killed (SIGKILL) after
    the finding and its stored reply commit and before the reply leaves."""
    import signal

    from django.test import Client

    from inspection.services import filing, idempotency

    if die:
        # Both ways a filing commits: the hot path (a new finding) and the full one (replays,
        # corrections); each returns only after its transaction committed.
        def commit_then_die(committed):
            def run(**kwargs):
                if committed(**kwargs) is not None:
                    os.kill(os.getpid(), signal.SIGKILL)

            return run

        idempotency.run_once = commit_then_die(idempotency.run_once)
        filing.file_new_finding = commit_then_die(filing.file_new_finding)
    response = _post_finding(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), inspection, key, "工作站无人值守")
    return {"status": response.status_code, "body": response.json(),
            "replayed": response.get("Idempotent-Replayed") == "true", **_findings(inspection)}


@scenario
def post_findings(token, inspection, prefix, threads, per_thread):
    """Many writers at once: `threads` threads of this process each file `per_thread` findings."""
    from django.test import Client

    statuses, bodies = [], []

    def work(i):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        for n in range(int(per_thread)):
            # As the field app does: a 409 "still busy, send it again later" (Retry-After) is resent
            # with the same key, so a slow machine may retry but never loses or doubles a filing.
            for _attempt in range(5):
                response = _post_finding(client, inspection, f"{prefix}-{i}-{n}", f"并发登记 {prefix} {i} {n}")
                if response.status_code != 409 or not response.headers.get("Retry-After"):
                    break
                time.sleep(min(1.0, float(response.headers["Retry-After"])))
            statuses.append(response.status_code)
            if response.status_code >= 300:
                bodies.append(response.content.decode()[:300])

    errors = in_threads(int(threads), work)
    return {"statuses": statuses, "errors": errors, "bodies": bodies}


@scenario
def summary(inspection):
    from inspection.models import Finding
    from inspection.services.audit import verify_chain

    texts = list(Finding.objects.filter(inspection_id=inspection).values_list("text", flat=True))
    report = verify_chain()
    return {**_findings(inspection), "distinct": len(set(texts)), "chain_ok": report.ok, "problem": report.problem}


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(SCENARIOS[name](*args), ensure_ascii=False, default=str))
