"""How promotions combine, with exact kopecks through the real Register and commit_sale:
stacking, exclusive, best of a named group, priority; on top of a card's discount or instead of
it; bonuses instead of a discount on the loyalty ledger; a promotion only a code activates."""

from __future__ import annotations

from decimal import Decimal

from tests.unit import promotions_shop
from tests.unit.promotions_shop import (
    card_type,
    customer,
    discounts,
    info,
    lines,
    priced,
    product,
    promo,
    sell,
)
from torgtui.marketing import bonuses
from torgtui.models import ReceiptLine

ps, shift = promotions_shop.ps, promotions_shop.shift  # fixtures


def test_promotions_that_stack_compound(staff, ps, clock) -> None:
    promo(staff, clock, "TEN", targets=product(ps.dress), percent=10, priority=10)
    promo(staff, clock, "FIVE", targets=product(ps.dress), percent=5)
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    # 10% of 1 250.00 = 125.00, then 5% of 1 125.00 = 56.25
    assert [a.amount for a in basket.lines[0].adjustments] == [12500, 5625]
    assert [a.rule for a in basket.lines[0].adjustments] == ["TEN", "FIVE"]
    assert basket.total == 106875


def test_an_exclusive_promotion_keeps_its_lines(staff, ps, clock) -> None:
    promo(
        staff, clock, "EXCL", targets=product(ps.dress), percent=10, stacking="exclusive",
        priority=10,
    )  # fmt: skip
    promo(staff, clock, "FIVE", percent=5)
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    # the dress is the exclusive one's; the cream takes the other (9.495 -> 9.50)
    assert discounts(basket) == {"Сукня літня": 12500, "Крем для рук": 950}


def test_an_exclusive_promotion_takes_no_line_another_touched(staff, ps, clock) -> None:
    promo(staff, clock, "TEN", targets=product(ps.dress), percent=10, priority=10)
    promo(staff, clock, "EXCL20", percent=20, stacking="exclusive")
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    assert discounts(basket) == {"Сукня літня": 12500, "Крем для рук": 3798}


def test_the_higher_priority_applies_first(staff, ps, clock) -> None:
    promo(staff, clock, "LOW", targets=product(ps.dress), percent=10, stacking="exclusive")
    promo(
        staff, clock, "HIGH", targets=product(ps.dress), percent=20, stacking="exclusive",
        priority=5,
    )  # fmt: skip
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    assert [(a.rule, a.amount) for a in basket.lines[0].adjustments] == [("HIGH", 25000)]


def test_best_of_a_group_gives_the_customer_the_most(staff, ps, clock) -> None:
    promo(
        staff, clock, "DRESS10", name="Сукні -10%", targets=product(ps.dress), percent=10,
        stacking="best_of", best_of="autumn",
    )  # fmt: skip
    promo(
        staff, clock, "MINUS30", name="Мінус 30 ₴", reward="amount", amount=3000,
        stacking="best_of", best_of="autumn",
    )  # fmt: skip
    # the dress: 125.00 (10%) beats 30.00; the cream is left to the other: 30.00
    both = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    assert [(a.rule, a.amount) for ln in both.lines for a in ln.adjustments] == [
        ("DRESS10", 12500),
        ("MINUS30", 3000),
    ]
    alone = priced(staff, ps, clock, [(ps.dress, 1)])
    assert alone.discount == 12500
    assert {
        "rule": "MINUS30",
        "reason": "Мінус 30 ₴: Сукні -10% of the same group gives more.",
    } in (alone.info["refused"])
    # three creams: the dress promotion has nothing; 3 x 30.00
    assert priced(staff, ps, clock, [(ps.cream, 3)]).discount == 9000


