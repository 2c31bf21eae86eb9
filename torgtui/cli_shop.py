"""The back-office commands: the audit chain, loyalty jobs, and the scripting contract
(rules, sell, return, customer show). Parsers are built here and dispatched by torgtui.cli;
each command's module is imported only when it runs, after its arguments are checked.

    torgtui audit verify | audit head
    torgtui loyalty expire [--at YYYY-MM-DD[THH:MM]]
    torgtui certificates expire [--at YYYY-MM-DD[THH:MM]]
    torgtui rules export FILE.toml|-
    torgtui rules import FILE.toml --employee NAME [--replace] [--check]
    torgtui sell ORDER.json --employee NAME [--approver NAME --approver-pin PIN]
    torgtui return NUMBER [--line N [--qty Q]]... --employee NAME [--approver ... --uuid U]
    torgtui shift open --employee NAME [--float AMOUNT]
    torgtui shift close --employee NAME [--counted AMOUNT]
    torgtui customer show CARD|PHONE [--json] [--employee NAME]
    torgtui promotions backtest ID [--weeks N] --employee NAME
    torgtui promotions result ID --employee NAME
    torgtui promotions costs ID (--per-unit KOPECKS | --percent P) [--from DATE --to DATE]
        [--note TEXT] [--preview] --employee NAME
    torgtui promotions reverse-costs NUMBER [--note TEXT] --employee NAME
    torgtui messages send [--once] [--poll] | list [--status S] | resolve ID  (cli_messages)

Commands that act take ``--employee NAME``: an active employee, whose role's permissions the
services check (the command line trusts whoever holds the database to say who they are, as
the register trusts the person at it after their PIN). docs/cli.md has the whole contract.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

from torgtui.errors import TorgError
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
    certificates = sub.add_parser("certificates", help=_("gift certificate jobs"))
    gift_jobs = certificates.add_subparsers(dest="certificates_command", required=True)
    lapse = gift_jobs.add_parser(
        "expire", help=_("write off what lapsed gift certificates hold (safe to run again)")
    )
    lapse.add_argument("--at", help=_("the moment, YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now)"))
    rules = sub.add_parser("rules", help=_("the marketing rules file (TOML)"))
    how = rules.add_subparsers(dest="rules_command", required=True)
    out = how.add_parser("export", help=_("write every marketing rule to a TOML file"))
    out.add_argument("file", help=_("the .toml file to write (- for standard output)"))
    into = how.add_parser("import", help=_("load a rules file: all of it or nothing"))
    into.add_argument("file", help=_("the .toml rules file"))
    employee_option(into)
    into.add_argument(
        "--replace",
        action="store_true",
        help=_("also retire the rules of each kind in the file that the file does not list"),
    )
    into.add_argument(
        "--check",
        action="store_true",
        help=_("check the file and say what would change; keep nothing"),
    )

    _sale_parsers(sub)
    _promotion_parsers(sub)
    from torgtui import cli_messages

    cli_messages.add_parser(sub)
    from torgtui import cli_stock

    cli_stock.add_parser(sub)


def _promotion_parsers(sub: argparse._SubParsersAction) -> None:
    """``promotions backtest|result|costs|reverse-costs`` (torgtui.marketing.promotions)."""
    promotions = sub.add_parser("promotions", help=_("a promotion's forecast, result and costs"))
    what = promotions.add_subparsers(dest="promotions_command", required=True)
    back = what.add_parser(
        "backtest", help=_("replay past receipts with and without a promotion (JSON)")
    )
    back.add_argument("id", help=_("the promotion's id"))
    back.add_argument("--weeks", default="8", help=_("how many past weeks (default 8)"))
    result = what.add_parser(
        "result", help=_("a promotion's real result against the days before it (JSON)")
    )
    result.add_argument("id", help=_("the promotion's id"))
    costs = what.add_parser(
        "costs", help=_("recalculate the cost of the goods sold in a promotion (a document)")
    )
    costs.add_argument("id", help=_("the promotion's id"))
    basis = costs.add_mutually_exclusive_group(required=True)
    basis.add_argument(
        "--per-unit", metavar="KOPECKS", help=_("the supplier's compensation per unit, kopecks")
    )
    basis.add_argument(
        "--percent", metavar="P", help=_("the supplier's compensation, percent of the cost")
    )
    costs.add_argument("--from", dest="first_day", metavar="DATE", help=_("the first day"))
    costs.add_argument("--to", dest="last_day", metavar="DATE", help=_("the last day"))
    costs.add_argument("--note", default="", help=_("the agreement, the supplier"))
    costs.add_argument(
        "--preview", action="store_true", help=_("say what it would change; write nothing")
    )
    reverse = what.add_parser("reverse-costs", help=_("reverse a cost document (once)"))
    reverse.add_argument("number", help=_("the cost document's number"))
    reverse.add_argument("--note", default="", help=_("why"))
    for parser in (back, result, costs, reverse):
        employee_option(parser)


def _sale_parsers(sub: argparse._SubParsersAction) -> None:
    """``sell``, ``return``, ``shift`` and ``customer show`` (torgtui.sales.sell_cli)."""
    sell = sub.add_parser("sell", help=_("commit a sale from a JSON order (- for stdin)"))
    sell.add_argument("order", help=_("the order: a basket with its payments (JSON)"))
    back = sub.add_parser("return", help=_("take back a receipt or some of its lines"))
    back.add_argument("number", help=_("the sale receipt's number"))
    back.add_argument(
        "--line", action="append", help=_("a line's position on the receipt (repeat for more)")
    )
    back.add_argument(
        "--qty", action="append", help=_("how much of that line, in units (default: all left)")
    )
    back.add_argument("--uuid", help=_("the return's id, to retry it safely"))
    for parser in (sell, back):
        employee_option(parser)
        parser.add_argument("--approver", metavar="NAME", help=_("who confirms, if needed"))
        parser.add_argument("--approver-pin", metavar="PIN", help=_("the confirmer's PIN"))
    shift = sub.add_parser("shift", help=_("open or close this register's shift"))
    what = shift.add_subparsers(dest="shift_command", required=True)
    opening = what.add_parser("open", help=_("open a shift with a cash float"))
    opening.add_argument("--float", default="0", help=_("cash in the drawer, like 500.00"))
    closing = what.add_parser("close", help=_("close the shift: the Z report"))
    closing.add_argument("--counted", help=_("the cash counted in the drawer, like 1520.50"))
    for parser in (opening, closing):
        employee_option(parser)
    customer = sub.add_parser("customer", help=_("a customer's card, bonuses and VIP account"))
    look = customer.add_subparsers(dest="customer_command", required=True)
    card = look.add_parser("show", help=_("show a customer by card number or phone"))
    card.add_argument("card", metavar="CARD|PHONE")
    card.add_argument("--json", action="store_true", help=_("as JSON, for scripts"))
    employee_option(card, required=False)


def employee_option(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument(
        "--employee",
        required=required,
        metavar="NAME",
        help=_("who does it: an active employee (their role's permissions apply)"),
    )


def employee_name(name: str) -> str:
    """The --employee name, checked before the database is opened."""
    from torgtui.values import check_text

    return check_text(name, _("The employee's name"), max_len=120, required=True)


def find_employee(name: str) -> Any:  # -> Employee
    """The active employee called ``name`` (the database is open)."""
    from torgtui.models import Employee

    found = Employee.get_or_none(Employee.name == name)
    if found is None:
        raise TorgError(_("No employee named {name}: see `torgtui staff list`.").format(name=name))
    if not found.active:
        raise TorgError(
            _(
                "{name} is no longer an active employee: give the name of someone who works here."
            ).format(name=name)
        )
    return found


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


def cmd_certificates(args: argparse.Namespace, settings: Any) -> int:
    at = _moment(args.at)
    _open(settings)
    from torgtui.marketing import certificates

    done = certificates.expire_due(now=at)
    print(_("Gift certificates lapsed by {at}: {n} written off.").format(at=at, n=done))
    return 0


def cmd_rules(args: argparse.Namespace, settings: Any) -> int:
    """``rules export``: the file is checked, then written whole. ``rules import``: the file is
    read and its shape checked before the database is opened; then all of it or nothing."""
    from torgtui.marketing import rules_file

    if args.rules_command == "export":
        target = rules_file.check_export_path(args.file)
        _open(settings)
        text = rules_file.export_rules(target)
        if target is None:
            sys.stdout.write(text)
        else:
            print(
                _("{file}: {n} rules written.").format(file=target, n=rules_file.count_rules(text))
            )
        return 0
    name = employee_name(args.employee)
    rules = rules_file.read_rules(args.file)
    _open(settings)
    report = rules_file.import_rules(
        rules, employee=find_employee(name), replace=args.replace, check=args.check
    )
    counts = {
        "created": report.count(report.created),
        "changed": report.count(report.changed),
        "retired": report.count(report.retired),
        "unchanged": report.unchanged,
    }
    if args.check:
        text = _(
            "{file} checked: it would create {created}, change {changed} and retire {retired} "
            "rules ({unchanged} as they are). Nothing was written."
        )
    else:
        text = _(
            "{file}: {created} rules created, {changed} changed, {retired} retired, "
            "{unchanged} as they were."
        )
    print(text.format(file=args.file, **counts))
    return 0


def _approver_args(args: argparse.Namespace) -> tuple[str, str] | None:
    """--approver NAME --approver-pin PIN, checked before the database is opened."""
    from torgtui.staff import check_pin_format

    if (args.approver is None) != (args.approver_pin is None):
        raise TorgError(_("Give --approver and --approver-pin together."))
    if args.approver is None:
        return None
    return employee_name(args.approver), check_pin_format(args.approver_pin)


def _approver(given: tuple[str, str] | None) -> Any:  # -> sell_cli.Approver | None
    from torgtui.sales.sell_cli import Approver

    return Approver(find_employee(given[0]), given[1]) if given is not None else None


def cmd_sell(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.sales import sell_cli

    name, approver = employee_name(args.employee), _approver_args(args)
    order = sell_cli.load_order(args.order)
    _open(settings)
    employee = find_employee(name)
    receipt = sell_cli.sell(
        order, settings=settings, employee=employee, approver=_approver(approver)
    )
    return sell_cli.print_receipt(receipt, employee)


def cmd_return(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.sales import sell_cli
    from torgtui.values import check_count, check_uuid

    name, approver = employee_name(args.employee), _approver_args(args)
    number = check_count(args.number, _("The receipt number"), minimum=1, maximum=2**31 - 1)
    picks = sell_cli.check_picks(args.line, args.qty)
    uuid = check_uuid(args.uuid, "--uuid") if args.uuid is not None else None
    _open(settings)
    employee = find_employee(name)
    receipt = sell_cli.take_back(
        number,
        picks,
        settings=settings,
        employee=employee,
        approver=_approver(approver),
        uuid=uuid,
    )
    return sell_cli.print_receipt(receipt, employee)


def cmd_shift(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.sales import sell_cli
    from torgtui.values import parse_money

    name = employee_name(args.employee)
    if args.shift_command == "open":
        amount: int | None = parse_money(args.float, "--float")
    else:
        amount = parse_money(args.counted, "--counted") if args.counted is not None else None
    _open(settings)
    employee = find_employee(name)
    if args.shift_command == "open":
        result = sell_cli.open_shift(settings, employee, amount or 0)
    else:
        result = sell_cli.close_shift(settings, employee, amount)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_customer(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.customers.show import run_show_command
    from torgtui.values import check_text

    text = check_text(args.card, _("The card or phone"), max_len=40, required=True)
    name = employee_name(args.employee) if args.employee is not None else None
    _open(settings)
    employee = find_employee(name) if name is not None else None
    return run_show_command(text, as_json=args.json, by=employee)


def _json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def cmd_promotions(args: argparse.Namespace, settings: Any) -> int:
    """Every argument is checked before the database is opened; JSON out."""
    from torgtui.values import check_count, check_date, check_kopecks, check_percent, check_text

    name = employee_name(args.employee)
    command = args.promotions_command
    if command == "reverse-costs":
        number = check_count(
            args.number, _("The cost document's number"), minimum=1, maximum=2**31 - 1
        )
        note = check_text(args.note, "--note", max_len=200)
        _open(settings)
        from torgtui.marketing import costs

        info = costs.reverse_cost_document(number, by=find_employee(name), note=note)
        _json(info.as_dict())
        return 0
    code = check_text(args.id, _("The promotion's id"), max_len=40, required=True)
    if command == "backtest":
        from torgtui.marketing.promotions.backtest import MAX_WEEKS

        weeks = check_count(args.weeks, "--weeks", minimum=1, maximum=MAX_WEEKS)
        _open(settings)
        from torgtui.marketing.promotions.backtest import backtest

        _json(backtest(code, weeks, by=find_employee(name)).as_dict())
        return 0
    if command == "result":
        _open(settings)
        from torgtui.marketing.promotions.result import real_result

        _json(real_result(code, by=find_employee(name)).as_dict())
        return 0
    per_unit = percent = None
    if args.per_unit is not None:
        per_unit = check_kopecks(
            check_count(args.per_unit, "--per-unit", minimum=-(2**40), maximum=2**40),
            "--per-unit",
            minimum=1,
        )
    else:
        percent = check_percent(args.percent, "--percent")
    first = check_date(args.first_day, "--from") if args.first_day is not None else None
    last = check_date(args.last_day, "--to") if args.last_day is not None else None
    if first is not None and last is not None and last < first:
        raise TorgError(
            _("--to {last} is before --from {first}: swap them.").format(last=last, first=first)
        )
    note = check_text(args.note, "--note", max_len=200)
    _open(settings)
    from torgtui.marketing import costs

    employee = find_employee(name)
    how = {
        "per_unit": per_unit,
        "percent": percent,
        "first_day": first,
        "last_day": last,
        "note": note,
    }
    if args.preview:
        _json(costs.preview_costs(code, by=employee, **how).as_dict())
    else:
        _json(costs.recalculate_costs(code, by=employee, **how).as_dict())
    return 0


def cmd_messages(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.cli_messages import cmd_messages as run

    return run(args, settings)


def cmd_stock(args: argparse.Namespace, settings: Any) -> int:
    from torgtui.cli_stock import cmd_stock as run

    return run(args, settings)


COMMANDS: dict[str, Command] = {
    "audit": cmd_audit,
    "loyalty": cmd_loyalty,
    "certificates": cmd_certificates,
    "rules": cmd_rules,
    "sell": cmd_sell,
    "return": cmd_return,
    "shift": cmd_shift,
    "customer": cmd_customer,
    "promotions": cmd_promotions,
    "messages": cmd_messages,
    "stock": cmd_stock,
}

# the words that name a command in a crash message (see torgtui.cli._crashed)
SUBCOMMAND_ATTRS = (
    "audit_command",
    "loyalty_command",
    "certificates_command",
    "rules_command",
    "shift_command",
    "customer_command",
    "promotions_command",
    "messages_command",
    "stock_command",
)
