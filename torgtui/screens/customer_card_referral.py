"""The customer card's Refer a Friend section ("Friends"): the customer's campaigns (the newest
one's terms above the table) and every code with who used it, when, the friend's purchase and
the bonus; F5 adds a campaign (its terms start from the shop's defaults in the rules file),
F6 prints the unused codes (a PDF sheet of labels, or TSPL/ZPL label bytes to a file or a label
printer), F7 copies them (the clipboard by the terminal's OSC 52, and over SSH a file too, whose
path is said), Delete stops the highlighted code's campaign (asked first; Y or F2).

Everything comes from torgtui.marketing.referral and referral_print, read and written in the
card screen's thread workers; the services check every right again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import referral, referral_print
from torgtui.marketing.referral import Campaign, CampaignTerms, CodeRow
from torgtui.marketing.rules_referral import group_id_of, load_defaults
from torgtui.money import format_money
from torgtui.screens.customer_card_common import Field, FormScreen, format_date, parse_date
from torgtui.screens.customer_card_sections import Section
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen
from torgtui.values import check_count, check_percent, parse_money


@dataclass(frozen=True)
class Friends:
    """A referrer's campaigns and codes (read in a worker)."""

    campaigns: list[Campaign]
    codes: list[CodeRow]


def load_friends(customer_id: int) -> Friends:
    return Friends(referral.campaigns_of(customer_id), referral.codes_of(customer_id))


def campaign_line(c: Campaign) -> str:
    where = c.group or _("everything")
    line = _("{issued}-{until}: friend −{percent}% on {where}; bonus {bonus}").format(
        issued=format_date(c.issued_on),
        until=format_date(c.valid_until),
        percent=f"{c.friend_percent.normalize():f}",
        where=where,
        bonus=c.bonus_text(),
    )
    if c.min_purchase:
        line += _("; from {amount}").format(amount=format_money(c.min_purchase))
    if c.blocked:
        line += _(" (stopped)")
    return line


def parse_terms(values: dict[str, str]) -> CampaignTerms:
    """The F5 form's lines as campaign terms (refused in words, nothing written)."""
    issued = parse_date(values["issued"], _("The issue date"))
    if issued is None:
        raise ValidationError(_("The issue date: type it as DD.MM.YYYY."))
    rule = values["rule"].strip()
    bonus = values["bonus"].strip()
    amount, percent, most = 0, Decimal(0), 0
    if rule == "fixed":
        amount = parse_money(bonus, _("The referrer's bonus"))
    elif rule in ("percent", "percent_max"):
        percent = check_percent(bonus, _("The referrer's bonus percentage"))
        if rule == "percent_max":
            most = parse_money(values["max"], _("The most bonus per purchase"))
    path = values["group"].strip()
    group_id = group_id_of(path) if path else None
    if path and group_id is None:
        raise ValidationError(
            _("There is no product group {path!r}: type its path, like Clothing/Women.").format(
                path=path[:60]
            )
        )
    least = values["min"].strip()
    return CampaignTerms(
        issued_on=issued,
        valid_days=check_count(values["days"], _("Days the codes are valid"), minimum=1),
        friend_percent=check_percent(values["friend"], _("The friend's discount")),
        bonus_rule=rule,
        bonus_amount=amount,
        bonus_percent=percent,
        bonus_max=most,
        min_purchase=parse_money(least, _("The minimum purchase")) if least else 0,
        group_id=group_id,
        codes=check_count(values["codes"], _("The number of codes"), minimum=1),
    )


def _money_text(kopecks: int) -> str:
    return format_money(kopecks, symbol=False)


