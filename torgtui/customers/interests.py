"""Customer interests: the product groups a customer buys from, found from receipts ("auto")
or set by hand ("manual"), for targeted promotions and mailings by interest.

An automatic interest appears once a customer has bought from a group on ``threshold``
different receipts (``[customers] interest_threshold``); a manual one is never downgraded or
removed by the automatic rules. Interests hang on the product's own group; a mailing to a
group reaches the customers interested in it or in any of its subgroups.
"""

from __future__ import annotations

from typing import NamedTuple

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import (
    Customer,
    CustomerInterest,
    Employee,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
)
from torgtui.staff import Permission, audit, require

GroupRef = ProductGroup | int
CustomerRef = Customer | int


def _id(ref: GroupRef | CustomerRef) -> int:
    return ref if isinstance(ref, int) else ref.id


def _active_customer(customer: CustomerRef) -> Customer:
    row = Customer.get_or_none(Customer.id == _id(customer))
    if row is None or row.status != "active":
        raise ValidationError(
            _("This card is not active (merged, cleaned or erased): open the card it became.")
        )
    return row


def _group(group: GroupRef) -> ProductGroup:
    row = ProductGroup.get_or_none(ProductGroup.id == _id(group))
    if row is None:
        raise ValidationError(_("This product group does not exist any more: refresh the list."))
    return row


def record_interests(receipt_id: int, *, threshold: int, clock: Clock = system_clock) -> list[int]:
    """After a sale to a customer: add an automatic interest for each product group on the
    receipt the customer has now bought from on ``threshold`` distinct receipts. Returns the
    ids of the groups added. ``threshold`` 0 turns automatic interests off."""
    if threshold < 1:
        return []
    receipt = (
        Receipt.select(Receipt.id, Receipt.customer, Receipt.kind)
        .where(Receipt.id == receipt_id)
        .first()
    )
    if receipt is None or receipt.customer_id is None or receipt.kind != "sale":
        return []
    customer_id = receipt.customer_id
    groups = (
        Product.select(Product.group)
        .join(ReceiptLine, on=ReceiptLine.product == Product.id)
        .where((ReceiptLine.receipt == receipt_id) & Product.group.is_null(False))
    )
    counts = (
        ReceiptLine.select(Product.group, peewee.fn.COUNT(ReceiptLine.receipt.distinct()))
        .join(Product, on=ReceiptLine.product == Product.id)
        .join(Receipt, on=ReceiptLine.receipt == Receipt.id)
        .where(
            (Receipt.customer == customer_id) & (Receipt.kind == "sale") & Product.group.in_(groups)
        )
        .group_by(Product.group)
        .having(peewee.fn.COUNT(ReceiptLine.receipt.distinct()) >= threshold)
        .tuples()
    )
    qualifying = sorted(group_id for group_id, _count in counts)
    if not qualifying:
        return []
    now = clock()
    with write_tx():
        have = {
            row.group_id
            for row in CustomerInterest.select(CustomerInterest.group).where(
                (CustomerInterest.customer == customer_id) & CustomerInterest.group.in_(qualifying)
            )
        }
        added = [g for g in qualifying if g not in have]
        if added:
            # a concurrent sale to the same customer may add the same row: keep one
            CustomerInterest.insert_many(
                [
                    {"customer": customer_id, "group": g, "source": "auto", "created_at": now}
                    for g in added
                ]
            ).on_conflict_ignore().execute()
    return added


def add_interest(
    customer: CustomerRef, group: GroupRef, *, by: Employee, clock: Clock = system_clock
) -> CustomerInterest:
    """Mark a customer as interested in a group by hand (an automatic interest becomes manual,
    so it stays whatever they buy)."""
    require(by, Permission.EDIT_CUSTOMERS)
    card = _active_customer(customer)
    grp = _group(group)
    now = clock()
    with write_tx():
        row = CustomerInterest.get_or_none(
            (CustomerInterest.customer == card.id) & (CustomerInterest.group == grp.id)
        )
        if row is not None and row.source == "manual":
            return row
        if row is None:
            CustomerInterest.insert(
                customer=card.id, group=grp.id, source="manual", created_at=now
            ).on_conflict_ignore().execute()
        CustomerInterest.update(source="manual").where(
            (CustomerInterest.customer == card.id) & (CustomerInterest.group == grp.id)
        ).execute()
        audit(
            "customer.interest.add",
            by,
            object_type="customer",
            object_id=card.id,
            before={"group": grp.path, "source": row.source} if row else None,
            after={"group": grp.path, "source": "manual"},
            clock=clock,
        )
    return CustomerInterest.get(
        (CustomerInterest.customer == card.id) & (CustomerInterest.group == grp.id)
    )


