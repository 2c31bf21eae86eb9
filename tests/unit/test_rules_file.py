"""The rules file (torgtui.marketing.rules_file): export -> import -> export is identical on
both databases; import is idempotent by rule id, atomic, by permission and audited once; a bad
file is refused whole with FILE:LINE and nothing written (through ``torgtui rules import``)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.contract_shop import EXAMPLE, OLENA, build_sqlite, seed
from torgtui.cli import main
from torgtui.errors import PermissionDenied, TorgError
from torgtui.marketing import rulecache
from torgtui.marketing.rules_file import import_rules, read_rules
from torgtui.marketing.rules_toml import dumps
from torgtui.models import AuditEntry, CardThreshold, CardType, Location, Setting
from torgtui.models.prices import PriceType, ProductPrice, QtyBreak


@pytest.fixture
def rules_shop(db, staff, clock):
    Location.create(code="MAIN", name="Квітка")
    seed(staff["owner"])
    return staff


def load(path: Path, staff, clock, **kw):
    return import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock, **kw)


def state() -> dict[str, object]:
    """What an import may change, to prove that a refused one changed nothing."""
    return {
        "types": CardType.select().count(),
        "thresholds": CardThreshold.select().count(),
        "prices": ProductPrice.select().count(),
        "breaks": QtyBreak.select().count(),
        "price_types": PriceType.select().count(),
        "audit": AuditEntry.select().count(),
        "settings": sorted(Setting.select(Setting.key, Setting.value).tuples()),
        "locations": sorted(Location.select(Location.code, Location.price_type).tuples()),
    }


def test_export_import_export_is_identical(rules_shop, tmp_path: Path, clock) -> None:
    report = load(EXAMPLE, rules_shop, clock)
    assert report.count(report.created) == 11 and report.changed == {"loyalty": ["loyalty"]}
    text = dumps()
    assert text == EXAMPLE.read_text(encoding="utf-8")  # the documented example is canonical
    exported = tmp_path / "exported.toml"
    exported.write_text(text, encoding="utf-8")
    again = load(exported, rules_shop, clock)
    assert not again.any and again.unchanged == 14
    assert dumps() == text


def test_the_documented_example_is_this_one() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "```toml\n" + EXAMPLE.read_text(encoding="utf-8") + "```" in doc


def test_a_repeated_import_writes_nothing(rules_shop, clock) -> None:
    before = AuditEntry.select().count()
    load(EXAMPLE, rules_shop, clock)
    entries = list(AuditEntry.select().where(AuditEntry.id > before).order_by(AuditEntry.id))
    summary = [e for e in entries if e.action == "rules.import"]
    assert len(summary) == 1 and summary[0].employee_id == rules_shop["manager"].id
    assert '"card_type": ["ACC", "BONUS", "ONCE", "VIP"]' in summary[0].after
    after = state()
    assert not load(EXAMPLE, rules_shop, clock).any
    assert state() == after  # not even the rules version moved


def test_only_what_changed_is_saved(rules_shop, tmp_path: Path, clock) -> None:
    load(EXAMPLE, rules_shop, clock)
    text = EXAMPLE.read_text(encoding="utf-8")
    changed = text.replace("D-1 = 98000", "D-1 = 97000\nS-1 = 8000").replace(
        "from = 1500000\npercent = 5", "from = 1200000\npercent = 5"
    )
    path = tmp_path / "changed.toml"
    path.write_text(changed, encoding="utf-8")
    report = load(path, rules_shop, clock)
    assert report.changed == {"price_type": ["wholesale"], "card_type": ["ACC"]}
    assert report.unchanged == 12 and not report.created
    assert dumps() == changed
    assert sorted(t.from_amount for t in CardThreshold.select()) == [500000, 1200000, 3000000]


def test_replace_retires_what_the_file_leaves_out(rules_shop, tmp_path: Path, clock) -> None:
    load(EXAMPLE, rules_shop, clock)
    path = tmp_path / "fewer.toml"
    path.write_text(
        'accelerator = []\n\n[[qty_break]]\ncode = "CREAM-10"\nmin_qty = 10\npercent = 5\n'
        'product = "C-1"\n',
        encoding="utf-8",
    )
    kept = load(path, rules_shop, clock)  # without --replace nothing goes
    assert not kept.any and QtyBreak.select().count() == 3
    report = load(path, rules_shop, clock, replace=True)
    assert report.retired == {"qty_break": ["CREAM-20", "DRESS-W3"], "accelerator": ["DRESS-TIER"]}
    assert [b.code for b in QtyBreak.select()] == ["CREAM-10"]
    # kinds the file does not name are left alone; accelerators are stopped, not deleted
    assert CardType.select().count() == 4 and PriceType.select().count() == 2
    assert '[[accelerator]]\ncode = "DRESS-TIER"\naction = "tier"\nactive = false' in dumps()


def test_check_keeps_nothing(rules_shop, clock) -> None:
    before = state()
    report = load(EXAMPLE, rules_shop, clock, check=True)
    assert report.count(report.created) == 11
    assert state() == before and CardType.select().count() == 0
    assert rulecache.version() == "0"


def test_by_permission_only(rules_shop, clock) -> None:
    before = state()
    with pytest.raises(PermissionDenied, match="may not edit prices and promotions"):
        import_rules(read_rules(str(EXAMPLE)), employee=rules_shop["cashier"], clock=clock)
    assert state() == before


def test_all_or_nothing(rules_shop, tmp_path: Path, clock) -> None:
    """Everything valid but the last rule: nothing of it is kept."""
    before = state()
    bad = EXAMPLE.read_text(encoding="utf-8") + '\n[[accelerator]]\ncode = "X"\naction = "enrol"\n'
    bad += 'card_type = "ONCE"\ngroup = "Нема"\n'
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index('group = "Нема"') + 1
    with pytest.raises(TorgError, match=rf"bad.toml:{line}: \[\[accelerator\]\] X: There is no"):
        load(path, rules_shop, clock)
    assert state() == before


# --- bad files through the command ----------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("rules")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(root / "config"))
        mp.delenv("TORGTUI_CONFIG", raising=False)
        build_sqlite(str(root / "shop.sqlite"))
    yield root / "shop.sqlite"


def rows(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        counts["setting"] = con.execute("SELECT group_concat(key || value) FROM setting").fetchone()
        return counts
    finally:
        con.close()


def command(*argv: str, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    finally:
        from torgtui.db import database

        with contextlib.suppress(Exception):
            database.close()
    out = capsys.readouterr()
    return code, out.out, out.err


CARD = '[[card_type]]\ncode = "NEW"\nname = "Нова"\n'
BAD = {
    "unknown key": (
        CARD + 'kind = "discount"\npercent = 5\ncolour = "red"\n',
        6,
        'unknown key "colour"',
    ),
    "unknown table": (
        '[[promo]]\ncode = "X"\n',
        1,
        'unknown table "promo"; the tables are loyalty',
    ),
    "wrong type": (
        CARD + 'kind = "discount"\npercent = "5"\n',
        5,
        'percent must be a number like 7.5, not "5"',
    ),
    "wrong type in a row": (
        CARD + 'kind = "accumulative"\n\n[[card_type.threshold]]\nfrom = "5000"\npercent = 3\n',
        7,
        'from must be a whole number, not "5000"',
    ),
    "a key of another kind": (
        CARD + 'kind = "bonus"\nbonus_percent = 5\npercent = 3\n',
        6,
        "percent is not for a card of kind bonus",
    ),
    "overlapping thresholds": (
        CARD + 'kind = "accumulative"\n\n[[card_type.threshold]]\nfrom = 500000\npercent = 5\n\n'
        "[[card_type.threshold]]\nfrom = 1500000\npercent = 3\n",
        12,
        "Thresholds overlap: from 15",
    ),
    "thresholds starting together": (
        CARD + 'kind = "accumulative"\n\n[[card_type.threshold]]\nfrom = 500000\npercent = 5\n\n'
        "[[card_type.threshold]]\nfrom = 500000\npercent = 7\n",
        11,
        "Two thresholds start at",
    ),
    "a percentage over 100": (
        CARD + 'kind = "discount"\npercent = 100.5\n',
        5,
        "at most 100, not 100.5",
    ),
    "a percentage over 100 in a break": (
        '[[qty_break]]\ncode = "Q"\nproduct = "C-1"\nmin_qty = 5\npercent = 250\n',
        5,
        "at most 100",
    ),
    "an unknown currency": (
        '[[price_list]]\ncode = "L"\nname = "L"\ncurrency = "ZZZ"\n',
        4,
        "Unknown currency 'ZZZ'",
    ),
    "a rate for hryvnias": (
        '[[price_list]]\ncode = "L"\nname = "L"\nrate = 2\n',
        4,
        "has the rate 1",
    ),
    "an unknown product": (
        '[[qty_break]]\ncode = "Q"\nproduct = "NOPE"\nmin_qty = 5\npercent = 5\n',
        3,
        "no product with SKU 'NOPE'",
    ),
    "an unknown product in prices": (
        '[[price_type]]\ncode = "w2"\nname = "W"\n\n[price_type.prices]\nC-1 = 100\n"Ж-9" = 5\n',
        7,
        "no product with SKU 'Ж-9'",
    ),
    "an unknown group": (
        '[[qty_break]]\ncode = "Q"\ngroup = "Одяг/Шуби"\nmin_qty = 5\nprice = 5\n',
        3,
        "no product group 'Одяг/Шуби'",
    ),
    "an unknown manufacturer": (
        f'[[manufacturer_discount]]\ncard = "{OLENA}"\nmanufacturer = "Nobody"\npercent = 3\n',
        3,
        "no manufacturer 'Nobody'",
    ),
    "an unknown card": (
        '[[manufacturer_discount]]\ncard = "2900000000094"\nmanufacturer = "Флора Карпат"\n'
        "percent = 3\n",
        2,
        "No active customer has the card '2900000000094'",
    ),
    "an unknown price type": (
        '[[location]]\ncode = "MAIN"\nprice_type = "vip"\n',
        3,
        "no price type 'vip'; the price types are retail, wholesale",
    ),
    "an unknown card type": (
        '[[accelerator]]\ncode = "A"\naction = "enrol"\ncard_type = "GOLD"\nproduct = "D-1"\n',
        4,
        "no card type 'GOLD'",
    ),
    "a threshold that is not one": (
        '[[accelerator]]\ncode = "A"\naction = "tier"\ncard_type = "ACC"\nproduct = "D-1"\n'
        "threshold = 100\n",
        6,
        "is not a threshold of",
    ),
    "a duplicate id": (
        '[[price_type]]\ncode = "w"\nname = "A"\n\n[[price_type]]\ncode = "w"\nname = "B"\n',
        6,
        "the [[price_type]] on line 1 has the same id",
    ),
    "a duplicate pair": (
        f'[[manufacturer_discount]]\ncard = "{OLENA}"\nmanufacturer = "Флора Карпат"\n'
        "percent = 3\n\n"
        f'[[manufacturer_discount]]\ncard = "{OLENA}"\nmanufacturer = "Флора Карпат"\n'
        "percent = 4\n",
        7,
        "has the same id",
    ),
    "a missing key": ('[[card_type]]\nname = "X"\nkind = "bonus"\n', 1, "code is missing"),
    "retail as a price type": (
        '[[price_type]]\ncode = "retail"\nname = "R"\n',
        2,
        "Retail is the catalog's price",
    ),
    "a bad policy": (
        '[loyalty]\nreturn_when_spent = "keep"\n',
        2,
        "return_when_spent is one of deduct",
    ),
    "a bad priority": ('[prices]\npriority = "card"\n', 2, "customer or location, not 'card'"),
    "a break for both": (
        '[[qty_break]]\ncode = "Q"\nproduct = "C-1"\ngroup = "Одяг"\nmin_qty = 5\nprice = 5\n',
        1,
        "give product or group (one of them)",
    ),
    "a third decimal of a unit": (
        '[[qty_break]]\ncode = "Q"\nproduct = "C-1"\nmin_qty = 1.0005\nprice = 5\n',
        4,
        "at most three decimals",
    ),
    "a break worse than a smaller one": (
        '[[qty_break]]\ncode = "CREAM-30"\nproduct = "C-1"\nmin_qty = 30\npercent = 6\n',
        1,
        "Breaks overlap: from 30",
    ),
    "not TOML": ('[[card_type]]\ncode = "X\n', 2, "not valid TOML: Illegal character"),
    "a table for a list": (
        '[card_type]\ncode = "X"\n',
        1,
        "write each card_type as a [[card_type]] table",
    ),
    "a list for a table": ("[[loyalty]]\npoint_value = 1\n", 1, "write [loyalty] as one table"),
    "not a number": (
        "[loyalty]\npoint_value = nan\n",
        2,
        "point_value must be a number like 7.5, not NaN",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_with_its_line(
    case: str, template: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, line, message = BAD[case]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TORGTUI_CONFIG", raising=False)
    shop = tmp_path / "shop.sqlite"
    shutil.copy(template, shop)
    # a valid change first: it must not be kept either
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = rows(shop)
    code, out, err = command(
        "--db",
        str(shop),
        "rules",
        "import",
        str(path),
        "--employee",
        "Maria Manager",
        capsys=capsys,
    )
    assert (code, out) == (2, "")
    assert err.startswith(f"torgtui: {path}:{line}: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert rows(shop) == before


def test_commands_round_trip_and_refuse(
    template: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TORGTUI_CONFIG", raising=False)
    shop = tmp_path / "shop.sqlite"
    shutil.copy(template, shop)
    db = ["--db", str(shop)]
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    assert command(*db, "rules", "export", str(first), capsys=capsys)[:2] == (
        0,
        f"{first}: 14 rules written.\n",
    )
    code, out, _ = command(
        *db, "rules", "import", str(first), "--employee", "Maria Manager", capsys=capsys
    )
    assert (code, out) == (0, f"{first}: 0 rules created, 0 changed, 0 retired, 14 as they were.\n")
    assert command(*db, "rules", "export", str(second), capsys=capsys)[0] == 0
    assert first.read_bytes() == second.read_bytes() == EXAMPLE.read_bytes()
    code, out, _ = command(*db, "rules", "export", "-", capsys=capsys)
    assert code == 0 and out == EXAMPLE.read_text(encoding="utf-8")
    before = rows(shop)
    for argv, message in [
        (["export", str(tmp_path / "x.txt")], "a rules file ends in .toml"),
        (["export", str(tmp_path / "no" / "x.toml")], "does not exist: create it first"),
        (["import", str(tmp_path / "none.toml"), "--employee", "Maria Manager"], "does not exist"),
        (["import", str(first), "--employee", "Kateryna Cashier"], "may not edit prices"),
        (["import", str(first), "--employee", "Nobody"], "No employee named Nobody"),
    ]:
        code, out, err = command(*db, "rules", *argv, capsys=capsys)
        assert code == 2 and message in err, err
    assert rows(shop) == before
