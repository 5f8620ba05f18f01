"""`load_demo` runs on a production install: `pip install .` without the dev or bench extras.

A fresh interpreter in which every package that only the dev or bench extras bring is missing
(imports of them fail as on a server) runs `manage.py load_demo` against the test database."""

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from django.db import connection
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from inspection.models import County, Inspection

ROOT = Path(__file__).resolve().parents[2]

RUN_WITHOUT = """
import runpy, sys
missing = set(sys.argv[1].split(","))

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in missing:
            raise ModuleNotFoundError(f"No module named {name!r} (not installed in production)", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv = ["manage.py", *sys.argv[2:]]
runpy.run_path("manage.py", run_name="__main__")
"""


def _closure(names: set[str]) -> set[str]:
    """The distributions `names` pull in, transitively (extras' own requirements left out)."""
    seen, todo = set(), list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [Requirement(r).name for r in requires if "extra ==" not in r]
    return seen


def dev_only_modules() -> set[str]:
    """Top-level modules of the distributions only the dev and bench extras install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    production = [Requirement(r).name for r in project["dependencies"]]
    production += [Requirement(r).name for extra in ("postgres", "s3") for r in extras[extra]]
    development = [Requirement(r).name for extra in ("dev", "bench") for r in extras[extra]]
    dev_only = _closure(set(development)) - _closure(set(production))
    modules = {
        module for module, dists in metadata.packages_distributions().items()
        if module.isidentifier() and {canonicalize_name(d) for d in dists} <= dev_only
    }
    return modules | {"bench"}  # the project's own benchmarks are not installed either


def test_the_dev_only_set_is_what_a_production_install_lacks():
    modules = dev_only_modules()
    # The bench extra (locust, docx) is installed by `make bench` only: expect what this install has.
    expected = {m for m in ("time_machine", "pytest", "hypothesis", "pypdf", "playwright", "locust", "docx")
                if importlib.util.find_spec(m) is not None}
    assert {"time_machine", "pytest", "hypothesis", "pypdf", "playwright"} <= expected
    assert expected | {"bench"} <= modules
    assert not modules & {"django", "ninja", "weasyprint", "PIL", "psycopg", "jinja2", "boto3", "storages"}


@pytest.mark.django_db(transaction=True)
def test_load_demo_runs_without_any_dev_or_bench_package(tmp_path):
    db = connection.settings_dict
    url = (f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}" if connection.vendor == "postgresql"
           else f"sqlite:///{db['NAME']}")
    env = dict(os.environ, DATABASE_URL=url, ANCHA_MEDIA_ROOT=str(tmp_path / "media"), PYTHONPATH=str(ROOT))
    connection.close()  # SQLite: the other process writes the same file
    run = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT, ",".join(sorted(dev_only_modules())), "load_demo", "--weeks", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "本周抽签已封存" in run.stdout
    county = County.objects.get(code="520581")
    assert county.demo_loaded_at is not None
    assert Inspection.objects.filter(county=county, status="dispatched").exists()


def test_the_demo_imports_nothing_of_the_dev_extras_when_it_is_loaded():
    """The same, without a database: importing the command and what it calls pulls in nothing
    that the dev or bench extras bring (a lazy import inside a function shows in the run above)."""
    probe = (
        "import json, sys, django; django.setup();"
        "import inspection.management.commands.load_demo, inspection.services.demo;"
        "print(json.dumps(sorted({m.partition('.')[0] for m in sys.modules})))"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="ancha.settings")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(json.loads(run.stdout)) & dev_only_modules() == set()
