"""The incoming-call popup: from Binotel's webhook to the caller's card on screen (issue 10).

    python -m bench calls [--customers 1000000] [--db PATH] [--keep] [--calls 100] [--strict]

The customer base is built as ``python -m bench customers`` builds it (bench.customers.generate:
realistic cards, unique phones, their phone rows and search words), in a new SQLite file in a
temporary folder, or reused from ``--db`` when that file has customers already (build once with
``python -m bench customers --db FILE --keep``, then measure here as often as wanted). The
sampled callers get a bonus balance, a VIP debt on some, the Attention flag on some and a few
receipts each, so every query the popup needs finds something.

Then, on this machine, for ``--calls`` callers drawn at random (in the local form Binotel sends,
"0671234567"):

* the endpoint alone: a real HTTP ``receivedTheCall`` POST to the webhook endpoint
  (torgtui.channels.binotel_hook, on 127.0.0.1) until its callback holds the caller's card
  read (phone index, bonuses, VIP account, last receipts), and ``apiCallSettings`` until its
  answer (what Binotel shows on the employee's phone);
* the whole way: the same POST into a headless Textual app running the app's telephony
  (torgtui.screens.incoming_call.Telephony), until the popup has been painted (its
  ``shown_at``, taken after the first refresh).

Goal (issue 10): the popup shows <= 300 ms after the webhook arrives, with 1 000 000
customers (p95 here).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.customers import generate, p95
from bench.goals import Goal, exit_status, report

GOALS = {"popup_p95_ms": 300.0}
COMPANY = "10906"
NOW = dt.datetime(2026, 11, 22, 12, 0)


def local_form(phone: str) -> str:
    return "0" + phone[4:]


def decorate(sample_ids: list[int], seed: int = 5) -> None:
    """Bonuses, some VIP debts and Attention flags, and receipts for the sampled callers."""
    from torgtui import db
    from torgtui.marketing import bonuses, ledger, vip
    from torgtui.models import Customer, Employee, Location, Product, Receipt, ReceiptLine

    rng = random.Random(seed)
    with db.write_tx():
        location = Location.get_or_none(Location.code == "MAIN") or Location.create(
            code="MAIN", name="Shop", address=""
        )
        employee = Employee.get_or_none(Employee.name == "Bench") or Employee.create(
            name="Bench", role="owner", pin_hash="-", created_at=NOW
        )
        product = Product.get_or_none(Product.sku == "BENCH-1") or Product.create(
            sku="BENCH-1", name="Сукня літня", price=125000, cost=60000, tax_group="A",
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        number = (Receipt.select().count() or 0) + 1
        for cid in sample_ids:
            ledger.post(bonuses.account_of(cid, NOW), rng.randrange(100, 100_000), "earn", now=NOW)
            if rng.random() < 0.2:
                Customer.update(attention=True, attention_note="Pays only by card").where(
                    Customer.id == cid
                ).execute()
            if rng.random() < 0.1:
                Customer.update(vip_mode="credit").where(Customer.id == cid).execute()
                account = ledger.account(vip.Kind.VIP, vip.OWNER, cid, now=NOW)
                ledger.post(
                    account,
                    -rng.randrange(10_000, 500_000),
                    "sale",
                    now=NOW,
                    due_at=NOW - dt.timedelta(days=3),
                    below_floor=True,
                )
            for k in range(rng.randrange(1, 8)):
                at = NOW - dt.timedelta(days=rng.randrange(400), minutes=k)
                receipt = Receipt.create(
                    uuid=str(uuid.uuid4()), number=number, kind="sale", status="closed",
                    location=location, employee=employee, customer=cid, created_at=at,
                    closed_at=at, subtotal=125000, total=125000,
                )  # fmt: skip
                number += 1
                for pos in range(1, rng.randrange(2, 5)):
                    ReceiptLine.create(
                        receipt=receipt, position=pos, product=product, name=product.name,
                        qty=1000, unit_price=125000, subtotal=125000, total=125000,
                    )  # fmt: skip


_HTTP: Any = None


def post_form(url: str, fields: dict[str, str]) -> tuple[float, Any]:
    """POST ``fields`` as Binotel does; (the moment it was sent, the JSON answer)."""
    global _HTTP
    import httpx

    if _HTTP is None:
        _HTTP = httpx.Client(timeout=10)
    sent = time.perf_counter()
    response = _HTTP.post(url, data=fields)
    return sent, response.json()


def measure_endpoint(phones: list[str]) -> dict[str, float]:
    from torgtui.channels.binotel_hook import BinotelHook, CallEvent

    got: dict[str, float] = {}  # id -> ms from the request's arrival to the card read

    def on_event(event: CallEvent) -> None:
        assert event.caller is not None and event.caller.known, event.number
        got[event.general_call_id] = (time.perf_counter() - event.arrived) * 1000

    hook = BinotelHook(listen="127.0.0.1:0", allow="127.0.0.1", company_id=COMPANY)
    hook.on_event = on_event
    hook.start()
    pushes, settings = [], []
    try:
        for i, phone in enumerate(phones):
            _sent, _answer = post_form(
                hook.url,
                {
                    "requestType": "receivedTheCall",
                    "companyID": COMPANY,
                    "generalCallID": str(i),
                    "externalNumber": local_form(phone),
                    "callType": "0",
                },
            )
            pushes.append(got[str(i)])
            sent, answer = post_form(
                hook.url,
                {
                    "requestType": "apiCallSettings",
                    "companyID": COMPANY,
                    "externalNumber": local_form(phone),
                },
            )
            assert answer.get("customerData", {}).get("name"), answer
            settings.append((time.perf_counter() - sent) * 1000)
    finally:
        hook.stop()
    return {
        "endpoint_event_p95_ms": p95(pushes),
        "endpoint_event_median_ms": sorted(pushes)[len(pushes) // 2],
        "call_settings_p95_ms": p95(settings),
    }


def measure_popup(phones: list[str], url: str) -> dict[str, float]:
    """The whole way, in a headless app that runs the app's own telephony and popup."""
    from textual.app import App

    from torgtui.clock import FixedClock
    from torgtui.config import Settings
    from torgtui.models import Employee
    from torgtui.screens.incoming_call import IncomingCallScreen, Telephony

    settings = Settings()
    settings.database.url = url
    settings.binotel.listen = "127.0.0.1:0"
    settings.binotel.company_id = COMPANY

    class PopupApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.settings, self.clock = settings, FixedClock(NOW)
            self.employee = Employee.get(Employee.name == "Bench")
            self.is_locked = False

    times: list[float] = []  # from the request's arrival at the endpoint
    from_sent: list[float] = []  # from the moment the client sent it (HTTP on loopback too)

    async def run() -> None:
        app = PopupApp()
        async with app.run_test(size=(80, 24)) as pilot:
            telephony = Telephony(app)  # type: ignore[arg-type]
            telephony.start()
            assert telephony.hook is not None
            try:
                for i, phone in enumerate(phones):
                    fields = {
                        "requestType": "receivedTheCall",
                        "companyID": COMPANY,
                        "generalCallID": f"p{i}",
                        "externalNumber": local_form(phone),
                        "callType": "0",
                    }
                    box: list[float] = []
                    thread = threading.Thread(
                        target=lambda f=fields, b=box: b.append(post_form(telephony.hook.url, f)[0])  # type: ignore[union-attr]
                    )
                    thread.start()
                    for _ in range(1000):
                        screen = app.screen
                        if isinstance(screen, IncomingCallScreen) and screen.shown_at:
                            break
                        await asyncio.sleep(0.002)
                    thread.join()
                    screen = app.screen
                    assert isinstance(screen, IncomingCallScreen) and screen.shown_at, phone
                    times.append((screen.shown_at - screen.event.arrived) * 1000)
                    from_sent.append((screen.shown_at - box[0]) * 1000)
                    screen.dismiss(None)
                    await pilot.pause()
            finally:
                telephony.stop()

    asyncio.run(run())
    return {
        "popup_p95_ms": p95(times),
        "popup_median_ms": sorted(times)[len(times) // 2],
        "popup_max_ms": max(times),
        "popup_from_send_p95_ms": p95(from_sent),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench calls")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", help="database file to build, or to reuse when it has customers")
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    from torgtui import db
    from torgtui.models import Customer

    tmp = tempfile.mkdtemp()
    url = args.db or str(Path(tmp) / "calls.sqlite")
    build_s = None
    if Path(url).exists():
        db.open_and_upgrade(url)
    if not Path(url).exists() or Customer.select().count() == 0:
        build_s = generate(url, args.customers)
        print(f"built {args.customers:,} customers in {build_s:.1f} s: {url}")
    count = Customer.select().count()
    print(f"customers: {count:,}")
    rng = random.Random(3)
    ids = sorted({rng.randrange(1, count + 1) for _ in range(args.calls * 2)})[: args.calls * 2]
    rng.shuffle(ids)
    ids = ids[: args.calls]
    started = time.perf_counter()
    decorate(ids)
    print(f"callers given bonuses, debts and receipts in {time.perf_counter() - started:.1f} s")
    phones = [p for (p,) in Customer.select(Customer.phone).where(Customer.id.in_(ids)).tuples()]
    rng.shuffle(phones)
    results: dict[str, Any] = {"customers": count, "calls": len(phones), "build_s": build_s}
    results.update(measure_endpoint(phones))
    db.database.close()
    results.update(measure_popup(phones, url))
    for key, value in results.items():
        if key.endswith("_ms"):
            print(f"  {key:<36} {value:7.2f} ms")
    goals = [
        Goal("popup painted after the webhook, p95", results["popup_p95_ms"], GOALS["popup_p95_ms"])
    ]
    if count < 1_000_000:
        print(f"  (measured with {count:,} customers, not the 1 000 000 of the goal)")
    report(goals)
    results["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/calls-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    if not args.keep and not args.db:
        for f in Path(tmp).glob("*"):
            f.unlink()
    return exit_status(goals, strict=args.strict)
