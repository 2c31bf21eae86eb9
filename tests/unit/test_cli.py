"""The command line: init, db upgrade/version/backup, staff; errors are one line, exit 2."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from torgtui.cli import main
from torgtui.db import database
from torgtui.migrations import latest_version


@pytest.fixture
def shop(tmp_path: Path) -> str:
    path = str(tmp_path / "shop.sqlite")
    assert main(["--db", path, "init", "--owner", "Olena", "--pin", "1111"]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_and_version(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", shop, "db", "version")
    v = latest_version()
    assert code == 0 and f"schema version {v} (this program: {v})" in out
    code, out, _ = run(capsys, "--db", shop, "db", "upgrade")
    assert code == 0 and f"Already at schema version {v}" in out
    code, _, err = run(capsys, "--db", shop, "init", "--owner", "X", "--pin", "1111")
    assert code == 2 and "already exists" in err


def test_staff_commands(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(capsys, "--db", shop, "staff", "add", "Ivan", "--role", "cashier", "--pin", "3333")[0]
        == 0
    )
    code, out, _ = run(capsys, "--db", shop, "staff", "list")
    assert "Ivan" in out and "Cashier" in out and "Olena" in out and "Owner" in out
    code, _, err = run(capsys, "--db", shop, "staff", "add", "Bad", "--role", "king", "--pin", "1")
    assert code == 2 and "Unknown role 'king'" in err
    code, _, err = run(capsys, "--db", shop, "staff", "set-pin", "Nobody", "--pin", "1234")
    assert code == 2 and "No employee named Nobody" in err


def test_backup_command(shop: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "b" / "copy.sqlite"
    code, _, err = run(capsys, "--db", shop, "db", "backup", str(target))
    assert code == 2 and "The folder" in err and not target.exists()
    target.parent.mkdir()
    code, out, _ = run(capsys, "--db", shop, "db", "backup", str(target))
    assert code == 0 and "Backup written" in out
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT name FROM employee").fetchone() == ("Olena",)
    conn.close()
    code, _, err = run(capsys, "--db", shop, "db", "backup", str(target))
    assert code == 2 and "already exists" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lang", "fr", "db", "version"], "ui.language = 'fr' (command line) is not valid"),
        (["db", "version"], "does not exist. Build a demo shop"),
        (["--config", "/nonexistent/settings.toml", "db", "version"], "does not exist"),
    ],
)
def test_errors_are_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "missing.sqlite"), *argv)
    assert code == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_newer_database_refused_by_cli(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(shop)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01 00:00:00')")
    conn.commit()
    conn.close()
    database.close()
    code, _, err = run(capsys, "--db", shop, "staff", "list")
    assert code == 2 and "newer torgtui (schema version 99" in err


def test_ukrainian_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--lang", "uk", "--db", str(tmp_path / "x.sqlite"), "db", "version")
    assert code == 2 and "не існує" in err


def test_global_options_after_the_subcommand(tmp_path: Path, capsys) -> None:
    """The issue's own forms: `torgtui demo --db PATH`, `torgtui db version --db PATH`."""
    path = str(tmp_path / "late.sqlite")
    assert main(["init", "--db", path, "--owner", "O", "--pin", "1111"]) == 0
    database.close()
    capsys.readouterr()
    assert main(["db", "version", "--db", path]) == 0
    assert "schema version" in capsys.readouterr().out
    # a late option is really read: a bad language after the subcommand is refused
    assert main(["--db", path, "db", "version", "--lang", "xx"]) == 2
    assert "ui.language = 'xx' (command line)" in capsys.readouterr().err


def test_register_start_is_parsed_without_the_full_parser() -> None:
    from torgtui.cli import _register_only

    args = _register_only(["--db", "a.sqlite", "--lang=uk"])
    assert (args.command, args.db, args.lang, args.config) == (None, "a.sqlite", "uk", None)
    assert _register_only([]).command is None
    assert _register_only(["demo", "--db", "x"]) is None  # a subcommand: the full parser
    assert _register_only(["--db"]) is None  # incomplete: the full parser says what is wrong
    assert _register_only(["--help"]) is None


# --- issue 7: arguments checked first, no half-made database, no traceback ----------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pin", "1"], "A PIN is 4 to 12 digits."),
        (["--pin", "١٢٣٤"], "A PIN is 4 to 12 digits."),
        (["--pin", "1111", "--owner", "a\x01b"], "holds a control character (U+0001)"),
        (["--pin", "1111", "--owner", "   "], "The employee's name is empty."),
        (["--pin", "1111", "--location", "A B"], "'A B' is not a code"),
        (["--pin", "1111", "--location", "L" * 21], "is 21 characters long: at most 20"),
        (["--pin", "1111", "--store", "x\udcffy"], "The store name holds a broken character"),
    ],
)
def test_init_checks_every_argument_before_creating_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    path = tmp_path / "new.sqlite"
    args = ["--db", str(path), "init", "--owner", "Olena", *argv]
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing left: retry works
    good = ["--db", str(path), "init", "--owner", "Olena", "--pin", "1111"]
    assert run(capsys, *good)[0] == 0
    names = {p.name for p in tmp_path.iterdir()}  # the open shop may have its -wal and -shm
    assert "new.sqlite" in names and not any("creating" in name for name in names)


