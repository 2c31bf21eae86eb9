"""The translation tooling (tools/i18n.py) and the Ukrainian catalog it keeps up to date."""

from __future__ import annotations

import gettext
import importlib.util
import io
import sys
from pathlib import Path

import pytest

from torgtui import i18n
from torgtui.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("torgtui_i18n_tool", ROOT / "tools" / "i18n.py")
assert _spec is not None and _spec.loader is not None
tool = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = tool  # dataclasses look their module up while the class is built
_spec.loader.exec_module(tool)

TRICKY = [
    'say "hello"',
    "back\\slash and C:\\shop\\db",
    "two\nlines\n",
    "tab\there",
    "trailing backslash \\",
    "a literal \\n is not a newline",
    "word " * 40,
    "Ціна: {price} грн — «знижка» {pct}%",
    "\n",
    "",
]


def translations(blob: bytes) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(blob))


def test_escape_round_trips() -> None:
    for text in TRICKY:
        assert tool.po_unescape(tool.po_escape(text)) == text
    assert tool.po_escape('a"b\\c\nd\te') == 'a\\"b\\\\c\\nd\\te'


def test_po_text_round_trips_through_format_and_parse() -> None:
    catalog = tool.Catalog(header=tool.header_fields("uk"))
    for n, text in enumerate(TRICKY[:-1]):
        catalog.entries[text] = tool.Entry(text, msgstr=[f"[{n}] {text}"], references=[f"x.py:{n}"])
    catalog.entries["{n} item"] = tool.Entry(
        "{n} item", "{n} items", ["{n} товар", "{n} товари", "{n} товарів"], ["x.py:99"]
    )
    catalog.entries["old"] = tool.Entry("old", msgstr=['ста"ре\n'], obsolete=True)
    text = tool.format_po(catalog)
    again = tool.parse_po(text)
    assert again.header == catalog.header
    assert again.entries == catalog.entries
    assert tool.format_po(again) == text
    assert '#~ msgstr "ста\\"ре\\n"' in text
    assert "Plural-Forms: nplurals=3;" in text and "charset=UTF-8" in text


def test_mo_from_the_po_gives_the_po_translations() -> None:
    catalog = tool.read_po(tool.po_path())
    trans = translations(tool.compile_mo(catalog))
    translated = [e for e in catalog.active().values() if e.translated and not e.msgid_plural]
    assert translated, "the Ukrainian catalog has no translations"
    for entry in translated:
        assert trans.gettext(entry.msgid) == entry.msgstr[0]
    assert trans.info()["language"] == "uk"


def test_plural_and_escaped_entries_survive_compilation() -> None:
    catalog = tool.Catalog(header=tool.header_fields("uk"))
    catalog.entries["{n} item"] = tool.Entry(
        "{n} item", "{n} items", ["{n} товар", "{n} товари", "{n} товарів"]
    )
    for text in TRICKY[:-1]:
        catalog.entries[text] = tool.Entry(text, msgstr=["<" + text + ">"])
    catalog.entries["untranslated"] = tool.Entry("untranslated")
    catalog.entries["fuzzy"] = tool.Entry("fuzzy", msgstr=["нечітко"], flags=["fuzzy"])
    blob = tool.compile_mo(tool.parse_po(tool.format_po(catalog)))
    trans = translations(blob)
    forms = {n: trans.ngettext("{n} item", "{n} items", n) for n in (1, 3, 5, 11, 21, 22, 25)}
    assert forms == {
        1: "{n} товар", 3: "{n} товари", 5: "{n} товарів", 11: "{n} товарів",
        21: "{n} товар", 22: "{n} товари", 25: "{n} товарів",
    }  # fmt: skip
    for text in TRICKY[:-1]:
        assert trans.gettext(text) == "<" + text + ">"
    assert trans.gettext("untranslated") == "untranslated"
    assert trans.gettext("fuzzy") == "fuzzy"
    assert tool.read_mo(blob) == tool.mo_messages(catalog)
    assert blob[:4] == (0x950412DE).to_bytes(4, "little")