def remove_interest(
    customer: CustomerRef, group: GroupRef, *, by: Employee, clock: Clock = system_clock
) -> bool:
    """Remove an interest (manual or automatic). An automatic one comes back when the customer
    buys from the group again. Returns False if there was none."""
    require(by, Permission.EDIT_CUSTOMERS)
    card = _active_customer(customer)
    grp = _group(group)
    with write_tx():
        row = CustomerInterest.get_or_none(
            (CustomerInterest.customer == card.id) & (CustomerInterest.group == grp.id)
        )
        if row is None:
            return False
        CustomerInterest.delete().where(
            (CustomerInterest.customer == card.id) & (CustomerInterest.group == grp.id)
        ).execute()
        audit(
            "customer.interest.remove",
            by,
            object_type="customer",
            object_id=card.id,
            before={"group": grp.path, "source": row.source},
            clock=clock,
        )
    return True


def interests_of(customer: CustomerRef) -> list[CustomerInterest]:
    """A card's interests with their groups (``row.group.path``), in group path order."""
    return list(
        CustomerInterest.select(CustomerInterest, ProductGroup)
        .join(ProductGroup)
        .where(CustomerInterest.customer == _id(customer))
        .order_by(ProductGroup.path)
    )


def _subtree(group: ProductGroup) -> list[int]:
    """The group and all groups below it (by path: "A/B" is below "A")."""
    prefix = group.path + "/"
    rows = ProductGroup.select(ProductGroup.id, ProductGroup.path).where(
        (ProductGroup.path == group.path)
        | (peewee.fn.SUBSTR(ProductGroup.path, 1, len(prefix)) == prefix)
    )
    return [g.id for g in rows]


def customers_with_interest(
    group_id: int, *, after_id: int | None = None, limit: int = 100, subgroups: bool = True
) -> list[Customer]:
    """One page of active customers interested in a group (or, with ``subgroups``, any group
    below it), in id order; pass the last id as ``after_id`` for the next page."""
    group = _group(group_id)
    ids = _subtree(group) if subgroups else [group.id]
    interested = CustomerInterest.select(CustomerInterest.customer).where(
        CustomerInterest.group.in_(ids)
    )
    query = Customer.select().where(Customer.id.in_(interested) & (Customer.status == "active"))
    if after_id is not None:
        query = query.where(Customer.id > after_id)
    return list(query.order_by(Customer.id).limit(limit))


class Rebuilt(NamedTuple):
    added: int
    removed: int


_BOUGHT = (
    ' FROM "receipt" r JOIN "receipt_line" l ON l."receipt_id" = r."id"'
    ' JOIN "product" p ON p."id" = l."product_id"'
)

_REMOVE_STALE = (
    'DELETE FROM "customer_interest" WHERE "source" = \'auto\' AND (SELECT COUNT(DISTINCT r."id")'
    + _BOUGHT
    + ' WHERE r."customer_id" = "customer_interest"."customer_id" AND r."kind" = \'sale\''
    ' AND p."group_id" = "customer_interest"."group_id") < ?'
)

_ADD_NEW = (
    'INSERT INTO "customer_interest" ("customer_id", "group_id", "source", "created_at")'
    ' SELECT r."customer_id", p."group_id", \'auto\', ?'
    + _BOUGHT
    + ' JOIN "customer" c ON c."id" = r."customer_id"'
    ' WHERE r."kind" = \'sale\' AND p."group_id" IS NOT NULL AND c."status" = \'active\''
    ' AND NOT EXISTS (SELECT 1 FROM "customer_interest" ci'
    ' WHERE ci."customer_id" = r."customer_id" AND ci."group_id" = p."group_id")'
    ' GROUP BY r."customer_id", p."group_id" HAVING COUNT(DISTINCT r."id") >= ?'
)


def rebuild_auto_interests(threshold: int, *, clock: Clock = system_clock) -> Rebuilt:
    """Recount every automatic interest from all receipts in two statements (after an import,
    the demo build, or a change of the threshold). Manual interests are left alone; automatic
    ones that still hold keep their date. ``threshold`` 0 removes every automatic interest."""
    if threshold < 0:
        raise ValidationError(_("Interest threshold: 0 (off) or a number of receipts."))
    with write_tx():
        if threshold == 0:
            removed = CustomerInterest.delete().where(CustomerInterest.source == "auto").execute()
            return Rebuilt(0, removed)
        removed = database.execute_sql(sql(_REMOVE_STALE), (threshold,)).rowcount
        now = clock()
        stamp = str(now) if is_sqlite() else now  # stored as Peewee stores it
        added = database.execute_sql(sql(_ADD_NEW), (stamp, threshold)).rowcount
    return Rebuilt(added, removed)


__all__ = [
    "Rebuilt",
    "add_interest",
    "customers_with_interest",
    "interests_of",
    "rebuild_auto_interests",
    "record_interests",
    "remove_interest",
]
