"""The serial fiscal printer: Datecs framing by the spec's rules, and the unit against a fake
printer on a pty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.devices.fake_fiscal_printer import FakeFiscalPrinter
from torgtui.hw.fiscal import datecs
from torgtui.hw.fiscal.base import FiscalError, FiscalLine, FiscalReceipt
from torgtui.hw.fiscal.serial_unit import SerialFiscalUnit


@pytest.fixture
def printer() -> Iterator[FakeFiscalPrinter]:
    fake = FakeFiscalPrinter()
    yield fake
    fake.close()


@pytest.fixture
def unit(printer: FakeFiscalPrinter) -> Iterator[SerialFiscalUnit]:
    u = SerialFiscalUnit(printer.path, 115200)
    yield u
    u.close()


def sale(uuid: str = "r-1", kind: str = "sale") -> FiscalReceipt:
    lines = (
        FiscalLine("SKU1", "Хліб білий", "4820000000017", 2350, 2000, "A", 0, 4700),
        FiscalLine("SKU2", "Молоко", "4820000000024", 4190, 1000, "B", 190, 4000),
    )
    return FiscalReceipt(uuid=uuid, kind=kind, number=12, lines=lines,
                         payments=(("card", 3000), ("cash", 5700)), total=8700)  # fmt: skip


# -- framing -------------------------------------------------------------------------------


def test_request_frame_matches_the_spec_computed_by_hand() -> None:
    # cmd 74 (0x004A), no data, SEQ 0x20.
    # LEN = 4 (LEN) + 1 (SEQ) + 4 (CMD) + 0 (DATA) + 1 (05) = 0x0A, + 0x20 = 0x002A
    #     -> nibbles 0 0 2 A + 0x30 = 30 30 32 3A;  CMD 0x004A -> 30 30 34 3A
    # BCC = 30+30+32+3A + 20 + 30+30+34+3A + 05 = 0x01BF -> 30 31 3B 3F
    expected = bytes.fromhex("01 30 30 32 3A 20 30 30 34 3A 05 30 31 3B 3F 03")
    assert datecs.encode_request(0x20, 74) == expected
    assert datecs.decode_request(expected) == (0x20, 74, b"")


def test_response_round_trip_and_checksum_check() -> None:
    status = datecs.Status.build("near_paper_end")
    frame = datecs.encode_response(0x41, 56, b"0\t123\t", status)
    # LEN = 4 + 1 + 4 + 6 (data) + 1 (04) + 8 (status) + 1 (05) = 25 = 0x19, + 0x20 = 0x39
    assert frame[:5] == b"\x01" + bytes([0x30, 0x30, 0x33, 0x39])
    assert frame[-1] == 0x03 and frame[-15] == 0x04 and frame[-6] == 0x05
    body = frame[1:-5]
    assert datecs.from_nibbles(frame[-5:-1]) == sum(body) & 0xFFFF
    response = datecs.decode_response(frame)
    assert (response.seq, response.cmd, response.fields()) == (0x41, 56, ["0", "123"])
    assert response.status.near_paper_end and not response.status.end_of_paper
    damaged = bytearray(frame)
    damaged[12] ^= 0x01  # one data bit flipped: the BCC no longer matches
    with pytest.raises(datecs.FrameError, match="checksum"):
        datecs.decode_response(bytes(damaged))


def test_sequence_wraps_and_parameters_are_tab_separated() -> None:
    assert datecs.next_seq(0x20) == 0x21
    assert datecs.next_seq(0xFF) == 0x20
    assert datecs.params("Хліб", "A", "23.50") == "Хліб\tA\t23.50\t".encode("cp1251")
    assert datecs.fields(b"0\t15\t") == ["0", "15"]


# -- the link ------------------------------------------------------------------------------


def test_nak_makes_the_unit_resend_with_the_same_seq(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    printer.nak_frames = 1
    result = unit.x_report()
    assert result.fiscal_code == "8"
    assert len(printer.frames) == 2 and printer.frames[0] == printer.frames[1]
    assert printer.frames[0][:2] == (0x20, 69)
    assert printer.commands() == [69]


def test_syn_keeps_the_unit_waiting_past_its_timeout(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    printer.syn_count = 15  # 900 ms busy, well past the 500 ms host timeout
    assert unit.x_report().fiscal_code == "8"
    assert len(printer.frames) == 1  # never resent: the SYNs said "still working"


def test_a_lost_answer_is_asked_for_again_without_running_twice(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    printer.drop_answers = 1
    assert unit.x_report().fiscal_code == "8"
    assert [f[0] for f in printer.frames] == [0x20, 0x20]
    assert printer.commands() == [69]


def test_silence_is_retried_then_a_retryable_error(printer: FakeFiscalPrinter) -> None:
    printer.silent_from = 74
    unit = SerialFiscalUnit(printer.path, 115200, timeout=0.1, retries=3)
    try:
        with pytest.raises(FiscalError) as err:
            unit.open_shift()
    finally:
        unit.close()
    assert err.value.retryable
    assert "does not answer" in err.value.message
    assert len(printer.frames) == 3 and len(set(printer.frames)) == 1


def test_an_unopenable_port_is_a_retryable_error(tmp_path) -> None:
    unit = SerialFiscalUnit(str(tmp_path / "no-such-tty"), 115200)
    with pytest.raises(FiscalError) as err:
        unit.x_report()
    assert err.value.retryable and "fiscal_port" in err.value.message


# -- documents -----------------------------------------------------------------------------


def test_a_sale_sends_open_lines_subtotal_payments_close_in_order(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    result = unit.receipt(sale())
    assert result.fiscal_code == "101"
    assert printer.executed == [
        (48, b"1\t1\t1\t"),
        (49, "Хліб білий\tA\t23.50\t2.000\t0\t\t".encode("cp1251")),
        (49, "Молоко\tB\t41.90\t1.000\t4\t1.90\t".encode("cp1251")),
        (51, b"1\t0\t"),
        (53, b"1\t30.00\t"),
        (53, b"0\t57.00\t"),
        (56, b""),
    ]
    seqs = [f[0] for f in printer.frames]
    assert seqs == list(range(0x20, 0x20 + 7))
    assert unit.receipt(sale()) == result  # a repeat in the same run is not printed again
    assert printer.commands().count(48) == 1


def test_cash_rounding_is_taken_off_the_cash_payment(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    doc = sale()
    rounded = FiscalReceipt(uuid="r-2", kind="sale", number=13, lines=doc.lines,
                            payments=(("cash", 8700),), total=8697, rounding=3)  # fmt: skip
    unit.receipt(rounded)
    assert (53, b"0\t86.97\t") in printer.executed


def test_paper_out_is_a_retryable_error_in_words(
    printer: FakeFiscalPrinter, unit: SerialFiscalUnit
) -> None:
    printer.paper_out = True
    with pytest.raises(FiscalError) as err:
        unit.receipt(sale())
    assert err.value.retryable
    assert "out of paper" in err.value.message and "load a new roll" in err.value.message
    assert printer.executed == []


def test_silence_after_the_receipt_opened_is_not_retried_blindly(
    printer: FakeFiscalPrinter,
) -> None:
    printer.silent_from = 51
    unit = SerialFiscalUnit(printer.path, 115200, timeout=0.1, retries=2)
    try:
        with pytest.raises(FiscalError) as err:
            unit.receipt(sale())
    finally:
        unit.close()
    assert not err.value.retryable
    assert "last receipt" in err.value.message
    assert printer.commands() == [48, 49, 49]


def test_a_refused_line_cancels_the_receipt() -> None:
    class Refusing(FakeFiscalPrinter):
        def _run(self, seq: int, cmd: int, data: bytes) -> bytes:
            if cmd == 49:
                status = datecs.Status.build("syntax_error", "general_error")
                return datecs.encode_response(seq, cmd, b"-111024\t", status)
            return super()._run(seq, cmd, data)

    refusing = Refusing()
    unit = SerialFiscalUnit(refusing.path, 115200)
    try:
        with pytest.raises(FiscalError) as err:
            unit.receipt(sale())
    finally:
        unit.close()
        refusing.close()
    assert not err.value.retryable
    assert "refused command 49" in err.value.message and "-111024" in err.value.message
    assert refusing.commands() == [48, 60]


def test_returns_are_refused_in_words(printer: FakeFiscalPrinter, unit: SerialFiscalUnit) -> None:
    with pytest.raises(FiscalError) as err:
        unit.receipt(sale(kind="return"))
    assert not err.value.retryable and "return" in err.value.message
    assert printer.frames == []


def test_reports_and_cash_in_out(printer: FakeFiscalPrinter, unit: SerialFiscalUnit) -> None:
    assert unit.open_shift().fiscal_code == ""
    unit.service(50000)
    unit.service(-1250)
    assert unit.x_report().fiscal_code == "8"
    assert unit.close_shift().fiscal_code == "9"
    assert printer.executed == [
        (74, b""),
        (70, b"0\t500.00\t"),
        (70, b"1\t12.50\t"),
        (69, b"2\t"),
        (69, b"0\t"),
    ]
