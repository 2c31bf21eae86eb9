"""SMS verification at the register: a code sent to the customer's phone, read out to the
cashier, proves the person at the till holds that phone. It serves three purposes: attaching a
card by phone when the card was forgotten (``identify``), paying with bonuses (``bonus``,
always or above an amount, per ``[verification]`` in the settings) and, when certificates
exist, using one (``certificate``).

The rules (docs/verification.md):

* A code is 4 to 6 digits (``code_length``), lives ``ttl_minutes`` (5): it is good while
  ``now < expires_at``. It is stored only as SHA-256 over a random per-row salt and the code.
  That keeps it out of sight in the table, but 10 000 (or 1 000 000) codes are hashed in a
  moment, so the hash is not what protects it: its short life, the few tries and the cap on
  codes per receipt are. The text of the SMS in the outbox does hold it, until it is sent.
* ``attempts`` (3) wrong codes spend it (``exhausted``); a new one may be sent. A try is
  reserved with one conditional UPDATE before the code is compared, so two registers typing
  at once never get more tries than allowed. What cannot be a code (letters, the wrong number
  of digits) is refused in words *without* counting as a try: it cannot be right, so it
  tells an attacker nothing, and a cashier's typo does not burn the customer's code.
* One live code per purpose and receipt (a unique ``live_key``); a new one (``resend``)
  replaces it, no sooner than ``cooldown_seconds`` after the last, and at most
  :data:`MAX_CODES` per purpose and receipt: 5 codes x 3 tries is 15 guesses of 10 000.
* Every request, check, expiry and skip is in the audit log (never the code).
* Going on without a code (the customer has no phone with them) is :func:`skip`: by the
  ``skip_verification`` permission (senior cashier, manager, owner) or a senior's PIN through
  :mod:`torgtui.approvals`, audited.
* Checkout refuses a bonus payment that needs a code without a verified (or skipped) one for
  this receipt, this card and at least this amount (:func:`require_for_bonus`, called by the
  bonus tender's sale hook): the service checks, not only the screen.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import peewee

from torgtui import approvals, staff
from torgtui.approvals import Action, Approval, ApprovalNeeded
from torgtui.db import write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, CustomerPhone, Employee
from torgtui.models.verification import VerificationCode
from torgtui.money import format_money
from torgtui.staff import Permission
from torgtui.values import check_id, check_kopecks, check_text, check_uuid

KIND = "verification_code"  # the outbox message kind (and its template)
MAX_CODES = 5  # codes per purpose and receipt: no SMS bombing, at most 15 guesses in all


# the SMS when the shop has no template of its own (C's template_defaults say the same)
BUILT_IN = {
    "uk": "Ваш код: {code}. Назвіть його касиру. Код дійсний {minutes} хв. {shop}",
    "en": "Your code: {code}. Tell it to the cashier. It is valid for {minutes} min. {shop}",
}


class Purpose(enum.StrEnum):
    IDENTIFY = "identify"
    BONUS = "bonus"
    CERTIFICATE = "certificate"


class State(enum.StrEnum):
    LIVE = "live"  # sent, may be typed
    USED = "used"  # the right code was typed
    EXPIRED = "expired"  # its minutes ran out
    EXHAUSTED = "exhausted"  # too many wrong codes
    REPLACED = "replaced"  # a new code was sent for the same purpose and receipt
    SKIPPED = "skipped"  # no code: a senior (or one with the right) let it through


PASSED = (State.USED, State.SKIPPED)


@dataclass(frozen=True)
class Policy:
    """``[verification]`` as the service uses it (see torgtui.config.VerificationSettings)."""

    code_length: int = 4
    ttl_minutes: int = 5
    attempts: int = 3
    cooldown_seconds: int = 60
    bonus_confirm: str = "never"  # never, always, above
    bonus_confirm_above: int = 50000  # kopecks
    shop: str = ""  # the SMS's signature

    @classmethod
    def of(cls, settings: Any) -> Policy:
        """From the whole Settings (or its ``verification`` section alone)."""
        section = getattr(settings, "verification", settings)
        store = getattr(settings, "store", None)
        return cls(
            code_length=section.code_length,
            ttl_minutes=section.ttl_minutes,
            attempts=section.attempts,
            cooldown_seconds=section.cooldown_seconds,
            bonus_confirm=section.bonus_confirm,
            bonus_confirm_above=section.bonus_confirm_above,
            shop=getattr(store, "name", ""),
        )

    def bonus_needs_code(self, amount: int) -> bool:
        """Whether paying ``amount`` kopecks with bonuses needs the customer's code."""
        if amount <= 0 or self.bonus_confirm == "never":
            return False
        return self.bonus_confirm == "always" or amount > self.bonus_confirm_above


