"""verify_audit over a generated province load with one chain per county (issue 14): every chain
holds, and an event tampered in any county (not only the first chain walked) is named `county seq`."""

import io
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection

from inspection import audit_sql
from inspection.models import AuditEvent, AuditHead
from tests.scale.conftest import load

# Three small counties of 海南省, in chain order: the first chain walked is never the tampered one.
COUNTIES = ["460105", "460321", "469001"]


def run_verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines(), err.getvalue().strip()


@contextmanager
def tampered(county):
    """An attacker with full database access drops the guards and edits one event's payload in the
    middle of `county`'s chain (its hash left as it was); put back afterwards."""
    seq = AuditEvent.objects.filter(chain=county).count() // 2
    event = AuditEvent.objects.get(chain=county, chain_seq=seq)
    audit_sql.remove(connection)
    try:
        with connection.cursor() as cursor:
            edited = event.payload.replace('"data":{', '"data":{"edited":1,', 1)
            assert edited != event.payload
            cursor.execute("UPDATE inspection_auditevent SET payload = %s WHERE seq = %s", [edited, event.seq])
            try:
                yield seq
            finally:
                cursor.execute("UPDATE inspection_auditevent SET payload = %s WHERE seq = %s", [event.payload, event.seq])
    finally:
        audit_sql.install(connection)


def test_verify_audit_passes_a_county_load_and_names_a_tampered_event_of_any_later_county(db):
    load(COUNTIES, weeks=2)
    code, lines, _ = run_verify()
    assert code == 0
    chains = {line.split()[0]: line.split() for line in lines[:-1]}
    assert set(COUNTIES) <= set(chains)
    for county in COUNTIES:
        head = AuditHead.objects.get(chain=county)
        assert chains[county][1:] == [str(head.seq), head.hash]
        assert head.seq == AuditEvent.objects.filter(chain=county).count() > 10
    assert lines[-1].startswith("root ")
    for county in COUNTIES[1:]:
        with tampered(county) as seq:
            code, lines, err = run_verify()
            assert code == 1
            assert lines == [f"first bad seq: {county} {seq}"]
            assert f"{county} 链第 {seq} 号记录" in err
        assert run_verify()[0] == 0  # put back, the chains hold again: it was that one event
