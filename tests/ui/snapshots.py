"""Every main screen at 80x24, as plain text, and what on it is cut off.

    python -m tests.ui.snapshots --lang uk           # JSON {screen: {"text", "cuts"}} on stdout
    python -m tests.ui.snapshots --lang en --show    # the screens as text, for a person

Run in a fresh interpreter per language: screens translate their key labels when they are
imported, so English and Ukrainian cannot share one process. ``tests/ui/test_snapshots.py``
runs this for both languages, asserts nothing is cut, and compares the text with the reviewed
goldens in ``tests/ui/snapshots/`` (regenerate them with ``UPDATE_SNAPSHOTS=1``).

A cut is a label, a footer key, a field's placeholder or a table heading whose text does not
fit the room it has on screen, or a label left partly outside what its container shows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

SIZE = (80, 24)
T0 = dt.datetime(2026, 11, 22, 10, 0)


# --- what is on the screen -------------------------------------------------------------------


def screen_text(app: Any) -> str:
    """The screen as the terminal shows it (dialogs over what is under them), no styles."""
    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    lines = console.export_text().split("\n")[:height]
    return "\n".join(_without_scrollbar(line, width).rstrip() for line in lines) + "\n"


THUMB = set("▁▂▃▄▅▆▇█▀")


def _without_scrollbar(line: str, width: int) -> str:
    """A vertical scrollbar's thumb (at the right edge) shows how long a list is, not how
    the screen looks: blanked, so a setting added elsewhere does not change a golden."""
    edge = width - 4
    return line[:edge] + "".join(" " if ch in THUMB else ch for ch in line[edge:])


def _shown(widget: Any, region: Any) -> Any:
    """The part of ``widget``'s region its containers leave visible (None when off-screen)."""
    from textual.errors import NoWidget

    try:
        geometry = widget.screen._compositor.find_widget(widget)
    except NoWidget:
        return None
    return geometry.region.intersection(geometry.clip)


def _scrolled_away(widget: Any) -> bool:
    """Inside a container that scrolls: out of view is not cut, only scrolled."""
    from textual.containers import ScrollableContainer

    return any(isinstance(node, ScrollableContainer) for node in widget.ancestors)


def find_cuts(app: Any) -> list[str]:
    """What on the current screen (and its footer) shows only part of its text."""
    from rich.cells import cell_len
    from textual.geometry import Size
    from textual.widgets import DataTable, Input, Label, Static
    from textual.widgets._footer import FooterKey

    screen = app.screen
    cuts: list[str] = []
    viewport = Size(*app.size)
    for widget in screen.query("*"):
        if not widget.display or not widget.visible or widget.region.area == 0:
            continue
        name = f"{type(widget).__name__}#{widget.id or ''}"
        region = widget.region
        shown = _shown(widget, region)
        if isinstance(widget, (Label, Static, FooterKey)):
            text = str(widget.render()).strip() if isinstance(widget, FooterKey) else ""
            if shown is None or shown.area == 0:
                hidden_text = text or str(getattr(widget, "content", ""))
                if hidden_text and (isinstance(widget, FooterKey) or not _scrolled_away(widget)):
                    cuts.append(f"{name}: not on screen")
                continue
            scrolls = _scrolled_away(widget) and not isinstance(widget, FooterKey)
            if shown.size != region.size and not scrolls:
                cuts.append(f"{name}: only {shown.width}x{shown.height} of {region.size} shown")
                continue
            if isinstance(widget, FooterKey):
                continue
            content = widget.content_region
            if content.width <= 0 or not str(widget.content).strip():
                continue
            container = widget.parent.content_region.size if widget.parent else viewport
            if widget.styles.text_wrap == "nowrap":
                need = widget.get_content_width(container, viewport)
                if need > content.width:
                    cuts.append(f"{name}: {need} columns of text in {content.width}")
            else:
                need = widget.get_content_height(container, viewport, content.width)
                if need > content.height:
                    cuts.append(f"{name}: {need} lines of text in {content.height}")
        elif isinstance(widget, Input) and not widget.value and widget.placeholder:
            if cell_len(str(widget.placeholder)) > widget.content_region.width:
                cuts.append(
                    f"{name}: placeholder {widget.placeholder!r} in {widget.content_region.width}"
                )
        elif isinstance(widget, DataTable):
            for column in widget.columns.values():
                label = column.label.plain
                if column.width and cell_len(label) > column.width:
                    cuts.append(f"{name}: heading {label!r} in {column.width} columns")
            for row_key in list(widget.rows)[:50]:
                for column_key, column in widget.columns.items():
                    cell = widget.get_cell(row_key, column_key)
                    plain = cell.plain if hasattr(cell, "plain") else str(cell)
                    if column.width and cell_len(plain) > column.width:
                        cuts.append(f"{name}: {plain!r} in {column.width} columns")
    return cuts


