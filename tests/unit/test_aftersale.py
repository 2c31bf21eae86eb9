"""After a sale with a customer, the product groups bought often become the card's interests."""

from __future__ import annotations

from torgtui.config import Settings
from torgtui.customers.service import CardData, create_customer
from torgtui.models import CustomerInterest, Product, ProductGroup
from torgtui.sales.aftersale import after_sale
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift


def test_interest_after_second_receipt(db, staff, shop, clock) -> None:
    group = ProductGroup.create(name="Косметика", path="Косметика")
    Product.update(group=group).where(Product.id == shop.cream.id).execute()
    customer = create_customer(CardData("Оля", ["0671234567"]), by=staff["cashier"], clock=clock)
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock)
    settings = Settings()
    for n in (1, 2):
        reg = Register(staff["cashier"], register="t", clock=clock)
        reg.scan(shop.cream_code)
        reg.attach_customer(customer)
        receipt = commit_sale(
            reg.priced(),
            [Tender("card", 18990)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        after_sale(receipt, settings, clock=clock)
        interests = [(i.group_id, i.source) for i in CustomerInterest.select()]
        assert interests == ([] if n == 1 else [(group.id, "auto")])
