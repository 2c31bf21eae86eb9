"""The command line: init, db upgrade/version/backup, staff; errors are one line, exit 2."""

from __future__ import annotations

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