class ReferralSection(Section):
    """Refer a Friend: campaigns and codes of this customer (the referrer)."""

    DEFAULT_CSS = """
    ReferralSection #referral-terms { width: 100%; height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS = [
        Binding("f5", "add", _("Add campaign"), show=False, id="card.referral.add"),
        Binding("f6", "print", _("Print codes"), show=False, id="card.referral.print"),
        Binding("f7", "copy", _("Copy codes"), show=False, id="card.referral.copy"),
        Binding("delete", "stop", _("Stop campaign"), show=False, id="card.referral.stop"),
    ]
    columns = (
        (_("Code"), 11),
        (_("State"), 11),  # "заблокована" in Ukrainian
        (_("Friend"), 13),
        (_("Used"), 10),
        (_("Purchase"), 11),
        (_("Bonus"), 9),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.friends: Friends | None = None

    def compose(self) -> ComposeResult:
        yield Label("", classes="section-hint", markup=False)
        yield Static("", id="referral-terms", markup=False)
        yield self.table_class(cursor_type="row", zebra_stripes=True, classes="section-table")

    def load(self) -> None:
        cid = self.need_card()
        self.table.clear()
        self.friends = None
        if cid is None:
            self.hint("")
            self.query_one("#referral-terms", Static).update("")
            return
        self.card.job(lambda: load_friends(cid), self.show)

    def show(self, friends: Friends) -> None:
        self.friends = friends
        self.hint(_("F5 add campaign · F6 print codes · F7 copy codes · Del stop campaign"))
        terms = self.query_one("#referral-terms", Static)
        if not friends.campaigns:
            terms.update(_("No Refer a Friend campaign yet: F5 adds one with codes for friends."))
        else:
            lines = [campaign_line(friends.campaigns[0])]
            if len(friends.campaigns) > 1:
                lines.append(_("and {n} earlier campaigns").format(n=len(friends.campaigns) - 1))
            terms.update("\n".join(lines))
        today = self.app.clock().date()  # type: ignore[attr-defined]
        self.table.clear()
        for row in friends.codes:
            bonus = row.bonus - row.reversed
            self.add_row(
                (
                    row.code,
                    row.state_title(today),
                    row.friend,
                    format_date(row.used_at.date()) if row.used_at else "",
                    _money_text(row.purchase) if row.used_at else "",
                    _money_text(bonus) if row.used_at else "",
                ),
                str(row.id),
            )

    # --- F5: add a campaign ----------------------------------------------------------------

    def action_add(self) -> None:
        cid = self.need_card()
        if cid is None:
            return
        app = self.app
        today = app.clock().date()  # type: ignore[attr-defined]
        self.card.job(lambda: load_defaults(), lambda d: self.ask_terms(cid, today, d))

    def ask_terms(self, cid: int, today: dt.date, d: Any) -> None:
        bonus = _money_text(d.bonus_amount) if d.bonus_rule == "fixed" else f"{d.bonus_percent}"
        fields = [
            Field("issued", _("Issue date"), format_date(today), _("DD.MM.YYYY"), r"[0-9.]*"),
            Field("days", _("Valid, days"), str(d.valid_days), "", r"[0-9]*"),
            Field("friend", _("Friend's %"), f"{d.friend_percent}", "10", r"[0-9.,]*"),
            Field("rule", _("Bonus rule"), d.bonus_rule, "fixed, percent, percent_max"),
            Field("bonus", _("Bonus ₴ or %"), bonus, _("100.00 (fixed) or 5 (%)")),
            Field("max", _("At most, ₴"), _money_text(d.bonus_max), _("percent_max only")),
            Field("min", _("Min. purchase ₴"), _money_text(d.min_purchase), "0"),
            Field("group", _("Product group"), d.group, _("empty: everything")),
            Field("codes", _("Codes"), str(d.codes), "3", r"[0-9]*"),
        ]
        app = self.app

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                terms = parse_terms(values)
            except ValidationError as exc:
                self.card.show_error(exc.message)
                return
            self.card.job(
                lambda: referral.create_campaign(
                    cid,
                    terms,
                    by=app.employee,  # type: ignore[attr-defined]
                    clock=app.clock,  # type: ignore[attr-defined]
                ),
                self.added,
            )

        self.app.push_screen(FormScreen(_("Refer a Friend campaign"), fields), done)

    def added(self, made: Campaign) -> None:
        self.load()
        self.card.say(
            _("Campaign saved with {n} codes: F6 prints them, F7 copies them.").format(
                n=len(made.codes)
            )
        )

    # --- F6: print -------------------------------------------------------------------------

    def action_print(self) -> None:
        cid = self.need_card()
        if cid is None:
            return
        app = self.app
        employee, clock = app.employee, app.clock  # type: ignore[attr-defined]

        def make(text: str) -> str:
            target, _sep, printer = text.strip().partition(" ")
            suffix = Path(target).suffix.lower()
            if suffix == ".pdf":
                pages = referral_print.labels_pdf(cid, target, by=employee, clock=clock)
                return _("Labels saved to {path} ({n} pages): print them.").format(
                    path=target, n=pages
                )
            if suffix not in (".tspl", ".zpl"):
                raise ValidationError(
                    _("The file ends in .pdf (an A4 sheet) or .tspl/.zpl (a label printer).")
                )
            data = referral_print.label_bytes(cid, by=employee, language=suffix[1:], clock=clock)
            if printer.strip():
                from torgtui.hw.labels import DEFAULT_PORT, send_label

                host, _sep, port = printer.strip().partition(":")
                send_label(data, host, int(port) if port.isdigit() else DEFAULT_PORT)
                return _("Labels sent to {printer}.").format(printer=printer.strip())
            Path(target).write_bytes(data)
            return _("Labels saved to {path}: send the file to the label printer.").format(
                path=target
            )

        def typed(text: str | None) -> None:
            if text and text.strip():
                self.card.job(lambda: make(text), self.card.say)

        title = _("Print codes: a file .pdf, or .tspl/.zpl [printer host:port], Enter")
        self.app.push_screen(AskScreen(title, value=f"referral-{cid}.pdf"), typed)

    # --- F7: copy --------------------------------------------------------------------------

    def action_copy(self) -> None:
        cid = self.need_card()
        if cid is None:
            return
        app = self.app
        employee, clock = app.employee, app.clock  # type: ignore[attr-defined]
        remote = referral_print.over_ssh()

        def make() -> tuple[str, str | None]:
            text = referral_print.copy_text(cid, by=employee, clock=clock)
            saved = referral_print.save_copy(text, cid) if remote else None
            return text, str(saved) if saved else None

        def copied(result: tuple[str, str | None]) -> None:
            text, saved = result
            self.app.copy_to_clipboard(text)  # OSC 52: the terminal's clipboard
            n = len(text.splitlines()) - 1
            if saved:
                self.card.say(
                    _(
                        "{n} codes copied; over SSH your terminal may not pass them on, so they "
                        "are also in {path}."
                    ).format(n=n, path=saved)
                )
            else:
                self.card.say(_("{n} codes copied: paste them into an email.").format(n=n))

        self.card.job(make, copied)

    # --- Delete: stop the campaign of the highlighted code ----------------------------------

    def action_stop(self) -> None:
        key, friends = self.highlighted_key(), self.friends
        if key is None or friends is None:
            return
        row = next((r for r in friends.codes if str(r.id) == key), None)
        if row is None or row.blocked:
            return
        app = self.app
        campaign_id = row.campaign_id
        question = _(
            "Stop this Refer a Friend campaign? Its unused codes stop working; used ones and "
            "their bonuses stay."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.card.job(
                    lambda: referral.block_campaign(
                        campaign_id,
                        by=app.employee,  # type: ignore[attr-defined]
                        clock=app.clock,  # type: ignore[attr-defined]
                    ),
                    self.stopped,
                )

        self.app.push_screen(ConfirmScreen(question), answered)

    def stopped(self, _result: object) -> None:
        self.load()
        self.card.say(_("The campaign is stopped: its unused codes no longer work."))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()


__all__ = ["ReferralSection", "campaign_line", "load_friends", "parse_terms"]
