"""``torgtui ...`` commands. Every failure a person can fix is printed as one clear line
(exit status 2), never a traceback; a command that only partly succeeded (some import rows or
basket lines refused) exits 1.

    torgtui [--db URL] [--config FILE] [--lang en|uk]        open the register
    torgtui init --db FILE --owner NAME --pin PIN            a new, empty shop
    torgtui db upgrade | db version | db backup PATH
    torgtui demo --db FILE [--customers N] [--seed S]
    torgtui import products FILE.csv [--encoding utf-8|cp1251]
    torgtui import customers FILE.csv [--encoding utf-8|cp1251]
    torgtui export customers FILE.csv [--encoding utf-8|cp1251] [filters]
    torgtui print questionnaire|envelopes|labels FILE.pdf [...]
    torgtui price BASKET.json
    torgtui staff list | staff add NAME --role ROLE --pin PIN | staff set-pin NAME --pin PIN
    torgtui pricelist export --list CODE FILE.xlsx|FILE.html
    torgtui audit verify | audit head                         (these: torgtui.cli_shop)
    torgtui loyalty expire [--at DATE]
    torgtui rules export|import FILE.toml
    torgtui sell ORDER.json | return NUMBER | shift open|close --employee NAME
    torgtui customer show CARD|PHONE [--json]

Settings are read first, then each command checks all of its arguments before it opens or
creates anything, so a mistyped value never leaves a half-made database behind. Only then is
the command's module imported: on SQLite the PostgreSQL driver is never loaded.

An unexpected error (a bug, not the input) is not shown as a traceback: the traceback goes to a
crash log (:mod:`torgtui.crashlog`: ``~/.local/state/torgtui/crash-<time>-<pid>.log`` on Linux),
and one line names the command and the file. Exit status 3.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from torgtui.errors import TorgError
from torgtui.i18n import _, set_language

GLOBAL_OPTIONS = {
    "--db": "database file or URL (sqlite:///..., postgresql://...)",
    "--config": "settings file (TOML)",
    "--lang": "interface language: en or uk",
}


def _accept_globals_everywhere(parser: argparse.ArgumentParser) -> None:
    """Let --db, --config and --lang also follow a subcommand (``torgtui demo --db X``).

    On subcommands they default to SUPPRESS, so a value given before the subcommand is
    kept when none is given after it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                for flag, text in GLOBAL_OPTIONS.items():
                    if flag not in child._option_string_actions:
                        child.add_argument(flag, default=argparse.SUPPRESS, help=_(text))
                _accept_globals_everywhere(child)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torgtui", description=_("Terminal register"))
    parser.add_argument("--db", help=_("database file or URL (sqlite:///..., postgresql://...)"))
    parser.add_argument("--config", help=_("settings file (TOML)"))
    parser.add_argument("--lang", help=_("interface language: en or uk"))
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("run", help=_("open the register (the default)"))

    init = sub.add_parser("init", help=_("create a new, empty shop database"))
    init.add_argument("--owner", required=True, help=_("the owner's name"))
    init.add_argument("--pin", required=True, help=_("the owner's PIN (4-12 digits)"))
    init.add_argument("--location", default="MAIN", help=_("location code"))
    init.add_argument("--store", default="", help=_("store name"))

    db = sub.add_parser("db", help=_("database maintenance"))
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help=_("apply pending schema migrations"))
    dbsub.add_parser("version", help=_("print the schema version"))
    backup = dbsub.add_parser("backup", help=_("online backup of a SQLite database"))
    backup.add_argument("path")

    demo = sub.add_parser("demo", help=_("build a demo shop"))
    demo.add_argument("--customers", default="2000")
    demo.add_argument("--seed", default="1")
    demo.add_argument("--months", default="6", help=_("months of sales history"))
    demo.add_argument("--today", help=_("last day of history, YYYY-MM-DD (default: today)"))
    demo.add_argument("--force", action="store_true", help=_("replace an existing file"))

    imp = sub.add_parser("import", help=_("import data from CSV"))
    impsub = imp.add_subparsers(dest="import_what", required=True)
    products = impsub.add_parser("products", help=_("import or update products by SKU"))
    products.add_argument("file")
    products.add_argument("--encoding", help=_("utf-8 or cp1251 (detected when omitted)"))
    products.add_argument("--location", help=_("location code for stock quantities"))
    customers = impsub.add_parser("customers", help=_("add customer cards from CSV"))
    customers.add_argument("file")
    customers.add_argument("--encoding", help=_("utf-8 or cp1251 (detected when omitted)"))
    _customer_parsers(sub)

    price = sub.add_parser("price", help=_("price a basket from a JSON file (- for stdin)"))
    price.add_argument("basket")

    staff = sub.add_parser("staff", help=_("employees"))
    staffsub = staff.add_subparsers(dest="staff_command", required=True)
    staffsub.add_parser("list")
    add = staffsub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", required=True)
    add.add_argument("--pin", required=True)
    setpin = staffsub.add_parser("set-pin")
    setpin.add_argument("name")
    setpin.add_argument("--pin", required=True)
    plist = sub.add_parser("pricelist", help=_("price lists for partners"))
    plexp = plist.add_subparsers(dest="pricelist_command", required=True).add_parser(
        "export", help=_("write a price list as .xlsx or .html")
    )
    plexp.add_argument("--list", required=True, dest="list_code", help=_("the price list's code"))
    plexp.add_argument("file", help=_("the .xlsx or .html file to write"))
    from torgtui import cli_shop

    cli_shop.add_parsers(sub)
    _accept_globals_everywhere(parser)
    return parser


