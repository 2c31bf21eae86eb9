"""The Mailings area: the list of mailings with their state, the builder of a new one (the
template, the channel, the segment, the exclusions, the holdout, now or at a time) with its
recipients and cost counted before anything is sent (F4), and a mailing's own screen: preparing
with a progress bar in a thread worker (the app stays responsive; F7 pauses, F8 resumes, Delete
cancels), then its result (sent, delivered, read, clicked, failed by reason, cost) and its
effect against the holdout. F5 opens the message templates, F6 the call journal.

Everything is done by torgtui.marketing.mailings; the screens only read the form and show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar, Select

from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import mailings as ml
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.customer_messages import status_title
from torgtui.screens.office import Failed, OfficeJobs, fit, parse_day, run_db
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import parse_money

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "mailings.tcss"]
# id, name (the rest), state, when, sent, holdout
WIDTHS = (5, 0, 10, 11, 7, 7)
CHANNEL_CHOICES = (
    ("sms", ("sms",)),
    ("viber", ("viber",)),
    ("email", ("email",)),
    ("viber+email", ("viber", "email")),
    ("sms+email", ("sms", "email")),
)


def channel_title(key: str) -> str:
    return {
        "sms": _("SMS"),
        "viber": _("Viber, then SMS"),
        "email": _("E-mail"),
        "viber+email": _("Viber (then SMS) and e-mail"),
        "sms+email": _("SMS and e-mail"),
    }[key]


def reason_title(reason: str) -> str:
    return {
        "no_contact": _("no phone or e-mail"),
        "bad_phone": _("invalid phone"),
        "bad_email": _("invalid e-mail"),
        "opted_out": _("opted out"),
        "no_consent": _("no consent"),
        "mailed_lately": _("mailed lately"),
    }.get(reason, reason)


def state_word(state: str) -> str:
    return {
        "draft": _("draft"),
        "scheduled": _("scheduled"),
        "preparing": _("preparing"),
        "sending": _("sending"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
        "done": _("done"),
    }.get(state, state)


def _when(moment: dt.datetime | None, began: dt.datetime | None = None, state: str = "") -> str:
    """When it goes: its time, "now" while it waits to be started, else when it began."""
    if moment is None and state not in ("", "draft", "scheduled"):
        moment = began
    return moment.strftime("%d.%m %H:%M") if moment else _("now")


class MailingsScreen(OfficeJobs, AreaScreen):
    """Every mailing, newest first. Enter opens one, Insert makes a new one; F5 and F6 open
    the templates and the call journal when they are there."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#mailings"
    BINDINGS = [
        Binding("enter", "open", _("Open"), id="mailings.open"),
        Binding("insert", "new", _("New"), id="mailings.new"),
        Binding("f5", "templates", _("Templates"), id="mailings.templates"),
        Binding("f6", "calls", _("Calls"), id="mailings.calls"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.items: list[ml.Summary] = []

    def compose_body(self) -> ComposeResult:
        yield Label("", id="mailings-info", markup=False)
        yield DataTable(id="mailings", cursor_type="row", zebra_stripes=True)
        yield Label("", id="mailings-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#mailings", DataTable)
        titles = (_("No."), _("Name"), _("State"), _("When"), _("Sent"), _("Holdout"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.read()

    def widths(self) -> tuple[int, ...]:
        rest = sum(w + 2 for w in WIDTHS if w) + 2
        name = max(12, min(self.app.size.width, 80) - rest - 4)
        return tuple(w or name for w in WIDTHS)

    def say(self, text: str) -> None:
        self.query_one("#mailings-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#mailings-message", Label).content)

    def read(self) -> None:
        clock = self.app.clock
        self.job(lambda: ml.list_mailings(clock=clock), self.show)

    def show(self, items: list[ml.Summary]) -> None:
        self.items = items
        table = self.query_one("#mailings", DataTable)
        table.clear()
        for m in items:
            table.add_row(
                str(m.id), m.name, state_word(m.state), _when(m.send_at, m.created_at, m.state),
                str(m.sent), str(m.holdout), key=str(m.id),
            )  # fmt: skip
        self.query_one("#mailings-info", Label).update(
            ngettext(
                "{n} mailing. Enter opens one, Insert makes a new one.",
                "{n} mailings. Enter opens one, Insert makes a new one.",
                len(items),
            ).format(n=len(items))
            if items
            else _("No mailings yet: Insert makes the first one.")
        )

    def current(self) -> ml.Summary | None:
        table = self.query_one("#mailings", DataTable)
        if not self.items or table.cursor_row is None or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        found = self.current()
        if found is not None:
            self.app.push_screen(MailingScreen(self.area, found.id))

    def action_new(self) -> None:
        self.app.push_screen(MailingBuilderScreen(self.area), self.built)

    def built(self, mailing_id: int | None) -> None:
        self.read()
        if mailing_id is not None:
            self.app.push_screen(MailingScreen(self.area, mailing_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "templates":
            return templates_screen() is not None
        if action == "calls":
            return calls_screen() is not None
        return True

    def action_templates(self) -> None:
        screen = templates_screen()
        if screen is not None:
            self.app.push_screen(screen(self.area))

    def action_calls(self) -> None:
        screen = calls_screen()
        if screen is not None:
            self.app.push_screen(screen())


def templates_screen() -> Any:
    """The message templates' screen (torgtui.screens.templates), when it is there."""
    try:
        from torgtui.screens.templates import TemplatesScreen
    except ImportError:
        return None
    return TemplatesScreen


def calls_screen() -> Any:
    """The call journal's screen (torgtui.screens.calls), when it is there."""
    try:
        from torgtui.screens.calls import CallsScreen
    except ImportError:
        return None
    return CallsScreen


# --- the builder -----------------------------------------------------------------------------


def _range(text: str, what: str, parse: Any) -> tuple[Any, Any] | None:
    """ "3-7" / "3 - 7" / "100-" / "-500" -> (low, high) (either may be None); "" -> None."""
    text = (text or "").strip()
    if not text:
        return None
    low, sep, high = text.partition("-")
    if not sep:
        value = parse(low.strip(), what)
        return value, value
    return (parse(low.strip(), what) if low.strip() else None,
            parse(high.strip(), what) if high.strip() else None)  # fmt: skip


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValidationError(_("{what}: a whole number, like 7.").format(what=what))
    return int(text)


def _days(text: str, what: str) -> int | None:
    text = (text or "").strip()
    return _number(text, what) if text else None


def parse_send_at(text: str) -> dt.datetime | None:
    """ "25.11.2026 10:00" -> a time; empty -> None (now)."""
    text = (text or "").strip()
    if not text:
        return None
    day_text, _sep, time_text = text.partition(" ")
    day = parse_day(day_text, _("Send at"))
    try:
        moment = dt.datetime.strptime(time_text.strip() or "09:00", "%H:%M").time()
    except ValueError:
        raise ValidationError(
            _("Send at: a day and a time, like 25.11.2026 10:00 (empty: now).")
        ) from None
    assert day is not None
    return dt.datetime.combine(day, moment)


class MailingBuilderScreen(OfficeJobs, AreaScreen):
    """A new mailing. F4 counts the recipients and the cost (nothing is written); F2 saves it
    as a draft; F9 saves and sends it (now, or at the time typed). Dismisses with the new
    mailing's id (or None)."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#mb-name"
    BINDINGS = [
        Binding("f2", "save", _("Save draft"), id="mailing_builder.save"),
        Binding("f3", "filters", _("Customer filter"), id="mailing_builder.filters"),
        Binding("f4", "count", _("Count"), id="mailing_builder.count"),
        Binding("f9", "send", _("Send"), id="mailing_builder.send"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.customer_filter: dict = {}
        self.counting = False

    def place(self) -> str:
        return _("New mailing")

    def choices(self) -> tuple[list, list, list]:
        from torgtui.channels.templates import templates
        from torgtui.marketing.cards import card_type_names
        from torgtui.models import ProductGroup

        kinds = [(t.title, t.kind) for t in templates()]
        mailing_first = sorted(kinds, key=lambda k: (not k[1].startswith("mailing:"), k[0]))
        cards = [(name, cid) for cid, name in card_type_names()]
        groups = [
            (path, gid)
            for gid, path in ProductGroup.select(ProductGroup.id, ProductGroup.path)
            .order_by(ProductGroup.path)
            .limit(500)
            .tuples()
        ]
        return mailing_first, cards, groups

    def compose_body(self) -> ComposeResult:
        kinds, cards, groups = self.choices()

        def row(label: str, widget: Any) -> Horizontal:
            line = Horizontal(classes="mb-row")
            line.compose_add_child(Label(label, classes="mb-label", markup=False))
            line.compose_add_child(widget)
            return line

        def text(wid: str, placeholder: str = "", value: str = "") -> Input:
            return Input(value, placeholder=placeholder, id=wid, compact=True)

        def select(wid: str, options: list, blank: bool = True) -> Select:
            return Select(options, id=wid, compact=True, allow_blank=blank,
                          prompt=_("any"))  # fmt: skip

        with VerticalScroll(id="mb-form"):
            yield row(_("Name"), text("mb-name", _("e.g. Spring sale")))
            yield row(_("Template"), select("mb-kind", kinds, blank=not kinds))
            yield row(
                _("Channel"),
                Select([(channel_title(k), k) for k, _c in CHANNEL_CHOICES], id="mb-channel",
                       compact=True, allow_blank=False, value="sms"),
            )  # fmt: skip
            yield Label(_("Who (all of these; empty: everyone)"), classes="mb-heading")
            yield row(_("Card type"), select("mb-card", cards))
            yield row(_("Tier from"), text("mb-tier", _("the threshold's amount, e.g. 5000")))
            yield row(_("Interest"), select("mb-interest", groups))
            yield row(_("Language"), select("mb-language", [(_("Ukrainian"), "uk"),
                                                             (_("English"), "en")]))  # fmt: skip
            yield row(_("Birthdays"), text("mb-birthdays", _("MM-DD - MM-DD, e.g. 12-20 - 01-10")))
            yield row(_("Children"), text("mb-children", _("aged X-Y years, e.g. 3-7")))
            yield row(_("Bought in"), text("mb-visited", _("the last N days")))
            yield row(_("Not bought"), text("mb-not-visited", _("for N days")))
            yield row(_("Bonuses"), text("mb-bonus", _("from-to, e.g. 100-500")))
            yield row(_("Partner"), text("mb-partner", _("the channel's name on its codes")))
            yield Label("", id="mb-filter", markup=False)
            yield Label(_("Exclude and hold back"), classes="mb-heading")
            yield row(_("Mailed in"), text("mb-lately", _("the last N days: left out")))
            yield row(_("Holdout %"), text("mb-holdout", "", "10"))
            yield row(_("Send at"), text("mb-send-at", _("DD.MM.YYYY HH:MM; empty: now")))
            yield row(_("Link"), text("mb-link", _("the {link} of the template")))
            yield row(_("Promo code"), text("mb-code", _("the {promo_code} of the template")))
        yield Label(_("F4 counts the recipients and the cost."), id="mb-count", markup=False)
        yield Label("", id="mb-message", markup=False)

    def say(self, text: str) -> None:
        label = self.query_one("#mb-message", Label)
        label.update(text)
        label.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#mb-message", Label).content)

    @property
    def count_line(self) -> str:
        return str(self.query_one("#mb-count", Label).content)

    def value(self, wid: str) -> str:
        return self.query_one(f"#{wid}", Input).value.strip()

    def chosen(self, wid: str) -> Any:
        value = self.query_one(f"#{wid}", Select).value
        return None if value is Select.NULL else value

    def data(self) -> ml.MailingData:
        """The form as the service's data (refused in words where a field is not understood)."""
        segment: dict[str, Any] = {}
        card = self.chosen("mb-card")
        if card is not None:
            segment["card_types"] = [card]
        if self.value("mb-tier"):
            if card is None:
                raise ValidationError(_("Tier: choose the card type first."))
            segment["tier"] = {"card_type": card, "from": parse_money(self.value("mb-tier"))}
        if self.chosen("mb-interest") is not None:
            segment["interests"] = [self.chosen("mb-interest")]
        if self.chosen("mb-language") is not None:
            segment["languages"] = [self.chosen("mb-language")]
        days = self.value("mb-birthdays").replace(" ", "")
        if days:
            # "12-20-01-10" (from - to) or one day "03-08"
            first, last = (days[:5], days[6:]) if len(days) > 5 else (days, days)
            segment["birthdays"] = {"from": first, "to": last}
        ages = _range(self.value("mb-children"), _("Children"), _number)
        if ages is not None:
            segment["children_age"] = [ages[0] or 0, ages[1] if ages[1] is not None else 30]
        visited = _days(self.value("mb-visited"), _("Bought in"))
        if visited is not None:
            segment["visited_within_days"] = visited
        not_visited = _days(self.value("mb-not-visited"), _("Not bought"))
        if not_visited is not None:
            segment["not_visited_days"] = not_visited
        bonus = _range(self.value("mb-bonus"), _("Bonuses"), lambda t, w: parse_money(t, w))
        if bonus is not None:
            segment["bonus"] = {
                k: v for k, v in (("min", bonus[0]), ("max", bonus[1])) if v is not None
            }
        if self.value("mb-partner"):
            segment["partner"] = self.value("mb-partner")
        if self.customer_filter:
            segment["customer_filter"] = self.customer_filter
        exclusions = {}
        lately = _days(self.value("mb-lately"), _("Mailed in"))
        if lately is not None:
            exclusions["mailed_within_days"] = lately
        channel = self.query_one("#mb-channel", Select).value
        return ml.MailingData(
            name=self.value("mb-name"),
            kind=str(self.chosen("mb-kind") or ""),
            channels=dict(CHANNEL_CHOICES)[str(channel)],
            segment=segment,
            exclusions=exclusions,
            holdout_percent=self.value("mb-holdout") or "0",
            send_at=parse_send_at(self.value("mb-send-at")),
            link=self.value("mb-link"),
            promo_code=self.value("mb-code"),
        )

    def read_form(self) -> ml.MailingData | None:
        try:
            data = self.data()
            ml.check_segment(data.segment)
        except TorgError as exc:
            self.say(exc.message)
            return None
        self.say("")
        return data

    def action_filters(self) -> None:
        from torgtui.customers.listing import Filters
        from torgtui.screens.customer_filters import FiltersScreen

        current = ml.filters_of(self.customer_filter) if self.customer_filter else Filters()

        def chosen(filters: Filters | None) -> None:
            if filters is None:
                return
            kept = {k: v for k, v in dataclasses.asdict(filters).items() if v not in (None, False)}
            self.customer_filter = kept
            self.query_one("#mb-filter", Label).update(
                _("Customer filter: {names} (F3 changes it)").format(names=", ".join(kept))
                if kept
                else ""
            )

        self.app.push_screen(FiltersScreen(current, today=self.app.clock().date()), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "count":
            return not self.counting
        return True

    def action_count(self) -> None:
        data = self.read_form()
        if data is None or self.counting:
            return
        self.counting = True
        self.refresh_bindings()
        self.query_one("#mb-count", Label).update(_("Counting…"))
        clock, settings = self.app.clock, self.app.settings

        def count() -> tuple[ml.Audience, Any]:
            found = ml.audience(data, clock=clock)
            return found, ml.cost_preview(found, settings)

        self.job(count, self.counted, failures=True)

    def counted(self, result: Any) -> None:
        self.counting = False
        self.refresh_bindings()
        label = self.query_one("#mb-count", Label)
        if isinstance(result, Failed):
            label.update("")
            self.say(result.message)
            return
        found, cost = result
        skipped = sum(found.skipped.values())
        label.update(
            _(
                "{sent} recipients ({messages} messages), about {holdout} held back, {skipped} "
                "left out · cost {cost}"
            ).format(
                sent=found.sent,
                messages=found.messages(),
                holdout=found.holdout,
                skipped=skipped,
                cost=format_money(cost.total),
            )
        )

    def action_save(self) -> None:
        self._save(send=False)

    def action_send(self) -> None:
        data = self.read_form()
        if data is None:
            return
        when = (
            _("at {when}").format(when=data.send_at.strftime("%d.%m.%Y %H:%M"))
            if data.send_at
            else _("now")
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(send=True)

        self.app.push_screen(
            ConfirmDialog(
                _("Send this mailing?"),
                _(
                    "{name}: its messages are written to the outbox and go {when}. Pause and "
                    "cancel stay possible until they have gone."
                ).format(name=data.name or "?", when=when),
            ),
            answered,
        )

    def _save(self, *, send: bool) -> None:
        data = self.read_form()
        if data is None:
            return
        employee, clock = self.app.employee, self.app.clock

        def save() -> int:
            mailing = ml.create_mailing(data, by=employee, clock=clock)
            if send:
                ml.start(mailing.id, by=employee, clock=clock)
            return mailing.id

        self.job(save, self.dismiss_with)

    def dismiss_with(self, mailing_id: int) -> None:
        if self.app.screen is self:
            self.dismiss(mailing_id)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)


# --- one mailing: preparing, pause/resume/cancel, the result ---------------------------------


class MailingScreen(OfficeJobs, AreaScreen):
    """One mailing. A scheduled one is prepared at once (a progress bar; Escape leaves it to
    go on later, where it stopped); F2 prepares it (or goes on), F7 pauses, F8 resumes, Delete
    cancels; the result and the effect against the holdout below (F4 changes the days)."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#mr-body"
    BINDINGS = [
        Binding("f2", "prepare", _("Prepare"), id="mailing.prepare"),
        Binding("f4", "days", _("Days"), id="mailing.days"),
        Binding("f7", "pause", _("Pause"), id="mailing.pause"),
        Binding("f8", "resume", _("Resume"), id="mailing.resume"),
        Binding("delete", "cancel", _("Cancel mailing"), id="mailing.cancel"),
    ]
    # the service it calls (a seam: tests slow it down to pause it half way)
    prepare = staticmethod(ml.prepare)

    def __init__(self, area: Area, mailing_id: int) -> None:
        super().__init__(area)
        self.mailing_id = mailing_id
        self.state = ""
        self.days = ml.EFFECT_DAYS
        self.running = False
        self.stop = threading.Event()
        self.result: ml.Result | None = None

    def place(self) -> str:
        return _("Mailing {id}").format(id=self.mailing_id)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="mr-title", markup=False)
        yield ProgressBar(id="mr-progress", show_eta=False)
        yield Label("", id="mr-state", markup=False)
        yield VerticalScroll(id="mr-body", can_focus=True)
        yield Label("", id="mr-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#mr-progress", ProgressBar).display = False
        self.read(start=True)

    def on_unmount(self) -> None:
        self.stop.set()  # preparing stops after its batch; the mailing goes on when reopened

    def say(self, text: str) -> None:
        self.query_one("#mr-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#mr-message", Label).content)

    @property
    def state_line(self) -> str:
        return str(self.query_one("#mr-state", Label).content)

    @property
    def lines(self) -> list[str]:
        return [str(label.content) for label in self.query("#mr-body Label")]

    def read(self, *, start: bool = False) -> None:
        employee, clock, days, mid = self.app.employee, self.app.clock, self.days, self.mailing_id

        def load() -> tuple[Any, ml.Result]:
            return ml.get_mailing(mid), ml.result(mid, by=employee, days=days, clock=clock)

        self.job(load, lambda found: self.show(found, start))

    def show(self, found: tuple[Any, ml.Result], start: bool = False) -> None:
        mailing, result = found
        self.state, self.result = mailing.state, result
        self.refresh_bindings()
        channels = ", ".join(mailing.channels.split(","))
        self.query_one("#mr-title", Label).update(
            _("{name} · {kind} · {channels} · holdout {holdout}% · {when}").format(
                name=mailing.name,
                kind=mailing.kind.removeprefix("mailing:"),
                channels=channels,
                holdout=format(Decimal(mailing.holdout_bp) / 100, "f"),
                when=_when(mailing.send_at, mailing.started_at, mailing.state),
            )
        )
        if not self.running:
            self.query_one("#mr-state", Label).update(self.state_text(mailing))
        body = self.query_one("#mr-body", VerticalScroll)
        body.remove_children()
        body.mount_all(
            [Label(line, classes="mr-line", markup=False) for line in result_lines(mailing, result)]
        )
        if start and mailing.state in ("scheduled", "preparing") and not self.running:
            self.action_prepare()

    def state_text(self, mailing: Any) -> str:
        state = mailing.state
        if state == "draft":
            return _("A draft: F2 sends it.")
        if state == "preparing":
            return _("Preparing stopped half way: F2 goes on where it stopped.")
        if state == "paused":
            return _("Paused: F8 resumes.")
        if state == "sending":
            return _("Sending: the sender takes its messages (F7 pauses, Delete cancels).")
        return _("State: {state}.").format(state=state_word(state))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "prepare":
            return not self.running and self.state in ("draft", "scheduled", "preparing")
        if action == "pause":
            return self.state in ("scheduled", "preparing", "sending")
        if action == "resume":
            return self.state == "paused" and not self.running
        if action == "cancel":
            return self.state not in ("cancelled", "done", "")
        return True

    def action_prepare(self) -> None:
        if self.running:
            return
        employee, clock, mid = self.app.employee, self.app.clock, self.mailing_id
        if self.state == "draft":
            self.job(
                lambda: ml.start(mid, by=employee, clock=clock), lambda _m: self.read(start=True)
            )
            return
        self.running = True
        self.stop = threading.Event()
        bar = self.query_one("#mr-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#mr-state", Label).update(
            _("Preparing: writing the messages… F7 pauses, Escape leaves it for later.")
        )
        self.refresh_bindings()
        self._prepare(mid, clock, self.stop)

    @work(thread=True, exclusive=True, group="mailing-prepare", exit_on_error=False)
    def _prepare(self, mailing_id: int, clock: Any, stop: threading.Event) -> None:
        call = self.app.call_from_thread
        shop = str(getattr(getattr(self.app.settings, "store", None), "name", "") or "")

        def progress(done: int, total: int) -> None:
            call(self.progressed, done, total)

        result = run_db(
            lambda: self.prepare(
                mailing_id, clock=clock, progress=progress, cancel=stop.is_set, shop=shop
            ),
            self.app.settings.database.url,
        )
        call(self.prepared, result)

    def progressed(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one("#mr-progress", ProgressBar).update(total=max(total, 1), progress=done)
            self.query_one("#mr-state", Label).update(
                _("Preparing: {done} of {total} customers… F7 pauses.").format(
                    done=done, total=total
                )
            )

    def prepared(self, result: ml.Prepared | Failed) -> None:
        self.running = False
        if not self.is_attached:
            return
        self.query_one("#mr-progress", ProgressBar).display = False
        if isinstance(result, Failed):
            self.say(result.message)
        elif result.state == "sending":
            self.say(
                _("Prepared: {sent} recipients, {messages} messages; {holdout} held back.").format(
                    sent=result.sent, messages=result.messages, holdout=result.holdout
                )
            )
        self.read()

    def action_pause(self) -> None:
        self.stop.set()
        employee, clock, mid = self.app.employee, self.app.clock, self.mailing_id
        self.job(lambda: ml.pause(mid, by=employee, clock=clock), lambda _m: self.read())

    def action_resume(self) -> None:
        employee, clock, mid = self.app.employee, self.app.clock, self.mailing_id
        self.job(lambda: ml.resume(mid, by=employee, clock=clock), lambda _m: self.read(start=True))

    def action_cancel(self) -> None:
        employee, clock, mid = self.app.employee, self.app.clock, self.mailing_id

        def answered(yes: bool | None) -> None:
            if yes:
                self.stop.set()
                self.job(lambda: ml.cancel(mid, by=employee, clock=clock), lambda _m: self.read())

        self.app.push_screen(
            ConfirmDialog(
                _("Cancel this mailing?"),
                _("Its messages that have not gone will not go. This cannot be undone."),
            ),
            answered,
        )

    def action_days(self) -> None:
        from torgtui.screens.office_dialogs import FormDialog, FormField

        def parse(values: dict[str, str]) -> int:
            text = values["days"].strip()
            if not text.isdigit() or not 1 <= int(text) <= 366:
                raise ValidationError(_("Days after sending: from 1 to 366."))
            return int(text)

        def chosen(days: int | None) -> None:
            if days is not None:
                self.days = days
                self.read()

        self.app.push_screen(
            FormDialog(
                _("The effect: purchases within how many days?"),
                [FormField("days", _("Days"), str(self.days))],
                parse,
                label_width=8,
            ),
            chosen,
        )


def result_lines(mailing: Any, result: ml.Result) -> list[str]:
    """The mailing's figures as lines of at most 78 characters."""
    lines = [
        _("Segment: {found} customers · sent to {sent} · held back {holdout} · left out "
          "{skipped}").format(found=mailing.audience, sent=mailing.sent_count,
                              holdout=mailing.holdout_count, skipped=mailing.skipped_count),
    ]  # fmt: skip
    if result.skipped:
        lines.append(
            _("Left out: {reasons}").format(
                reasons=", ".join(
                    f"{reason_title(r)} {n}" for r, n in sorted(result.skipped.items())
                )
            )
        )
    lines.append(
        _("Messages {messages} · gone {sent} · delivered {delivered} · read {read} · "
          "clicked {clicked} · waiting {waiting}").format(
            messages=result.messages, sent=result.sent, delivered=result.delivered,
            read=result.read, clicked=result.clicked, waiting=result.waiting)
    )  # fmt: skip
    for key, n in sorted(result.failed.items()):
        status, _sep, error = key.partition(": ")  # "failed: expired"
        why = status_title(status) + (f": {error}" if error else "")
        lines.append(fit("  " + _("not sent: {why}: {n}").format(why=why, n=n), 78))
    lines.append(_("Cost: {cost}").format(cost=format_money(result.cost)))
    effect = result.effect
    if effect is None:
        lines.append(_("The effect: after it is sent."))
        return lines
    lines.append("")
    lines.append(
        _("The effect: purchases {since} - {until} ({days} days), against the holdout").format(
            since=effect.since.strftime("%d.%m.%Y"),
            until=(effect.until - dt.timedelta(seconds=1)).strftime("%d.%m.%Y"),
            days=effect.days,
        )
    )
    head = (_("group"), _("people"), _("bought"), _("%"), _("receipts"), _("revenue"), _("each"))
    widths = (10, 7, 7, 7, 9, 16, 12)

    def row(cells: tuple[str, ...]) -> str:
        return " ".join(
            fit(c, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    lines.append(row(head))
    for title, group in ((_("sent"), effect.sent), (_("holdout"), effect.holdout)):
        lines.append(
            row((title, str(group.customers), str(group.buyers), str(group.conversion),
                 str(group.receipts), format_money(group.revenue),
                 format_money(group.revenue_per_customer)))
        )  # fmt: skip
    lines.append(
        _("Difference: {conv} pp bought, {each} per customer; about {extra} more in all").format(
            conv=effect.conversion_diff,
            each=format_money(effect.revenue_per_customer_diff),
            extra=format_money(effect.extra_revenue),
        )
    )
    if not effect.holdout.customers:
        lines.append(_("No holdout: the effect cannot be told from what would have happened."))
    return lines