@dataclass(frozen=True)
class Sent:
    """A code on its way: where to (masked for the screen), until when, and the outbox row."""

    id: int
    purpose: str
    receipt_uuid: str
    phone: str
    customer_id: int | None
    amount: int
    expires_at: dt.datetime
    resend_after: dt.datetime
    outbox_id: int | None


@dataclass(frozen=True)
class Passed:
    """A purpose confirmed for a receipt: by the right code, or skipped with an approval."""

    id: int
    purpose: str
    receipt_uuid: str
    customer_id: int | None
    amount: int
    state: str
    approver_id: int | None = None


# --- checks of what callers give ----------------------------------------------------------


def _purpose(value: Any) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise ValidationError(
            _("Unknown verification purpose {value!r}: one of {choices}.").format(
                value=str(value)[:20], choices=", ".join(p.value for p in Purpose)
            )
        ) from None


def _policy(policy: Any) -> Policy:
    if policy is None:
        return Policy()
    if not isinstance(policy, Policy):
        return Policy.of(policy)
    return policy


def code_form(text: Any, length: int) -> str:
    """What was typed, if it can be a code of ``length`` digits; else ValidationError in words
    (such input is not counted as a try: it cannot be right)."""
    if not isinstance(text, str):
        raise ValidationError(_("The code is typed as digits."))
    code = "".join(text.split())
    if not code:
        raise ValidationError(_("Type the code the customer reads out, then Enter."))
    if not (code.isascii() and code.isdigit()):
        raise ValidationError(
            _("The code has only digits: {code!r} has letters or signs. Retype it.").format(
                code=code[:12]
            )
        )
    if len(code) != length:
        raise ValidationError(
            _("The code has {length} digits, not {typed}: retype it.").format(
                length=length, typed=len(code)
            )
        )
    return code


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _live_key(purpose: Purpose, receipt_uuid: str) -> str:
    return f"{purpose.value}:{receipt_uuid}"


def _customer_of(value: Any) -> Customer:
    customer_id = check_id(getattr(value, "id", value), _("The customer"))
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None or customer.status != "active":
        raise ValidationError(_("That customer card is not active: check the card."))
    return customer


def _phones_of(customer_id: int) -> set[str]:
    rows = CustomerPhone.select(CustomerPhone.phone).where(CustomerPhone.customer == customer_id)
    return {r.phone for r in rows}


def _recipient(
    purpose: Purpose, phone_or_customer: Any, customer: Any
) -> tuple[str, Customer | None]:
    """(E.164 phone, customer) a code goes to: a card's main phone, or a typed phone and the
    one active card that has it (the one chosen, when a family shares it)."""
    from torgtui.customers.phones import normalize_phone
    from torgtui.customers.service import SeveralCustomers

    if isinstance(phone_or_customer, str):
        phone = normalize_phone(phone_or_customer)
        if customer is not None:
            chosen = _customer_of(customer)
            if phone != chosen.phone and phone not in _phones_of(chosen.id):
                raise ValidationError(
                    _("{phone} is not a phone of {name}'s card.").format(
                        phone=phone, name=chosen.name
                    )
                )
            return phone, chosen
        ids = CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.phone == phone)
        found = list(
            Customer.select()
            .where(
                ((Customer.phone == phone) | Customer.id.in_(ids)) & (Customer.status == "active")
            )
            .order_by(Customer.id)
            .limit(20)
        )
        if len(found) > 1:
            raise SeveralCustomers(
                _("{n} cards have this phone: choose the customer's card first.").format(
                    n=len(found)
                ),
                found,
            )
        if not found and purpose is not Purpose.CERTIFICATE:
            raise ValidationError(
                _("No card has the phone {phone}: check it, or add the customer (F6).").format(
                    phone=phone
                )
            )
        return phone, found[0] if found else None
    chosen = _customer_of(phone_or_customer)
    if not chosen.phone:
        raise ValidationError(
            _(
                "{name}'s card has no phone: a code cannot be sent. A senior may let it through "
                "without one."
            ).format(name=chosen.name)
        )
    return chosen.phone, chosen


