"""The sale screen's line actions: select, search by name, quantity, delete, discount and
the customer. A mixin of :class:`~torgtui.screens.sale.SaleScreen`, apart to keep both short."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from torgtui.customers.service import SeveralCustomers, find_by_phone_or_card
from torgtui.i18n import _
from torgtui.models import Customer, Product
from torgtui.money import format_qty
from torgtui.sales.scan import parse_qty
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen, PickScreen
from torgtui.screens.sale_input import DiscountEntry, parse_discount

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.approvals import Approval
    from torgtui.sales.register import Register
    from torgtui.screens.sale_input import CodeInput


class LineActions:
    """Actions on the selected line and the customer (needs the SaleScreen's helpers)."""

    app: App
    register: Register | None
    selected: int | None
    pending_qty: int | None
    code: CodeInput
    shift: object

    if TYPE_CHECKING:

        def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None: ...
        def run(self, change: Callable[[], object]) -> bool: ...
        def show_receipt(self) -> None: ...
        def line_added(self, line: object) -> None: ...
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
        assert self.register is not None
        index = self.selected_line()
        if index is None:
            return
        line = self.register.basket.lines[index]
        reg = self.register

        def typed(qty: int | None) -> None:
            if qty is not None:
                self.run(lambda: reg.set_qty(index, qty))

        title = _("Quantity of {name}:").format(name=line.name)
        self.app.push_screen(AskScreen(title, value=format_qty(line.qty), parse=parse_qty), typed)

    def action_delete_line(self) -> None:
        assert self.register is not None
        index = self.selected_line()
        if index is None:
            return
        reg = self.register

        def answered(yes: bool | None) -> None:
            if yes:
                self.run(lambda: reg.remove(index))

        name = reg.basket.lines[index].name
        question = _("Delete {name} from the receipt?").format(name=name)
        self.app.push_screen(ConfirmScreen(question), answered)

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