def ellipsis_cuts(app: Any) -> list[str]:
    """Labels that cut their own text with "…" (a report line too long for its column)."""
    from textual.widgets import Label

    return [
        f"Label#{label.id or ''}: {line.strip()!r}"
        for label in app.screen.query(Label)
        if label.display
        for line in str(label.content).splitlines()
        if "…" in line
    ]


# --- a small shop with something on every screen ----------------------------------------------


def build_shop(path: str) -> dict[str, Any]:
    from torgtui import db
    from torgtui import staff as st
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.clock import FixedClock
    from torgtui.customers.service import CardData, create_customer
    from torgtui.models import Barcode, Draft, Location, Product
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import Register
    from torgtui.sales.shifts import open_shift

    clock = FixedClock(T0)
    db.open_and_upgrade(path, create=True)
    staff = {}
    for name, role, pin in (
        ("Олена Власниця", st.Role.OWNER, "1111"),
        ("Марія Менеджерка", st.Role.MANAGER, "2222"),
        ("Катерина Касирка", st.Role.CASHIER, "3333"),
        ("Сергій Старший", st.Role.SENIOR_CASHIER, "4444"),
    ):
        staff[role.value] = st.create_employee(name, role, pin, by=None, system=True, clock=clock)
    loc = Location.create(code="MAIN", name="Квітка")
    products, codes = {}, []
    for i, (sku, name, price) in enumerate(
        (
            ("D-1", "Сукня літня лляна, розмір M", 189000),
            ("T-1", "Чай зелений", 3500),
            ("C-1", "Крем для рук", 18990),
        ),
        start=1,
    ):
        product = Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=T0, updated_at=T0
        )
        codes.append(make_ean13("21", i))
        Barcode.create(code=codes[-1], product=product)
        products[sku] = product
    cashier, senior, owner = staff["cashier"], staff["senior_cashier"], staff["owner"]
    shift = open_shift(cashier, "till-1", loc, 50000, clock=clock, fiscal=False)
    sale = Register(cashier, register="till-1", clock=clock)
    sale.add(products["C-1"], 3000)
    sale.add(products["T-1"], 1000)
    receipt = commit_sale(
        sale.priced(),
        [Tender("cash", 61000)],
        uuid=sale.uuid,
        employee=cashier,
        shift=shift,
        cash_step=10,
        clock=clock,
        fiscal=False,
    )
    held = Register(senior, register="till-2", clock=clock)
    held.add(products["D-1"], 1000)
    # a fixed id: the audit log shows the start of it
    Draft.update(uuid="00000000-0000-4000-8000-000000000001").execute()
    held.resume()
    held.manual_discount(percent=10)
    held.hold()
    customers = {}
    for i, (name, phone) in enumerate(
        (
            ("Коваленко Ольга Петрівна", "0671234567"),
            ("Шевченко Тарас Григорович", "0509891234"),
            ("Бондаренко Ірина", "0931117693"),
        ),
        start=1,
    ):
        card = make_ean13("29", i)
        customers[card] = create_customer(
            CardData(name=name, phones=[phone], card=card), by=owner, clock=clock
        ).id
    loyalty = add_loyalty(staff["manager"], customers, clock)
    db.database.close()
    return {"receipt": receipt.number, "codes": codes, **loyalty}


