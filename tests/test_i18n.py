"""The English catalogue is complete and compiled, and the language switch works.

Source strings (msgids) are Simplified Chinese; locale/en/LC_MESSAGES/django.po translates them and the
committed django.mo is what Django reads (docs/adr/0004-committed-compiled-translations.md). When a test
here fails, run scripts/i18n.sh, translate the new or fuzzy entries in the .po, and run it again.

No gettext tools are needed: the .po is read by the small parser below, the .mo is checked through
Django's own gettext, and msgids are found in the sources the way makemessages finds them.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from emis.accounts.models import User

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
FIX = "run scripts/i18n.sh, translate the new or fuzzy entries in locale/en/LC_MESSAGES/django.po, run it again"


# --- A tiny .po reader ----------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        context = f" (msgctxt {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _po_string(literal: str) -> str:
    # PO strings use C escapes (\n, \t, \", \\), which a Python string literal reads the same way.
    return ast.literal_eval(literal)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header (msgid "") included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword that continuation lines extend

    def finish():
        nonlocal entry, target
        if entry is not None:
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:  # a comment after msgstr starts the next entry
                finish()
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
                finish()
            entry = entry or Entry(line=number)
            value = _po_string(literal)
            if keyword == "msgctxt":
                entry.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                entry.msgid, entry.line, target = value, number, ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                entry.msgstr[slot], target = value, ("msgstr", slot)
            continue
        if line.startswith('"') and entry is not None and target is not None:
            name, slot = target
            value = _po_string(line)
            if name == "msgstr":
                entry.msgstr[slot] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: {FIX}"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """The translatable entries (everything but the header)."""
    return [entry for entry in po_entries if entry.msgid or entry.msgctxt is not None]


# --- (a) The catalogue is complete, well-formed and compiled ----------------------------------------


def test_catalogue_has_messages(messages):
    assert len(messages) > 100


def test_header_is_not_fuzzy_and_declares_english(po_entries):
    header = next(entry for entry in po_entries if entry.msgid == "" and entry.msgctxt is None)
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_msgid_has_a_translation(messages):
    untranslated = []
    for entry in messages:
        slots = 2 if entry.msgid_plural is not None else 1
        if any(not entry.msgstr.get(slot, "").strip() for slot in range(slots)):
            untranslated.append(str(entry))
    assert not untranslated, f"{len(untranslated)} untranslated msgid(s); {FIX}:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy(messages):
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entr(ies): check the guessed translation, remove '#, fuzzy'; {FIX}:\n" + (
        "\n".join(fuzzy)
    )


def test_msgids_are_unique(messages):
    keys = [entry.key for entry in messages]
    assert len(keys) == len(set(keys))


_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0\- +]*\d*(?:\.\d+)?[sdifgeExXor]|%[sdif]|\{[A-Za-z_0-9]*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def test_translations_keep_placeholders(messages):
    broken = []
    for entry in messages:
        for slot, msgstr in entry.msgstr.items():
            source = entry.msgid_plural if slot > 0 and entry.msgid_plural is not None else entry.msgid
            expected = _placeholders(source)
            # A singular English form may drop the count placeholder ("One record"); never invent one.
            found = _placeholders(msgstr)
            if (found != expected) and not (entry.msgid_plural is not None and set(found) <= set(expected)):
                broken.append(f"{entry}: msgstr[{slot}] {msgstr!r} has {found}, msgid has {expected}")
    assert not broken, "placeholders changed in translation:\n" + "\n".join(broken)


def _served_plural(entry: Entry, n: int) -> str:
    if entry.msgctxt is not None:
        return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
    return translation.ngettext(entry.msgid, entry.msgid_plural, n)


def test_compiled_catalogue_matches_po(messages):
    """Every .po translation is what Django serves in English: the committed .mo is not stale."""
    assert MO_PATH.exists(), f"{MO_PATH} is missing: {FIX}"
    stale = []
    with translation.override("en"):
        for entry in messages:
            if entry.msgid_plural is not None:
                pairs = [(_served_plural(entry, n), entry.msgstr.get(slot, "")) for slot, n in ((0, 1), (1, 2))]
            elif entry.msgctxt is not None:
                pairs = [(translation.pgettext(entry.msgctxt, entry.msgid), entry.msgstr.get(0, ""))]
            else:
                pairs = [(translation.gettext(entry.msgid), entry.msgstr.get(0, ""))]
            for served, expected in pairs:
                if served != expected:
                    stale.append(f"{entry}: Django serves {served!r}, the .po says {expected!r}")
    assert not stale, f"django.mo is older than django.po; {FIX}:\n" + "\n".join(stale)


# --- The catalogue holds every msgid in the sources ---------------------------------------------------

# The keywords makemessages passes to xgettext (plus xgettext's own Python defaults), as
# name -> (index of msgctxt or None, index of msgid).
_KEYWORDS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
# The directories makemessages skips here: scripts/i18n.sh passes --ignore=.venv/node_modules/var and
# makemessages always skips hidden ones (".*").
_SKIPPED_DIRS = {"node_modules", "var", "__pycache__"}


def _source_files():
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt")) and not name.startswith("."):
                yield Path(root) / name


def _python_msgids(source: str, path: Path):
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError:  # makemessages/xgettext would not read it either
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in _KEYWORDS:
            continue
        context_index, msgid_index = _KEYWORDS[name]
        args = node.args
        if len(args) <= msgid_index:
            continue
        msgid = args[msgid_index]
        context = args[context_index] if context_index is not None else None
        if not (isinstance(msgid, ast.Constant) and isinstance(msgid.value, str)):
            continue  # only literal strings are extracted
        if context is not None and not (isinstance(context, ast.Constant) and isinstance(context.value, str)):
            continue
        if msgid.value:
            yield (context.value if context is not None else None, msgid.value), f"{path}:{node.lineno}"


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(rf"\b(gettext|pgettext|ngettext|npgettext|_)\(\s*({_STRING})(?:\s*,\s*({_STRING}))?")


def _template_msgids(source: str, path: Path):
    # makemessages runs templates through this same function and hands the result to xgettext.
    code = templatize(source, str(path))
    for match in _TEMPLATE_CALL.finditer(code):
        name, first, second = match.groups()
        line = source.count("\n", 0, min(match.start(), len(source))) + 1
        first = ast.literal_eval(first.removeprefix("u"))
        if name in ("pgettext", "npgettext"):
            if second is not None:
                yield (first, ast.literal_eval(second.removeprefix("u"))), f"{path}"
        elif first:
            yield (None, first), f"{path}:~{line}"


def test_every_msgid_in_the_sources_is_in_the_catalogue(messages):
    in_po = {entry.key for entry in messages}
    missing: dict[tuple[str | None, str], str] = {}
    for path in _source_files():
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        relative = path.relative_to(BASE_DIR)
        found = _python_msgids(source, relative) if path.suffix == ".py" else _template_msgids(source, relative)
        for key, where in found:
            if key not in in_po:
                missing.setdefault(key, where)
    report = "\n".join(
        f"{where}: {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
        for (ctx, msgid), where in sorted(missing.items(), key=lambda kv: kv[1])
    )
    assert not missing, f"{len(missing)} msgid(s) in the sources are not in the catalogue yet; {FIX}:\n{report}"


# --- (b) The language switch --------------------------------------------------------------------------


@pytest.fixture
def signed_in_client(client, db):
    user = User.objects.create_user(
        username="i18n-admin", password="I18n-Test-2025", role="admin", is_superuser=True, display_name="管理员"
    )
    client.force_login(user)
    return client


def test_chinese_is_the_default(signed_in_client):
    home = signed_in_client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "概览" in html and "教学点" in html
    assert "Overview" not in html

    schools = signed_in_client.get("/orgs/school/")
    assert schools.status_code == 200
    html = schools.content.decode()
    assert "学校标识码" in html and "导出 Excel" in html
    assert "School identification code" not in html


def test_switching_to_english(signed_in_client):
    response = signed_in_client.post("/i18n/setlang/", {"language": "en", "next": "/orgs/school/"})
    assert response.status_code == 302
    assert response["Location"] == "/orgs/school/"

    home = signed_in_client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert '<html lang="en">' in html
    assert "Overview" in html
    assert "Schools (excluding teaching points)" in html
    assert "Teaching point" in html
    assert "Log out" in html
    assert "概览" not in html and "退出" not in html
    # The sidebar menu (lazy strings evaluated per request) follows the language too.
    assert "Divisions and schools" in html and "区划与学校" not in html

    schools = signed_in_client.get("/orgs/school/")
    assert schools.status_code == 200
    html = schools.content.decode()
    assert '<h2 class="page-title">School</h2>' in html  # verbose_name_plural of School (学校)
    assert "School identification code" in html  # a table column from the model field's verbose_name
    assert "Export Excel" in html and "Filter" in html
    assert "学校标识码" not in html and "导出 Excel" not in html

    # ...and back to Chinese.
    signed_in_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = signed_in_client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html and "概览" in html
