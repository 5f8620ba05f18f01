"""Scenarios run in a separate process against a drill database (see conftest.py).

`python -m tests.security.drill_worker SCENARIO [ARGS...]`; the last line printed is JSON.
"""

import json
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inspection.settings")

import django  # noqa: E402

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
def audit_threads(threads="4", per_thread="25"):
    from inspection.models import AuditEvent
    from inspection.services.audit import record_event, verify_chain

    def work(i):
        for n in range(int(per_thread)):
            record_event("drill.append", data={"thread": i, "n": n})

    errors = in_threads(int(threads), work)
    report = verify_chain()
    return {
        "errors": errors,
        "seqs": list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
        "per_thread": sorted(
            [json.loads(p)["data"]["thread"], json.loads(p)["data"]["n"]]
            for p in AuditEvent.objects.filter(action="drill.append").values_list("payload", flat=True)
        ),
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


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(SCENARIOS[name](*args), ensure_ascii=False, default=str))
