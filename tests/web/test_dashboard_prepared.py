"""The commission dashboard's one statement stays prepared on PostgreSQL (issue 14): planned with
each read's own values for the first five reads of a connection, then, where the tables' statistics
make it no dearer, one generic plan kept by the connection; a new connection (CONN_MAX_AGE over, a dropped connection, another gunicorn process)
prepares its own. On SQLite the ordinary cursor. The page is the same either way."""

import re

import pytest
from django.db import connection

from inspection.dashboard_sql import dashboard_sql
from inspection.rawrows import prepared_cursor
from tests.web.test_dashboard_reads import kpi

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")


def prepared_on_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                       " WHERE from_sql = false")
        return cursor.fetchall()


def read(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@postgres_only
def test_the_statement_is_prepared_once_and_kept_with_a_generic_plan(client, wang, county):
    client.force_login(wang)
    for _ in range(8):
        html = read(client)
    assert kpi(html, "待印发文书") == 0
    found = prepared_on_server()
    # Only the dashboard's statement is prepared: Django's own cursors bind on the client.
    assert len(found) == 1, found
    statement, generic, custom = found[0]
    # Sent as written, with the server's own placeholders: one for each of its named parameters.
    assert statement == dashboard_sql(connection.alias).sql
    assert len(set(re.findall(r"\$\d+", statement))) == len(dashboard_sql(connection.alias).names)
    # Every read ran the one prepared statement. Whether PostgreSQL then keeps the generic plan is
    # its own choice from the tables' statistics (it does on the benchmark's province data,
    # docs/performance.md; on a near-empty test database the custom plans can stay cheaper).
    assert custom + generic == 8 and custom >= 5, (generic, custom)


@postgres_only
def test_a_new_connection_prepares_it_again(client, wang, county):
    client.force_login(wang)
    first = read(client)
    before = connection.connection
    assert len(prepared_on_server()) == 1
    connection.close()  # a dropped connection, or CONN_MAX_AGE over: the server forgot the statement
    again = read(client)
    assert connection.connection is not before and len(prepared_on_server()) == 1
    assert kpi(again, "待印发文书") == kpi(first, "待印发文书") and again.count("<tr") == first.count("<tr")


def test_the_ordinary_cursor_elsewhere(wang):
    with prepared_cursor(connection) as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
        prepared = type(cursor.cursor).__name__ == "_Prepared"
    assert prepared == (connection.vendor == "postgresql")


@postgres_only
@pytest.mark.django_db
def test_last_weeks_circular_is_found_by_the_county_week_index_even_in_a_generic_plan():
    """The statement names a circular's week with the expression of `notice_county_week`, and takes the
    kind as a parameter: the index must serve the generic plan, or the lookup scans every notice the
    county ever had (it did, and grew by 52 circulars a year)."""
    from inspection.dashboard_sql import _VENDOR

    week = _VENDOR["postgresql"]["week_iso"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('notice_county_week'::regclass)")
        assert week.removeprefix("n.") in cursor.fetchone()[0].replace("::text[]", "")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("PREPARE circular_of_week(smallint, text, text) AS SELECT n.id FROM inspection_notice n "
                       f"WHERE n.county_id = $1 AND n.kind = $2 AND {week} = $3")
        try:
            cursor.execute("EXPLAIN EXECUTE circular_of_week(1, 'circular', '2026-W48')")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE circular_of_week")
    assert "notice_county_week" in plan, plan
