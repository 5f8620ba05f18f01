"""Province-sized data for the benchmarks and the query-count tests (issue 9): `generate_load`.

A province's real townships come from the shipped national list; then, county by county, N past
weeks are played forward in memory through the project's own pure logic and written through bulk
paths:

- the draw: `rotation.draw` for every week, from a fresh start, with the real inputs
  (last visits, last teams, key management, the previous week's balance);
- findings: random per checklist item, the rate depending on a township's (hidden) diligence;
  a few corrections, as the field app files them;
- scores and the sanction ladder: `scoring.score_findings` and `scoring.step` (the same pure
  functions the escalation service calls), with a daily sweep, rectification reports accepted on
  time or late, follow-up inspections (回头看) by another team; each decision's row and audit
  payload come from the escalation writer's own `ladder_writer.decision_fields` and
  `decision_event_data` (tests/scale/test_loadgen_writes_as_production.py holds them equal);
- notices: composed by `inspection.notices.compose` from the same facts the escalation writer
  gathers (`ladder_writer.letterhead`, `place`, `visit_facts`, `finding_facts`), issued the same day
  with gap-free numbers per county, series and year (the counters are set to the last number
  used), acknowledged the next day; a weekly circular per county. The letters of the last
  working day are left as drafts, as the office would find them in the morning.

Every row goes in through bulk paths (COPY on PostgreSQL, `bulk_create` on SQLite, set-based
updates), with keys taken from the tables' sequences up front; but nothing is allowed that the services
would refuse: findings are inserted while their inspection is still dispatched and the
inspection is submitted afterwards (so the database's freeze triggers see the same order as in
the field), numbers are consecutive, and every change that a service would log has its audit
event: the events of one county are chained with the audit module's own hash function under the
lock on their chain's AuditHead row, in one transaction with the county's rows, so `verify_audit` passes and a
concurrent writer simply queues.

What is not made: PDFs (an issued generated notice has its number, verification code and
snapshot, but no stored file: rendering 40,000 letters is the PDF benchmark's business, not
this one's), evidence files and idempotency records.

The package lives with the benchmarks, outside the installed app: `manage.py generate_load`
imports it from the source checkout when it runs. Modules: `province` (the national list, people,
the entry points), `county` (one county's days: draws, the field, the sweep, the bulk write),
`ladder` and `letters` (their parts of a county's play), `bulk` (keys, COPY, the audit batch).

Counties that already hold draws or inspections are skipped, so a second run adds only what is
missing. The generator mutates `auto_now_add` of a few timestamp fields while it writes (so that
a finding filed in March says March): run it as a command, not inside a serving process.
"""

from bench.loadgen.province import (
    LoadReport,
    county_names,
    generate_county,
    generate_load,
    province_counties,
    roster_size,
    seed_bytes,
    weekly_capacity,
)

__all__ = [
    "LoadReport", "county_names", "generate_county", "generate_load", "province_counties", "roster_size",
    "seed_bytes", "weekly_capacity",
]
