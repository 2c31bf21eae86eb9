"""`torgtui messages send|list|resolve`: one pass, the list, bad input in one line (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from torgtui.cli import main

NOW = dt.datetime(2026, 11, 22, 12, 0)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[str, str]:
    path = str(tmp_path / "shop.sqlite")
    config = tmp_path / "torgtui.toml"
    # no gateway: the pass is real, the rows wait and say why (nothing leaves the machine)
    config.write_text('[messages]\nsms_gateway = "none"\nemail_gateway = "none"\n')
    assert main(["--db", path, "init", "--owner", "Olena", "--pin", "1111"]) == 0
    from torgtui import db
    from torgtui.channels.outbox import enqueue
    from torgtui.models import Customer

    db.open_database(path)
    c = Customer.create(name="Оля", phone="+380671234567", created_at=NOW)
    enqueue(c.id, "note", "cli:1", text="Привіт", now=NOW)
    enqueue(c.id, "note", "cli:2", channel="sms", to="12", text="x", now=NOW)
    db.database.close()
    return path, str(config)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_send_once_and_list(shop, capsys) -> None:
    path, config = shop
    code, out, _err = run(
        capsys, "--db", path, "--config", config, "messages", "send", "--once", "--poll"
    )
    assert code == 0
    assert "skipped 1, waiting 1" in out and "Statuses asked 0" in out
    code, out, _err = run(capsys, "--db", path, "messages", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(r["id"], r["status"]) for r in rows] == [(2, "skipped"), (1, "pending")]
    assert "No gateway for sms" in rows[1]["why"]
    code, out, _err = run(capsys, "--db", path, "messages", "list", "--status", "skipped")
    assert code == 0 and len(out.splitlines()) == 1 and "Not a valid phone" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["messages", "list", "--status", "bogus"],
        ["messages", "list", "--limit", "0"],
        ["messages", "send", "--every", "x"],
        ["messages", "resolve", "1", "--sent", "--employee", "Nobody"],
        ["messages", "resolve", "1", "--sent", "--employee", "Olena"],  # not 'unknown'
        ["messages", "resolve", "abc", "--resend", "--employee", "Olena"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(shop, capsys, argv) -> None:
    path, _config = shop
    code, out, err = run(capsys, "--db", path, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("torgtui: ")
