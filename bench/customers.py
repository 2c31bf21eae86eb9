"""A million customers: build time, exact lookups, prefix search and PageDown at any depth.

    python -m bench customers [--customers 1000000] [--db PATH] [--keep] [--strict]

The generator writes realistic cards (Ukrainian names, unique phones and card numbers, birth
dates, visits and totals) with their phone rows and search words through the same
``db.insert_rows`` path the services use, in 50 000-row transactions. Then, in-process:
exact phone and card lookup (p95 goal <= 5 ms), the first page of a prefix search typed in
either alphabet (<= 20 ms) and PageDown from a random depth in each sort order (<= 30 ms).
The build itself: <= 60 s for a million. ``--strict``: exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.goals import Goal, exit_status, report

GOALS = {"build_s": 60.0, "lookup_p95_ms": 5.0, "search_p95_ms": 20.0, "page_p95_ms": 30.0}
OPERATORS = ("67", "68", "96", "97", "98", "50", "66", "95", "99", "63", "73", "93")
CHUNK = 50_000


def phone_tail(phone: str) -> str:
    from torgtui.models import phone_tail as tail

    return tail(phone)


def generate(path: str, count: int, seed: int = 7) -> float:
    """Fill a new database at ``path`` with ``count`` customers; returns seconds taken."""
    from torgtui import db
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.customers.words import name_words, sort_key
    from torgtui.demodata import FEMALE_NAMES, MALE_NAMES, SURNAMES

    db.open_and_upgrade(path, create=True)
    rng = random.Random(seed)
    started = time.perf_counter()
    indexes = _drop_indexes() if db.is_sqlite() else []
    today = dt.datetime(2026, 11, 22, 12, 0)
    # distinct phone numbers: a random permutation of the 7-digit space per operator
    step = 7_919_113  # coprime with 10**7: i * step mod 10**7 walks every number once
    next_id = 1
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        customers, phones, words = [], [], []
        for i in range(start, start + n):
            female = rng.random() < 0.62
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            male_s, female_s = rng.choice(SURNAMES)
            name = f"{female_s if female else male_s} {first}"
            op = OPERATORS[i % len(OPERATORS)]
            phone = f"+380{op}{(i // len(OPERATORS)) * step % 10**7:07d}"
            birth = dt.date(1950 + rng.randrange(58), 1 + rng.randrange(12), 1 + rng.randrange(28))
            created = today - dt.timedelta(days=rng.randrange(3650))
            visited = rng.random() < 0.7
            last = str(created + dt.timedelta(days=rng.randrange(max(1, (today - created).days))))
            cid = next_id
            next_id += 1
            customers.append(
                (
                    cid,
                    name,
                    sort_key(name),
                    phone,
                    make_ean13("29", i + 1),
                    "",
                    birth,
                    birth.month * 100 + birth.day,
                    "f" if female else "m",
                    "",
                    str(created),
                    last if visited else None,
                    rng.randrange(500_000_00) if visited else 0,
                    rng.randrange(80) if visited else 0,
                    "active",
                    "",
                    "",
                    "",
                    False,
                    0,
                )
            )
            phones.append((cid, phone, "mobile", phone_tail(phone)))
            words.extend((w, cid) for w in name_words(name))
        words.sort()  # inserts in key order touch far fewer pages of the word index
        with db.write_tx():
            db.insert_rows(
                "customer",
                [
                    "id",
                    "name",
                    "name_sort",
                    "phone",
                    "card",
                    "email",
                    "birth_date",
                    "birth_md",
                    "gender",
                    "note",
                    "created_at",
                    "last_visit",
                    "total_bought",
                    "receipts_count",
                    "status",
                    "language",
                    "attention_note",
                    "social",
                    "attention",
                    "total_returned",
                ],
                customers,
            )
            db.insert_rows(
                "customer_phone_number", ["customer_id", "phone", "kind", "tail"], phones
            )
            db.insert_rows("customer_word", ["word", "customer_id"], words)
    for statement in indexes:
        db.database.execute_sql(statement)
    if db.is_sqlite():
        db.database.execute_sql("ANALYZE")
    else:
        db.database.execute_sql(
            "SELECT setval(pg_get_serial_sequence('customer', 'id'), "
            "(SELECT MAX(id) FROM customer))"
        )
        db.database.execute_sql("ANALYZE")
    return time.perf_counter() - started


def _drop_indexes() -> list[str]:
    """A bulk load builds the secondary indexes once at the end (one sort each) instead of
    row by row; returns the statements that recreate them. SQLite only; the generator makes
    unique phones and cards, so the unique indexes come back without conflicts."""
    from torgtui import db

    db.database.execute_sql("PRAGMA cache_size = -262144")  # 256 MB for this connection
    rows = db.database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
        "tbl_name IN ('customer', 'customer_phone_number', 'customer_word')"
    ).fetchall()
    for name, _sql in rows:
        db.database.execute_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args, **kw)
    return (time.perf_counter() - t0) * 1000, result


def measure(count: int, seed: int = 11) -> dict:
    from torgtui.customers import listing
    from torgtui.customers.service import find_by_phone_or_card
    from torgtui.customers.words import to_latin
    from torgtui.demodata import FEMALE_NAMES, SURNAMES
    from torgtui.models import Customer

    rng = random.Random(seed)
    sample_ids = [rng.randrange(1, count + 1) for _ in range(500)]
    samples = list(
        Customer.select(
            Customer.id,
            Customer.phone,
            Customer.card,
            Customer.name_sort,
            Customer.last_visit,
            Customer.total_bought,
        )
        .where(Customer.id.in_(sample_ids))
        .tuples()
    )
    out: dict = {}
    lookups, cards = [], []
    for _cid, phone, card, *_rest in samples:
        local = "0" + phone[4:6] + " " + phone[6:9] + " " + phone[9:11] + " " + phone[11:]
        ms, found = timed(find_by_phone_or_card, local)
        assert found is not None and found.phone == phone
        lookups.append(ms)
        ms, found = timed(find_by_phone_or_card, card)
        assert found is not None and found.card == card
        cards.append(ms)
    out["phone_lookup_p95_ms"], out["card_lookup_p95_ms"] = p95(lookups), p95(cards)
    # what cashiers type: the first digits in local form, or the last four
    partial = []
    for _cid, phone, *_rest in samples[:200]:
        for typed in ("0" + phone[4:9], phone[-4:]):
            ms, page = timed(listing.search, typed, limit=50)
            partial.append(ms)
    out["partial_phone_p95_ms"] = p95(partial)
    prefixes = []
    for _ in range(300):
        word = rng.choice([rng.choice(SURNAMES)[0], rng.choice(FEMALE_NAMES)]).lower()
        if rng.random() < 0.5:
            word = to_latin(word)
        prefixes.append(word[: rng.randrange(2, 6)])
    searches = []
    for prefix in prefixes:
        ms, page = timed(listing.search, prefix, limit=50)
        assert page.rows, prefix
        searches.append(ms)
    out["search_first_page_p95_ms"] = p95(searches)
    out["search_first_page_median_ms"] = statistics.median(searches)
    for sort in listing.SORTS:
        pages = []
        for _cid, _phone, _card, name_sort, last_visit, total in samples[:200]:
            value = {"name": name_sort, "last_visit": last_visit, "total_bought": total}[sort]
            phase = 1 if sort == "last_visit" and last_visit is None else 0
            key = listing.PageKey(value, _cid, phase)
            ms, page = timed(listing.list_page, sort=sort, after=key, limit=22)
            pages.append(ms)
        out[f"pagedown_{sort}_p95_ms"] = p95(pages)
    birthday = [
        timed(listing.list_page, filters=listing.Filters(birthday_within_days=7), limit=22)[0]
        for _ in range(20)
    ]
    out["birthday_filter_first_page_p95_ms"] = p95(birthday)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench customers")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", help="database file or URL to build (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp()
    url = args.db or str(Path(tmp) / "customers.sqlite")
    seconds = generate(url, args.customers)
    print(
        f"built {args.customers:,} customers in {seconds:.1f} s "
        f"(goal <= {GOALS['build_s']:.0f} s): {url}"
    )
    results = {"customers": args.customers, "build_s": seconds, **measure(args.customers)}
    for key, value in results.items():
        if key.endswith("_ms"):
            print(f"  {key:<36} {value:7.2f} ms")
    goals = [
        Goal("build", seconds, GOALS["build_s"], unit="s"),
        Goal("exact phone lookup p95", results["phone_lookup_p95_ms"], GOALS["lookup_p95_ms"]),
        Goal("exact card lookup p95", results["card_lookup_p95_ms"], GOALS["lookup_p95_ms"]),
        Goal("partial phone search p95", results["partial_phone_p95_ms"], GOALS["search_p95_ms"]),
        Goal(
            "prefix search, first page p95",
            results["search_first_page_p95_ms"],
            GOALS["search_p95_ms"],
        ),
    ]
    goals += [
        Goal(f"PageDown by {sort} p95", results[f"pagedown_{sort}_p95_ms"], GOALS["page_p95_ms"])
        for sort in listing_sorts()
    ]
    if args.customers < 1_000_000:
        print("  (fewer than 1M cards: the build goal is scaled to the count)")
        goals[0] = Goal("build", seconds, GOALS["build_s"] * args.customers / 1_000_000, unit="s")
    report(goals)
    results["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/customers-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    if not args.keep and not args.db:
        for f in Path(tmp).glob("*"):
            f.unlink()
    return exit_status(goals, strict=args.strict)


def listing_sorts() -> tuple[str, ...]:
    from torgtui.customers import listing

    return tuple(listing.SORTS)