def _message(policy: Policy, code: str, language: str) -> str:
    """The SMS in the customer's language: the shop's own template for verification codes
    (torgtui.channels.templates) when it holds the code, else the built-in text. Message texts
    are the customer's, not the screen's: they are not in the translation catalogs."""
    variables = {"code": code, "minutes": policy.ttl_minutes, "shop": policy.shop}
    language = language if language in BUILT_IN else "uk"
    try:
        from torgtui.channels import templates

        rendered = templates.render(KIND, language, variables)
        text = str(getattr(rendered, "text", rendered))
        if code in text:
            return text
    except Exception:  # any trouble with the shop's template: the built-in text goes
        pass
    return BUILT_IN[language].format(**variables).strip()


def _audit(
    action: str,
    by: Employee | None,
    row: VerificationCode,
    now: dt.datetime,
    terminal: str,
    **facts: Any,
) -> None:
    staff.audit(
        f"verification.{action}",
        by,
        object_type="verification",
        object_id=row.id,
        after={
            "purpose": row.purpose,
            "receipt": row.receipt_uuid,
            "customer": row.customer_id,
            "amount": row.amount,
            **facts,
        },
        terminal=terminal,
        clock=lambda: now,
    )


def _latest(purpose: Purpose, receipt_uuid: str) -> VerificationCode | None:
    return (
        VerificationCode.select()
        .where(
            (VerificationCode.receipt_uuid == receipt_uuid)
            & (VerificationCode.purpose == purpose.value)
        )
        .order_by(VerificationCode.id.desc())
        .first()
    )


def _retire_live(purpose: Purpose, receipt_uuid: str, now: dt.datetime) -> None:
    """The live code of this purpose and receipt, if any, steps aside: expired when its time
    is up, else replaced."""
    key = _live_key(purpose, receipt_uuid)
    VerificationCode.update(state=State.EXPIRED.value, live_key=None).where(
        (VerificationCode.live_key == key) & (VerificationCode.expires_at <= now)
    ).execute()
    VerificationCode.update(state=State.REPLACED.value, live_key=None).where(
        VerificationCode.live_key == key
    ).execute()


# --- the service --------------------------------------------------------------------------