def add_loyalty(manager: Any, customers: dict[str, int], clock: Any) -> dict[str, Any]:
    """A bonus card with bonuses lapsing at two dates (Коваленко), and an accumulative card
    between two thresholds on a VIP customer with an overdue debt (Бондаренко)."""
    from decimal import Decimal

    from torgtui.db import write_tx
    from torgtui.marketing import bonuses, ledger, vip
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer

    bonus = CardTypeData(
        "bonus5", "Бонусна", "bonus", bonus_percent=Decimal(5), bonus_expiry_days=90
    )
    gold = CardTypeData(
        "gold", "Золота", "accumulative", thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))]
    )
    bonus_id = save_card_type(bonus, by=manager, clock=clock).id
    gold_id = save_card_type(gold, by=manager, clock=clock).id
    olha, iryna = customers["2900000000018"], customers["2900000000032"]
    Customer.update(card_type=bonus_id).where(Customer.id == olha).execute()
    Customer.update(card_type=gold_id, tier_floor=700000).where(Customer.id == iryna).execute()
    earlier = T0 - dt.timedelta(days=20)
    with write_tx():
        account = bonuses.account_of(olha, earlier)
        for amount, lapse in ((12000, dt.datetime(2026, 12, 1, 10)), (250000, None)):
            ledger.post(account, amount, "earn", now=earlier, expires_at=lapse)
    vip.set_vip(iryna, "credit", limit=150000, term_days=14, by=manager, clock=clock)
    with write_tx():
        account = ledger.find_account("vip", "customer", iryna)
        ledger.post(account, -70000, "charge", now=earlier, due_at=vip.due_date(earlier, 14))
        vip.refresh(iryna, account, earlier)
    return {
        "bonus_card": "2900000000018",
        "vip_card": "2900000000032",
        "olha": olha,
        "iryna": iryna,
    }


# --- driving the app to each screen -----------------------------------------------------------


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _log_in(pilot: Any, index: int, pin: str) -> None:
    options = pilot.app.screen.query_one("#login-employees")
    options.highlighted = index
    await pilot.press(*pin, "enter")
    await _settle(pilot)


def _index_of(app: Any, name: str) -> int:
    options = app.screen.query_one("#login-employees")
    names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return next(i for i, text in enumerate(names) if text.startswith(name))


