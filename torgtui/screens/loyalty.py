"""The Loyalty and promotions area (key 4): where a manager keeps the loyalty rules -- card
types with their thresholds and group rates, accelerators, the shop's loyalty policy --,
writes off unused bonuses (one card, or every card a filter finds, counted first), and keeps
the promotions (the list, card and builder), their promo codes, sets and pre-orders.

Each section is shown only to a role that may use it (edit prices and promotions; write off
bonuses; sell, for pre-orders); the services check the permission again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import bonuses, cards, policy
from torgtui.marketing.policy import CHANGE_POLICIES, RETURN_POLICIES, LoyaltyPolicy
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.office import OfficeJobs
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.screens.vip import FindCustomerDialog
from torgtui.staff import Permission, can
from torgtui.values import check_count, check_text, parse_money

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Section:
    key: str
    id: str
    title: str
    permission: Permission


def sections() -> list[Section]:
    return [
        Section("1", "card_types", _("Card types and thresholds"), Permission.EDIT_PRICES),
        Section("2", "accelerators", _("Accelerators"), Permission.EDIT_PRICES),
        Section("3", "policy", _("Loyalty policy"), Permission.EDIT_PRICES),
        Section("4", "write_off", _("Write off a card's bonuses"), Permission.WRITE_OFF_BONUSES),
        Section(
            "5", "mass_write_off", _("Write off bonuses by filter"), Permission.WRITE_OFF_BONUSES
        ),
        Section("6", "promotions", _("Promotions"), Permission.EDIT_PRICES),
        Section("7", "code_batches", _("Promo codes"), Permission.EDIT_PRICES),
        Section("8", "bundles", _("Sets"), Permission.EDIT_PRICES),
        Section("9", "preorders", _("Pre-orders"), Permission.SELL),
    ]


def return_titles() -> dict[str, str]:
    return {
        "deduct": _("deduct from the refund"),
        "negative": _("let the balance go negative"),
        "forgive": _("write them off"),
    }


def change_titles() -> dict[str, str]:
    return {
        "all": _("all of the change"),
        "coins": _("the coins only"),
        "off": _("never"),
    }


def parse_policy(values: dict[str, str]) -> LoyaltyPolicy:
    try:
        point = Decimal(values["point"].strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            _("point_value is a number of hryvnias from 0.0001 to 1000.")
        ) from None
    return LoyaltyPolicy(
        return_when_spent=values["returns"],
        change_to_card=values["change"],
        expiry_notice_days=check_count(values["notice"], _("Days of notice"), maximum=365),
        point_value=point,
    ).checked()


def policy_dialog(current: LoyaltyPolicy, save: Any) -> FormDialog:
    return FormDialog(
        _("Loyalty policy"),
        [
            FormField(
                "returns",
                _("Spent, then returned"),
                current.return_when_spent,
                choices=tuple((p, return_titles()[p]) for p in RETURN_POLICIES),
            ),
            FormField(
                "change",
                _("Change to the card"),
                current.change_to_card,
                choices=tuple((p, change_titles()[p]) for p in CHANGE_POLICIES),
            ),
            FormField("notice", _("Days of notice"), str(current.expiry_notice_days), "7"),
            FormField("point", _("One point, ₴"), f"{current.point_value.normalize():f}", "1"),
        ],
        parse_policy,
        lines=[
            _(
                "What a return does when the bonuses it takes back were spent; what change "
                "goes onto the card; how many days ahead customers hear that bonuses lapse."
            )
        ],
        label_width=22,
        save=save,
    )


class CountDialog(FormDialog):
    """The mass write-off's filter: F2 counts what it would write off (nothing is written)."""

    BINDINGS = [Binding("f2", "submit", _("Count"), id="mass_write_off.count")]


@dataclass(frozen=True)
class WriteOffFilter:
    inactive_days: int | None
    card_type_id: int | None
    reason: str


