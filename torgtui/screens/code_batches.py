"""Promo codes (in the Loyalty and promotions area, and F6 on a promotion's card): the code
batches with their channel, codes and uses; a new batch (its promotion, channel, how its codes
look -- random, EAN-13 in the shop's range or one chosen code --, uses per code and per
customer, dates, locations) with its codes made at once; more codes; blocking a batch or one
code; the codes to a CSV or XLSX file or an A4 sheet of labels (PDF) at a typed path; the
acquisition channels' result for a period.

Everything goes through torgtui.marketing.codes, codes_print and codes_report, which check the
permission, validate, write and audit (the number of codes, never the codes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import codes, codes_print, codes_report
from torgtui.marketing.codes import BatchData, BatchSummary, CodeRow
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, Page, RowList, fit, parse_day
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotion_form import parse_locations
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.values import check_count

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
# batch, name (the rest), channel, codes, used, state
WIDTHS = (12, 0, 10, 6, 6, 8)
RIGHT = {3, 4}
DEFAULT_COUNT = 100


@dataclass(frozen=True)
class Listing:
    batches: list[BatchSummary]
    promotions: dict[int, tuple[str, str]]  # id -> (code, name)


def read_batches(promotion: str | None) -> Listing:
    """Every batch (or one promotion's) and the promotions' ids and names."""
    from torgtui.models.promotions import Promotion

    names = {
        i: (code, name)
        for i, code, name in Promotion.select(Promotion.id, Promotion.code, Promotion.name)
        .order_by(Promotion.code)
        .tuples()
    }
    found = codes.summaries()
    if promotion is not None:
        wanted = {i for i, (code, _n) in names.items() if code == promotion}
        found = [b for b in found if b.promotion_id in wanted]
    return Listing(found, names)


def state_text(batch: BatchSummary, today: dt.date) -> str:
    if batch.blocked:
        return _("blocked")
    if batch.valid_until is not None and batch.valid_until < today:
        return _("expired")
    if batch.valid_from is not None and batch.valid_from > today:
        return _("later")
    return _("valid")


def batch_dialog(
    listing: Listing, channels: list[str], save: Any, promotion: str | None = None
) -> FormDialog:
    """A new batch; its codes are made with it (count). ``save`` gets (data, count, the
    locations as typed: codes, read into ids in the worker)."""
    promotions = tuple((str(i), f"{code} {name}") for i, (code, name) in listing.promotions.items())
    chosen = next(
        (str(i) for i, (code, _n) in listing.promotions.items() if code == promotion),
        promotions[0][0] if promotions else "",
    )
    known = ", ".join(channels[:4])

    def parse(values: dict[str, str]) -> tuple[BatchData, int, str]:
        if not values["promotion"]:
            raise ValidationError(_("Build the promotion first: a batch activates one."))
        style = values["style"]
        count = (
            check_count(values["count"] or "0", _("Codes to make"), maximum=codes.MAX_GENERATE)
            if style != "given"
            else 0
        )
        per_customer = values["per_customer"].strip()
        return (
            BatchData(
                code=values["code"].strip(),
                name=values["name"].strip(),
                promotion_id=int(values["promotion"]),
                channel=values["channel"],
                style=style,
                prefix=values["prefix"].strip(),
                given=values["given"].strip() if style == "given" else "",
                uses_per_code=check_count(
                    values["uses"] or "1", _("Uses per code"), minimum=1, maximum=1_000_000
                ),
                per_customer=check_count(
                    per_customer or "0", _("Uses per customer"), maximum=1_000_000
                ),
                valid_from=parse_day(values["from"], _("From")),
                valid_until=parse_day(values["until"], _("Until")),
            ),
            count,
            values["locations"],
        )

    return FormDialog(
        _("New code batch"),
        [
            FormField("code", _("Id"), "", _("e.g. FLYER-NOV")),
            FormField("name", _("Name"), "", _("e.g. November flyer")),
            FormField(
                "promotion", _("Promotion"), chosen, choices=promotions or (("", _("none yet")),)
            ),
            FormField("channel", _("Channel"), "", known or _("e.g. flyer, Instagram")),
            FormField(
                "style",
                _("Codes"),
                "random",
                choices=(
                    ("random", _("random letters")),
                    ("ean13", _("EAN-13 barcodes")),
                    ("given", _("one chosen code")),
                ),
            ),
            FormField("count", _("How many"), str(DEFAULT_COUNT), _("codes to make now")),
            FormField("prefix", _("Prefix"), "", _("optional")),
            FormField("given", _("Chosen code"), "", _("e.g. SPRING25 (one chosen code)")),
            FormField("uses", _("Uses per code"), "1", _("1: single use")),
            FormField("per_customer", _("Per customer"), "", _("empty: no limit")),
            FormField("from", _("Valid from"), "", _("DD.MM.YYYY or empty")),
            FormField("until", _("Valid until"), "", _("DD.MM.YYYY or empty")),
            FormField("locations", _("Locations"), "", _("codes; empty: all")),
        ],
        parse,
        label_width=15,
        save=save,
    )


class CodesFileDialog(FormDialog):
    """Where to write a batch's codes: F2 writes them."""

    BINDINGS = [Binding("f2", "submit", _("Export"), id="code_batches.write")]


def export_dialog(batch: str, default: str, export: Any) -> FormDialog:
    def parse(values: dict[str, str]) -> str:
        path = values["path"].strip()
        if not path:
            raise ValidationError(_("Type the file's path."))
        if Path(path).suffix.lower() not in (".csv", ".xlsx", ".pdf"):
            raise ValidationError(
                _("The file ends in .csv, .xlsx (the codes) or .pdf (labels on A4): {path}").format(
                    path=path[-40:]
                )
            )
        return path

    return CodesFileDialog(
        _("Codes of {batch} to a file").format(batch=batch),
        [FormField("path", _("File"), default, _("codes.csv, .xlsx or labels .pdf"))],
        parse,
        lines=[_("A .csv or .xlsx file lists the codes; a .pdf is an A4 sheet of labels.")],
        label_width=8,
        save=export,
    )


class CodeBatchesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The code batches (all, or one promotion's)."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#batches"
    BINDINGS = [
        Binding("enter", "codes", _("Codes"), id="code_batches.codes"),
        Binding("insert", "new", _("New"), id="code_batches.new"),
        Binding("f3", "more", _("More"), id="code_batches.more"),
        Binding("f5", "block", _("Block"), id="code_batches.block"),
        Binding("f6", "export", _("Export"), id="code_batches.export"),
        Binding("f7", "report", _("Channels"), id="code_batches.report"),
    ]

    def __init__(self, area: Area, promotion: str | None = None) -> None:
        super().__init__(area)
        self.promotion = promotion
        self.listing = Listing([], {})

    def place(self) -> str:
        if self.promotion:
            return _("Promo codes of {code}").format(code=self.promotion)
        return _("Promo codes")

    def compose_body(self) -> ComposeResult:
        yield Label("", id="batches-info", markup=False)
        yield DataTable(id="batches", cursor_type="row", zebra_stripes=True)
        yield Label("", id="batches-detail", classes="promo-line", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#batches", DataTable)
        titles = (_("Batch"), _("Name"), _("Channel"), _("Codes"), _("Used"), _("State"))
        for n, (title, width) in enumerate(zip(titles, self.widths(), strict=True)):
            table.add_column(Text(title, justify="right" if n in RIGHT else "left"), width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(WIDTHS) + 2 * len(WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in WIDTHS)

    def read(self) -> None:
        promotion = self.promotion
        self.job(lambda: read_batches(promotion), self.show)

    def show(self, listing: Listing) -> None:
        self.listing = listing
        today = self.app.clock().date()
        table = self.query_one("#batches", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.widths()
        for b in listing.batches:
            cells = (b.code, b.name, b.channel, str(b.codes), str(b.uses), state_text(b, today))
            table.add_row(
                *(
                    Text(fit(c, w, right=n in RIGHT), no_wrap=True)
                    for n, (c, w) in enumerate(zip(cells, widths, strict=True))
                ),
                key=b.code,
            )
        self.query_one("#batches-info", Label).update(
            _("Batches of codes · Enter: the codes · F7: what each channel brought")
        )
        if not listing.batches:
            self.say(_("No code batches yet: press Insert to make one."))
        else:
            self.say("")
            if row:
                table.move_cursor(row=min(row, table.row_count - 1))
        self.show_detail()
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        b = self.current
        text = ""
        if b is not None:
            code, name = self.listing.promotions.get(b.promotion_id, ("?", ""))
            dates = ""
            if b.valid_from or b.valid_until:
                start = f"{b.valid_from:%d.%m.%y}" if b.valid_from else "…"
                end = f"{b.valid_until:%d.%m.%y}" if b.valid_until else "…"
                dates = f" · {start}–{end}"
            text = _("{name} ({code}) · {uses} a code{dates}").format(
                name=name,
                code=code,
                uses=ngettext("{n} use", "{n} uses", b.uses_per_code).format(n=b.uses_per_code),
                dates=dates,
            )
        self.query_one("#batches-detail", Label).update(text)

    @property
    def current(self) -> BatchSummary | None:
        row = self.query_one("#batches", DataTable).cursor_row
        batches = self.listing.batches
        return batches[row] if 0 <= row < len(batches) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("codes", "more", "block", "export"):
            return self.current is not None
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_codes()

    def action_codes(self) -> None:
        if self.current is not None:
            screen = BatchCodesScreen(self.area, self.current.code, self.current.name)
            self.app.push_screen(screen, lambda _r: self.read())

    def action_new(self) -> None:
        employee, clock = self.app.employee, self.app.clock
        settings = self.app.settings
        scale = settings.register.prefixes()
        card_prefix = settings.customers.card_prefix
        listing = self.listing

        def save(value: tuple[BatchData, int, str]) -> tuple[str, int]:
            data, count, places = value
            codes_of = {code: i for i, code in _locations().items()}
            data.location_ids = parse_locations(places, codes_of)
            batch = codes.save_batch(
                data, by=employee, clock=clock, scale_prefixes=scale, card_prefix=card_prefix
            )
            made = 0
            if count and data.style != "given":
                made = len(codes.generate_codes(batch, count, by=employee, clock=clock))
            return batch.code, made

        def saved(result: tuple[str, int] | None) -> None:
            if result is None:
                return
            code, made = result
            self.app.notify(
                ngettext(
                    "Batch {code} saved with {n} code.", "Batch {code} saved with {n} codes.", made
                ).format(code=code, n=made)
            )
            self.read()

        def ask(channels: list[str]) -> None:
            self.app.push_screen(batch_dialog(listing, channels, save, self.promotion), saved)

        self.job(codes.channels, ask)

    def action_more(self) -> None:
        batch = self.current
        if batch is None:
            return
        employee, clock = self.app.employee, self.app.clock

        def parse(values: dict[str, str]) -> int:
            return check_count(
                values["count"], _("Codes to make"), minimum=1, maximum=codes.MAX_GENERATE
            )

        def save(count: int) -> int:
            return len(codes.generate_codes(batch.code, count, by=employee, clock=clock))

        def made(n: int | None) -> None:
            if n:
                self.app.notify(
                    ngettext("{n} more code made.", "{n} more codes made.", n).format(n=n)
                )
                self.read()

        dialog = FormDialog(
            _("More codes for {batch}").format(batch=batch.code),
            [FormField("count", _("How many"), str(DEFAULT_COUNT))],
            parse,
            lines=[
                ngettext("The batch has {n} code.", "The batch has {n} codes.", batch.codes).format(
                    n=batch.codes
                )
            ],
            label_width=10,
            save=save,
        )
        self.app.push_screen(dialog, made)

    def action_block(self) -> None:
        batch = self.current
        if batch is None:
            return
        employee, clock = self.app.employee, self.app.clock
        block = not batch.blocked

        def save(reason: str) -> bool:
            if block:
                codes.block_batch(batch.code, by=employee, reason=reason, clock=clock)
            else:
                codes.unblock_batch(batch.code, by=employee, reason=reason, clock=clock)
            return block

        title = (_("Block batch {batch}") if block else _("Unblock batch {batch}")).format(
            batch=batch.code
        )
        line = (
            _("No code of it works at the till any more, until it is unblocked.")
            if block
            else _("Its codes work again (those not blocked one by one).")
        )
        dialog = FormDialog(
            title,
            [FormField("reason", _("Reason"), "", _("why, for the audit log"))],
            lambda values: values["reason"],
            lines=[line],
            label_width=8,
            save=save,
        )
        self.app.push_screen(dialog, lambda r: self.read() if r is not None else None)

    def action_export(self) -> None:
        batch = self.current
        if batch is None:
            return
        employee, clock = self.app.employee, self.app.clock
        default = str(Path.home() / f"codes-{batch.code}-{self.app.clock().date()}.csv")

        def export(path: str) -> tuple[str, int, str]:
            suffix = Path(path).suffix.lower()
            if suffix == ".pdf":
                pages = codes_print.labels_pdf(batch.code, path, by=employee, clock=clock)
                return path, pages, "pdf"
            if suffix == ".xlsx":
                return path, codes_print.export_xlsx(batch.code, path, by=employee, clock=clock), ""
            return path, codes_print.export_csv(batch.code, path, by=employee, clock=clock), ""

        def written(result: tuple[str, int, str] | None) -> None:
            if result is None:
                return
            path, n, kind = result
            text = (
                ngettext("{n} page of labels written to {path}.",
                         "{n} pages of labels written to {path}.", n)
                if kind == "pdf"
                else ngettext("{n} code written to {path}.", "{n} codes written to {path}.", n)
            )  # fmt: skip
            self.app.notify(text.format(n=n, path=path), timeout=8)

        self.app.push_screen(export_dialog(batch.code, default, export), written)

    def action_report(self) -> None:
        today = self.app.clock().date()
        employee = self.app.employee

        def parse(values: dict[str, str]) -> tuple[dt.date, dt.date]:
            start = parse_day(values["from"], _("From")) or today - dt.timedelta(days=30)
            end = parse_day(values["to"], _("To")) or today
            return start, end

        def save(period: tuple[dt.date, dt.date]) -> codes_report.ChannelReport:
            return codes_report.channel_report(*period, by=employee)

        def show(report: codes_report.ChannelReport | None) -> None:
            if report is not None:
                self.app.push_screen(ChannelReportScreen(self.area, report))

        dialog = ReportDialog(
            _("What the channels brought"),
            [
                FormField("from", _("From"), f"{today - dt.timedelta(days=30):%d.%m.%Y}"),
                FormField("to", _("To"), f"{today:%d.%m.%Y}"),
            ],
            parse,
            lines=[_("Uses of the codes, receipts, revenue, discount and new customers.")],
            label_width=8,
            save=save,
        )
        self.app.push_screen(dialog, show)


class ReportDialog(FormDialog):
    """The channels' report's period: F2 shows it."""

    BINDINGS = [Binding("f2", "submit", _("Show"), id="channel_report.show")]


def _locations() -> dict[int, str]:
    from torgtui.models import Location

    return dict(Location.select(Location.id, Location.code).tuples())


# --- one batch's codes -----------------------------------------------------------------------


def codes_loader(batch: str, by: Any):
    """A forward-only PagedList loader over a batch's codes, in the order made."""
    from torgtui import db

    def load(request: Any) -> Page:
        after = request.key if request.kind == "after" else 0
        with db.database.connection_context():
            rows = codes.list_codes(batch, by=by, after_id=after or 0, limit=request.limit)
        full = len(rows) >= request.limit
        return Page(rows, rows[-1].id if rows and full else None, rows[0].id if rows else None)

    return load


class CodeRows(RowList):
    BINDINGS = [Binding("enter", "select", _("Block"), show=False, id="batch_codes.select")]


class BatchCodesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """A batch's codes, a page at a time; Delete blocks (or unblocks) the one chosen."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#batch-codes"
    BINDINGS = [Binding("delete", "block", _("Block/unblock"), id="batch_codes.block")]

    def __init__(self, area: Area, batch: str, name: str) -> None:
        super().__init__(area)
        self.batch = batch
        self.batch_name = name

    def place(self) -> str:
        return _("Codes of {batch}").format(batch=self.batch)

    def compose_body(self) -> ComposeResult:
        yield Label(self.batch_name, classes="promo-line", markup=False)
        yield Label("", id="batch-codes-header", markup=False)
        yield CodeRows(self.render_row, row_id=lambda r: r.id, id="batch-codes")
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        width = max(20, self.app.size.width - 1)
        titles = (_("Code"), _("Used"), _("State"), _("Issued to"))
        self.query_one("#batch-codes-header", Label).update(" " + self.line(titles, width))
        self.show_codes()

    @staticmethod
    def line(cells: tuple[str, ...], width: int) -> str:
        """The code (20), used (right), state, and who it was issued to (the rest)."""
        code, used, state, holder = cells
        rest = max(6, width - 20 - 8 - 9 - 3)
        return " ".join((fit(code, 20), fit(used, 8, right=True), fit(state, 9), fit(holder, rest)))

    def render_row(self, row: CodeRow, width: int) -> str:
        state = (
            _("blocked") if row.blocked else (_("used") if row.used >= row.uses_per_code else "")
        )
        return self.line((row.code, f"{row.used}/{row.uses_per_code}", state, row.customer), width)

    def show_codes(self) -> None:
        listing = self.query_one("#batch-codes", CodeRows)
        listing.empty_text = _("The batch has no codes yet: F3 in the list makes them.")
        listing.show(codes_loader(self.batch, self.app.employee), backwards=False)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_paged_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.action_block()

    def on_paged_list_failed(self, event: RowList.Failed) -> None:
        event.stop()
        self.say(getattr(event.error, "message", "") or str(event.error))

    def action_block(self) -> None:
        row = self.query_one("#batch-codes", CodeRows).cursor_row
        if row is None:
            return
        employee, clock = self.app.employee, self.app.clock
        block = not row.blocked

        def save(reason: str) -> bool:
            if block:
                codes.block_code(row.code, by=employee, reason=reason, clock=clock)
            else:
                codes.unblock_code(row.code, by=employee, reason=reason, clock=clock)
            return block

        dialog = FormDialog(
            (_("Block code {code}") if block else _("Unblock code {code}")).format(code=row.code),
            [FormField("reason", _("Reason"), "", _("why, for the audit log"))],
            lambda values: values["reason"],
            label_width=8,
            save=save,
        )
        self.app.push_screen(
            dialog,
            lambda r: self.query_one("#batch-codes", CodeRows).reload() if r is not None else None,
        )


# --- the channels' result --------------------------------------------------------------------

REPORT_WIDTHS = (5, 5, 12, 11, 4)  # uses, receipts, revenue, discount, new customers


class ChannelReportScreen(AreaScreen):
    """What each channel and batch brought in a period: uses, receipts, revenue (less what was
    returned), the promotion's discount and new customers."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#channel-report"

    def __init__(self, area: Area, report: codes_report.ChannelReport) -> None:
        super().__init__(area)
        self.report = report

    def place(self) -> str:
        return _("Channels {start} – {end}").format(
            start=f"{self.report.start:%d.%m.%y}", end=f"{self.report.end:%d.%m.%y}"
        )

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Uses · receipts · revenue less returns · discount · new customers"),
            classes="promo-line",
        )
        yield DataTable(id="channel-report", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#channel-report", DataTable)
        room = max(10, min(self.app.size.width, 80) - 3 - sum(REPORT_WIDTHS) - 12)
        titles = (_("Channel / batch"), _("Uses"), _("Rec."), _("Revenue"), _("Discount"), _("New"))
        for n, (title, width) in enumerate(zip(titles, (room, *REPORT_WIDTHS), strict=True)):
            table.add_column(Text(title, justify="right" if n else "left"), width=width)
        rows = []
        for channel in self.report.channels:
            rows.append((channel.channel or _("no channel"), channel, True))
            rows += [
                ("  " + b.batch, b, False)
                for b in self.report.batches
                if b.channel == channel.channel
            ]
        rows.append((_("Total"), self.report.total, True))
        for label, r, bold in rows:
            cells = (
                label,
                str(r.uses),
                str(r.receipts),
                format_money(r.revenue, symbol=False),
                format_money(r.discount, symbol=False),
                str(r.new_customers),
            )
            widths = (room, *REPORT_WIDTHS)
            styled = [
                Text(fit(c, w, right=n > 0), no_wrap=True, style="bold" if bold else "")
                for n, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            table.add_row(*styled)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)


__all__ = ["BatchCodesScreen", "ChannelReportScreen", "CodeBatchesScreen"]
