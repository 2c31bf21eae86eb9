"""The receipt printer: the text of a committed receipt, the ESC/POS bytes (escpos Dummy), a
real TCP printer on 127.0.0.1 (the Network backend), failures that keep the sale, and the file
backend. No real printer; receipts are rows written straight into the test database."""

from __future__ import annotations

import socket
import socketserver
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from escpos.printer import Dummy, Network

from torgtui.clock import FixedClock
from torgtui.config import DeviceSettings, Settings
from torgtui.errors import ConfigError
from torgtui.hw.printer import (
    PrinterError,
    ReceiptPrinter,
    open_printer,
    paid_in_cash,
    print_committed,
    reprint,
    unprinted_receipts,
)
from torgtui.hw.receipt_text import receipt_view, render_text
from torgtui.models import (
    LineAdjustment,
    Location,
    Payment,
    Product,
    Receipt,
    ReceiptLine,
    Shift,
)

ESC_T_CP866 = b"\x1bt\x11"
ESC_T_CP1251 = b"\x1bt\x2e"
CUT = b"\x1dV\x00"
DRAWER = b"\x1bp\x00"
PAPER_QUERY = b"\x10\x04\x04"
PAPER_OK, PAPER_END = 0x12, 0x72
DRESS = "Сукня"


# -- a committed receipt, written as rows -------------------------------------------------------


def make_receipt(
    staff: dict, clock: FixedClock, *, cash: bool = True, number: int = 7, fiscal_code: str = ""
) -> Receipt:
    """A sale of a dress (2 x 35.00, 5.00 off) and 1.25 kg of apples at 49.90, paid in cash
    (200.00 handed over for 127.40 after rounding) or by card."""
    cashier = staff["cashier"]
    now = clock()
    location, _ = Location.get_or_create(code="MAIN", defaults={"name": "Main"})
    shift = Shift.create(location=location, register="till-1", employee=cashier, opened_at=now)
    dress = Product.get_or_none(Product.sku == "D1") or Product.create(
        sku="D1", name="Сукня літня", price=3500, created_at=now, updated_at=now
    )
    apples = Product.get_or_none(Product.sku == "A1") or Product.create(
        sku="A1",
        name="Яблука Голден",
        unit="kg",
        weighed=True,
        price=4990,
        created_at=now,
        updated_at=now,
    )
    receipt = Receipt.create(
        uuid=str(uuid.uuid4()),
        number=number,
        kind="sale",
        status="closed",
        location=location,
        shift=shift,
        employee=cashier,
        created_at=now,
        closed_at=now,
        subtotal=13238,
        discount=500,
        total=12738,
        rounding=2 if cash else 0,
        fiscal_status="done" if fiscal_code else "pending",
        fiscal_code=fiscal_code,
    )
    line = ReceiptLine.create(
        receipt=receipt,
        position=1,
        product=dress,
        name="Сукня літня",
        qty=2000,
        unit_price=3500,
        subtotal=7000,
        discount=500,
        total=6500,
    )
    LineAdjustment.create(
        line=line, step="promotion", rule="AUTUMN", reason="Promo: autumn", amount=500
    )
    ReceiptLine.create(
        receipt=receipt,
        position=2,
        product=apples,
        name="Яблука Голден",
        qty=1250,
        unit_price=4990,
        subtotal=6238,
        total=6238,
    )
    if cash:
        Payment.create(receipt=receipt, tender="cash", amount=12740, tendered=20000)
    else:
        Payment.create(receipt=receipt, tender="card", amount=12738, tendered=12738)
    return Receipt.get_by_id(receipt.id)


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.store.name = "Крамниця Оксани"
    s.store.address = "Київ, вул. Січових Стрільців 1"
    s.register.receipt_header = "ФОП Петренко О.П."
    return s


@pytest.fixture
def sale(db: peewee.Database, staff: dict, clock: FixedClock) -> Receipt:
    return make_receipt(staff, clock)


# -- a fake network printer ----------------------------------------------------------------------