def _customer_parsers(sub: argparse._SubParsersAction) -> None:
    """``export customers`` and ``print ...`` (their code is imported only when they run)."""

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--attention", action="store_true", help=_("only cards marked '!'"))
        p.add_argument("--birthday-within", metavar="DAYS")
        p.add_argument("--children-age", metavar="X-Y", help=_("a child aged X to Y years"))
        p.add_argument("--not-bought-days", metavar="DAYS")

    exp = sub.add_parser("export", help=_("export data to CSV")).add_subparsers(
        dest="export_what", required=True
    )
    customers = exp.add_parser("customers", help=_("active customer cards"))
    customers.add_argument("file")
    customers.add_argument("--encoding", default="utf-8", choices=("utf-8", "cp1251"))
    filters(customers)
    prints = sub.add_parser("print", help=_("print customer forms, envelopes and labels"))
    what = prints.add_subparsers(dest="print_what", required=True)
    form = what.add_parser("questionnaire", help=_("the blank discount card form"))
    form.add_argument("--children", action="store_true", help=_("with a children table"))
    form.add_argument("--card", default="", help=_("card number to print on the form"))
    env = what.add_parser("envelopes", help=_("DL envelopes to customers' postal addresses"))
    env.add_argument("--sender", help=_("sender lines (default: store name and address)"))
    labels = what.add_parser("labels", help=_("A4 label sheet of card barcodes or codes"))
    labels.add_argument("--layout", default="a4-24", choices=("a4-24", "a4-40", "a4-65"))
    labels.add_argument("--codes", nargs="+", help=_("print these codes instead of cards"))
    for p in (form, env, labels):
        p.add_argument("file", help=_("the PDF to write"))
    filters(env)
    filters(labels)


def _settings(args: argparse.Namespace):  # -> Settings
    from torgtui.config import load_settings

    overrides = {"database.url": args.db, "ui.language": args.lang}
    settings = load_settings(args.config, overrides=overrides)
    set_language(settings.ui.language)
    skip_unused_drivers(settings.database.url)
    return settings


