"""The customer list over a million cards: keyset pages (never OFFSET), sorts, filters, and
search as you type by phone, card or any word's prefix.

A page key is the last row's sort value and id; the next page is ``WHERE (sort, id) > key``
on an index, so PageDown costs the same at row 10 and at row 900 000. Sorting by last visit
pages the cards that have visits first and then, in a second phase, those that never bought.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee

from torgtui.customers.phones import normalize_phone
from torgtui.customers.words import fold, prefix_bounds
from torgtui.errors import ValidationError
from torgtui.models import Customer, CustomerInterest, CustomerPhone, CustomerWord, FamilyMember

SORTS = ("name", "last_visit", "total_bought")
COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.phone,
    Customer.card,
    Customer.last_visit,
    Customer.total_bought,
    Customer.attention,
    Customer.birth_date,
    Customer.name_sort,
)


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    phone: str | None
    card: str | None
    last_visit: dt.datetime | None
    total_bought: int
    attention: bool
    birth_date: dt.date | None
    name_sort: str = ""  # the stored sort key: page keys come from the rows themselves


@dataclass
class Filters:
    birthday_this_month: bool = False
    birthday_within_days: int | None = None  # today .. today + N
    children_age: tuple[int, int] | None = None  # a child aged X..Y years (inclusive)
    interest_group_id: int | None = None
    attention: bool = False
    not_bought_days: int | None = None  # bought before, but not in the last N days


@dataclass(frozen=True)
class PageKey:
    value: object
    id: int
    phase: int = 0  # last_visit sort: 0 = cards with visits, 1 = never bought


@dataclass
class Page:
    rows: list[Row]
    next: PageKey | None  # None: this is the last page
    prev: PageKey | None = None  # key of the first row, for PageUp
    extra: dict = field(default_factory=dict)


def _birthday_days(today: dt.date, days: int) -> list[int]:
    days = max(0, min(days, 366))
    return sorted(
        {(d.month * 100 + d.day) for d in (today + dt.timedelta(n) for n in range(days + 1))}
    )


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def filter_conditions(filters: Filters, today: dt.date) -> list[peewee.Expression]:
    where = [Customer.status == "active"]
    if filters.birthday_this_month:
        where.append(Customer.birth_md.between(today.month * 100 + 1, today.month * 100 + 31))
    if filters.birthday_within_days is not None:
        where.append(Customer.birth_md.in_(_birthday_days(today, filters.birthday_within_days)))
    if filters.children_age is not None:
        low, high = filters.children_age
        if low < 0 or high < low:
            raise ValidationError("children's age: from X to Y years, X <= Y")
        youngest = _years_ago(today, low)  # born on or before this day
        oldest = _years_ago(today, high + 1) + dt.timedelta(days=1)
        where.append(
            peewee.fn.EXISTS(
                FamilyMember.select(FamilyMember.id).where(
                    (FamilyMember.customer == Customer.id)
                    & (FamilyMember.relation == "child")
                    & FamilyMember.birth_date.between(oldest, youngest)
                )
            )
        )
    if filters.interest_group_id is not None:
        where.append(
            peewee.fn.EXISTS(
                CustomerInterest.select(CustomerInterest.group).where(
                    (CustomerInterest.customer == Customer.id)
                    & (CustomerInterest.group == filters.interest_group_id)
                )
            )
        )
    if filters.attention:
        where.append(Customer.attention == True)  # noqa: E712
    if filters.not_bought_days is not None:
        cutoff = dt.datetime.combine(today - dt.timedelta(days=filters.not_bought_days), dt.time())
        where.append(Customer.last_visit < cutoff)
    return where


def _rows(query: peewee.ModelSelect) -> list[Row]:
    return [Row(*t) for t in query.tuples()]


def list_page(
    *,
    sort: str = "name",
    filters: Filters | None = None,
    after: PageKey | None = None,
    before: PageKey | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> Page:
    """One page of the list in ``sort`` order (name A-Z; last visit and total bought newest and
    largest first), after ``after`` or (PageUp) before ``before``."""
    if sort not in SORTS:
        raise ValidationError(f"unknown sort {sort!r}")
    today = today or dt.date.today()
    base = filter_conditions(filters or Filters(), today)
    backwards = before is not None
    key = before if backwards else after
    if sort == "name":
        col, desc = Customer.name_sort, False
    elif sort == "total_bought":
        col, desc = Customer.total_bought, True
    else:
        col, desc = Customer.last_visit, True
    phase = key.phase if key else 0
    rows: list[Row] = []
    while len(rows) < limit and phase in (0, 1):
        where = list(base)
        if sort == "last_visit":
            where.append(col.is_null(phase == 1))
        use_col = Customer.id if (sort == "last_visit" and phase == 1) else col
        ascending = (not desc) != backwards
        id_order = Customer.id.asc() if ascending else Customer.id.desc()
        beyond_id = (
            (Customer.id > key.id)
            if key and ascending
            else ((Customer.id < key.id) if key else None)
        )
        if key is not None and key.phase == phase and use_col is not Customer.id:
            # Two index ranges instead of one row-value bound (SQLite uses only the first
            # column of "(value, id) > (?, ?)", and a block of equal values, like the 300 000
            # cards with nothing bought, would then be skipped row by row): first the rest of
            # the key's own value, then the values beyond it.
            got = _rows(
                Customer.select(*COLUMNS)
                .where(*where, use_col == key.value, beyond_id)
                .order_by(id_order)
                .limit(limit - len(rows))
            )
            if len(got) < limit - len(rows):
                beyond = use_col > key.value if ascending else use_col < key.value
                value_order = use_col.asc() if ascending else use_col.desc()
                got += _rows(
                    Customer.select(*COLUMNS)
                    .where(*where, beyond)
                    .order_by(value_order, id_order)
                    .limit(limit - len(rows) - len(got))
                )
        else:
            if key is not None and key.phase == phase:
                where.append(beyond_id)
            order = (
                [id_order]
                if use_col is Customer.id
                else [use_col.asc() if ascending else use_col.desc(), id_order]
            )
            got = _rows(
                Customer.select(*COLUMNS).where(*where).order_by(*order).limit(limit - len(rows))
            )
        rows.extend(got)
        if sort != "last_visit" or len(rows) >= limit:
            break
        # last-visit sort runs into its second phase (never bought) going forward,
        # or back from it into the first going backwards
        phase = phase + (-1 if backwards else 1)
        key = None
    if backwards:
        rows.reverse()

    def key_of(row: Row) -> PageKey:
        if sort == "name":
            return PageKey(row.name_sort, row.id)
        if sort == "total_bought":
            return PageKey(row.total_bought, row.id)
        return PageKey(row.last_visit, row.id, 0 if row.last_visit is not None else 1)

    full = len(rows) >= limit
    return Page(
        rows=rows,
        next=key_of(rows[-1]) if rows and (full or backwards) else None,
        prev=key_of(rows[0]) if rows else None,
    )


PHONE_PUNCTUATION = " -()./"


def is_number_search(text: str) -> bool:
    """Digits as a phone or card is typed ("050 989-12", "+380...", "(067) 12"): at least one
    digit, and nothing else but phone punctuation and a leading "+"."""
    cleaned = "".join(ch for ch in text.strip() if ch not in PHONE_PUNCTUATION)
    cleaned = cleaned.removeprefix("+")
    return bool(cleaned) and cleaned.isascii() and cleaned.isdigit()


def phone_prefixes(digits: str) -> list[str]:
    """The E.164 beginnings the typed digits can be: local "050989" -> "+38050989",
    international "38050..." -> "+38050...", the old long-distance "8050..." -> "+38050..."."""
    found = []
    if digits.startswith("0"):
        found.append("+38" + digits)
    if digits.startswith("380"):
        found.append("+" + digits)
    elif digits.startswith("80") and len(digits) > 2:
        found.append("+3" + digits)
    return found


def number_matches(text: str, limit: int) -> list[int]:
    """Customer ids for digits typed in the search, best first: the phone in full, a card
    number's beginning, a phone's beginning (typed in local or international form) and a
    phone's last digits ("7693" finds every phone ending in 7693). Each is one range of an
    index (the phone's, the card's, the reversed phone's), so it costs the same at a million
    cards; a run of digits from the middle of a number is not looked for (it would need a scan
    of every phone)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    ids: list[int] = []

    def take(query: peewee.ModelSelect) -> None:
        ids.extend(row[0] for row in query.limit(limit).tuples())

    try:
        phone = normalize_phone(text)
    except ValidationError:
        phone = None
    if phone is not None:
        take(CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.phone == phone))
    low, high = prefix_bounds(digits)
    take(
        Customer.select(Customer.id)
        .where((Customer.card >= low) & (Customer.card < high))
        .order_by(Customer.card)
    )
    for prefix in phone_prefixes(digits):
        low, high = prefix_bounds(prefix)
        take(
            CustomerPhone.select(CustomerPhone.customer)
            .where((CustomerPhone.phone >= low) & (CustomerPhone.phone < high))
            .order_by(CustomerPhone.phone)
        )
    low, high = prefix_bounds(digits[::-1])
    take(
        CustomerPhone.select(CustomerPhone.customer)
        .where((CustomerPhone.tail >= low) & (CustomerPhone.tail < high))
        .order_by(CustomerPhone.tail)
    )
    return list(dict.fromkeys(ids))


