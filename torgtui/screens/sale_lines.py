"""The sale screen's line actions: select, search by name, quantity, delete, discount and
the customer. A mixin of :class:`~torgtui.screens.sale.SaleScreen`, apart to keep both short."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from torgtui.customers.service import find_by_phone_or_card
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Product
from torgtui.money import format_qty
from torgtui.sales.scan import parse_qty
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen
from torgtui.screens.sale_input import parse_discount
from torgtui.staff import Permission

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.models import Employee
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
        def guarded(
            self, change: Callable[[Employee | None], object], permission: Permission
        ) -> None: ...

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

    def product_chosen(self, product: Product | None) -> None:
        assert self.register is not None
        if product is None:
            return
        self.code.value = ""
        qty = self.pending_qty
        if qty is None and product.weighed:

            def weighed(text: str | None) -> None:
                if text:
                    self.pending_qty = self.parse_or_say(text)
                    if self.pending_qty is not None:
                        self.product_chosen(product)

            title = _("Weight of {name} in {unit}:").format(name=product.name, unit=product.unit)
            self.app.push_screen(AskScreen(title, restrict=r"[0-9.,]*"), weighed)
            return
        qty = qty or 1000
        if not product.weighed and qty % 1000:
            self.say(
                _("{name} is sold by the piece: the quantity must be whole.").format(
                    name=product.name
                )
            )
            return
        reg = self.register
        if self.run(lambda: self.line_added(reg.add(product, qty))):
            pass

    def parse_or_say(self, text: str) -> int | None:
        try:
            return parse_qty(text)
        except TorgError as exc:
            self.say(exc.message)
            return None

    def action_edit_qty(self) -> None:
        assert self.register is not None
        index = self.selected_line()
        if index is None:
            return
        line = self.register.basket.lines[index]
        reg = self.register

        def typed(text: str | None) -> None:
            qty = self.parse_or_say(text) if text else None
            if qty is not None:
                self.run(lambda: reg.set_qty(index, qty))

        title = _("Quantity of {name}:").format(name=line.name)
        self.app.push_screen(
            AskScreen(title, value=format_qty(line.qty), restrict=r"[0-9.,]*"), typed
        )

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
        assert self.register is not None
        index = None if whole else self.selected_line()
        if index is None and (not whole or not self.register.basket.lines):
            if whole:
                self.say(_("The receipt is empty: scan something first."))
            return
        reg = self.register
        target = _("the whole receipt") if index is None else reg.basket.lines[index].name

        def typed(text: str | None) -> None:
            if not text:
                return
            try:
                percent, amount = parse_discount(text)
            except TorgError as exc:
                self.say(exc.message)
                return
            self.guarded(
                lambda by: reg.manual_discount(percent=percent, amount=amount, line=index, by=by),
                Permission.MANUAL_DISCOUNT,
            )

        title = _("Discount on {target}: type 10% or an amount like 25.50").format(target=target)
        self.app.push_screen(AskScreen(title, restrict=r"[0-9.,% ]*"), typed)

    def action_customer(self) -> None:
        assert self.register is not None
        reg = self.register

        def typed(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.run(lambda: reg.attach_customer(None))
                return
            customer = find_by_phone_or_card(text)  # active cards, any of their phones
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
        self.app.push_screen(AskScreen(title), typed)
