"""The customer card's contacts and reminders, delivery addresses (and a card from a Nova
Poshta waybill) and interests sections; see :mod:`torgtui.screens.customer_card_sections`."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from torgtui.channels.novaposhta import client_from_settings
from torgtui.customers.contacts import KINDS, add_reminder, contacts_of, log_contact
from torgtui.customers.delivery import CARRIERS, add_address, addresses_of, customer_from_ttn
from torgtui.customers.interests import add_interest, interests_of, remove_interest
from torgtui.customers.service import shown_phone
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Customer, Employee, ProductGroup
from torgtui.screens.customer_card_common import Field, FormScreen, parse_date
from torgtui.screens.customer_card_sections import PAGE, HistorySection, Section
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen, PickScreen
from torgtui.staff import active_employees

# --- contacts and reminders -----------------------------------------------------------------


def contact_kinds() -> dict[str, str]:
    return {
        "call": _("call"),
        "message": _("message"),
        "invoice": _("invoice"),
        "promise": _("promise"),
        "note": _("note"),
    }


def contacts_page(customer_id: int, before_id: int | None) -> list[tuple[Any, ...]]:
    return [
        (c.id, c.at, c.kind, c.direction, c.employee.name if c.employee_id else "", c.text)
        for c in contacts_of(customer_id, before_id=before_id, limit=PAGE)
    ]


class ContactsSection(HistorySection):
    """Calls, messages, invoices, promises and notes, newest first; F6 adds a reminder."""

    BINDINGS = [
        Binding("f5", "log", _("Log contact"), id="card.contacts.log"),
        Binding("f6", "remind", _("Reminder"), id="card.contacts.remind"),
        Binding("f7", "messages", _("Messages"), id="card.contacts.messages"),
    ]
    columns = ((_("When"), 16), (_("Kind"), 8), (_("Dir"), 3), (_("Who"), 12), (_("Text"), 30))

    def load(self) -> None:
        cid = self.need_card()
        self.table.clear()
        self.oldest, self.exhausted, self.reading = None, False, False
        self.hint(
            _(
                "F5 log a call, message, invoice, promise or note; F6 add a reminder; "
                "F7 messages and consent."
            )
        )
        if cid is not None:
            self.more()

    def more(self) -> None:
        cid = self.card.customer_id
        if cid is None or self.reading or self.exhausted:
            return
        self.reading = True
        before = self.oldest
        self.card.job(lambda: contacts_page(cid, before), self.add_page)

    def add_page(self, rows: list[tuple[Any, ...]]) -> None:
        self.reading = False
        self.exhausted = len(rows) < PAGE
        kinds = contact_kinds()
        for cid, at, kind, direction, who, text in rows:
            self.add_row(
                (f"{at:%d.%m.%Y %H:%M}", kinds.get(kind, kind), direction, who, text), str(cid)
            )
        if rows:
            self.oldest = rows[-1][0]

    def action_messages(self) -> None:
        """The messages the outbox sent this customer, and their consent (F2 there)."""
        from torgtui.screens.customer_messages import MessageLogScreen

        cid = self.need_card()
        if cid is not None:
            name = self.card.customer.name if self.card.customer is not None else ""
            self.app.push_screen(MessageLogScreen(cid, name))

    def action_log(self) -> None:
        if self.need_card() is None:
            return
        options = list(contact_kinds().items())
        self.app.push_screen(PickScreen(_("What kind of contact?"), options), self.kind_chosen)

    def kind_chosen(self, kind: str | None) -> None:
        if kind not in KINDS:
            return
        fields = [
            Field("direction", _("Direction"), "out", _("in, out or empty"), r"(i|in|o|ou|out)?"),
            Field("text", _("What about"), ""),
        ]

        def done(values: dict[str, str] | None) -> None:
            cid, employee, clock = self.card.customer_id, self.app.employee, self.app.clock
            if values is None or cid is None:
                return
            self.card.job(
                lambda: log_contact(
                    cid,
                    kind,
                    values["text"],
                    direction=values["direction"],
                    by=employee,
                    clock=clock,
                ),
                lambda _row: self.logged(_("Contact logged.")),
            )

        self.app.push_screen(FormScreen(contact_kinds()[kind], fields), done)

    def logged(self, message: str) -> None:
        self.card.say(message)
        self.load()

    def action_remind(self) -> None:
        if self.need_card() is None:
            return
        self.card.job(lambda: [(e.id, e.name) for e in active_employees()], self.pick_employee)

    def pick_employee(self, people: list[tuple[int, str]]) -> None:
        me = self.app.employee
        people.sort(key=lambda p: (me is None or p[0] != me.id, p[1]))
        options = [(str(pid), name) for pid, name in people]
        self.app.push_screen(PickScreen(_("Remind whom?"), options), self.employee_chosen)

    def employee_chosen(self, key: str | None) -> None:
        if not key:
            return
        today = self.app.clock().date()
        fields = [
            Field("due", _("Due date"), f"{today:%d.%m.%Y}", _("DD.MM.YYYY"), r"[0-9.]*"),
            Field("text", _("What to do"), ""),
        ]

        def done(values: dict[str, str] | None) -> None:
            cid, by, clock = self.card.customer_id, self.app.employee, self.app.clock
            if values is None or cid is None:
                return
            try:
                due = parse_date(values["due"], _("Reminder"))
            except TorgError as exc:
                self.card.show_error(exc.message)
                return
            if due is None:
                self.card.show_error(_("Reminder: give the day it is due."))
                return

            def remind() -> str:
                who = Employee.get_by_id(int(key))
                add_reminder(who, due, values["text"], customer=cid, by=by, clock=clock)
                return _("Reminder for {name} on {date} saved.").format(
                    name=who.name, date=f"{due:%d.%m.%Y}"
                )

            self.card.job(remind, self.card.say)

        self.app.push_screen(FormScreen(_("Reminder"), fields), done)


# --- delivery -------------------------------------------------------------------------------


def carriers() -> dict[str, str]:
    return {
        "nova_poshta": _("Nova Poshta"),
        "ukrposhta": _("Ukrposhta"),
        "street": _("Courier (street address)"),
    }


class DeliverySection(Section):
    """Delivery addresses, the one used last first; F6 makes a card from a waybill."""

    BINDINGS = [
        Binding("f5", "add", _("Add address"), id="card.delivery.add"),
        Binding("f6", "ttn", _("From TTN"), id="card.delivery.ttn"),
    ]
    columns = (
        (_("Carrier"), 11),
        (_("City"), 14),
        (_("Branch/street"), 22),
        (_("Recipient"), 14),
        (_("Phone"), 14),
    )

    def load(self) -> None:
        self.table.clear()
        cid = self.card.customer_id
        self.hint(_("F5 add an address; F6 a card from a Nova Poshta waybill (TTN)."))
        if cid is None:
            return
        viewer = self.app.employee
        names = carriers()

        def read() -> list[tuple[str, ...]]:
            return [
                (
                    str(a.id),
                    names.get(a.carrier, a.carrier),
                    a.city,
                    a.branch or a.street,
                    a.recipient,
                    shown_phone(a.phone, viewer),
                )
                for a in addresses_of(cid)
            ]

        self.card.job(read, self.show_rows)

    def show_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.table.clear()
        for key, *cells in rows:
            self.add_row(tuple(cells), key)

    def action_add(self) -> None:
        if self.need_card() is None:
            return
        self.app.push_screen(
            PickScreen(_("Which carrier?"), list(carriers().items())), self.carrier_chosen
        )

    def carrier_chosen(self, carrier: str | None) -> None:
        if carrier not in CARRIERS:
            return
        fields = [
            Field("city", _("City")),
            Field("branch", _("Branch"), placeholder=_("number (not for a courier)")),
            Field("street", _("Street, house")),
            Field("recipient", _("Recipient")),
            Field("phone", _("Phone"), restrict=r"[0-9+()\- ]*"),
        ]

        def done(values: dict[str, str] | None) -> None:
            cid, by, clock = self.card.customer_id, self.app.employee, self.app.clock
            if values is None or cid is None:
                return
            self.card.job(
                lambda: add_address(Customer.get_by_id(cid), carrier, **values, by=by, clock=clock),
                lambda _a: self.added(),
            )

        self.app.push_screen(FormScreen(carriers()[carrier], fields), done)

    def added(self) -> None:
        self.card.say(_("Address saved."))
        self.load()

    def action_ttn(self) -> None:
        fields = [
            Field("ttn", _("Waybill (TTN)"), placeholder="20450000001234", restrict=r"[0-9 \-]*"),
            Field("phone", _("Phone"), placeholder="067 123 45 67", restrict=r"[0-9+()\- ]*"),
        ]
        self.app.push_screen(FormScreen(_("A card from a Nova Poshta waybill"), fields), self.ttn)

    def ttn(self, values: dict[str, str] | None) -> None:
        if values is None:
            return
        app = self.app
        settings, by, clock = app.settings, app.employee, app.clock

        def fetch() -> tuple[int, bool]:
            with client_from_settings(settings) as client:
                customer, created = customer_from_ttn(
                    values["ttn"], values["phone"], client=client, by=by, clock=clock
                )
            return customer.id, created

        self.card.say(_("Asking Nova Poshta..."))
        self.card.job(fetch, self.from_ttn)

    def from_ttn(self, result: tuple[int, bool]) -> None:
        customer_id, created = result
        message = (
            _("New card from the waybill: check it and press F2 to save any changes.")
            if created
            else _("This phone already has a card: it is open now, with the waybill's address.")
        )
        self.card.open_card(customer_id, message)


# --- interests ------------------------------------------------------------------------------


def find_groups(text: str) -> list[tuple[str, str]]:
    """Up to 50 product groups whose path contains ``text`` (case as typed)."""
    query = ProductGroup.select(ProductGroup.id, ProductGroup.path)
    if text.strip():
        query = query.where(ProductGroup.path.contains(text.strip()))
    return [(str(g.id), g.path) for g in query.order_by(ProductGroup.path).limit(50)]


class InterestsSection(Section):
    """The product groups the customer is interested in: bought often (auto) or set by hand."""

    BINDINGS = [
        Binding("f5", "add", _("Add"), id="card.interests.add"),
        Binding("delete", "remove", _("Remove"), id="card.interests.remove"),
    ]
    columns = ((_("Product group"), 48), (_("How"), 10), (_("Since"), 10))

    def load(self) -> None:
        self.table.clear()
        cid = self.card.customer_id
        self.hint(_("F5 add a product group by hand; Delete remove the highlighted one."))
        if cid is None:
            return
        how = {"auto": _("bought"), "manual": _("by hand")}

        def read() -> list[tuple[str, ...]]:
            return [
                (
                    str(i.group_id),
                    i.group.path,
                    how.get(i.source, i.source),
                    f"{i.created_at:%d.%m.%Y}",
                )
                for i in interests_of(cid)
            ]

        self.card.job(read, self.show_rows)

    def show_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.table.clear()
        for key, *cells in rows:
            self.add_row(tuple(cells), key)

    def action_add(self) -> None:
        if self.need_card() is None:
            return
        self.app.push_screen(
            AskScreen(_("Product group: type part of its name (empty: all)")), self.search
        )

    def search(self, text: str | None) -> None:
        if text is None:
            return

        def found(groups: list[tuple[str, str]]) -> None:
            if not groups:
                self.card.show_error(_("No product group matches {text!r}.").format(text=text))
                return
            self.app.push_screen(PickScreen(_("Which group?"), groups), self.group_chosen)

        self.card.job(lambda: find_groups(text), found)

    def group_chosen(self, key: str | None) -> None:
        cid, by, clock = self.card.customer_id, self.app.employee, self.app.clock
        if not key or cid is None:
            return
        self.card.job(
            lambda: add_interest(cid, int(key), by=by, clock=clock), lambda _r: self.load()
        )

    def action_remove(self) -> None:
        key = self.highlighted_key()
        cid, by, clock = self.card.customer_id, self.app.employee, self.app.clock
        if key is None or cid is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.card.job(
                    lambda: remove_interest(cid, int(key), by=by, clock=clock),
                    lambda _r: self.load(),
                )

        self.app.push_screen(ConfirmScreen(_("Remove this interest?")), answered)
