"""The Partners area (home key 6): referrers and intermediaries, their employees and rates,
balances, the attracted-customers report and the intermediary's reconciliation statement.

Keyboard only, 80x24: the list of partners (kind, code, name, customers, balance), the
selected partner's employees under it, and keys for what can be done to it. Everything is
done by torgtui.marketing.partners, partners_money, intermediaries and partners_report; the
screens read forms and show results.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import intermediaries as im
from torgtui.marketing import partners as pt
from torgtui.marketing import partners_money as pm
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, parse_day
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.values import check_count, parse_money

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "partners.tcss"]
# kind, code, name (the rest), customers, balance
WIDTHS = (6, 14, 0, 6, 12)


def kind_short(kind: str) -> str:
    return _("ref.") if kind == "referrer" else _("int.")


def _card_customer(text: str) -> int | None:
    """A customer by card number (empty: none)."""
    from torgtui.models import Customer

    text = (text or "").strip()
    if not text:
        return None
    found = Customer.get_or_none((Customer.card == text) & (Customer.status == "active"))
    if found is None:
        raise ValidationError(
            _("No active customer has the card {card}: check the number.").format(card=text)
        )
    return found.id


def receipt_by_number(number: int | None) -> int | None:
    """In a worker: the id of the latest sale receipt with this number (None: none given)."""
    from torgtui.models import Receipt

    if number is None:
        return None
    found = (
        Receipt.select(Receipt.id)
        .where((Receipt.number == number) & (Receipt.kind == "sale"))
        .order_by(Receipt.id.desc())
        .first()
    )
    if found is None:
        raise ValidationError(
            _("There is no sale receipt No. {n}: check the number on the receipt.").format(n=number)
        )
    return found.id


def how_field() -> FormField:
    """How money paid to a partner leaves: by transfer, or cash from this register's drawer
    (the employee's open shift: a payout on the X and Z reports and a fiscal cash-out)."""
    return FormField(
        "how",
        _("Paid"),
        "transfer",
        choices=(("transfer", _("by transfer")), ("cash", _("cash from the drawer"))),
    )


class PartnersScreen(OfficeJobs, AreaScreen):
    """Every partner. Insert adds one, F3 an employee, F4 a rate, F5 the report, F6 an
    intermediary's statement, F7 money: pay a referrer's reward, or an intermediary's
    commission paid, goods given to it or its payment."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#partners"
    BINDINGS = [
        Binding("insert", "new", _("New"), id="partners.new"),
        Binding("f3", "employee", _("Person"), id="partners.employee"),
        Binding("f4", "rate", _("Rate"), id="partners.rate"),
        Binding("f5", "report", _("Report"), id="partners.report"),
        Binding("f6", "statement", _("Reconcile"), id="partners.statement"),
        Binding("f7", "pay", _("Money"), id="partners.pay"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.items: list[pt.Summary] = []

    def compose_body(self) -> ComposeResult:
        yield Label("", id="partners-info", markup=False)
        yield DataTable(id="partners", cursor_type="row", zebra_stripes=True)
        yield Label("", id="partners-detail", markup=False)
        yield Label("", id="partners-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#partners", DataTable)
        titles = (_("Kind"), _("Code"), _("Name"), _("Cust."), _("Balance"))
        rest = sum(w + 2 for w in WIDTHS if w) + 4
        name = max(12, min(self.app.size.width, 80) - rest)
        for title, width in zip(titles, WIDTHS, strict=True):
            table.add_column(title, width=width or name)
        self.read()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.read()

    def say(self, text: str) -> None:
        self.query_one("#partners-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#partners-message", Label).content)

    def read(self) -> None:
        self.job(pt.summaries, self.show)

    def show(self, items: list[pt.Summary]) -> None:
        self.items = items
        table = self.query_one("#partners", DataTable)
        row = table.cursor_row
        table.clear()
        for p in items:
            table.add_row(
                kind_short(p.kind) + ("" if p.active else "-"),
                p.code,
                p.name,
                str(p.customers),
                format_money(p.balance, symbol=False),
                key=str(p.id),
            )
        if items and row is not None:
            table.move_cursor(row=min(row, len(items) - 1))
        self.query_one("#partners-info", Label).update(
            _("{n} partners. Insert adds one; ref. referrer, int. intermediary.").format(
                n=len(items)
            )
            if items
            else _("No partners yet: Insert adds the first one.")
        )
        self.detail()

    def current(self) -> pt.Summary | None:
        table = self.query_one("#partners", DataTable)
        if not self.items or table.cursor_row is None or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def detail(self) -> None:
        p = self.current()
        text = ""
        if p is not None:
            people = ", ".join(p.employees) or _("none")
            text = _("{name}: employees {people}").format(name=p.name, people=people)
        self.query_one("#partners-detail", Label).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from torgtui.staff import Permission, can

        need = Permission.VIEW_REPORTS if action in ("report", "statement") else None
        if action in ("new", "employee", "rate", "pay"):
            need = Permission.EDIT_PRICES
        if need is not None and not can(self.app.employee, need):
            return False
        if action in ("employee", "rate", "pay"):
            return self.items != [] or None
        if action == "statement":
            p = self.current() if self.is_mounted else None
            return (p is not None and p.kind == "intermediary") or None
        return True

    # --- forms -------------------------------------------------------------------------------

    def form(self, title: str, fields: list[FormField], parse, save, done_text: str) -> None:
        def after(result: Any) -> None:
            if result is not None:
                self.say(done_text)
                self.read()

        self.app.push_screen(FormDialog(title, fields, parse, save=save), after)

    def action_new(self) -> None:
        by, clock = self.app.employee, self.app.clock

        def parse(v: dict[str, str]) -> dict[str, Any]:
            return v

        def save(v: dict[str, Any]) -> Any:  # in a worker: the card is looked up there
            return pt.create_partner(
                by,
                kind=v["kind"],
                code=v["code"],
                name=v["name"],
                phone=v["phone"],
                customer_id=_card_customer(v["card"]),
                clock=clock,
            )

        self.form(
            _("New partner"),
            [
                FormField(
                    "kind",
                    _("Kind"),
                    "referrer",
                    choices=(("referrer", _("Referrer")), ("intermediary", _("Intermediary"))),
                ),
                FormField("code", _("Code"), placeholder="STYLIST-OLHA"),
                FormField("name", _("Name")),
                FormField("phone", _("Phone")),
                FormField("card", _("Own card"), placeholder=_("if it buys from us")),
            ],
            parse,
            save,
            _("The partner is added."),
        )

    def action_employee(self) -> None:
        p = self.current()
        if p is None:
            return
        by, clock = self.app.employee, self.app.clock
        self.form(
            _("New employee of {name}").format(name=p.name),
            [FormField("name", _("Name")), FormField("phone", _("Phone"))],
            lambda v: v,
            lambda v: pt.add_employee(by, p.id, v["name"], v["phone"], clock=clock),
            _("The employee is added."),
        )

    def action_rate(self) -> None:
        p = self.current()
        if p is None:
            return
        by, clock = self.app.employee, self.app.clock

        def parse(v: dict[str, str]) -> dict[str, Any]:
            return {"kind": v["kind"], "group": v["group"].strip(), "percent": v["percent"]}

        def save(v: dict[str, Any]) -> Any:  # in a worker: the group is looked up there
            from torgtui.models import ProductGroup

            group_id = None
            if v["group"]:
                found = ProductGroup.get_or_none(ProductGroup.path == v["group"])
                if found is None:
                    raise ValidationError(
                        _(
                            "There is no product group {path!r}: type its path, like Clothing/Women"
                        ).format(path=v["group"])
                    )
                group_id = found.id
            percent = v["percent"].strip() or None
            pt.set_rate(by, p.id, v["kind"], percent, group_id=group_id, clock=clock)
            return True

        kinds = (("commission", _("Commission")),)
        if p.kind == "intermediary":
            kinds += (("discount", _("Discount for resale")),)
        self.form(
            _("A rate of {name}").format(name=p.name),
            [
                FormField("kind", _("Kind"), "commission", choices=kinds),
                FormField("group", _("Product group"), placeholder=_("empty: all groups")),
                FormField("percent", _("Percent"), placeholder=_("empty: remove")),
            ],
            parse,
            save,
            _("The rate is saved."),
        )

    def action_pay(self) -> None:
        p = self.current()
        if p is None:
            return
        if p.kind == "intermediary":
            self.intermediary_money(p)
            return
        by, clock = self.app.employee, self.app.clock

        def parse(v: dict[str, str]) -> dict[str, Any]:
            out: dict[str, Any] = {"amount": parse_money(v["amount"], _("The amount"))}
            out["receipt"] = (
                check_count(v["receipt"], _("The receipt's number"), minimum=1, maximum=10**12)
                if v["receipt"].strip()
                else None
            )
            out["note"], out["how"] = v["note"], v["how"]
            return out

        def save(v: dict[str, Any]) -> Any:  # in a worker
            return pm.pay_referrer(
                by,
                p.id,
                v["amount"],
                receipt_id=receipt_by_number(v["receipt"]),
                shift=drawer(v["how"]),
                note=v["note"],
                clock=clock,
            )

        drawer = self.drawer
        lines = [
            _("Accrued and not paid yet: {due}. A reward is an expense of the receipt.").format(
                due=format_money(max(p.balance, 0))
            )
        ]
        fields = [FormField("amount", _("Amount")), how_field()]
        fields.append(
            FormField("receipt", _("For receipt No."), placeholder=_("the sale it is for"))
        )
        fields.append(FormField("note", _("Note")))
        self.app.push_screen(
            FormDialog(_("Pay {name}").format(name=p.name), fields, parse, lines=lines, save=save),
            lambda r: (self.say(_("Paid.")), self.read()) if r is not None else None,
        )

    def drawer(self, how: str) -> Any:
        """In a worker: the employee's open shift on this register for cash from the drawer,
        None for a transfer; refused in words when cash is chosen and no shift is open."""
        if how != "cash":
            return None
        from torgtui.sales.shifts import require_shift

        return require_shift(self.app.employee, self.app.terminal)

    def intermediary_money(self, p: pt.Summary) -> None:
        """Commission paid to it, goods given to it on credit, or its payment to us."""
        by, clock = self.app.employee, self.app.clock
        drawer = self.drawer

        def parse(v: dict[str, str]) -> dict[str, Any]:
            return {**v, "amount": parse_money(v["amount"], _("The amount"))}

        def save(v: dict[str, Any]) -> Any:
            if v["kind"] == "paid":
                return im.pay_commission(
                    by,
                    p.id,
                    v["amount"],
                    shift=drawer(v["how"]),
                    note=v["document"],
                    clock=clock,
                )
            if v["kind"] == "payment":
                return im.record_payment(
                    by,
                    p.id,
                    v["amount"],
                    document=v["document"],
                    shift=drawer(v["how"]),
                    clock=clock,
                )
            if v["how"] == "cash":
                raise ValidationError(_("Goods given are not paid: choose by transfer."))
            return im.record_goods(by, p.id, v["amount"], document=v["document"], clock=clock)

        self.form(
            _("Money with {name}: due {due}").format(name=p.name, due=format_money(p.balance)),
            [
                FormField(
                    "kind",
                    _("What"),
                    "paid",
                    choices=(
                        ("paid", _("We paid its commission")),
                        ("goods", _("Goods given")),
                        ("payment", _("It paid us")),
                    ),
                ),
                FormField("amount", _("Amount")),
                how_field(),
                FormField("document", _("Document"), placeholder=_("invoice, bank")),
            ],
            parse,
            save,
            _("Recorded on the balance."),
        )

    def action_statement(self) -> None:
        p = self.current()
        if p is None or p.kind != "intermediary":
            return
        by, clock = self.app.employee, self.app.clock
        today = clock().date()

        def parse(v: dict[str, str]) -> dict[str, Any]:
            return {
                "path": v["path"].strip(),
                "start": parse_day(v["start"], _("From")),
                "end": parse_day(v["end"], _("To")),
            }

        def save(v: dict[str, Any]) -> Any:
            from torgtui.marketing.intermediaries_statement import export_statement

            return export_statement(
                p.id, v["path"], by=by, start=v["start"], end=v["end"], clock=clock
            )

        self.form(
            _("Statement of {name}").format(name=p.name),
            [
                FormField("path", _("File"), f"{p.code.lower()}-{today.isoformat()}.xlsx"),
                FormField("start", _("From"), today.replace(day=1).strftime("%d.%m.%Y")),
                FormField("end", _("To"), today.strftime("%d.%m.%Y")),
            ],
            parse,
            save,
            _("The statement is written (.xlsx or .pdf by the file's name)."),
        )

    def action_report(self) -> None:
        self.app.push_screen(PartnersReportScreen(self.area))


class PartnersReportScreen(OfficeJobs, AreaScreen):
    """The attracted-customers report of a month: partners and their employees."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#partners-report"
    BINDINGS = [
        Binding("left", "month(-1)", _("Month before"), id="partners_report.before"),
        Binding("right", "month(1)", _("Month after"), id="partners_report.after"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.first = dt.date.today().replace(day=1)

    def place(self) -> str:
        return _("{area}: attracted customers").format(area=self.area.title)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="partners-info", markup=False)
        yield DataTable(id="partners-report", cursor_type="row", zebra_stripes=True)
        yield Label("", id="partners-message", markup=False)

    def on_mount(self) -> None:
        self.first = self.app.clock().date().replace(day=1)
        table = self.query_one("#partners-report", DataTable)
        for title, width in (
            (_("Partner"), 16),  # its employees under it, indented
            (_("Cust."), 5),
            (_("Rec."), 4),
            (_("Revenue"), 10),
            (_("Margin"), 9),
            (_("Paid"), 8),
            (_("Profit"), 9),
        ):
            table.add_column(title, width=width)
        self.read()

    def say(self, text: str) -> None:
        self.query_one("#partners-message", Label).update(text)

    def last(self) -> dt.date:
        nxt = (self.first + dt.timedelta(days=32)).replace(day=1)
        return nxt - dt.timedelta(days=1)

    def read(self) -> None:
        from torgtui.marketing.partners_report import attracted_report

        by, start, end = self.app.employee, self.first, self.last()
        self.job(lambda: attracted_report(by=by, start=start, end=end), self.show)

    def show(self, rows: list) -> None:
        table = self.query_one("#partners-report", DataTable)
        table.clear()
        money = lambda k: format_money(k, symbol=False)  # noqa: E731
        for r in rows:
            table.add_row(
                ("  " + r.employee) if r.employee_id else r.name,
                str(r.customers),
                str(r.receipts),
                money(r.revenue),
                money(r.margin),
                money(r.commission + r.rewards),
                money(r.profit),
            )
        self.query_one("#partners-info", Label).update(
            _("{start} - {end}: left/right another month. Paid: commissions and rewards.").format(
                start=self.first.strftime("%d.%m.%Y"), end=self.last().strftime("%d.%m.%Y")
            )
        )

    def action_month(self, step: int) -> None:
        if step < 0:
            self.first = (self.first - dt.timedelta(days=1)).replace(day=1)
        else:
            self.first = (self.first + dt.timedelta(days=32)).replace(day=1)
        self.read()


__all__ = ["PartnersReportScreen", "PartnersScreen"]
