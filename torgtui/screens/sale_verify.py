"""The register's SMS codes (torgtui.channels.verification): attaching a card by phone with a
code when the card was forgotten (F6 with a phone when ``verification.identify_by_phone`` is
"code", or shift+F6 always), and the customer's code before paying with bonuses (F2) when
``verification.bonus_confirm`` asks for one.

The code goes out through the outbox (the sender sends it in the background: nothing here
waits for the network). :class:`CodeScreen` takes what the customer reads out: Enter checks
it, F5 sends a new one (after the cooldown), F8 goes on without a code (by right, or a senior's
PIN), Escape gives up. The service decides everything; this module only asks and shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import peewee
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

from torgtui import db
from torgtui.channels import verification
from torgtui.channels.verification import Passed, Policy, Purpose, Sent
from torgtui.customers.phones import normalize_phone
from torgtui.customers.service import SeveralCustomers, shown_phone
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Customer
from torgtui.money import format_money
from torgtui.screens.approval import with_approval
from torgtui.screens.sale_dialogs import DIALOG_CSS, AskScreen, ConfirmScreen, PickScreen

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.screens.sale import SaleScreen


class CodeScreen(ModalScreen["Passed | None"]):
    """Type the code the customer reads out, Enter. Dismisses with what passed (the right
    code, or a skip), or None (Escape). A refusal shows under the field; the dialog stays."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="CodeScreen")
        + """
    CodeScreen #verify-where {
        width: 100%;
    }
    """
    )
    AUTO_FOCUS = "#verify-code"
    BINDINGS = [
        Binding("f5", "resend", _("New code"), id="verify.resend"),
        Binding("f8", "skip", _("Without code"), id="verify.skip"),
        Binding("escape", "back", _("Back"), id="verify.back"),
    ]

    app: TorgApp

    def __init__(self, sent: Sent, title: str) -> None:
        super().__init__()
        self.sent = sent
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.where(), id="verify-where", markup=False)
            yield Input(placeholder=_("Code"), max_length=12, id="verify-code")
            yield Label("", classes="dialog-message", id="verify-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def where(self) -> str:
        return _(
            "Code sent to {phone}, valid until {time}. Type what the customer reads out."
        ).format(
            phone=shown_phone(self.sent.phone, self.app.employee),
            time=f"{self.sent.expires_at:%H:%M}",
        )

    @property
    def message(self) -> str:
        return str(self.query_one("#verify-message", Label).content)

    def show_message(self, text: str) -> None:
        self.query_one("#verify-message", Label).update(text)

    def call(self, service: Callable[[], Any]) -> Any:
        """Run a service call; a refusal is shown here (None returned)."""
        try:
            return service()
        except TorgError as exc:
            self.show_message(exc.message)
        except peewee.DatabaseError as exc:
            self.show_message(db.explain(exc, self.app.settings.database.url).message)
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = self.query_one("#verify-code", Input)
        typed, field.value = event.value, ""
        sent, app = self.sent, self.app
        result = self.call(
            lambda: verification.check_code(
                sent.purpose,
                typed,
                receipt_uuid=sent.receipt_uuid,
                by=app.employee,
                now=app.clock(),
                terminal=app.terminal,
            )
        )
        if result is not None:
            self.dismiss(result)

    def action_resend(self) -> None:
        sent, app = self.sent, self.app
        fresh = self.call(
            lambda: verification.resend(
                sent.purpose,
                receipt_uuid=sent.receipt_uuid,
                by=app.employee,
                now=app.clock(),
                policy=Policy.of(app.settings),
                terminal=app.terminal,
            )
        )
        if fresh is not None:
            self.sent = fresh
            self.query_one("#verify-where", Label).update(self.where())
            self.show_message(_("A new code was sent: the one before no longer works."))

    def action_skip(self) -> None:
        sent, app = self.sent, self.app

        def skip(approval: Any) -> Passed:
            return verification.skip(
                sent.purpose,
                receipt_uuid=sent.receipt_uuid,
                by=app.employee,
                now=app.clock(),
                customer=sent.customer_id,
                amount=sent.amount,
                approval=approval,
                terminal=app.terminal,
            )

        with_approval(app, skip, done=self.dismiss, fail=self.show_message)

    def action_back(self) -> None:
        self.dismiss(None)


def _send(screen: SaleScreen, purpose: Purpose, target: Any, **kw: Any) -> Sent | None:
    """Send a code for the open receipt (a draft is made for it when there is none yet)."""
    app, reg = screen.app, screen.register
    assert reg is not None
    try:
        if reg.uuid is None:
            reg.save()
        assert reg.uuid is not None
        return verification.request_code(
            purpose,
            target,
            receipt_uuid=reg.uuid,
            by=app.employee,  # type: ignore[attr-defined]
            now=app.clock(),  # type: ignore[attr-defined]
            policy=Policy.of(app.settings),  # type: ignore[attr-defined]
            terminal=app.terminal,  # type: ignore[attr-defined]
            **kw,
        )
    except SeveralCustomers:
        raise
    except TorgError as exc:
        screen.say(exc.message, bell=True)
    except peewee.DatabaseError as exc:
        screen.say(db.explain(exc, app.settings.database.url).message)  # type: ignore[attr-defined]
    return None


def still_good(
    screen: SaleScreen, purpose: Purpose, customer_id: int | None, amount: int = 0
) -> Sent | None:
    """The live code of ``purpose`` on the open receipt when it serves this card and amount
    (the cashier closed its dialog a moment ago and asks again): no second SMS."""
    reg = screen.register
    assert reg is not None
    if reg.uuid is None:
        return None
    row = verification.live_code(purpose, reg.uuid)
    if (
        row is None
        or row.customer_id != customer_id
        or row.amount < amount
        or row.expires_at <= screen.app.clock()  # type: ignore[attr-defined]
    ):
        return None
    return Sent(
        row.id,
        row.purpose,
        row.receipt_uuid,
        row.phone,
        row.customer_id,
        row.amount,
        row.expires_at,
        row.resend_after,
        row.outbox_id,
    )


# --- (a) a card by phone, with a code -----------------------------------------------------------


def is_card_number(text: str) -> bool:
    """Whether ``text`` is the number of a card (then F6 attaches it as before, no code)."""
    text = text.strip()
    return bool(text) and Customer.select().where(Customer.card == text).exists()


def ask_phone(screen: SaleScreen) -> None:
    """Shift+F6: the customer's phone, then a code to it, then the card attached."""
    title = _("Customer by phone with an SMS code: type the phone, Enter")

    def typed(text: str | None) -> None:
        if text and text.strip():
            identify(screen, text)

    screen.app.push_screen(AskScreen(title), typed)


def identify(screen: SaleScreen, phone: str, customer: Customer | None = None) -> None:
    """Send a code to ``phone`` (to the card chosen when a family shares it), take the code the
    customer reads out, and attach their card."""
    sent = None
    reg = screen.register
    assert reg is not None
    row = verification.live_code(Purpose.IDENTIFY, reg.uuid) if reg.uuid else None
    if row is not None and (customer is None or row.customer_id == customer.id):
        try:
            same = normalize_phone(phone) == row.phone
        except TorgError:
            same = False
        if same:  # its dialog was closed a moment ago: the same code, no second SMS
            sent = still_good(screen, Purpose.IDENTIFY, row.customer_id)
    try:
        sent = sent or _send(screen, Purpose.IDENTIFY, phone, customer=customer)
    except SeveralCustomers as several:
        choose(screen, phone, several.customers)
        return
    if sent is None:
        return

    def done(result: Passed | None) -> None:
        if result is None or result.customer_id is None:
            return
        found = Customer.get_or_none(Customer.id == result.customer_id)
        if found is not None and screen.run(lambda: reg.attach_customer(found)):
            screen.say(
                _("Confirmed by SMS code: {name}'s card is attached.").format(name=found.name),
                severity="information",
            )

    title = _("Customer by phone: the SMS code")
    screen.app.push_screen(CodeScreen(sent, title), done)


def choose(screen: SaleScreen, phone: str, customers: list[Customer]) -> None:
    """One phone, several cards: the cashier picks the customer's, then the code is sent."""
    by_id = {str(c.id): c for c in customers}
    options = [(str(c.id), "  ".join(p for p in (c.name, c.card or "") if p)) for c in customers]

    def chosen(key: str | None) -> None:
        if key in by_id:
            identify(screen, phone, by_id[key])

    title = _("{n} cards have this phone: choose the customer's").format(n=len(customers))
    screen.app.push_screen(PickScreen(title, options), chosen)


# --- (b) paying with bonuses, with a code -------------------------------------------------------


def bonus_needs_code(screen: SaleScreen, amount: int) -> bool:
    """Whether paying ``amount`` with bonuses still needs the customer's code on this receipt."""
    reg = screen.register
    assert reg is not None
    if not Policy.of(screen.app.settings).bonus_needs_code(amount):  # type: ignore[attr-defined]
        return False
    if reg.uuid is None:
        return True
    found = verification.passed(
        Purpose.BONUS, receipt_uuid=reg.uuid, customer_id=reg.basket.customer_id, amount=amount
    )
    return found is None


def confirm_bonus(screen: SaleScreen, amount: int, then: Callable[[bool], Any]) -> None:
    """Send the customer a code for paying ``amount`` with bonuses and take it; ``then(True)``
    once it passed, ``then(False)`` when it did not (no code sent, or Escape)."""
    reg = screen.register
    assert reg is not None
    customer_id = reg.basket.customer_id
    sent = still_good(screen, Purpose.BONUS, customer_id, amount)
    try:
        sent = sent or verification.request_code(
            Purpose.BONUS,
            customer_id,
            receipt_uuid=reg.uuid,
            by=screen.app.employee,  # type: ignore[attr-defined]
            now=screen.app.clock(),  # type: ignore[attr-defined]
            amount=amount,
            policy=Policy.of(screen.app.settings),  # type: ignore[attr-defined]
            terminal=screen.app.terminal,  # type: ignore[attr-defined]
        )
    except (TorgError, peewee.DatabaseError) as exc:
        why = exc.message if isinstance(exc, TorgError) else str(exc)
        without_code(screen, why, amount, then)
        return
    title = _("Paying {amount} with bonuses: the customer's SMS code").format(
        amount=format_money(amount)
    )
    screen.app.push_screen(CodeScreen(sent, title), lambda result: then(result is not None))


def without_code(screen: SaleScreen, why: str, amount: int, then: Callable[[bool], Any]) -> None:
    """No code could be sent (the card has no phone, too many codes): go on without one only
    if the cashier asks and the service allows it (by right, or a senior's PIN)."""
    reg = screen.register
    assert reg is not None
    uuid, customer_id, app = reg.uuid, reg.basket.customer_id, screen.app

    def skip(approval: Any) -> Passed:
        assert uuid is not None
        return verification.skip(
            Purpose.BONUS,
            receipt_uuid=uuid,
            by=app.employee,  # type: ignore[attr-defined]
            now=app.clock(),  # type: ignore[attr-defined]
            customer=customer_id,
            amount=amount,
            approval=approval,
            terminal=app.terminal,  # type: ignore[attr-defined]
        )

    def failed(text: str) -> None:
        screen.say(text)
        then(False)

    def answered(yes: bool | None) -> None:
        if not yes:
            then(False)
            return
        with_approval(app, skip, done=lambda _passed: then(True), fail=failed)

    question = _("{why} Pay {amount} with bonuses without the customer's code?").format(
        why=why, amount=format_money(amount)
    )
    app.push_screen(ConfirmScreen(question), answered)
