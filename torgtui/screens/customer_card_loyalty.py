"""The customer card's Loyalty section: the card (number, type, status), the tier and the way to
the next threshold, the bonuses with their expiry, and the VIP account (mode, limit, debt,
overdue); F5 issues a card (a blank card scanned, or the next number), F6 blocks or unblocks
it, F7 saves it as a PDF to print on card stock.

Everything shown comes from the loyalty services (cards.describe, bonuses.summary,
vip.summary), read in the card screen's thread workers; the services check every right again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from torgtui.customers.printing import card_pdf
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import bonuses, cards, numbering, vip
from torgtui.models import Customer, Employee
from torgtui.money import format_money
from torgtui.screens.customer_card_common import format_date
from torgtui.screens.customer_card_sections import Section
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen, PickScreen

if TYPE_CHECKING:
    from torgtui.marketing.vip import VipState


@dataclass(frozen=True)
class LoyaltyFacts:
    """One customer's loyalty as the services give it (read in a worker)."""

    customer: Customer
    card: dict[str, Any] | None  # cards.describe (None: no card, or no card type)
    bonus: dict[str, Any]  # bonuses.summary
    vip: VipState | None
    vip_hidden: bool  # the employee may not read VIP accounts
    card_types: list[tuple[int, str]]  # the types a card can be issued in (id, name)


def load_loyalty(customer_id: int, employee: Employee, at: dt.datetime) -> LoyaltyFacts:
    customer = Customer.get_by_id(customer_id)
    state = cards.card_state(customer_id)
    rule = cards.rules().get(state.card_type_id) if state and state.card_type_id else None
    card = cards.describe(state, rule) if state is not None and rule is not None else None
    hidden = False
    try:
        account = vip.summary(customer_id, by=employee, at=at)
    except PermissionDenied:
        account, hidden = None, True
    types = sorted(((r.id, r.name) for r in cards.rules().values() if r.active), key=lambda t: t[1])
    return LoyaltyFacts(
        customer, card, bonuses.summary(customer_id, at), account, hidden, list(types)
    )


# --- words ------------------------------------------------------------------------------------


def card_lines(facts: LoyaltyFacts) -> list[str]:
    customer, card = facts.customer, facts.card
    if not customer.card:
        return [_("No card yet: F5 issues one (scan a blank card or take the next number).")]
    status = _("blocked") if customer.card_status == "blocked" else _("active")
    issued = format_date(customer.card_issued_at.date()) if customer.card_issued_at else "-"
    out = [
        _("Card {number} · {status} · issued {date}").format(
            number=customer.card, status=status, date=issued
        )
    ]
    if card is None:
        return [*out, _("No card type: F5 issues the card in one.")]
    kind = f"{card.get('name', '')} ({cards.kind_title(str(card.get('kind', '')))})"
    tier = card.get("tier")
    if isinstance(tier, dict):
        out.append(kind)
        text = _("Tier {percent}% from {start} · bought {counted}").format(
            percent=tier["percent"],
            start=format_money(int(tier["from"])),
            counted=format_money(int(tier["counted"])),
        )
        following = tier.get("next")
        if following:
            text += " · " + _("{left} more to {percent}%").format(
                left=format_money(int(following["left"])), percent=following["percent"]
            )
        else:
            text += " · " + _("the top tier")
        out.append(text)
    elif card.get("kind") == "bonus":
        days = card.get("bonus_expiry_days")
        text = _("{percent}% in bonuses").format(percent=card.get("bonus_percent", "0"))
        if days:
            text += ", " + _("they last {days} days").format(days=days)
        out.append(f"{kind}: {text}")
    elif "percent" in card:
        text = _("{percent}% off").format(percent=card["percent"])
        if card.get("spent"):
            text += ", " + _("used already")
        out.append(f"{kind}: {text}")
    else:
        out.append(kind)
    return out