class LoyaltyScreen(OfficeJobs, AreaScreen):
    """The menu of the loyalty rules: a section by its key, or the arrows and Enter."""

    CSS_PATH = [HERE / "area.tcss", HERE / "loyalty.tcss"]
    AUTO_FOCUS = "#loyalty-sections"
    BINDINGS = [
        Binding(s.key, f"open('{s.id}')", s.title, show=False, id=f"loyalty.{s.id}")
        for s in sections()
    ]

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Press a section's key, or choose it with the arrows and press Enter."),
            classes="loyalty-hint",
        )
        yield OptionList(
            *(
                Option(Content(f"{s.key}  {s.title}"), id=s.id)
                for s in sections()
                if can(self.app.employee, s.permission)
            ),
            id="loyalty-sections",
            markup=False,
        )
        yield Label("", id="loyalty-message", markup=False)

    def say(self, text: str) -> None:
        message = self.query_one("#loyalty-message", Label)
        message.update(text)
        message.display = bool(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open" and parameters:
            found = {s.id: s for s in sections()}.get(str(parameters[0]))
            return found is not None and can(self.app.employee, found.permission)
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.action_open(event.option.id)

    def action_open(self, section: str) -> None:
        self.say("")
        if section == "card_types":
            from torgtui.screens.card_types import CardTypesScreen

            self.app.push_screen(CardTypesScreen(self.area))
        elif section == "accelerators":
            from torgtui.screens.accelerators import AcceleratorsScreen

            self.app.push_screen(AcceleratorsScreen(self.area))
        elif section == "policy":
            self.edit_policy()
        elif section == "write_off":
            self.write_off_one()
        elif section == "mass_write_off":
            self.write_off_many()
        elif section == "promotions":
            from torgtui.screens.promotions import PromotionsScreen

            self.app.push_screen(PromotionsScreen(self.area))
        elif section == "code_batches":
            from torgtui.screens.code_batches import CodeBatchesScreen

            self.app.push_screen(CodeBatchesScreen(self.area))
        elif section == "bundles":
            from torgtui.screens.bundles import BundlesScreen

            self.app.push_screen(BundlesScreen(self.area))
        elif section == "preorders":
            from torgtui.screens.preorders import PreordersScreen

            self.app.push_screen(PreordersScreen(self.area))

    # --- the loyalty policy ---------------------------------------------------------------

    def edit_policy(self) -> None:
        employee, clock = self.app.employee, self.app.clock

        def save(new: LoyaltyPolicy) -> LoyaltyPolicy:
            return policy.save(new, by=employee, clock=clock)

        def saved(result: LoyaltyPolicy | None) -> None:
            if result is not None:
                self.app.notify(_("Loyalty policy saved."))

        self.job(
            policy.load, lambda current: self.app.push_screen(policy_dialog(current, save), saved)
        )

    # --- write-offs -----------------------------------------------------------------------

    def write_off_one(self) -> None:
        """Find the card, then how much (empty: all) and why."""

        def found(result: tuple[int, str] | None) -> None:
            if result is not None:
                customer_id, name = result
                self.job(
                    lambda: bonuses.balance_of(customer_id),
                    lambda balance: self.ask_write_off(customer_id, name, balance),
                )

        self.app.push_screen(FindCustomerDialog(_("Write off a card's bonuses")), found)

    def ask_write_off(self, customer_id: int, name: str, balance: int) -> None:
        if balance <= 0:
            self.say(_("{name} has no bonuses to write off.").format(name=name))
            return
        employee, clock = self.app.employee, self.app.clock

        def parse(values: dict[str, str]) -> tuple[int | None, str]:
            text = values["amount"].strip()
            amount = parse_money(text, _("The amount")) if text else None
            reason = check_text(values["reason"], _("The reason"), max_len=200, required=True)
            return amount, reason

        def save(value: tuple[int | None, str]) -> int:
            amount, reason = value
            return bonuses.write_off(customer_id, amount, reason, by=employee, clock=clock)

        def done(amount: int | None) -> None:
            if amount is not None:
                self.app.notify(
                    _("{amount} in bonuses written off {name}'s card.").format(
                        amount=format_money(amount), name=name
                    )
                )

        dialog = FormDialog(
            _("Write off bonuses of {name}").format(name=name),
            [
                FormField("amount", _("Amount"), "", _("empty: all of it")),
                FormField("reason", _("Reason"), "", _("why, for the audit log")),
            ],
            parse,
            lines=[_("On the card: {balance}.").format(balance=format_money(balance))],
            save=save,
        )
        self.app.push_screen(dialog, done)

    def write_off_many(self) -> None:
        """A filter (no purchase for N days, a card type), counted first, then confirmed."""
        self.job(cards.card_type_names, self.ask_filter)

    def ask_filter(self, types: list[tuple[int, str]]) -> None:
        employee, clock = self.app.employee, self.app.clock
        choices = (("", _("any card type")), *((str(i), name) for i, name in types))

        def parse(values: dict[str, str]) -> WriteOffFilter:
            days_text = values["days"].strip()
            days = (
                check_count(days_text, _("Days without a purchase"), minimum=1)
                if days_text
                else None
            )
            type_id = int(values["type"]) if values["type"] else None
            reason = check_text(values["reason"], _("The reason"), max_len=200, required=True)
            return WriteOffFilter(days, type_id, reason)

        def count(f: WriteOffFilter) -> tuple[WriteOffFilter, bonuses.MassWriteOff]:
            found = bonuses.mass_write_off(
                inactive_days=f.inactive_days,
                card_type_id=f.card_type_id,
                reason=f.reason,
                by=employee,
                dry_run=True,
                clock=clock,
            )
            return f, found

        dialog = CountDialog(
            _("Write off bonuses by filter"),
            [
                FormField("days", _("No purchase, days"), "", _("e.g. 365, or empty")),
                FormField("type", _("Card type"), "", choices=choices),
                FormField("reason", _("Reason"), "", _("why, for the audit log")),
            ],
            parse,
            lines=[
                _("F2 counts the cards and bonuses first; nothing is written until you confirm.")
            ],
            save=count,
        )
        self.app.push_screen(dialog, self.confirm_many)

    def confirm_many(self, counted: tuple[WriteOffFilter, bonuses.MassWriteOff] | None) -> None:
        if counted is None:
            return
        f, found = counted
        if not found.cards:
            self.say(_("No card with bonuses matches that filter: nothing to write off."))
            return
        text = ngettext(
            "{amount} in bonuses on {n} card will be written off: {reason}",
            "{amount} in bonuses on {n} cards will be written off: {reason}",
            found.cards,
        ).format(amount=format_money(found.amount), n=found.cards, reason=f.reason)
        employee, clock = self.app.employee, self.app.clock

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.job(
                lambda: bonuses.mass_write_off(
                    inactive_days=f.inactive_days,
                    card_type_id=f.card_type_id,
                    reason=f.reason,
                    by=employee,
                    clock=clock,
                ),
                self.written_off,
            )

        self.app.push_screen(ConfirmDialog(_("Write off these bonuses?"), text), answered)

    def written_off(self, result: bonuses.MassWriteOff) -> None:
        self.app.notify(
            ngettext(
                "{amount} in bonuses written off {n} card.",
                "{amount} in bonuses written off {n} cards.",
                result.cards,
            ).format(amount=format_money(result.amount), n=result.cards),
            timeout=8,
        )
