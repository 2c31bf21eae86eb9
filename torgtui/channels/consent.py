"""The customer's consent to marketing per channel, and the stop-list.

Marketing (a mailing, a birthday offer) goes on a channel only when the customer agreed to that
channel (on the card, the printed questionnaire or an imported file), and never while they are
on the stop-list (an opt-out with its reason: "asked at the till", "replied STOP"). Service
messages (a verification code, a pre-order that arrived, bonuses about to lapse) are not
marketing: they need neither. Opting out withdraws every consent and puts the customer on the
stop-list; a later consent lifts it. Both are checked when a row is written to the outbox and
again when it is sent, so an opt-out between the two still wins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_text

CONSENT_CHANNELS = ("sms", "viber", "email")
HOWS = ("card", "questionnaire", "import", "reply", "till", "web")


def _t(moment: dt.datetime | None) -> object:
    if moment is None:
        return None
    return str(moment) if is_sqlite() else moment


def _as_time(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Consent:
    channel: str
    granted: bool
    at: dt.datetime
    how: str


@dataclass(frozen=True)
class Stop:
    reason: str
    at: dt.datetime


def _check_consent_channel(channel: str) -> str:
    if channel not in CONSENT_CHANNELS:
        raise ValidationError(
            _("Consent is given per channel: {channels}, not {channel!r}.").format(
                channels=", ".join(CONSENT_CHANNELS), channel=channel
            )
        )
    return channel


def consents_of(customer_id: int) -> dict[str, Consent]:
    """What the customer said per channel (a channel not in the result: never asked)."""
    rows = database.execute_sql(
        sql(
            'SELECT "channel", "granted", "at", "how" FROM "customer_consent" '
            'WHERE "customer_id" = ?'
        ),
        (customer_id,),
    ).fetchall()
    return {r[0]: Consent(r[0], bool(r[1]), _as_time(r[2]), r[3]) for r in rows}  # type: ignore[arg-type]


IN_CHUNK = 5_000  # values per IN (...) list: well inside both databases' parameter limits


def _rows_in(select: str, column: str, values: Sequence, extra: str = "") -> list[tuple]:
    """``select ... WHERE column IN (values) extra``, in chunks; one query per chunk (on
    PostgreSQL ``= ANY(array)``: psycopg rewrites a long list of placeholders slowly)."""
    rows: list[tuple] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        if is_sqlite():
            where, params = f'"{column}" IN ({", ".join("?" * len(chunk))})', chunk
        else:
            where, params = f'"{column}" = ANY(?)', [chunk]
        rows += database.execute_sql(sql(f"{select} WHERE {where}{extra}"), params).fetchall()
    return rows


def _stops(column: str, values: Sequence) -> dict[object, tuple[int, Stop]]:
    """value of ``column`` -> (id, its newest opt-out in force), one indexed query per chunk.

    ``customer_id`` and ``address`` each have their index. An ``OR`` of the two made SQLite
    scan the stop-list for every lookup once it had statistics; and even alone, the address
    index looks useless to SQLite's statistics (a customer's opt-out has the address '', so
    "rows per address" is the whole list), hence ``INDEXED BY`` there. PostgreSQL's
    statistics know the '' and pick the index by themselves."""
    found: dict[object, tuple[int, Stop]] = {}
    if not values:
        return found
    indexed = f' INDEXED BY "stop_list_{column}"' if is_sqlite() else ""
    rows = _rows_in(
        f'SELECT "{column}", "id", "reason", "at" FROM "stop_list"{indexed}',
        column,
        values,
        ' AND "lifted_at" IS NULL',
    )
    for key, stop_id, reason, at in rows:
        if key not in found or stop_id > found[key][0]:
            found[key] = (stop_id, Stop(reason, _as_time(at)))  # type: ignore[arg-type]
    return found


def _newest(*stops: tuple[int, Stop] | None) -> Stop | None:
    there = [s for s in stops if s is not None]
    return max(there, key=lambda s: s[0])[1] if there else None


def stop_of(customer_id: int | None, address: str = "") -> Stop | None:
    """The customer's (or the address's) opt-out in force, or None: the newest of the two."""
    by_customer = _stops("customer_id", [customer_id]) if customer_id is not None else {}
    by_address = _stops("address", [address]) if address else {}
    return _newest(by_customer.get(customer_id), by_address.get(address))


def marketing_blocks(items: Sequence[tuple[int | None, str, str]]) -> list[str]:
    """:func:`marketing_block` for many ``(customer_id, channel, address)`` at once, in order:
    three queries for the lot (stop-list by customer, by address, consents), not per item."""
    customers = sorted({c for c, _ch, _a in items if c is not None})
    addresses = sorted({a for _c, _ch, a in items if a})
    by_customer = _stops("customer_id", customers)
    by_address = _stops("address", addresses)
    given: dict[int, set[str]] = {}
    if customers:
        for cid, channel, granted in _rows_in(
            'SELECT "customer_id", "channel", "granted" FROM "customer_consent"',
            "customer_id",
            customers,
        ):
            if granted:
                given.setdefault(cid, set()).add(channel)
    out: list[str] = []
    for customer_id, channel, address in items:
        stop = _newest(
            by_customer.get(customer_id) if customer_id is not None else None,
            by_address.get(address) if address else None,
        )
        out.append(_block(stop, customer_id, channel, given.get(customer_id, set())))  # type: ignore[arg-type]
    return out


def _block(stop: Stop | None, customer_id: int | None, channel: str, given: set[str]) -> str:
    if stop is not None:
        return _("On the stop-list since {day}: {reason}").format(
            day=stop.at.date().isoformat(), reason=stop.reason or _("opted out")
        )
    if customer_id is None:
        return ""  # an address typed by hand (a test message): no card to ask
    if channel == "any":
        return "" if given else _("No consent to marketing on any channel")
    if channel not in given:
        return _("No consent to marketing by {channel}").format(channel=channel)
    return ""


def marketing_block(customer_id: int | None, channel: str, address: str = "") -> str:
    """Why marketing may not go to this customer on ``channel`` ("any": on every channel they
    agreed to), in words; "" when it may."""
    return marketing_blocks([(customer_id, channel, address)])[0]


def set_consent(
    customer_id: int,
    channel: str,
    granted: bool,
    *,
    how: str,
    by: Employee | None,
    now: dt.datetime,
    audited: bool = True,
) -> bool:
    """Record the customer's yes or no for one channel; True when it changed. A yes lifts the
    stop-list (the customer asked for messages again)."""
    if audited:
        require(by, Permission.EDIT_CUSTOMERS)
    customer_id = check_id(customer_id, _("Customer"))
    channel = _check_consent_channel(channel)
    if how not in HOWS:
        raise ValidationError(
            _("Say how the consent was given: {hows}.").format(hows=", ".join(HOWS))
        )
    granted = bool(granted)
    with write_tx():
        before = consents_of(customer_id).get(channel)
        if before is not None and before.granted == granted:
            return False
        employee_id = by.id if by is not None else None
        if before is None:
            database.execute_sql(
                sql(
                    'INSERT INTO "customer_consent" ("customer_id", "channel", "granted", "at", '
                    '"how", "employee_id") VALUES (?, ?, ?, ?, ?, ?)'
                ),
                (customer_id, channel, granted, _t(now), how, employee_id),
            )
        else:
            database.execute_sql(
                sql(
                    'UPDATE "customer_consent" SET "granted" = ?, "at" = ?, "how" = ?, '
                    '"employee_id" = ? WHERE "customer_id" = ? AND "channel" = ?'
                ),
                (granted, _t(now), how, employee_id, customer_id, channel),
            )
        if granted:
            database.execute_sql(
                sql(
                    'UPDATE "stop_list" SET "lifted_at" = ? '
                    'WHERE "customer_id" = ? AND "lifted_at" IS NULL'
                ),
                (_t(now), customer_id),
            )
        if audited:
            audit(
                "customer.consent",
                by,
                object_type="customer",
                object_id=customer_id,
                before={channel: None if before is None else before.granted},
                after={channel: granted, "how": how},
                clock=lambda: now,
            )
    return True


def opt_out(
    customer_id: int,
    reason: str,
    *,
    by: Employee | None,
    now: dt.datetime,
    how: str = "card",
    audited: bool = True,
) -> bool:
    """The customer wants no marketing: every consent withdrawn and the stop-list entry with
    the reason. False when they were on the stop-list already."""
    if audited:
        require(by, Permission.EDIT_CUSTOMERS)
    customer_id = check_id(customer_id, _("Customer"))
    reason = check_text(reason, _("Reason"), max_len=200)
    if not reason:
        raise ValidationError(_("Say why the customer opted out (their words): nothing saved."))
    with write_tx():
        if stop_of(customer_id) is not None:
            return False
        for channel, given in consents_of(customer_id).items():
            if given.granted:
                set_consent(customer_id, channel, False, how=how, by=by, now=now, audited=False)
        database.execute_sql(
            sql(
                'INSERT INTO "stop_list" ("customer_id", "address", "reason", "at", '
                "\"employee_id\") VALUES (?, '', ?, ?, ?)"
            ),
            (customer_id, reason, _t(now), by.id if by is not None else None),
        )
        if audited:
            audit(
                "customer.opt_out",
                by,
                object_type="customer",
                object_id=customer_id,
                after={"reason": reason},
                clock=lambda: now,
            )
    return True


def update_from_card(
    customer_id: int,
    wanted: dict[str, bool],
    stop_reason: str,
    *,
    by: Employee | None,
    now: dt.datetime,
    how: str = "card",
) -> list[str]:
    """What the card's consent dialog says, in one transaction: a reason puts the customer on
    the stop-list (every consent withdrawn); no reason and a yes lifts it. Returns what
    changed, in words, for the card's message line."""
    require(by, Permission.EDIT_CUSTOMERS)
    stop_reason = check_text(stop_reason, _("Reason"), max_len=200)
    changed: list[str] = []
    with write_tx():
        if stop_reason:
            if opt_out(customer_id, stop_reason, by=by, now=now, how=how):
                changed.append(_("on the stop-list"))
            return changed
        for channel in CONSENT_CHANNELS:
            if channel in wanted and set_consent(
                customer_id, channel, wanted[channel], how=how, by=by, now=now
            ):
                changed.append(f"{channel}: {_('yes') if wanted[channel] else _('no')}")
    return changed  # still on the stop-list when nothing was agreed to: only a yes lifts it


