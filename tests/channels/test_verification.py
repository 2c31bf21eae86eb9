"""SMS verification codes on both databases: expiry at the boundary, three wrong codes then
spent, the resend cooldown and cap, one live code per purpose and receipt, input that cannot
be a code refused in words without counting, hashed at rest, every step audited, skipping only
by right or with a senior's PIN, and checkout refusing a bonus payment without the customer's
code when the settings ask for one."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid as uuidlib

import peewee
import pytest

from torgtui import approvals
from torgtui.approvals import Action, ApprovalNeeded
from torgtui.channels import verification as ver
from torgtui.channels.verification import Policy, Purpose, State
from torgtui.customers.service import SeveralCustomers
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, ledger
from torgtui.models import (
    AuditEntry,
    Customer,
    CustomerPhone,
    LedgerEntry,
    OutboxMessage,
    Receipt,
)
from torgtui.models.verification import VerificationCode
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)
PHONE = "+380671234567"
POLICY = Policy(shop="Kvitka")


def receipt() -> str:
    return str(uuidlib.uuid4())


def customer(name: str = "Олена", phone: str | None = PHONE, **kw) -> Customer:
    c = Customer.create(name=name, phone=phone, created_at=NOW, updated_at=NOW, **kw)
    if phone:
        CustomerPhone.create(customer=c, phone=phone)
    return c


def code_of(sent: ver.Sent) -> str:
    """The code as the customer's phone gets it: from the SMS in the outbox."""
    text = OutboxMessage.get_by_id(sent.outbox_id).text
    return re.search(r"\d{4,6}", text).group(0)


def wrong(code: str) -> str:
    return str((int(code) + 1) % 10 ** len(code)).zfill(len(code))


def audit_actions() -> list[str]:
    return [
        e.action
        for e in AuditEntry.select().order_by(AuditEntry.id)
        if e.action.startswith("verification.")
    ]


# --- sending ---------------------------------------------------------------------------------


def test_a_code_goes_to_the_outbox_and_is_hashed_at_rest(db, staff) -> None:
    c = customer()
    uuid = receipt()
    sent = ver.request_code(
        Purpose.IDENTIFY,
        "067 123 45 67",
        receipt_uuid=uuid,
        by=staff["cashier"],
        now=NOW,
        policy=POLICY,
    )
    assert (sent.phone, sent.customer_id) == (PHONE, c.id)
    assert sent.expires_at == NOW + dt.timedelta(minutes=5)
    assert sent.resend_after == NOW + dt.timedelta(seconds=60)
    message = OutboxMessage.get_by_id(sent.outbox_id)
    assert (message.kind, message.channel, message.address, message.marketing) == (
        "verification_code",
        "sms",
        PHONE,
        False,
    )
    code = code_of(sent)
    assert len(code) == 4 and "Kvitka" in message.text
    # the plain code is nowhere in the verification table (nor in the audit)
    row = VerificationCode.get_by_id(sent.id)
    assert row.state == State.LIVE and row.outbox_id == sent.outbox_id
    stored = [str(v) for v in VerificationCode.select().dicts().get().values()]
    assert not any(code in value for value in stored if value != row.receipt_uuid)
    assert len(row.code_hash) == 64 and len(row.salt) == 32
    assert all(code not in (e.after or "") for e in AuditEntry.select())
    assert audit_actions() == ["verification.sent"]


def test_the_code_length_follows_the_settings(db, staff) -> None:
    customer()
    sent = ver.request_code(
        "bonus",
        PHONE,
        receipt_uuid=receipt(),
        by=staff["cashier"],
        now=NOW,
        amount=10000,
        policy=Policy(code_length=6),
    )
    assert len(code_of(sent)) == 6 and VerificationCode.get_by_id(sent.id).length == 6


