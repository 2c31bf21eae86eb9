"""The Sale screen: the cashier's whole day. Scan (or type an article) and Enter, every action
on a key, and every change saved at once as the employee's draft, so nothing is lost.

The code field is the register's one field for every code (torgtui.sales.codes through
``Register.enter``): a product's barcode or article adds a line, a loyalty card attaches its
customer, and later kinds (promo codes, certificates) say what they did; the screen only shows
it. It tells a keyboard-wedge scanner from typing by the keys' timing
(:class:`~torgtui.hw.scanner.WedgeDetector`); a serial scanner's reads arrive as
:class:`BarcodeScanned`. A scan redraws only the receipt rows it changed. The attached
customer's card, bonuses and VIP account are :mod:`.sale_loyalty`'s; the promotions, codes,
sets, the pre-order and the festive sound :mod:`.sale_promotions`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import peewee
from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Label

from torgtui import db
from torgtui.errors import TorgError
from torgtui.hw.scanner import WedgeDetector
from torgtui.i18n import _, ngettext
from torgtui.models import Receipt
from torgtui.money import format_money, format_qty
from torgtui.sales import codes
from torgtui.sales.register import Register, WeightNeeded
from torgtui.sales.scan import lookup, parse_qty
from torgtui.sales.shifts import current_shift
from torgtui.sales.why import explain
from torgtui.screens.approval import with_approval
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale_dialogs import ConfirmScreen
from torgtui.screens.sale_input import BarcodeScanned, CodeInput
from torgtui.screens.sale_lines import LineActions
from torgtui.screens.sale_loyalty import CustomerFacts, LoyaltyView
from torgtui.screens.sale_promotions import PromotionsView
from torgtui.screens.sale_receipt import ReceiptActions
from torgtui.widgets.compositor import SparseCompositor
from torgtui.widgets.key_line import KeyLine
from torgtui.widgets.receipt_view import ReceiptLines, rows_of

if TYPE_CHECKING:
    from torgtui.approvals import Approval
    from torgtui.models import Shift
    from torgtui.sales.codes import Entered

__all__ = ["BarcodeScanned", "SaleScreen"]

FISCAL_REFRESH_SECONDS = 15.0


class SaleScreen(ReceiptActions, LoyaltyView, PromotionsView, LineActions, AreaScreen):
    """The register: header, the receipt's lines, totals, and the code field."""

    CSS_PATH = ["area.tcss", "sale.tcss"]
    AUTO_FOCUS = "#sale-code"
    BINDINGS = [
        Binding("f12", "pay", _("Pay"), id="sale.pay"),
        Binding("plus", "pay", _("Pay"), show=False, priority=True, id="sale.pay_plus"),
        Binding("f3", "search", _("Find"), id="sale.search"),
        Binding("f4", "edit_qty", _("Qty"), id="sale.qty"),
        Binding(
            "delete", "delete_line", _("Delete line"), show=False, priority=True, id="sale.delete"
        ),
        Binding("f5", "discount(False)", _("Disc"), id="sale.discount"),
        Binding(
            "shift+f5,ctrl+f5",
            "discount(True)",
            _("Receipt discount"),
            show=False,
            id="sale.discount_receipt",
        ),
        Binding("f6", "customer", _("Client"), id="sale.customer"),
        Binding(
            "shift+f6,ctrl+f6",
            "customer_code",
            _("Client by SMS code"),
            show=False,
            id="sale.customer_code",
        ),
        Binding(
            "shift+delete",
            "remove_code",
            _("Code off"),
            show=False,
            priority=True,
            id="sale.remove_code",
        ),
        # F2 and F11 are not in the footer (no room at 80 columns in Ukrainian): the line
        # above the totals shows them while they apply
        Binding("f2", "bonus(False)", _("Bonuses"), show=False, id="sale.bonus"),
        Binding(
            "shift+f2,ctrl+f2", "bonus(True)", _("Bonus amount"), show=False, id="sale.bonus_ask"
        ),
        Binding("f11", "why", _("Why"), show=False, id="sale.why"),
        Binding("f8", "hold", _("Hold"), id="sale.hold"),
        Binding("f9", "reprint", _("Reprint"), show=False, id="sale.reprint"),
        Binding("f10", "shift", _("Shift"), id="sale.shift"),
        Binding("f7", "returns", _("Returns"), id="sale.returns"),
        Binding("up", "select(-1)", _("Up"), show=False, id="sale.up"),
        Binding("down", "select(1)", _("Down"), show=False, id="sale.down"),
        # at 80 columns (in Ukrainian) the footer has no room for lock and log out: Ctrl+L
        # and Ctrl+O still work (the app's priority binding runs; this one only hides it)
        Binding("ctrl+o", "app.logout", _("Log out"), show=False, id="sale.logout"),
        Binding("ctrl+l", "app.lock", _("Lock"), show=False, priority=True, id="sale.lock"),
        Binding("escape", "back", _("Cancel/back"), show=False, id="sale.back"),
    ]

    # Textual's Screen repaints all of itself when the focus moves (``focused`` is a reactive
    # with repaint): 24 rows, 5 KB and 6-10 ms on a thin terminal, twice a payment (to the
    # panel and back). The widgets that gain and lose the focus restyle and redraw themselves
    # already; the rest of the screen has nothing to redraw (docs/performance.md).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    diff_frames = True  # only the changed cells go to the terminal (widgets/frame_diff.py)

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        # a partial frame renders only the widgets on the rows it redraws (widgets/compositor)
        self._compositor = SparseCompositor()
        self.register: Register | None = None
        self.shift: Shift | None = None
        self.pending_qty: int | None = None
        self.refused_qty = ""  # why the quantity typed before "*" was refused (see on_star)
        self.selected: int | None = None
        self.last_receipt: Receipt | None = None
        self.fiscal_waiting = 0
        self.last_message = ""
        self.facts: CustomerFacts | None = None  # the attached customer's (see sale_loyalty)
        self._shown: dict[str, str] = {}  # label selector -> text on screen (see set_text)
        self._info_rows = 1  # rows of the message line (see set_text)
        self.init_promotions()

    def compose(self) -> ComposeResult:
        settings = self.app.settings.register
        detector = WedgeDetector(settings.wedge_max_gap_ms, settings.wedge_min_length)
        # the payment panel, over the lines while paying (see .payment), on a layer of its
        # own. First: Textual numbers the painting order of siblings from the last one, so a
        # panel composed last renumbered every widget when shown or hidden, and a renumbered
        # widget is redrawn (all 24 rows; first, it redraws only its own)
        yield PaymentPanel(id="sale-pay")
        with Horizontal(id="sale-header"):
            yield Label("", id="sale-state", markup=False)
            yield Label("", id="sale-clock", markup=False)
        yield ReceiptLines(id="sale-lines")
        yield Label("", id="sale-attention", markup=False)
        yield Label("", id="sale-vip", markup=False)
        yield Label("", id="sale-festive", markup=False)
        yield Label("", id="sale-promo", markup=False)
        yield Label("", id="sale-info", markup=False)
        yield Label("", id="sale-bonus", markup=False)
        with Horizontal(id="sale-sums"):
            yield Label("", id="sale-keys", markup=False)
            yield Label("", id="sale-totals", markup=False)
        with Horizontal(id="sale-entry"):
            yield Label("", id="sale-pending", markup=False)
            yield CodeInput(
                detector,
                self.is_known_code,
                self.code_typed,
                self.star_typed,
                placeholder=_("Scan or type a code, Enter"),
                id="sale-code",
                compact=True,
            )
            yield Label("", id="sale-topay", markup=False)
        yield KeyLine(id="sale-keyline")  # not Textual's Footer: see widgets/key_line.py

    @property
    def paying(self) -> bool:
        """Whether the payment panel is open (the sale's own keys wait meanwhile)."""
        return self.query_one("#sale-pay", PaymentPanel).is_open

    @property
    def holds_scans(self) -> bool:
        """Scans are held while paying (see :meth:`hold_scan` and screens.scan_guard)."""
        return self.paying

    def hold_scan(self, code: str) -> None:
        self.query_one("#sale-pay", PaymentPanel).hold_scan(code)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While paying, only the payment panel's keys act (its Escape goes back)."""
        return not (self.is_mounted and self.paying)

    def on_mount(self) -> None:
        app = self.app
        self.register = Register(
            app.employee,
            register=app.terminal,
            scale_prefixes=app.settings.register.prefixes(),
            below_cost=app.settings.register.below_cost,
            card_prefix=app.settings.customers.card_prefix,
            clock=app.clock,
        )
        if self.register.basket.lines:
            self.selected = len(self.register.basket.lines) - 1
        self.set_interval(1.0, self.tick)
        self.set_interval(FISCAL_REFRESH_SECONDS, self.refresh_fiscal)
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Back from a dialog or the shift screen: the shift may have opened or closed."""
        if self.register is None or self.app.employee is None:
            return  # logging out: the screen is about to close
        self.shift = current_shift(self.app.employee, self.app.terminal)
        # the shift's location prices the receipt (its price type and price list)
        self.register.location_id = self.shift.location_id if self.shift is not None else None
        self.facts = None  # the customer's balance may have changed meanwhile
        self.show_receipt()
        self.refresh_fiscal()
        self.tick()
        if self.paying:  # a PIN asked before the payment: the panel takes the keys
            self.query_one("#sale-pay", PaymentPanel).focus_field()
        else:
            self.query_one("#sale-code", CodeInput).focus()

    # --- what the screen shows -----------------------------------------------------------

    @property
    def code(self) -> CodeInput:
        return self.query_one("#sale-code", CodeInput)

    def show_receipt(self) -> None:
        """Redraw lines (only those that changed), totals, the info line and the header."""
        assert self.register is not None
        priced = self.register.priced()
        count = len(priced.lines)
        if self.selected is not None and not 0 <= self.selected < count:
            self.selected = count - 1 if count else None
        self.query_one("#sale-lines", ReceiptLines).show(rows_of(priced), self.selected)
        self.set_text(
            "#sale-totals",
            _("Total {total}   Discount {discount}").format(
                total=format_money(priced.subtotal), discount=format_money(priced.discount)
            ),
        )
        spent = int((priced.info.get("bonus") or {}).get("spend", 0))
        to_pay = explain(priced)["to_pay"] if spent else priced.total  # less the bonuses paid
        to_pay -= int((priced.info.get("certificates") or {}).get("pay", 0))  # and certificates
        self.set_text("#sale-topay", _("To pay {total}").format(total=format_money(to_pay)))
        info = self.query_one("#sale-info", Label)
        info.set_class(self.shift is None, "-error")
        info.remove_class("-warning", "-note")  # a message said before is over
        facts = self.facts_for(priced.customer_id)
        self.show_attention(facts)
        if self.shift is None:
            self.set_text(
                "#sale-info", _("No open shift: press F10 to open one (with the cash float).")
            )
        elif facts is None:
            self.set_text(
                "#sale-info", _("Scan or type a code and press Enter; 3* first sells three.")
            )
        self.show_customer(priced, facts if self.shift is not None else None)
        self.show_promotions(priced)  # may say something (a festive promotion, a code)
        self.show_state()

    def set_text(self, selector: str, text: str, *, fixed: bool = True) -> None:
        """Update a label only when its text changes. Fixed-size labels skip Textual's layout
        pass, and an auto-sized one takes it only when its length changes: a layout pass per
        scan cost about 10 ms of the scan-to-screen time on a thin terminal."""
        old = self._shown.get(selector)
        if old == text:
            return
        self._shown[selector] = text
        relayout = not fixed and (old is None or len(old) != len(text))
        label = self.query_one(selector, Label)
        if selector == "#sale-info":  # one row, two for a long message: a layout only then
            rows = 1 if cell_len(text) <= label.content_region.width else 2
            relayout = rows != self._info_rows
            self._info_rows = rows
        label.update(text, layout=relayout)

    def show_attention(self, customer: CustomerFacts | None) -> None:
        """The attached customer's "Attention" flag and comment, kept in view while attached."""
        label = self.query_one("#sale-attention", Label)
        flagged = customer is not None and customer.attention
        label.display = flagged
        if flagged:
            label.update(
                _("! ATTENTION {name}: {note}").format(
                    name=customer.name, note=customer.attention_note or "-"
                )
            )

    def show_state(self) -> None:
        assert self.register is not None
        app = self.app
        count = len(self.register.basket.lines)
        parts = [app.employee.name if app.employee else ""]
        parts.append(_("Shift open") if self.shift is not None else _("No shift"))
        parts.append(
            ngettext("Receipt: {n} line", "Receipt: {n} lines", count).format(n=count)
            if count
            else _("New receipt")
        )
        left = self.stock_hint()  # "Left 12 pcs" of the selected line (see sale_lines)
        if left:
            parts.append(left)
        if self.fiscal_waiting > 0:
            parts.append(_("Fiscal: {n} waiting").format(n=self.fiscal_waiting))
        self.set_text("#sale-state", " · ".join(parts))

    def tick(self) -> None:
        """Once a second: the clock label is redrawn only when the minute changes, and without
        a layout pass (HH:MM keeps its width): a layout repainted the whole screen."""
        self.set_text("#sale-clock", f"{self.app.clock():%H:%M}")

    def refresh_fiscal(self) -> None:
        if self.app.devices is not None:
            self.count_fiscal()

    @work(thread=True, exclusive=True, group="sale-fiscal", exit_on_error=False)
    def count_fiscal(self) -> None:
        devices = self.app.devices
        waiting = devices.fiscal_waiting_in_thread() if devices is not None else None
        if waiting is not None:
            self.app.call_from_thread(self.fiscal_counted, waiting)

    def fiscal_counted(self, waiting: int) -> None:
        if waiting != self.fiscal_waiting and self.is_attached:
            self.fiscal_waiting = waiting
            self.show_state()

    def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None:
        """A message on the line above the totals (a bell for refused scans), kept until the
        next change of the receipt; focus stays in the code field. Not a toast: a toast
        covered the totals, and its coming and going redrew a quarter of the screen (1-3 KB
        and a layout pass) in the middle of the next scans. Said while another screen is on
        top (a worker's print failure), it is a toast as well, so it is seen there."""
        self.last_message = text
        if bell:
            self.app.bell()
        if not self.is_attached:
            return
        info = self.query_one("#sale-info", Label)
        self.set_text("#sale-info", text)
        info.set_class(severity == "error", "-error")
        info.set_class(severity == "warning", "-warning")
        info.set_class(severity not in ("error", "warning"), "-note")
        if self.app.screen is not self:
            self.app.notify(text, severity=severity)  # type: ignore[arg-type]
        elif not self.paying:
            self.code.focus()

    def show_pending(self) -> None:
        if self.refused_qty:
            pending = "? x "
        else:
            pending = "" if self.pending_qty is None else f"{format_qty(self.pending_qty)} x "
        self.set_text("#sale-pending", pending, fixed=False)

    def run(self, change: Callable[[], object]) -> bool:
        """Run one register change; refusals become toasts. True when it went through."""
        try:
            change()
        except TorgError as exc:
            self.say(exc.message)
            return False
        except peewee.DatabaseError as exc:
            self.say(db.explain(exc, self.app.settings.database.url).message)
            return False
        self.show_receipt()
        return True

    def approved(
        self,
        change: Callable[[Approval | None], object],
        then: Callable[[], object] | None = None,
    ) -> None:
        """Run ``change(approval)``: first alone; when the service says a confirmation is
        needed, one of those who may confirms with their PIN (see :mod:`.approval`)."""

        def done(_result: object) -> None:
            self.show_receipt()
            if then is not None:
                then()

        with_approval(self.app, change, done=done, fail=self.say)

    # --- scanning ------------------------------------------------------------------------

    def is_known_code(self, text: str) -> bool:
        """Whether ``text`` names a product (barcode, scale label or article) or is claimed by
        another code kind by its form (a card number in a card range)."""
        try:
            lookup(text, self.app.settings.register.prefixes())
        except TorgError:
            return any(
                kind.claims is not None and kind.claims(text, self.register)  # type: ignore[arg-type]
                for kind in codes.KINDS
            )
        return True

    def add_code(self, text: str) -> None:
        """Whatever was scanned or typed, through the one code field (with the pending
        quantity): a product adds a line, a card attaches its customer."""
        assert self.register is not None
        if self.shift is None:
            self.say(_("No open shift: press F10 to open one (with the cash float)."), bell=True)
            return
        try:
            entered = self.register.enter(text, self.pending_qty)
        except WeightNeeded as exc:  # a weighed product by its own barcode: ask the weight
            self.pending_qty = None
            self.show_pending()
            self.product_chosen(exc.product, exc.barcode)
            return
        except TorgError as exc:
            self.say(exc.message, bell=True)
            return
        except peewee.DatabaseError as exc:
            self.say(db.explain(exc, self.app.settings.database.url).message, bell=True)
            return
        self.code_entered(entered)

    def code_entered(self, entered: Entered) -> None:
        """Show what a code did: a line added to (selected), or a message (a card attached, a
        promo code confirmed with its promotion)."""
        if entered.line is not None:
            self.line_added(entered.line)
        else:
            self.pending_qty = None
            self.show_pending()
            self.query_one("#sale-lines", ReceiptLines).show_banner([])
            self.quiet_code = entered.details.get("code") if entered.kind == "promo_code" else None
            try:
                self.show_receipt()
            finally:
                self.quiet_code = None
        if entered.kind == "promo_code":
            self.code_confirmed(entered)
        elif entered.kind == "card":
            pass  # the customer's line says it (name, card, its rule)
        elif entered.message:
            self.say(entered.message, severity="information")

    def line_added(self, line: object) -> None:
        assert self.register is not None
        self.pending_qty = None
        self.show_pending()
        lines = self.register.basket.lines
        self.selected = next((i for i, ln in enumerate(lines) if ln is line), len(lines) - 1)
        self.show_receipt()

    def code_typed(self, text: str, scanned: str | None) -> None:
        """What Enter in the code field brought (``scanned``: a scanner's burst); the field
        has already cleared itself (see CodeInput), which calls this directly."""
        if self.refused_qty:  # "999999999*" then a scan: the whole entry is refused
            why, self.refused_qty = self.refused_qty, ""
            self.show_pending()
            if text.strip():
                self.say(
                    _("Nothing added: {why} Type the quantity again, then scan.").format(why=why),
                    bell=True,
                )
            return
        if scanned and text.endswith(scanned) and len(text) > len(scanned):
            self.add_code(scanned)
            return
        if not text.strip():
            return
        self.add_code(text)

    def star_typed(self, typed: str) -> None:
        """ "3*": what stood in the field is the next scan's quantity; one that cannot be
        read refuses the scan that follows too (it was meant for it)."""
        text = typed.strip()
        self.pending_qty = None
        self.refused_qty = ""
        if not text:
            self.say(_("Type the quantity first, then * (like 3*), then scan."))
            self.show_pending()
            return
        try:
            self.pending_qty = parse_qty(text)
        except TorgError as exc:
            self.refused_qty = exc.message
            self.say(exc.message, bell=True)
        self.show_pending()

    def on_code_input_why(self, event: CodeInput.Why) -> None:
        """ "?" in the code field: why this price (as F11, which some terminals keep)."""
        event.stop()
        self.action_why()

    def on_barcode_scanned(self, event: BarcodeScanned) -> None:
        event.stop()
        if self.app.screen is self and self.paying:
            self.hold_scan(event.code)  # entered when the payment panel closes
            return
        if self.app.screen is not self:
            self.app.bell()
            self.app.notify(_("Close the dialog first, then scan again."), severity="warning")
            return
        self.add_code(event.code)

    # --- the receipt as a whole ----------------------------------------------------------

    def action_back(self) -> None:
        """Escape: clear what is typed; else cancel a non-empty receipt; else back home."""
        assert self.register is not None
        if self.code.value or self.pending_qty is not None or self.refused_qty:
            self.code.value = ""
            self.pending_qty = None
            self.refused_qty = ""
            self.show_pending()
            return
        reg = self.register
        if not reg.basket.lines:
            super().action_back()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.approved(lambda approval: reg.cancel(approval=approval))

        question = ngettext(
            "Cancel this receipt ({n} line)? Its goods stay unsold.",
            "Cancel this receipt ({n} lines)? Its goods stay unsold.",
            len(reg.basket.lines),
        ).format(n=len(reg.basket.lines))
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_customer_code(self) -> None:
        """Shift+F6: attach a card by phone with an SMS code (see :mod:`.sale_verify`)."""
        from torgtui.screens import sale_verify

        sale_verify.ask_phone(self)

    def action_shift(self) -> None:
        self.open_other("torgtui.screens.shift", "ShiftScreen")

    def action_returns(self) -> None:
        self.open_other("torgtui.screens.returns", "ReturnScreen")

    def open_other(self, module: str, name: str) -> None:
        """Open the shift or returns screen (written apart from this one)."""
        import importlib

        try:
            screen = getattr(importlib.import_module(module), name)()
        except (ImportError, AttributeError):
            self.say(_("That screen is not built yet."), severity="warning")
            return
        self.app.push_screen(screen)