def summary(customer_id: int) -> str:
    """One line for the card: "Marketing: SMS yes, Viber no, e-mail -" or the stop-list."""
    stop = stop_of(customer_id)
    if stop is not None:
        return _("Marketing: on the stop-list since {day} ({reason})").format(
            day=stop.at.date().isoformat(), reason=stop.reason
        )
    given = consents_of(customer_id)
    names = {"sms": "SMS", "viber": "Viber", "email": _("e-mail")}
    parts = [
        f"{names[c]} {(_('yes') if given[c].granted else _('no')) if c in given else '-'}"
        for c in CONSENT_CHANNELS
    ]
    return _("Marketing: {channels}").format(channels=", ".join(parts))


def stop_address(address: str, reason: str, *, now: dt.datetime) -> None:
    """Put an address (a phone that replied STOP, a bounced e-mail) on the stop-list."""
    address = check_text(address, _("Address"), max_len=200)
    if not address or stop_of(None, address) is not None:
        return
    with write_tx():
        database.execute_sql(
            sql(
                'INSERT INTO "stop_list" ("customer_id", "address", "reason", "at") '
                "VALUES (NULL, ?, ?, ?)"
            ),
            (address, check_text(reason, _("Reason"), max_len=200), _t(now)),
        )


__all__ = [
    "CONSENT_CHANNELS",
    "HOWS",
    "Consent",
    "Stop",
    "consents_of",
    "marketing_block",
    "marketing_blocks",
    "opt_out",
    "set_consent",
    "stop_address",
    "stop_of",
    "summary",
    "update_from_card",
]