def bonus_line(summary: dict[str, Any]) -> str:
    text = _("Bonuses {balance}, to spend now {spendable}").format(
        balance=format_money(int(summary["balance"])),
        spendable=format_money(int(summary["spendable"])),
    )
    soonest = summary.get("next_expiry")
    if soonest:
        text += " · " + _("{amount} lapse {date}").format(
            amount=format_money(int(soonest["amount"])),
            date=format_date(soonest["expires_at"].date()),
        )
    return text


def vip_lines(state: VipState | None) -> list[str]:
    if state is None or not (state.mode or state.balance):
        return []
    owed = _("owes {debt}").format(debt=format_money(state.debt))
    if state.deposit:
        owed += ", " + _("{deposit} on account").format(deposit=format_money(state.deposit))
    out = [
        _("VIP: {mode} · limit {limit} · {owed} · available {available}").format(
            mode=vip.mode_title(state.mode),
            limit=format_money(state.limit),
            owed=owed,
            available=format_money(state.available),
        )
    ]
    if state.overdue:
        out.append(vip.highlight(state))
    elif state.term_days:
        out.append(
            ngettext(
                "Debts are due in {n} day.", "Debts are due in {n} days.", state.term_days
            ).format(n=state.term_days)
            + (
                " " + _("Next due {date}.").format(date=format_date(state.next_due_at.date()))
                if state.next_due_at
                else ""
            )
        )
    return out


# --- the section ------------------------------------------------------------------------------