def test_extract_and_merge_on_a_small_tree(tmp_path: Path) -> None:
    package = tmp_path / "torgtui"
    package.mkdir()
    (package / "a.py").write_text(
        "from torgtui import i18n\n"
        "from torgtui.i18n import _, ngettext\n"
        'X = _("Kept")\n'
        'Y = _("New {x}").format(x=1)\n'
        'Z = ngettext("{n} receipt", "{n} receipts", 2)\n'
        'W = i18n._("Kept")\n'
        "V = _(X)\n"
        'U = _(f"bad {X}")\n',
        encoding="utf-8",
    )
    warnings: list[str] = []
    found = tool.extract_messages(tmp_path, warnings)
    assert sorted(found) == ["Kept", "New {x}", "{n} receipt"]
    assert found["Kept"].references == ["torgtui/a.py:3", "torgtui/a.py:6"]
    assert found["{n} receipt"].msgid_plural == "{n} receipts"
    assert warnings == ["torgtui/a.py:8: an f-string inside _() cannot be translated"]

    old = tool.Catalog(header={"Last-Translator": "Оля"})
    old.entries["Kept"] = tool.Entry("Kept", msgstr=["Залишено"], comments=["context"])
    old.entries["Old"] = tool.Entry("Old", msgstr=["Старе"])
    old.entries["Gone"] = tool.Entry("Gone")
    merged = tool.merge(old, found)
    assert merged.entries["Kept"].msgstr == ["Залишено"]
    assert merged.entries["Kept"].comments == ["context"]
    assert merged.entries["New {x}"].msgstr == [""]
    assert merged.entries["{n} receipt"].msgstr == ["", "", ""]
    assert merged.entries["Old"].obsolete and "Gone" not in merged.entries
    assert merged.header["Last-Translator"] == "Оля"
    assert tool.untranslated(merged, found) == ["New {x}", "{n} receipt"]

    # A string that comes back revives its obsolete translation.
    found["Old"] = tool.Found("Old", references=["torgtui/a.py:9"])
    revived = tool.merge(tool.parse_po(tool.format_po(merged)), found)
    assert revived.entries["Old"].msgstr == ["Старе"] and not revived.entries["Old"].obsolete


def test_check_reports_what_is_out_of_date(tmp_path: Path) -> None:
    (tmp_path / "torgtui").mkdir()
    code = tmp_path / "torgtui" / "m.py"
    code.write_text('from torgtui.i18n import _\nA = _("Sale")\n', encoding="utf-8")
    assert tool.main(["extract", "--root", str(tmp_path)]) == 0
    assert tool.main(["compile", "--root", str(tmp_path)]) == 0
    assert tool.check(tmp_path) == []
    assert tool.check(tmp_path, strict=True) == ["untranslated: 'Sale'"]

    po = tool.po_path(root=tmp_path)
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Sale"\nmsgstr ""', 'msgid "Sale"\nmsgstr "Продаж {x}"'
    ), encoding="utf-8")  # fmt: skip
    problems = tool.check(tmp_path, strict=True)
    assert any(".mo: 'Sale' differs from the .po" in p for p in problems)
    assert any(p.startswith("placeholders: 'Sale'") for p in problems)

    code.write_text('from torgtui.i18n import _\nA = _("Return")\n', encoding="utf-8")
    problems = tool.check(tmp_path)
    assert any("missing 'Return'" in p for p in problems)
    assert any("'Sale' is no longer in the code" in p for p in problems)
    assert tool.main(["check", "--root", str(tmp_path)]) == 1


def test_set_language_switches_underscore() -> None:
    i18n.set_language("uk")
    assert i18n._("Cashier") == "Касир"
    assert i18n.current_language() == "uk"
    i18n.set_language("en")
    assert i18n._("Cashier") == "Cashier"
    with pytest.raises(ConfigError):
        i18n.set_language("xx")


def test_every_string_in_the_code_has_a_ukrainian_translation() -> None:
    found = tool.extract_messages()
    missing = tool.untranslated(tool.read_po(tool.po_path()), found)
    assert not missing, (
        f"{len(missing)} string(s) have no Ukrainian translation: {tool.FIX_HINT}:\n"
        + "\n".join(f"  {m!r}  ({found[m].references[0]})" for m in missing)
    )


def test_translations_keep_placeholders_and_commands() -> None:
    found = tool.extract_messages()
    live = tool.read_po(tool.po_path()).active()
    problems = [p for m in found if m in live for p in tool.marker_problems(live[m])]
    assert not problems, (
        "these translations change {placeholders} or `commands`; fix them in "
        "torgtui/locale/uk/LC_MESSAGES/torgtui.po and run `make i18n`:\n" + "\n".join(problems)
    )


def test_mo_is_up_to_date_with_the_po() -> None:
    mo = tool.mo_path()
    assert mo.exists(), f"{mo} is missing: run `make i18n`"
    have = tool.read_mo(mo.read_bytes())
    want = tool.mo_messages(tool.read_po(tool.po_path()))
    stale = sorted(k.split("\0")[0] for k in set(have) | set(want) if have.get(k) != want.get(k))
    assert not stale, (
        "the .mo differs from the .po for: " + ", ".join(map(repr, stale)) + ("; run `make i18n`")
    )
