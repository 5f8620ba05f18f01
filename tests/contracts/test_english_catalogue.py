"""English is available for every page: the catalogue holds every string marked for translation, each one
translated and none left fuzzy or obsolete, and the compiled catalogue Django loads says the same.

A helper who adds a page without running makemessages leaves strings that are not in the catalogue at all,
so they show in Chinese on the English page; the coverage test reads the marked strings itself (Python
through `ast`, templates through Django's own `templatize`, as makemessages does) rather than trusting the
catalogue to be fresh. Regenerate with:
    DJANGO_DEBUG=1 python manage.py makemessages -l en --no-obsolete --ignore=tests --ignore=bench \
        --ignore=var --ignore=tools --ignore=.venv --ignore=test-artifacts
then translate, and compile with `python manage.py compilemessages -l en`.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PACKAGES = [ROOT / "ancha", ROOT / "inspection", ROOT / "scoring"]
# The names the project gives gettext and its kin (`gettext_lazy as _`, `as _lazy`, scoring's own noop).
MARKERS = {"_", "_lazy", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0


def read_po(text: str) -> list[Entry]:
    """The entries of a PO file (header included), enough of the format for what this project writes."""
    entries, entry, target = [], Entry(), None

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            line, entry.obsolete = line[2:].strip(), True
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = None, line
        value = ast.literal_eval(rest)
        if keyword == "msgctxt":
            if target is not None:
                finish()
            entry.line, entry.context, target = number, value, ("msgctxt", 0)
        elif keyword == "msgid":
            if target is not None and target[0] not in ("msgid", "msgctxt"):
                finish()
            entry.line, target = number, ("msgid", 0)
            entry.msgid = value
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0], target = value, ("msgstr", 0)
        elif keyword and keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            entry.msgstr[index], target = value, ("msgstr", index)
        elif keyword is None and target is not None:
            kind, index = target
            if kind == "msgctxt":
                entry.context += value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural += value
            elif kind == "msgstr":
                entry.msgstr[index] += value
        else:
            raise AssertionError(f"{PO.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


def catalogue() -> list[Entry]:
    return [e for e in read_po(PO.read_text(encoding="utf-8")) if e.msgid or e.obsolete]


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    entries = catalogue()
    assert len(entries) > 500, "the catalogue was not read"
    untranslated = [f"{PO.name}:{e.line}: {e.msgid!r}" for e in entries
                    if not e.obsolete and (not e.msgstr or not all(s.strip() for s in e.msgstr.values()))]
    fuzzy = [f"{PO.name}:{e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    obsolete = [f"{PO.name}:{e.line}" for e in entries if e.obsolete]
    plural_short = [e.msgid for e in entries if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert not untranslated, "Untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    assert not obsolete, "Obsolete entries (regenerate with --no-obsolete):\n" + "\n".join(obsolete)
    assert not plural_short, f"Plural entries need both English forms: {plural_short}"


def test_placeholders_are_kept_exactly():
    # Compared by name: English may pad a number (%(m)02d) or name a value twice where Chinese does not.
    placeholder = re.compile(r"%\((\w+)\)|%[sd]")
    wrong = []
    for e in catalogue():
        for index, text in e.msgstr.items():
            if e.msgid_plural and index == 0:
                continue  # English may say "one" in words where the Chinese gives the count
            source = e.msgid_plural if index and e.msgid_plural else e.msgid
            if set(placeholder.findall(source)) != set(placeholder.findall(text)):
                wrong.append(f"{e.msgid!r} -> {text!r}")
    assert not wrong, "Placeholders changed in translation:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_is_the_po_file():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in catalogue():
        if e.msgid_plural:
            pairs = [(compiled.ngettext(e.msgid, e.msgid_plural, 1), e.msgstr[0]),
                     (compiled.ngettext(e.msgid, e.msgid_plural, 2), e.msgstr[1])]
        elif e.context is not None:
            pairs = [(compiled.pgettext(e.context, e.msgid), e.msgstr[0])]
        else:
            pairs = [(compiled.gettext(e.msgid), e.msgstr[0])]
        if any(got != want for got, want in pairs):
            stale.append(repr(e.msgid))
    assert not stale, "django.mo differs from django.po (run compilemessages -l en):\n" + "\n".join(stale)


def python_marked(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((node.lineno, first.value))
    return found


# templatize writes each marked string as ` gettext(u'…') ` or ` ngettext(u'…', u'…', count) `.
_TEMPLATE_CALL = re.compile(r"\b(?:gettext|ngettext)\(u?('(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\")")


def template_marked(path: Path) -> list[str]:
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    return [ast.literal_eval(m.group(1)) for m in _TEMPLATE_CALL.finditer(source)]


def test_every_marked_string_is_in_the_catalogue():
    known = {e.msgid for e in catalogue() if not e.obsolete and e.context is None}
    missing = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            missing += [f"{path.relative_to(ROOT)}:{line}: {text!r}"
                        for line, text in python_marked(path) if text not in known]
    templates = sorted((ROOT / "templates").rglob("*.html"))
    missing += [f"{path.relative_to(ROOT)}: {text!r}"
                for path in templates for text in template_marked(path) if text not in known]
    assert not missing, "Marked for translation but not in the English catalogue (run makemessages):\n" + \
        "\n".join(missing)


def test_the_checks_read_what_they_claim(tmp_path):
    """Guards the checks themselves: the reader sees fuzzy, empty, plural and obsolete entries, and the
    extractors find strings the project is known to mark in Python and in a template."""
    probe = read_po('msgid ""\nmsgstr "h"\n\n#, fuzzy, python-format\nmsgid "甲%(n)s"\nmsgstr "A%(n)s"\n\n'
                    'msgid "乙"\nmsgstr ""\n\nmsgid "丙"\nmsgid_plural "丙"\nmsgstr[0] "one"\nmsgstr[1] ""\n"s"\n\n'
                    'msgctxt "某处"\nmsgid "甲%(n)s"\nmsgstr "B"\n\n#~ msgid "丁"\n#~ msgstr "D"\n')
    by_id = {e.msgid: e for e in probe}
    assert "fuzzy" in probe[1].flags and probe[1].context is None and by_id["乙"].msgstr == {0: ""}
    assert probe[4].context == "某处" and probe[4].msgstr == {0: "B"} and "fuzzy" not in probe[4].flags
    assert by_id["丙"].msgstr == {0: "one", 1: "s"} and any(e.obsolete for e in probe)
    assert any("账号已停用" in text for _, text in python_marked(ROOT / "inspection" / "web" / "accounts.py"))
    assert any("每周例行抽签" in text for _, text in python_marked(ROOT / "inspection" / "web" / "audit_rows.py"))
    page = template_marked(ROOT / "templates" / "web" / "official.html")
    assert "办理调任" in page and any("%(n)s" in text for text in page)  # a blocktranslate with a count
