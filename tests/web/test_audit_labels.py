"""Every action the code records has a Chinese name on the audit page: the calls to `record_event`
are read from the source, so a new kind of event without a name fails here, not in front of 纪委监委."""

import ast
from pathlib import Path

from inspection.web.audit_labels import ACTIONS, KEYS, OBJECTS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "inspection", ROOT / "ancha"]


def _constants(tree: ast.Module) -> dict[str, set[str]]:
    """Every NAME = "text" assignment of the file (a module constant, or a local the branches of a
    service set): a call that passes NAME may record any of them."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, set()).add(node.value.value)
    return found


def recorded_actions() -> tuple[dict[str, list[str]], list[str]]:
    """{action code: [where]} of every record_event call, and the calls whose action cannot be read."""
    actions: dict[str, list[str]] = {}
    unreadable = []
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text("utf-8"))
            constants = _constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name != "record_event" or not node.args:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                first = node.args[0]
                # `"a" if x else "b"` records one of two literals: both must have a name.
                choices = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                for choice in choices:
                    if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                        actions.setdefault(choice.value, []).append(where)
                    elif isinstance(choice, ast.Name) and choice.id in constants:
                        for code in constants[choice.id]:
                            actions.setdefault(code, []).append(where)
                    else:
                        unreadable.append(where)
    return actions, unreadable


def test_the_scan_finds_the_events_the_services_record():
    actions, _ = recorded_actions()
    # A scan that found nothing would pass the next test vacuously.
    assert {"notice.issued", "escalation.decision", "draw.sealed", "calendar.day_added"} <= set(actions)
    assert len(actions) >= 40


def test_every_recorded_action_has_a_chinese_name():
    actions, unreadable = recorded_actions()
    assert not unreadable, f"record_event with an action the scan cannot read (pass it as a literal or a name set to one): {unreadable}"
    missing = {code: where for code, where in actions.items() if code not in ACTIONS}
    assert not missing, f"add a Chinese name to inspection/web/audit_labels.py ACTIONS for: {missing}"


def test_every_label_is_chinese():
    for table in (ACTIONS, KEYS, OBJECTS):
        for code, label in table.items():
            text = str(label)
            assert text and not any("a" <= c.lower() <= "z" for c in text), (code, text)


def test_every_model_an_event_can_name_has_a_chinese_noun():
    """The objects a service passes to record_event are rows of these models."""
    from django.apps import apps

    named = {m._meta.label_lower for m in apps.get_app_config("inspection").get_models()}
    assert not {key for key in OBJECTS if "." in key and key.startswith("inspection.")} - named
    for model in ("inspection", "notice", "township", "draw", "finding", "evidence", "decision", "escalationcase",
                  "noticeresponse", "seedperiod", "mandatoryreport", "calendarday", "checklist", "county", "apitoken",
                  "profile"):
        assert f"inspection.{model}" in OBJECTS, model
