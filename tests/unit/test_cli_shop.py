"""Back-office commands: `torgtui audit verify|head` and `torgtui loyalty expire`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from torgtui.cli import main


@pytest.fixture
def shop(tmp_path: Path) -> str:
    path = str(tmp_path / "shop.sqlite")
    assert main(["--db", path, "init", "--owner", "Olena", "--pin", "1111"]) == 0
    assert (
        main(["--db", path, "staff", "add", "Kateryna", "--role", "cashier", "--pin", "3333"]) == 0
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_audit_verify_and_head(shop: str, capsys) -> None:
    code, out, _err = run(capsys, "--db", shop, "audit", "verify")
    assert code == 0 and "Audit chain intact: 2 entries" in out
    code, out, _err = run(capsys, "--db", shop, "audit", "head")
    head = json.loads(out)
    assert code == 0 and head["id"] == 2 and len(head["hash"]) == 64
    # someone with the file drops the trigger and edits the first entry
    con = sqlite3.connect(shop)
    con.execute('DROP TRIGGER "audit_entry_no_update"')
    con.execute("UPDATE audit_entry SET object_id = 'x' WHERE id = 1")
    con.commit()
    con.close()
    code, _out, err = run(capsys, "--db", shop, "audit", "verify")
    assert code == 1 and "broken at entry 1: its contents were changed" in err


def test_loyalty_expire(shop: str, capsys) -> None:
    from torgtui import db
    from torgtui.marketing import ledger

    db.open_database(shop)
    acct = ledger.account(ledger.Kind.BONUS, "customer", 1, now=dt.datetime(2026, 1, 1))
    from torgtui.models import Customer

    Customer.create(name="Оля", created_at=dt.datetime(2026, 1, 1))
    ledger.post(acct, 1500, "earn", now=dt.datetime(2026, 1, 1), expires_at=dt.datetime(2026, 2, 1))
    db.database.close()
    code, out, _err = run(capsys, "--db", shop, "loyalty", "expire", "--at", "2026-01-31")
    assert code == 0 and "0.00 ₴ written off (cards: 0); notices written: 1" in out
    code, out, _err = run(capsys, "--db", shop, "loyalty", "expire", "--at", "2026-02-01")
    assert code == 0 and "15.00 ₴ written off (cards: 1); notices written: 1" in out
    code, out, _err = run(capsys, "--db", shop, "loyalty", "expire", "--at", "2026-02-01")
    assert code == 0 and "0.00 ₴ written off (cards: 0); notices written: 0" in out
    code, _out, err = run(capsys, "--db", shop, "loyalty", "expire", "--at", "yesterday")
    assert code == 2 and "not a date" in err