def test_a_best_of_group_beside_a_promotion_that_stacks(staff, ps, clock) -> None:
    promo(staff, clock, "A", targets=product(ps.dress), percent=10, stacking="best_of", best_of="g")
    promo(staff, clock, "B", targets=product(ps.dress), percent=15, stacking="best_of", best_of="g")
    promo(staff, clock, "C", targets=product(ps.dress), percent=5, priority=-1)
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    # B (187.50) beats A; C stacks after them: 5% of 1 062.50 = 53.125 -> 53.13
    assert [(a.rule, a.amount) for a in basket.lines[0].adjustments] == [
        ("B", 18750),
        ("C", 5313),
    ]


# --- with the card's discount ------------------------------------------------------------------


def test_a_promotion_on_top_of_the_card_discount(staff, ps, shift, clock) -> None:
    vip = card_type(staff, clock, "vip5", "discount", percent=Decimal(5))
    c = customer(vip.id)
    promo(staff, clock, "DRESS10", targets=product(ps.dress), percent=10)
    receipt = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.cream, 1)], customer_id=c.id)
    # the dress: -125.00, then the card 5% of 1 125.00 = 56.25; the cream: the card 9.495 -> 9.50
    assert lines(receipt) == {"Сукня літня": (18125, 106875), "Крем для рук": (950, 18040)}
    assert receipt.total == 124915


def test_a_promotion_that_replaces_the_card_discount(staff, ps, shift, clock) -> None:
    vip = card_type(staff, clock, "vip5", "discount", percent=Decimal(5))
    c = customer(vip.id)
    promo(staff, clock, "DRESS10", targets=product(ps.dress), percent=10, with_card="replaces")
    receipt = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.cream, 1)], customer_id=c.id)
    assert lines(receipt) == {"Сукня літня": (12500, 112500), "Крем для рук": (950, 18040)}
    steps = [
        (ln.name, a.step)
        for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)
        for a in ln.adjustments
    ]
    assert sorted(steps) == [("Крем для рук", "card"), ("Сукня літня", "promotion")]


def test_a_promotion_for_a_card_type_or_a_tier(staff, ps, clock) -> None:
    acc = card_type(
        staff,
        clock,
        "acc",
        "accumulative",
        thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))],
    )
    promo(
        staff, clock, "GOLD", targets=product(ps.dress), percent=10, customers="tier",
        card_type="acc", tier_from=1500000,
    )  # fmt: skip
    promo(staff, clock, "ACC", targets=product(ps.scarf), percent=10, customers="card_type",
          card_type="acc")  # fmt: skip
    c = customer(acc.id)
    items = [(ps.dress, 1), (ps.scarf, 1)]
    assert discounts(priced(staff, ps, clock, items, c.id)) == {"Сукня літня": 0, "Шарф": 3000}
    c.total_bought = 1500000
    c.save()
    # the tier: 10% on the dress, then the card's 5%
    assert discounts(priced(staff, ps, clock, items, c.id)) == {"Сукня літня": 12500, "Шарф": 3000}
    assert priced(staff, ps, clock, items).discount == 0  # no card, neither


# --- bonuses instead of a discount ------------------------------------------------------------


def test_bonuses_instead_of_a_discount(staff, ps, shift, clock) -> None:
    card = card_type(staff, clock, "bonus", "bonus", bonus_percent=Decimal(5), bonus_expiry_days=30)
    c = customer(card.id)
    promo(
        staff, clock, "DRESS-B", name="Бонуси за сукню", targets=product(ps.dress),
        reward="bonus_percent", percent=10, customers="card",
    )  # fmt: skip
    receipt = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.cream, 1)], customer_id=c.id)
    assert receipt.discount == 0 and receipt.total == 143990
    earned = {
        ln.name: ln.bonus_earned
        for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)
    }
    # the card's 5% (62.50 and 9.495 -> 9.50) and the promotion's 10% of 1 250.00
    assert earned == {"Сукня літня": 6250 + 12500, "Крем для рук": 950}
    assert bonuses.balance_of(c.id) == 19700
    assert info(receipt)["promotions"][0]["bonus"] == 12500
    assert info(receipt)["bonus"]["earned"] == 19700


