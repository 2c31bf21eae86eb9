"""Property: any sequence of sales with a code of N uses and a per-customer limit, partial
returns and whole returns keeps the counts. After every step a code's ``used`` is the number of
its uses in force, never more than N, their slots are exactly 1..used, each customer's count of
the batch is their uses in force, never more than the limit, and whether the register took the
code is what a plain-Python model of the rules says."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit import codes_shop
from tests.unit.codes_shop import batch, give_back, pay, person, register
from torgtui.errors import ValidationError
from torgtui.models.codes import PromoCode, PromoCodeUse, PromoCustomerUse
from torgtui.sales.returns import returnable

promo, shift = codes_shop.promo, codes_shop.shift  # fixtures
_runs = itertools.count(1)
FIELDS = (
    "code", "name", "promotion_id", "channel", "style", "prefix", "length", "given",
    "uses_per_code", "per_customer", "personal", "valid_from", "valid_until", "location_ids",
    "note",
)  # fmt: skip

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.integers(0, 2)),  # who: customer 0, 1, or nobody (2)
        st.tuples(st.just("part"), st.integers(0, 9)),  # return the cream of a receipt
        st.tuples(st.just("whole"), st.integers(0, 9)),  # return what is left of a receipt
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(uses=st.integers(1, 3), limit=st.integers(0, 2), steps=STEPS)
def test_any_sequence_keeps_the_code_counts(
    staff, shop, shift, clock, promo, uses, limit, steps
) -> None:
    run = next(_runs)
    code = f"PROP{run:04d}"
    found = batch(
        staff, clock, promo, f"P{run}", style="given", given=code, uses_per_code=uses,
        per_customer=limit,
    )  # fmt: skip
    people = [person(f"P{run}a", f"29{run:05d}00011"), person(f"P{run}b", f"29{run:05d}00028")]
    receipts: list[tuple[object, int | None]] = []  # (receipt, customer index), with the code
    in_force: dict[int, int | None] = {}  # receipt id -> customer index, uses in force
    for op, n in steps:
        if op == "sell":
            who = None if n == 2 else n
            reg = register(staff, shop, clock)
            if who is not None:
                reg.attach_customer(people[who])
            reg.enter(shop.dress_code)
            reg.enter(shop.cream_code)
            mine = sum(1 for w in in_force.values() if w == who and who is not None)
            expected = len(in_force) < uses and (not limit or (who is not None and mine < limit))
            try:
                reg.enter(code)
                took = True
            except ValidationError:
                took = False
            assert took == expected, (op, who, in_force)
            receipt = pay(staff, shift, clock, reg)
            if took:
                receipts.append((receipt, who))
                in_force[receipt.id] = who
        elif receipts:
            receipt, who = receipts[n % len(receipts)]
            left = {r.line.product.sku: r for r in returnable(receipt) if r.left > 0}
            if not left:
                continue
            if op == "part" and "C-1" in left and len(left) > 1:
                give_back(staff, shift, clock, receipt, {"C-1": left["C-1"].left})
            else:
                give_back(staff, shift, clock, receipt, {s: r.left for s, r in left.items()})
                in_force.pop(receipt.id, None)  # the whole receipt is back: its use too
        row = PromoCode.get(PromoCode.batch == found.id)
        live = list(
            PromoCodeUse.select().where(
                (PromoCodeUse.code == row.id) & PromoCodeUse.returned_at.is_null()
            )
        )
        assert row.used == len(live) == len(in_force) <= uses
        assert sorted(u.slot for u in live) == list(range(1, row.used + 1))
        assert {u.receipt_id for u in live} == set(in_force)
        for i, p in enumerate(people):
            counted = PromoCustomerUse.get_or_none(batch=found.id, customer=p.id)
            mine = sum(1 for w in in_force.values() if w == i)
            assert (counted.used if counted else 0) == mine
            assert not limit or mine <= limit


def test_the_model_is_not_vacuous(staff, shop, shift, clock, promo) -> None:
    """The property's model refuses what the register refuses (one sale over the limit)."""
    found = batch(
        staff, clock, promo, "P0", style="given", given="PROPZERO", per_customer=1, uses_per_code=5
    )
    olya = person()
    for expected in (True, False):
        reg = register(staff, shop, clock)
        reg.attach_customer(olya)
        reg.enter(shop.cream_code)
        if expected:
            reg.enter("PROPZERO")
        else:
            with pytest.raises(ValidationError, match="the limit"):
                reg.enter("PROPZERO")
        pay(staff, shift, clock, reg)
    assert PromoCode.get(PromoCode.batch == found.id).used == 1


ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.text(max_size=30),
    st.dates(),
    st.floats(allow_nan=True),
    st.lists(st.integers(-5, 5), max_size=3),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.fixed_dictionaries({}, optional={k: ANY for k in FIELDS}))
def test_any_batch_is_saved_or_refused_in_words(staff, shop, clock, promo, values) -> None:
    """Fuzz: whatever a caller passes, a batch is saved or refused with a ValidationError
    (never a raw error), and a refused one writes nothing."""
    from torgtui.marketing import codes
    from torgtui.models import AuditEntry
    from torgtui.models.codes import CodeBatch

    data = codes.BatchData(code=f"F{next(_runs)}", name="Fuzz", promotion_id=promo.id)
    for key, value in values.items():
        setattr(data, key, value)
    before = (CodeBatch.select().count(), PromoCode.select().count(), AuditEntry.select().count())
    try:
        codes.save_batch(data, by=staff["manager"], clock=clock)
    except ValidationError:
        after = (
            CodeBatch.select().count(),
            PromoCode.select().count(),
            AuditEntry.select().count(),
        )
        assert after == before
