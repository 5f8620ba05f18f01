"""Database-level guards of the audit chains (used by a migration and by flush).

- Events are append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused, and an
  INSERT must go past its chain's head and follow its predecessor (chain_seq one more, its hash
  as prev_hash).
- A head row moves only forward, to the newest event of its own chain; it cannot be deleted,
  and a new head starts at the genesis of a chain that has no events.

Upserts are covered too: PostgreSQL's `INSERT ... ON CONFLICT DO UPDATE` fires the UPDATE row
triggers; SQLite's `INSERT OR REPLACE` deletes the old row first, which fires the DELETE
triggers because every connection sets `PRAGMA recursive_triggers = ON` (ancha/env.py), and is
refused by the INSERT triggers anyway (its key is taken, so it cannot follow the head).
"""

from inspection.db_guards import Guards

TABLE = "inspection_auditevent"
HEAD = "inspection_audithead"
GENESIS = "0" * 64

# The head may stand only on an event of its own chain, and on the newest one. "The newest" is
# the chain's max(chain_seq), which both databases read from the end of the (chain, chain_seq)
# index in any plan. Written as NOT EXISTS (chain_seq > NEW.seq), PL/pgSQL's cached generic plan
# scanned the whole event table on every audited write once a deployment had one county (the
# planner cannot tell a rare chain from the only one): 1.2 ms a filing at 3,500 events, and
# growing with the log (issue 14).
_HEAD_ON_NEWEST = (
    f"EXISTS (SELECT 1 FROM {TABLE} e WHERE e.chain = NEW.chain AND e.chain_seq = NEW.seq AND e.hash = NEW.hash)"
    f" AND (SELECT max(f.chain_seq) FROM {TABLE} f WHERE f.chain = NEW.chain) = NEW.seq"
)
# A new event goes past its chain's head and follows its predecessor: the head itself, or (in a
# bulk append, before the head is moved once at the end) the event just before it.
_FOLLOWS_HEAD = (
    f"EXISTS (SELECT 1 FROM {HEAD} h WHERE h.chain = NEW.chain AND NEW.chain_seq > h.seq"
    f" AND ((NEW.chain_seq = h.seq + 1 AND NEW.prev_hash = h.hash) OR EXISTS (SELECT 1 FROM {TABLE} p"
    f" WHERE p.chain = NEW.chain AND p.chain_seq = NEW.chain_seq - 1 AND p.hash = NEW.prev_hash)))"
)
_FRESH_HEAD = f"NEW.seq = 0 AND NEW.hash = '{GENESIS}' AND NOT EXISTS (SELECT 1 FROM {TABLE} e WHERE e.chain = NEW.chain)"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_insert_follows_head BEFORE INSERT ON {TABLE} WHEN NOT ({_FOLLOWS_HEAD})
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: an event must follow its chain head'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON {HEAD}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head cannot be deleted'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_fresh_insert BEFORE INSERT ON {HEAD} WHEN NOT ({_FRESH_HEAD})
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a new chain head starts at the genesis'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON {HEAD}
        WHEN NEW.id IS NOT OLD.id OR NEW.chain IS NOT OLD.chain OR NOT ({_HEAD_ON_NEWEST})
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head moves only to its newest event'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "audit_no_update",
        "audit_no_delete",
        "audit_insert_follows_head",
        "audit_head_no_delete",
        "audit_head_fresh_insert",
        "audit_head_forward",
    )
]

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION ancha_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION ancha_audit_append_only()""",
    f"""CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()""",
    f"""CREATE OR REPLACE FUNCTION ancha_audit_follows_head() RETURNS trigger AS $$
       BEGIN
         IF NOT ({_FOLLOWS_HEAD}) THEN
           RAISE EXCEPTION 'audit log is append-only: an event must follow its chain head';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_insert_follows_head BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION ancha_audit_follows_head()""",
    f"""CREATE OR REPLACE FUNCTION ancha_audit_head_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           RAISE EXCEPTION 'audit log is append-only: a chain head cannot be deleted';
         ELSIF TG_OP = 'INSERT' THEN
           IF NOT ({_FRESH_HEAD}) THEN
             RAISE EXCEPTION 'audit log is append-only: a new chain head starts at the genesis';
           END IF;
         ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.chain IS DISTINCT FROM OLD.chain OR NOT ({_HEAD_ON_NEWEST}) THEN
           RAISE EXCEPTION 'audit log is append-only: a chain head moves only to its newest event';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON {HEAD}
        FOR EACH ROW EXECUTE FUNCTION ancha_audit_head_guard()""",
    f"""CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON {HEAD}
        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_insert_follows_head ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_head_guard ON {HEAD}",
    f"DROP TRIGGER IF EXISTS audit_head_no_truncate ON {HEAD}",
]


GUARDS = Guards("audit", SQLITE_CREATE, SQLITE_DROP, POSTGRES_CREATE, POSTGRES_DROP)
statements, install, remove = GUARDS.statements, GUARDS.install, GUARDS.remove
