"""The sender: takes pending outbox rows in order, one at a time, to their gateway; then asks the
gateways what became of the accepted ones.

Exactly once (docs/messages.md): a row is *claimed* -- ``pending`` -> ``sending`` with a fresh
token, committed -- before its gateway is called; what the gateway said is stored only where the
token still matches. A row left in ``sending`` by a sender that died (longer than ``LEASE``)
was perhaps taken by the service: it is never sent again blindly. When its gateway dedupes by
the row's ref (``dedupes_ref``: the service recognises a resend of the same message), it is sent
again with the same ref and text; otherwise it becomes ``unknown`` for the owner to check and
settle (``resolve``).

Marketing rows wait out the quiet hours and are checked once more against consent and the
stop-list just before they go: an opt-out after the mailing was written still wins.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torgtui.channels import consent
from torgtui.channels.gateway import (
    Channel,
    Delivery,
    Gateway,
    Message,
    Outcome,
    SendResult,
    ViberExtras,
)
from torgtui.channels.outbox import State, db_time
from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Permission, audit, require

LEASE = dt.timedelta(minutes=2)  # a gateway answers (or times out) well within this
WAIT = dt.timedelta(minutes=10)  # a row that cannot go yet (no template, no gateway) rests
BACKOFF_FIRST = 30.0  # seconds before the first retry; doubles each time
BACKOFF_MAX = 3600.0
POLL_WINDOW = dt.timedelta(days=3)  # Viber reads and clicks are asked for this long
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_ROW = (
    'SELECT m."id", m."customer_id", m."kind", m."channel", m."payload", m."address", '
    'm."text", m."subject", m."marketing", m."attempts", c."name", c."phone", c."email", '
    'c."language", c."status" FROM "outbox_message" m '
    'LEFT JOIN "customer" c ON c."id" = m."customer_id" '
)


@dataclass
class SendRun:
    """What one pass did."""

    accepted: int = 0
    retried: int = 0  # RETRY: back in line with back-off
    rejected: int = 0
    failed: int = 0  # retries used up
    suppressed: int = 0  # opted out or no consent, found at send
    skipped: int = 0  # no valid phone or e-mail on the card
    waiting: int = 0  # no template or no gateway yet: they wait
    recovered: int = 0  # found "sending" after a crash: resent by ref
    unknown: int = 0  # found "sending" after a crash: for the owner to check

    @property
    def handled(self) -> int:
        return (
            self.accepted
            + self.retried
            + self.rejected
            + self.failed
            + self.suppressed
            + (self.skipped + self.waiting)
        )


@dataclass
class PollRun:
    asked: int = 0
    delivered: int = 0
    read: int = 0
    clicked: int = 0
    failed: int = 0


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try: 30, 60, 120 ... at most an hour."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _clock_time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def in_quiet_hours(moment: dt.datetime, start: str, end: str) -> bool:
    """Whether ``moment`` falls in the quiet hours from ``start`` to ``end`` ("21:00" to
    "09:00" spans midnight); equal times: no quiet hours."""
    begin, finish, now = _clock_time(start), _clock_time(end), moment.time()
    if begin == finish:
        return False
    if begin < finish:
        return begin <= now < finish
    return now >= begin or now < finish


def _phone_digits(text: str) -> str:
    from torgtui.customers.phones import normalize_phone

    return normalize_phone(text).lstrip("+")


def _first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


class Waiting(Exception):
    """The row cannot go yet (no template, no gateway): it rests with this reason."""


class Skip(Exception):
    """The row can never go as it is (no valid address, an erased card)."""


class Sender:
    """One sender over the bound database. ``gateways`` maps a channel to its gateway (default:
    the configured ones, torgtui.channels.gateways.open_gateway)."""

    def __init__(
        self,
        settings: Any,
        *,
        gateways: Mapping[Channel, Gateway | None] | Callable[[Channel], Gateway | None] | None = (
            None
        ),
        clock: Clock = system_clock,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.messages = settings.messages
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self._given = gateways
        self._open: dict[Channel, Gateway | None] = {}
        self._errors: dict[Channel, str] = {}
        self._next_slot = 0.0

    # --- gateways --------------------------------------------------------------------------------

    def gateway(self, channel: Channel) -> Gateway | None:
        if channel not in self._open:
            given = self._given
            if isinstance(given, Mapping):
                self._open[channel] = given.get(channel)
            elif callable(given):
                self._open[channel] = given(channel)
            else:
                try:
                    from torgtui.channels.gateways import open_gateway
                except ImportError:
                    self._open[channel] = None
                else:
                    try:
                        self._open[channel] = open_gateway(self.settings, channel)
                    except TorgError as exc:  # a setting missing: rows wait, saying which
                        self._open[channel] = None
                        self._errors[channel] = str(exc)
        return self._open[channel]

    def close(self) -> None:
        if self._given is None:
            for gateway in {id(g): g for g in self._open.values() if g is not None}.values():
                gateway.close()
        self._open.clear()

    # --- sending ---------------------------------------------------------------------------------

    def run_once(self, limit: int = 200) -> SendRun:
        """Recover rows a dead sender left, then send up to ``limit`` rows that are due."""
        run = SendRun()
        self.recover(run)
        now = self.clock()
        quiet = in_quiet_hours(now, self.messages.quiet_start, self.messages.quiet_end)
        where = (
            'WHERE m."status" = \'pending\' AND (m."send_after" IS NULL OR '
            'm."send_after" <= ?) AND (m."next_try_at" IS NULL OR m."next_try_at" <= ?) '
        )
        if quiet:
            where += 'AND m."marketing" = ? '
        params: tuple = (db_time(now), db_time(now), *((False,) if quiet else ()))
        rows = database.execute_sql(
            sql(_ROW + where + 'ORDER BY m."id" LIMIT ?'), (*params, limit)
        ).fetchall()
        for row in rows:
            self._send_row(row, run)
        return run

    def run(self, *, stop: Callable[[], bool], every: float = 5.0, limit: int = 200) -> None:
        """Send until ``stop()`` (the CLI without --once)."""
        while not stop():
            run = self.run_once(limit)
            if run.handled < limit:
                self.sleep(every)

    def _choose(self, channel: str, marketing: bool, customer_id: int | None) -> list[Channel]:
        if channel != "any":
            return [Channel(channel)]
        order = [Channel.SMS, Channel.EMAIL]
        if marketing and customer_id is not None:
            given = consent.consents_of(customer_id)
            order = [
                Channel(c) for c in ("viber", "sms", "email") if c in given and given[c].granted
            ]
        return [c for c in order if self.gateway(c) is not None] or order[:1]

    def _address(self, channel: Channel, address: str, phone: str, email: str) -> str:
        if channel is Channel.EMAIL:
            value = (address or email or "").strip()
            if not value:
                raise Skip(_("No e-mail on the card"))
            if not EMAIL.match(value):
                raise Skip(_("Not an e-mail address: {value!r}").format(value=value[:60]))
            return value
        value = (address or phone or "").strip()
        if not value:
            raise Skip(_("No phone on the card"))
        try:
            return _phone_digits(value)
        except ValidationError:
            raise Skip(_("Not a valid phone: {value!r}").format(value=value[:40])) from None

    def _text(
        self, kind: str, language: str, payload: dict, customer_id: int | None, name: str
    ) -> tuple[str, str, ViberExtras | None]:
        try:
            from torgtui.channels import templates
        except ImportError:
            raise Waiting(_("Waiting for message templates (no text, no template yet)")) from None
        variables: dict[str, Any] = {"name": name, "first_name": _first_name(name)}
        known = getattr(templates, "customer_variables", None)
        try:
            if known is not None and customer_id is not None:
                variables.update(known(customer_id, self.clock(), shop=self._shop()))
            variables.update(payload)
            rendered = templates.render(kind, language or "uk", variables)
        except (TorgError, LookupError) as exc:
            raise Waiting(
                _("No template for {kind!r}: {error}").format(kind=kind, error=exc)
            ) from None
        if not str(rendered.text).strip():
            raise Waiting(_("The template for {kind!r} has no text").format(kind=kind))
        return str(rendered.text), str(rendered.subject or ""), rendered.viber

    def _shop(self) -> str:
        store = getattr(self.settings, "store", None)
        return str(getattr(store, "name", "") or "")

    def _prepare(self, row: tuple) -> tuple[Channel, str, str, str, ViberExtras | None]:
        """The channel, address, text, subject and Viber extras of a row, or
        Waiting/Skip/Suppress."""
        (_id, customer_id, kind, channel, payload, address, text, subject, marketing) = row[:9]
        name, phone, email, language, status = row[10:15]
        if customer_id is not None and status in ("erased", "cleaned"):
            raise Skip(_("The card's personal data was erased"))
        choices = self._choose(channel, bool(marketing), customer_id)
        if not choices:
            raise Suppress(consent.marketing_block(customer_id, "any", address))
        chosen, to, last_skip = None, "", None
        for candidate in choices:
            try:
                to = self._address(candidate, address, phone or "", email or "")
            except Skip as exc:
                last_skip = exc
                continue
            chosen = candidate
            break
        if chosen is None:
            raise last_skip or Skip(_("No address to send to"))
        if marketing:
            why = consent.marketing_block(customer_id, str(chosen), to)
            if why:
                raise Suppress(why)
        if self.gateway(chosen) is None:
            raise Waiting(
                self._errors.get(chosen)
                or _("No gateway for {channel}: choose one in Settings (messages)").format(
                    channel=chosen
                )
            )
        try:
            variables = json.loads(payload or "{}")
        except ValueError:
            variables = {}
        viber = _viber_of(variables.get("viber") if isinstance(variables, dict) else None)
        if not text:
            text, subject, rendered_viber = self._text(
                kind, language or "", variables, customer_id, name or ""
            )
            viber = viber or rendered_viber
        return chosen, to, text, subject, viber

    def _send_row(self, row: tuple, run: SendRun) -> None:
        message_id, attempts = row[0], row[9]
        now = self.clock()
        try:
            channel, to, text, subject, viber = self._prepare(row)
        except Suppress as exc:
            self._settle(message_id, State.SUPPRESSED, reason=str(exc))
            run.suppressed += 1
            return
        except Skip as exc:
            self._settle(message_id, State.SKIPPED, reason=str(exc))
            run.skipped += 1
            return
        except Waiting as exc:
            _write(
                sql(
                    'UPDATE "outbox_message" SET "reason" = ?, "next_try_at" = ? '
                    'WHERE "id" = ? AND "status" = \'pending\''
                ),
                (str(exc)[:200], db_time(now + WAIT), message_id),
            )
            run.waiting += 1
            return
        gateway = self.gateway(channel)
        assert gateway is not None
        token = uuid.uuid4().hex
        with write_tx():
            claimed = database.execute_sql(
                sql(
                    'UPDATE "outbox_message" SET "status" = \'sending\', "claim" = ?, '
                    '"claimed_at" = ?, "attempts" = "attempts" + 1, "via" = ?, "gateway" = ?, '
                    '"address" = ?, "text" = ?, "subject" = ?, "reason" = \'\' '
                    'WHERE "id" = ? AND "status" = \'pending\''
                ),
                (token, db_time(now), str(channel), gateway.name, to, text, subject, message_id),
            ).rowcount
        if claimed != 1:
            return  # another sender took it
        message = Message(
            ref=message_id,
            channel=channel,
            to=to,
            text=text,
            subject=subject,
            sender=self._sender_name(channel),
            viber=viber if channel is Channel.VIBER else None,
        )
        self._call(gateway, message, token, attempts + 1, run)

    def _sender_name(self, channel: Channel) -> str:
        if channel is Channel.EMAIL:
            return self.messages.email_from
        if channel is Channel.VIBER:
            return self.messages.viber_sender or self.messages.sms_sender
        return self.messages.sms_sender

    def _pace(self) -> None:
        gap = 1.0 / max(float(self.messages.rate_per_second), 0.001)
        now = self.monotonic()
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + gap

    def _call(
        self,
        gateway: Gateway,
        message: Message,
        token: str,
        attempts: int,
        run: SendRun,
    ) -> None:
        message_id = message.ref
        self._pace()
        try:
            result = gateway.send(message)
        except Exception as exc:  # a bug in a gateway: it may have sent; never blindly again
            self._settle(
                message_id,
                State.UNKNOWN,
                token=token,
                error=_("The gateway failed ({error}): check whether it was sent").format(
                    error=type(exc).__name__
                ),
            )
            run.unknown += 1
            return
        self._store(message_id, token, message.channel, attempts, result, run)

    def _store(
        self,
        message_id: int,
        token: str,
        channel: Channel,
        attempts: int,
        result: SendResult,
        run: SendRun,
    ) -> None:
        now = self.clock()
        if result.outcome is Outcome.ACCEPTED:
            _write(
                sql(
                    'UPDATE "outbox_message" SET "status" = \'accepted\', "gateway_id" = ?, '
                    '"accepted_at" = ?, "sent_at" = ?, "parts" = ?, "cost" = ?, '
                    '"last_error" = \'\' WHERE "id" = ? AND "claim" = ?'
                ),
                (
                    result.gateway_id[:80],
                    db_time(now),
                    db_time(now),
                    result.parts,
                    result.cost or self._price(channel, result.parts),
                    message_id,
                    token,
                ),
            )
            run.accepted += 1
        elif result.outcome is Outcome.REJECTED:
            self._settle(message_id, State.REJECTED, token=token, error=result.error)
            run.rejected += 1
        elif attempts >= self.messages.max_attempts:
            self._settle(
                message_id,
                State.FAILED,
                token=token,
                error=_("Gave up after {n} attempts: {error}").format(
                    n=attempts, error=result.error
                ),
            )
            run.failed += 1
        else:
            wait = max(backoff(attempts), result.retry_after or 0.0)
            _write(
                sql(
                    'UPDATE "outbox_message" SET "status" = \'pending\', "claim" = \'\', '
                    '"next_try_at" = ?, "last_error" = ? WHERE "id" = ? AND "claim" = ?'
                ),
                (
                    db_time(now + dt.timedelta(seconds=wait)),
                    result.error[:1000],
                    message_id,
                    token,
                ),
            )
            run.retried += 1

    def _price(self, channel: Channel, parts: int) -> int:
        if channel is Channel.EMAIL:
            return int(self.messages.price_email)
        if channel is Channel.VIBER:
            return int(self.messages.price_viber)
        return int(self.messages.price_sms_part) * max(parts, 1)

    def _settle(
        self,
        message_id: int,
        state: State,
        *,
        token: str | None = None,
        reason: str = "",
        error: str = "",
    ) -> None:
        guard, params = ('"claim" = ?', (token,)) if token else ("\"status\" = 'pending'", ())
        _write(
            sql(
                'UPDATE "outbox_message" SET "status" = ?, "reason" = ?, "last_error" = ? '
                f'WHERE "id" = ? AND {guard}'
            ),
            (str(state), reason[:200], error[:1000], message_id, *params),
        )

    # --- after a crash ---------------------------------------------------------------------------

    def recover(self, run: SendRun | None = None) -> int:
        """Settle rows a dead sender left in ``sending``: resent by ref where the service
        dedupes, else ``unknown``. The number settled."""
        run = run if run is not None else SendRun()
        now = self.clock()
        rows = database.execute_sql(
            sql(
                'SELECT "id", "claim", "via", "gateway" FROM "outbox_message" '
                'WHERE "status" = \'sending\' AND "claimed_at" < ? ORDER BY "id"'
            ),
            (db_time(now - LEASE),),
        ).fetchall()
        for message_id, token, via, gateway_name in rows:
            gateway = self.gateway(Channel(via)) if via else None
            if (
                gateway is not None
                and gateway.name == gateway_name
                and getattr(gateway, "dedupes_ref", False)
            ):
                # the same ref, address and text as the lost attempt: the service knows it
                _write(
                    sql(
                        'UPDATE "outbox_message" SET "status" = \'pending\', "claim" = \'\', '
                        '"next_try_at" = NULL, "reason" = ? WHERE "id" = ? AND "claim" = ?'
                    ),
                    (
                        _("Sent again by its ref after the sender stopped mid-send")[:200],
                        message_id,
                        token,
                    ),
                )
                run.recovered += 1
            else:
                self._settle(
                    message_id,
                    State.UNKNOWN,
                    token=token,
                    reason=_(
                        "The sender stopped while {gateway} was asked: check there whether it "
                        "went, then mark it sent or send it again"
                    ).format(gateway=gateway_name or _("the gateway")),
                )
                run.unknown += 1
        return len(rows)

    # --- statuses --------------------------------------------------------------------------------

    def poll(self) -> PollRun:
        """Ask each gateway about its accepted messages that are not final yet (and Viber
        messages delivered within POLL_WINDOW, for reads and clicks); store what it knows."""
        out = PollRun()
        now = self.clock()
        rows = database.execute_sql(
            sql(
                'SELECT "id", "via", "gateway", "gateway_id", "status", "read_at" '
                'FROM "outbox_message" WHERE "gateway_id" <> \'\' AND ('
                "\"status\" = 'accepted' OR (\"status\" = 'delivered' AND \"via\" = 'viber' "
                'AND "clicked_at" IS NULL AND "accepted_at" >= ?)) ORDER BY "id"'
            ),
            (db_time(now - POLL_WINDOW),),
        ).fetchall()
        by_gateway: dict[tuple[str, str], list[tuple]] = {}
        for row in rows:
            by_gateway.setdefault((row[1], row[2]), []).append(row)
        for (via, name), group in by_gateway.items():
            gateway = self.gateway(Channel(via)) if via else None
            if gateway is None or gateway.name != name:
                continue  # the settings changed since: nobody to ask
            for start in range(0, len(group), 500):
                chunk = group[start : start + 500]
                out.asked += len(chunk)
                statuses = gateway.poll([r[3] for r in chunk])
                with write_tx():
                    for message_id, _via, _name, gateway_id, _status, read_at in chunk:
                        status = statuses.get(gateway_id)
                        if status is not None:
                            self._store_status(message_id, status, read_at, now, out)
        return out

    def _store_status(
        self, message_id: int, status: Any, read_at: object, now: dt.datetime, out: PollRun
    ) -> None:
        at = _parse_time(status.at) or now
        delivery = Delivery(status.delivery)
        sets = {"delivery": str(delivery), "delivery_at": db_time(at)}
        if delivery in (Delivery.DELIVERED, Delivery.READ, Delivery.CLICKED):
            sets["status"] = str(State.DELIVERED)
            out.delivered += delivery is Delivery.DELIVERED
        if delivery in (Delivery.READ, Delivery.CLICKED) and read_at is None:
            sets["read_at"] = db_time(at)
            out.read += 1
        if delivery is Delivery.CLICKED:
            sets["clicked_at"] = db_time(at)
            out.clicked += 1
        if delivery is Delivery.FAILED:
            sets["status"] = str(State.FAILED)
            sets["reason"] = (status.error or _("Not delivered"))[:200]
            out.failed += 1
        assignments = ", ".join(f'"{k}" = ?' for k in sets)
        database.execute_sql(
            sql(f'UPDATE "outbox_message" SET {assignments} WHERE "id" = ?'),
            (*sets.values(), message_id),
        )


class Suppress(Exception):
    """Marketing the customer does not want (any more): the reason."""


def _write(statement: str, params: tuple) -> int:
    """One write in its own transaction (nested in the caller's when there is one)."""
    with write_tx():
        return database.execute_sql(statement, params).rowcount


def _viber_of(extras: object) -> ViberExtras | None:
    """Viber extras a mailing put in the payload ({"image_url", "button_text", "button_url"})."""
    if not isinstance(extras, dict):
        return None
    return ViberExtras(
        str(extras.get("image_url") or ""),
        str(extras.get("button_text") or ""),
        str(extras.get("button_url") or ""),
    )


def _parse_time(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)  # the shop's local time
    return moment


def resolve(message_id: int, *, sent: bool, by: Employee | None, now: dt.datetime) -> None:
    """The owner settles an ``unknown`` message: it went (``sent``: kept as accepted, without
    a gateway id, so it is not polled) or it did not (back to pending, sent again)."""
    require(by, Permission.SEND_MAILINGS)
    with write_tx():
        if sent:
            changed = database.execute_sql(
                sql(
                    'UPDATE "outbox_message" SET "status" = \'accepted\', "accepted_at" = ?, '
                    '"claim" = \'\' WHERE "id" = ? AND "status" = \'unknown\''
                ),
                (db_time(now), message_id),
            ).rowcount
        else:
            changed = database.execute_sql(
                sql(
                    'UPDATE "outbox_message" SET "status" = \'pending\', "claim" = \'\', '
                    '"next_try_at" = NULL, "reason" = \'\' '
                    'WHERE "id" = ? AND "status" = \'unknown\''
                ),
                (message_id,),
            ).rowcount
        if changed != 1:
            raise ValidationError(
                _("Message {id} is not waiting for a check (only 'unknown' ones are).").format(
                    id=message_id
                )
            )
        audit(
            "message.resolve",
            by,
            object_type="outbox_message",
            object_id=message_id,
            after={"sent": sent},
            clock=lambda: now,
        )


__all__ = [
    "LEASE",
    "PollRun",
    "SendRun",
    "Sender",
    "backoff",
    "in_quiet_hours",
    "resolve",
]
