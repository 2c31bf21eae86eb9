"""The sale screen's line actions: select, search by name, quantity, delete, discount and
the customer. A mixin of :class:`~torgtui.screens.sale.SaleScreen`, apart to keep both short."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import peewee
from textual.widgets import OptionList

from torgtui import db
from torgtui.customers.service import SeveralCustomers, find_by_phone_or_card
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Customer, Product
from torgtui.money import format_qty
from torgtui.sales.register import MAX_VOID_REASON
from torgtui.sales.scan import parse_qty
from torgtui.sales.stock_hint import Snapshot, StockHints, take_snapshot
from torgtui.screens.sale_dialogs import AskScreen, PickScreen
from torgtui.screens.sale_input import DiscountEntry, parse_discount
from torgtui.values import check_text

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.approvals import Approval
    from torgtui.sales.register import Register
    from torgtui.screens.sale_input import CodeInput


def void_reasons() -> dict[str, str]:
    """The reasons a line is taken off the receipt for, in the pick list's order ("other"
    asks for the words)."""
    return {
        "mistake": _("Scanned by mistake"),
        "changed_mind": _("Customer changed their mind"),
        "wrong_price": _("Wrong price"),
        "damaged": _("Damaged"),
        "other": _("Other..."),
    }


def check_void_reason(text: str) -> str:
    """The reason typed for "Other...": refused in the dialog when empty or too long."""
    return check_text(text, _("The reason"), max_len=MAX_VOID_REASON, required=True)


class VoidReasonScreen(PickScreen):
    """The reasons to take a line off for. Nothing is chosen until an arrow moves, so an Enter
    pressed once too often right after Delete voids nothing (a scan's Enter is refused by the
    app's scan guard, as in every dialog)."""

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).highlighted = None


