"""The device hub sends the fiscal queue in the background and never blocks a sale on it."""

from __future__ import annotations

import time
from pathlib import Path

from torgtui.config import load_settings
from torgtui.hw.devices import DeviceHub
from torgtui.models import FiscalJob, Receipt
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift


def settings_for(tmp_path: Path, **devices: str):
    path = tmp_path / "settings.toml"
    lines = ["[store]", 'register = "till-1"', "[devices]"]
    lines += [f'{k} = "{v}"' for k, v in devices.items()]
    path.write_text("\n".join(lines))
    return load_settings(path, {})


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sale_is_fiscalised_in_the_background(sqlite_db, tmp_path, clock) -> None:
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.models import Barcode, Employee, Location, Product
    from torgtui.staff import Role, hash_pin

    loc = Location.create(code="MAIN", name="Shop")
    cashier = Employee.create(
        name="C", role=Role.CASHIER.value, pin_hash=hash_pin("3333"), created_at=clock()
    )
    product = Product.create(
        sku="S", name="Товар", price=5000, created_at=clock(), updated_at=clock()
    )
    Barcode.create(code=make_ean13("21", 5), product=product)
    states = []
    hub = DeviceHub(
        settings_for(tmp_path, printer="screen", fiscal="sandbox"),
        on_fiscal=states.append,
        clock=clock,
    )
    try:
        shift = open_shift(cashier, "till-1", loc, 0, clock=clock)
        reg = Register(cashier, register="till-1", clock=clock)
        reg.scan(make_ean13("21", 5))
        receipt = commit_sale(
            reg.priced(),
            [Tender("cash", 5000)],
            uuid=reg.uuid,
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        outcome = hub.print_receipt(receipt, cash=True)
        assert outcome.ok and "Товар" in "\n".join(hub.printer.screen_text)
        assert wait_for(lambda: hub.fiscal_waiting_in_thread() == 0)
        row = Receipt.get_by_id(receipt.id)
        assert row.fiscal_status == "done" and row.fiscal_code.startswith("SANDBOX-")
        assert {j.kind for j in FiscalJob.select()} == {"open_shift", "sale"}
        assert states and states[-1].waiting == 0
    finally:
        hub.close()
    assert hub.fiscal is None


def test_a_fiscal_setting_error_does_not_stop_selling(sqlite_db, tmp_path) -> None:
    hub = DeviceHub(settings_for(tmp_path, printer="none", fiscal="checkbox"))
    try:
        assert hub.fiscal is None and hub.printer is None
        assert any("fiscal queue" in m for m in hub.messages)
    finally:
        hub.close()