def skip_unused_drivers(url: str) -> None:
    """Keep Peewee from importing the PostgreSQL driver when this run uses SQLite.

    Peewee imports every driver it finds when it is first imported; psycopg alone costs about
    120 ms of a register's cold start. Marking it absent in ``sys.modules`` before Peewee loads
    makes that import fail fast. Nothing changes once Peewee is loaded (tests, PostgreSQL runs).
    """
    if "peewee" in sys.modules or url.startswith(("postgresql://", "postgres://")):
        return
    for name in ("psycopg", "psycopg2"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _open(settings, *, create: bool = False):  # -> peewee.Database
    from torgtui import db

    return db.open_and_upgrade(settings.database.url, create=create)


def cmd_run(args: argparse.Namespace, settings) -> int:
    from torgtui import db

    _open(settings)
    # WAL checkpoints off the commit path: a thread of this register runs them (SQLite only)
    db.start_checkpointer()
    # Textual paints changes on a frame timer (60 per second by default): a change waits for
    # the next tick. Frames are only drawn when something changed, so a faster timer costs
    # nothing at rest: 500 makes the wait at most 2 ms (bench till: entry settled 29.8 ->
    # 19.7 ms with 120 -> 500, the same bytes; docs/performance.md). Read when Textual is
    # first imported, so it is set here, before that.
    os.environ.setdefault("TEXTUAL_FPS", "500")
    # Threads hand the GIL over every 5 ms by default: the till's writer thread (the payment's
    # commit) and Textual's input and output threads waited up to that for the UI thread
    # drawing a frame, and the other way round. 1 ms keeps every hand-over short (pay -> paid
    # p95 in bench till; docs/performance.md); the extra switching costs nothing measurable.
    sys.setswitchinterval(0.001)
    from torgtui.app import TorgApp
    from torgtui.idle_gc import IdleCollector

    app = TorgApp(settings)
    # Python's garbage collection at quiet moments, not in the middle of a scan (a full one
    # took 70 ms; torgtui.idle_gc, docs/performance.md)
    app.idle_gc = IdleCollector()
    profile = os.environ.get("TORGTUI_PROFILE", "")
    if profile:  # docs/performance.md: the event loop profiled, written at exit or SIGTERM
        return _run_profiled(app, profile)
    app.run()
    return 0


def _run_profiled(app, path: str) -> int:
    """Run ``app`` under cProfile (the UI thread only: workers are not in it) and write the
    statistics to ``path`` when it ends, also on SIGTERM (how the benchmarks stop it)."""
    import cProfile
    import signal

    profiler = cProfile.Profile()

    def write(*_args: object) -> None:
        profiler.disable()
        profiler.dump_stats(path)
        os._exit(0)

    signal.signal(signal.SIGTERM, write)
    profiler.enable()
    try:
        app.run()
    finally:
        profiler.disable()
        profiler.dump_stats(path)
    return 0


def _employee_name(name: str) -> str:
    from torgtui.values import check_text

    return check_text(name, _("The employee's name"), max_len=120, required=True)


def cmd_init(args: argparse.Namespace, settings) -> int:
    """A new, empty shop. Every argument is checked first; a SQLite shop is built in a
    temporary file beside the target and renamed at the end, so a failure leaves no file."""
    from torgtui.values import check_code, check_text

    owner = _employee_name(args.owner)
    location = check_code(args.location, _("The location code"), max_len=20)
    store = check_text(
        args.store or settings.store.name, _("The store name"), max_len=120, required=True
    )
    from torgtui import db, staff

    pin = staff.check_pin_format(args.pin)
    url = settings.database.url
    path = db.sqlite_path(url)
    if path is None:
        _open(settings, create=True)
        _fill_new_shop(owner, pin, location, store)
    else:
        if path.exists() or path.is_symlink():
            raise TorgError(_("{path} already exists: choose a new file.").format(path=path))
        if not path.parent.is_dir():
            raise TorgError(
                _("The folder {folder} does not exist: create it first.").format(folder=path.parent)
            )
        _build_sqlite_atomically(path, lambda: _fill_new_shop(owner, pin, location, store))
    print(_("Created {url}: log in as {owner}.").format(url=db.redact(url), owner=owner))
    return 0


def _fill_new_shop(owner: str, pin: str, location: str, store: str) -> None:
    from torgtui import db, staff
    from torgtui.models import Employee, Location

    with db.write_tx():
        if Employee.select().exists():
            raise TorgError(_("This database already has employees; use `torgtui staff add`."))
        Location.create(code=location, name=store)
        staff.create_employee(owner, staff.Role.OWNER, pin, by=None, system=True)


def _build_sqlite_atomically(path: Path, fill: Any) -> None:
    """Make the SQLite shop ``path`` by ``fill()``-ing a new file beside it, then renaming it:
    whatever fails (or interrupts) on the way, no file is left under either name."""
    from torgtui import db

    tmp = path.with_name(f"{path.name}.creating")
    _remove_sqlite(tmp)
    try:
        database = db.open_and_upgrade(str(tmp), create=True)
        try:
            fill()
        finally:
            database.close()
        if path.exists():
            raise TorgError(_("{path} already exists: choose a new file.").format(path=path))
        os.replace(tmp, path)
    finally:
        _remove_sqlite(tmp)
    db.open_database(str(path))


def _remove_sqlite(path: Path) -> None:
    from torgtui.sqlite_writers import LOCK_SUFFIX

    for suffix in ("", "-wal", "-shm", "-journal", LOCK_SUFFIX):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def cmd_db(args: argparse.Namespace, settings) -> int:
    from torgtui import db, migrations

    url = settings.database.url
    if args.db_command == "backup":
        path = db.sqlite_path(url)
        if path is None:
            raise TorgError(
                _("Backups of PostgreSQL are taken with pg_dump; this command is for SQLite.")
            )
        database = db.open_database(url)
        db.check_version(database)
        target = db.backup_sqlite(path, Path(args.path))
        print(_("Backup written to {target}").format(target=target))
        return 0
    database = db.open_database(url)
    if args.db_command == "version":
        have, know = db.check_version(database)
        print(_("schema version {have} (this program: {know})").format(have=have, know=know))
        return 0
    with db.translated_errors(url):
        applied = db.upgrade(database, url)
    if applied:
        print(_("Upgraded to schema version {v}").format(v=applied[-1]))
    else:
        print(_("Already at schema version {v}").format(v=migrations.current_version(database)))
    return 0


def cmd_demo(args: argparse.Namespace, settings) -> int:
    from torgtui.demo import run_demo_command

    return run_demo_command(settings, args)


def cmd_import(args: argparse.Namespace, settings) -> int:
    from torgtui.values import check_code

    if getattr(args, "location", None) is not None:
        args.location = check_code(args.location, _("The location code"), max_len=20)
    if args.import_what == "customers":
        from torgtui.customers.csvio import run_import_command as import_customers

        _open(settings)
        return import_customers(args)
    from torgtui.catalog.importer import run_import_command

    _open(settings)
    return run_import_command(settings, args)


def cmd_customers(args: argparse.Namespace, settings) -> int:
    """``torgtui export customers`` and ``torgtui print ...``: arguments first, then the
    database."""
    from torgtui.customers.csvio import filters_from_args, run_export_command
    from torgtui.customers.printing import check_print_args, run_print_command

    if args.command == "print":
        check_print_args(args)
    else:
        filters_from_args(args)
    _open(settings)
    if args.command == "export":
        return run_export_command(args)
    return run_print_command(settings, args)


def cmd_price(args: argparse.Namespace, settings) -> int:
    from torgtui.sales.price_cli import load_basket, run_price_command

    basket = load_basket(args.basket)
    _open(settings)
    return run_price_command(settings, basket)


def cmd_staff(args: argparse.Namespace, settings) -> int:
    """``torgtui staff ...``: the name is checked here, the role and PIN by the staff service
    (before it writes anything)."""
    name = _employee_name(args.name) if args.staff_command != "list" else ""
    from torgtui import staff
    from torgtui.models import Employee

    _open(settings)
    if args.staff_command == "list":
        for emp in Employee.select().order_by(Employee.name):
            state = "" if emp.active else _(" (inactive)")
            print(f"{emp.id:>4}  {emp.name:<30} {staff.role_title(emp.role)}{state}")
        return 0
    if args.staff_command == "add":
        emp = staff.create_employee(name, args.role, args.pin, by=None, system=True)
        print(_("Added {name} ({role}).").format(name=emp.name, role=staff.role_title(emp.role)))
        return 0
    emp = Employee.get_or_none(Employee.name == name)
    if emp is None:
        raise TorgError(_("No employee named {name}: see `torgtui staff list`.").format(name=name))
    staff.set_pin(emp, args.pin, by=None, system=True)
    print(_("PIN changed for {name}.").format(name=emp.name))
    return 0


def cmd_pricelist(args: argparse.Namespace, settings) -> int:
    """``torgtui pricelist export --list CODE FILE``: the code and file first, then the
    database."""
    from torgtui.marketing.pricelists import check_export_path, run_export_command
    from torgtui.values import check_code

    code = check_code(args.list_code, _("The price list's code"), max_len=40)
    check_export_path(args.file)
    _open(settings)
    return run_export_command(code, args.file)


COMMANDS = {
    None: cmd_run,
    "run": cmd_run,
    "init": cmd_init,
    "db": cmd_db,
    "demo": cmd_demo,
    "import": cmd_import,
    "export": cmd_customers,
    "print": cmd_customers,
    "staff": cmd_staff,
    "price": cmd_price,
    "pricelist": cmd_pricelist,
}


def _command(name: str | None):  # -> the command's function
    if name in COMMANDS:
        return COMMANDS[name]
    from torgtui import cli_shop

    return cli_shop.COMMANDS[name]  # type: ignore[index]


def _register_only(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments when ``argv`` only opens the register (``torgtui [--db X] [--config Y]
    [--lang Z]``): the everyday start on a till, parsed without building every subcommand's
    parser (about 10 ms of a cold start). None for anything else."""
    options: dict[str, str | None] = {"db": None, "config": None, "lang": None}
    i = 0
    while i < len(argv):
        flag, _eq, value = argv[i].partition("=")
        if flag not in GLOBAL_OPTIONS:
            return None
        if not _eq:
            i += 1
            if i >= len(argv):
                return None
            value = argv[i]
        options[flag[2:]] = value
        i += 1
    return argparse.Namespace(command=None, **options)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _register_only(argv) or build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is not None:
        _tolerant_output()
    try:
        return _command(args.command)(args, _settings(args))
    except TorgError as exc:
        print(f"torgtui: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug: the cashier gets one line, the crash log the traceback
        return _crashed(argv, args)


def _tolerant_output() -> None:
    """A file name that is not valid UTF-8 (kept by Python as surrogates) is printed with
    escapes rather than failing the command after its work is done."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or unusual stream
                reconfigure(errors="backslashreplace")


def _crashed(argv: Sequence[str], args: argparse.Namespace) -> int:
    """Write the current exception's traceback to a crash log; say what failed and where."""
    from torgtui.crashlog import write_crash_log

    parts = ("db_command", "import_what", "export_what", "print_what", "staff_command")
    from torgtui.cli_shop import SUBCOMMAND_ATTRS

    parts += ("pricelist_command", *SUBCOMMAND_ATTRS)
    words = [args.command or "run", *(str(getattr(args, p, "") or "") for p in parts)]
    command = " ".join(word for word in words if word)
    path = write_crash_log(argv)
    if path is None:
        print(
            _(
                "torgtui: `torgtui {command}` stopped on an unexpected error; the details could "
                "not be saved. This is a bug in torgtui: please tell support."
            ).format(command=command),
            file=sys.stderr,
        )
    else:
        print(
            _(
                "torgtui: `torgtui {command}` stopped on an unexpected error. This is a bug in "
                "torgtui, not in what you typed: the details are in {path}; send that file to "
                "support."
            ).format(command=command, path=path),
            file=sys.stderr,
        )
    return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