def test_init_failing_half_way_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever fails after the file was started (here the owner's row), no file is left."""
    from torgtui import staff
    from torgtui.errors import ValidationError

    def refuse(*args: object, **kwargs: object) -> None:
        raise ValidationError("refused on purpose")

    monkeypatch.setattr(staff, "create_employee", refuse)
    path = tmp_path / "new.sqlite"
    code, _, err = run(capsys, "--db", str(path), "init", "--owner", "O", "--pin", "1111")
    assert code == 2 and "refused on purpose" in err
    assert list(tmp_path.iterdir()) == []


def test_init_needs_an_existing_folder(tmp_path: Path, capsys) -> None:
    path = tmp_path / "no" / "shop.sqlite"
    code, _, err = run(capsys, "--db", str(path), "init", "--owner", "O", "--pin", "1111")
    assert code == 2 and "does not exist: create it first" in err
    assert not (tmp_path / "no").exists()


def test_a_bug_goes_to_a_crash_log_not_the_screen(
    shop: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from torgtui import cli

    def broken(args: object, settings: object) -> int:
        raise RuntimeError("a bug on purpose")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setitem(cli.COMMANDS, "staff", broken)
    argv = ["--db", shop, "staff", "set-pin", "Olena", "--pin", "4321"]
    code, out, err = run(capsys, *argv)

    assert code == 3 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "`torgtui staff set-pin` stopped on an unexpected error" in err
    logs = list((tmp_path / "state" / "torgtui").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: a bug on purpose" in text
    assert "--pin ***" in text and "4321" not in text


def test_crash_log_hides_database_passwords() -> None:
    from torgtui.crashlog import redacted

    assert redacted(["--db", "postgresql://shop:s3cret@db/shop", "--pin=1234", "x"]) == [
        "--db",
        "postgresql://shop:***@db/shop",
        "--pin=***",
        "x",
    ]


def test_argparse_errors_are_returned_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-such-option"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err
    assert main(["--help"]) == 0


# --- no PostgreSQL driver on SQLite runs ----------------------------------------------------

DRIVER_CHECK = (
    "import sys\n"
    "from torgtui.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "loaded = sorted(n for n, m in sys.modules.items() if n.startswith('psycopg') and m)\n"
    "print('PSYCOPG', ','.join(loaded) or '-', 'EXIT', code, file=sys.stderr)\n"
)


def test_no_subcommand_imports_psycopg_on_sqlite(tmp_path: Path) -> None:
    """Every subcommand, in a fresh interpreter on a SQLite shop: psycopg is never imported
    (it cost `torgtui price` 0.1 s of CPU). The register itself (no subcommand) is covered
    by bench/startup."""
    import json
    import subprocess
    import sys

    shop = str(tmp_path / "shop.sqlite")
    basket = tmp_path / "b.json"
    basket.write_text(json.dumps({"lines": [{"sku": "NOPE", "qty": 1}]}))
    products = tmp_path / "p.csv"
    products.write_text("sku;name;price\nS-1;Сукня;100\n", encoding="utf-8")
    customers = tmp_path / "c.csv"
    customers.write_text("name;phone\nОлена;067 123 45 67\n", encoding="utf-8")
    (tmp_path / "bk").mkdir()
    order = tmp_path / "o.json"
    order.write_text(
        json.dumps({"lines": [{"sku": "S-1"}], "payments": [{"kind": "cash", "amount": 10000}]})
    )
    rules = str(tmp_path / "rules.toml")
    commands = [
        (["init", "--owner", "O", "--pin", "1111"], 0),
        (["db", "version"], 0),
        (["db", "upgrade"], 0),
        (["db", "backup", str(tmp_path / "bk" / "copy.sqlite")], 0),
        (["staff", "list"], 0),
        (["staff", "add", "Ivan", "--role", "cashier", "--pin", "3333"], 0),
        (["staff", "set-pin", "Ivan", "--pin", "4444"], 0),
        (["import", "products", str(products)], 0),
        (["import", "customers", str(customers)], 0),
        (["export", "customers", str(tmp_path / "out.csv")], 0),
        (["print", "questionnaire", str(tmp_path / "q.pdf")], 0),
        (["print", "labels", str(tmp_path / "l.pdf"), "--codes", "A1"], 0),
        (["print", "envelopes", str(tmp_path / "e.pdf")], 2),  # nobody has an address
        (["price", str(basket)], 1),  # the unknown code is listed
        (["audit", "verify"], 0),
        (["loyalty", "expire"], 0),
        (["rules", "export", rules], 0),
        (["rules", "import", rules, "--employee", "O"], 0),
        (["shift", "open", "--employee", "O", "--float", "100"], 0),
        (["sell", str(order), "--employee", "O"], 0),
        (["return", "1", "--employee", "O"], 0),
        (["customer", "show", "067 123 45 67", "--json"], 0),
        (["shift", "close", "--employee", "O"], 0),
        (["demo", "--db", str(tmp_path / "demo.sqlite"), "--customers", "0", "--months", "1"], 0),
    ]
    env = {**os.environ, "TORGTUI_DB": shop, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    env.pop("TORGTUI_CONFIG", None)
    for argv, status in commands:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER_CHECK, *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        last = done.stderr.strip().splitlines()[-1]
        assert last == f"PSYCOPG - EXIT {status}", (argv, done.stderr[-2000:])


@pytest.mark.pg
def test_init_on_postgresql_checks_first(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad PIN is refused before the server is even asked: the schema stays empty."""
    import peewee

    code, _, err = run(capsys, "--db", pg_url, "init", "--owner", "Olena", "--pin", "12")
    assert code == 2 and "A PIN is 4 to 12 digits." in err
    probe = peewee.PostgresqlDatabase(pg_url, prefer_psycopg3=True)
    assert probe.get_tables() == []
    assert run(capsys, "--db", pg_url, "init", "--owner", "Olena", "--pin", "1234")[0] == 0
    assert "employee" in probe.get_tables()
    probe.close()
    database.close()
    code, _, err = run(capsys, "--db", pg_url, "init", "--owner", "Ivan", "--pin", "1234")
    assert code == 2 and "already has employees" in err
    database.close()