def test_bonuses_that_replace_the_card_and_are_earned_on_what_is_paid(staff, ps, clock) -> None:
    card = card_type(staff, clock, "bonus", "bonus", bonus_percent=Decimal(5))
    c = customer(card.id)
    promo(
        staff, clock, "DRESS-B", targets=product(ps.dress), reward="bonus_percent", percent=10,
        customers="card", with_card="replaces",
    )  # fmt: skip
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)], c.id)
    assert [ln.bonus_earn for ln in basket.lines] == [12500, 950]
    assert basket.info["bonus"]["earn"] == 13450


def test_bonuses_are_not_given_without_a_card(staff, ps, clock) -> None:
    promo(
        staff, clock, "BDAY-B", targets=product(ps.dress), reward="bonus_amount", amount=5000,
        birthday="customer",
    )  # fmt: skip
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    assert [ln.bonus_earn for ln in basket.lines] == [0]


# --- a promotion a code activates -------------------------------------------------------------


def test_a_code_only_promotion_needs_its_code(staff, ps, clock) -> None:
    from torgtui.marketing.promotions import engine, step
    from torgtui.sales.basket import Basket, BasketLine
    from torgtui.sales.pricing import PricingContext, price

    row = promo(staff, clock, "FLYER", targets=product(ps.dress), percent=15, requires_code=True)

    def run(codes: dict[int, int] | None) -> Basket:
        basket = Basket([BasketLine(ps.dress.id, "", "", 1000, 0)])
        ctx = PricingContext(at=clock(), location_id=ps.location_id)
        price(basket, ctx, steps=[("base", _base()), ("load", _codes(codes)), *_ours(step)])
        return basket

    assert run(None).discount == 0
    found = run({row.id: 77})
    assert found.discount == 18750 and found.info["promotions"][0]["code_id"] == 77
    assert engine.index().rules[row.id].data.requires_code


def _base():
    from torgtui.sales.pricing import base_price

    return base_price


def _codes(codes):
    def load(basket, ctx):
        if codes is not None:
            ctx.extra["promo_codes"] = codes

    return load


def _ours(step):
    return [("promotions", step.promotion_step), ("promotion_bonus", step.promotion_bonus_step)]


def test_a_partners_customers(staff, ps, clock) -> None:
    """The partners issue's context loader says whose customer the attached one is
    (``ctx.extra["partners"]``); until then a partner's promotion applies to nobody."""
    from torgtui.marketing.promotions import step
    from torgtui.sales.basket import Basket, BasketLine
    from torgtui.sales.pricing import PricingContext, price

    promo(staff, clock, "PARTNER", targets=product(ps.dress), percent=7, customers="partner",
          partner="FITNESS")  # fmt: skip

    def run(partners: set[str] | None) -> int:
        basket = Basket([BasketLine(ps.dress.id, "", "", 1000, 0)])
        ctx = PricingContext(at=clock(), location_id=ps.location_id)
        if partners is not None:
            ctx.extra["partners"] = partners
        price(basket, ctx, steps=[("base", _base()), *_ours(step)])
        return basket.discount

    assert (run(None), run({"OTHER"}), run({"FITNESS"})) == (0, 0, 8750)


def test_units_a_set_took_take_no_promotion(staff, ps, clock) -> None:
    """A set is a price of its own (the bundle step, order 45, says which units it took):
    the dress and one cream go into the set; only the two other creams get the -10%."""
    from torgtui.marketing.bundles import BundleData, BundlePartData, save_bundle

    save_bundle(
        BundleData(
            "SET",
            "Сукня з кремом",
            130000,
            [BundlePartData(ps.dress.id, 1000), BundlePartData(ps.cream.id, 1000)],
        ),
        by=staff["manager"],
        clock=clock,
    )
    promo(staff, clock, "TEN", percent=10)
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 3)])
    assert discounts(basket, "bundle") == {"Сукня літня": 12145, "Крем для рук": 1845}
    # 10% of the two free creams: 37 980 -> 3 798
    assert discounts(basket) == {"Сукня літня": 0, "Крем для рук": 3798}
    assert basket.total == 181970 - 13990 - 3798
