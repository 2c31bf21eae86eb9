"""Property: any sequence of sales on account, payments (item by item or oldest first) and
partial returns, in any VIP mode, keeps the books. After every step the ledger's caches and
the VIP list's equal the entries, the balance never goes below minus the limit, it equals what
was bought on account less what was paid and given back, and no receipt gets more back on
account than it put there -- exactly as much once all of it has come back."""

from __future__ import annotations

import itertools
import uuid as uuidlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_vip import customer, give_back, sell
from torgtui.errors import ValidationError
from torgtui.marketing import ledger, vip, vip_checkout
from torgtui.models import Payment, Receipt
from torgtui.sales.checkout import Tender
from torgtui.sales.returns import returnable
from torgtui.sales.shifts import open_shift

LIMIT = 400000
_cards = itertools.count(1)

STEPS = st.lists(
    st.one_of(
        # a sale: dresses, creams, what part of it goes on account (percent)
        st.tuples(st.just("sell"), st.integers(0, 2), st.integers(0, 3), st.integers(1, 100)),
        # a payment: amount, whether to name the newest open item first
        st.tuples(st.just("pay"), st.integers(1, 200000), st.booleans(), st.just(0)),
        # a return: which receipt (from the end), which line, how many pieces
        st.tuples(st.just("return"), st.integers(0, 5), st.integers(0, 1), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)


def credit_paid(receipt_id: int) -> int:
    return sum(
        p.amount
        for p in Payment.select().where(
            (Payment.receipt == receipt_id) & (Payment.tender == "credit")
        )
    )


def credit_back(receipt_id: int) -> int:
    return sum(
        p.amount
        for p in Payment.select()
        .join(Receipt)
        .where((Receipt.original == receipt_id) & (Payment.tender == "credit"))
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mode=st.sampled_from(["credit", "account", "items"]), steps=STEPS)
def test_any_sequence_keeps_the_vip_books(staff, shop, shift, clock, mode, steps) -> None:
    c = customer(f"VIP {mode}", f"2955{next(_cards):09d}")
    vip.set_vip(c.id, mode, limit=LIMIT, term_days=10, by=staff["manager"], clock=clock)
    receipts: list[Receipt] = []
    bought = paid = 0
    for op, a, b, n in steps:
        if op == "sell":
            codes = [f"{a}*{shop.dress_code}"] * bool(a) + [f"{b}*{shop.cream_code}"] * bool(b)
            if not codes:
                continue
            total = 125000 * a + 18990 * b
            on_account = total * n // 100
            tenders = [Tender("credit", on_account)] if on_account else []
            if total - on_account:
                tenders.append(Tender("card", total - on_account))
            room = vip.state_of(c.id, clock()).available  # type: ignore[union-attr]
            if on_account > room:
                with pytest.raises(ValidationError, match="Over the credit limit"):
                    sell(staff, shift, clock, c.id, codes, tenders)
                continue
            receipts.append(sell(staff, shift, clock, c.id, codes, tenders))
            bought += on_account
        elif op == "pay":
            state = vip.state_of(c.id, clock())
            assert state is not None
            if mode != "account" and a > state.debt:
                a = state.debt
            if not a:
                continue
            account = ledger.find_account(ledger.Kind.VIP, "customer", c.id)
            newest = ledger.open_items(account, -1)[-1:] if b else []  # type: ignore[arg-type]
            vip_checkout.take_payment(
                c.id,
                a,
                "cash",
                uuid=str(uuidlib.uuid4()),
                by=staff["cashier"],
                shift=shift,
                items=[i.entry_id for i in newest],
                clock=clock,
            )
            paid += a
        else:
            if not receipts:
                continue
            receipt = receipts[-1 - a % len(receipts)]
            left = [r for r in returnable(receipt) if r.left > 0]
            if not left:
                continue
            line = left[b % len(left)]
            qty = min(n * 1000, line.left)
            give_back(staff, shift, clock, receipt, {line.line.name: qty})
        check = vip.check(c.id)
        assert check.ok, check.problems
        state = vip.state_of(c.id, clock())
        assert state is not None and state.balance >= -LIMIT
        given_back = sum(credit_back(r.id) for r in receipts)
        assert state.balance == paid - bought + given_back
        for r in receipts:
            assert credit_back(r.id) <= credit_paid(r.id)
            if all(x.left == 0 for x in returnable(r)):
                assert credit_back(r.id) == credit_paid(r.id)
