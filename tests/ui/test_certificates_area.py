"""The Certificates area by keyboard (key 5): a manager makes a type in the form, issues a
batch of it, writes its barcodes to XLSX and the certificates to a PDF, and reads the
analysis; a senior cashier sees only the search, finds a certificate by its barcode (state and
history) and blocks the lost one after a reason and a confirmation. Asserted on the database
and the files."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, OptionList, Select

from torgtui.app import TorgApp
from torgtui.marketing import certificates as gc
from torgtui.models import AuditEntry, Product
from torgtui.models.certificates import Certificate, CertificateBatch, CertificateType
from torgtui.screens.certificates import CertificatesScreen, CertificateTypesScreen
from torgtui.screens.certificates_batches import CertificateBatchesScreen
from torgtui.screens.certificates_card import CertificateAnalysisScreen, CertificateCardScreen
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def scan(pilot, text: str, *, start: float = 100.0, gap: float = 0.001) -> None:
    """Keys as a keyboard-wedge scanner sends them: fast, then Enter, through the app."""
    t = start
    for ch in [*text, "enter"]:
        event = events.Key(ch, ch if len(ch) == 1 else None)
        event.time = t
        t += gap
        pilot.app.post_message(event)
    await pilot.pause()
    await wait(pilot)


def gift_product(clock, sku: str = "GC500") -> Product:
    return Product.create(
        sku=sku, name="Подарунковий сертифікат 500", price=50000, created_at=clock(),
        updated_at=clock(),
    )  # fmt: skip


async def open_area(pilot, name: str, pin: str) -> CertificatesScreen:
    await log_in(pilot, name, pin)
    await pilot.press("5")
    await wait(pilot)
    assert isinstance(pilot.app.screen, CertificatesScreen)
    return pilot.app.screen


def fill(dialog: FormDialog, values: dict[str, str]) -> None:
    for key, value in values.items():
        widget = dialog.query_one(f"#form-{key}")
        assert isinstance(widget, Input | Select)
        widget.value = value


async def test_a_type_a_batch_its_files_and_the_analysis(settings, ui_staff, clock, tmp_path):
    gift_product(clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        area = await open_area(pilot, "Maria Manager", "2222")
        sections = area.query_one("#certificate-sections", OptionList)
        assert sections.option_count == 4
        await pilot.press("1")
        await wait(pilot)
        types = app.screen
        assert isinstance(types, CertificateTypesScreen) and types.rows == []
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        fill(dialog, {"code": "GC-500", "name": "Сертифікат 500", "sku": "NOPE", "value": "500"})
        fill(dialog, {"days": "180", "template": "a4-4", "note": "Не обмінюється на гроші"})
        await pilot.press("f2")
        await wait(pilot)
        assert "no product with the article NOPE" in dialog.message  # the service's refusal
        fill(dialog, {"sku": "GC500"})
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is types
        made = CertificateType.get(CertificateType.code == "GC-500")
        assert (made.mode, made.face_value, made.valid_days, made.template) == (
            "money",
            50000,
            180,
            "a4-4",
        )
        assert [r.code for r in types.rows] == ["GC-500"], types.message
        await pilot.press("enter")  # change it: the form comes back as saved
        await wait(pilot)
        dialog = app.screen
        assert dialog.query_one("#form-value", Input).value == "500.00"
        assert dialog.query_one("#form-template", Select).value == "a4-4"
        fill(dialog, {"name": "Сертифікат на 500 грн"})
        await pilot.press("f2")
        await wait(pilot)
        assert CertificateType.get_by_id(made.id).name == "Сертифікат на 500 грн"
        assert app.screen is types and types.rows[0].name == "Сертифікат на 500 грн"
        await pilot.press("f3")  # issue a batch of it
        await wait(pilot)
        fill(app.screen, {"count": "3", "note": "друкарня"})
        await pilot.press("f2")
        await wait(pilot)
        batch = CertificateBatch.get()
        certs = list(Certificate.select().where(Certificate.batch == batch.id))
        assert batch.count == 3 and len(certs) == 3 and {c.status for c in certs} == {"issued"}
        await pilot.press("f4")  # the type's batches
        await wait(pilot)
        batches = app.screen
        assert isinstance(batches, CertificateBatchesScreen)
        assert [b.id for b in batches.rows] == [batch.id]
        await pilot.press("f6")
        await wait(pilot)
        fill(app.screen, {"path": str(tmp_path / "gc.xlsx")})
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is batches
        from openpyxl import load_workbook

        rows = list(load_workbook(tmp_path / "gc.xlsx").active.iter_rows(values_only=True))
        assert sorted(r[0] for r in rows[1:]) == sorted(c.barcode for c in certs)
        await pilot.press("f7")
        await wait(pilot)
        dialog = app.screen
        assert dialog.query_one("#form-page", Select).value == "a4-4"  # the type's template
        fill(dialog, {"path": str(tmp_path / "gc.pdf")})
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is batches
        assert (tmp_path / "gc.pdf").read_bytes().startswith(b"%PDF")
        await pilot.press("escape", "escape")
        await wait(pilot)
        assert app.screen is area
        await pilot.press("4")  # the analysis of this month
        await wait(pilot)
        await pilot.press("f2")
        await wait(pilot)
        report = app.screen
        assert isinstance(report, CertificateAnalysisScreen)
        assert [(f.type_code, f.issued) for f in report.figures] == [("GC-500", 3)]
        await pilot.press("escape", "3")  # a manager blocks one, then unblocks it
        await wait(pilot)
        fill(app.screen, {"barcode": certs[1].barcode})
        await pilot.press("f2")
        await wait(pilot)
        card = app.screen
        assert isinstance(card, CertificateCardScreen)
        assert card.check_action("unblock", ()) is False
        await pilot.press("f5")
        await wait(pilot)
        fill(app.screen, {"reason": "загубили"})
        await pilot.press("f2")
        await wait(pilot)
        await pilot.press("f2")  # yes
        await wait(pilot)
        assert Certificate.get_by_id(certs[1].id).status == "blocked"
        await pilot.press("f6")
        await wait(pilot)
        fill(app.screen, {"reason": "знайшлися"})
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is card and card.card.current.status == "issued"
        assert Certificate.get_by_id(certs[1].id).status == "issued"
    actions = {a.action for a in AuditEntry.select()}
    assert {"certificate_batch.export", "certificate_batch.print"} <= actions


async def test_a_senior_cashier_finds_and_blocks_a_lost_one(settings, ui_staff, clock):
    gift_product(clock)
    manager = ui_staff["manager"]
    gc.save_type(
        gc.TypeData("GC-500", "Сертифікат 500", "money", product_sku="GC500", face_value=50000),
        by=manager,
        clock=clock,
    )
    batch = gc.issue_batch("GC-500", 2, by=manager, clock=clock)
    lost = batch.first_barcode
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        area = await open_area(pilot, "Serhii Senior", "4444")
        sections = area.query_one("#certificate-sections", OptionList)
        assert [sections.get_option_at_index(i).id for i in range(sections.option_count)] == [
            "find"
        ]
        await pilot.press("1")  # types: not for this role, the key does nothing
        await wait(pilot)
        assert app.screen is area
        await pilot.press("3")
        await wait(pilot)
        fill(app.screen, {"barcode": "2999999999999"})
        await pilot.press("f2")
        await wait(pilot)
        assert "No certificate has the barcode 2999999999999" in app.screen.message
        fill(app.screen, {"barcode": ""})
        await scan(pilot, lost)  # a scanner's burst and its Enter: this dialog takes scans
        await wait(pilot)
        card = app.screen
        assert isinstance(card, CertificateCardScreen) and app.scan_guard.refused == 0
        assert card.card.current.status == "issued"
        assert "State: issued" in str(card.query_one("#certificate-state").content)
        history = card.query_one("#certificate-history")
        assert history.row_count == 1  # issued
        await pilot.press("f5")
        await wait(pilot)
        await pilot.press("f2")  # no reason: refused
        await wait(pilot)
        assert "reason" in app.screen.message.lower()
        fill(app.screen, {"reason": "загубив покупець"})
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert Certificate.get(Certificate.barcode == lost).status == "issued"  # not yet
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is card
        blocked = Certificate.get(Certificate.barcode == lost)
        assert (blocked.status, blocked.block_reason) == ("blocked", "загубив покупець")
        assert blocked.blocked_by_id == ui_staff["senior_cashier"].id
        assert card.card.current.status == "blocked" and history.row_count == 2
        assert card.check_action("block", ()) is False
        other = Certificate.get(Certificate.barcode == batch.last_barcode)
        assert other.status == "issued"