class LoyaltySection(Section):
    """The card, tier, bonuses (their expiry in the table) and VIP account."""

    BINDINGS = [
        Binding("f5", "issue", _("Issue card"), show=False, id="card.loyalty.issue"),
        Binding("f6", "block", _("Block/unblock"), show=False, id="card.loyalty.block"),
        Binding("f7", "print", _("Print card"), show=False, id="card.loyalty.print"),
    ]
    columns = ((_("Bonuses"), 16), (_("Lapse on"), 12))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.facts: LoyaltyFacts | None = None

    def compose(self) -> ComposeResult:
        yield Label("", classes="section-hint", markup=False)
        yield Static("", id="loyalty-facts", markup=False)
        yield Label("", id="loyalty-overdue", markup=False)
        yield self.table_class(cursor_type="row", zebra_stripes=True, classes="section-table")

    def load(self) -> None:
        cid = self.need_card()
        self.table.clear()
        self.facts = None
        if cid is None:
            self.hint("")
            self.query_one("#loyalty-facts", Static).update("")
            self.query_one("#loyalty-overdue", Label).display = False
            return
        employee, clock = self.app.employee, self.app.clock  # type: ignore[attr-defined]
        self.card.job(lambda: load_loyalty(cid, employee, clock()), self.show)

    def show(self, facts: LoyaltyFacts) -> None:
        self.facts = facts
        self.hint(_("F5 issue a card · F6 block or unblock · F7 print (PDF)"))
        lines = card_lines(facts)
        if facts.bonus["balance"] or (facts.card or {}).get("kind") == "bonus":
            lines.append(bonus_line(facts.bonus))
        warning = ""
        for i, text in enumerate(vip_lines(facts.vip)):
            if i == 1 and facts.vip is not None and facts.vip.overdue:
                warning = text
            else:
                lines.append(text)
        if facts.vip_hidden:
            lines.append(_("VIP account: your role may not see it."))
        self.query_one("#loyalty-facts", Static).update("\n".join(lines))
        overdue = self.query_one("#loyalty-overdue", Label)
        overdue.update(warning)
        overdue.display = bool(warning)
        table = self.table
        table.clear()
        for i, bucket in enumerate(facts.bonus["buckets"]):
            lapse = bucket["expires_at"]
            table.add_row(
                Text(format_money(int(bucket["amount"])), justify="right", no_wrap=True),
                format_date(lapse.date()) if lapse else _("never"),
                key=str(i),
            )

    # --- F5: issue a card ------------------------------------------------------------------

    def action_issue(self) -> None:
        facts = self.facts
        if self.need_card() is None or facts is None:
            return
        if not facts.card_types:
            self.card.show_error(_("There are no card types yet: a manager adds them first."))
            return
        customer = facts.customer
        if customer.card:
            question = _(
                "Give {name} a new card instead of {card}? The old number stops working."
            ).format(name=customer.name, card=customer.card)
            self.app.push_screen(
                ConfirmScreen(question), lambda yes: self.choose_type() if yes else None
            )
            return
        self.choose_type()

    def choose_type(self) -> None:
        assert self.facts is not None
        types = self.facts.card_types
        if len(types) == 1:
            self.ask_number(types[0][0])
            return
        current = self.facts.customer.card_type_id
        types = sorted(types, key=lambda t: t[0] != current)  # the customer's own type first
        options = [(str(type_id), name) for type_id, name in types]

        def chosen(key: str | None) -> None:
            if key is not None:
                self.ask_number(int(key))

        self.app.push_screen(PickScreen(_("Which card type?"), options), chosen)

    def ask_number(self, type_id: int) -> None:
        title = _("Scan the blank card, or press Enter to give the next number")

        def typed(text: str | None) -> None:
            if text is not None:
                self.issue(type_id, text.strip() or None)

        self.app.push_screen(AskScreen(title, accepts_scans=True), typed)

    def issue(self, type_id: int, number: str | None) -> None:
        cid = self.card.customer_id
        app = self.app
        prefix = app.settings.customers.card_prefix  # type: ignore[attr-defined]

        def issue() -> Customer:
            return numbering.issue_card(
                cid,  # type: ignore[arg-type]
                type_id,
                number,
                by=app.employee,  # type: ignore[attr-defined]
                shop_prefix=prefix,
                clock=app.clock,  # type: ignore[attr-defined]
            )

        self.card.job(issue, self.changed(_("Card {card} issued to {name}.")))

    def changed(self, message: str) -> Any:
        def done(customer: Customer) -> None:
            self.card.reload()  # the form shows the new number; this section reloads too
            self.card.say(message.format(card=customer.card, name=customer.name))

        return done

    # --- F6: block or unblock --------------------------------------------------------------

    def action_block(self) -> None:
        facts = self.facts
        if self.need_card() is None or facts is None:
            return
        customer = facts.customer
        if not customer.card:
            self.card.show_error(
                _("{name} has no card yet: issue one first.").format(name=customer.name)
            )
            return
        blocked = customer.card_status == "blocked"
        title = (
            _("Unblock card {card}: the reason, Enter")
            if blocked
            else _("Block card {card} (lost, misused): the reason, Enter")
        ).format(card=customer.card)
        action = numbering.unblock_card if blocked else numbering.block_card
        message = _("Card {card} unblocked.") if blocked else _("Card {card} blocked.")
        cid, app = customer.id, self.app

        def typed(reason: str | None) -> None:
            if reason is not None:
                self.card.job(
                    lambda: action(cid, by=app.employee, reason=reason, clock=app.clock),  # type: ignore[attr-defined]
                    self.changed(message),
                )

        self.app.push_screen(AskScreen(title), typed)

    # --- F7: print -------------------------------------------------------------------------

    def action_print(self) -> None:
        facts = self.facts
        if self.need_card() is None or facts is None:
            return
        customer = facts.customer
        if not customer.card:
            self.card.show_error(
                _("{name} has no card yet: issue one first.").format(name=customer.name)
            )
            return
        store = self.app.settings.store.name  # type: ignore[attr-defined]
        cid = customer.id

        def save(path: str) -> str:
            summary = card_pdf(path, [Customer.get_by_id(cid)], store_name=store)
            if not summary.printed:
                raise ValidationError(_("Nothing to print: the card has no number."))
            return path

        def typed(path: str | None) -> None:
            if path and path.strip():
                where = path.strip()
                self.card.job(
                    lambda: save(where),
                    lambda saved: self.card.say(
                        _("Card saved to {path}: print it on card stock.").format(path=saved)
                    ),
                )

        title = _("Save the card as a PDF: the file's name, Enter")
        self.app.push_screen(AskScreen(title, value=f"card-{customer.card}.pdf"), typed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
