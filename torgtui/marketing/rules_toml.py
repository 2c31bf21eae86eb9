"""The rules file's text: writing rules as canonical TOML, reading a file and checking its
shape (tables, keys, value types, required keys, duplicate ids) before the database is opened,
and finding the line of a table or key for messages (tomllib gives none for values).

The kinds themselves and what a file means are in torgtui.marketing.rules_file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.marketing.rules_file import (
    BOOL,
    HEADER,
    MAX_FILE_BYTES,
    NUMBER,
    TEXT,
    WHOLE,
    Key,
    Record,
    RuleKind,
    kinds,
)

# --- writing TOML ---------------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+\Z")


def toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)


def plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, str):
        return toml_string(value)
    raise TypeError(f"no TOML form for {type(value).__name__}")  # a kind's dump is wrong


def _ordered(record: Record, first: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(k, record[k]) for k in first if k in record] + sorted(
        (k, v) for k, v in record.items() if k not in first
    )


def _emit(lines: list[str], header: str, record: Record, first: tuple[str, ...]) -> None:
    lines.append("")
    lines.append(header)
    name = header.strip("[]")
    items = _ordered(record, first)
    for key, value in items:
        if not isinstance(value, (dict, list)):
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in items:
        if isinstance(value, dict) and value:
            _emit(lines, f"[{name}.{toml_key(key)}]", value, ())
    for key, value in items:
        if isinstance(value, list):
            for row in value:
                _emit(lines, f"[[{name}.{toml_key(key)}]]", row, tuple(row)[:1])


def dumps() -> str:
    """The shop's rules as the text of a rules file (canonical: see the module doc)."""
    lines: list[str] = []
    for kind in kinds():
        for record in kind.dump():
            header = f"[{kind.name}]" if kind.single else f"[[{kind.name}]]"
            _emit(lines, header, record, kind.id_keys)
    return HEADER + "\n".join(lines) + "\n"


# --- finding the line of a table or key -------------------------------------------------------

_TABLE = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _path(text: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


class Locator:
    """Line numbers in a rules file's text (tomllib gives none for values): the n-th
    ``[[kind]]`` table, a sub-table of it, a key inside one."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.tables: list[tuple[int, tuple[str, ...], bool]] = []  # (index, path, array)
        for i, line in enumerate(self.lines):
            m = _TABLE.match(line)
            if m and not line.lstrip().startswith("#"):
                self.tables.append((i, _path(m.group(2)), m.group(1) == "[["))

    def _key_line(self, start: int, key: str) -> int | None:
        """The line of ``key = ...`` in the table that starts at ``start`` (-1: top level)."""
        end = next((i for i, _p, _a in self.tables if i > start), len(self.lines))
        pattern = re.compile(
            rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*="""
        )
        for i in range(start + 1, end):
            if pattern.match(self.lines[i]):
                return i
        return None

    def _nth(self, path: tuple[str, ...], n: int, after: int = -1, before: int | None = None):
        found = [i for i, p, _a in self.tables if p == path and i > after]
        found = [i for i in found if before is None or i < before]
        return found[n] if n < len(found) else None

    def line(
        self,
        kind: str,
        index: int | None,
        key: str | None = None,
        sub: str | None = None,
        row: int | str | None = None,
    ) -> int:
        """1-based line of the ``index``-th table ``kind`` (its ``key``; or its sub-table
        ``sub``, the ``row``-th of them or, in a plain sub-table, the key ``row``)."""
        top = self._nth((kind,), index or 0)
        if top is None:
            at = self._key_line(-1, kind)
            return (at if at is not None else 0) + 1
        if sub is not None:
            nxt = self._nth((kind,), (index or 0) + 1)
            if isinstance(row, int):
                start = self._nth((kind, sub), row, after=top, before=nxt)
                if start is not None:
                    at = self._key_line(start, key) if key else None
                    return (at if at is not None else start) + 1
            else:
                start = self._nth((kind, sub), 0, after=top, before=nxt)
                if start is not None:
                    at = self._key_line(start, row) if row is not None else None
                    return (at if at is not None else start) + 1
            key = sub
        at = self._key_line(top, key) if key else None
        return (at if at is not None else top) + 1


# --- reading and checking the shape -------------------------------------------------------------


@dataclass
class RulesFile:
    """A rules file read and checked for shape (no database needed)."""

    path: str
    locator: Locator
    records: dict[str, list[Record]]  # kind -> its tables in file order

    def where(self, kind: RuleKind, index: int | None, record: Record | None) -> str:
        if kind.single:
            return f"[{kind.name}]"
        ident = " / ".join(str(v) for v in kind.id_of(record or {}) if isinstance(v, str))
        return f"[[{kind.name}]] {ident or '#' + str((index or 0) + 1)}"

    def fail(self, kind: RuleKind | None, index: int | None, message: str, **at: Any) -> TorgError:
        if kind is None:
            line = self.locator.line(at.get("key") or "", None)
            return TorgError(f"{self.path}:{line}: {message}")
        records = self.records.get(kind.name) or []
        record = records[index] if index is not None and index < len(records) else None
        line = self.locator.line(kind.name, index, **at)
        return TorgError(f"{self.path}:{line}: {self.where(kind, index, record)}: {message}")