class LineActions:
    """Actions on the selected line and the customer (needs the SaleScreen's helpers)."""

    app: App
    register: Register | None
    selected: int | None
    pending_qty: int | None
    refused_qty: str
    code: CodeInput
    shift: object
    is_attached: bool
    stock_hints: StockHints | None = None  # the selected line's "Left 12 pcs" (see below)

    if TYPE_CHECKING:

        def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None: ...
        def run(self, change: Callable[[], object]) -> bool: ...
        def show_receipt(self) -> None: ...
        def line_added(self, line: object) -> None: ...
        def show_pending(self) -> None: ...
        def show_state(self) -> None: ...
        def run_worker(self, work: Callable[[], object], **kwargs: object) -> object: ...
        def approved(self, change: Callable[[Approval | None], object]) -> None: ...

    # --- lines ---------------------------------------------------------------------------

    def selected_line(self) -> int | None:
        if self.selected is None or self.register is None or not self.register.basket.lines:
            self.say(_("The receipt is empty: scan something first."))
            return None
        return self.selected

    def action_select(self, step: int) -> None:
        assert self.register is not None
        count = len(self.register.basket.lines)
        if count:
            current = self.selected if self.selected is not None else count
            self.selected = max(0, min(count - 1, current + step))
            self.show_receipt()

    def action_search(self) -> None:
        from torgtui.screens.product_search import ProductSearchScreen

        if self.shift is None:
            self.say(_("No open shift: press F10 to open one (with the cash float)."), bell=True)
            return
        self.app.push_screen(ProductSearchScreen(self.code.value.strip()), self.product_chosen)

    def product_chosen(self, product: Product | None, barcode: str = "") -> None:
        """Add ``product`` (from F3, or scanned): a weighed one without a weight asks for it."""
        assert self.register is not None
        if product is None:
            return
        self.code.value = ""
        qty = self.pending_qty
        if qty is None and product.weighed:

            def weighed(typed: int | None) -> None:
                if typed is not None:
                    self.pending_qty = typed
                    self.product_chosen(product, barcode)

            title = _("Weight of {name} in {unit}:").format(name=product.name, unit=product.unit)
            self.app.push_screen(
                AskScreen(title, placeholder=_("like 0.350"), parse=parse_qty), weighed
            )
            return
        qty = qty or 1000
        reg = self.register
        self.run(lambda: self.line_added(reg.add(product, qty, barcode)))

    def action_edit_qty(self) -> None:
        """F4, before or after a scan. With a quantity typed in the code field: the selected
        line's quantity (the line just scanned is selected), or on an empty receipt the next
        scan's (as "3*"). With nothing typed: a dialog for the one or the other."""
        assert self.register is not None
        reg = self.register
        typed = self.code.value.strip()
        index = self.selected if reg.basket.lines else None
        if typed:
            try:
                qty = parse_qty(typed)
            except TorgError as exc:  # nothing changes; what was typed stays to correct
                self.say(exc.message, bell=True)
                return
            if index is None:
                self.code.value = ""
                self.next_scan_qty(qty)
            elif self.run(lambda: reg.set_qty(index, qty)):
                self.code.value = ""
            return
        if index is None:
            title = _("Quantity for the next scan:")
            self.app.push_screen(AskScreen(title, parse=parse_qty), self.next_scan_qty)
            return
        line = reg.basket.lines[index]

        def entered(qty: int | None) -> None:
            if qty is not None:
                self.run(lambda: reg.set_qty(index, qty))

        title = _("Quantity of {name}:").format(name=line.name)
        self.app.push_screen(AskScreen(title, value=format_qty(line.qty), parse=parse_qty), entered)

    def next_scan_qty(self, qty: int | None) -> None:
        """The quantity the next scan sells (shown before the code field, as after "3*")."""
        if qty is not None:
            self.pending_qty = qty
            self.refused_qty = ""
            self.show_pending()

    def action_delete_line(self) -> None:
        """Delete: void the selected line for a reason the cashier picks (audited)."""
        assert self.register is not None
        index = self.selected_line()
        if index is None:
            return
        reg = self.register
        line = reg.basket.lines[index]
        reasons = void_reasons()

        def void(reason: str) -> None:
            if self.run(lambda: reg.void_line(index, reason)):
                self.say(
                    _("{name} taken off the receipt: {reason}").format(
                        name=line.name, reason=reason
                    ),
                    severity="information",
                )

        def other(text: str | None) -> None:
            if text is not None:
                void(text)

        def chosen(key: str | None) -> None:
            if key == "other":
                title = _("Why is {name} taken off? Type the reason:").format(name=line.name)
                self.app.push_screen(AskScreen(title, parse=check_void_reason), other)
            elif key in reasons:
                void(reasons[key])

        title = _("Take {name} off the receipt: why? Arrows, Enter (Escape: keep it)").format(
            name=line.name
        )
        self.app.push_screen(VoidReasonScreen(title, list(reasons.items())), chosen)

    # --- what is left of the selected line's product -------------------------------------

    def stock_hint(self) -> str:
        """ "Left 12 pcs" for the selected line, for the header (torgtui.sales.stock_hint):
        one cheap query when the line or its quantity changed, none otherwise; "" until the
        location's snapshot is there (taken in a worker when the screen first shows its
        header with a shift open), and for a product that never moved at the location."""
        reg = self.register
        if reg is None or reg.location_id is None:
            return ""
        hints = self.stock_hints
        if hints is None or hints.location_id != reg.location_id:
            hints = self.stock_hints = StockHints(reg.location_id)
        if (not hints.ready or hints.stale) and not hints.loading:
            hints.loading = True
            self.run_worker(
                lambda: self.take_stock_snapshot(hints),
                thread=True,
                group="sale-stock",
                exit_on_error=False,
            )
        if self.selected is None:
            return ""
        try:
            return hints.text_for(reg.basket, self.selected, reg.uuid)
        except peewee.DatabaseError:
            return ""  # only a hint: the scan itself says what is wrong with the database

    def take_stock_snapshot(self, hints: StockHints) -> None:
        """In a worker: every product's stock at the location, handed to the screen."""
        try:
            with db.database.connection_context():
                snapshot = take_snapshot(hints.location_id)
        except peewee.DatabaseError:
            hints.loading = False
            return
        self.app.call_from_thread(self.stock_snapshot_taken, hints, snapshot)

    def stock_snapshot_taken(self, hints: StockHints, snapshot: Snapshot) -> None:
        hints.load(snapshot)
        if self.is_attached and hints is self.stock_hints and self.register is not None:
            self.show_state()

    def action_discount(self, whole: bool) -> None:
        """F5: a discount on the selected line (10% or an amount), or "=price" to sell it at
        another price; shift+F5: a discount on the whole receipt. Beyond the cashier's own
        rights the service names who may confirm, and only then is a PIN asked for."""
        assert self.register is not None
        index = None if whole else self.selected_line()
        if index is None and (not whole or not self.register.basket.lines):
            if whole:
                self.say(_("The receipt is empty: scan something first."))
            return
        reg = self.register

        def typed(entry: DiscountEntry | None) -> None:
            if entry is None:
                return
            if entry.price is not None and index is not None:
                self.approved(partial(override, index, entry.price))
                return
            self.approved(partial(discount, entry))

        def discount(entry: DiscountEntry, approval: Approval | None) -> None:
            reg.manual_discount(
                percent=entry.percent, amount=entry.amount, line=index, approval=approval
            )

        def override(line: int, price: int, approval: Approval | None) -> None:
            reg.override_price(line, price, approval=approval)

        if index is None:
            title = _("Discount on the whole receipt: type 10% or an amount like 25.50")
            parse = partial(parse_discount, allow_price=False)
        else:
            title = _(
                "{name}: type 10%, an amount off like 25.50, or =120.00 for a new price"
            ).format(name=reg.basket.lines[index].name)
            parse = parse_discount
        self.app.push_screen(AskScreen(title, parse=parse), typed)

    def action_customer(self) -> None:
        """F6: attach a customer by card or phone (empty: none); a phone several cards share
        (a family) offers the cards to choose from."""
        assert self.register is not None
        reg = self.register

        def typed(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.run(lambda: reg.attach_customer(None))
                return
            if self.app.settings.verification.identify_by_phone == "code":
                from torgtui.screens import sale_verify

                if not sale_verify.is_card_number(text):  # a phone: a code goes to it first
                    sale_verify.identify(self, text)  # type: ignore[arg-type]
                    return
            try:
                customer = find_by_phone_or_card(text)  # active cards, any of their phones
            except SeveralCustomers as exc:
                self.choose_customer(exc.customers)
                return
            if customer is None:
                self.say(
                    _("No customer with card or phone {text}: check it, or press F6 again.").format(
                        text=text.strip()
                    ),
                    bell=True,
                )
                return
            self.run(lambda: reg.attach_customer(customer))

        title = _("Customer: scan the card or type the phone (empty: no customer)")
        self.app.push_screen(AskScreen(title, accepts_scans=True), typed)

    def choose_customer(self, customers: list[Customer]) -> None:
        """One phone, several cards: pick the customer with the arrows and Enter."""
        assert self.register is not None
        reg = self.register
        by_id = {str(c.id): c for c in customers}

        def chosen(key: str | None) -> None:
            if key in by_id:
                self.run(lambda: reg.attach_customer(by_id[key]))

        options = [
            (
                str(c.id),
                "  ".join(
                    part
                    for part in (
                        c.name,
                        c.card or _("no card"),
                        f"{c.last_visit:%d.%m.%Y}" if c.last_visit else "",
                    )
                    if part
                ),
            )
            for c in customers
        ]
        title = _("{n} cards have this phone: choose the customer's").format(n=len(customers))
        self.app.push_screen(PickScreen(title, options), chosen)
