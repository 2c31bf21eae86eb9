"""Messages per second: the outbox's sender pushing SMS to a fake TurboSMS on 127.0.0.1 (real
HTTP, the fake of tests/channels/fake_turbosms.py), and the TurboSMS gateway alone through one
httpx client.

    python -m bench messages [--count 2000] [--rate 1000] [--db URL] [--strict]

* ``sender``: ``--count`` SMS written to the outbox (text given, so no template is rendered),
  then one ``Sender.run_once`` over them: claim each row, call the gateway, store the answer,
  each in its own transaction, paced by ``messages.rate_per_second`` = ``--rate`` (the settings'
  own ceiling is 1000; the shop's default of 20 is a choice of pace, not the sender's speed);
* ``gateway``: the same number of sends straight through the gateway (no database).

Checked at the end: every row accepted, the fake took exactly ``--count`` messages (none twice),
each row holds the id the fake gave. Goal (issue 10): the sender pushes >= 50 messages/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.startup import machine

GOALS = {"sender_per_s": 50.0}
TOKEN = "bench-turbosms-token"


def _fake():  # -> FakeTurboSms
    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.channels.fake_turbosms import FakeTurboSms

    return FakeTurboSms(token=TOKEN, balance=10**9).start()


def phone(i: int) -> str:
    return f"38067{i % 10_000_000:07d}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench messages")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=1000, help="messages.rate_per_second")
    parser.add_argument("--db", help="postgresql://... (default: a new SQLite file)")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)

    from torgtui import db
    from torgtui.channels.gateway import Channel, Message, Outcome
    from torgtui.channels.outbox import enqueue
    from torgtui.channels.sender import Sender
    from torgtui.channels.turbosms import TurboSmsGateway
    from torgtui.config import Settings

    fake = _fake()
    try:
        # the gateway alone: one client, one message after another
        with TurboSmsGateway(TOKEN, url=fake.url) as gateway:
            started = time.perf_counter()
            for i in range(args.count):
                message = Message(ref=10**8 + i, channel=Channel.SMS, to=phone(i), text=f"G {i}")
                if gateway.send(message).outcome != Outcome.ACCEPTED:
                    raise SystemExit(f"bench messages: the fake refused gateway send {i}")
            gateway_s = time.perf_counter() - started
        taken_before = len(fake.sent())

        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or str(Path(tmp) / "messages.sqlite")
            db.open_and_upgrade(url, create=True)
            settings = Settings()
            settings.database.url = url
            settings.messages.rate_per_second = args.rate
            now = dt.datetime.now()
            started = time.perf_counter()
            with db.write_tx():
                ids = [
                    enqueue(
                        None,
                        "note",
                        f"bench:{i}",
                        channel="sms",
                        to=phone(i),
                        text=f"Бонуси: {i}",
                        now=now,
                    )
                    for i in range(args.count)
                ]
            enqueue_s = time.perf_counter() - started
            with TurboSmsGateway(TOKEN, url=fake.url) as gateway:
                sender = Sender(settings, gateways={c: gateway for c in Channel})
                started = time.perf_counter()
                run = sender.run_once(limit=args.count)
                sender_s = time.perf_counter() - started
                sender.close()
            stored = db.database.execute_sql(
                'SELECT COUNT(*), COUNT(DISTINCT "gateway_id") FROM "outbox_message" '
                "WHERE \"status\" = 'accepted' AND \"gateway_id\" <> ''"
            ).fetchone()
            db.database.close()
    finally:
        fake.stop()

    taken = len(fake.sent()) - taken_before
    broken = not (
        run.accepted == args.count == taken
        and tuple(stored) == (args.count, args.count)
        and all(ids)
    )
    sender_rate = args.count / sender_s
    gateway_rate = args.count / gateway_s
    print(f"messages: {args.count} SMS to a fake TurboSMS on 127.0.0.1 (real HTTP)")
    print(f"  outbox: {args.count} rows written in {enqueue_s:.2f} s")
    print(
        f"  sender: {sender_s:.2f} s, {sender_rate:,.0f} messages/s "
        f"(rate_per_second = {args.rate}; accepted {run.accepted}, the fake took {taken}, "
        f"stored with their ids {stored[0]})"
    )
    print(f"  gateway alone: {gateway_s:.2f} s, {gateway_rate:,.0f} messages/s (one httpx client)")
    if broken:
        print("  BROKEN: a message was lost, refused or taken twice")
    goals = [Goal("sender messages/s to the fake TurboSMS", sender_rate, GOALS["sender_per_s"],
                  unit="/s", at_least=True)]  # fmt: skip
    report(goals)
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"messages-{stamp}.json").write_text(
        json.dumps(
            {
                "count": args.count,
                "rate_per_second": args.rate,
                "sender_s": sender_s,
                "sender_per_s": sender_rate,
                "gateway_per_s": gateway_rate,
                "enqueue_s": enqueue_s,
                "accepted": run.accepted,
                "taken": taken,
                "goals": [g.as_dict() for g in goals],
                "machine": machine(),
                "pid": os.getpid(),
            }
        )
    )
    return exit_status(goals, strict=args.strict, broken=broken)
