"""``torgtui messages``: the outbox's sender for cron or systemd, and a look at the outbox.

    torgtui messages send [--once] [--poll] [--every SECONDS]
    torgtui messages list [--status S] [--limit N] [--json]
    torgtui messages resolve ID (--sent | --resend) --employee NAME

``send`` without ``--once`` runs until stopped (Ctrl+C, SIGTERM), sending every few seconds and
polling statuses every ``messages.poll_minutes``; ``--once`` sends what is due and exits
(``--poll`` also asks the gateways for statuses). Arguments are checked before the database
opens; bad input is one line and exit status 2 (torgtui.cli).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import time
from typing import Any

from torgtui.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    messages = sub.add_parser("messages", help=_("the message outbox: send, list, resolve"))
    what = messages.add_subparsers(dest="messages_command", required=True)
    send = what.add_parser("send", help=_("send what is due (runs until stopped unless --once)"))
    send.add_argument("--once", action="store_true", help=_("one pass, then exit"))
    send.add_argument(
        "--poll", action="store_true", help=_("also ask the gateways what became of messages")
    )
    send.add_argument("--every", default="5", help=_("seconds between passes (default 5)"))
    listing = what.add_parser("list", help=_("the newest messages, all or in one state"))
    listing.add_argument("--status", default="", help=_("pending, accepted, unknown, ..."))
    listing.add_argument("--limit", default="50", help=_("how many (default 50)"))
    listing.add_argument("--json", action="store_true", help=_("JSON lines"))
    resolve = what.add_parser(
        "resolve", help=_("settle an 'unknown' message: it went (--sent) or send it (--resend)")
    )
    resolve.add_argument("id", help=_("the message's number"))
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--sent", action="store_true", help=_("it reached the customer"))
    how.add_argument("--resend", action="store_true", help=_("it did not: send it again"))
    from torgtui.cli_shop import employee_option

    employee_option(resolve)


def cmd_messages(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.cli_shop import _open, employee_name, find_employee
    from torgtui.values import check_count, check_text

    command = args.messages_command
    if command == "list":
        status = check_text(args.status, "--status", max_len=12)
        limit = check_count(args.limit, "--limit", minimum=1, maximum=100_000)
        from torgtui.channels.outbox import State

        if status and status not in {s.value for s in State}:
            from torgtui.errors import ValidationError

            raise ValidationError(
                _("--status {status!r}: use one of {states}.").format(
                    status=status, states=", ".join(s.value for s in State)
                )
            )
        _open(settings)
        from torgtui.channels.outbox import messages

        for m in messages(status, limit=limit):
            if args.json:
                print(json.dumps(m.__dict__, ensure_ascii=False, default=str))
            else:
                print(
                    f"{m.id:>8} {m.created_at:%Y-%m-%d %H:%M} {m.status:<10} "
                    f"{(m.via or m.channel):<5} {m.address or '-':<22} {m.kind:<20} {m.why}"
                )
        return 0
    if command == "resolve":
        message_id = check_count(args.id, _("The message's number"), minimum=1, maximum=2**31 - 1)
        name = employee_name(args.employee)
        _open(settings)
        from torgtui.channels.sender import resolve

        resolve(message_id, sent=bool(args.sent), by=find_employee(name), now=dt.datetime.now())
        print(
            _("Message {id}: marked sent.").format(id=message_id)
            if args.sent
            else _("Message {id}: back in line to be sent.").format(id=message_id)
        )
        return 0
    every = check_count(args.every, "--every", minimum=1, maximum=3600)
    _open(settings)
    from torgtui.channels.sender import Sender

    sender = Sender(settings)
    try:
        if args.once:
            _report(sender.run_once(), sender.poll() if args.poll else None)
            return 0
        stopping: list[int] = []
        signal.signal(signal.SIGTERM, lambda *_a: stopping.append(1))
        poll_every = settings.messages.poll_minutes * 60
        last_poll = 0.0
        while not stopping:
            run = sender.run_once()
            polled = None
            if time.monotonic() - last_poll >= poll_every:
                polled, last_poll = sender.poll(), time.monotonic()
            if run.handled or run.unknown or run.recovered or (polled and polled.asked):
                _report(run, polled)
            if run.handled < 200:
                for _tick in range(every * 10):
                    if stopping:
                        break
                    time.sleep(0.1)
        return 0
    finally:
        sender.close()


def _report(run: Any, polled: Any) -> None:
    print(
        _(
            "Sent {accepted}, to retry {retried}, rejected {rejected}, failed {failed}, "
            "suppressed {suppressed}, skipped {skipped}, waiting {waiting}, unknown {unknown}."
        ).format(**{k: getattr(run, k) for k in run.__dataclass_fields__}),
        flush=True,
    )
    if polled is not None:
        print(
            _(
                "Statuses asked {asked}: delivered {delivered}, read {read}, clicked {clicked}, "
                "failed {failed}."
            ).format(**{k: getattr(polled, k) for k in polled.__dataclass_fields__}),
            flush=True,
        )
    sys.stdout.flush()
