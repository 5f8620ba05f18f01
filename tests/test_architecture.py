"""The architecture holds: the import contracts in pyproject.toml, and migrations frozen in time."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "inspection" / "migrations"


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    beside_python = Path(sys.executable).with_name("lint-imports")
    command = str(beside_python) if beside_python.exists() else shutil.which("lint-imports")
    assert command, "lint-imports not found: install the dev extras (import-linter)"
    return subprocess.run(
        [command, "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_every_import_contract_is_kept():
    done = lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_broken_contract_fails_the_check(tmp_path):
    """The check can fail: scoring.ladder does import scoring.checklist, so forbidding it breaks."""
    config = tmp_path / "broken.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["scoring"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "forbidden on purpose"\ntype = "forbidden"\n'
        'source_modules = ["scoring.ladder"]\nforbidden_modules = ["scoring.checklist"]\n',
        encoding="utf-8",
    )
    done = lint_imports(str(config))
    assert done.returncode == 1 and "BROKEN" in done.stdout, done.stdout + done.stderr


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    return modules


def test_migrations_import_only_django_and_the_standard_library():
    """A migration is history: what it does must not change when a live module changes, so it
    carries its own SQL and data instead of importing them from the project."""
    allowed = set(sys.stdlib_module_names) | {"django", "__future__"}
    files = sorted(MIGRATIONS.glob("0*.py"))
    assert files
    for path in files:
        foreign = {m for m in imported_modules(path) if m.split(".")[0] not in allowed}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_the_live_guards_are_the_ones_the_migrations_installed():
    """flush lifts and restores the guards from the live modules; a database built by migrate must
    end up with the same ones, so a change to a live module comes with a new migration (and this
    test then compares against that one)."""
    from importlib import import_module

    from inspection import audit_sql, finding_sql

    for live, migration in ((audit_sql, "0013_load_audit_head_guard"), (finding_sql, "0011_merge_objections")):
        frozen = import_module(f"inspection.migrations.{migration}")
        for vendor in ("sqlite", "postgresql"):
            assert live.statements(vendor, create=True) == frozen.CREATE[vendor], (migration, vendor)
            assert live.statements(vendor, create=False) == frozen.DROP[vendor], (migration, vendor)
