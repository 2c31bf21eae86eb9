"""Keep the translation catalogs in step with the code, in pure Python (no Babel, no xgettext).

    python tools/i18n.py extract          merge the code's _() and ngettext() strings into the .po
    python tools/i18n.py compile          write the .mo from the .po
    python tools/i18n.py check [--strict] exit 1 if the .po lags the code or the .mo lags the .po
                                          (--strict: also if a string is untranslated or its
                                          {placeholders} / `commands` differ from the English)

``make i18n`` runs extract + compile; translate the new (empty) entries in the .po in between.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import string
import struct
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "torgtui"
DOMAIN = "torgtui"
PLURAL_FORMS = {
    "uk": (
        3,
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    ),
}
WIDTH = 79
MO_MAGIC = 0x950412DE
FIX_HINT = "run `make i18n` and translate them in torgtui/locale/uk/LC_MESSAGES/torgtui.po"


@dataclass
class Entry:
    """One message of a PO catalog: the English text, its translation(s) and its comments."""

    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        """True when every form has text and no translator marked it fuzzy."""
        return "fuzzy" not in self.flags and all(self.msgstr)


@dataclass
class Found:
    """A string the code passes to ``_()`` or ``ngettext()``, with where it was seen."""

    msgid: str
    msgid_plural: str | None = None
    references: list[str] = field(default_factory=list)


@dataclass
class Catalog:
    """A parsed PO file: the header entry (msgid "") and the messages by msgid."""

    header: dict[str, str] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)

    def active(self) -> dict[str, Entry]:
        return {k: e for k, e in self.entries.items() if not e.obsolete}


def po_path(lang: str = "uk", root: Path = ROOT) -> Path:
    return root / PACKAGE / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str = "uk", root: Path = ROOT) -> Path:
    return po_path(lang, root).with_suffix(".mo")


# --- escaping -------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b",
              "f": "\f", "v": "\v"}  # fmt: skip


def po_escape(text: str) -> str:
    """Escape ``text`` for the inside of a PO string literal."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def po_unescape(text: str) -> str:
    """Undo :func:`po_escape` (and the other C escapes a PO file may hold)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _UNESCAPES:
                out.append(_UNESCAPES[nxt])
                i += 2
                continue
            octal = re.match(r"[0-7]{1,3}", text[i + 1 :])
            if octal:
                out.append(chr(int(octal.group(), 8)))
                i += 1 + len(octal.group())
                continue
        out.append(ch)
        i += 1
    return "".join(out)


# --- extraction -----------------------------------------------------------------------------


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "i18n"
    ):
        return func.attr
    return None


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def extract_messages(root: Path = ROOT, warnings: list[str] | None = None) -> dict[str, Found]:
    """Every literal passed to ``_()`` / ``ngettext()`` under ``root/torgtui``, by msgid.

    Calls with a non-literal first argument are skipped; f-strings are reported in ``warnings``
    because they can never be translated.
    """
    found: dict[str, Found] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = _call_name(node)
            if name not in ("_", "ngettext"):
                continue
            where = f"{rel}:{node.lineno}"
            first = _literal(node.args[0])
            plural = None
            if name == "ngettext":
                plural = _literal(node.args[1]) if len(node.args) > 1 else None
                if first is None or plural is None:
                    first = None
            if first is None:
                if warnings is not None and isinstance(node.args[0], ast.JoinedStr):
                    warnings.append(f"{where}: an f-string inside {name}() cannot be translated")
                continue
            item = found.setdefault(first, Found(first, plural))
            if plural is not None and item.msgid_plural is None:
                item.msgid_plural = plural
            item.references.append(where)
    for item in found.values():
        item.references.sort(key=_ref_key)
    return found


def _ref_key(ref: str) -> tuple[str, int]:
    path, _sep, line = ref.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)


# --- PO reading and writing -----------------------------------------------------------------

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {token!r}")
    return po_unescape(token[1:-1])


def parse_po(text: str, name: str = "<po>") -> Catalog:
    """Parse PO text into a :class:`Catalog` (translator comments and flags are kept)."""
    catalog = Catalog()
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            blocks[-1].append((number, line.rstrip()))
        elif blocks[-1]:
            blocks.append([])
    for block in blocks:
        if block:
            entry = _parse_block(block, name)
            if entry.msgid == "" and not entry.obsolete:
                catalog.header = _parse_header(entry.msgstr[0])
            elif entry.msgid not in catalog.entries or not entry.obsolete:
                catalog.entries[entry.msgid] = entry
    return catalog


def _parse_block(block: list[tuple[int, str]], name: str) -> Entry:
    fields: dict[str, str] = {}
    plural_forms: dict[int, str] = {}
    entry = Entry("")
    current: tuple[str, int | None] | None = None
    for number, raw in block:
        where = f"{name}:{number}"
        line = raw
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].lstrip()
            if line.startswith("|") or not line:
                continue
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
            continue
        elif line.startswith("#,"):
            entry.flags.extend(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        elif line.startswith(("#.", "#|")):
            continue
        elif line.startswith("#"):
            entry.comments.append(line[2:] if line.startswith("# ") else line[1:])
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"{where}: a string continues nothing")
            text = _unquote(line, where)
            key, index = current
            if index is None:
                fields[key] += text
            else:
                plural_forms[index] += text
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise ValueError(f"{where}: cannot read {raw!r}")
        keyword, index, token = match.groups()
        if keyword == "msgctxt":
            raise ValueError(f"{where}: msgctxt is not used by torgtui")
        text = _unquote(token, where)
        if index is not None:
            plural_forms[int(index)] = text
            current = ("msgstr", int(index))
        else:
            fields[keyword] = text
            current = (keyword, None)
    if "msgid" not in fields:
        raise ValueError(f"{name}:{block[0][0]}: an entry without msgid")
    entry.msgid = fields["msgid"]
    entry.msgid_plural = fields.get("msgid_plural")
    if plural_forms:
        entry.msgstr = [plural_forms[i] for i in sorted(plural_forms)]
    else:
        entry.msgstr = [fields.get("msgstr", "")]
    return entry


def _parse_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            header[key.strip()] = value.strip()
    return header


def _po_string(keyword: str, text: str) -> list[str]:
    escaped = po_escape(text)
    single = f'{keyword} "{escaped}"'
    if len(single) <= WIDTH and "\\n" not in escaped[:-2]:
        return [single]
    lines = [f'{keyword} ""']
    for piece in re.findall(r".*?\\n|.+$", escaped):
        line = ""
        for token in re.findall(r"[^ ]+ *| +", piece):
            if line and len(line) + len(token) + 2 > WIDTH:
                lines.append(f'"{line}"')
                line = ""
            line += token
        if line:
            lines.append(f'"{line}"')
    return lines


def _entry_lines(entry: Entry) -> list[str]:
    lines = [f"# {c}".rstrip() for c in entry.comments]
    body: list[str] = []
    if not entry.obsolete:
        ref_line = "#:"
        for ref in entry.references:
            if len(ref_line) > 2 and len(ref_line) + 1 + len(ref) > WIDTH:
                lines.append(ref_line)
                ref_line = "#:"
            ref_line += " " + ref
        if len(ref_line) > 2:
            lines.append(ref_line)
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    body.extend(_po_string("msgid", entry.msgid))
    if entry.msgid_plural is not None:
        body.extend(_po_string("msgid_plural", entry.msgid_plural))
        for index, text in enumerate(entry.msgstr):
            body.extend(_po_string(f"msgstr[{index}]", text))
    else:
        body.extend(_po_string("msgstr", entry.msgstr[0]))
    if entry.obsolete:
        body = [f"#~ {line}" for line in body]
    return lines + body


def header_fields(lang: str, old: dict[str, str] | None = None) -> dict[str, str]:
    """The header we always write, then any extra fields a translator added (kept in order)."""
    fixed = {
        "Project-Id-Version": PACKAGE,
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS[lang][1],
    }
    extra = {k: v for k, v in (old or {}).items() if k not in fixed}
    return {**fixed, **extra}


def format_po(catalog: Catalog) -> str:
    """Render a catalog as PO text: header, live entries by msgid, then obsolete ones."""
    header_text = "".join(f"{k}: {v}\n" for k, v in catalog.header.items())
    intro = f"# Ukrainian translation of {PACKAGE}: edit msgstr, then run `make i18n`."
    blocks = ["\n".join([intro, *_entry_lines(Entry("", msgstr=[header_text]))])]
    ordered = sorted(catalog.entries.values(), key=lambda e: (e.obsolete, e.msgid))
    blocks.extend("\n".join(_entry_lines(e)) for e in ordered)
    return "\n\n".join(blocks) + "\n"


def merge(old: Catalog, found: dict[str, Found], lang: str = "uk") -> Catalog:
    """The catalog for ``found`` that keeps ``old``'s translations.

    Vanished strings that were translated become obsolete (``#~``) so the work is not lost;
    untranslated ones are dropped. A string that changed between ``_()`` and ``ngettext()``
    starts untranslated.
    """
    nplurals = PLURAL_FORMS[lang][0]
    merged = Catalog(header=header_fields(lang, old.header))
    for msgid, item in found.items():
        forms = nplurals if item.msgid_plural is not None else 1
        entry = Entry(msgid, item.msgid_plural, [""] * forms, list(item.references))
        previous = old.entries.get(msgid)
        if previous is not None:
            entry.comments = list(previous.comments)
            same_kind = (previous.msgid_plural is None) == (item.msgid_plural is None)
            if same_kind and len(previous.msgstr) == forms:
                entry.msgstr = list(previous.msgstr)
                entry.flags = list(previous.flags)
        merged.entries[msgid] = entry
    for msgid, previous in old.entries.items():
        if msgid not in found and any(previous.msgstr):
            merged.entries[msgid] = Entry(
                msgid, previous.msgid_plural, list(previous.msgstr), [],
                list(previous.comments), list(previous.flags), obsolete=True,
            )  # fmt: skip
    return merged


def read_po(path: Path) -> Catalog:
    if not path.exists():
        return Catalog()
    return parse_po(path.read_text(encoding="utf-8"), str(path))


# --- MO -------------------------------------------------------------------------------------


def mo_messages(catalog: Catalog) -> dict[str, str]:
    """What the .mo must hold: the header plus every translated, non-fuzzy live entry."""
    out = {"": "".join(f"{k}: {v}\n" for k, v in catalog.header.items())}
    for entry in catalog.active().values():
        if not entry.translated:
            continue
        if entry.msgid_plural is not None:
            out[f"{entry.msgid}\0{entry.msgid_plural}"] = "\0".join(entry.msgstr)
        else:
            out[entry.msgid] = entry.msgstr[0]
    return out


def compile_mo(catalog: Catalog) -> bytes:
    """GNU .mo bytes (little-endian, keys sorted, no hash table) for ``catalog``."""
    pairs = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in mo_messages(catalog).items())
    count = len(pairs)
    originals_at = 28
    translations_at = originals_at + 8 * count
    data_at = translations_at + 8 * count
    table_o: list[int] = []
    table_t: list[int] = []
    data = bytearray()
    for key, _value in pairs:
        table_o += [len(key), data_at + len(data)]
        data += key + b"\0"
    for _key, value in pairs:
        table_t += [len(value), data_at + len(data)]
        data += value + b"\0"
    head = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, data_at)
    return head + struct.pack(f"<{4 * count}I", *table_o, *table_t) + bytes(data)


def read_mo(blob: bytes) -> dict[str, str]:
    """Decode a GNU .mo (either byte order) into {key: translation} as :func:`mo_messages`."""
    if len(blob) < 28:
        raise ValueError("not a .mo file: too short")
    for order in ("<", ">"):
        if struct.unpack(f"{order}I", blob[:4])[0] == MO_MAGIC:
            break
    else:
        raise ValueError("not a .mo file: bad magic number")
    _magic, _rev, count, o_at, t_at = struct.unpack(f"{order}5I", blob[:20])
    out: dict[str, str] = {}
    for i in range(count):
        k_len, k_off = struct.unpack(f"{order}2I", blob[o_at + 8 * i : o_at + 8 * i + 8])
        v_len, v_off = struct.unpack(f"{order}2I", blob[t_at + 8 * i : t_at + 8 * i + 8])
        key = blob[k_off : k_off + k_len].decode("utf-8")
        out[key] = blob[v_off : v_off + v_len].decode("utf-8")
    return out


# --- checks ---------------------------------------------------------------------------------


def _markers(text: str) -> Counter[str]:
    """The {placeholders} and `commands` a translation must keep exactly."""
    found: Counter[str] = Counter(re.findall(r"`[^`]+`", text))
    try:
        for _lit, name, spec, conv in string.Formatter().parse(text):
            if name is not None:
                found["{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                      + "}"] += 1  # fmt: skip
    except ValueError:
        found["<unbalanced braces>"] += 1
    return found


def marker_problems(entry: Entry) -> list[str]:
    """Placeholders or `commands` in a translation that differ from the English text."""
    problems = []
    source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
    want = _markers(source)
    if entry.msgid_plural is not None:
        want = _markers(entry.msgid) | want
    for index, text in enumerate(entry.msgstr):
        if not text:
            continue
        have = _markers(text)
        if set(have) != set(want):
            form = "" if entry.msgid_plural is None else f"[{index}]"
            problems.append(
                f"{entry.msgid!r}{form}: has {sorted(have)}, the English has {sorted(want)}"
            )
    return problems


def untranslated(catalog: Catalog, found: dict[str, Found]) -> list[str]:
    """msgids the code uses that have no complete translation in ``catalog``."""
    entries = catalog.active()
    return [m for m in sorted(found) if m not in entries or not entries[m].translated]


def check(root: Path = ROOT, lang: str = "uk", strict: bool = False) -> list[str]:
    """Everything that is out of date, as lines a person can act on (empty: all is well)."""
    problems: list[str] = []
    po, mo = po_path(lang, root), mo_path(lang, root)
    found = extract_messages(root)
    current = read_po(po)
    rel = po.relative_to(root)
    live = current.active()
    for msgid in sorted(set(found) - set(live)):
        problems.append(f"{rel}: missing {msgid!r} (used at {found[msgid].references[0]})")
    for msgid in sorted(set(live) - set(found)):
        problems.append(f"{rel}: {msgid!r} is no longer in the code")
    wanted = format_po(merge(current, found, lang))
    on_disk = po.read_text(encoding="utf-8") if po.exists() else ""
    if wanted != on_disk and not problems:
        problems.append(f"{rel}: references or layout differ from what `extract` writes")
    if not mo.exists():
        problems.append(f"{mo.relative_to(root)}: missing")
    else:
        have, want = read_mo(mo.read_bytes()), mo_messages(current)
        for key in sorted(set(want) | set(have)):
            if have.get(key) != want.get(key):
                what = "header" if key == "" else repr(key.split("\0")[0])
                problems.append(f"{mo.relative_to(root)}: {what} differs from the .po")
    if strict:
        problems += [f"untranslated: {m!r}" for m in untranslated(current, found)]
        for entry in live.values():
            problems += [f"placeholders: {p}" for p in marker_problems(entry)]
    return problems


# --- commands -------------------------------------------------------------------------------


def cmd_extract(root: Path, lang: str) -> int:
    warnings: list[str] = []
    found = extract_messages(root, warnings)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    po = po_path(lang, root)
    merged = merge(read_po(po), found, lang)
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(format_po(merged), encoding="utf-8", newline="\n")
    missing = untranslated(merged, found)
    print(f"{po.relative_to(root)}: {len(found)} strings, {len(missing)} to translate")
    return 0


def cmd_compile(root: Path, lang: str) -> int:
    catalog = read_po(po_path(lang, root))
    mo = mo_path(lang, root)
    mo.write_bytes(compile_mo(catalog))
    print(f"{mo.relative_to(root)}: {len(mo_messages(catalog)) - 1} translations")
    return 0


def cmd_apply(root: Path, lang: str, files: list[Path]) -> int:
    """Fill untranslated messages from JSON files of ``{"English": "translation"}`` (written
    by whoever translated a feature's strings); a translation that breaks a placeholder is
    refused and reported, the message stays untranslated."""
    po = po_path(lang, root)
    catalog = read_po(po)
    given: dict[str, str] = {}
    for path in files:
        given.update(json.loads(path.read_text(encoding="utf-8")))
    filled, refused = 0, []
    for msgid, entry in catalog.active().items():
        text = given.get(msgid)
        if not text or entry.translated or entry.msgid_plural is not None:
            continue
        trial = Entry(msgid, msgstr=[text])
        problems = marker_problems(trial)
        if problems:
            refused += problems
            continue
        entry.msgstr = [text]
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        filled += 1
    po.write_text(format_po(catalog), encoding="utf-8", newline="\n")
    for line in refused:
        print(f"refused: {line}", file=sys.stderr)
    print(f"{po.relative_to(root)}: {filled} translations filled, {len(refused)} refused")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/i18n.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "compile", "check", "apply"])
    parser.add_argument("files", nargs="*", type=Path, help="apply: JSON files of translations")
    parser.add_argument("--lang", default="uk", choices=sorted(PLURAL_FORMS))
    parser.add_argument("--strict", action="store_true", help="check: also untranslated strings")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (for tests)")
    args = parser.parse_args(argv)
    try:
        if args.command == "extract":
            return cmd_extract(args.root, args.lang)
        if args.command == "compile":
            return cmd_compile(args.root, args.lang)
        if args.command == "apply":
            return cmd_apply(args.root, args.lang, args.files)
        problems = check(args.root, args.lang, args.strict)
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"i18n: {exc}", file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s): {FIX_HINT}", file=sys.stderr)
        return 1
    print("translations are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
