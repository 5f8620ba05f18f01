"""What a person reads in the default language (zh-hans) is Chinese: no untranslated English.

Two sweeps, each over everything that can reach a person:
- every template (web pages, letters): the literal text between tags, the text of `{% translate %}` and
  `{% blocktranslate %}`, and the attributes a person reads or hears (placeholder, title, aria-label, alt,
  value of a button);
- every Python message of the product (inspection/, scoring/): the strings given to gettext and its
  kin, to `messages.*`, and to the errors that reach a page or the API (the `InspectionError` family,
  Django's `ValidationError`), f-strings included.
A run of two or more Latin words is English a person would have to read. Single codes that a Chinese
office writes as they are (PDF, API, URL, ...) are allowed by the reviewed list below, and so are the
few places where the Latin is the thing itself (a command to type, the language switch's "English").
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Reviewed: abbreviations a county office uses as they are, and technical names a person types or sees
# on a screen as they are. Each is removed before looking for English; a word not listed still counts.
ALLOWED_WORDS = {
    "URL", "PDF", "API", "ID", "XLSX", "CSV", "QR", "JSON", "HTTP", "HTTPS", "SHA-256", "SHA256", "SMTP", "SMS",
    "GB", "T", "KB", "MB", "Excel", "Word", "JPEG", "JPG", "PNG", "WPS", "HTML", "OpenAPI", "Bearer", "Token",
    "Idempotency-Key", "Chromium", "GB2312", "Noto", "CJK", "SC", "AR", "PL", "UKai", "FangSong",
}
# Reviewed phrases where the Latin is the thing itself, not prose to translate.
ALLOWED_PHRASES = [
    "English",  # the language switch names the other language in that language
    re.compile(r"verify_draw --county \S+ --week \S+"),  # a command the public types to check a draw
    re.compile(r"manage\.py [a-z_]+( --[a-z-]+( \S+)?)*"),
    re.compile(r"/api/v1/[\w/{}.?=&-]*"),
    re.compile(r"\b[a-z]+://\S+"),
    re.compile(r"\b\d{4}-W\d{2}\b"),  # a week typed into a form field's pattern hint
    re.compile(r"\btools/[\w.]+\.py\b"),  # the public verifier's file, named as it is downloaded
    "multipart/form-data",  # the upload format, told to the programmer of a field app that sent another
    re.compile(r"\btrue 或 false\b"),
]
TEMPLATES = ROOT / "templates"
PACKAGES = [ROOT / "inspection", ROOT / "scoring"]
# Not read by the people of the county: schema history, operators' commands (their --help is for whoever
# runs the server), the load generator.
SKIP_PARTS = {"migrations", "management", "__pycache__"}
MESSAGE_CALLS = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "_say", "ValidationError", "InspectionError", "NotFound", "Forbidden", "Conflict", "Unprocessable",
    "TooLarge", "TokenRefused", "HttpError", "error", "success", "warning", "info",
}
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[\s,.;:!?/()（）、，。：；]+[A-Za-z][A-Za-z'’-]*)+")


def english_in(text: str) -> list[str]:
    """The English in `text`: a run of two or more Latin words, or Latin words scattered through Chinese
    ("（minor 一般 / major 较重）"), or an internal label (v1, 2026-W48); [] when it reads as Chinese."""
    for phrase in ALLOWED_PHRASES:
        text = phrase.sub(" ", text) if hasattr(phrase, "sub") else text.replace(phrase, " ")
    text = re.sub(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}", " ", text)  # placeholders are filled with values
    # A Latin word is its letters, digits and inner hyphens, wherever it stands: "用Excel或WPS打开" has two.
    kept = re.sub(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*",
                  lambda m: " " if m.group(0) in ALLOWED_WORDS else m.group(0), text)
    runs = [m.group(0) for m in ENGLISH.finditer(kept) if len(re.findall(r"[A-Za-z]{2,}", m.group(0))) >= 2]
    scattered = re.findall(r"[A-Za-z][A-Za-z_.'-]*[A-Za-z]", kept)
    if not runs and len(scattered) >= 2:
        runs = [" ".join(scattered)]
    return runs + re.findall(r"\bv\d+\b|\b\d{4}-W\d{2}\b", kept)


# ---------------------------------------------------------------------------------------------- templates

_TRANSLATE = re.compile(r"{%\s*translate\s+(\"[^\"]*\"|'[^']*')")
_BLOCK = re.compile(r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
_PLURAL = re.compile(r"{%\s*plural\s*%}")
_ATTRS = re.compile(r"\b(?:placeholder|title|aria-label|alt)=\"([^\"{]*)\"")
_TAGS = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
# <code> holds what a person types as it is (a command line), not prose.
_HTML = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<code\b.*?</code>|<!--.*?-->|<[^>]*>", re.S | re.I)


def template_texts(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    texts = [m.group(1)[1:-1] for m in _TRANSLATE.finditer(source)]
    texts += [_HTML.sub(" ", part) for m in _BLOCK.finditer(source) for part in _PLURAL.split(_TAGS.sub(" ", m.group(1)))]
    texts += _ATTRS.findall(_TAGS.sub(" ", source))
    # Whatever is left between tags once the template language and the markup are gone.
    texts += [line for line in _HTML.sub("\n", _TAGS.sub("\n", _BLOCK.sub(" ", source))).splitlines() if line.strip()]
    return texts


def test_no_template_shows_english():
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".j2") or not path.is_file():
            continue
        if path.name.endswith(".css"):
            continue
        for text in template_texts(path):
            for hit in english_in(text):
                found.append(f"{path.relative_to(ROOT)}: {hit!r}")
    assert not found, "English a person would read:\n" + "\n".join(found)


# ------------------------------------------------------------------------------------------------ Python


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else " {x} " for v in node.values)]
    if isinstance(node, ast.BinOp):  # "..." % {...} or "a" + "b"
        return _strings(node.left) + (_strings(node.right) if isinstance(node.op, ast.Add) else [])
    return []


def python_messages(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in MESSAGE_CALLS:
            continue
        if name in {"error", "success", "warning", "info"}:
            # messages.error(request, text): the text is the second argument; a logger's is not a person's.
            owner = getattr(node.func, "value", None)
            if not (isinstance(owner, ast.Name) and owner.id == "messages") or len(node.args) < 2:
                continue
            args = node.args[1:2]
        else:
            args = node.args[:2] if name.startswith(("ngettext", "pgettext", "HttpError")) else node.args[:1]
        for arg in args:
            found += [(node.lineno, s) for s in _strings(arg)]
    return found


def test_no_python_message_shown_to_a_person_is_english():
    found = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if SKIP_PARTS & set(path.relative_to(ROOT).parts):
                continue
            for line, text in python_messages(path):
                for hit in english_in(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {hit!r}")
    assert not found, "English a person would read:\n" + "\n".join(found)


def test_the_sweep_catches_english_and_lets_chinese_with_codes_pass(tmp_path):
    assert english_in("Severity must be minor, major or critical")
    assert english_in("规则 key_management.exit (v1)")  # the rule's code, as pages showed it before
    assert english_in("（minor 一般 / major 较重 / critical 严重）")
    assert english_in("下载 PDF 或 XLSX 文件") == []
    assert english_in("任何人都可以用命令 verify_draw --county 520581 --week 2026-W49 重新验证。") == []
    assert english_in("Input should be a valid integer")
    bad = ast.parse('raise InspectionError(f"week {w} is not open")\nmessages.error(request, "Not allowed here")')
    path = tmp_path / "probe.py"
    path.write_text(ast.unparse(bad), encoding="utf-8")
    hits = [h for _, t in python_messages(path) for h in english_in(t)]
    assert any("Not allowed here" in h for h in hits) and any("is not open" in h for h in hits)


def test_the_sweep_reads_every_kind_of_source():
    """Guards the sweep itself: it sees the messages and template texts it claims to, so a pass means something."""
    views = python_messages(ROOT / "inspection" / "web" / "accounts.py")
    assert any("账号已停用" in text for _, text in views)
    service = python_messages(ROOT / "inspection" / "services" / "accounts.py")
    assert any("最后一个可用的未保办账号" in text for _, text in service)
    page = template_texts(TEMPLATES / "web" / "account.html")
    assert any("停用后不能登录" in text for text in page) and any("如：调离" in text for text in page)
