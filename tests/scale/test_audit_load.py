"""verify_audit over a generated province load with one chain per county (issue 14): every chain
holds, and an event tampered in any county (not only the first chain walked) is named `county seq`."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from inspection import audit_sql
from inspection.models import AuditEvent, AuditHead
from tests.scale.conftest import load

# Three small counties of 海南省, in chain order: the tampered one is neither the first nor the last.
COUNTIES = ["460105", "460321", "469001"]


def run_verify():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines(), err.getvalue().strip()


@pytest.fixture
def province(db):
    load(COUNTIES, weeks=3)


def test_verify_audit_passes_a_generated_load_with_one_chain_per_county(province):
    code, lines, _ = run_verify()
    assert code == 0
    chains = {line.split()[0]: line.split() for line in lines[:-1]}
    assert set(COUNTIES) <= set(chains)
    for county in COUNTIES:
        head = AuditHead.objects.get(chain=county)
        assert chains[county][1:] == [str(head.seq), head.hash]
        assert head.seq == AuditEvent.objects.filter(chain=county).count() > 10
    assert lines[-1].startswith("root ")


@pytest.mark.parametrize("county", COUNTIES[1:])
def test_verify_audit_names_an_event_tampered_in_a_later_county_as_county_seq(province, county):
    seq = AuditEvent.objects.filter(chain=county).count() // 2
    event = AuditEvent.objects.get(chain=county, chain_seq=seq)
    audit_sql.remove(connection)  # an attacker with full database access drops the guards
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET payload = %s WHERE seq = %s",
                [event.payload.replace('"data":{', '"data":{"edited":1,', 1), event.seq],
            )
    finally:
        audit_sql.install(connection)
    code, lines, err = run_verify()
    assert code == 1
    assert lines == [f"first bad seq: {county} {seq}"]
    assert f"{county} 链第 {seq} 号记录" in err