def read_text(path: str) -> str:
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise TorgError(_("Rules file {path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise TorgError(_("{path} is a folder: give the rules file.").format(path=path)) from None
    except OSError as exc:
        raise TorgError(
            _("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise TorgError(
            _("{path} is larger than {mb} MB: that is not a rules file.").format(
                path=path, mb=MAX_FILE_BYTES // 2**20
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TorgError(
            _("{path}:{line}: not UTF-8 text: save the file as UTF-8.").format(path=path, line=line)
        ) from None


def parse(text: str, path: str) -> RulesFile:
    """Parse and check the shape of a rules file's ``text`` (see the module doc)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        line = found.group(1) if found else str(max(len(text.splitlines()), 1))
        message = (
            message[: found.start()] if found else message.replace(" (at end of document)", "")
        )
        raise TorgError(
            _("{path}:{line}: not valid TOML: {error}.").format(path=path, line=line, error=message)
        ) from None
    except (RecursionError, ValueError):  # nested too deeply; an integer of 5 000 digits
        raise TorgError(
            _("{path} holds a value nested too deeply or a number too long to read.").format(
                path=path
            )
        ) from None
    rules = RulesFile(path, Locator(text), {})
    known = {k.name: k for k in kinds()}
    for name, value in data.items():
        kind = known.get(name)
        if kind is None:
            raise rules.fail(
                None,
                None,
                _("unknown table {name}; the tables are {known}.").format(
                    name=toml_string(name[:40]), known=", ".join(known)
                ),
                key=name,
            )
        if kind.single:
            if not isinstance(value, dict):
                raise rules.fail(
                    None, None, _("write [{name}] as one table.").format(name=name), key=name
                )
            rules.records[name] = [value]
        else:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise rules.fail(
                    None,
                    None,
                    _("write each {name} as a [[{name}]] table.").format(name=name),
                    key=name,
                )
            rules.records[name] = value
        for index, record in enumerate(rules.records[name]):
            _check_record(rules, kind, index, record)
        _check_ids(rules, kind)
    return rules


def _type_error(key: str, expected: str, value: Any) -> str:
    what = {
        TEXT: _("text in quotes"),
        WHOLE: _("a whole number"),
        NUMBER: _("a number like 7.5"),
        BOOL: _("true or false"),
        "table": _("a table"),
        "rows": _("[[...]] tables"),
    }[expected]
    shown = toml_value(value) if isinstance(value, (str, int, Decimal)) else type(value).__name__
    return _("{key} must be {what}, not {value}.").format(key=key, what=what, value=shown[:40])


def _fits(expected: str, value: Any) -> bool:
    if expected == TEXT:
        return isinstance(value, str)
    if expected == WHOLE:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == NUMBER:
        if isinstance(value, Decimal):
            return value.is_finite()
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == BOOL:
        return isinstance(value, bool)
    if expected == "table":
        return isinstance(value, dict)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _check_keys(
    rules: RulesFile,
    kind: RuleKind,
    index: int,
    record: Record,
    keys: dict[str, Key],
    sub=None,
    row=None,
) -> None:
    at = {"sub": sub, "row": row} if sub else {}
    for key, value in record.items():
        spec = keys.get(key)
        if spec is None:
            raise rules.fail(
                kind,
                index,
                _("unknown key {key}; the keys are {known}.").format(
                    key=toml_string(key[:40]), known=", ".join(keys)
                ),
                key=key,
                **at,
            )
        if not _fits(spec.type, value):
            raise rules.fail(kind, index, _type_error(key, spec.type, value), key=key, **at)
        if spec.type == "table":
            for name, item in value.items():
                if not _fits(spec.of, item):
                    raise rules.fail(
                        kind, index, _type_error(name, spec.of, item), sub=key, row=name
                    )
        elif spec.type == "rows":
            for n, item in enumerate(value):
                _check_keys(rules, kind, index, item, spec.of, sub=key, row=n)
    for key, spec in keys.items():
        if spec.required and key not in record:
            raise rules.fail(
                kind, index, _("{key} is missing.").format(key=key), **({"key": None} | at)
            )


def _check_record(rules: RulesFile, kind: RuleKind, index: int, record: Record) -> None:
    _check_keys(rules, kind, index, record, kind.keys)


def _check_ids(rules: RulesFile, kind: RuleKind) -> None:
    if kind.single:
        return
    seen: dict[tuple[Any, ...], int] = {}
    for index, record in enumerate(rules.records[kind.name]):
        ident = kind.id_of(record)
        if ident in seen:
            first = rules.locator.line(kind.name, seen[ident])
            raise rules.fail(
                kind,
                index,
                _(
                    "the [[{name}]] on line {line} has the same id: each rule's id is unique."
                ).format(name=kind.name, line=first),
                key=kind.id_keys[0],
            )
        seen[ident] = index
