"""The English catalogue: complete, nothing fuzzy, placeholders kept, compiled, and used.

Source strings are Chinese; `pingan/locale/en` holds English. After adding or changing a
translatable string: `pingan makemessages` → translate → `pingan compilemessages` (see
docs/operations/translations.md); these tests fail until all three are done.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from pingan.accounts.roles import Role
from tests.accounts.factories import sign_in
from tests.factories import make_actor
from tests.flow.factories import TOWN, build_world

MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = MESSAGES / "django.po"
MO_FILE = MESSAGES / "django.mo"

# printf-style (`%(name)s`, `%d`, `%%`) and brace (`{name}`) placeholders.
PRINTF = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# Chinese characters and CJK punctuation, for "this page is English" checks.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"django.po line {self.line}: {self.msgid[:40]!r}"


def parse_po(text: str) -> list[Entry]:
    """The catalogue's entries, header and obsolete (`#~`) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            entry, target = _finish(entries, entry), None
            continue
        if line.startswith("#,"):
            entry = _finish(entries, entry) if target and target[0] == "msgstr" else entry
            entry = entry or Entry(line=number)
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            key, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if key in ("msgctxt", "msgid") and target and target[0] == "msgstr":
                entry = _finish(entries, entry)  # a new entry without a blank line between
            entry = entry or Entry(line=number)
            if key.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (key, 0)
                setattr(entry, key, value)
        elif line.startswith('"') and entry is not None and target is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            raise AssertionError(f"django.po line {number}: cannot parse {raw!r}")
    _finish(entries, entry)
    return [e for e in entries if e.msgid]


def _finish(entries: list[Entry], entry: Entry | None) -> None:
    if entry is not None:
        entries.append(entry)


def placeholders(text: str) -> list[str]:
    return sorted(PRINTF.findall(text) + BRACE.findall(text))


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def test_parser_reads_every_kind_of_entry():
    text = (
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py\n#, python-format\nmsgid "共 %(n)d 条"\nmsgstr ""\n"%(n)d "\n"records"\n'
        'msgid "下一条"\nmsgstr "Next"\n\n'
        '#, fuzzy\nmsgid "旧"\nmsgstr "Old"\n\n'
        'msgid "%(n)s 项"\nmsgid_plural "%(n)s 项"\nmsgstr[0] "%(n)s item"\n'
        'msgstr[1] "%(n)s items"\n\n'
        '#~ msgid "废弃"\n#~ msgstr "Obsolete"\n'
    )
    parsed = parse_po(text)
    assert [(e.msgid, e.msgstr, e.flags) for e in parsed] == [
        ("共 %(n)d 条", {0: "%(n)d records"}, {"python-format"}),
        ("下一条", {0: "Next"}, set()),
        ("旧", {0: "Old"}, {"fuzzy"}),
        ("%(n)s 项", {0: "%(n)s item", 1: "%(n)s items"}, set()),
    ]
    assert parsed[3].msgid_plural == "%(n)s 项"
    assert placeholders("%(a)s、%d，{unit} 100%%") == ["%%", "%(a)s", "%d", "{unit}"]


def test_catalogue_is_large_and_english(entries):
    assert len(entries) > 2000
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert '"Language: en\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header


def test_no_entry_is_untranslated_or_fuzzy(entries):
    untranslated = [e.where for e in entries if not all(e.msgstr.values())]
    fuzzy = [e.where for e in entries if "fuzzy" in e.flags]
    plural = [e for e in entries if e.msgid_plural is not None]
    plurals = [e.where for e in plural if sorted(e.msgstr) != [0, 1]]
    assert untranslated == []
    assert fuzzy == []
    assert plurals == []


def test_translations_keep_placeholders_tags_and_line_breaks(entries):
    problems = []
    for e in entries:
        want = placeholders(e.msgid)
        for text in e.msgstr.values():
            if placeholders(text) != want:
                problems.append(f"{e.where}: placeholders {placeholders(text)} != {want}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(e.msgid)):
                problems.append(f"{e.where}: HTML tags differ")
            for edge in (str.startswith, str.endswith):
                if edge(text, "\n") != edge(e.msgid, "\n"):
                    problems.append(f"{e.where}: leading/trailing newline differs")
    assert problems == []


def test_translations_are_not_chinese(entries):
    # Chinese left in a translation is a missed string, except where the English text names
    # a Chinese value the user types or sees (import column names, 是/否, 休/班, list marks).
    allowed = {"是", "否", "休", "班", "男", "女", "、", "姓名", "公民身份号码", "错误信息", "说明"}
    allowed |= {"日期", "类型", "名称"}
    leftovers = [
        (e.where, run)
        for e in entries
        for text in e.msgstr.values()
        for run in CJK.findall(text)
        if run not in allowed
    ]
    assert leftovers == []


def test_compiled_catalogue_matches_the_po_file(entries):
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in entries:
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr[0], e.msgstr[1]]
        elif e.msgctxt is not None:
            got, want = compiled.pgettext(e.msgctxt, e.msgid), e.msgstr[0]
        else:
            got, want = compiled.gettext(e.msgid), e.msgstr[0]
        if got != want:
            stale.append(e.where)
    assert stale == [], "run `pingan compilemessages -l en`"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_login_page_is_english_with_the_language_cookie():
    html = english(Client()).get("/accounts/login/").content.decode()

    assert '<html lang="en">' in html
    assert "<title>Sign in · Pingan Social Governance System</title>" in html
    assert "<h1>Sign in</h1>" in html
    assert '<label for="id_username">Username</label>' in html
    assert "After 5 wrong passwords in a row the account is locked for 15 minutes." in html
    # Only the brand mark and the switcher's own "简体中文" stay Chinese.
    assert set(CJK.findall(html)) == {"平安", "简体中文"}


@pytest.mark.django_db
def test_browser_language_alone_keeps_the_login_page_chinese():
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>登录</h1>" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_command_centre_inbox_is_english(client):
    build_world()
    sign_in(client, make_actor(Role.TOWN_OPERATOR, TOWN))

    chinese = client.get("/command/").content.decode()
    assert "<h1>指挥中心</h1>" in chinese

    html = english(client).get("/command/").content.decode()
    assert "<h1>Command centre</h1>" in html
    assert "Case inbox" in html
    assert "Event map" in html
    assert "Supervision board" in html
    assert "指挥中心" not in html


@pytest.mark.django_db
def test_citizen_portal_home_is_english():
    html = english(Client()).get("/portal/").content.decode()

    assert "<h1>Tell your grid, and every report gets an answer</h1>" in html
    assert "How it works" in html
    assert set(CJK.findall(html)) == {"平安"}