def search(
    text: str,
    *,
    limit: int = 50,
    after: tuple[str, int] | None = None,
    filters: Filters | None = None,
    today: dt.date | None = None,
) -> Page:
    """Cards matching what was typed: digits as a phone or a card (see :func:`number_matches`),
    or every word's prefix (in either alphabet). Pages are keyed by (matched word, id)."""
    text = (text or "").strip()
    today = today or dt.date.today()
    base = filter_conditions(filters or Filters(), today)
    if not text:
        return list_page(filters=filters, limit=limit, today=today)
    if is_number_search(text):
        ids = number_matches(text, limit)
        rows = _rows(Customer.select(*COLUMNS).where(Customer.id.in_(ids), *base)) if ids else []
        rows.sort(key=lambda r: ids.index(r.id))
        return Page(rows=rows[:limit], next=None)
    words = [fold(w) for w in text.split() if w.strip()]
    first, others = words[0], words[1:]
    low, high = prefix_bounds(first)
    rows: list[Row] = []
    seen_ids: set[int] = set()
    cursor = after
    last: tuple[str, int] | None = None
    while len(rows) < limit:
        q = CustomerWord.select(CustomerWord.word, CustomerWord.customer).where(
            (CustomerWord.word >= low) & (CustomerWord.word < high)
        )
        if cursor is not None:
            q = q.where(
                peewee.Tuple(CustomerWord.word, CustomerWord.customer) > peewee.Tuple(*cursor)
            )
        for other in others:
            olow, ohigh = prefix_bounds(other)
            w2 = CustomerWord.alias("w2")
            q = q.where(
                peewee.fn.EXISTS(
                    w2.select(w2.word).where(
                        (w2.customer == CustomerWord.customer)
                        & (w2.word >= olow)
                        & (w2.word < ohigh)
                    )
                )
            )
        batch = list(q.order_by(CustomerWord.word, CustomerWord.customer).limit(limit * 2).tuples())
        if not batch:
            break
        cursor = (batch[-1][0], batch[-1][1])
        fresh = [cid for _w, cid in batch if cid not in seen_ids]
        found = (
            {r.id: r for r in _rows(Customer.select(*COLUMNS).where(Customer.id.in_(fresh), *base))}
            if fresh
            else {}
        )
        for word, cid in batch:
            if cid in found and cid not in seen_ids:
                seen_ids.add(cid)
                rows.append(found[cid])
                last = (word, cid)
                if len(rows) >= limit:
                    break
        if len(batch) < limit * 2:
            break
    return Page(
        rows=rows, next=None if len(rows) < limit else PageKey(last[0], last[1]) if last else None
    )
