"""Promo codes in the Promotions area, by keyboard: a new batch made with its codes, more
codes, a code and the batch blocked, the codes to CSV, XLSX and a PDF sheet of labels, and what
each channel brought in a period (from a real sale with a code)."""

from __future__ import annotations

from textual.widgets import Input, Select

from torgtui.app import TorgApp
from torgtui.marketing import codes
from torgtui.models import AuditEntry
from torgtui.models.codes import CodeBatch, PromoCode
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift
from torgtui.screens.code_batches import BatchCodesScreen, ChannelReportScreen, CodeBatchesScreen
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.promotions import PromotionCardScreen

from .helpers import log_in, settle
from .promo_shop import build_promo_shop


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_codes(pilot) -> CodeBatchesScreen:
    await log_in(pilot, "Maria Manager", "2222")
    await pilot.press("4", "7")
    await wait(pilot)
    assert isinstance(pilot.app.screen, CodeBatchesScreen)
    return pilot.app.screen


def sell_with_code(staff, clock, shop, code: str) -> None:
    cashier = staff["cashier"]
    shift = open_shift(cashier, "till-1", shop.location, 0, clock=clock, fiscal=False)
    reg = Register(cashier, register="till-1", location_id=shop.location.id, clock=clock)
    reg.enter(shop.codes["D-1"])
    reg.enter(code)
    total = reg.priced().total
    commit_sale(
        reg.basket,
        [Tender("card", total)],
        uuid=reg.uuid,
        employee=cashier,
        shift=shift,
        cash_step=10,
        clock=clock,
        fiscal=False,
    )
    reg.forget()


async def test_a_new_batch_its_codes_blocking_and_files(settings, ui_staff, clock, tmp_path):
    build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_codes(pilot)
        assert [b.code for b in screen.listing.batches] == ["FLYER-NOV"]
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        for key, value in {
            "code": "INSTA-DEC",
            "name": "Instagram грудень",
            "channel": "instagram",
            "count": "12",
            "uses": "3",
            "per_customer": "1",
            "until": "31.12.2026",
            "locations": "NOWHERE",
        }.items():
            dialog.query_one(f"#form-{key}", Input).value = value
        dialog.query_one("#form-style", Select).value = "ean13"
        await pilot.press("f2")
        await wait(pilot)
        assert "there is no location 'NOWHERE'; the codes are MAIN" in dialog.message
        dialog.query_one("#form-locations", Input).value = "main"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is screen
        batch = CodeBatch.get(CodeBatch.code == "INSTA-DEC")
        assert (batch.style, batch.uses_per_code, batch.per_customer) == ("ean13", 3, 1)
        assert str(batch.valid_until) == "2026-12-31"
        made = [c.code for c in PromoCode.select().where(PromoCode.batch == batch.id)]
        assert len(made) == 12 and all(len(c) == 13 and c.startswith("28") for c in made)
        assert [b.code for b in screen.listing.batches] == ["FLYER-NOV", "INSTA-DEC"]
        await pilot.press("down", "f3")
        await wait(pilot)
        app.screen.query_one("#form-count", Input).value = "8"
        await pilot.press("f2")
        await wait(pilot)
        assert codes.code_count(batch.id) == 20
        await pilot.press("enter")  # its codes
        await wait(pilot)
        listing = app.screen
        assert isinstance(listing, BatchCodesScreen)
        await pilot.press("down", "delete")
        await wait(pilot)
        app.screen.query_one("#form-reason", Input).value = "posted online"
        await pilot.press("f2")
        await wait(pilot)
        assert PromoCode.get(PromoCode.code == made[1]).blocked
        await pilot.press("escape", "f5")  # the whole batch
        await wait(pilot)
        await pilot.press("f2")
        await wait(pilot)
        assert CodeBatch.get_by_id(batch.id).blocked
        assert screen.listing.batches[1].blocked
        for name in ("codes.csv", "codes.xlsx", "labels.pdf", "codes.txt"):
            await pilot.press("f6")
            await wait(pilot)
            dialog = app.screen
            assert dialog.query_one("#form-path", Input).value.endswith(".csv")
            dialog.query_one("#form-path", Input).value = str(tmp_path / name)
            await pilot.press("f2")
            await wait(pilot)
            if name.endswith(".txt"):
                assert "The file ends in .csv, .xlsx" in dialog.message
                await pilot.press("escape")
            else:
                assert app.screen is screen
        text = (tmp_path / "codes.csv").read_text(encoding="utf-8-sig")
        assert len(text.strip().splitlines()) == 21 and made[0] in text
        assert (tmp_path / "codes.xlsx").stat().st_size > 0
        assert (tmp_path / "labels.pdf").read_bytes().startswith(b"%PDF")
    exports = AuditEntry.select().where(AuditEntry.action == "code_batch.export").count()
    assert exports == 2
    assert AuditEntry.select().where(AuditEntry.action == "code_batch.labels").count() == 1


async def test_the_channels_result_and_a_promotions_own_batches(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    flyer = [c.code for c in PromoCode.select().order_by(PromoCode.id)]
    sell_with_code(ui_staff, clock, shop, flyer[0])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_codes(pilot)
        assert screen.listing.batches[0].uses == 1
        await pilot.press("f7")
        await wait(pilot)
        await pilot.press("f2")
        await wait(pilot)
        report = app.screen
        assert isinstance(report, ChannelReportScreen)
        total = report.report.total
        assert (total.uses, total.receipts, total.revenue, total.discount) == (
            1,
            1,
            115000,
            10000,
        )
        assert [r.channel for r in report.report.channels] == ["Листівка"]
        await pilot.press("escape", "escape", "6")
        await wait(pilot)
        table = app.screen.query_one("#promotions")
        table.move_cursor(row=1)  # FLY10
        await pilot.press("enter")
        await wait(pilot)
        assert isinstance(app.screen, PromotionCardScreen)
        await pilot.press("f6")
        await wait(pilot)
        own = app.screen
        assert isinstance(own, CodeBatchesScreen) and own.promotion == "FLY10"
        assert [b.code for b in own.listing.batches] == ["FLYER-NOV"]
        await pilot.press("insert")
        await wait(pilot)
        chosen = app.screen.query_one("#form-promotion", Select).value
        assert int(chosen) == own.listing.batches[0].promotion_id
