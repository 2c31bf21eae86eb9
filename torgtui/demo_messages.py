"""The demo shop's messages (issue 10, section 8): the customers' consent to marketing (some by
SMS only, some Viber, some e-mail, a few opted out with their reason), the shop's own mailing
templates in Ukrainian and English and one edited automatic template, one mailing sent three
weeks ago with what became of each message and its effect against a 10 % holdout, a draft, one
scheduled for tomorrow, and the bonus notices of the last week, sent.

Everything goes through the real services: ``consent.set_consent`` / ``opt_out``,
``templates.save_template``, ``mailings.create_mailing`` / ``start`` / ``prepare``,
``bonuses.expire`` for the notices, and the real sender (``sender.Sender``: ``run_once`` and
``poll``) with the sandbox gateway (``gateways.open_gateway`` over the demo's settings, always
the sandbox whatever the shop's own settings say: a demo never texts made-up numbers; its file
next to the demo's database). Times are simulated: a clock that the sender's pacing moves on
(``messages.rate_per_second``) and that the sandbox reads too.

**What the phones answered.** The sandbox delivers everything; the demo's network
(:class:`_Network`) sits in front of it and answers as real phones and mailboxes would: a few
numbers refused at sending (the operator's stop-list), a few messages not delivered (a phone
off for a day, a mailbox that does not exist), about half of the Viber messages read within
hours and some of those clicked. The sender stores those answers itself, as it stores a real
service's.

**The effect.** The mailing is made (a draft, with its id) before the history is drawn, so
the history (torgtui.demo) knows who it will reach: consent, the stop-list and the holdout's
hash (``mailings.in_holdout``) are those :func:`mailings.prepare` applies later. In the 13 days
after it went, each recipient has an extra chance of a visit each day (most in the first
days), so the recipients bought more than the holdout did, as :func:`mailings.effect` shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from torgtui.channels.gateway import (
    Channel,
    Delivery,
    Gateway,
    Message,
    Outcome,
    SendResult,
    Status,
)
from torgtui.i18n import _
from torgtui.models import Customer, Employee

SENT_DAYS = 21  # the mailing went this many days before today
SENT_HOUR = 10
HOLDOUT = 10  # percent
CHANNELS = ("viber", "email")
LINK = "https://demo-shop.example/new"
WINTER_LINK = "https://demo-shop.example/winter"
# the history's visits: about 50 receipts a day, 35 % of them with a card (torgtui.demo)
CUSTOMER_VISITS_A_DAY = 18.0
LIFT = 0.7  # extra visits per recipient in the window, relative to a customer's usual
LIFT_DAYS = 13  # the days after the mailing with extra visits (the effect counts 14)
LIFT_DECAY = 4.0  # days: most come in the first days
ENGLISH = 0.08  # of the customers read English (the card's language)
NOTICE_DAYS = 7  # the bonus notices went this many days before today
# the share of rows each fate takes (at least one each where there are rows)
REJECTED, FAILED, READ, CLICKED = 0.006, 0.02, 0.55, 0.22  # CLICKED: of the read ones
OPTED_OUT = 0.03

NEW_SEASON = "Новинки сезону"
WINTER = "Зимові знижки"
MONTHS_OF = (
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
)
STOP_REASONS = (
    "Попросила на касі не надсилати розсилок",
    "Забагато повідомлень",
    "Не користується Viber",
    "Сказав, що купує тільки за потреби",
    "Змінила номер телефону",
)
STOP_REPLY = "Відповів STOP на розсилку «{name}»"

# the shop's own templates: kind -> (texts, subjects, Viber image, button)
TEMPLATES: dict[str, tuple[dict[str, str], dict[str, str], str, str]] = {
    NEW_SEASON: (
        {
            "uk": "{first_name}, до нас надійшли новинки сезону: одяг, косметика й речі для "
            "малечі. Зазирніть: {link} Чекаємо в магазині! {shop}",
            "en": "{first_name}, the season's new arrivals are in: clothes, cosmetics and "
            "things for little ones. Take a look: {link} See you in the shop! {shop}",
        },
        {"uk": "Новинки сезону вже в магазині", "en": "The season's new arrivals are in"},
        "https://demo-shop.example/img/new-season.jpg",
        "Переглянути новинки",
    ),
    WINTER: (
        {
            "uk": "{first_name}, з понеділка зимовий розпродаж: светри та кардигани −25%! "
            "Бонусів на вашій картці: {bonus_balance}, ними можна оплатити покупку. "
            "{link} {shop}",
            "en": "{first_name}, our winter sale starts on Monday: sweaters and cardigans "
            "25% off! Your card holds {bonus_balance} in bonuses to pay with. {link} {shop}",
        },
        {"uk": "Зимовий розпродаж: −25% на светри", "en": "Winter sale: 25% off sweaters"},
        "https://demo-shop.example/img/winter.jpg",
        "До розпродажу",
    ),
}
BIRTHDAY = (
    {
        "uk": "{first_name}, вітаємо з днем народження! Три дні до і три дні після свята — "
        "знижка 15% на всі покупки (до 500 ₴). Чекаємо на вас! {shop}",
        "en": "Happy birthday, {first_name}! For three days before and after your birthday, "
        "15% off everything (up to 500 UAH). See you soon! {shop}",
    },
    {"uk": "З днем народження, {first_name}!", "en": "Happy birthday, {first_name}!"},
)


def settings_for(settings: Any, url: str, store_name: str) -> Any:
    """The settings the demo sends with: the shop's own (or the defaults), with the sandbox for
    every channel (a demo never texts made-up numbers), its database, its store's name, and the
    default quiet hours (the demo's times are chosen outside them)."""
    from torgtui.config import Settings

    base = settings if settings is not None else Settings()
    messages = dataclasses.replace(
        base.messages,
        sms_gateway="sandbox",
        email_gateway="sandbox",
        quiet_start="21:00",
        quiet_end="09:00",
    )
    return dataclasses.replace(
        base,
        messages=messages,
        database=dataclasses.replace(base.database, url=url),
        store=dataclasses.replace(base.store, name=store_name),
    )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@dataclass
class History:
    """What the history must know of the messages (planned before the days are drawn): who
    the sent mailing reaches, and their extra visits."""

    rng: random.Random = field(default_factory=lambda: random.Random(0))
    mailing_id: int = 0
    sent_at: dt.datetime = dt.datetime.min
    consents: list[tuple[dt.datetime, int, tuple[str, ...], str]] = field(default_factory=list)
    # (when, customer, their reason, how: "till" or "reply")
    opt_outs: list[tuple[dt.datetime, int, str, str]] = field(default_factory=list)
    english: list[int] = field(default_factory=list)
    recipients: list[int] = field(default_factory=list)  # the sent group, as planned
    lifted: dict[dt.date, list[int]] = field(default_factory=dict)  # day -> extra visitors

    def plan(self, seed: int, today: dt.date, manager: int) -> None:
        """Draw the consents, opt-outs and languages; save the mailing's template and the
        mailing (a draft: its id decides its holdout); plan the recipients' extra visits."""
        from torgtui.marketing import mailings

        self.rng = rng = random.Random(f"demo-messages-{seed}")
        self.sent_at = _at(today - dt.timedelta(days=SENT_DAYS), SENT_HOUR)
        by = Employee.get_by_id(manager)
        _save_template(NEW_SEASON, by, self.sent_at - dt.timedelta(days=2, hours=-7))
        mailing = mailings.create_mailing(
            mailings.MailingData(
                NEW_SEASON,
                "mailing:" + NEW_SEASON,
                channels=CHANNELS,
                holdout_percent=HOLDOUT,
                link=LINK,
            ),
            by=by,
            clock=lambda: self.sent_at - dt.timedelta(hours=17),
        )
        self.mailing_id = mailing.id
        people = list(
            Customer.select(Customer.id, Customer.created_at, Customer.phone, Customer.email)
            .where(Customer.status == "active")
            .order_by(Customer.id)
            .tuples()
        )
        recipients: list[int] = []
        for cid, created, phone, email in people:
            has_email = bool(email and mailings.EMAIL.match(email))
            channels = _channels(rng, has_email)
            if rng.random() < ENGLISH:
                self.english.append(cid)
            if not channels:
                continue
            how = "questionnaire" if rng.random() < 0.3 else "card"
            self.consents.append((created, cid, channels, how))
            stopped = False
            if rng.random() < OPTED_OUT and created < self.sent_at - dt.timedelta(days=2):
                span = (self.sent_at - dt.timedelta(days=1) - created).total_seconds()
                at = created + dt.timedelta(seconds=int(span * rng.random()))
                self.opt_outs.append((at, cid, rng.choice(STOP_REASONS), "till"))
                stopped = True
            reachable = [
                c
                for c in channels
                if c in CHANNELS
                and (has_email if c == "email" else mailings.valid_phone(phone or ""))
            ]
            if (
                created < self.sent_at
                and not stopped
                and reachable
                and not mailings.in_holdout(mailing.id, cid, mailing.holdout_bp)
            ):
                recipients.append(cid)
        self.recipients = recipients
        agreed = {cid: channels for _at, cid, channels, _how in self.consents}
        phoned = [c for c in recipients if "viber" in agreed[c]]
        for n, cid in enumerate(rng.sample(phoned, min(2, len(phoned)))):
            at = self.sent_at + dt.timedelta(days=1 + n, hours=8, minutes=rng.randint(0, 59))
            self.opt_outs.append((at, cid, STOP_REPLY.format(name=NEW_SEASON), "reply"))
        self.consents.sort(key=lambda c: (c[0], c[1]))
        self.opt_outs.sort(key=lambda o: (o[0], o[1]))
        self._plan_visits(sum(1 for p in people if p[1] < self.sent_at))

    def _plan_visits(self, known: int) -> None:
        """Each recipient's extra chance of a visit on each of the days after (the usual chance
        a customer has, times LIFT over the window, most of it in the first days)."""
        usual = CUSTOMER_VISITS_A_DAY / max(known, 1)
        weights = [math.exp(-d / LIFT_DECAY) for d in range(LIFT_DAYS)]
        scale = LIFT_DAYS / sum(weights)
        for d, weight in enumerate(weights):
            chance = min(0.9, usual * LIFT * weight * scale)
            day = self.sent_at.date() + dt.timedelta(days=d + 1)
            self.lifted[day] = [c for c in self.recipients if self.rng.random() < chance]

    def visits(self, day: dt.date) -> list[int]:
        """The recipients who come on ``day`` because of the mailing (customer ids)."""
        return self.lifted.get(day, [])


def _channels(rng: random.Random, has_email: bool) -> tuple[str, ...]:
    """What one customer agreed to: most by SMS and Viber, some SMS only or Viber only, some
    by e-mail only; half of those with an e-mail also by e-mail; about one in eight never
    asked."""
    roll = rng.random()
    if roll < 0.12:
        return ()
    if roll < 0.18:
        found = ["email"] if has_email else ["sms"]
    elif roll < 0.35:
        found = ["sms"]
    elif roll < 0.85:
        found = ["sms", "viber"]
    else:
        found = ["viber"]
    if has_email and "email" not in found and rng.random() < 0.5:
        found.append("email")
    return tuple(found)


def _save_template(name: str, by: Employee, at: dt.datetime) -> None:
    from torgtui.channels import templates
    from torgtui.channels.gateway import ViberExtras

    texts, subjects, image, button = TEMPLATES[name]
    link = LINK if name == NEW_SEASON else WINTER_LINK
    templates.save_template(
        templates.mailing_kind(name),
        texts,
        by=by,
        subjects=subjects,
        viber=ViberExtras(image, button, link),
        clock=lambda: at,
    )


# --- the demo's network: the sandbox, answered as phones and mailboxes would -------------------


@dataclass(frozen=True)
class _Fate:
    kind: str  # delivered, read, clicked, failed, rejected
    after: float = 0.0  # seconds after sending: read, or failed
    click: float = 0.0  # seconds after sending: clicked
    error: str = ""


class _Clock:
    """Simulated time: the sender's pacing sleeps move it on, and the sandbox reads it."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at
        self.ticks = 0.0

    def __call__(self) -> dt.datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)
        self.ticks += seconds

    def monotonic(self) -> float:
        return self.ticks

    def epoch(self) -> float:
        return self.at.timestamp()


def _sent_time(gateway_id: str) -> tuple[int, dt.datetime] | None:
    """(outbox id, when sent) from a sandbox id ``sandbox-<channel>-<ref>-<ms>``."""
    parts = gateway_id.split("-")
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    return int(parts[2]), dt.datetime.fromtimestamp(int(parts[3]) / 1000)


class _Network:
    """The sandbox gateway, with the answers of the demo's phones and mailboxes (see the module
    doc): ``fates`` by outbox id; a row without one is delivered."""

    def __init__(self, sandbox: Gateway, clock: _Clock, fates: dict[int, _Fate]) -> None:
        self.sandbox = sandbox
        self.name = sandbox.name
        self.channels = sandbox.channels
        self.dedupes_ref = False
        self.clock = clock
        self.fates = fates

    def send(self, message: Message) -> SendResult:
        fate = self.fates.get(message.ref)
        if fate is not None and fate.kind == "rejected":
            return SendResult(Outcome.REJECTED, error=fate.error)
        return self.sandbox.send(message)

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        ids = list(gateway_ids)
        known = self.sandbox.poll(ids)
        now = self.clock()
        found: dict[str, Status] = {}
        for gateway_id in ids:
            sent = _sent_time(gateway_id)
            if gateway_id not in known or sent is None:
                continue
            ref, at = sent
            fate = self.fates.get(ref, _Fate("delivered"))

            def stamp(seconds: float, at: dt.datetime = at) -> str:
                return (at + dt.timedelta(seconds=seconds)).isoformat(timespec="seconds")

            if fate.kind == "failed":
                if now >= at + dt.timedelta(seconds=fate.after):
                    found[gateway_id] = Status(Delivery.FAILED, stamp(fate.after), fate.error)
            elif fate.kind == "clicked" and now >= at + dt.timedelta(seconds=fate.click):
                found[gateway_id] = Status(Delivery.CLICKED, stamp(fate.click))
            elif fate.kind in ("read", "clicked") and now >= at + dt.timedelta(seconds=fate.after):
                found[gateway_id] = Status(Delivery.READ, stamp(fate.after))
            else:
                found[gateway_id] = Status(Delivery.DELIVERED, stamp(3 + ref % 40))
        return found

    def close(self) -> None:
        self.sandbox.close()


def _fates(rng: random.Random, rows: list[tuple[int, str]]) -> dict[int, _Fate]:
    """What becomes of each of a mailing's rows (outbox id, channel): a few refused or not
    delivered (at least one each), about half of the Viber ones read and some clicked."""
    fates: dict[int, _Fate] = {}
    phones = [r for r, channel in rows if channel in ("sms", "viber")]
    for ref in rng.sample(phones, max(1, round(len(phones) * REJECTED)) if phones else 0):
        fates[ref] = _Fate(
            "rejected", error=_("The number is on the operator's stop-list: not sent.")
        )
    left = [r for r in rows if r[0] not in fates]
    for ref, channel in rng.sample(left, max(1, round(len(left) * FAILED)) if left else 0):
        error = (
            _("Not delivered: the mailbox does not exist.")
            if channel == "email"
            else _("Not delivered: the phone was off or out of reach for 24 hours.")
        )
        fates[ref] = _Fate("failed", after=rng.randint(120, 540), error=error)
    viber = [r for r, channel in rows if channel == "viber" and r not in fates]
    read = rng.sample(viber, max(1, round(len(viber) * READ)) if viber else 0)
    clicked = set(rng.sample(read, max(1, round(len(read) * CLICKED)) if read else 0))
    for ref in read:
        # most read within three hours, the rest by the next evening
        after = rng.randint(120, 3 * 3600) if rng.random() < 0.7 else rng.randint(3, 20) * 3600
        if ref in clicked:
            fates[ref] = _Fate("clicked", after, after + rng.randint(20, 600))
        else:
            fates[ref] = _Fate("read", after)
    return fates


def _send(settings: Any, clock: _Clock, fates: dict[int, _Fate], polls: list[dt.datetime]) -> None:
    """Send every row that is due now through the real sender, then poll at ``polls``."""
    from torgtui.channels.gateways import open_gateway
    from torgtui.channels.sandbox import SandboxGateway
    from torgtui.channels.sender import Sender

    sandbox = open_gateway(settings, Channel.SMS)
    assert isinstance(sandbox, SandboxGateway)  # settings_for chose it
    sandbox.clock = clock.epoch  # the sandbox's ids and lines carry the demo's times
    network = _Network(sandbox, clock, fates)
    sender = Sender(
        settings,
        gateways=lambda _channel: network,
        clock=clock,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    while sender.run_once(500).handled:
        pass
    for at in polls:
        clock.at = max(clock.at, at)
        sender.poll()
    network.close()


# --- after the history is written --------------------------------------------------------------


def build(
    history: History,
    *,
    settings: Any,
    staff: dict[Any, int],
    today: dt.date,
) -> None:
    """Consents and opt-outs, the templates, the sent mailing (sent and polled), the later
    consents, the bonus notices (sent), a draft and a scheduled mailing."""
    from torgtui.channels import templates
    from torgtui.marketing import mailings
    from torgtui.staff import Role

    manager = Employee.get_by_id(staff[Role.MANAGER])
    cashier = Employee.get_by_id(staff[Role.CASHIER])
    shop = settings.store.name
    sent_at = history.sent_at
    templates.save_template(
        "birthday",
        BIRTHDAY[0],
        by=manager,
        subjects=BIRTHDAY[1],
        clock=lambda: sent_at - dt.timedelta(days=3, hours=-8),
    )
    _consents(history, cashier, manager, until=sent_at)
    for chunk in range(0, len(history.english), 500):
        ids = history.english[chunk : chunk + 500]
        Customer.update(language="en").where(Customer.id.in_(ids)).execute()
    # the mailing: started that morning, prepared, sent, and polled for two days
    mid = history.mailing_id
    if history.recipients:
        mailings.start(mid, by=manager, clock=lambda: sent_at - dt.timedelta(minutes=10))
        mailings.prepare(mid, clock=lambda: sent_at, shop=shop)
        rows = list(
            _rows(
                'SELECT "id", "channel" FROM "outbox_message" WHERE "mailing_id" = ? '
                'AND "status" = \'pending\' ORDER BY "id"',
                (mid,),
            )
        )
        polls = [sent_at + dt.timedelta(hours=h) for h in (0.25, 4, 10.5, 26, 50)]
        _send(settings, _Clock(sent_at), _fates(history.rng, rows), polls)
        mailings.refresh_state(mid, clock=lambda: polls[-1])
    _consents(history, cashier, manager, since=sent_at)
    # the bonus notices a week ago (bonuses about to lapse), sent that morning
    from torgtui.marketing import bonuses

    noticed = _at(today - dt.timedelta(days=NOTICE_DAYS), 9)
    bonuses.expire(noticed, clock=lambda: noticed)
    _send(
        settings, _Clock(noticed + dt.timedelta(minutes=5)), {}, [noticed + dt.timedelta(hours=1)]
    )
    # the winter sale's mailing, scheduled for tomorrow, and a draft for next month's birthdays
    evening = _at(today - dt.timedelta(days=1), 18)
    _save_template(WINTER, manager, evening)
    winter = mailings.create_mailing(
        mailings.MailingData(
            "Зимовий розпродаж светрів",
            "mailing:" + WINTER,
            channels=CHANNELS,
            segment={"bonus": {"min": 100}},
            exclusions={"mailed_within_days": 7},
            holdout_percent=HOLDOUT,
            send_at=_at(today + dt.timedelta(days=1), 11),
            link=WINTER_LINK,
        ),
        by=manager,
        clock=lambda: evening + dt.timedelta(minutes=20),
    )
    mailings.start(winter.id, by=manager, clock=lambda: evening + dt.timedelta(minutes=25))
    month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    mailings.create_mailing(
        mailings.MailingData(
            f"Іменинники {MONTHS_OF[month.month - 1]}",
            "birthday",
            channels=("sms",),
            segment={"birthdays": {"from": f"{month:%m-%d}", "to": f"{last:%m-%d}"}},
        ),
        by=manager,
        clock=lambda: evening + dt.timedelta(minutes=40),
    )


def _rows(statement: str, params: tuple) -> list[tuple]:
    from torgtui.db import database, sql

    return list(database.execute_sql(sql(statement), params).fetchall())


def _consents(
    history: History,
    cashier: Employee,
    manager: Employee,
    *,
    since: dt.datetime = dt.datetime.min,
    until: dt.datetime = dt.datetime.max,
) -> None:
    """The consents given and the opt-outs made from ``since`` until ``until``, in time order:
    a consent with the card (the cashier at the till) or on the paper questionnaire; an
    opt-out at the till (the manager, audited) or by replying STOP (the system)."""
    from torgtui.channels import consent

    events: list[tuple[dt.datetime, int, Any]] = [
        (at, 0, (cid, channels, how)) for at, cid, channels, how in history.consents
    ]
    events += [(at, 1, (cid, reason, how)) for at, cid, reason, how in history.opt_outs]
    events = [e for e in events if since <= e[0] < until]
    events.sort(key=lambda e: (e[0], e[1], e[2][0]))
    for at, kind, what in events:
        if kind == 0:
            cid, channels, how = what
            for channel in channels:
                consent.set_consent(cid, channel, True, how=how, by=cashier, now=at, audited=False)
        else:
            cid, reason, how = what
            if how == "reply":
                consent.opt_out(cid, reason, by=None, now=at, how=how, audited=False)
            else:
                consent.opt_out(cid, reason, by=manager, now=at, how=how)


__all__ = ["History", "build", "settings_for"]
