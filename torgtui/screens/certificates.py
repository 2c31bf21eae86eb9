"""The Certificates area (key 5): gift certificate types (the list; a new one or a change in a
form), their batches (issue a batch of a type; its barcodes to CSV or XLSX; the certificates
themselves as a PDF, or labels for a TSPL/ZPL printer), a certificate found by its barcode
(its state and history; block a lost one) and the analysis (issued, sold, redeemed, expired,
outstanding by type over a period).

Each section shows only to a role that may use it; the services (torgtui.marketing.
certificates, certificates_office, _export, _print) check the permission again, validate,
write and audit. The batches are in certificates_batches.py, the search and the analysis in
certificates_card.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import certificates_office as office
from torgtui.marketing.certificates_print import LAYOUTS
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit, money_field, parse_day
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.staff import Permission, can
from torgtui.values import check_count, parse_money

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss", HERE / "certificates.tcss"]
LOOK_UP = office.LOOK_UP


def certificates_service() -> Any:
    """CERT's service (torgtui.marketing.certificates), imported when a job needs it."""
    from torgtui.marketing import certificates

    return certificates


@dataclass(frozen=True)
class Section:
    key: str
    id: str
    title: str
    permissions: tuple[Permission, ...]


def sections() -> list[Section]:
    return [
        Section("1", "types", _("Certificate types"), (Permission.MANAGE_CERTIFICATES,)),
        Section(
            "2", "batches", _("Batches: issue, export, print"), (Permission.MANAGE_CERTIFICATES,)
        ),
        Section("3", "find", _("Find a certificate by its barcode"), LOOK_UP),
        Section("4", "analysis", _("Analysis"), (Permission.VIEW_REPORTS,)),
    ]


def may(employee: Any, section: Section) -> bool:
    return employee is not None and any(can(employee, p) for p in section.permissions)


class CertificatesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The area's menu: a section by its key, or the arrows and Enter."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#certificate-sections"
    BINDINGS = [
        Binding(s.key, f"open('{s.id}')", s.title, show=False, id=f"certificates.{s.id}")
        for s in sections()
    ]

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Press a section's key, or choose it with the arrows and press Enter."),
            classes="promo-line certificates-hint",
        )
        yield OptionList(
            *(
                Option(Content(f"{s.key}  {s.title}"), id=s.id)
                for s in sections()
                if may(self.app.employee, s)
            ),
            id="certificate-sections",
            markup=False,
        )
        yield Label("", id="promotions-message", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open" and parameters:
            found = {s.id: s for s in sections()}.get(str(parameters[0]))
            return found is not None and may(self.app.employee, found)
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.action_open(event.option.id)

    def action_open(self, section: str) -> None:
        self.say("")
        if section == "types":
            self.app.push_screen(CertificateTypesScreen(self.area))
        elif section == "batches":
            from torgtui.screens.certificates_batches import CertificateBatchesScreen

            self.app.push_screen(CertificateBatchesScreen(self.area))
        elif section == "find":
            from torgtui.screens.certificates_card import find_certificate

            find_certificate(self)
        elif section == "analysis":
            from torgtui.screens.certificates_card import ask_analysis

            ask_analysis(self)


# --- types ----------------------------------------------------------------------------------


def mode_choices() -> tuple[tuple[str, str], ...]:
    return tuple((m, office.mode_title(m)) for m in ("money", "product", "discount"))


def yes_no() -> tuple[tuple[str, str], ...]:
    return (("no", _("no")), ("yes", _("yes")))


def template_choices(current: str = "") -> tuple[tuple[str, str], ...]:
    """The pages to print on; a type's own template name (one the rules file gave, like
    "gift-a6") stays a choice of its own, so saving the form keeps it."""
    titles = {
        "a6": _("A6 card"),
        "a4": _("A4 page"),
        "a4-4": _("four A6 on A4"),
    }
    choices = tuple((key, titles.get(key, key)) for key in LAYOUTS)
    if current and current not in LAYOUTS:
        choices = ((current, current), *choices)
    return choices


def parse_percent(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("Discount, %: {text!r} is not a number; type it like 10 or 7.5.").format(
                text=text[:20]
            )
        ) from None


def type_dialog(current: Any | None, save: Any) -> FormDialog:
    """A new type (``current`` None) or a change of one (a TypeData): what it is worth, how it
    is numbered and how long it is valid. The service checks what the mode needs."""
    d = current

    def parse(values: dict[str, str]) -> Any:
        gc = certificates_service()
        days = values["days"].strip()
        return gc.TypeData(
            code=values["code"].strip(),
            name=values["name"].strip(),
            mode=values["mode"],
            product_sku=values["sku"].strip(),
            face_value=parse_money(values["value"], _("Face value")) if values["value"] else 0,
            partial=values["partial"] == "yes",
            discount_percent=parse_percent(values["percent"]),
            discount_amount=(
                parse_money(values["off"], _("Money off")) if values["off"].strip() else 0
            ),
            min_total=(
                parse_money(values["min"], _("Least receipt")) if values["min"].strip() else 0
            ),
            prefix=values["prefix"].strip() or (d.prefix if d else gc.TypeData.prefix),
            range_from=d.range_from if d else 1,
            range_to=d.range_to if d else 0,
            valid_days=check_count(days, _("Valid days"), maximum=3660) if days else 0,
            valid_until=parse_day(values["until"], _("Valid until")),
            template=values["template"],
            active=values["active"] == "yes",
            note=values["note"].strip(),
        )

    percent = f"{d.discount_percent.normalize():f}" if d and d.discount_percent else ""
    return FormDialog(
        _("Certificate type {code}").format(code=d.code) if d else _("New certificate type"),
        [
            FormField("code", _("Id"), d.code if d else "", _("e.g. GC-500")),
            FormField("name", _("Title"), d.name if d else "", _("e.g. Gift certificate 500")),
            FormField("mode", _("Works"), d.mode if d else "money", choices=mode_choices()),
            FormField("sku", _("Sold as (SKU)"), d.product_sku if d else "", _("catalog article")),
            FormField("value", _("Face value"), money_field(d.face_value) if d else "", "500.00"),
            FormField(
                "partial", _("Spend in parts"), "yes" if d and d.partial else "no", choices=yes_no()
            ),
            FormField("percent", _("Discount, %"), percent, _("discount mode")),
            FormField("off", _("Or money off"), money_field(d.discount_amount) if d else ""),
            FormField("min", _("Least receipt"), money_field(d.min_total) if d else ""),
            FormField(
                "prefix", _("Barcode prefix"), d.prefix if d else "", _("EAN-13 digits, e.g. 27")
            ),
            FormField(
                "days", _("Valid days"), str(d.valid_days or "") if d else "", _("from the sale")
            ),
            FormField(
                "until",
                _("Valid until"),
                f"{d.valid_until:%d.%m.%Y}" if d and d.valid_until else "",
                _("DD.MM.YYYY or empty"),
            ),
            FormField(
                "template",
                _("Print on"),
                d.template if d and d.template else "a6",
                choices=template_choices(d.template if d else ""),
            ),
            FormField(
                "active", _("In use"), "yes" if not d or d.active else "no", choices=yes_no()
            ),
            FormField(
                "note", _("Printed text"), d.note if d else "", _("conditions, on the paper")
            ),
        ],
        parse,
        label_width=16,
        save=save,
    )


TYPE_WIDTHS = (9, 0, 11, 12, 5, 7)  # id, title (the rest), works, value, issued, sold
TYPE_RIGHT = {4, 5}


def column_widths(spec: tuple[int, ...], screen_width: int, least: int) -> tuple[int, ...]:
    """``spec``'s widths with its 0 given the rest of an 80-column (at most) row."""
    fixed = sum(spec) + 2 * len(spec)
    room = max(least, min(screen_width, 80) - 3 - fixed)
    return tuple(w or room for w in spec)


def add_columns(
    table: DataTable, titles: tuple[str, ...], widths: tuple[int, ...], right: set[int]
) -> None:
    """The table's columns: a title each, at its width, numbers (``right``) to the right."""
    for n, (title, width) in enumerate(zip(titles, widths, strict=True)):
        table.add_column(Text(title, justify="right" if n in right else "left"), width=width)


class CertificateTypesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The certificate types: Insert a new one, Enter changes it, F3 issues a batch of it."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#certificate-types"
    BINDINGS = [
        Binding("enter", "edit", _("Edit"), id="certificate_types.edit"),
        Binding("insert", "new", _("New"), id="certificate_types.new"),
        Binding("f3", "issue", _("Issue a batch"), id="certificate_types.issue"),
        Binding("f4", "batches", _("Batches"), id="certificate_types.batches"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.rows: list[office.TypeRow] = []

    def place(self) -> str:
        return _("Certificate types")

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="certificate-types", cursor_type="row", zebra_stripes=True)
        yield Label("", id="certificate-type-detail", classes="promo-line", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#certificate-types", DataTable)
        titles = (_("Id"), _("Title"), _("Works"), _("Face value"), _("Iss."), _("Sold"))
        add_columns(table, titles, self.widths(), TYPE_RIGHT)
        self.read()

    def widths(self) -> tuple[int, ...]:
        return column_widths(TYPE_WIDTHS, self.app.size.width, 8)

    def read(self) -> None:
        self.job(office.type_rows, self.show)

    def show(self, rows: list[office.TypeRow]) -> None:
        self.rows = rows
        table = self.query_one("#certificate-types", DataTable)
        cursor = table.cursor_row
        table.clear()
        widths = self.widths()
        for r in rows:
            c = r.counts
            cells = (
                r.code,
                r.name if r.active else _("{name} (not in use)").format(name=r.name),
                office.mode_title(r.mode),
                r.value,
                str(sum(c.values())),
                str(sum(c.get(s, 0) for s in ("sold", "used", "expired", "reissued"))),
            )
            table.add_row(
                *(
                    Text(fit(cell, w, right=n in TYPE_RIGHT), no_wrap=True)
                    for n, (cell, w) in enumerate(zip(cells, widths, strict=True))
                ),
                key=r.code,
            )
        if not rows:
            self.say(_("No certificate types yet: press Insert to make one."))
        else:
            self.say("")
            if cursor:
                table.move_cursor(row=min(cursor, table.row_count - 1))
        self.show_detail()
        self.refresh_bindings()

    @property
    def current(self) -> office.TypeRow | None:
        row = self.query_one("#certificate-types", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        r = self.current
        text = ""
        if r is not None:
            text = _("{value} · valid {validity}").format(value=r.value, validity=r.validity)
            states = ", ".join(
                f"{office.status_title(s)} {n}" for s, n in sorted(r.counts.items()) if n
            )
            if states:
                text += f" · {states}"
        self.query_one("#certificate-type-detail", Label).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "issue", "batches"):
            return self.current is not None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def save_job(self) -> Any:
        employee, clock = self.app.employee, self.app.clock
        scale = self.app.settings.register.prefixes()

        def save(data: Any) -> str:
            return (
                certificates_service()
                .save_type(data, by=employee, clock=clock, scale_prefixes=scale)
                .code
            )

        return save

    def saved(self, code: str | None) -> None:
        if code is not None:
            self.app.notify(_("Certificate type {code} saved.").format(code=code))
            self.read()

    def action_new(self) -> None:
        self.app.push_screen(type_dialog(None, self.save_job()), self.saved)

    def action_edit(self) -> None:
        r = self.current
        if r is None:
            return
        code = r.code
        self.job(
            lambda: certificates_service().type_data(code),
            lambda data: self.app.push_screen(type_dialog(data, self.save_job()), self.saved),
        )

    def action_issue(self) -> None:
        r = self.current
        if r is not None:
            issue_batch(self, [r], r.code, self.read)

    def action_batches(self) -> None:
        r = self.current
        if r is not None:
            from torgtui.screens.certificates_batches import CertificateBatchesScreen

            self.app.push_screen(CertificateBatchesScreen(self.area, r))


def issue_batch(screen: Any, types: list[office.TypeRow], chosen: str, then: Any) -> None:
    """The issue dialog (a type, how many, a note), then the service numbers them."""
    usable = [t for t in types if t.active]
    if not usable:
        screen.say(_("No certificate type is in use: make one first (section 1)."))
        return
    employee, clock = screen.app.employee, screen.app.clock

    def parse(values: dict[str, str]) -> tuple[str, int, str]:
        count = check_count(values["count"], _("How many certificates"), minimum=1)
        return values["type"], count, values["note"].strip()

    def save(value: tuple[str, int, str]) -> Any:
        code, count, note = value
        batch = certificates_service().issue_batch(code, count, by=employee, clock=clock, note=note)
        return batch.id, batch.count, batch.first_barcode, batch.last_barcode

    def issued(result: tuple[int, int, str, str] | None) -> None:
        if result is None:
            return
        batch_id, count, first, last = result
        screen.app.notify(
            ngettext(
                "Batch {batch}: {n} certificate issued, {first}.",
                "Batch {batch}: {n} certificates issued, {first} – {last}.",
                count,
            ).format(batch=batch_id, n=count, first=first, last=last),
            timeout=8,
        )
        then()

    dialog = FormDialog(
        _("Issue a batch of certificates"),
        [
            FormField(
                "type",
                _("Type"),
                chosen if chosen in {t.code for t in usable} else usable[0].code,
                choices=tuple((t.code, f"{t.code} {t.name}") for t in usable),
            ),
            FormField("count", _("How many"), "10"),
            FormField("note", _("Note"), "", _("e.g. printed by the print shop")),
        ],
        parse,
        lines=[_("They are numbered now and sold at the till: scan one to sell it.")],
        label_width=10,
        save=save,
    )
    screen.app.push_screen(dialog, issued)


__all__ = [
    "CertificateTypesScreen",
    "CertificatesScreen",
    "issue_batch",
    "type_dialog",
]