async def capture_all(settings: Any, shop: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from torgtui.app import TorgApp
    from torgtui.clock import FixedClock
    from torgtui.screens.returns import ReturnScreen

    shots: dict[str, dict[str, Any]] = {}

    def shot(app: Any, name: str) -> None:
        app.clear_notifications()
        shots[name] = {"text": "", "cuts": []}
        shots[name]["cuts"] = find_cuts(app) + ellipsis_cuts(app)
        shots[name]["text"] = screen_text(app)

    clock = FixedClock(T0)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        shot(app, "login")
        await _log_in(pilot, _index_of(app, "Олена"), "1111")
        await _settle(pilot)
        shot(app, "home")
        await pilot.press("2")
        for _round in range(20):
            await _settle(pilot)
        shot(app, "customers")
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("space", "down", "space", "f8")
        await _settle(pilot)
        shot(app, "merge")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        shot(app, "customer_card")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("0")
        await _settle(pilot)
        shot(app, "audit")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("9")
        await _settle(pilot)
        shot(app, "settings")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("1")
        await _settle(pilot)
        await pilot.press("f10")
        await _settle(pilot)
        shot(app, "shift_open_form")

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await _log_in(pilot, _index_of(app, "Катерина"), "3333")
        await pilot.press("1")
        await _settle(pilot)
        for code in shop["codes"]:
            await pilot.press(*code, "enter")
            await _settle(pilot)
        shot(app, "sale")
        await pilot.press("f5")
        await _settle(pilot)
        shot(app, "discount_dialog")
        await pilot.press(*"15%")
        await pilot.pause(0.05)
        await pilot.press("enter")
        await _settle(pilot)
        shot(app, "senior_pin")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("f12")
        await _settle(pilot)
        shot(app, "payment")
        await pilot.press("f4")
        await _settle(pilot)
        shot(app, "payment_mixed")
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("f8")
        await _settle(pilot)
        await pilot.press("f8")
        await _settle(pilot)
        shot(app, "held")
        await pilot.press("escape")  # the receipt is held: an empty sale screen
        await _settle(pilot)
        shot(app, "sale_empty")
        await pilot.press("f10")
        await _settle(pilot)
        shot(app, "shift")
        await pilot.press("escape")
        await _settle(pilot)
        app.push_screen(ReturnScreen())
        await _settle(pilot)
        shot(app, "returns_find")
        await pilot.press(*str(shop["receipt"]), "enter")
        await _settle(pilot)
        shot(app, "returns")

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await loyalty_screens(app, pilot, shop, shot)
    # the back office and the promotions: each a shop of its own
    from tests.ui.snapshots_messages import capture_messages
    from tests.ui.snapshots_office import capture_office
    from tests.ui.snapshots_promotions import capture_promotions

    helpers = {"settle": _settle, "log_in": _log_in, "index_of": _index_of}
    database_url = settings.database.url
    await capture_office(settings, shot, helpers)
    settings.database.url = database_url  # each part names its own file beside the first
    await capture_promotions(settings, shot, helpers)
    settings.database.url = database_url
    await capture_messages(settings, shot, helpers)
    return shots


async def loyalty_screens(app: Any, pilot: Any, shop: dict[str, Any], shot: Any) -> None:
    """The register with a bonus card (bonuses paid, why this price, the payment, the banner),
    with a VIP card (overdue debt, on account), and the card's Loyalty section."""
    from torgtui.screens.customer_card import CustomerCardScreen

    await _settle(pilot)
    await _log_in(pilot, _index_of(app, "Катерина"), "3333")
    await pilot.press("1")
    await _settle(pilot)
    for code in [*shop["codes"], shop["bonus_card"]]:
        await pilot.press(*code, "enter")
        await _settle(pilot)
    await pilot.press(*"500", "f2")
    await _settle(pilot)
    shot(app, "sale_bonus")
    await pilot.press("f11")
    await _settle(pilot)
    shot(app, "why_price")
    await pilot.press("escape")
    await _settle(pilot)
    await pilot.press("f12")
    await _settle(pilot)
    await pilot.press(*"2000", "f6")
    await _settle(pilot)
    shot(app, "payment_bonus")
    await pilot.press("enter")
    await _settle(pilot)
    shot(app, "sale_paid")
    for code in [*shop["codes"][:2], shop["vip_card"]]:
        await pilot.press(*code, "enter")
        await _settle(pilot)
    shot(app, "sale_vip")
    await pilot.press("f12")
    await _settle(pilot)
    await pilot.press("f5")
    await _settle(pilot)
    shot(app, "payment_account")
    await pilot.press("escape")
    await _settle(pilot)
    for customer, name in (
        (shop["olha"], "card_loyalty_bonus"),
        (shop["iryna"], "card_loyalty_vip"),
    ):
        app.push_screen(CustomerCardScreen(customer))
        await _settle(pilot)
        await pilot.press("alt+7")
        await _settle(pilot)
        shot(app, name)
        await pilot.press("escape")
        await _settle(pilot)


async def run(lang: str) -> dict[str, dict[str, Any]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.ui.helpers import make_settings

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "shop.sqlite")
        shop = build_shop(path)
        settings = make_settings(
            Path(tmp),
            path,
            **{
                "store.register": "till-1",
                "store.name": "Квітка на Подолі",
                "devices.printer": "screen",
                "devices.fiscal": "none",
                "ui.language": lang,
            },
        )
        settings.source = "/etc/torgtui/settings.toml"  # not the temporary folder's name
        return await capture_all(settings, shop)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ui.snapshots")
    parser.add_argument("--lang", default="en", choices=("en", "uk"))
    parser.add_argument("--show", action="store_true", help="print the screens, not JSON")
    args = parser.parse_args(argv)
    from torgtui.i18n import set_language

    set_language(args.lang)  # before any screen is imported
    shots = asyncio.run(run(args.lang))
    if args.show:
        for name, shot in shots.items():
            print(f"=== {name} ({args.lang})", *shot["cuts"], sep="\n  cut: ")
            print(shot["text"])
    else:
        json.dump(shots, sys.stdout, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
