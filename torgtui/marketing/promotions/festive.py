"""Birthdays and the Nth receipt: the two conditions of the promotion engine that depend on
more than the basket, and their one-time records.

* **Birthday**: the customer's (``customer.birth_date``) or a family member's
  (``family_member.birth_date``), in a window of days before and after. The birthday of a
  year is the date in that year; one on 29 February is kept on 28 February in other years.
  The window may cross the new year (a birthday on 2 January, 5 days before: from 28
  December). A gift is once per promotion, person and year of the birthday: a row of
  ``promotion_grant`` inserted in the sale's transaction with ``ON CONFLICT DO NOTHING``; its
  row count decides, so two registers cannot both give it.
* **Every Nth receipt** at a location, per day or overall: ``promotion_counter`` holds the
  receipts counted so far; the sale's transaction increments it with one upsert that returns
  the new count; the receipt whose increment lands on a multiple of N is the Nth.

Pricing reads the grants and the counters once per pricing (the context loader in
torgtui.marketing.promotions.step), so the price shown says "may be the Nth"; at commit the
sale hook decides, and a receipt priced one way that the counter or a grant went the other way
is refused (:class:`PromotionMoved`) with nothing written: the register prices it again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from torgtui.db import database, is_sqlite, sql
from torgtui.errors import ValidationError


class PromotionMoved(ValidationError):
    """At commit, a birthday gift or the Nth receipt went another way than the price shown
    (another register was a moment faster): nothing was written; price the receipt again,
    show the new total and take payment for it."""


@dataclass(frozen=True)
class Person:
    member_id: int  # 0: the customer; else the family member's id
    name: str
    relation: str  # "" for the customer
    birth_date: dt.date


@dataclass
class Facts:
    """What one pricing knows beyond the basket (read once by the context loader)."""

    people: list[Person] = field(default_factory=list)
    granted: set[tuple[int, int, int]] = field(default_factory=set)  # (promotion, member, year)
    counters: dict[int, int] = field(default_factory=dict)  # promotion -> receipts counted
    period: str = ""  # today's period key: "2026-11-22"


def birthday_in(born: dt.date, year: int) -> dt.date:
    """The birthday in ``year`` (29 February is 28 February in a year without it)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def celebrated(born: dt.date, day: dt.date, before: int, after: int) -> int | None:
    """The year of the birthday whose window holds ``day`` (None: no birthday near)."""
    for year in (day.year, day.year + 1, day.year - 1):
        birthday = birthday_in(born, year)
        if birthday - dt.timedelta(days=before) <= day <= birthday + dt.timedelta(days=after):
            return year
    return None


def load_people(customer_id: int) -> list[Person]:
    """The customer and their family with birth dates (one query)."""
    from torgtui.customers.service import relation_title

    rows = database.execute_sql(
        sql(
            'SELECT 0, c."name", \'\', c."birth_date" FROM "customer" c '
            'WHERE c."id" = ? AND c."birth_date" IS NOT NULL '
            'UNION ALL SELECT f."id", f."name", f."relation", f."birth_date" '
            'FROM "family_member" f WHERE f."customer_id" = ? AND f."birth_date" IS NOT NULL'
        ),
        (customer_id, customer_id),
    ).fetchall()
    people = []
    for member_id, name, relation, born in rows:
        if isinstance(born, str):
            born = dt.date.fromisoformat(born[:10])
        people.append(
            Person(int(member_id), name, relation_title(relation) if relation else "", born)
        )
    return sorted(people, key=lambda p: p.member_id)


def load_grants(customer_id: int, promotion_ids: list[int], year: int) -> set:
    marks = ", ".join("?" * len(promotion_ids))
    rows = database.execute_sql(
        sql(
            'SELECT "promotion_id", "member_id", "year" FROM "promotion_grant" '
            f'WHERE "customer_id" = ? AND "promotion_id" IN ({marks}) AND "year" BETWEEN ? AND ?'
        ),
        (customer_id, *promotion_ids, year - 1, year + 1),
    ).fetchall()
    return {(int(p), int(m), int(y)) for p, m, y in rows}


def period_of(day: dt.date, period: str) -> str:
    return day.isoformat() if period == "day" else ""


def load_counters(location_id: int, wanted: dict[int, str]) -> dict[int, int]:
    """Receipts counted so far for each promotion id in ``wanted`` (-> its period key)."""
    marks = ", ".join("?" * len(wanted))
    rows = database.execute_sql(
        sql(
            'SELECT "promotion_id", "period", "count" FROM "promotion_counter" '
            f'WHERE "location_id" = ? AND "promotion_id" IN ({marks})' + (' AND "period" IN (?, ?)')
        ),
        (location_id, *wanted, "", max(wanted.values())),
    ).fetchall()
    out = dict.fromkeys(wanted, 0)
    for promotion_id, period, count in rows:
        if wanted.get(promotion_id) == period:
            out[promotion_id] = int(count)
    return out


def count_receipt(promotion_id: int, location_id: int, period: str) -> int:
    """Count one more receipt (inside the sale's transaction); returns the new count. The
    upsert holds the row until commit, so registers take their turns."""
    row = database.execute_sql(
        sql(
            'INSERT INTO "promotion_counter" ("promotion_id", "location_id", "period", "count") '
            'VALUES (?, ?, ?, 1) ON CONFLICT ("promotion_id", "location_id", "period") '
            'DO UPDATE SET "count" = "promotion_counter"."count" + 1 RETURNING "count"'
        ),
        (promotion_id, location_id, period),
    ).fetchone()
    return int(row[0])


def grant(
    promotion_id: int,
    customer_id: int,
    member_id: int,
    year: int,
    receipt_id: int,
    now: dt.datetime,
) -> bool:
    """Record the birthday gift (inside the sale's transaction): False when it was given
    already (another register a moment ago)."""
    at = str(now) if is_sqlite() else now
    return (
        database.execute_sql(
            sql(
                'INSERT INTO "promotion_grant" ("promotion_id", "customer_id", "member_id", '
                '"year", "receipt_id", "granted_at") VALUES (?, ?, ?, ?, ?, ?) '
                'ON CONFLICT ("promotion_id", "customer_id", "member_id", "year") DO NOTHING'
            ),
            (promotion_id, customer_id, member_id, year, receipt_id, at),
        ).rowcount
        == 1
    )