def test_a_phone_nobody_has_a_shared_phone_and_a_card_without_one(db, staff) -> None:
    by = staff["cashier"]
    with pytest.raises(ValidationError, match="No card has the phone"):
        ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=by, now=NOW)
    mum, son = customer("Мама"), customer("Син")
    with pytest.raises(SeveralCustomers) as several:
        ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=by, now=NOW)
    assert {c.id for c in several.value.customers} == {mum.id, son.id}
    sent = ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=by, now=NOW, customer=son)
    assert sent.customer_id == son.id
    other = customer("Інша", phone="+380501112233")
    with pytest.raises(ValidationError, match="is not a phone of"):
        ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=by, now=NOW, customer=other)
    nophone = customer("Без телефону", phone=None)
    with pytest.raises(ValidationError, match="has no phone"):
        ver.request_code("bonus", nophone, receipt_uuid=receipt(), by=by, now=NOW, amount=100)
    with pytest.raises(ValidationError, match="not a phone number"):
        ver.request_code("identify", "abc", receipt_uuid=receipt(), by=by, now=NOW)
    with pytest.raises(ValidationError, match="Unknown verification purpose"):
        ver.request_code("login", PHONE, receipt_uuid=receipt(), by=by, now=NOW)
    with pytest.raises(ValidationError, match="how much is paid with bonuses"):
        ver.request_code("bonus", son, receipt_uuid=receipt(), by=by, now=NOW)
    assert VerificationCode.select().count() == 1 and OutboxMessage.select().count() == 1


def test_support_staff_may_not_send_codes(db, staff) -> None:
    customer()
    with pytest.raises(PermissionDenied):
        ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=staff["support"], now=NOW)
    assert VerificationCode.select().count() == 0


# --- checking --------------------------------------------------------------------------------


def test_the_right_code_passes_once(db, staff) -> None:
    c = customer()
    uuid = receipt()
    sent = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=staff["cashier"], now=NOW)
    done = ver.check_code(
        "identify", f" {code_of(sent)} ", receipt_uuid=uuid, by=staff["cashier"], now=NOW
    )
    assert (done.customer_id, done.state) == (c.id, "used")
    row = VerificationCode.get_by_id(sent.id)
    assert (row.state, row.live_key, row.used_at, row.attempts) == ("used", None, NOW, 1)
    with pytest.raises(ValidationError, match="used already"):
        ver.check_code("identify", code_of(sent), receipt_uuid=uuid, by=staff["cashier"], now=NOW)
    assert ver.passed("identify", receipt_uuid=uuid, customer_id=c.id) is not None
    assert audit_actions() == ["verification.sent", "verification.passed"]


def test_expiry_at_the_boundary(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    sent = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=NOW)
    code = code_of(sent)
    last_second = NOW + dt.timedelta(minutes=5) - dt.timedelta(microseconds=1)
    with pytest.raises(ValidationError, match="Wrong code: 2 tries left"):
        ver.check_code("identify", wrong(code), receipt_uuid=uuid, by=by, now=last_second)
    at_expiry = NOW + dt.timedelta(minutes=5)
    with pytest.raises(ValidationError, match="expired"):
        ver.check_code("identify", code, receipt_uuid=uuid, by=by, now=at_expiry)
    row = VerificationCode.get_by_id(sent.id)
    assert (row.state, row.live_key, row.attempts) == ("expired", None, 1)
    with pytest.raises(ValidationError, match="expired: send a new one"):
        ver.check_code("identify", code, receipt_uuid=uuid, by=by, now=at_expiry)
    assert audit_actions() == ["verification.sent", "verification.failed", "verification.expired"]


def test_a_code_typed_right_just_before_it_expires_passes(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    sent = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=NOW)
    just = NOW + dt.timedelta(minutes=5) - dt.timedelta(seconds=1)
    assert ver.check_code("identify", code_of(sent), receipt_uuid=uuid, by=by, now=just).id


