"""The rules file: every marketing rule of the shop in one TOML file, for review, version
control and checking rules before a launch (``torgtui rules export|import``, docs/cli.md).

Each kind of rule is one :class:`RuleKind` registered here (a name that is also its TOML
table, the keys its table takes, the key or keys that are its id, ``dump``, ``load``,
``save`` and ``retire``); the kinds of the loyalty issue are in torgtui.marketing.rules_loyalty
and rules_prices (sharing rules_common), and a later feature adds its own with :func:`register`
in its module plus a line in :data:`KIND_MODULES`. Nothing else here knows any kind. The TOML
text (writing, reading, line numbers) is torgtui.marketing.rules_toml.

* **Export** writes every kind's rules in canonical form: kinds in their registered order,
  rules sorted by id, a rule's id key first and its other keys sorted, numbers as plain
  decimals, nothing that changes between runs (no timestamps). So export -> import -> export
  is byte-identical.
* **Import** reads the whole file and checks its shape (known tables and keys, value types,
  required keys, duplicate ids) before the database is opened; then, in one write
  transaction, each rule is validated and resolved (products by SKU, groups by path,
  manufacturers by name, customers by card number, locations and price types by code) and
  saved through its kind's service, only when it differs from what the shop has. Any refusal
  rolls everything back: ``FILE:LINE: what is wrong``, nothing written. An import that changes
  something writes one ``rules.import`` audit entry with the summary (the services record
  each rule they change as they always do); one that changes nothing writes nothing.
* Rules missing from the file are kept, unless ``replace``: then, for each kind the file
  has (``qty_break = []`` names a kind with no rules), the others are retired (deleted, or
  deactivated where history refers to them: card types, accelerators).
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torgtui.clock import Clock, system_clock
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Employee

if TYPE_CHECKING:
    from torgtui.marketing.rules_toml import RulesFile

MAX_FILE_BYTES = 32 * 1024 * 1024  # a price type with 200 000 prices is about 6 MB
KIND_MODULES = (
    "torgtui.marketing.rules_loyalty",
    "torgtui.marketing.rules_prices",
    "torgtui.marketing.rules_bundles",
    "torgtui.marketing.promotions.rules",
    "torgtui.marketing.rules_codes",
    "torgtui.marketing.rules_partners",
    "torgtui.marketing.rules_referral",
    "torgtui.marketing.rules_certificates",
)
HEADER = (
    "# torgtui rules: card types, bonuses, accelerators, price policy (docs/cli.md).\n"
    "# Load with `torgtui rules import FILE --employee NAME`; each rule is matched by its id.\n"
)

Record = dict[str, Any]

# --- the registry ---------------------------------------------------------------------------

TEXT, WHOLE, NUMBER, BOOL = "text", "whole", "number", "bool"


@dataclass(frozen=True)
class Key:
    """One key of a rule's table: its type (TEXT, WHOLE, NUMBER, BOOL), or ``table`` (a
    sub-table whose values are all of type ``of``) or ``rows`` (an array of sub-tables whose
    keys are ``of``)."""

    type: str
    required: bool = False
    of: Any = None


@dataclass(frozen=True)
class RuleKind:
    name: str  # the TOML table ([[name]] or [name]) and the kind's name in messages
    order: int  # import order: a kind comes after the kinds it refers to
    keys: dict[str, Key]
    id_keys: tuple[str, ...]  # () for a single table ([loyalty])
    dump: Callable[[], list[Record]]  # the shop's rules, canonical, sorted by id
    load: Callable[[Record, Context], Record]  # checked file record -> canonical (raises)
    save: Callable[[Record, Record | None, Context], None]  # (new, old) -> written
    retire: Callable[[Record, Context], bool] | None = None  # --replace: True if it changed

    @property
    def single(self) -> bool:
        return not self.id_keys

    def id_of(self, record: Record) -> tuple[Any, ...]:
        return tuple(record.get(k) for k in self.id_keys)


KINDS: dict[str, RuleKind] = {}
_loaded = False


def register(kind: RuleKind) -> RuleKind:
    KINDS[kind.name] = kind
    return kind


def kinds() -> list[RuleKind]:
    """Every kind, in import order (the modules that define them imported once)."""
    global _loaded
    if not _loaded:
        for name in KIND_MODULES:
            importlib.import_module(name)
        _loaded = True
    return sorted(KINDS.values(), key=lambda k: k.order)


class RuleError(ValidationError):
    """A value of one rule is wrong: ``key`` (and ``sub``, ``row``: the n-th row of a
    sub-table array, or a sub-table's key) says where, for the line number."""

    def __init__(self, message: str, key: str | None = None, sub: str | None = None, row=None):
        super().__init__(message)
        self.key, self.sub, self.row = key, sub, row


@dataclass
class Context:
    """What a kind's load and save need: who imports, the clock, and a cache of lookups."""

    employee: Employee
    clock: Clock = system_clock
    cache: dict[str, Any] = field(default_factory=dict)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0

    def count(self, which: dict[str, list[str]]) -> int:
        return sum(len(v) for v in which.values())

    @property
    def any(self) -> bool:
        return bool(self.created or self.changed or self.retired)

    def summary(self) -> dict[str, object]:
        return {
            "created": self.created,
            "changed": self.changed,
            "retired": self.retired,
            "unchanged": self.unchanged,
        }


class _CheckOnly(Exception):
    """Raised at the end of a checking run so its transaction rolls back."""


@contextlib.contextmanager
def _located(rules: RulesFile, kind: RuleKind, index: int | None, record: Record) -> Iterator[None]:
    try:
        yield
    except RuleError as exc:
        raise rules.fail(kind, index, exc.message, key=exc.key, sub=exc.sub, row=exc.row) from None
    except ValidationError as exc:
        if index is None:  # a rule the file does not have (--replace)
            raise TorgError(
                _("{path}: {rule} (not in the file): {error}").format(
                    path=rules.path, rule=rules.where(kind, None, record), error=exc.message
                )
            ) from None
        raise rules.fail(kind, index, exc.message) from None


def _label(kind: RuleKind, record: Record) -> str:
    return kind.name if kind.single else " / ".join(str(v) for v in kind.id_of(record))


def import_rules(
    rules: RulesFile,
    *,
    employee: Employee,
    replace: bool = False,
    check: bool = False,
    clock: Clock = system_clock,
) -> ImportReport:
    """Load a read rules file into the shop: all of it or nothing (see the module doc).
    ``check`` does everything but keeps nothing (the transaction is rolled back)."""
    from torgtui.db import write_tx
    from torgtui.marketing import rulecache
    from torgtui.staff import Permission, audit, require

    require(employee, Permission.EDIT_PRICES)
    report = ImportReport()
    ctx = Context(employee, clock)
    present = [k for k in kinds() if k.name in rules.records]
    done = False
    try:
        with write_tx():
            current: dict[str, dict[tuple[Any, ...], Record]] = {}
            seen: dict[str, set[tuple[Any, ...]]] = {}
            for kind in present:
                current[kind.name] = {kind.id_of(r): r for r in kind.dump()}
                seen[kind.name] = set()
                for index, record in enumerate(rules.records[kind.name]):
                    with _located(rules, kind, index, record):
                        new = kind.load(record, ctx)
                        ident = kind.id_of(new)
                        seen[kind.name].add(ident)
                        old = current[kind.name].get(ident)
                        if old == new:
                            report.unchanged += 1
                            continue
                        kind.save(new, old, ctx)
                    which = report.changed if old is not None else report.created
                    which.setdefault(kind.name, []).append(_label(kind, new))
            if replace:  # the kinds that refer to others go first
                for kind in reversed(present):
                    if kind.retire is None:
                        continue
                    for ident, old in current[kind.name].items():
                        if ident in seen[kind.name]:
                            continue
                        with _located(rules, kind, None, old):
                            if kind.retire(old, ctx):
                                report.retired.setdefault(kind.name, []).append(_label(kind, old))
            if report.any:
                audit(
                    "rules.import",
                    employee,
                    object_type="rules_file",
                    object_id=Path(rules.path).name,
                    after={**report.summary(), "replace": replace},
                    clock=clock,
                )
            if check:
                raise _CheckOnly
        done = True
    except _CheckOnly:
        pass
    finally:
        if not done:  # rolled back: what this process cached during the run may be wrong
            rulecache.clear()
    return report


# --- the commands ---------------------------------------------------------------------------


def read_rules(path: str) -> RulesFile:
    """Read and check the shape of the rules file ``path`` (TorgError: FILE:LINE: ...)."""
    from torgtui.marketing.rules_toml import parse, read_text

    return parse(read_text(path), path)


def check_export_path(path: str) -> Path | None:
    """The file to write (None: standard output, ``-``)."""
    if path == "-":
        return None
    target = Path(path)
    if target.suffix.lower() != ".toml":
        raise TorgError(_("{path}: a rules file ends in .toml.").format(path=path))
    if not target.parent.is_dir():
        raise TorgError(
            _("The folder {folder} does not exist: create it first.").format(folder=target.parent)
        )
    if target.is_dir():
        raise TorgError(_("{path} is a folder: give a file name.").format(path=path))
    return target


def export_rules(target: Path | None) -> str:
    """Write the rules file to ``target`` (beside it first, then renamed: never half a
    file), or return its text for standard output."""
    import os

    from torgtui.marketing.rules_toml import dumps

    text = dumps()
    if target is not None:
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return text


def count_rules(text: str) -> int:
    return sum(1 for line in text.splitlines() if re.match(r"\[\[?[a-z_]+\]\]?$", line))
