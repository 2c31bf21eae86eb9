"""The mailing benchmark prepares what it claims: every card of its shop sorted once (sent, held
back, or skipped for a broken phone or an opt-out), one outbox row per sent recipient in the
recipient's language, a second prepare writing nothing, and progress to the total."""

from __future__ import annotations

from pathlib import Path

from bench import mailing


def test_the_mailing_bench_checks_its_own_figures(tmp_path: Path) -> None:
    from torgtui import db
    from torgtui.models import OutboxMessage

    url = str(tmp_path / "bench.sqlite")
    mailing.build(url, 500)
    try:
        result = mailing.run(500, "10")
        assert result["broken"] == []
        assert result["skipped"] == {"bad_phone": 5, "opted_out": 10}
        assert result["sent"] + result["holdout"] == 485
        assert result["outbox_rows"] == result["sent"] and 20 <= result["holdout"] <= 80
        assert result["second_prepare_written"] == 0
        texts = [m.text for m in OutboxMessage.select().order_by(OutboxMessage.customer)]
        assert any("Весняний розпродаж у Квітка!" in t for t in texts)
        assert any("Spring sale at Квітка!" in t for t in texts)
    finally:
        db.database.close()
