"""Totals kept on the customer card and the search index, rebuilt in bulk: after merges,
imports and the demo build (the card service keeps them up to date one card at a time)."""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from torgtui.customers.words import name_words, sort_key
from torgtui.db import database, insert_rows, sql, write_tx
from torgtui.models import Customer, CustomerPhone, CustomerWord, Receipt, phone_tail


def recompute_totals(customer_ids: Iterable[int] | None = None) -> int:
    """Recount bought/returned/receipts/last visit from the receipts (after merges, imports,
    the demo build). Returns how many cards were updated."""
    ids = None if customer_ids is None else sorted(set(customer_ids))
    sums = (
        Receipt.select(
            Receipt.customer,
            peewee.fn.SUM(peewee.Case(None, [(Receipt.kind == "sale", Receipt.total)], 0)),
            peewee.fn.SUM(peewee.Case(None, [(Receipt.kind == "return", Receipt.total)], 0)),
            peewee.fn.SUM(peewee.Case(None, [(Receipt.kind == "sale", 1)], 0)),
            peewee.fn.MAX(Receipt.created_at),
        )
        .where(Receipt.customer.is_null(False))
        .group_by(Receipt.customer)
    )
    if ids is not None:
        sums = sums.where(Receipt.customer.in_(ids))
    rows = list(sums.tuples())
    with write_tx():
        if ids is None:
            Customer.update(
                total_bought=0, total_returned=0, receipts_count=0, last_visit=None
            ).execute()
        else:
            Customer.update(
                total_bought=0, total_returned=0, receipts_count=0, last_visit=None
            ).where(Customer.id.in_(ids)).execute()
        for cid, bought, returned, count, last in rows:
            Customer.update(
                total_bought=int(bought or 0),
                total_returned=int(returned or 0),
                receipts_count=int(count or 0),
                last_visit=last,
            ).where(Customer.id == cid).execute()
    return len(rows)


def reindex_all(batch: int = 5000) -> int:
    """Rebuild sort keys, phone rows and search words of every card (after a bulk insert)."""
    done = 0
    last_id = 0
    while True:
        chunk = list(
            Customer.select(Customer.id, Customer.name, Customer.phone, Customer.birth_date)
            .where(Customer.id > last_id)
            .order_by(Customer.id)
            .limit(batch)
            .tuples()
        )
        if not chunk:
            return done
        with write_tx():
            ids = [c[0] for c in chunk]
            CustomerWord.delete().where(CustomerWord.customer.in_(ids)).execute()
            CustomerPhone.delete().where(CustomerPhone.customer.in_(ids)).execute()
            insert_rows(
                "customer_word",
                ["word", "customer_id"],
                [(w, cid) for cid, name, _p, _b in chunk for w in sorted(name_words(name))],
            )
            insert_rows(
                "customer_phone_number",
                ["customer_id", "phone", "kind", "tail"],
                [(cid, p, "mobile", phone_tail(p)) for cid, _n, p, _b in chunk if p],
            )
            statement = sql('UPDATE "customer" SET "name_sort" = ?, "birth_md" = ? WHERE "id" = ?')
            for cid, name, _phone, birth in chunk:
                md = birth.month * 100 + birth.day if birth else None
                database.execute_sql(statement, (sort_key(name), md, cid))
        done += len(chunk)
        last_id = chunk[-1][0]