def test_three_wrong_codes_spend_it(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    sent = ver.request_code("bonus", PHONE, receipt_uuid=uuid, by=by, now=NOW, amount=5000)
    code = code_of(sent)
    for left in ("2 tries left", "1 tries left"):
        with pytest.raises(ValidationError, match=left):
            ver.check_code("bonus", wrong(code), receipt_uuid=uuid, by=by, now=NOW)
    with pytest.raises(ValidationError, match="last try"):
        ver.check_code("bonus", wrong(code), receipt_uuid=uuid, by=by, now=NOW)
    row = VerificationCode.get_by_id(sent.id)
    assert (row.state, row.attempts, row.live_key) == ("exhausted", 3, None)
    # the right code no longer helps
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        ver.check_code("bonus", code, receipt_uuid=uuid, by=by, now=NOW)
    assert ver.passed("bonus", receipt_uuid=uuid, customer_id=sent.customer_id) is None
    fails = [
        json.loads(e.after)
        for e in AuditEntry.select().where(AuditEntry.action == "verification.failed")
    ]
    assert [(f["attempts"], f["left"]) for f in fails] == [(1, 2), (2, 1), (3, 0)]


def test_letters_and_the_wrong_length_are_refused_without_a_try(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    sent = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=NOW)
    for typed, why in (
        ("12a4", "only digits"),
        ("１２３４", "only digits"),  # full-width digits are not the ASCII the SMS has
        ("123", "has 4 digits, not 3"),
        ("12345", "has 4 digits, not 5"),
        ("", "Type the code"),
        (1234, "typed as digits"),
    ):
        with pytest.raises(ValidationError, match=why):
            ver.check_code("identify", typed, receipt_uuid=uuid, by=by, now=NOW)
    row = VerificationCode.get_by_id(sent.id)
    assert (row.attempts, row.state) == (0, "live")
    assert audit_actions() == ["verification.sent"]
    assert ver.check_code("identify", code_of(sent), receipt_uuid=uuid, by=by, now=NOW)


def test_a_check_without_a_code_sent(db, staff) -> None:
    with pytest.raises(ValidationError, match="No code was sent"):
        ver.check_code("identify", "1234", receipt_uuid=receipt(), by=staff["cashier"], now=NOW)
    with pytest.raises(ValidationError, match="receipt id"):
        ver.check_code("identify", "1234", receipt_uuid="nope", by=staff["cashier"], now=NOW)


# --- resend, one code per purpose and receipt -------------------------------------------------


def test_resend_waits_for_the_cooldown_and_replaces_the_code(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    first = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=NOW)
    with pytest.raises(ValidationError, match="in 60 s"):
        ver.resend("identify", receipt_uuid=uuid, by=by, now=NOW)
    with pytest.raises(ValidationError, match="in 1 s"):
        ver.resend("identify", receipt_uuid=uuid, by=by, now=NOW + dt.timedelta(seconds=59.5))
    later = NOW + dt.timedelta(seconds=60)
    second = ver.resend("identify", receipt_uuid=uuid, by=by, now=later)
    assert second.id != first.id and second.outbox_id != first.outbox_id
    assert VerificationCode.get_by_id(first.id).state == "replaced"
    live = VerificationCode.select().where(VerificationCode.live_key.is_null(False))
    assert [r.id for r in live] == [second.id]
    # the old code is no good any more, the new one is
    if code_of(first) != code_of(second):
        with pytest.raises(ValidationError, match="Wrong code"):
            ver.check_code("identify", code_of(first), receipt_uuid=uuid, by=by, now=later)
    assert ver.check_code("identify", code_of(second), receipt_uuid=uuid, by=by, now=later)


def test_one_live_code_per_purpose_and_receipt(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    a = ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=NOW)
    b = ver.request_code("bonus", PHONE, receipt_uuid=uuid, by=by, now=NOW, amount=100)
    c = ver.request_code("identify", PHONE, receipt_uuid=receipt(), by=by, now=NOW)
    assert len({a.id, b.id, c.id}) == 3
    assert VerificationCode.select().where(VerificationCode.state == "live").count() == 3
    # the database itself refuses a second live row for the same purpose and receipt
    row = VerificationCode.get_by_id(a.id)
    with pytest.raises(peewee.IntegrityError), db.atomic():
        VerificationCode.create(
            **{
                **{f: getattr(row, f) for f in VerificationCode._meta.fields if f != "id"},
                "customer": row.customer_id,
                "employee": row.employee_id,
            }
        )
    assert VerificationCode.select().count() == 3


def test_at_most_five_codes_per_receipt(db, staff) -> None:
    customer()
    uuid, by = receipt(), staff["cashier"]
    at = NOW
    for _i in range(ver.MAX_CODES):
        ver.request_code("identify", PHONE, receipt_uuid=uuid, by=by, now=at)
        at += dt.timedelta(seconds=60)
    with pytest.raises(ValidationError, match="5 codes were sent"):
        ver.resend("identify", receipt_uuid=uuid, by=by, now=at)
    assert OutboxMessage.select().count() == ver.MAX_CODES


# --- skipping --------------------------------------------------------------------------------


def test_a_cashier_skips_only_with_a_seniors_pin(db, staff, clock) -> None:
    c = customer()
    uuid, cashier = receipt(), staff["cashier"]
    with pytest.raises(ApprovalNeeded) as needed:
        ver.skip("bonus", receipt_uuid=uuid, by=cashier, now=NOW, customer=c, amount=5000)
    assert {e.name for e in needed.value.confirmers()} == {
        "Serhii Senior",
        "Maria Manager",
        "Olena Owner",
    }
    # a PIN given for another receipt, or another amount, does not serve
    other = approvals.grant(
        staff["senior_cashier"].id,
        "4444",
        action=Action.SKIP_VERIFICATION,
        scope=uuid,
        subject={"purpose": "bonus", "customer": c.id, "amount": 9999},
        clock=lambda: NOW,
    )
    with pytest.raises(ValidationError, match="given for something else"):
        ver.skip(
            "bonus",
            receipt_uuid=uuid,
            by=cashier,
            now=NOW,
            customer=c,
            amount=5000,
            approval=other,
        )
    # a cashier cannot approve it for someone else
    with pytest.raises(PermissionDenied):
        approvals.grant(
            cashier.id,
            "3333",
            action=needed.value.action,
            scope=needed.value.scope,
            subject=needed.value.subject,
            clock=lambda: NOW,
        )
    approval = approvals.grant(
        staff["senior_cashier"].id,
        "4444",
        action=needed.value.action,
        scope=needed.value.scope,
        subject=needed.value.subject,
        clock=lambda: NOW,
    )
    done = ver.skip(
        "bonus",
        receipt_uuid=uuid,
        by=cashier,
        now=NOW,
        customer=c,
        amount=5000,
        approval=approval,
    )
    assert (done.state, done.approver_id) == ("skipped", staff["senior_cashier"].id)
    assert ver.passed("bonus", receipt_uuid=uuid, customer_id=c.id, amount=5000)
    assert ver.passed("bonus", receipt_uuid=uuid, customer_id=c.id, amount=5001) is None
    skipped = AuditEntry.get(AuditEntry.action == "verification.skipped")
    assert skipped.employee_id == cashier.id
    assert json.loads(skipped.after)["approved_by"] == staff["senior_cashier"].id
    # the approval is spent: it does not serve twice
    with pytest.raises(ValidationError, match="already used"):
        ver.skip(
            "bonus",
            receipt_uuid=uuid,
            by=cashier,
            now=NOW,
            customer=c,
            amount=5000,
            approval=approval,
        )


def test_a_senior_skips_by_their_own_right(db, staff) -> None:
    c = customer()
    uuid = receipt()
    sent = ver.request_code(
        "identify", PHONE, receipt_uuid=uuid, by=staff["senior_cashier"], now=NOW
    )
    assert ver.may_skip(staff["senior_cashier"]) and not ver.may_skip(staff["cashier"])
    done = ver.skip("identify", receipt_uuid=uuid, by=staff["senior_cashier"], now=NOW, customer=c)
    assert done.approver_id == staff["senior_cashier"].id
    assert VerificationCode.get_by_id(sent.id).state == "replaced"  # the code sent is off
    assert audit_actions() == ["verification.sent", "verification.skipped"]


# --- the bonus payment, checked by the service -------------------------------------------------


@pytest.fixture
def bonus_sale(db, staff, shop, clock):
    shift = open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)
    c = customer()
    ledger.post(bonuses.account_of(c.id, NOW), 20000, "earn", now=NOW)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(shop.cream_code)  # 189.90
    reg.attach_customer(c)

    def pay(spend: int, policy: Policy):
        reg.redeem_bonus(spend)
        return commit_sale(
            reg.basket,
            [Tender("bonus", spend), Tender("card", 18990 - spend)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
            verification=policy,
        )

    return reg, c, pay


ALWAYS = Policy(bonus_confirm="always")
ABOVE_100 = Policy(bonus_confirm="above", bonus_confirm_above=10000)


def test_checkout_refuses_bonuses_without_the_code(db, staff, bonus_sale, clock) -> None:
    reg, c, pay = bonus_sale
    with pytest.raises(ValidationError, match="needs the customer's SMS code"):
        pay(5000, ALWAYS)
    assert Receipt.select().count() == 0 and bonuses.balance_of(c.id) == 20000
    # a code for a smaller amount does not cover a bigger payment
    sent = ver.request_code(
        "bonus", c, receipt_uuid=reg.uuid, by=staff["cashier"], now=clock(), amount=1000
    )
    ver.check_code("bonus", code_of(sent), receipt_uuid=reg.uuid, by=staff["cashier"], now=clock())
    with pytest.raises(ValidationError, match="needs the customer's SMS code"):
        pay(5000, ALWAYS)
    clock.advance(seconds=60)
    sent = ver.request_code(
        "bonus", c, receipt_uuid=reg.uuid, by=staff["cashier"], now=clock(), amount=5000
    )
    ver.check_code("bonus", code_of(sent), receipt_uuid=reg.uuid, by=staff["cashier"], now=clock())
    receipt_row = pay(5000, ALWAYS)
    spent = LedgerEntry.get((LedgerEntry.receipt == receipt_row.id) & (LedgerEntry.kind == "spend"))
    assert spent.amount == -5000


def test_above_an_amount_only_bigger_payments_need_a_code(db, staff, bonus_sale) -> None:
    _reg, _c, pay = bonus_sale
    with pytest.raises(ValidationError, match="Paying 100.01"):
        pay(10001, ABOVE_100)
    receipt_row = pay(10000, ABOVE_100)  # at the amount: no code
    assert receipt_row.total == 18990
    assert not ABOVE_100.bonus_needs_code(0) and not Policy().bonus_needs_code(10**9)


def test_a_code_of_another_card_or_receipt_does_not_serve(db, staff, bonus_sale, clock) -> None:
    reg, c, pay = bonus_sale
    other = customer("Інша", phone="+380501112233")
    sent = ver.request_code(
        "bonus", other, receipt_uuid=reg.uuid, by=staff["cashier"], now=clock(), amount=5000
    )
    ver.check_code("bonus", code_of(sent), receipt_uuid=reg.uuid, by=staff["cashier"], now=clock())
    elsewhere = ver.request_code(
        "bonus", c, receipt_uuid=receipt(), by=staff["cashier"], now=clock(), amount=5000
    )
    ver.check_code(
        "bonus",
        code_of(elsewhere),
        receipt_uuid=elsewhere.receipt_uuid,
        by=staff["cashier"],
        now=clock(),
    )
    with pytest.raises(ValidationError, match="needs the customer's SMS code"):
        pay(5000, ALWAYS)


def test_a_skip_lets_the_payment_through_while_its_approver_still_may(
    db, staff, bonus_sale, clock
) -> None:
    reg, c, pay = bonus_sale
    ver.skip(
        "bonus",
        receipt_uuid=reg.uuid,
        by=staff["senior_cashier"],
        now=clock(),
        customer=c,
        amount=5000,
    )
    from torgtui import roles

    roles.set_role_permission(
        "senior_cashier", "skip_verification", False, by=staff["owner"], clock=clock
    )
    with pytest.raises(ValidationError, match="needs the customer's SMS code"):
        pay(5000, ALWAYS)
    roles.set_role_permission(
        "senior_cashier", "skip_verification", True, by=staff["owner"], clock=clock
    )
    assert pay(5000, ALWAYS).total == 18990
