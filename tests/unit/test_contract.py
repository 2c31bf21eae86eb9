"""The scripting contract (docs/cli.md) driven end to end through ``torgtui`` commands in this
process, on a real SQLite shop (tests/unit/contract_shop.py): price with a card, bonuses and a
price type; a day of sales with every way to pay and a retried sale; returns that reverse
bonuses; customer show; the refusals. The services under the commands are tested on both
databases in their own tests; here it is the contract: what goes in, what comes out, the
exit statuses, and that a refusal writes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.contract_shop import IHOR, MARTA, OLENA, PHONE, TARAS, build_sqlite
from torgtui.cli import main
from torgtui.money import format_money

REGISTER = "till-1"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("contract")
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, root)
        build_sqlite(str(root / "shop.sqlite"))
    yield root / "shop.sqlite"


def _environment(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("XDG_CONFIG_HOME", str(root / "config"))  # no settings file of the user's
    mp.setenv("TORGTUI_STORE_REGISTER", REGISTER)
    mp.delenv("TORGTUI_CONFIG", raising=False)
    mp.delenv("TORGTUI_DB", raising=False)


@pytest.fixture
def shop(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _environment(monkeypatch, tmp_path)
    path = tmp_path / "shop.sqlite"
    shutil.copy(template, path)
    return path


class Shop:
    """``torgtui --db SHOP ...`` in this process."""

    def __init__(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.path, self.capsys = path, capsys
        self.n = 0

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", str(self.path), *argv])
        finally:
            from torgtui.db import database

            with contextlib.suppress(Exception):
                database.close()
        out = self.capsys.readouterr()
        return code, out.out, out.err

    def file(self, data: Any) -> str:
        self.n += 1
        path = self.path.parent / f"in-{self.n}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def json(self, *argv: str) -> dict[str, Any]:
        code, out, err = self.run(*argv)
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    def price(self, basket: dict[str, Any]) -> dict[str, Any]:
        return self.json("price", self.file(basket))

    def sell(self, order: dict[str, Any], employee: str = "Kateryna Cashier") -> dict[str, Any]:
        return self.json("sell", self.file(order), "--employee", employee)

    def refused(self, *argv: str) -> str:
        """The command is refused: exit 2, one line on stderr, nothing written."""
        before = rows(self.path)
        code, out, err = self.run(*argv)
        assert code == 2 and out == "", (code, out, err)
        assert err.startswith("torgtui: ") and len(err.strip().splitlines()) == 1, err
        assert rows(self.path) == before
        return err


def rows(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.fixture
def cli(shop: Path, capsys: pytest.CaptureFixture[str]) -> Shop:
    return Shop(shop, capsys)


def card(number: str) -> dict[str, str]:
    return {"card": number}


def open_shift(cli: Shop, employee: str = "Kateryna Cashier") -> dict[str, Any]:
    return cli.json("shift", "open", "--employee", employee, "--float", "500")


# --- price --------------------------------------------------------------------------------------


def test_price_with_a_bonus_card(cli: Shop) -> None:
    out = cli.price({"lines": [{"sku": "D-1"}, {"sku": "C-1", "qty": 2}], "customer": card(OLENA)})
    assert (out["subtotal"], out["discount"], out["total"]) == (162980, 0, 162980)
    # 5% of the dress, 10% of the cream (the Косметика group's rate)
    assert [ln["bonus_earned"] for ln in out["lines"]] == [6250, 3798]
    assert (out["bonus_earned"], out["bonus_spent"], out["tier"]) == (10048, 0, None)
    assert out["card"]["type"] == "BONUS" and out["card"]["number"] == OLENA
    assert out["refused"] == [] and out["errors"] == [] and out["location"] == "MAIN"


def test_price_for_a_wholesale_vip_with_rules_named(cli: Shop) -> None:
    out = cli.price(
        {"lines": [{"sku": "D-1", "qty": 3}, {"sku": "C-1", "qty": 2}], "customer": card(TARAS)}
    )
    dress, cream = out["lines"]
    assert [(a["step"], a["rule"], a["amount"]) for a in dress["adjustments"]] == [
        ("price_type", "wholesale", 81000),  # 1 250.00 -> 980.00 each
        ("qty_breaks", "DRESS-W3", 18000),  # from 3 in the group: 920.00 each
        ("card", "VIP", 13800),  # 5% of 2 760.00
    ]
    assert [(a["step"], a["amount"]) for a in cream["adjustments"]] == [
        ("price_type", 7980),
        ("manufacturer", 1200),  # Флора Карпат 4% for this customer
        ("card", 1440),
    ]
    assert out["price_type"] == {"code": "wholesale", "name": "Оптова", "source": "customer"}
    assert (dress["total"], cream["total"], out["total"]) == (262200, 27360, 289560)


def test_price_an_accumulative_card_shows_the_tier_and_the_next(cli: Shop) -> None:
    out = cli.price({"lines": [{"sku": "C-1", "qty": 12}], "customer": {"phone": "050 111 22 33"}})
    assert out["tier"] == {
        "percent": "0",
        "from": 0,
        "counted": 0,
        "next": {"percent": "3", "from": 500000, "left": 500000},
    }
    (line,) = out["lines"]
    assert line["adjustments"] == [
        {"step": "qty_breaks", "rule": "CREAM-10", "reason": "From 10 pcs: 5% off", "amount": 11394}
    ]


def test_price_type_named_and_bonuses_without_a_card(cli: Shop) -> None:
    out = cli.price({"lines": [{"sku": "D-1"}], "price_type": "wholesale", "redeem_bonus": 500})
    assert out["total"] == 98000 and out["bonus_spent"] == 0
    assert out["price_type"]["source"] == "basket"
    assert out["refused"] == [
        {"rule": "bonus", "reason": "Bonuses are paid from a customer's card."}
    ]


@pytest.mark.parametrize(
    ("basket", "message"),
    [
        ({"price_type": "retial"}, "There is no price type 'retial'."),
        ({"location": "SHOP2"}, '"location": there is no location "SHOP2"; the locations are MAIN'),
        ({"redeem_bonus": -1}, '"redeem_bonus" cannot be less than'),
        ({"redeem_bonus": "all"}, '"redeem_bonus" is a whole number of kopecks'),
        ({"redeem_bonus": 1.5}, '"redeem_bonus" is a whole number of kopecks'),
        ({"customer": {"phone": PHONE}}, f'2 cards have the phone "{PHONE}": {OLENA}'),
    ],
)
def test_price_refusals(cli: Shop, basket: dict[str, Any], message: str) -> None:
    err = cli.refused("price", cli.file({"lines": [{"sku": "D-1"}], **basket}))
    assert message in err


# --- a day at the register ----------------------------------------------------------------------


def test_a_day_of_sales_and_returns(cli: Shop) -> None:
    shift = open_shift(cli)
    assert (shift["float"], shift["register"], shift["location"]) == (50000, REGISTER, "MAIN")

    # cash, with the bonus card: earns 100.48; the same uuid again is the same receipt
    order = {
        "lines": [{"sku": "D-1"}, {"sku": "C-1", "qty": 2}],
        "customer": card(OLENA),
        "payments": [{"kind": "cash", "amount": 200000}],
        "uuid": "7b0e5f0e-8f8a-4a53-9a36-0d1c3e9a1111",
    }
    first = cli.sell(order)
    assert (first["number"], first["total"], first["change"]) == (1, 162980, 37020)
    assert first["payments"] == [{"kind": "cash", "amount": 162980, "tendered": 200000}]
    assert (first["bonus_earned"], first["bonus_spent"]) == (10048, 0)
    assert first["balances"] == {"bonus": 10048, "vip": None}
    before = rows(cli.path)
    assert cli.sell(order) == first
    assert rows(cli.path) == before  # nothing sold twice

    # one of the two creams comes back: its half of the 37.98 it earned goes too
    back = cli.json("return", "1", "--line", "2", "--qty", "1", "--employee", "Kateryna Cashier")
    assert (back["kind"], back["original"], back["total"]) == ("return", 1, 18990)
    assert back["refunds"] == [{"kind": "cash", "amount": 18990}]
    assert [(ln["original_position"], ln["qty"], ln["total"]) for ln in back["lines"]] == [
        (2, 1, 18990)
    ]
    assert (back["bonus_reversed"], back["bonus_returned"]) == (1899, 0)
    assert back["balances"]["bonus"] == 10048 - 1899

    # all the bonuses the card allows, the rest by card
    second = cli.sell(
        {
            "lines": [{"sku": "C-1"}],
            "customer": card(OLENA),
            "redeem_bonus": "max",
            "payments": [{"kind": "card", "amount": 18990 - 8149}],
        }
    )
    assert second["bonus_spent"] == 8149 and second["lines"][0]["bonus_spent"] == 8149
    assert second["payments"] == [
        {"kind": "card", "amount": 10841, "tendered": 10841},
        {"kind": "bonus", "amount": 8149, "tendered": 8149},
    ]
    assert second["bonus_earned"] == 1084  # 10% of 108.41, never on the part paid in bonuses
    assert second["balances"]["bonus"] == 1084

    # the whole second receipt back: the bonuses it paid come back, those it earned go
    whole = cli.json("return", str(second["number"]), "--employee", "Kateryna Cashier")
    assert whole["refunds"] == [
        {"kind": "bonus", "amount": 8149},
        {"kind": "card", "amount": 10841},
    ]
    assert (whole["bonus_returned"], whole["bonus_reversed"]) == (8149, 1084)
    assert whole["balances"]["bonus"] == 1084 + 8149 - 1084

    # bonuses as a payment of their own
    third = cli.sell(
        {
            "lines": [{"sku": "S-1"}],
            "customer": card(OLENA),
            "payments": [{"kind": "bonus", "amount": 500}, {"kind": "card", "amount": 9400}],
        }
    )
    assert (third["bonus_spent"], third["bonus_earned"]) == (500, 470)
    assert third["balances"]["bonus"] == 8149 - 500 + 470

    # on account, for the VIP; refused for a customer who is not one
    vip = cli.sell(
        {
            "lines": [{"sku": "D-1"}],
            "customer": card(TARAS),
            "payments": [{"kind": "credit", "amount": 93100}],
        }
    )
    assert vip["total"] == 93100 and vip["payments"][0]["kind"] == "credit"
    assert vip["balances"]["vip"]["balance"] == -93100
    assert vip["balances"]["vip"]["available"] == 500000 - 93100
    err = cli.refused(
        "sell",
        cli.file(
            {
                "lines": [{"sku": "S-1"}],
                "customer": card(IHOR),
                "payments": [{"kind": "credit", "amount": 9900}],
            }
        ),
        "--employee",
        "Kateryna Cashier",
    )
    assert "Ігор Мельник is not a VIP customer" in err

    shown = cli.json("customer", "show", OLENA, "--json")
    assert shown["bonus"]["balance"] == 8119 and shown["card_type"]["code"] == "BONUS"
    closed = cli.json("shift", "close", "--employee", "Kateryna Cashier", "--counted", "1939.90")
    z = closed["z_report"]
    assert (z["receipts"], z["returns"]) == (4, 2)
    assert z["cash_expected"] == 50000 + 162980 - 18990 and closed["difference"] == 0


def test_a_sale_needs_an_open_shift_and_an_employee(cli: Shop) -> None:
    order = cli.file({"lines": [{"sku": "S-1"}], "payments": [{"kind": "cash", "amount": 9900}]})
    err = cli.refused("sell", order, "--employee", "Kateryna Cashier")
    assert f"Kateryna Cashier has no open shift on register {REGISTER}" in err
    assert "No employee named Nobody" in cli.refused("sell", order, "--employee", "Nobody")
    err = cli.refused("shift", "open", "--employee", "Petro Support")
    assert "No employee named Petro Support" in err
    con = sqlite3.connect(cli.path)
    con.execute("UPDATE employee SET active = 0 WHERE name = 'Serhii Senior'")
    con.commit()
    con.close()
    err = cli.refused("shift", "open", "--employee", "Serhii Senior")
    assert "Serhii Senior is no longer an active employee" in err


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ({"lines": [{"sku": "S-1"}]}, '"payments" is a list of up to 20 payments'),
        ({"lines": [{"sku": "S-1"}], "payments": [{"kind": "cash"}]}, "payment 1 must be"),
        ({"lines": [{"sku": "S-1"}], "payments": [{"kind": "cash", "amount": 99.0}]}, "kopecks"),
        (
            {"lines": [{"sku": "S-1"}], "payments": [{"kind": "gold", "amount": 9900}]},
            "Unknown way to pay: gold.",
        ),
        (
            {"lines": [{"sku": "S-1"}], "payments": [{"kind": "cash", "amount": 900}]},
            "90.00 ₴ still to pay.",
        ),
        (
            {"lines": [{"sku": "NOPE"}], "payments": [{"kind": "cash", "amount": 900}]},
            "line 1: Unknown barcode NOPE",
        ),
        ({"lines": [], "payments": [{"kind": "cash", "amount": 900}]}, "The order has no lines"),
        (
            {"lines": [{"sku": "S-1"}], "price_type": "wholesale", "payments": []},
            '"price_type" is for `torgtui price`',
        ),
        (
            {
                "lines": [{"sku": "S-1"}],
                "uuid": "x",
                "payments": [{"kind": "cash", "amount": 9900}],
            },
            "is not a UUID",
        ),
        (
            {
                "lines": [{"sku": "S-1"}],
                "customer": card(OLENA),
                "redeem_bonus": 100,
                "payments": [{"kind": "cash", "amount": 9900}],
            },
            "Only 0.00 ₴ in bonuses can be spent.",
        ),
        (
            {
                "lines": [{"sku": "S-1"}],
                "customer": card(OLENA),
                "payments": [{"kind": "bonus", "amount": 100}, {"kind": "cash", "amount": 9900}],
            },
            "in bonuses can be spent now",
        ),
    ],
)
def test_sell_refusals(cli: Shop, order: dict[str, Any], message: str) -> None:
    open_shift(cli)
    err = cli.refused("sell", cli.file(order), "--employee", "Kateryna Cashier")
    assert message in err


def test_a_sale_below_cost_needs_a_confirmer(cli: Shop) -> None:
    """Socks at a wholesale price under their cost: the cashier needs the owner's PIN; the
    owner confirms by selling it herself."""
    from torgtui import db
    from torgtui.marketing import pricerules
    from torgtui.models import Employee, Product

    db.open_database(str(cli.path))
    owner = Employee.get(Employee.name == "Olena Owner")
    socks = Product.get(Product.sku == "S-1").id  # costs 40.00
    pricerules.set_type_prices("wholesale", {socks: 3000}, by=owner)
    db.database.close()
    open_shift(cli)
    order = {
        "lines": [{"sku": "S-1"}],
        "customer": card(TARAS),
        "payments": [{"kind": "cash", "amount": 3000}],
    }
    err = cli.refused("sell", cli.file(order), "--employee", "Kateryna Cashier")
    assert "Below cost by 11.50 ₴ (Шкарпетки −11.50 ₴)" in err and "--approver NAME" in err
    receipts = rows(cli.path)["receipt"]
    code, out, err = cli.run(
        "sell",
        cli.file(order),
        "--employee",
        "Kateryna Cashier",
        "--approver",
        "Olena Owner",
        "--approver-pin",
        "9999",
    )  # a wrong PIN counts toward the owner's lockout, and nothing is sold
    assert (code, out) == (2, "") and "Wrong PIN" in err
    assert rows(cli.path)["receipt"] == receipts
    code, out, err = cli.run(
        "sell",
        cli.file(order),
        "--employee",
        "Kateryna Cashier",
        "--approver",
        "Olena Owner",
        "--approver-pin",
        "1111",
    )
    assert code == 0, err
    assert json.loads(out)["total"] == 2850
    open_shift(cli, "Olena Owner")
    assert cli.sell(order, "Olena Owner")["total"] == 2850


def test_an_old_receipt_needs_a_senior(cli: Shop) -> None:
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.models import Employee
    from torgtui.sales import sell_cli
    from torgtui.sales.price_cli import read_basket

    open_shift(cli)
    db.open_database(str(cli.path))
    cashier = Employee.get(Employee.name == "Kateryna Cashier")

    class Settings:  # what sell reads of the settings, as a month ago
        class store:
            register, location = REGISTER, "MAIN"

        class register:
            below_cost, return_days_without_approval = "confirm", 14

            @staticmethod
            def prefixes() -> tuple[str, ...]:
                return ("20",)

        class money:
            cash_rounding = 10

        class devices:
            fiscal = "none"

        class customers:
            interest_threshold = 2

    old = sell_cli.Order(read_basket({"lines": [{"sku": "S-1"}]}), [("cash", 9900)])
    month_ago = FixedClock(dt.datetime.now() - dt.timedelta(days=30))
    number = sell_cli.sell(old, settings=Settings, employee=cashier, clock=month_ago).number
    db.database.close()
    err = cli.refused("return", str(number), "--employee", "Kateryna Cashier")
    assert f"Receipt {number} is 30 days old" in err and "--approver NAME --approver-pin PIN" in err
    back = cli.json(
        "return",
        str(number),
        "--employee",
        "Kateryna Cashier",
        "--approver",
        "Serhii Senior",
        "--approver-pin",
        "4444",
    )
    assert back["total"] == 9900 and back["refunds"] == [{"kind": "cash", "amount": 9900}]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["7"], "There is no sale receipt number 7."),
        (["1", "--line", "3"], "Receipt 1 has no line 3: its lines are 1 to 2."),
        (["1", "--line", "1", "--qty", "2"], "Only 1 of Сукня літня can still be returned"),
        (["1", "--line", "1", "--line", "1"], "Line 1 is given twice"),
        (["1", "--line", "1", "--line", "2", "--qty", "1"], "Give one --qty for each --line"),
        (["1", "--line", "0"], "--line must be from 1 to 1000"),
        (["1", "--qty", "1"], "Give one --qty for each --line"),
        (["1", "--approver", "Serhii Senior"], "Give --approver and --approver-pin together."),
        (["x"], "The receipt number must be a whole number"),
    ],
)
def test_return_refusals(cli: Shop, argv: list[str], message: str) -> None:
    open_shift(cli)
    cli.sell(
        {
            "lines": [{"sku": "D-1"}, {"sku": "S-1"}],
            "payments": [{"kind": "card", "amount": 134900}],
        }
    )
    err = cli.refused("return", *argv, "--employee", "Kateryna Cashier")
    assert message in err


# --- customer show ------------------------------------------------------------------------------


def test_customer_show(cli: Shop) -> None:
    shown = cli.json(
        "customer", "show", "050 111 22 33", "--json", "--employee", "Kateryna Cashier"
    )
    assert (shown["name"], shown["card"], shown["card_status"]) == ("Ігор Мельник", IHOR, "active")
    assert shown["card_type"] == {"code": "ACC", "name": "Накопичувальна", "kind": "accumulative"}
    assert shown["tier"]["next"] == {"percent": "3", "from": 500000, "left": 500000}
    assert (
        shown["bonus"]["balance"] == 0 and shown["bonus"]["buckets"] == [] and shown["vip"] is None
    )
    taras = cli.json("customer", "show", TARAS, "--json")
    assert taras["vip"] == {
        "mode": "credit",
        "limit": 500000,
        "term_days": 30,
        "balance": 0,
        "debt": 0,
        "deposit": 0,
        "available": 500000,
        "overdue": 0,
        "overdue_days": 0,
        "next_due_at": None,
    }
    code, out, _err = cli.run("customer", "show", TARAS)
    assert code == 0 and out.splitlines() == [
        f"Тарас Бойко (#{taras['id']}), card {TARAS}",
        "Card type: VIP (discount card), 5%",
        "Bonuses: 0.00 ₴",
        f"VIP: sale on credit; balance 0.00 ₴, may buy {format_money(500000)} more on account",
    ]


def test_customer_show_refusals(cli: Shop) -> None:
    err = cli.refused("customer", "show", PHONE, "--json")
    assert f"2 cards have the phone {PHONE}: {OLENA} (Олена Коваль), {MARTA} (Марта Коваль)" in err
    assert "Give the card number." in err
    assert "No active customer has the card or phone" in cli.refused(
        "customer", "show", "2900000000094"
    )
    assert "No employee named X" in cli.refused("customer", "show", OLENA, "--employee", "X")
