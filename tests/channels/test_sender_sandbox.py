"""End to end with the demo's real pieces: a bonus notice written by loyalty (no text) is
rendered from its template in the customer's language and carried by the sandbox gateway, then
polled to delivered; `torgtui messages send --once --poll` does the same from the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from torgtui.channels.gateways import sandbox_path
from torgtui.channels.sender import Sender
from torgtui.clock import FixedClock
from torgtui.config import load_settings
from torgtui.marketing.bonuses import notify
from torgtui.models import Customer, OutboxMessage

NOON = dt.datetime(2026, 11, 22, 12, 0)


def test_a_bonus_notice_goes_through_the_sandbox(sqlite_db, tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("", encoding="utf-8")
    settings = load_settings(
        path=config,
        env={},
        overrides={"database.url": str(tmp_path / "shop.sqlite"), "store.name": "Квітка"},
    )
    uk = Customer.create(name="Олена Коваль", phone="+380671234567", language="uk", created_at=NOON)
    en = Customer.create(
        name="John Smith", email="john@example.com", language="en", created_at=NOON
    )
    assert notify(uk.id, "bonus_expiring", "exp:1", {"amount": 5000, "expires_at": NOON}, NOON)
    assert notify(en.id, "bonus_expiring", "exp:2", {"amount": 700, "expires_at": NOON}, NOON)
    sender = Sender(settings, clock=FixedClock(NOON))
    try:
        run = sender.run_once()
        assert run.accepted == 2, run
        lines = [json.loads(x) for x in sandbox_path(settings).read_text("utf-8").splitlines()]
        assert [x.get("channel") for x in lines] == ["sms", "email"]
        first = OutboxMessage.get(OutboxMessage.dedupe == "exp:1")
        assert (first.status, first.via, first.gateway) == ("accepted", "sms", "sandbox")
        assert first.text.startswith("Олена,") and "Квітка" in first.text
        second = OutboxMessage.get(OutboxMessage.dedupe == "exp:2")
        assert (
            second.text.startswith("John,")
            and second.subject
            and second.address == ("john@example.com")
        )
        assert sender.poll().delivered == 2
        assert {m.status for m in OutboxMessage.select()} == {"delivered"}
    finally:
        sender.close()
