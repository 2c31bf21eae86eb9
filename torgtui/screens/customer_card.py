"""The customer card: personal data, family, purchase history, contacts and reminders, delivery
addresses, interests, loyalty (card, tier, bonuses, VIP account) and Refer a Friend ("Friends":
campaigns and codes), each a section switched by F3/F4 (or Alt+1..8).

F2 saves the card (and its family) through the customer service; a phone or card that another
card has offers to open that card instead, and a phone that a family shares may be saved on
this card too by those allowed ("save anyway"). Roles without "see phone numbers" see the
phones masked and cannot retype them. Every database call runs in a thread worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Checkbox, ContentSwitcher, Footer, Input, Label

from torgtui.customers.merge import clean_card, erase_customer
from torgtui.customers.service import (
    CardData,
    DuplicateCustomer,
    FamilyData,
    SharedPhone,
    card_data,
    create_customer,
    shown_phone,
    status_title,
    update_customer,
)
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Customer
from torgtui.screens.customer_card_common import (
    DbJobs,
    Failed,
    format_date,
    parse_date,
    wants_failures,
)
from torgtui.screens.customer_card_contacts import (
    ContactsSection,
    DeliverySection,
    InterestsSection,
)
from torgtui.screens.customer_card_loyalty import LoyaltySection
from torgtui.screens.customer_card_referral import ReferralSection
from torgtui.screens.customer_card_sections import FamilySection, HistorySection, Section
from torgtui.screens.sale_dialogs import ConfirmScreen, PickScreen
from torgtui.staff import Permission, can, require
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp

SECTIONS = ("card", "family", "history", "contacts", "delivery", "interests", "loyalty", "referral")
TEXT_FIELDS = (
    "name",
    "phones",
    "card",
    "email",
    "birth",
    "gender",
    "language",
    "social",
    "attention_note",
    "note",
)


def section_titles() -> dict[str, str]:
    return {
        "card": _("Card"),
        "family": _("Family"),
        "history": _("History"),
        "contacts": _("Contacts"),
        "delivery": _("Delivery"),
        "interests": _("Interests"),
        "loyalty": _("Loyalty"),
        "referral": _("Friends"),  # Refer a Friend (torgtui.screens.customer_card_referral)
    }


@dataclass(frozen=True)
class Loaded:
    """A card as read in the worker: the row, its editable data, and the status text."""

    customer: Customer
    data: CardData


def load_card(customer_id: int) -> Loaded:
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise TorgError(_("Card {id} does not exist (deleted meanwhile?).").format(id=customer_id))
    return Loaded(customer, card_data(customer))


class CustomerCardScreen(DbJobs, Screen["int | None"]):
    """One customer's card; dismisses with the card's id (None for a new card never saved)."""

    CSS_PATH = "customer_card.tcss"
    BINDINGS = [
        Binding("f2", "save", _("Save"), id="card.save"),
        Binding("f3", "section(-1)", _("◂ Section"), id="card.prev"),
        Binding("f4", "section(1)", _("Section ▸"), id="card.next"),
        Binding("f8", "clean", _("Clean/erase"), id="card.clean"),
        Binding("f9", "partner", _("Partner"), show=False, id="card.partner"),
        Binding("escape", "back", _("Back"), id="card.back"),
        *(
            Binding(f"alt+{i + 1}", f"show('{name}')", name, show=False, id=f"card.{name}")
            for i, name in enumerate(SECTIONS)
        ),
    ]

    app: TorgApp

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer: Customer | None = None
        self.loaded_data = CardData(name="")
        self.family: list[FamilyData] = []
        self.family_changed = False
        self.masked = False
        self.filled_values: dict[str, Any] = {}
        self.current = "card"

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(_("Customer card"))
        yield Label("", id="card-tabs")
        yield Label("", id="card-attention", markup=False)
        with ContentSwitcher(initial="sec-card", id="card-sections"):
            with VerticalScroll(id="sec-card"):
                for key, label, hint, restrict in self.form_rows():
                    with Horizontal(classes="card-row"):
                        yield Label(label, classes="card-label", markup=False)
                        yield Input(
                            placeholder=hint, restrict=restrict, id=f"card-{key}", compact=True
                        )
                with Horizontal(classes="card-row"):
                    yield Label(_("Attention"), classes="card-label", markup=False)
                    yield Checkbox(_("! shown at the register"), id="card-attention-flag")
                yield Label("", id="card-phones-note", markup=False)
            yield FamilySection(id="sec-family")
            yield HistorySection(id="sec-history")
            yield ContactsSection(id="sec-contacts")
            yield DeliverySection(id="sec-delivery")
            yield InterestsSection(id="sec-interests")
            yield LoyaltySection(id="sec-loyalty")
            yield ReferralSection(id="sec-referral")
        yield Label("", id="card-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    @staticmethod
    def form_rows() -> list[tuple[str, str, str, str | None]]:
        return [
            ("name", _("Name"), _("surname, name"), None),
            ("phones", _("Phones"), _("067 123 45 67, +380..."), r"[0-9+()\- ,;]*"),
            ("card", _("Card number"), _("letters or digits"), None),
            ("email", _("Email"), "name@example.com", None),
            ("birth", _("Birth date"), _("DD.MM.YYYY"), r"[0-9.]*"),
            ("gender", _("Gender"), _("f, m or empty"), r"[fm]?"),
            ("language", _("Language"), _("uk, en or empty"), r"[a-z]{0,2}"),
            ("social", _("Social links"), _("links, separated by spaces"), None),
            ("attention_note", _("Attention note"), _("what to mind with them"), None),
            ("note", _("Notes"), "", None),
        ]

    def on_mount(self) -> None:
        self.show_tabs()
        self.query_one("#card-name", Input).focus()
        if self.customer_id is not None:
            self.reload()
        else:
            self.fill(CardData(name=""), None)

    # --- showing ---------------------------------------------------------------------------

    def show_tabs(self) -> None:
        parts = []
        for name, title in section_titles().items():
            if name == self.current:
                parts.append(Content.styled(f" {title} ", "reverse bold"))
            else:
                parts.append(Content(f" {title} "))
        self.query_one("#card-tabs", Label).update(Content("").join(parts))

    def say(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#card-message", Label)
        label.update(text)
        label.set_class(error, "-error")

    def show_error(self, text: str) -> None:
        self.say(text, error=True)

    def reload(self) -> None:
        """Read the card again (after a save, a clean, or opening another one)."""
        cid = self.customer_id
        if cid is not None:
            self.job(lambda: load_card(cid), lambda loaded: self.fill(loaded.data, loaded.customer))

    def fill(self, data: CardData, customer: Customer | None) -> None:
        """Put a card into the form (and the family section)."""
        self.customer = customer
        employee = self.app.employee
        self.masked = customer is not None and not can(employee, Permission.SEE_PHONES)
        phones = [shown_phone(p, employee) for p in data.phones] if self.masked else data.phones
        values = {
            "name": data.name,
            "phones": ", ".join(phones),
            "card": data.card,
            "email": data.email,
            "birth": format_date(data.birth_date),
            "gender": data.gender,
            "language": data.language,
            "social": " ".join(data.social.split()),
            "attention_note": data.attention_note,
            "note": " ".join(data.note.splitlines()),
        }
        for key in TEXT_FIELDS:
            self.query_one(f"#card-{key}", Input).value = values[key]
        self.query_one("#card-attention-flag", Checkbox).value = data.attention
        self.filled_values = self.form_values()
        self.loaded_data = data
        self.family = list(data.family or [])
        self.family_changed = False
        self.query_one(FamilySection).show_family(self.family)
        phones_input = self.query_one("#card-phones", Input)
        phones_input.disabled = self.masked
        self.query_one("#card-phones-note", Label).update(
            _("Phones are masked for your role and cannot be changed here: ask a senior cashier.")
            if self.masked
            else ""
        )
        inactive = customer is not None and customer.status != "active"
        for widget in self.query_one("#sec-card").query("Input, Checkbox"):
            if widget is not phones_input:
                widget.disabled = inactive
        if inactive:
            phones_input.disabled = True
            self.say(
                _("This card is {status}: it cannot be edited.").format(
                    status=status_title(customer.status)
                ),
                error=True,
            )
        self.show_attention()
        current = self.query_one(f"#sec-{self.current}")
        if isinstance(current, Section):
            current.load()

    def show_attention(self) -> None:
        label = self.query_one("#card-attention", Label)
        data = self.loaded_data
        label.display = bool(data.attention)
        if data.attention:
            label.update(_("! ATTENTION: {note}").format(note=data.attention_note or "-"))

    # --- sections --------------------------------------------------------------------------

    def action_section(self, step: int) -> None:
        index = (SECTIONS.index(self.current) + step) % len(SECTIONS)
        self.action_show(SECTIONS[index])

    def action_show(self, name: str) -> None:
        self.current = name
        self.query_one("#card-sections", ContentSwitcher).current = f"sec-{name}"
        self.show_tabs()
        self.say("")
        section = self.query_one(f"#sec-{name}")
        if isinstance(section, Section):
            section.load()
            section.focus_first()
        else:
            self.query_one("#card-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("card-"):
            event.stop()
            self.focus_next()

    # --- saving ----------------------------------------------------------------------------

    def form_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: self.query_one(f"#card-{key}", Input).value for key in TEXT_FIELDS
        }
        values["attention"] = self.query_one("#card-attention-flag", Checkbox).value
        return values

    def form_data(self) -> CardData:
        """The form as CardData; a malformed birth date raises ValidationError."""
        v = self.form_values()
        phones = (
            list(self.loaded_data.phones)
            if self.masked
            else [p for p in v["phones"].replace(";", ",").split(",") if p.strip()]
        )
        return CardData(
            name=v["name"],
            phones=phones,
            card=v["card"],
            email=v["email"],
            birth_date=parse_date(v["birth"], _("Birth date")),
            gender=v["gender"],
            language=v["language"],
            attention=v["attention"],
            attention_note=v["attention_note"],
            social="\n".join(v["social"].split()),
            note=v["note"],
            family=list(self.family),
        )

    def is_dirty(self) -> bool:
        return self.family_changed or self.form_values() != self.filled_values

    def action_save(self, share_phone: bool = False) -> None:
        """F2: save the card; ``share_phone`` after the "save anyway" answer to a phone that
        other cards have (the service checks the right again)."""
        if self.customer is not None and self.customer.status != "active":
            self.show_error(
                _("This card is {status}: it cannot be edited.").format(
                    status=status_title(self.customer.status)
                )
            )
            return
        try:
            data = self.form_data()
        except TorgError as exc:
            self.show_error(exc.message)
            return
        employee, clock, cid = self.app.employee, self.app.clock, self.customer_id

        def save() -> int:
            if cid is None:
                return create_customer(data, by=employee, clock=clock, share_phone=share_phone).id
            card = Customer.get_by_id(cid)
            return update_customer(card, data, by=employee, clock=clock, share_phone=share_phone).id

        self.say(_("Saving..."))
        self.job(save, self.saved)

    @wants_failures
    def saved(self, result: int | Failed) -> None:
        if isinstance(result, Failed):
            error = result.error
            if isinstance(error, SharedPhone) and error.existing and error.may_share:
                self.offer_sharing(error)
            elif isinstance(error, DuplicateCustomer) and error.existing:
                self.offer_existing(error)
            else:
                self.show_error(error.message)
            return
        self.customer_id = result
        self.say(_("Saved."))
        self.reload()

    def offer_existing(self, error: DuplicateCustomer) -> None:
        self.show_error(error.message)
        other = error.existing[0]

        def answered(yes: bool | None) -> None:
            if yes:
                self.open_card(other.id)

        question = _("{message}\nOpen the card of {name} instead? Your typing is dropped.").format(
            message=error.message, name=other.name
        )
        self.app.push_screen(ConfirmScreen(question), answered)

    def offer_sharing(self, error: SharedPhone) -> None:
        """A phone other cards have, and the employee may share it: open the existing card,
        or save this one on the same phone anyway (a family sharing one phone; audited)."""
        self.show_error(error.message)
        other = error.existing[0]
        options = [
            ("share", _("Save anyway: this card shares the phone (a family)")),
            (
                "open",
                _("Open the card of {name} instead (your typing is dropped)").format(
                    name=other.name
                ),
            ),
        ]

        def chosen(key: str | None) -> None:
            if key == "share":
                self.action_save(share_phone=True)
            elif key == "open":
                self.open_card(other.id)

        self.app.push_screen(PickScreen(_("This phone is on another card"), options), chosen)

    def open_card(self, customer_id: int, message: str = "") -> None:
        """Show another card in this screen (the existing duplicate, a card from a waybill)."""
        self.customer_id = customer_id
        self.say(message)
        self.reload()

    def action_partner(self) -> None:
        """Who brought the customer (torgtui.screens.customer_card_partner)."""
        from torgtui.screens.customer_card_partner import open_partner

        open_partner(self)

    # --- clean and erase -------------------------------------------------------------------

    def action_clean(self) -> None:
        customer = self.customer
        if customer is None:
            self.show_error(_("This card is not saved yet: there is nothing to clean."))
            return
        try:
            require(self.app.employee, Permission.DELETE_CUSTOMERS)
        except TorgError as exc:
            self.show_error(exc.message)
            return
        options = [
            ("clean", _("Clean the card: keep its number for a new owner")),
            ("erase", _("Erase the person on their request: the number goes too")),
        ]
        self.app.push_screen(PickScreen(_("Clean or erase?"), options), self.clean_chosen)

    def clean_chosen(self, choice: str | None) -> None:
        customer = self.customer
        if choice not in ("clean", "erase") or customer is None:
            return
        card = customer.card or str(customer.id)
        lost = _(
            "Name, phones, email, birth date, notes, family, interests, contacts, reminders and "
            "delivery addresses are deleted; receipts stay but no longer name the customer; "
            "the totals go to zero. This cannot be undone."
        )
        if choice == "clean":
            question = _(
                "Clean the card {card} of {name}? {lost} The number {card} stays for a new owner."
            ).format(card=card, name=customer.name, lost=lost)
        else:
            question = _("Erase {name} (card {card})? {lost} The card number is freed too.").format(
                card=card, name=customer.name, lost=lost
            )
        employee, clock, cid = self.app.employee, self.app.clock, customer.id
        action = clean_card if choice == "clean" else erase_customer

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(
                    lambda: action(Customer.get_by_id(cid), by=employee, clock=clock).id,
                    lambda _id: self.cleaned(choice),
                )

        self.app.push_screen(ConfirmScreen(question), answered)

    def cleaned(self, choice: str) -> None:
        self.reload()
        self.app.notify(_("Card cleaned.") if choice == "clean" else _("Person erased."))

    # --- leaving ---------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.app.screen is not self:
            return
        if self.customer is not None and self.customer.status != "active":
            self.dismiss(self.customer_id)
            return
        if not self.is_dirty():
            self.dismiss(self.customer_id)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(self.customer_id)

        self.app.push_screen(
            ConfirmScreen(_("Leave the card without saving your changes?")), answered
        )
