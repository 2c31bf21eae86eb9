"""The demo shop's partners (issue 12): two referrers and an intermediary, made through the
real services after the sales history is written.

* **Стилістка Ольга** (``STYLIST-OLHA``), a stylist with two employees, who brought a dozen
  customers (linked on their cards, most with one of her employees);
* **Блогерка Аня** (``BLOGGER-ANYA``), whose promo code batch is the demo's Instagram batch
  (a sale with one of its codes links the buyer to her), with a few followers linked by code,
  and a one-time reward recorded as an expense of one of their receipts and paid;
* **Бригадир Іван** (``FOREMAN-IVAN``), an intermediary with his own card (a discount for
  resale on two groups), commissions on his customers' purchases by product group, goods given
  on credit and a payment: a balance to reconcile.

The history was written in bulk, without the register's sale hooks, so the linked customers'
receipts since their link are credited here as the hook would have credited them (role
``attracted``; through the intermediary with its commission by line, on the ledger).
Deterministic: the choices come from a ``random.Random`` seeded from the demo's seed.
"""

from __future__ import annotations

import datetime as dt
import random

from torgtui.db import database, is_sqlite, sql
from torgtui.marketing import intermediaries as im
from torgtui.marketing import partners as pt
from torgtui.marketing import partners_money as pm
from torgtui.models import Customer, Employee, ProductGroup, Receipt
from torgtui.models.codes import CodeBatch
from torgtui.models.partners import CustomerPartner, PartnerSale


def _buyers(limit: int) -> list[int]:
    """Customers with sale receipts, by id (the history's regulars first)."""
    rows = database.execute_sql(
        sql(
            'SELECT "customer_id" FROM "receipt" WHERE "kind" = ? AND "customer_id" IS NOT NULL '
            'GROUP BY "customer_id" ORDER BY COUNT(*) DESC, "customer_id" LIMIT ?'
        ),
        ("sale", limit),
    ).fetchall()
    return [int(r[0]) for r in rows]


def _credit(customer_id: int, since: dt.datetime) -> list[tuple]:
    """The customer's sale receipts since ``since``, as the sale hook would have credited."""
    return database.execute_sql(
        sql(
            'SELECT "id", "total", "created_at" FROM "receipt" WHERE "customer_id" = ? '
            'AND "kind" = ? AND "created_at" >= ? ORDER BY "id"'
        ),
        (customer_id, "sale", str(since) if is_sqlite() else since),
    ).fetchall()


def build(today: dt.date, seed: int) -> None:
    """Add the demo partners (inside the demo's write transaction)."""
    rng = random.Random(f"partners-{seed}")
    manager = Employee.get(Employee.role == "manager")
    owner = Employee.get(Employee.role == "owner")
    now = dt.datetime.combine(today, dt.time(9))

    def clock() -> dt.datetime:
        return now

    buyers = _buyers(60)
    rng.shuffle(buyers)
    # a dozen of the stylist's, six of the blogger's, six of the foreman's (fewer in a small
    # demo; none in a shop with hardly any buyers)
    k = len(buyers)
    s, f = min(12, k // 3), min(6, k // 6)
    if f < 1:
        return
    stylists, followers, foremans = buyers[:s], buyers[s : s + f], buyers[s + f : s + 2 * f]
    tops = list(
        ProductGroup.select().where(ProductGroup.parent.is_null()).order_by(ProductGroup.id)
    )

    olha = pt.create_partner(
        manager,
        kind="referrer",
        code="STYLIST-OLHA",
        name="Стилістка Ольга Коваль",
        phone="067 410 22 33",
        note="Салон «Шпилька», Поділ",
        clock=clock,
    )
    team = [
        pt.add_employee(manager, olha.id, "Марина", clock=clock),
        pt.add_employee(manager, olha.id, "Дарина", clock=clock),
    ]
    anya = pt.create_partner(
        manager,
        kind="referrer",
        code="BLOGGER-ANYA",
        name="Блогерка Аня (Instagram)",
        note="Промокоди в сторіз",
        clock=clock,
    )
    instagram = CodeBatch.select().where(CodeBatch.channel == "Instagram").first()
    if instagram is not None:
        pt.tie_code_batch(manager, instagram.id, anya.id, clock=clock)
    # the foreman's own card: a card without purchases yet, named as his business
    own = (
        Customer.select()
        .where(
            Customer.id.not_in(
                Receipt.select(Receipt.customer).where(Receipt.customer.is_null(False))
            )
        )
        .order_by(Customer.id.desc())
        .first()
    )
    if own is not None:
        own.name = "ФОП Іван Бойко (бригадир)"
        own.save()
    ivan = pt.create_partner(
        manager,
        kind="intermediary",
        code="FOREMAN-IVAN",
        name="Бригадир Іван Бойко",
        phone="050 444 33 22",
        customer_id=own.id if own is not None else None,
        clock=clock,
    )
    pt.set_rate(manager, ivan.id, "commission", "5", clock=clock)
    for group, commission, discount in zip(tops[:2], ("7.5", "10"), ("12", "8"), strict=False):
        pt.set_rate(manager, ivan.id, "commission", commission, group_id=group.id, clock=clock)
        pt.set_rate(manager, ivan.id, "discount", discount, group_id=group.id, clock=clock)

    def link(customer_id: int, partner_id: int, employee_id: int | None, source: str, days: int):
        at = now - dt.timedelta(days=days)
        CustomerPartner.create(
            customer=customer_id,
            partner=partner_id,
            partner_employee=employee_id,
            source=source,
            linked_at=at,
            linked_by=None if source == "code" else manager.id,
        )
        return at

    first_receipt = None
    for n, cid in enumerate(stylists):
        emp = team[n % 3].id if n % 3 < 2 else None
        since = link(cid, olha.id, emp, "card", rng.randint(30, 150))
        for rid, total, at in _credit(cid, since):
            PartnerSale.create(
                receipt=rid, partner=olha.id, partner_employee=emp, role="attracted",
                customer=cid, total=int(total), commission=0, created_at=at,
            )  # fmt: skip
    for cid in followers:
        since = link(cid, anya.id, None, "code", rng.randint(10, 60))
        for rid, total, at in _credit(cid, since):
            first_receipt = first_receipt or rid
            PartnerSale.create(
                receipt=rid, partner=anya.id, partner_employee=None, role="attracted",
                customer=cid, total=int(total), commission=0, created_at=at,
            )  # fmt: skip
    if first_receipt is not None:
        pm.pay_referrer(
            owner, anya.id, 15000, receipt_id=first_receipt, note="Огляд у сторіз", clock=clock
        )
    for cid in foremans:
        since = link(cid, ivan.id, None, "card", rng.randint(20, 120))
        for rid, _total, at in _credit(cid, since):
            moment = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
            im.record_intermediary_sale(rid, ivan.id, now=moment)
    im.record_goods(manager, ivan.id, 1250000, document="Накладна 17 (на реалізацію)", clock=clock)
    im.record_payment(manager, ivan.id, 800000, document="Банк, п/д 412", clock=clock)


__all__ = ["build"]
