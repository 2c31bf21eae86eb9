"""A gift certificate found by its barcode (typed or scanned): its type and value, its state
now, what it holds, and its history -- every life of the barcode (a reissue starts a new
one), the receipts that sold it, paid with it or gave it back, its ledger entries, the
block; F5 blocks a lost one (a reason, then a confirmation), F3 finds another. And the
analysis of a period: issued, sold, redeemed, expired and what is still outstanding (the
shop's liability) by type.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.i18n import _
from torgtui.marketing import certificates_office as office
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit, parse_day
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.staff import Permission, can

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss", HERE / "certificates.tcss"]


class FindDialog(FormDialog):
    """The barcode to look up: Enter or F2 finds it. It takes a scan on purpose (a scanner's
    burst and its Enter look the certificate up; see screens.scan_guard)."""

    accepts_scans = True
    BINDINGS = [Binding("f2", "submit", _("Find"), id="certificate_find.find")]


def find_certificate(screen: Any, *, replace: bool = False) -> None:
    """Ask for a barcode, look it up, and open its card (``replace``: instead of ``screen``)."""
    employee = screen.app.employee

    def parse(values: dict[str, str]) -> str:
        return values["barcode"]

    def look_up(barcode: str) -> office.CertificateCard:
        return office.find(barcode, by=employee)

    def found(card: office.CertificateCard | None) -> None:
        if card is None:
            return
        shown = CertificateCardScreen(screen.area, card)
        if replace:
            screen.app.switch_screen(shown)
        else:
            screen.app.push_screen(shown)

    dialog = FindDialog(
        _("Find a certificate"),
        [FormField("barcode", _("Barcode"), "", _("scan it or type the number"))],
        parse,
        lines=[_("Its state, what it holds and everything that happened to it.")],
        label_width=9,
        save=look_up,
    )
    screen.app.push_screen(dialog, found)


def when(moment: dt.datetime | None) -> str:
    return f"{moment:%d.%m.%Y %H:%M}" if moment is not None else ""


HISTORY_WIDTHS = (14, 3, 0, 11, 7)  # when, generation, what (the rest), amount, receipt
HISTORY_RIGHT = {1, 3, 4}


class CertificateCardScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """One certificate: the facts on top, its history in a table."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#certificate-history"
    BINDINGS = [
        Binding("f3", "find", _("Find another"), id="certificate_card.find"),
        Binding("f5", "block", _("Block"), id="certificate_card.block"),
        Binding("f6", "unblock", _("Unblock"), id="certificate_card.unblock"),
        Binding("f7", "reissue", _("Reissue"), id="certificate_card.reissue"),
    ]

    def __init__(self, area: Area, card: office.CertificateCard) -> None:
        super().__init__(area)
        self.card = card

    def place(self) -> str:
        return _("Certificate {barcode}").format(barcode=self.card.barcode)

    def compose_body(self) -> ComposeResult:
        for name in ("type", "state", "sale", "block"):
            yield Label("", id=f"certificate-{name}", classes="certificate-fact", markup=False)
        yield DataTable(id="certificate-history", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotions-message", markup=False)

    def widths(self) -> tuple[int, ...]:
        fixed = sum(HISTORY_WIDTHS) + 2 * len(HISTORY_WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in HISTORY_WIDTHS)

    def on_mount(self) -> None:
        table = self.query_one("#certificate-history", DataTable)
        titles = (_("When"), _("Gen"), _("What happened"), _("Amount"), _("Receipt"))
        for n, (title, width) in enumerate(zip(titles, self.widths(), strict=True)):
            justify = "right" if n in HISTORY_RIGHT else "left"
            table.add_column(Text(title, justify=justify), width=width)
        self.show()

    def show(self) -> None:
        card, life = self.card, self.card.current
        self.query_one("#certificate-type", Label).update(
            _("{name} ({code}), {mode}: {value}").format(
                name=card.type_name,
                code=card.type_code,
                mode=office.mode_title(card.mode),
                value=card.value,
            )
        )
        state = _("State: {state}").format(state=office.status_title(life.status))
        if life.balance is not None:
            state += " · " + _("holds {amount}").format(amount=format_money(life.balance))
        if life.expires_at is not None:
            state += " · " + _("valid until {date}").format(
                date=f"{office.last_day(life.expires_at):%d.%m.%Y}"
            )
        if len(card.lives) > 1:
            state += " · " + _("life {n} of the barcode").format(n=life.generation)
        label = self.query_one("#certificate-state", Label)
        label.update(state)
        label.set_class(life.status == "blocked", "-blocked")
        sale = ""
        if life.sold_at is not None:
            sale = _("Sold {when}").format(when=when(life.sold_at))
            if life.sale_receipt:
                sale += " " + _("by receipt {n}").format(n=life.sale_receipt)
            if life.customer:
                sale += " " + _("to {name}").format(name=life.customer)
        elif life.batch_id is not None:
            sale = _("Not sold yet: batch {batch}, issued {when}").format(
                batch=life.batch_id, when=when(life.issued_at)
            )
        self.query_one("#certificate-sale", Label).update(sale)
        block = self.query_one("#certificate-block", Label)
        block.update(
            _("Blocked {when}: {reason}").format(
                when=when(life.blocked_at), reason=life.block_reason
            )
            if life.blocked_at is not None and life.status == "blocked"
            else ""
        )
        block.display = bool(block.content)
        table = self.query_one("#certificate-history", DataTable)
        table.clear()
        widths = self.widths()
        for event in office.history(card, self.app.clock()):
            cells = (
                f"{event.at:%d.%m.%y %H:%M}",
                str(event.generation),
                event.what,
                format_money(event.amount, symbol=False) if event.amount is not None else "",
                event.receipt,
            )
            table.add_row(
                *(
                    Text(fit(c, w, right=n in HISTORY_RIGHT), no_wrap=True)
                    for n, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.card.current.status
        if action == "block":
            return can(self.app.employee, Permission.BLOCK_CERTIFICATES) and (
                status not in ("blocked", "reissued")
            )
        if action == "unblock":
            return can(self.app.employee, Permission.MANAGE_CERTIFICATES) and status == "blocked"
        if action == "reissue":
            life = self.card.current
            lapsed = (
                status == "sold"
                and life.expires_at is not None
                and (life.expires_at <= self.app.clock())
            )
            manage = can(self.app.employee, Permission.MANAGE_CERTIFICATES)
            return manage and (status in ("used", "expired") or lapsed)
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def action_find(self) -> None:
        find_certificate(self, replace=True)

    def action_block(self) -> None:
        """A reason, then Y or F2 to confirm; the service blocks it (the value stays on its
        account, so an unblock gives it all back)."""
        barcode = self.card.barcode
        employee, clock = self.app.employee, self.app.clock

        def parse(values: dict[str, str]) -> str:
            from torgtui.values import check_text

            return check_text(values["reason"], _("The reason"), max_len=200, required=True)

        def reasoned(reason: str | None) -> None:
            if reason is None:
                return
            text = _(
                "Certificate {barcode} will pay for nothing until a manager unblocks it. "
                "Reason: {reason}"
            ).format(barcode=barcode, reason=reason)

            def answered(yes: bool | None) -> None:
                if yes:
                    self.job(lambda: block(reason), self.blocked)

            self.app.push_screen(ConfirmDialog(_("Block this certificate?"), text), answered)

        def block(reason: str) -> office.CertificateCard:
            from torgtui.marketing import certificates

            certificates.block(barcode, by=employee, reason=reason, clock=clock)
            return office.find(barcode, by=employee)

        dialog = FormDialog(
            _("Block certificate {barcode}").format(barcode=barcode),
            [FormField("reason", _("Reason"), "", _("e.g. lost by the customer"))],
            parse,
            lines=[_("A lost or stolen certificate: nobody can pay with it while it is blocked.")],
            label_width=8,
        )
        self.app.push_screen(dialog, reasoned)

    def blocked(self, card: office.CertificateCard) -> None:
        self.card = card
        self.show()
        self.app.notify(_("Certificate {barcode} blocked.").format(barcode=card.barcode))

    def action_unblock(self) -> None:
        """Found again: it pays as before (a reason for the audit log, optional)."""
        barcode = self.card.barcode
        employee, clock = self.app.employee, self.app.clock

        def save(reason: str) -> office.CertificateCard:
            from torgtui.marketing import certificates

            certificates.unblock(barcode, by=employee, reason=reason, clock=clock)
            return office.find(barcode, by=employee)

        def done(card: office.CertificateCard | None) -> None:
            if card is not None:
                self.card = card
                self.show()
                self.app.notify(_("Certificate {barcode} unblocked.").format(barcode=barcode))

        dialog = FormDialog(
            _("Unblock certificate {barcode}").format(barcode=barcode),
            [FormField("reason", _("Reason"), "", _("e.g. the customer found it"))],
            lambda values: values["reason"].strip(),
            lines=[_("It pays again with what it holds, until its last valid day.")],
            label_width=8,
            save=save,
        )
        self.app.push_screen(dialog, done)

    def action_reissue(self) -> None:
        """A used-up or expired certificate (a plastic card) starts a new life, issued again
        with its type's value: Y or F2 to confirm."""
        barcode = self.card.barcode
        employee, clock = self.app.employee, self.app.clock

        def reissue() -> office.CertificateCard:
            from torgtui.marketing import certificates

            certificates.reissue(barcode, by=employee, clock=clock)
            return office.find(barcode, by=employee)

        def reissued(card: office.CertificateCard) -> None:
            self.card = card
            self.show()
            self.app.notify(
                _("Certificate {barcode} reissued: it is sold at the till again.").format(
                    barcode=barcode
                )
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(reissue, reissued)

        text = _(
            "The card {barcode} starts a new life: issued, to be sold again. Its history stays."
        ).format(barcode=barcode)
        self.app.push_screen(ConfirmDialog(_("Reissue this certificate?"), text), answered)


# --- the analysis -----------------------------------------------------------------------------


class PeriodDialog(FormDialog):
    """The analysis's period: F2 shows it."""

    BINDINGS = [Binding("f2", "submit", _("Show"), id="certificate_analysis.show")]


def ask_analysis(screen: Any) -> None:
    """The period (and a type, or all of them), then the figures."""
    screen.job(
        lambda: [(t.code, t.name) for t in office.type_rows()], lambda types: _ask(screen, types)
    )


def _ask(screen: Any, types: list[tuple[str, str]]) -> None:
    today = screen.app.clock().date()
    employee = screen.app.employee

    def parse(values: dict[str, str]) -> tuple[dt.date, dt.date, str | None]:
        start = parse_day(values["from"], _("From")) or today.replace(day=1)
        end = parse_day(values["to"], _("To")) or today
        return start, end, values["type"] or None

    def load(asked: tuple[dt.date, dt.date, str | None]) -> tuple[dt.date, dt.date, list]:
        from torgtui.marketing import certificates

        start, end, code = asked
        return start, end, certificates.analysis(start, end, by=employee, type_code=code)

    def show(result: tuple[dt.date, dt.date, list] | None) -> None:
        if result is not None:
            screen.app.push_screen(CertificateAnalysisScreen(screen.area, *result))

    dialog = PeriodDialog(
        _("Certificates: analysis"),
        [
            FormField("from", _("From"), f"{today.replace(day=1):%d.%m.%Y}"),
            FormField("to", _("To"), f"{today:%d.%m.%Y}"),
            FormField(
                "type",
                _("Type"),
                "",
                choices=(("", _("every type")), *((c, f"{c} {n}") for c, n in types)),
            ),
        ],
        parse,
        lines=[_("Issued, sold, redeemed and expired in the period; outstanding at its end.")],
        label_width=8,
        save=load,
    )
    screen.app.push_screen(dialog, show)


ANALYSIS_WIDTHS = (0, 5, 7, 9, 9, 9, 6, 10)
# type, issued, sold, sold value, redeemed value, expired value, outstanding, liability


class CertificateAnalysisScreen(AreaScreen):
    """The figures by type, a total line last; the line under the table spells out the
    highlighted type's counts."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#certificate-analysis"

    def __init__(self, area: Area, start: dt.date, end: dt.date, figures: list) -> None:
        super().__init__(area)
        self.start, self.end = start, end
        self.figures = figures

    def place(self) -> str:
        return _("Analysis {start} – {end}").format(
            start=f"{self.start:%d.%m.%y}", end=f"{self.end:%d.%m.%y}"
        )

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Issued · sold · redeemed · expired in the period; outstanding at its end"),
            classes="promo-line",
        )
        yield DataTable(id="certificate-analysis", cursor_type="row", zebra_stripes=True)
        yield Label("", id="certificate-analysis-detail", classes="promo-line", markup=False)

    def widths(self) -> tuple[int, ...]:
        fixed = sum(ANALYSIS_WIDTHS) + 2 * len(ANALYSIS_WIDTHS)
        room = max(6, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in ANALYSIS_WIDTHS)

    @staticmethod
    def total(figures: list) -> dict[str, int]:
        keys = (
            "issued", "sold_count", "sold_value", "redeemed_count", "redeemed_value",
            "returned_value", "expired_count", "expired_value", "outstanding_count",
            "outstanding_value",
        )  # fmt: skip
        return {k: sum(int(getattr(f, k)) for f in figures) for k in keys}

    def on_mount(self) -> None:
        table = self.query_one("#certificate-analysis", DataTable)
        titles = (
            _("Type"), _("Iss."), _("Sold"), _("Sold ₴"), _("Redeemed"), _("Expired"),
            _("Left"), _("Liability"),
        )  # fmt: skip
        widths = self.widths()
        for n, (title, width) in enumerate(zip(titles, widths, strict=True)):
            table.add_column(Text(title, justify="right" if n else "left"), width=width)
        rows = [(f.type_code, self.row(f), False) for f in self.figures]
        rows.append((_("Total"), self.total(self.figures), True))
        for label, r, bold in rows:
            cells = (
                label,
                str(r["issued"]),
                str(r["sold_count"]),
                format_money(r["sold_value"], symbol=False),
                format_money(r["redeemed_value"], symbol=False),
                format_money(r["expired_value"], symbol=False),
                str(r["outstanding_count"]),
                format_money(r["outstanding_value"], symbol=False),
            )
            table.add_row(
                *(
                    Text(fit(c, w, right=n > 0), no_wrap=True, style="bold" if bold else "")
                    for n, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
        self.show_detail()

    def row(self, f: Any) -> dict[str, int]:
        return self.total([f])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        row = self.query_one("#certificate-analysis", DataTable).cursor_row
        if 0 <= row < len(self.figures):
            f = self.figures[row]
            name, r = f.type_code, self.row(f)
        else:
            name, r = _("All"), self.total(self.figures)
        text = _("{name}: redeemed {redeemed} for {amount} · back {back} · expired {expired}")
        self.query_one("#certificate-analysis-detail", Label).update(
            text.format(
                name=name,
                redeemed=r["redeemed_count"],
                amount=format_money(r["redeemed_value"]),
                back=format_money(r["returned_value"]),
                expired=r["expired_count"],
            )
        )

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)


__all__ = [
    "CertificateAnalysisScreen",
    "CertificateCardScreen",
    "ask_analysis",
    "find_certificate",
]
