"""Mailings: a message to a segment of the customer base, written to the outbox in batches, and
what it brought (purchases by the recipients against a holdout group that was not sent).

A mailing is made as a draft (its template kind, channels, segment, exclusions, holdout, when),
started (``scheduled``), then prepared: :func:`prepare` walks the segment by customer id in
batches; each batch, in one transaction, sorts its customers into

* ``skipped`` (with the reason): no phone or e-mail for any of the channels, an invalid one (a
  card imported with "12345" as its phone is counted, never crashed on), opted out (the
  stop-list), no consent for any of the channels, or mailed in the last N days (an exclusion);
* ``holdout``: a random share of the rest, kept back to measure the effect. "Random" is a hash
  of the mailing id and the customer id: the same mailing always holds back the same
  customers, whatever the batch and however often preparing resumes;
* ``sent``: one outbox row per channel, the batch's through one
  torgtui.channels.outbox.enqueue_many (dedupe ``mailing:{id}:{customer}:{channel}``), with
  the text rendered in the customer's language.

Each batch's recipients, outbox rows and the mailing's ``prepared_upto`` commit together, so a
crash resumes after the last whole batch, and the dedupe keys and the unique (mailing,
customer) index make even a batch done twice write nothing twice. After the last batch the
mailing is ``sending``: the sender (torgtui.channels.sender) takes its rows. Pause moves its
pending rows aside (status ``paused``, which the sender never takes) and stops preparing;
resume brings them back; cancel marks what has not gone ``cancelled``.

The result (:func:`result`) reads the outbox rows (sent, delivered, read, clicked, failed by
reason, cost) and the receipts: for the sent and the holdout group, the buyers, receipts and
revenue (sales less returns) within N days after sending, per customer, and the difference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.customers.listing import Filters, filter_conditions
from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import (
    CardThreshold,
    Customer,
    CustomerInterest,
    Employee,
    LedgerAccount,
)
from torgtui.models.mailings import STATES, Mailing, MailingRecipient
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_text

CHANNELS = ("sms", "viber", "email")
PHONE_CHANNELS = frozenset({"sms", "viber"})
BATCH = 1000  # a batch holds the write lock (SQLite) for about a tenth of a second
MAX_HOLDOUT_BP = 5000  # at most half the audience is held back
EFFECT_DAYS = 14
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UA_MOBILE = re.compile(r"^\+380(39|50|63|66|67|68|73|89|91|92|93|94|95|96|97|98|99)\d{7}$")

# why a customer of the segment was not sent to (and is not in the holdout either)
REASONS = (
    "no_contact",  # no phone (sms, viber) or e-mail (email) on the card
    "bad_phone",  # the card's phone is not a valid number
    "bad_email",  # the card's e-mail is not an address
    "opted_out",  # on the stop-list
    "no_consent",  # agreed to none of the mailing's channels
    "mailed_lately",  # an exclusion: another mailing went to them in the last N days
)

SEGMENT_KEYS = (
    "card_types",  # [card type id, ...]: any of them
    "tier",  # {"card_type": id, "from": kopecks}: the accumulative card's threshold reached
    "interests",  # [product group id, ...]: interested in any of them
    "birthdays",  # {"from": "MM-DD", "to": "MM-DD"} (inclusive; may run over New Year)
    "children_age",  # [low, high]: a child aged low..high years
    "visited_within_days",  # bought in the last N days
    "not_visited_days",  # bought before, but not in the last N days
    "never_visited",  # true: never bought
    "bonus",  # {"min": kopecks, "max": kopecks} (either may be absent)
    "languages",  # ["uk", "en", ""]: the card's communication language ("": not set)
    "partner",  # a partner's (acquisition channel's) name: customers who used its codes
    "customer_filter",  # the customer list's filters (torgtui.customers.listing.Filters)
)
EXCLUSION_KEYS = ("mailed_within_days",)
FILTER_FIELDS = (
    "birthday_this_month",
    "birthday_within_days",
    "children_age",
    "interest_group_id",
    "attention",
    "not_bought_days",
)


# --- checking what the builder gives ---------------------------------------------------------


def _whole(value: Any, what: str, *, low: int = 0, high: int = 10**12) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            raise ValidationError(_("{what}: a whole number, please.").format(what=what))
    if not low <= value <= high:
        raise ValidationError(
            _("{what}: from {low} to {high}.").format(what=what, low=low, high=high)
        )
    return value


def _ids(value: Any, what: str) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError(_("{what}: choose at least one.").format(what=what))
    return sorted({check_id(v, what) for v in value})


def _month_day(text: Any, what: str) -> str:
    if isinstance(text, str) and re.fullmatch(r"\d{2}-\d{2}", text.strip()):
        month, day = int(text[:2]), int(text[3:5])
        try:
            dt.date(2000, month, day)  # a leap year: 29 February is a birthday too
        except ValueError:
            pass
        else:
            return f"{month:02d}-{day:02d}"
    raise ValidationError(
        _("{what}: a day of the year as MM-DD (like 03-08), not {text!r}.").format(
            what=what, text=str(text)[:20]
        )
    )


def check_segment(segment: dict | None) -> dict:
    """The segment in its stored form, every condition checked; an unknown condition or a bad
    value is refused in words. Empty: every active card."""
    segment = dict(segment or {})
    unknown = sorted(set(segment) - set(SEGMENT_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown segment condition {name!r}: use {names}.").format(
                name=unknown[0], names=", ".join(SEGMENT_KEYS)
            )
        )
    out: dict[str, Any] = {}
    if "card_types" in segment:
        out["card_types"] = _ids(segment["card_types"], _("Card types"))
    if "tier" in segment:
        tier = segment["tier"]
        if not isinstance(tier, dict):
            raise ValidationError(_("Tier: a card type and the threshold's amount."))
        out["tier"] = {
            "card_type": check_id(tier.get("card_type"), _("Tier: card type")),
            "from": _whole(tier.get("from", 0), _("Tier: from (kopecks)")),
        }
    if "interests" in segment:
        out["interests"] = _ids(segment["interests"], _("Interests"))
    if "birthdays" in segment:
        days = segment["birthdays"]
        if not isinstance(days, dict):
            raise ValidationError(_("Birthdays: a first and a last day, as MM-DD."))
        out["birthdays"] = {
            "from": _month_day(days.get("from"), _("Birthdays from")),
            "to": _month_day(days.get("to"), _("Birthdays to")),
        }
    if "children_age" in segment:
        ages = segment["children_age"]
        if not isinstance(ages, list | tuple) or len(ages) != 2:
            raise ValidationError(_("Children's age: from X to Y years."))
        low = _whole(ages[0], _("Children's age from"), high=30)
        high = _whole(ages[1], _("Children's age to"), high=30)
        if high < low:
            raise ValidationError(_("Children's age: from X to Y years, X <= Y."))
        out["children_age"] = [low, high]
    for key, what in (
        ("visited_within_days", _("Bought in the last days")),
        ("not_visited_days", _("Not bought for days")),
    ):
        if key in segment:
            out[key] = _whole(segment[key], what, low=1, high=3660)
    if segment.get("never_visited"):
        out["never_visited"] = True
    if "bonus" in segment:
        bonus = segment["bonus"]
        if not isinstance(bonus, dict) or not ({"min", "max"} & set(bonus)):
            raise ValidationError(_("Bonus balance: from and/or to, in kopecks."))
        got = {
            k: _whole(bonus[k], _("Bonus balance {k}").format(k=k), low=-(10**12))
            for k in ("min", "max")
            if bonus.get(k) is not None
        }
        if "min" in got and "max" in got and got["max"] < got["min"]:
            raise ValidationError(_("Bonus balance: the lowest is above the highest."))
        out["bonus"] = got
    if "languages" in segment:
        langs = segment["languages"]
        if not isinstance(langs, list | tuple) or not langs:
            raise ValidationError(_("Languages: choose at least one."))
        out["languages"] = sorted({check_text(v, _("Language"), max_len=5) for v in langs})
    if "partner" in segment:
        partner = check_text(segment["partner"], _("Partner"), max_len=60)
        if not partner:
            raise ValidationError(_("Partner: type the partner's (channel's) name."))
        out["partner"] = partner
    if "customer_filter" in segment:
        flt = segment["customer_filter"]
        if not isinstance(flt, dict):
            raise ValidationError(_("Customer filter: the customer list's filters."))
        bad = sorted(set(flt) - set(FILTER_FIELDS))
        if bad:
            raise ValidationError(_("Unknown customer filter {name!r}.").format(name=bad[0]))
        kept = {k: v for k, v in flt.items() if v not in (None, False)}
        if "children_age" in kept:
            kept["children_age"] = list(kept["children_age"])
        filter_conditions(filters_of(kept), dt.date(2026, 1, 1))  # refuses bad values
        out["customer_filter"] = kept
    return out


def filters_of(data: dict) -> Filters:
    data = dict(data)
    if data.get("children_age") is not None:
        data["children_age"] = tuple(data["children_age"])
    return Filters(**data)


def check_exclusions(exclusions: dict | None) -> dict:
    """The exclusions in stored form. Opted-out customers, those without consent or without a
    valid contact for the channels are always left out; ``mailed_within_days`` leaves out those
    another mailing went to lately."""
    exclusions = dict(exclusions or {})
    unknown = sorted(set(exclusions) - set(EXCLUSION_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown exclusion {name!r}: use {names}.").format(
                name=unknown[0], names=", ".join(EXCLUSION_KEYS)
            )
        )
    out: dict[str, Any] = {}
    if exclusions.get("mailed_within_days") is not None:
        out["mailed_within_days"] = _whole(
            exclusions["mailed_within_days"], _("Mailed in the last days"), low=1, high=366
        )
    return out


def check_channels(channels: Iterable[str]) -> tuple[str, ...]:
    got = tuple(dict.fromkeys(str(c).strip() for c in channels if str(c).strip()))
    if not got:
        raise ValidationError(_("Choose a channel: sms, viber or email."))
    for channel in got:
        if channel not in CHANNELS:
            raise ValidationError(
                _("Unknown channel {channel!r}: use sms, viber or email.").format(channel=channel)
            )
    if "viber" in got and "sms" in got:
        raise ValidationError(
            _("Viber falls back to SMS by itself: choose viber (with the fallback) or sms.")
        )
    return got


def holdout_bp(percent: Decimal | int | str) -> int:
    """A holdout percentage ("10", "2.5") as basis points; 0 to 50 %."""
    try:
        value = Decimal(str(percent).strip().replace(",", ".") or "0")
    except ArithmeticError:
        raise ValidationError(_("Holdout: a percentage from 0 to 50, like 10.").format()) from None
    bp = int((value * 100).to_integral_value(ROUND_HALF_UP))
    if not value.is_finite() or not 0 <= bp <= MAX_HOLDOUT_BP:
        raise ValidationError(_("Holdout: a percentage from 0 to 50, like 10."))
    return bp


# --- segments as conditions on the customer table --------------------------------------------


def _birthday_range(first: str, last: str) -> peewee.Expression:
    a = int(first[:2]) * 100 + int(first[3:])
    b = int(last[:2]) * 100 + int(last[3:])
    if a <= b:
        return Customer.birth_md.between(a, b)
    return (Customer.birth_md >= a) | (Customer.birth_md <= b)  # over New Year


def segment_conditions(segment: dict, now: dt.datetime) -> list[peewee.Expression]:
    """The WHERE conditions of a (checked) segment on ``customer``: active cards only."""
    today = now.date()
    where: list[peewee.Expression] = [Customer.status == "active"]
    if "card_types" in segment:
        where.append(Customer.card_type.in_(segment["card_types"]))
    if "tier" in segment:
        tier = segment["tier"]
        above = (
            CardThreshold.select(peewee.fn.MIN(CardThreshold.from_amount))
            .where(
                (CardThreshold.card_type == tier["card_type"])
                & (CardThreshold.from_amount > tier["from"])
            )
            .scalar()
        )
        counted = peewee.Case(
            None,
            [
                (
                    Customer.tier_floor > Customer.total_bought - Customer.total_returned,
                    Customer.tier_floor,
                )
            ],
            Customer.total_bought - Customer.total_returned,
        )
        where.append(Customer.card_type == tier["card_type"])
        where.append(counted >= tier["from"])
        if above is not None:  # below the next threshold
            where.append(counted < above)
    if "interests" in segment:
        where.append(
            peewee.fn.EXISTS(
                CustomerInterest.select(CustomerInterest.group).where(
                    (CustomerInterest.customer == Customer.id)
                    & CustomerInterest.group.in_(segment["interests"])
                )
            )
        )
    if "birthdays" in segment:
        days = segment["birthdays"]
        where.append(_birthday_range(days["from"], days["to"]))
    if "children_age" in segment:
        where.extend(
            filter_conditions(Filters(children_age=tuple(segment["children_age"])), today)[1:]
        )
    if "visited_within_days" in segment:
        cutoff = now - dt.timedelta(days=segment["visited_within_days"])
        where.append(Customer.last_visit >= cutoff)
    if "not_visited_days" in segment:
        cutoff = now - dt.timedelta(days=segment["not_visited_days"])
        where.append(Customer.last_visit < cutoff)
    if segment.get("never_visited"):
        where.append(Customer.last_visit.is_null())
    if "bonus" in segment:
        bonus = segment["bonus"]
        balance = LedgerAccount.select(LedgerAccount.balance).where(
            (LedgerAccount.kind == "bonus")
            & (LedgerAccount.owner_type == "customer")
            & (LedgerAccount.owner_id == Customer.id)
        )
        value = peewee.fn.COALESCE(balance, 0)
        if "min" in bonus:
            where.append(value >= bonus["min"])
        if "max" in bonus:
            where.append(value <= bonus["max"])
    if "languages" in segment:
        where.append(Customer.language.in_(segment["languages"]))
    if "partner" in segment:
        from torgtui.models.codes import CodeBatch, PromoCodeUse
        from torgtui.models.partners import CustomerPartner, Partner

        where.append(
            peewee.fn.EXISTS(
                PromoCodeUse.select(PromoCodeUse.id)
                .join(CodeBatch, on=(CodeBatch.id == PromoCodeUse.batch))
                .where(
                    (PromoCodeUse.customer == Customer.id)
                    & (CodeBatch.channel == segment["partner"])
                )
            )
            | peewee.fn.EXISTS(  # or linked to the partner of that code (marketing.partners)
                CustomerPartner.select(CustomerPartner.id)
                .join(Partner, on=(Partner.id == CustomerPartner.partner))
                .where(
                    (CustomerPartner.customer == Customer.id)
                    & (Partner.code == segment["partner"].upper())
                )
            )
        )
    if "customer_filter" in segment:
        where.extend(filter_conditions(filters_of(segment["customer_filter"]), today)[1:])
    return where


def segment_count(segment: dict, *, clock: Clock = system_clock) -> int:
    """How many active cards the segment finds (before exclusions)."""
    where = segment_conditions(check_segment(segment), clock())
    return Customer.select(Customer.id).where(*where).count()


# --- sorting one batch of customers ----------------------------------------------------------


def valid_phone(phone: str | None) -> bool:
    if not phone:
        return False
    if UA_MOBILE.match(phone):
        return True
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return False


def in_holdout(mailing_id: int, customer_id: int, bp: int) -> bool:
    """Whether the customer is in the mailing's holdout: a hash of both ids below the share,
    so the same mailing holds back the same customers every time."""
    if bp <= 0:
        return False
    digest = hashlib.blake2b(f"{mailing_id}:{customer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 10000 < bp


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    phone: str
    email: str
    language: str
    card: str
    bonus: int
    expiring: int = 0  # the bonuses that lapse soonest
    expiry: dt.datetime | None = None  # and when


@dataclass(frozen=True)
class Sorted:
    person: Person
    grp: str  # sent, holdout, skipped
    reason: str = ""
    channels: tuple[tuple[str, str], ...] = ()  # (channel, address) to send on


def _in(column: str, ids: list) -> tuple[str, list]:
    return f'"{column}" IN ({", ".join("?" * len(ids))})', list(ids)


class _Sorter:
    """Sorts batches of one mailing's customers (the same rules for the preview and for
    preparing)."""

    def __init__(
        self,
        mailing_id: int,
        channels: tuple[str, ...],
        exclusions: dict,
        hold_bp: int,
        now: dt.datetime,
    ) -> None:
        self.mailing_id = mailing_id
        self.channels = channels
        self.exclusions = exclusions
        self.hold_bp = hold_bp
        self.now = now

    def people(self, where: list, after: int, limit: int, *, expiry: bool = False) -> list[Person]:
        """The next ``limit`` customers of the segment after id ``after``, with their bonus
        balance (and, when ``expiry``, the bonuses that lapse soonest and their day)."""
        balance = LedgerAccount.select(LedgerAccount.balance).where(
            (LedgerAccount.kind == "bonus")
            & (LedgerAccount.owner_type == "customer")
            & (LedgerAccount.owner_id == Customer.id)
        )
        rows = (
            Customer.select(
                Customer.id,
                Customer.name,
                Customer.phone,
                Customer.email,
                Customer.language,
                Customer.card,
                peewee.fn.COALESCE(balance, 0),
            )
            .where(*where, Customer.id > after)
            .order_by(Customer.id)
            .limit(limit)
            .tuples()
        )
        people = [
            Person(
                r[0],
                r[1] or "",
                r[2] or "",
                (r[3] or "").strip(),
                r[4] or "",
                r[5] or "",
                int(r[6] or 0),
            )
            for r in rows
        ]
        if not expiry or not people:
            return people
        lapsing = self._lapsing([p.id for p in people])
        return [
            Person(p.id, p.name, p.phone, p.email, p.language, p.card, p.bonus, *lapsing[p.id])
            if p.id in lapsing
            else p
            for p in people
        ]

    def _lapsing(self, ids: list[int]) -> dict[int, tuple[int, dt.datetime]]:
        """customer id -> (the bonuses that lapse soonest, their day), for those who have any."""
        clause, params = _in("owner_id", ids)
        rows = database.execute_sql(
            sql(
                'SELECT a."owner_id", o."expires_at", o."amount" FROM "ledger_open" o '
                'JOIN "ledger_account" a ON a."id" = o."account_id" '
                f"WHERE a.\"kind\" = 'bonus' AND a.\"owner_type\" = 'customer' AND a.{clause} "
                'AND o."sign" = 1 AND o."expires_at" IS NOT NULL AND o."expires_at" > ?'
            ),
            [*params, _t(self.now)],
        ).fetchall()
        found: dict[int, tuple[int, dt.datetime]] = {}
        for owner, expires_at, amount in rows:
            moment = (
                expires_at
                if isinstance(expires_at, dt.datetime)
                else dt.datetime.fromisoformat(str(expires_at))
            )
            had = found.get(owner)
            if had is None or moment.date() < had[1].date():
                found[owner] = (int(amount), moment)
            elif moment.date() == had[1].date():
                found[owner] = (had[0] + int(amount), min(had[1], moment))
        return found

    def sort(self, people: list[Person]) -> list[Sorted]:
        if not people:
            return []
        ids = [p.id for p in people]
        clause, params = _in("customer_id", ids)
        stopped = {
            r[0]
            for r in database.execute_sql(
                sql(
                    f'SELECT "customer_id" FROM "stop_list" WHERE {clause} AND "lifted_at" IS NULL'
                ),
                params,
            ).fetchall()
        }
        addresses = sorted({a for p in people for a in (p.phone, p.email) if a})
        stopped_addresses: set[str] = set()
        if addresses:
            a_clause, a_params = _in("address", addresses)
            stopped_addresses = {
                r[0]
                for r in database.execute_sql(
                    sql(
                        f'SELECT "address" FROM "stop_list" WHERE {a_clause} '
                        'AND "lifted_at" IS NULL'
                    ),
                    a_params,
                ).fetchall()
            }
        consents: dict[int, set[str]] = {}
        for cid, channel in database.execute_sql(
            sql(
                f'SELECT "customer_id", "channel" FROM "customer_consent" WHERE {clause} '
                'AND "granted" = ?'
            ),
            [*params, True],
        ).fetchall():
            consents.setdefault(cid, set()).add(channel)
        lately: set[int] = set()
        days = self.exclusions.get("mailed_within_days")
        if days:
            since = self.now - dt.timedelta(days=days)
            lately = {
                r[0]
                for r in database.execute_sql(
                    sql(
                        'SELECT DISTINCT r."customer_id" FROM "mailing_recipient" r '
                        'JOIN "mailing" m ON m."id" = r."mailing_id" '
                        f'WHERE r.{clause} AND r."grp" = \'sent\' AND m."id" <> ? '
                        'AND m."started_at" >= ?'
                    ),
                    [*params, self.mailing_id, _t(since)],
                ).fetchall()
            }
        out = []
        for p in people:
            out.append(self._one(p, stopped, stopped_addresses, consents.get(p.id, set()), lately))
        return out

    def _one(
        self, p: Person, stopped: set, stopped_addresses: set, agreed: set, lately: set
    ) -> Sorted:
        if p.id in stopped or p.phone in stopped_addresses or p.email in stopped_addresses:
            return Sorted(p, "skipped", "opted_out")
        if p.id in lately:
            return Sorted(p, "skipped", "mailed_lately")
        usable: list[tuple[str, str]] = []
        reason = ""
        for channel in self.channels:
            address = p.email if channel == "email" else p.phone
            if not address:
                why = "no_contact"
            elif channel == "email" and not EMAIL.match(address):
                why = "bad_email"
            elif channel in PHONE_CHANNELS and not valid_phone(address):
                why = "bad_phone"
            elif channel not in agreed:
                why = "no_consent"
            else:
                usable.append((channel, address))
                continue
            reason = reason or why
        if not usable:
            return Sorted(p, "skipped", reason)
        if in_holdout(self.mailing_id, p.id, self.hold_bp):
            return Sorted(p, "holdout")
        return Sorted(p, "sent", "", tuple(usable))


def _t(moment: dt.datetime | None) -> object:
    if moment is None:
        return None
    return str(moment) if is_sqlite() else moment


# --- the mailing -----------------------------------------------------------------------------


@dataclass
class MailingData:
    """What the builder gives for a new mailing (or a draft's change)."""

    name: str
    kind: str
    channels: tuple[str, ...] = ("sms",)
    sms_fallback: bool = True
    segment: dict = field(default_factory=dict)
    exclusions: dict = field(default_factory=dict)
    holdout_percent: Decimal | int | str = 0
    send_at: dt.datetime | None = None  # None: as soon as it is started
    link: str = ""  # the {link} of the template
    promo_code: str = ""  # the {promo_code} of the template


def _state_error(mailing: Mailing, doing: str) -> ValidationError:
    return ValidationError(
        _("Mailing {id} is {state}: it cannot be {doing}.").format(
            id=mailing.id, state=state_title(mailing.state), doing=doing
        )
    )


def state_title(state: str) -> str:
    return {
        "draft": _("a draft"),
        "scheduled": _("scheduled"),
        "preparing": _("preparing"),
        "sending": _("sending"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
        "done": _("done"),
    }.get(state, state)


def _get(mailing_id: int) -> Mailing:
    mailing_id = check_id(mailing_id, _("Mailing"))
    mailing = Mailing.get_or_none(Mailing.id == mailing_id)
    if mailing is None:
        raise ValidationError(_("There is no mailing {id}.").format(id=mailing_id))
    return mailing


def _checked(data: MailingData) -> dict[str, Any]:
    name = check_text(data.name, _("Name"), max_len=120)
    if not name:
        raise ValidationError(_("Give the mailing a name: nothing saved."))
    from torgtui.channels.templates import check_kind, template_of

    if not (data.kind or "").strip():
        raise ValidationError(_("Choose the template the mailing sends: nothing saved."))
    kind = check_kind(data.kind.strip())
    template_of(kind)  # a mailing template without a text is refused now, not at sending
    extra = {
        "link": check_text(data.link, _("Link"), max_len=500),
        "promo_code": check_text(data.promo_code, _("Promo code"), max_len=40),
    }
    if data.send_at is not None and not isinstance(data.send_at, dt.datetime):
        raise ValidationError(_("Send at: a date and time."))
    return {
        "name": name,
        "kind": kind,
        "channels": ",".join(check_channels(data.channels)),
        "sms_fallback": bool(data.sms_fallback),
        "segment": json.dumps(check_segment(data.segment), ensure_ascii=False, sort_keys=True),
        "exclusions": json.dumps(check_exclusions(data.exclusions), sort_keys=True),
        "holdout_bp": holdout_bp(data.holdout_percent),
        "send_at": data.send_at,
        "variables": json.dumps({k: v for k, v in extra.items() if v}, ensure_ascii=False),
    }


def create_mailing(
    data: MailingData, *, by: Employee | None, clock: Clock = system_clock
) -> Mailing:
    """Save a new mailing as a draft (nothing is sent until it is started)."""
    require(by, Permission.SEND_MAILINGS)
    values = _checked(data)
    now = clock()
    with write_tx():
        mailing = Mailing.create(
            **values, state="draft", created_at=now, updated_at=now, created_by=by
        )
        audit(
            "mailing.create",
            by,
            object_type="mailing",
            object_id=mailing.id,
            after={k: str(v) for k, v in values.items()},
            clock=clock,
        )
    return mailing


def update_mailing(
    mailing_id: int, data: MailingData, *, by: Employee | None, clock: Clock = system_clock
) -> Mailing:
    """Change a draft."""
    require(by, Permission.SEND_MAILINGS)
    values = _checked(data)
    with write_tx():
        mailing = _get(mailing_id)
        if mailing.state != "draft":
            raise _state_error(mailing, _("changed"))
        Mailing.update(**values, updated_at=clock()).where(Mailing.id == mailing.id).execute()
        audit(
            "mailing.change",
            by,
            object_type="mailing",
            object_id=mailing.id,
            after={k: str(v) for k, v in values.items()},
            clock=clock,
        )
    return _get(mailing.id)


def start(mailing_id: int, *, by: Employee | None, clock: Clock = system_clock) -> Mailing:
    """A draft is ``scheduled``: preparing may begin (the rows wait for ``send_at``)."""
    require(by, Permission.SEND_MAILINGS)
    with write_tx():
        mailing = _get(mailing_id)
        changed = (
            Mailing.update(state="scheduled", updated_at=clock())
            .where((Mailing.id == mailing.id) & (Mailing.state == "draft"))
            .execute()
        )
        if not changed:
            raise _state_error(mailing, _("started"))
        audit("mailing.start", by, object_type="mailing", object_id=mailing.id, clock=clock)
    return _get(mailing.id)


def _set_outbox(mailing_id: int, old: Iterable[str], new: str, reason: str = "") -> int:
    old = list(old)
    marks = ", ".join("?" * len(old))
    return database.execute_sql(
        sql(
            f'UPDATE "outbox_message" SET "status" = ?, "reason" = ? '
            f'WHERE "mailing_id" = ? AND "status" IN ({marks})'
        ),
        (new, reason[:200], mailing_id, *old),
    ).rowcount


def pause(mailing_id: int, *, by: Employee | None, clock: Clock = system_clock) -> Mailing:
    """Stop preparing and sending: the rows not sent yet wait (status ``paused``)."""
    require(by, Permission.SEND_MAILINGS)
    with write_tx():
        mailing = _get(mailing_id)
        changed = (
            Mailing.update(state="paused", updated_at=clock())
            .where(
                (Mailing.id == mailing.id)
                & Mailing.state.in_(("scheduled", "preparing", "sending"))
            )
            .execute()
        )
        if not changed:
            raise _state_error(mailing, _("paused"))
        held = _set_outbox(mailing.id, ("pending",), "paused", _("the mailing is paused"))
        audit(
            "mailing.pause",
            by,
            object_type="mailing",
            object_id=mailing.id,
            after={"messages_held": held},
            clock=clock,
        )
    return _get(mailing.id)


def resume(mailing_id: int, *, by: Employee | None, clock: Clock = system_clock) -> Mailing:
    """Go on from where it was paused (preparing goes on with :func:`prepare`)."""
    require(by, Permission.SEND_MAILINGS)
    with write_tx():
        mailing = _get(mailing_id)
        if mailing.state != "paused":
            raise _state_error(mailing, _("resumed"))
        if mailing.prepared_at is not None:
            state = "sending"
        elif mailing.started_at is not None:
            state = "preparing"
        else:
            state = "scheduled"
        Mailing.update(state=state, updated_at=clock()).where(
            (Mailing.id == mailing.id) & (Mailing.state == "paused")
        ).execute()
        back = _set_outbox(mailing.id, ("paused",), "pending")
        audit(
            "mailing.resume",
            by,
            object_type="mailing",
            object_id=mailing.id,
            after={"messages": back, "state": state},
            clock=clock,
        )
    return _get(mailing.id)


def cancel(mailing_id: int, *, by: Employee | None, clock: Clock = system_clock) -> Mailing:
    """Cancel: nothing more is prepared, and no row of it that has not gone will go (those
    the gateway has already are not called back)."""
    require(by, Permission.SEND_MAILINGS)
    with write_tx():
        mailing = _get(mailing_id)
        now = clock()
        changed = (
            Mailing.update(state="cancelled", finished_at=now, updated_at=now)
            .where((Mailing.id == mailing.id) & ~Mailing.state.in_(("cancelled", "done")))
            .execute()
        )
        if not changed:
            raise _state_error(mailing, _("cancelled"))
        stopped = _set_outbox(
            mailing.id, ("pending", "paused"), "cancelled", _("the mailing was cancelled")
        )
        audit(
            "mailing.cancel",
            by,
            object_type="mailing",
            object_id=mailing.id,
            after={"messages_cancelled": stopped},
            clock=clock,
        )
    return _get(mailing.id)


# --- rendering -------------------------------------------------------------------------------


EXPIRY_VARIABLES = frozenset({"bonus_expiring", "bonus_expiry_date"})


def variables_of(person: Person, mailing_values: dict, shop: str = "") -> dict[str, Any]:
    """The template's variables for one recipient: what the card knows, the mailing's own
    (a link, a promo code) and the shop's name."""
    from torgtui.channels.templates import first_name

    return {
        "name": person.name,
        "first_name": first_name(person.name),
        "bonus_balance": person.bonus,
        "bonus_expiring": person.expiring,
        "bonus_expiry_date": person.expiry,
        "card": person.card,
        "shop": shop,
        **mailing_values,
    }


class _Renderer:
    """The mailing's template (read once), rendered per recipient in their language
    (torgtui.channels.templates: the card's language, else Ukrainian, else English)."""

    def __init__(self, kind: str) -> None:
        from torgtui.channels import templates

        self.templates = templates
        self.template = templates.template_of(kind)
        used: set[str] = set()
        viber = self.template.viber
        for lang, text in [
            *self.template.texts.items(),
            *self.template.subjects.items(),
            ("viber", viber.button_url if viber is not None else ""),
        ]:
            used.update(templates.variables_in(text or "", lang))
        self.used = frozenset(used)  # only these are filled (each costs a formatting)
        self.needs_expiry = bool(used & EXPIRY_VARIABLES)
        # SMS and Viber have no subject: their template does not fill one for nothing
        self.without_subject = dataclasses.replace(self.template, subjects={})

    def __call__(self, person: Person, channel: str, variables: dict) -> tuple[str, str, dict]:
        """(text, subject, Viber extras for the payload) for ``person`` on ``channel``."""
        values = {k: v for k, v in variables.items() if k in self.used}
        template = self.template if channel == "email" else self.without_subject
        rendered = self.templates.render_template(template, person.language, values)
        extras: dict[str, str] = {}
        if channel == "viber" and rendered.viber is not None:
            extras = {
                "image_url": rendered.viber.image_url,
                "button_text": rendered.viber.button_text,
                "button_url": rendered.viber.button_url,
            }
        text = rendered.text_for(channel)  # an SMS in Latin letters when the template says so
        return text, rendered.subject if channel == "email" else "", extras

    def language_of(self, person: Person) -> str:
        """The language ``person`` gets the text in."""
        for lang in self.templates.languages_for(person.language):
            if self.template.texts.get(lang):
                return lang
        return "uk"

    def texts(self, variables: dict) -> dict[str, str]:
        """Each language's text rendered with ``variables`` (the cost preview's sample)."""
        return {
            lang: self.templates.render_template(self.template, lang, variables).text
            for lang, text in self.template.texts.items()
            if text
        }


# --- preparing -------------------------------------------------------------------------------


@dataclass
class Prepared:
    """What one :func:`prepare` run did (``total``: the segment's size when it began)."""

    mailing_id: int
    state: str
    total: int = 0
    walked: int = 0  # customers sorted in this run
    written: int = 0  # outbox rows written in this run (0 on a repeat)
    sent: int = 0  # recipients so far (the whole mailing)
    holdout: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    stopped: bool = False  # paused, cancelled or told to stop before the end


def _counts(mailing_id: int) -> tuple[dict[str, int], dict[str, int]]:
    groups: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for grp, reason, n in (
        MailingRecipient.select(
            MailingRecipient.grp, MailingRecipient.reason, peewee.fn.COUNT(MailingRecipient.id)
        )
        .where(MailingRecipient.mailing == mailing_id)
        .group_by(MailingRecipient.grp, MailingRecipient.reason)
        .tuples()
    ):
        groups[grp] = groups.get(grp, 0) + int(n)
        if grp == "skipped":
            reasons[reason] = int(n)
    return groups, reasons


def _outbox_count(mailing_id: int) -> int:
    row = database.execute_sql(
        sql('SELECT COUNT(*) FROM "outbox_message" WHERE "mailing_id" = ?'), (mailing_id,)
    ).fetchone()
    return int(row[0])


def _insert_recipients(mailing_id: int, rows: list[tuple[int, str, str, int | None]]) -> None:
    if not rows:
        return
    head = (
        'INSERT INTO "mailing_recipient" ("mailing_id", "customer_id", "grp", "reason", '
        '"outbox_id") VALUES '
    )
    tail = ' ON CONFLICT ("mailing_id", "customer_id") DO NOTHING'
    if not is_sqlite():  # one array per column: psycopg rewrites a long VALUES list slowly
        columns = [list(c) for c in zip(*rows, strict=True)]
        database.execute_sql(
            sql(
                head.removesuffix(" VALUES ")
                + " SELECT ?, * FROM unnest(?::integer[], ?::text[], ?::text[], ?::integer[])"
                + tail
            ),
            [mailing_id, *columns],
        )
        return
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
        params: list[Any] = []
        for cid, grp, reason, outbox_id in chunk:
            params += [mailing_id, cid, grp, reason, outbox_id]
        database.execute_sql(sql(head + values + tail), params)


def prepare(
    mailing_id: int,
    *,
    clock: Clock = system_clock,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    batch: int = BATCH,
    shop: str = "",
) -> Prepared:
    """Write the mailing's outbox rows, batch by batch (see the module doc); resumes where a
    crash or a pause left it. ``progress(done, total)`` after each batch; ``cancel()`` true
    stops after the batch in hand (the mailing stays ``preparing``: run it again to go on).
    A mailing prepared already writes nothing."""
    from torgtui.channels.outbox import Message, enqueue_many

    mailing = _get(mailing_id)
    now = clock()
    if mailing.state in ("sending", "done"):
        groups, reasons = _counts(mailing.id)
        return Prepared(
            mailing.id,
            mailing.state,
            groups.get("sent", 0),
            0,
            0,
            groups.get("sent", 0),
            groups.get("holdout", 0),
            reasons,
            _outbox_count(mailing.id),
        )
    with write_tx():
        claimed = (
            Mailing.update(
                state="preparing",
                started_at=peewee.fn.COALESCE(Mailing.started_at, now),
                updated_at=now,
            )
            .where((Mailing.id == mailing.id) & Mailing.state.in_(("scheduled", "preparing")))
            .execute()
        )
    if not claimed:
        raise _state_error(mailing, _("prepared (start it, or resume it, first)"))
    mailing = _get(mailing.id)
    segment = json.loads(mailing.segment or "{}")
    where = segment_conditions(segment, now)
    channels = tuple(c for c in mailing.channels.split(",") if c)
    sorter = _Sorter(
        mailing.id,
        channels,
        json.loads(mailing.exclusions or "{}"),
        mailing.holdout_bp,
        mailing.started_at or now,
    )
    render = _Renderer(mailing.kind)
    values = json.loads(mailing.variables or "{}")
    # the outbox's kind holds 30 characters: a longer mailing template's rows say "mailing"
    # (their text is rendered here, and mailing_id names the mailing)
    outbox_kind = mailing.kind if len(mailing.kind) <= 30 else "mailing"
    total = Customer.select(Customer.id).where(*where).count()
    after = mailing.prepared_upto
    done = Customer.select(Customer.id).where(*where, Customer.id <= after).count() if after else 0
    send_after = mailing.send_at if mailing.send_at and mailing.send_at > now else None
    run = Prepared(mailing.id, "preparing", total)
    if progress:
        progress(done, total)
    finished = False
    while True:
        if cancel is not None and cancel():
            run.stopped = True
            break
        people = sorter.people(where, after, batch, expiry=render.needs_expiry)
        if not people:
            finished = True
            break
        with write_tx():
            # the mailing's row locked for the batch (PostgreSQL; SQLite's write lock does it):
            # a pause or cancel waits for the batch, then holds back its rows too
            query = Mailing.select(Mailing.state).where(Mailing.id == mailing.id)
            state = (query if is_sqlite() else query.for_update()).scalar()
            if state != "preparing":
                run.stopped = True
                break
            counted = {"sent": 0, "holdout": 0, "skipped": 0}
            sorted_people = sorter.sort(people)
            outgoing: list[Message] = []
            owners: list[int] = []  # the index in sorted_people of each message's recipient
            for n, item in enumerate(sorted_people):
                p = item.person
                counted[item.grp] += 1
                if item.grp == "sent":
                    variables = variables_of(p, values, shop)
                    for channel, address in item.channels:
                        text, subject, extras = render(p, channel, variables)
                        # the text is rendered: the payload only names the mailing (and
                        # carries Viber's image and button, which the sender reads from it)
                        payload: dict[str, Any] = {"mailing": mailing.id}
                        if channel == "viber":
                            payload["sms_fallback"] = mailing.sms_fallback
                            if extras:
                                payload["viber"] = extras
                        outgoing.append(
                            Message(
                                p.id,
                                outbox_kind,
                                f"mailing:{mailing.id}:{p.id}:{channel}",
                                channel=channel,
                                payload=payload,
                                to=address,
                                text=text,
                                subject=subject,
                                marketing=True,
                                mailing_id=mailing.id,
                                send_after=send_after,
                            )
                        )
                        owners.append(n)
            # the batch's outbox rows in one go (consent and the stop-list checked for all)
            new_ids = enqueue_many(outgoing, now=now)
            written = sum(new_id is not None for new_id in new_ids)
            first_ids: dict[int, int] = {}
            for n, new_id in zip(owners, new_ids, strict=True):
                if new_id is not None:
                    first_ids.setdefault(n, new_id)
            rows = [
                (item.person.id, item.grp, item.reason, first_ids.get(n))
                for n, item in enumerate(sorted_people)
            ]
            _insert_recipients(mailing.id, rows)
            after = people[-1].id
            Mailing.update(
                prepared_upto=after,
                audience=Mailing.audience + len(people),
                sent_count=Mailing.sent_count + counted["sent"],
                holdout_count=Mailing.holdout_count + counted["holdout"],
                skipped_count=Mailing.skipped_count + counted["skipped"],
                messages=Mailing.messages + written,
                updated_at=now,
            ).where(Mailing.id == mailing.id).execute()
        run.walked += len(people)
        run.written += written
        done += len(people)
        if progress:
            progress(min(done, total), total)
    groups, reasons = _counts(mailing.id)
    messages = _outbox_count(mailing.id)
    with write_tx():
        fields: dict[str, Any] = {
            "audience": sum(groups.values()),
            "sent_count": groups.get("sent", 0),
            "holdout_count": groups.get("holdout", 0),
            "skipped_count": groups.get("skipped", 0),
            "messages": messages,
        }
        if finished:
            fields.update(state="sending", prepared_at=now)
        Mailing.update(**fields).where(
            (Mailing.id == mailing.id) & (Mailing.state == "preparing")
        ).execute()
    mailing = _get(mailing.id)
    run.state = mailing.state
    run.sent, run.holdout, run.skipped = groups.get("sent", 0), groups.get("holdout", 0), reasons
    run.messages = messages
    return run


# --- the preview: who it would reach, and what it would cost ---------------------------------


@dataclass
class Audience:
    """Who a mailing would reach now, without writing anything."""

    found: int = 0  # the segment's active cards
    sent: int = 0  # would be sent to
    holdout: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> lang -> n
    texts: dict[str, str] = field(default_factory=dict)  # language -> a recipient's text
    sms_latin: bool = False  # the template sends its SMS in Latin letters
    stopped: bool = False

    def messages(self, channel: str | None = None) -> int:
        return sum(
            n
            for ch, langs in self.by_channel.items()
            if channel in (None, ch)
            for n in langs.values()
        )


def audience(
    data: MailingData,
    *,
    mailing_id: int = 0,
    clock: Clock = system_clock,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    batch: int = BATCH,
    shop: str = "",
) -> Audience:
    """Sort the segment as preparing would, writing nothing (the holdout by ``mailing_id``'s
    hash: 0 for a mailing not saved yet, so its size is an estimate then). ``texts`` is the
    template rendered for the first recipient, in each language (for the cost)."""
    values = _checked(data)
    now = clock()
    segment = json.loads(values["segment"])
    where = segment_conditions(segment, now)
    sorter = _Sorter(
        mailing_id,
        tuple(values["channels"].split(",")),
        json.loads(values["exclusions"]),
        values["holdout_bp"],
        now,
    )
    render = _Renderer(values["kind"])
    total = Customer.select(Customer.id).where(*where).count()
    out = Audience(found=total, sms_latin=bool(getattr(render.template, "sms_latin", False)))
    after, done = 0, 0
    while True:
        if cancel is not None and cancel():
            out.stopped = True
            break
        people = sorter.people(where, after, batch, expiry=render.needs_expiry)
        if not people:
            break
        for item in sorter.sort(people):
            if item.grp == "sent":
                out.sent += 1
                lang = render.language_of(item.person)
                for channel, _address in item.channels:
                    langs = out.by_channel.setdefault(channel, {})
                    langs[lang] = langs.get(lang, 0) + 1
                if not out.texts:
                    out.texts = render.texts(
                        variables_of(item.person, json.loads(values["variables"]), shop)
                    )
            elif item.grp == "holdout":
                out.holdout += 1
            else:
                out.skipped[item.reason] = out.skipped.get(item.reason, 0) + 1
        after = people[-1].id
        done += len(people)
        if progress:
            progress(min(done, total), total)
    return out


def cost_preview(found: Audience, settings: Any, *, transliterated: bool | None = None) -> Any:
    """What sending to ``found`` would cost (torgtui.channels.cost.preview_cost): each
    language's SMS parts times its recipients times the price of a part; Viber and e-mail per
    message; at the prices in ``settings.messages``."""
    from torgtui.channels.cost import preview_cost

    texts = found.texts or {"uk": ""}
    latin = found.sms_latin if transliterated is None else transliterated
    return preview_cost(texts, found.by_channel, settings, transliterated=latin)


# --- the list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    id: int
    name: str
    kind: str
    channels: str
    state: str
    send_at: dt.datetime | None
    created_at: dt.datetime
    audience: int
    sent: int
    holdout: int
    skipped: int
    messages: int


def refresh_state(mailing_id: int, *, clock: Clock = system_clock) -> str:
    """A sending mailing none of whose rows waits any more is ``done``; its state."""
    mailing = _get(mailing_id)
    if mailing.state != "sending":
        return mailing.state
    row = database.execute_sql(
        sql(
            'SELECT COUNT(*) FROM "outbox_message" WHERE "mailing_id" = ? '
            "AND \"status\" IN ('pending', 'sending', 'paused')"
        ),
        (mailing.id,),
    ).fetchone()
    if int(row[0]) == 0:
        now = clock()
        with write_tx():
            Mailing.update(state="done", finished_at=now, updated_at=now).where(
                (Mailing.id == mailing.id) & (Mailing.state == "sending")
            ).execute()
        return "done"
    return "sending"


def list_mailings(*, limit: int = 200, clock: Clock = system_clock) -> list[Summary]:
    """The newest mailings first (a shop makes a few a month: one bounded page)."""
    for (mid,) in Mailing.select(Mailing.id).where(Mailing.state == "sending").tuples():
        refresh_state(mid, clock=clock)
    query = Mailing.select().order_by(Mailing.id.desc()).limit(max(1, min(limit, 1000)))
    return [
        Summary(
            m.id,
            m.name,
            m.kind,
            m.channels,
            m.state,
            m.send_at,
            m.created_at,
            m.audience,
            m.sent_count,
            m.holdout_count,
            m.skipped_count,
            m.messages,
        )
        for m in query
    ]


def get_mailing(mailing_id: int) -> Mailing:
    return _get(mailing_id)


def data_of(mailing: Mailing) -> MailingData:
    """A saved mailing as the builder's data (to change a draft or to copy one)."""
    return MailingData(
        name=mailing.name,
        kind=mailing.kind,
        channels=tuple(c for c in mailing.channels.split(",") if c),
        sms_fallback=bool(mailing.sms_fallback),
        segment=json.loads(mailing.segment or "{}"),
        exclusions=json.loads(mailing.exclusions or "{}"),
        holdout_percent=Decimal(mailing.holdout_bp) / 100,
        send_at=mailing.send_at,
        link=json.loads(mailing.variables or "{}").get("link", ""),
        promo_code=json.loads(mailing.variables or "{}").get("promo_code", ""),
    )


# --- the result and the effect ---------------------------------------------------------------


@dataclass
class Group:
    """One group's purchases in the window: ``customers`` in it, ``buyers`` who bought,
    their sale ``receipts``, ``revenue`` (sales less returns, kopecks)."""

    customers: int = 0
    buyers: int = 0
    receipts: int = 0
    revenue: int = 0
    returns: int = 0

    @property
    def conversion(self) -> Decimal:
        """Buyers per 100 customers (%), to 2 places."""
        if not self.customers:
            return Decimal("0.00")
        return (Decimal(self.buyers * 100) / self.customers).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )

    @property
    def receipts_per_customer(self) -> Decimal:
        if not self.customers:
            return Decimal("0.000")
        return (Decimal(self.receipts) / self.customers).quantize(Decimal("0.001"), ROUND_HALF_UP)

    @property
    def revenue_per_customer(self) -> int:
        """Kopecks per customer of the group, rounded half up (torgtui.money)."""
        from torgtui.money import round_kopecks

        if not self.customers:
            return 0
        return round_kopecks(Decimal(self.revenue) / self.customers)


@dataclass
class Effect:
    days: int
    since: dt.datetime
    until: dt.datetime
    sent: Group
    holdout: Group

    @property
    def conversion_diff(self) -> Decimal:
        """Percentage points: sent less holdout."""
        return self.sent.conversion - self.holdout.conversion

    @property
    def revenue_per_customer_diff(self) -> int:
        return self.sent.revenue_per_customer - self.holdout.revenue_per_customer

    @property
    def extra_revenue(self) -> int:
        """What the mailing brought, estimated: the difference per customer times the sent."""
        return self.revenue_per_customer_diff * self.sent.customers


@dataclass
class Result:
    mailing_id: int
    name: str
    state: str
    messages: int = 0  # outbox rows
    sent: int = 0  # accepted by a gateway
    delivered: int = 0
    read: int = 0
    clicked: int = 0
    waiting: int = 0  # pending, sending or paused
    failed: dict[str, int] = field(default_factory=dict)  # reason -> rows
    cost: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # recipients skipped, by reason
    effect: Effect | None = None


FAILED_STATES = ("failed", "rejected", "unknown", "suppressed", "skipped", "cancelled")


def _group(mailing_id: int, grp: str, since: dt.datetime, until: dt.datetime) -> Group:
    """The purchases of one group's customers from ``since`` to ``until``."""
    members = 'SELECT "customer_id" FROM "mailing_recipient" WHERE "mailing_id" = ? AND "grp" = ?'
    customers = database.execute_sql(
        sql(f"SELECT COUNT(*) FROM ({members}) g"), (mailing_id, grp)
    ).fetchone()[0]
    row = database.execute_sql(
        sql(
            'SELECT COUNT(DISTINCT CASE WHEN r."kind" = \'sale\' THEN r."customer_id" END), '
            "SUM(CASE WHEN r.\"kind\" = 'sale' THEN 1 ELSE 0 END), "
            'SUM(CASE WHEN r."kind" = \'sale\' THEN r."total" ELSE 0 END), '
            'SUM(CASE WHEN r."kind" = \'return\' THEN r."total" ELSE 0 END) '
            f'FROM "receipt" r WHERE r."customer_id" IN ({members}) '
            'AND r."status" = \'closed\' AND r."created_at" >= ? AND r."created_at" < ?'
        ),
        (mailing_id, grp, _t(since), _t(until)),
    ).fetchone()
    sales, returns = int(row[2] or 0), abs(int(row[3] or 0))
    return Group(int(customers), int(row[0] or 0), int(row[1] or 0), sales - returns, returns)


def effect(mailing_id: int, *, days: int = EFFECT_DAYS) -> Effect | None:
    """Purchases by the sent group against the holdout within ``days`` after sending began
    (None: not prepared yet)."""
    mailing = _get(mailing_id)
    days = _whole(days, _("Days after sending"), low=1, high=366)
    if mailing.prepared_at is None and mailing.started_at is None:
        return None
    since = max(d for d in (mailing.started_at, mailing.send_at) if d is not None)
    until = since + dt.timedelta(days=days)
    return Effect(
        days,
        since,
        until,
        _group(mailing.id, "sent", since, until),
        _group(mailing.id, "holdout", since, until),
    )


def result(
    mailing_id: int,
    *,
    by: Employee | None,
    days: int = EFFECT_DAYS,
    clock: Clock = system_clock,
) -> Result:
    """The mailing's result: its outbox rows by what became of them, its cost, and the
    effect against the holdout."""
    require(by, Permission.SEND_MAILINGS)
    mailing = _get(mailing_id)
    state = refresh_state(mailing.id, clock=clock)
    out = Result(mailing.id, mailing.name, state)
    rows = database.execute_sql(
        sql(
            'SELECT "status", "delivery", "accepted_at" IS NOT NULL, "read_at" IS NOT NULL, '
            '"clicked_at" IS NOT NULL, CASE WHEN "reason" <> \'\' THEN "reason" '
            'ELSE "last_error" END, COUNT(*), SUM("cost") FROM "outbox_message" '
            'WHERE "mailing_id" = ? GROUP BY 1, 2, 3, 4, 5, 6'
        ),
        (mailing.id,),
    ).fetchall()
    for status, delivery, accepted, read, clicked, why, n, cost in rows:
        n = int(n)
        out.messages += n
        out.cost += int(cost or 0)
        if accepted or status in ("accepted", "delivered"):
            out.sent += n
        if status == "delivered" or delivery in ("delivered", "read", "clicked") or read:
            out.delivered += n
        if read or delivery in ("read", "clicked"):
            out.read += n
        if clicked or delivery == "clicked":
            out.clicked += n
        if status in ("pending", "sending", "paused"):
            out.waiting += n
        if status in FAILED_STATES:
            key = f"{status}: {why}" if why else status
            out.failed[key] = out.failed.get(key, 0) + n
    _groups, out.skipped = _counts(mailing.id)
    out.effect = effect(mailing.id, days=days)
    return out


__all__ = [
    "CHANNELS",
    "REASONS",
    "SEGMENT_KEYS",
    "STATES",
    "Audience",
    "Effect",
    "Group",
    "MailingData",
    "Prepared",
    "Result",
    "Summary",
    "audience",
    "cancel",
    "check_exclusions",
    "check_segment",
    "cost_preview",
    "create_mailing",
    "data_of",
    "effect",
    "filters_of",
    "get_mailing",
    "in_holdout",
    "list_mailings",
    "pause",
    "prepare",
    "refresh_state",
    "result",
    "resume",
    "segment_conditions",
    "segment_count",
    "start",
    "state_title",
    "update_mailing",
]
