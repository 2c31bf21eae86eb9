"""The customer's messages and consent (from the card's Contacts section, F7): what the outbox
sent them and what became of it, the consent per channel and the stop-list; F2 changes the
consent, a reason puts the customer on the stop-list."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from torgtui.channels import consent
from torgtui.channels.outbox import MessageRow, messages_of
from torgtui.i18n import _
from torgtui.screens.customer_card_common import DbJobs, Field, FormScreen

YES_NO = r"(y|ye|yes|n|no|т|та|так|н|ні)?"


def status_title(status: str) -> str:
    return {
        "pending": _("waiting"),
        "sending": _("sending"),
        "accepted": _("sent"),
        "delivered": _("delivered"),
        "failed": _("failed"),
        "rejected": _("rejected"),
        "suppressed": _("not sent"),
        "skipped": _("skipped"),
        "unknown": _("check"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
    }.get(status, status)


def delivery_title(delivery: str) -> str:
    """What the gateway last said of a sent message, in words."""
    return {
        "queued": _("waiting"),
        "sent": _("sent"),
        "delivered": _("delivered"),
        "read": _("read"),
        "clicked": _("link opened"),
        "failed": _("failed"),
    }.get(delivery, delivery)


def _is_yes(text: str) -> bool:
    return text.strip().lower()[:1] in ("y", "т")


def _load(customer_id: int) -> tuple[str, list[MessageRow], dict[str, Any], str]:
    given = consent.consents_of(customer_id)
    stop = consent.stop_of(customer_id)
    return (
        consent.summary(customer_id),
        messages_of(customer_id, limit=200),
        {c: given[c].granted for c in given},
        stop.reason if stop else "",
    )


class MessageLogScreen(DbJobs, ModalScreen[None]):
    """The card's message log and consent; Escape closes."""

    DEFAULT_CSS = """
    MessageLogScreen {
        align: center middle;
    }
    MessageLogScreen > Vertical {
        width: 78;
        max-width: 100%;
        height: 20;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    MessageLogScreen #messages-consent {
        width: 100%;
        height: auto;
    }
    MessageLogScreen #messages-note {
        width: 100%;
        height: auto;
    }
    MessageLogScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("f2", "consent", _("Consent"), id="messages.consent"),
        Binding("escape", "close", _("Close"), id="messages.close"),
    ]

    def __init__(self, customer_id: int, name: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer_name = name
        self.given: dict[str, Any] = {}
        self.stop_reason = ""
        self.rows: list[MessageRow] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Messages: {name}").format(name=self.customer_name)[:70]
            yield Label("", id="messages-consent", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=False)
            yield Label("", id="messages-note", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, width in (
            (_("When"), 11),
            (_("Status"), 12),
            (_("By"), 5),
            (_("Text"), 22),
            (_("Why"), 14),
        ):
            table.add_column(title, width=width)
        table.focus()
        self.reload()

    def reload(self) -> None:
        cid = self.customer_id
        self.job(lambda: _load(cid), self.loaded)

    def loaded(self, data: tuple[str, list[MessageRow], dict[str, Any], str]) -> None:
        line, self.rows, self.given, self.stop_reason = data
        self.query_one("#messages-consent", Label).update(line)
        table = self.query_one(DataTable)
        table.clear()
        for m in self.rows:
            table.add_row(
                f"{m.created_at:%d.%m %H:%M}",
                status_title(m.status),
                m.via or m.channel,
                " ".join(m.text.split())[:22] or m.kind,
                m.why[:14] if m.why else delivery_title(m.delivery or ""),
                key=str(m.id),
            )
        note = _("No messages yet.") if not self.rows else ""
        self.query_one("#messages-note", Label).update(note)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        found = next((m for m in self.rows if str(m.id) == key), None)
        if found is not None:
            why = found.why or delivery_title(found.delivery or "")
            text = " ".join(found.text.split())
            address = f"+{found.address}" if found.address.isdigit() else found.address
            detail = " · ".join(x for x in (address, why, text) if x)
            self.query_one("#messages-note", Label).update(detail[:150])

    def action_consent(self) -> None:
        def shown(channel: str) -> str:
            if channel not in self.given:
                return ""
            return _("yes") if self.given[channel] else _("no")

        fields = [
            Field("sms", _("SMS adverts (yes/no)"), shown("sms"), _("yes or no"), YES_NO),
            Field("viber", _("Viber adverts (yes/no)"), shown("viber"), _("yes or no"), YES_NO),
            Field("email", _("E-mail adverts (yes/no)"), shown("email"), _("yes or no"), YES_NO),
            Field(
                "stop",
                _("Opted out: the reason"),
                self.stop_reason,
                _("empty: not on the stop-list"),
            ),
        ]

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            wanted = {c: _is_yes(values[c]) for c in ("sms", "viber", "email") if values[c].strip()}
            reason = values["stop"].strip() if values["stop"].strip() != self.stop_reason else ""
            if self.stop_reason and not values["stop"].strip() and not any(wanted.values()):
                self.show_error(_("To take the customer off the stop-list, mark a channel yes."))
                return
            cid, employee, now = self.customer_id, self.app.employee, self.app.clock()
            self.job(
                lambda: consent.update_from_card(cid, wanted, reason, by=employee, now=now),
                self.changed,
            )

        self.app.push_screen(FormScreen(_("Consent to marketing"), fields), done)

    def changed(self, what: list[str]) -> None:
        note = _("Saved: {what}.").format(what=", ".join(what)) if what else _("Nothing changed.")
        self.app.notify(note)
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["MessageLogScreen", "status_title"]
