"""The back-office commands: the audit chain, loyalty jobs, and the scripting contract
(rules, sell, return, customer show). Parsers are built here and dispatched by torgtui.cli;
each command's module is imported only when it runs, after its arguments are checked.

    torgtui audit verify | audit head
    torgtui loyalty expire [--at YYYY-MM-DD[THH:MM]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

from torgtui.i18n import _

Command = Callable[[argparse.Namespace, Any], int]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help=_("the audit log's hash chain"))
    what = audit.add_subparsers(dest="audit_command", required=True)
    what.add_parser("verify", help=_("check every link of the chain; name the first broken one"))
    what.add_parser("head", help=_("print the chain's last entry and hash (to keep elsewhere)"))
    loyalty = sub.add_parser("loyalty", help=_("loyalty jobs"))
    jobs = loyalty.add_subparsers(dest="loyalty_command", required=True)
    expire = jobs.add_parser(
        "expire", help=_("write off lapsed bonuses and tell customers (safe to run again)")
    )
    expire.add_argument("--at", help=_("the moment, YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now)"))


def _open(settings: Any) -> None:
    from torgtui import db

    db.open_and_upgrade(settings.database.url)


def cmd_audit(args: argparse.Namespace, settings: Any) -> int:
    """``audit verify`` exits 0 when the chain holds, 1 at the first broken link."""
    _open(settings)
    from torgtui import staff

    if args.audit_command == "head":
        head_id, head_hash = staff.audit_head()
        print(json.dumps({"id": head_id, "hash": head_hash}))
        return 0
    check = staff.verify_audit_chain()
    if check.ok:
        print(
            _("Audit chain intact: {n} entries; head {id} {hash}").format(
                n=check.checked, id=check.head_id, hash=check.head_hash
            )
        )
        return 0
    print(
        _(
            "Audit chain broken at entry {id}: {problem}. The {n} entries before it check out "
            "(last good: {good})."
        ).format(id=check.broken_id, problem=check.problem, n=check.checked, good=check.head_id),
        file=sys.stderr,
    )
    return 1


def _moment(text: str | None) -> dt.datetime:
    from torgtui.values import check_date, check_datetime

    if not text:
        return dt.datetime.now()
    if "T" in text or " " in text.strip():
        return check_datetime(text, "--at")
    day = check_date(text, "--at")
    return dt.datetime.combine(day, dt.time(23, 59, 59))


def cmd_loyalty(args: argparse.Namespace, settings: Any) -> int:
    at = _moment(args.at)
    _open(settings)
    from torgtui.marketing import bonuses
    from torgtui.money import format_money

    run = bonuses.expire(at)
    print(
        _(
            "Bonuses lapsed by {at}: {amount} written off (cards: {cards}); notices written: "
            "{notices}."
        ).format(at=at, amount=format_money(run.expired), cards=run.cards, notices=run.notices)
    )
    return 0


COMMANDS: dict[str, Command] = {
    "audit": cmd_audit,
    "loyalty": cmd_loyalty,
}

# the words that name a command in a crash message (see torgtui.cli._crashed)
SUBCOMMAND_ATTRS = ("audit_command", "loyalty_command")