def request_code(
    purpose: Purpose | str,
    phone_or_customer: Any,
    *,
    receipt_uuid: str,
    by: Employee | None,
    now: dt.datetime,
    customer: Any = None,
    amount: int = 0,
    policy: Policy | Any = None,
    terminal: str = "",
) -> Sent:
    """Send a new code for ``purpose`` on this receipt: to a card's main phone (a Customer or
    its id), or to a typed phone (the active card that has it; ``customer`` picks one when a
    family shares the phone). ``amount``: the bonuses it allows to spend. Writes the code's
    row and its SMS to the outbox (the sender sends it in the background) in one
    transaction, audited; any live code of this purpose and receipt is replaced."""
    staff.require(by, Permission.SELL)
    purpose = _purpose(purpose)
    receipt_uuid = check_uuid(receipt_uuid)
    policy = _policy(policy)
    amount = check_kopecks(amount, _("The bonuses"))
    if purpose is Purpose.BONUS and amount <= 0:
        raise ValidationError(_("Say how much is paid with bonuses before a code is sent."))
    terminal = check_text(terminal, _("The register"), max_len=60)
    phone, owner = _recipient(purpose, phone_or_customer, customer)
    digits = "".join(secrets.choice("0123456789") for _i in range(policy.code_length))
    salt = secrets.token_hex(16)
    from torgtui.channels import outbox

    try:
        with write_tx():
            rows = list(
                VerificationCode.select(
                    VerificationCode.id, VerificationCode.resend_after, VerificationCode.state
                )
                .where(
                    (VerificationCode.receipt_uuid == receipt_uuid)
                    & (VerificationCode.purpose == purpose.value)
                    & (VerificationCode.state != State.SKIPPED.value)
                )
                .order_by(VerificationCode.id.desc())
            )
            if rows and rows[0].resend_after > now:
                wait = max(1, -(-int((rows[0].resend_after - now).total_seconds()) // 1))
                raise ValidationError(
                    _("A code was sent a moment ago: a new one can go in {seconds} s.").format(
                        seconds=wait
                    )
                )
            if len(rows) >= MAX_CODES:
                raise ValidationError(
                    _(
                        "{n} codes were sent for this receipt already: no more. A senior may let "
                        "it through without a code."
                    ).format(n=MAX_CODES)
                )
            _retire_live(purpose, receipt_uuid, now)
            row = VerificationCode.create(
                purpose=purpose.value,
                receipt_uuid=receipt_uuid,
                phone=phone,
                customer=owner.id if owner is not None else None,
                amount=amount,
                salt=salt,
                code_hash=_digest(salt, digits),
                length=policy.code_length,
                state=State.LIVE.value,
                live_key=_live_key(purpose, receipt_uuid),
                attempts=0,
                max_attempts=policy.attempts,
                created_at=now,
                expires_at=now + dt.timedelta(minutes=policy.ttl_minutes),
                resend_after=now + dt.timedelta(seconds=policy.cooldown_seconds),
                employee=by.id if by is not None else None,
            )
            language = (owner.language if owner is not None else "") or "uk"
            outbox_id = outbox.enqueue(
                owner.id if owner is not None else None,
                KIND,
                f"verification:{row.id}",
                channel="sms",
                to=phone,
                text=_message(policy, digits, language),
                marketing=False,
                now=now,
            )
            VerificationCode.update(outbox_id=outbox_id).where(
                VerificationCode.id == row.id
            ).execute()
            _audit("sent", by, row, now, terminal, outbox=outbox_id, phone=phone[-4:])
    except peewee.IntegrityError:
        raise ValidationError(
            _("Another register is sending a code for this receipt: wait a moment.")
        ) from None
    return Sent(
        row.id,
        purpose.value,
        receipt_uuid,
        phone,
        row.customer_id,
        amount,
        row.expires_at,
        row.resend_after,
        outbox_id,
    )


def resend(
    purpose: Purpose | str,
    *,
    receipt_uuid: str,
    by: Employee | None,
    now: dt.datetime,
    policy: Policy | Any = None,
    terminal: str = "",
) -> Sent:
    """A new code to the same phone, card and amount as the last one (after the cooldown)."""
    purpose = _purpose(purpose)
    receipt_uuid = check_uuid(receipt_uuid)
    last = (
        VerificationCode.select()
        .where(
            (VerificationCode.receipt_uuid == receipt_uuid)
            & (VerificationCode.purpose == purpose.value)
            & (VerificationCode.state != State.SKIPPED.value)
        )
        .order_by(VerificationCode.id.desc())
        .first()
    )
    if last is None:
        raise ValidationError(_("No code was sent for this receipt yet."))
    return request_code(
        purpose,
        last.phone,
        receipt_uuid=receipt_uuid,
        by=by,
        now=now,
        customer=last.customer_id,
        amount=last.amount,
        policy=policy,
        terminal=terminal,
    )


def _refusal(row: VerificationCode | None) -> str:
    if row is None:
        return _("No code was sent for this receipt: send one first.")
    state = State(row.state)
    if state is State.USED:
        return _("That code was used already.")
    if state is State.EXHAUSTED:
        return _("Too many wrong codes: this one is spent. Send a new code.")
    if state is State.EXPIRED:
        return _("The code has expired: send a new one.")
    if state is State.SKIPPED:
        return _("This was let through without a code already.")
    return _("That code was replaced by a newer one: type the newest.")


def check_code(
    purpose: Purpose | str,
    code: Any,
    *,
    receipt_uuid: str,
    by: Employee | None,
    now: dt.datetime,
    terminal: str = "",
) -> Passed:
    """Check what the customer read out against the live code of ``purpose`` on this receipt.
    Right: the code is used (it serves this receipt) and the purpose is passed. Wrong: one try
    less, and the last wrong try spends the code. Every check is audited; a refusal is a
    ValidationError in words, raised after what it counted is saved."""
    staff.require(by, Permission.SELL)
    purpose = _purpose(purpose)
    receipt_uuid = check_uuid(receipt_uuid)
    terminal = check_text(terminal, _("The register"), max_len=60)
    row = VerificationCode.get_or_none(
        VerificationCode.live_key == _live_key(purpose, receipt_uuid)
    )
    if row is None:
        raise ValidationError(_refusal(_latest(purpose, receipt_uuid)))
    typed = code_form(code, row.length)  # not a code at all: refused, not counted
    refusal = ""
    with write_tx():
        if row.expires_at <= now:
            VerificationCode.update(state=State.EXPIRED.value, live_key=None).where(
                (VerificationCode.id == row.id) & (VerificationCode.state == State.LIVE.value)
            ).execute()
            _audit("expired", by, row, now, terminal, attempts=row.attempts)
            refusal = _("The code has expired: send a new one.")
        else:
            reserved = (
                VerificationCode.update(attempts=VerificationCode.attempts + 1)
                .where(
                    (VerificationCode.id == row.id)
                    & (VerificationCode.state == State.LIVE.value)
                    & (VerificationCode.attempts < VerificationCode.max_attempts)
                )
                .execute()
            )
            if not reserved:
                refusal = _refusal(VerificationCode.get_by_id(row.id))
    if refusal:
        raise ValidationError(refusal)
    right = hmac.compare_digest(_digest(row.salt, typed), row.code_hash)
    with write_tx():
        current = VerificationCode.get_by_id(row.id)
        if right:
            used = (
                VerificationCode.update(state=State.USED.value, live_key=None, used_at=now)
                .where(
                    (VerificationCode.id == row.id) & (VerificationCode.state == State.LIVE.value)
                )
                .execute()
            )
            if used:
                _audit("passed", by, current, now, terminal, attempts=current.attempts)
                return Passed(
                    row.id, purpose.value, receipt_uuid, row.customer_id, row.amount, "used"
                )
            refusal = _refusal(current)
        else:
            left = current.max_attempts - current.attempts
            if left <= 0:
                VerificationCode.update(state=State.EXHAUSTED.value, live_key=None).where(
                    (VerificationCode.id == row.id) & (VerificationCode.state == State.LIVE.value)
                ).execute()
                refusal = _("Wrong code, and that was the last try: send a new code.")
            else:
                refusal = _("Wrong code: {left} tries left.").format(left=left)
            _audit("failed", by, current, now, terminal, attempts=current.attempts, left=left)
    raise ValidationError(refusal)


def _skip_subject(purpose: Purpose, customer_id: int | None, amount: int) -> dict[str, Any]:
    return {"purpose": purpose.value, "customer": customer_id, "amount": amount}


def skip(
    purpose: Purpose | str,
    *,
    receipt_uuid: str,
    by: Employee | None,
    now: dt.datetime,
    customer: Any = None,
    amount: int = 0,
    approval: Approval | None = None,
    terminal: str = "",
) -> Passed:
    """Go on without a code (the customer has no phone with them): by the employee's own
    ``skip_verification`` right, else ApprovalNeeded until a senior's PIN yields ``approval``
    (see torgtui.screens.approval.with_approval). Audited with who allowed it."""
    staff.require(by, Permission.SELL)
    assert by is not None
    purpose = _purpose(purpose)
    receipt_uuid = check_uuid(receipt_uuid)
    amount = check_kopecks(amount, _("The bonuses"))
    terminal = check_text(terminal, _("The register"), max_len=60)
    owner = _customer_of(customer) if customer is not None else None
    subject = _skip_subject(purpose, owner.id if owner else None, amount)
    clock = lambda: now  # noqa: E731
    if approval is None:
        if not approvals.may(by, Action.SKIP_VERIFICATION, subject):
            raise ApprovalNeeded(
                _(
                    "{name} may not go on without the customer's code: ask {whom} to confirm."
                ).format(name=by.name, whom=staff.ask_whom(Permission.SKIP_VERIFICATION, by)),
                action=Action.SKIP_VERIFICATION,
                scope=receipt_uuid,
                subject=subject,
                requester=by,
            )
        approval = approvals.grant_own(
            by,
            action=Action.SKIP_VERIFICATION,
            scope=receipt_uuid,
            subject=subject,
            clock=clock,
            terminal=terminal,
        )
    with write_tx():
        approval_id = approvals.use(
            approval,
            action=Action.SKIP_VERIFICATION,
            scope=receipt_uuid,
            subject=subject,
            clock=clock,
        )
        _retire_live(purpose, receipt_uuid, now)
        row = VerificationCode.create(
            purpose=purpose.value,
            receipt_uuid=receipt_uuid,
            phone=(owner.phone or "") if owner is not None else "",
            customer=owner.id if owner is not None else None,
            amount=amount,
            salt="",
            code_hash="",
            length=0,
            state=State.SKIPPED.value,
            live_key=None,
            attempts=0,
            max_attempts=0,
            created_at=now,
            expires_at=now,
            resend_after=now,
            used_at=now,
            employee=by.id,
            approval_id=approval_id,
        )
        _audit("skipped", by, row, now, terminal, approved_by=approval.approver_id)
    return Passed(
        row.id,
        purpose.value,
        receipt_uuid,
        row.customer_id,
        amount,
        "skipped",
        approval.approver_id,
    )


def may_skip(employee: Employee | None) -> bool:
    """Whether ``employee`` may go on without a code by their own right (no PIN)."""
    return staff.can(employee, Permission.SKIP_VERIFICATION)


def passed(
    purpose: Purpose | str, *, receipt_uuid: str, customer_id: int | None, amount: int = 0
) -> Passed | None:
    """The confirmation of ``purpose`` on this receipt for this card covering ``amount``
    (a code typed right, or a skip whose approver still may), or None."""
    purpose = _purpose(purpose)
    rows = (
        VerificationCode.select()
        .where(
            (VerificationCode.receipt_uuid == receipt_uuid)
            & (VerificationCode.purpose == purpose.value)
            & VerificationCode.state.in_([s.value for s in PASSED])
            & (VerificationCode.amount >= amount)
        )
        .order_by(VerificationCode.id.desc())
    )
    for row in rows:
        if row.customer_id != customer_id:
            continue
        approver = None
        if row.state == State.SKIPPED.value:
            try:
                approver = approvals.check(
                    row.approval_id,
                    action=Action.SKIP_VERIFICATION,
                    scope=row.receipt_uuid,
                    subject=_skip_subject(purpose, row.customer_id, row.amount),
                ).id
            except PermissionDenied:
                continue
        return Passed(
            row.id, row.purpose, row.receipt_uuid, row.customer_id, row.amount, row.state, approver
        )
    return None


def require_for_bonus(receipt_uuid: str, customer_id: int | None, paid: int, policy: Any) -> None:
    """At checkout (the bonus tender's sale hook): paying ``paid`` with bonuses, when the
    policy asks for a code at that amount, needs a code typed right (or a skip) for this
    receipt and this card, for at least that amount. Else the sale is refused in words."""
    policy = _policy(policy)
    if not policy.bonus_needs_code(paid):
        return
    if passed(Purpose.BONUS, receipt_uuid=receipt_uuid, customer_id=customer_id, amount=paid):
        return
    raise ValidationError(
        _(
            "Paying {amount} with bonuses needs the customer's SMS code: press F2 at the "
            "register to send it. Nothing was saved."
        ).format(amount=format_money(paid))
    )


def live_code(purpose: Purpose | str, receipt_uuid: str) -> VerificationCode | None:
    """The live code of ``purpose`` on this receipt (for the screen: its phone, expiry and
    when a new one may go), or None."""
    purpose = _purpose(purpose)
    return VerificationCode.get_or_none(
        VerificationCode.live_key == _live_key(purpose, receipt_uuid)
    )