class FakePrinter(socketserver.ThreadingTCPServer):
    """A TCP printer on 127.0.0.1: keeps what each connection sent, answers DLE EOT 4."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int = 0, *, paper: int | None = PAPER_OK) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.paper = paper  # None: never answers status queries
        self.jobs: list[bytes] = []
        self.job_done = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def wait_job(self) -> bytes:
        assert self.job_done.wait(10), "the printer received no job"
        self.job_done.clear()
        return self.jobs[-1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: FakePrinter = self.server  # type: ignore[assignment]
        data, answered = b"", 0
        while chunk := self.request.recv(4096):
            data += chunk
            while server.paper is not None and data.count(PAPER_QUERY) > answered:
                self.request.sendall(bytes([server.paper]))
                answered += 1
        server.jobs.append(data)
        server.job_done.set()


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    server = FakePrinter()
    yield server
    server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def network_printer(port: int) -> ReceiptPrinter:
    devices = DeviceSettings(printer="network", printer_host="127.0.0.1", printer_port=port)
    printer = open_printer(devices)
    assert printer is not None and isinstance(printer.device, Network)
    return printer


# -- the text ------------------------------------------------------------------------------------

TEXT_32 = [
    "        Крамниця Оксани",
    " Київ, вул. Січових Стрільців 1",
    "       ФОП Петренко О.П.",
    "--------------------------------",
    "Receipt No. 7   22.11.2026 10:00",
    "Cashier: Kateryna Cashier",
    "--------------------------------",
    "Сукня літня",
    "               2 x 35.00 = 70.00",
    "  Promo: autumn            -5.00",
    "Яблука Голден",
    "            1.25 x 49.90 = 62.38",
    "--------------------------------",
    "Subtotal                  132.38",
    "Discount                   -5.00",
    "TOTAL                     127.38",
    "Rounding                    0.02",
    "--------------------------------",
    "Cash                      200.00",
    "Change                     72.60",
    "--------------------------------",
    "NOT FISCAL YET — fiscal receipt",
    "            pending",
    "      Дякуємо за покупку!",
]

TEXT_42 = [
    "             Крамниця Оксани",
    "      Київ, вул. Січових Стрільців 1",
    "            ФОП Петренко О.П.",
    "-" * 42,
    "Receipt No. 7             22.11.2026 10:00",
    "Cashier: Kateryna Cashier",
    "-" * 42,
    "Сукня літня",
    "                         2 x 35.00 = 70.00",
    "  Promo: autumn                      -5.00",
    "Яблука Голден",
    "                      1.25 x 49.90 = 62.38",
    "-" * 42,
    "Subtotal                            132.38",
    "Discount                             -5.00",
    "TOTAL                               127.38",
    "Rounding                              0.02",
    "-" * 42,
    "Cash                                200.00",
    "Change                               72.60",
    "-" * 42,
    " NOT FISCAL YET — fiscal receipt pending",
    "           Дякуємо за покупку!",
]


def test_text_of_a_cash_sale_at_32_and_42_columns(sale: Receipt, settings: Settings) -> None:
    view = receipt_view(sale, settings)
    assert render_text(view, 32) == TEXT_32
    assert render_text(view, 42) == TEXT_42
    assert view.qr == sale.uuid
    assert [(p.tender, p.change) for p in view.payments] == [("cash", 7260)]


def test_text_of_a_fiscal_card_sale(
    db: peewee.Database, staff: dict, clock: FixedClock, settings: Settings
) -> None:
    receipt = make_receipt(staff, clock, cash=False, fiscal_code="4000123456")
    view = receipt_view(receipt, settings)
    text = render_text(view, 32)
    assert text[13:] == [
        "Subtotal                  132.38",
        "Discount                   -5.00",
        "TOTAL                     127.38",
        "--------------------------------",
        "Card                      127.38",
        "--------------------------------",
        "Fiscal No. 4000123456",
        "      Дякуємо за покупку!",
    ]
    assert view.qr == "4000123456"
    assert render_text(view, 32, copy=True)[3] == " " * 14 + "COPY"


# -- the bytes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("codepage", "select"), [("CP866", ESC_T_CP866), ("CP1251", ESC_T_CP1251)])
def test_escpos_bytes_select_the_code_page_before_the_cyrillic(
    sale: Receipt, settings: Settings, codepage: str, select: bytes
) -> None:
    dummy = Dummy()
    printer = ReceiptPrinter(dummy, codepage=codepage, width=32)
    printer.print_receipt(receipt_view(sale, settings), kick_drawer=True)
    out = dummy.output
    assert out.startswith(b"\x1b@" + select)  # reset, then the code page
    assert out.count(b"\x1bt") == 1
    name = DRESS.encode(codepage)
    assert out.index(select) < out.index(name)
    assert "Яблука Голден".encode(codepage) in out
    assert "Дякуємо за покупку!".encode(codepage) in out
    assert b"?" not in out.replace(b"\x1d(k", b"")  # every character had a code point
    assert CUT in out and DRAWER in out
    assert out.index(CUT) < out.index(DRAWER)
    assert sale.uuid.encode() in out  # the QR payload (native GS ( k)
    header = "Крамниця Оксани".encode(codepage)
    assert b"\x1ba\x01\x1bE\x01" + header in out  # centred, bold


def test_cp866_prints_ukrainian_i_as_latin(sale: Receipt, settings: Settings) -> None:
    dummy = Dummy()
    ReceiptPrinter(dummy, codepage="CP866").print_receipt(receipt_view(sale, settings))
    assert "Сукня лiтня".encode("cp866") in dummy.output  # Latin i: CP866 has no і
    dummy1251 = Dummy()
    ReceiptPrinter(dummy1251, codepage="CP1251").print_receipt(receipt_view(sale, settings))
    assert "Сукня літня".encode("cp1251") in dummy1251.output


def test_drawer_opens_only_for_cash(
    db: peewee.Database, staff: dict, clock: FixedClock, settings: Settings
) -> None:
    cash = make_receipt(staff, clock, number=1)
    card = make_receipt(staff, clock, cash=False, number=2)
    assert paid_in_cash(cash) and not paid_in_cash(card)
    for receipt, kicked in [(cash, True), (card, False)]:
        printer = ReceiptPrinter(Dummy())
        outcome = print_committed(receipt, printer, settings, cash=paid_in_cash(receipt))
        assert outcome.ok and outcome.message == ""
        assert (DRAWER in printer.device.output) is kicked
        assert CUT in printer.device.output
        assert Receipt.get_by_id(receipt.id).print_status == "printed"
    settings.devices.drawer = False
    printer = ReceiptPrinter(Dummy())
    assert print_committed(cash, printer, settings, cash=True).ok
    assert DRAWER not in printer.device.output


def test_kick_drawer_alone() -> None:
    dummy = Dummy()
    ReceiptPrinter(dummy).kick_drawer()
    assert dummy.output == b"\x1b@" + ESC_T_CP866 + b"\x1bp\x00\x32\x32"


def test_screen_printer_keeps_the_text(sale: Receipt, settings: Settings) -> None:
    printer = open_printer(DeviceSettings(printer="screen", printer_width=32))
    assert printer is not None and printer.screen
    assert print_committed(sale, printer, settings, cash=True).ok
    assert printer.screen_text == TEXT_32
    assert open_printer(DeviceSettings(printer="none")) is None
    assert print_committed(sale, None, settings, cash=True).ok


# -- a real TCP printer --------------------------------------------------------------------------


def test_network_printer_receives_the_same_bytes(
    sale: Receipt, settings: Settings, fake_printer: FakePrinter
) -> None:
    printer = network_printer(fake_printer.port)
    outcome = print_committed(sale, printer, settings, cash=True)
    assert outcome.ok, outcome.message
    received = fake_printer.wait_job()
    dummy = Dummy()
    ReceiptPrinter(dummy, width=settings.devices.printer_width).print_receipt(
        receipt_view(Receipt.get_by_id(sale.id), settings), kick_drawer=True
    )
    assert received.count(PAPER_QUERY) == 1  # the paper status, asked before printing
    assert received.replace(PAPER_QUERY, b"") == dummy.output  # then the same job as Dummy's
    assert Receipt.get_by_id(sale.id).print_status == "printed"


def test_printer_that_does_not_report_status_still_prints(
    sale: Receipt, settings: Settings
) -> None:
    server = FakePrinter(paper=None)
    try:
        printer = network_printer(server.port)
        printer.status_timeout = 0.05
        assert print_committed(sale, printer, settings, cash=False).ok
        assert DRESS.encode("cp866") in server.wait_job()
    finally:
        server.stop()


def test_closed_port_fails_the_print_not_the_sale(sale: Receipt, settings: Settings) -> None:
    port = free_port()
    printer = network_printer(port)
    outcome = print_committed(sale, printer, settings, cash=True)
    assert not outcome.ok
    assert outcome.message == "Printer does not answer: the sale is saved; press F9 to reprint."
    assert Receipt.get_by_id(sale.id).print_status == "failed"
    assert [r.id for r in unprinted_receipts(10)] == [sale.id]

    server = FakePrinter(port)  # the printer comes back on the same address
    try:
        outcome = reprint(Receipt.get_by_id(sale.id), printer, settings)
        assert outcome.ok, outcome.message
        job = server.wait_job()
        assert DRESS.encode("cp866") in job and CUT in job
        assert DRAWER not in job  # a reprint never opens the drawer
        assert b"COPY" not in job  # the customer never had the first one
        assert Receipt.get_by_id(sale.id).print_status == "printed"
        assert unprinted_receipts(10) == []

        assert reprint(Receipt.get_by_id(sale.id), printer, settings).ok
        assert b"COPY" in server.wait_job()
    finally:
        server.stop()


def test_printer_without_paper(sale: Receipt, settings: Settings) -> None:
    server = FakePrinter(paper=PAPER_END)
    try:
        printer = network_printer(server.port)
        outcome = print_committed(sale, printer, settings, cash=True)
        assert not outcome.ok
        assert outcome.message == (
            "Printer has no paper: the sale is saved; load paper and press F9 to reprint."
        )
        assert server.wait_job() == b"\x1b@" + ESC_T_CP866 + PAPER_QUERY  # nothing printed
        assert Receipt.get_by_id(sale.id).print_status == "failed"

        server.paper = PAPER_OK  # paper loaded
        assert reprint(Receipt.get_by_id(sale.id), printer, settings).ok
        assert DRESS.encode("cp866") in server.wait_job()
        assert Receipt.get_by_id(sale.id).print_status == "printed"
    finally:
        server.stop()


def test_kick_drawer_on_a_dead_printer_raises_a_printer_error() -> None:
    printer = network_printer(free_port())
    with pytest.raises(PrinterError) as info:
        printer.kick_drawer()
    assert info.value.reason == "no_answer"
    assert "does not answer" in info.value.message


def test_unprinted_receipts_lists_failed_ones_newest_first(
    db: peewee.Database, staff: dict, clock: FixedClock, settings: Settings
) -> None:
    dead = network_printer(free_port())
    ids = []
    for number in (1, 2, 3):
        receipt = make_receipt(staff, clock, number=number)
        clock.advance(minutes=1)
        ok = number == 2
        printer = ReceiptPrinter(Dummy()) if ok else dead
        assert print_committed(receipt, printer, settings, cash=True).ok is ok
        ids.append(receipt.id)
    assert [r.id for r in unprinted_receipts(10)] == [ids[2], ids[0]]
    assert [r.id for r in unprinted_receipts(1)] == [ids[2]]


# -- the file backend and the settings -----------------------------------------------------------


def test_file_backend_appends_each_receipt(
    sale: Receipt, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "receipts.bin"
    printer = open_printer(DeviceSettings(printer="file", printer_path=str(path)))
    assert printer is not None
    assert print_committed(sale, printer, settings, cash=True).ok
    first = path.read_bytes()
    assert DRESS.encode("cp866") in first and DRAWER in first
    assert reprint(Receipt.get_by_id(sale.id), printer, settings).ok
    data = path.read_bytes()
    assert data.startswith(first) and data.count(CUT) == 2


def test_file_backend_in_a_missing_folder_fails_with_a_message(
    sale: Receipt, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "no-such-folder" / "receipts.bin"
    printer = open_printer(DeviceSettings(printer="file", printer_path=str(path)))
    outcome = print_committed(sale, printer, settings, cash=True)
    assert not outcome.ok and "press F9" in outcome.message
    assert Receipt.get_by_id(sale.id).print_status == "failed"


def test_settings_that_name_no_device_are_refused() -> None:
    with pytest.raises(ConfigError, match="printer_host"):
        open_printer(DeviceSettings(printer="network"))
    with pytest.raises(ConfigError, match="printer_usb_vendor"):
        open_printer(DeviceSettings(printer="usb"))
    serial = open_printer(DeviceSettings(printer="serial", printer_path="/dev/no-such-tty"))
    assert serial is not None and serial.reads_status


def test_serial_printer_that_is_missing_fails_with_a_message(
    sale: Receipt, settings: Settings
) -> None:
    printer = open_printer(DeviceSettings(printer="serial", printer_path="/dev/no-such-tty"))
    outcome = print_committed(sale, printer, settings, cash=True)
    assert not outcome.ok
    assert outcome.message == "Printer does not answer: the sale is saved; press F9 to reprint."
