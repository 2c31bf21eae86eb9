"""The Checkbox fiscal unit against a fake Checkbox server on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from torgtui.config import DeviceSettings
from torgtui.errors import ConfigError
from torgtui.hw.fiscal.base import FiscalError, FiscalLine, FiscalReceipt
from torgtui.hw.fiscal.checkbox import CheckboxUnit
from torgtui.hw.fiscal.factory import open_fiscal_unit
from torgtui.hw.fiscal.sandbox import SandboxUnit

from .fake_checkbox import FakeCheckbox, validate

KEY, PIN = "test-license-key", "5555"


@pytest.fixture
def fake() -> Iterator[FakeCheckbox]:
    server = FakeCheckbox(license_key=KEY, pin_code=PIN).start()
    yield server
    server.stop()


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_unit(fake: FakeCheckbox, sleeps: Sleeps, **kw: object) -> CheckboxUnit:
    options: dict = {"timeout": 3.0, "poll_interval": 0.75, "poll_timeout": 6.0, "sleep": sleeps}
    options.update(kw)
    return CheckboxUnit(fake.url, KEY, PIN, client_version="9.9.9", **options)


@pytest.fixture
def unit(fake: FakeCheckbox, sleeps: Sleeps) -> Iterator[CheckboxUnit]:
    u = make_unit(fake, sleeps)
    yield u
    u.close()


def line(code: str, name: str, price: int, qty: int = 1000, discount: int = 0, tax: str = "A"):
    total = price * qty // 1000 - discount
    return FiscalLine(code, name, "4820000000017", price, qty, tax, discount, total)


def spec_example(**kw: object) -> FiscalReceipt:
    """The worked example: goods 55.00 + 152.00, 25.00 off, paid 182.00 by card (CASHLESS)."""
    fields: dict = {
        "uuid": str(uuid.uuid4()),
        "kind": "sale",
        "number": 1,
        "lines": (
            line("T-1", "Чай зелений", 5500),
            line("C-7", "Чашка керамічна", 15200, discount=2500, tax="B"),
        ),
        "payments": (("cashless", 18200),),
        "total": 18200,
    }
    fields.update(kw)
    return FiscalReceipt(**fields)


def test_sale_body_is_the_spec_example_and_gets_a_fiscal_code(unit, fake) -> None:
    unit.open_shift()
    doc = spec_example(footer="Дякуємо!")
    result = unit.receipt(doc)

    (post,) = fake.calls("POST", "/receipts/sell")
    assert post.body == {
        "id": doc.uuid,
        "goods": [
            {
                "good": {
                    "code": "T-1",
                    "name": "Чай зелений",
                    "price": 5500,
                    "barcode": "4820000000017",
                    "tax": [1],
                },
                "quantity": 1000,
            },
            {
                "good": {
                    "code": "C-7",
                    "name": "Чашка керамічна",
                    "price": 15200,
                    "barcode": "4820000000017",
                    "tax": [2],
                },
                "quantity": 1000,
                "discounts": [{"type": "DISCOUNT", "mode": "VALUE", "value": 2500}],
            },
        ],
        "payments": [{"type": "CASHLESS", "value": 18200}],
        "footer": "Дякуємо!",
    }
    assert post.status == 201
    stored = fake.receipts[doc.uuid]
    assert (stored["status"], stored["total_sum"], stored["type"]) == ("DONE", 18200, "SELL")
    assert result.fiscal_code == stored["fiscal_code"] != ""
    assert result.remote_id == doc.uuid
    # every call names the client; sign-in carries the licence key, the rest the token
    for rec in fake.requests:
        assert rec.headers["x-client-name"] == "torgtui"
        assert rec.headers["x-client-version"] == "9.9.9"
    (signin,) = fake.calls("POST", "/cashier/signinPinCode")
    assert signin.body == {"pin_code": PIN} and signin.headers["x-license-key"] == KEY
    assert all(r.headers["authorization"].startswith("Bearer ") for r in fake.requests[1:])


def test_weighed_goods_rounding_and_extra_charge(unit, fake) -> None:
    unit.open_shift()
    soap = line("00042", "Мило на вагу", 32000, qty=1257, tax="C")  # 402.24
    dearer = line("T-1", "Чай", 5500, discount=-300)  # a 3.00 extra charge: 58.00
    doc = spec_example(lines=(soap, dearer), payments=(("cash", 46020),), total=46024, rounding=-4)
    unit.receipt(doc)
    (post,) = fake.calls("POST", "/receipts/sell")
    assert post.body["goods"][0]["quantity"] == 1257
    assert post.body["goods"][0]["good"]["tax"] == [3]
    assert post.body["goods"][1]["discounts"] == [
        {"type": "EXTRA_CHARGE", "mode": "VALUE", "value": 300}
    ]
    assert post.body["rounding"] is True
    assert post.body["payments"] == [{"type": "CASH", "value": 46020}]
    assert fake.receipts[doc.uuid]["total_sum"] == 46024


def test_shift_open_service_and_close_with_z_report(unit, fake) -> None:
    opened = unit.open_shift()
    shift = fake.open_shift()
    assert shift is not None and shift["status"] == "OPENED"
    assert opened.remote_id == shift["id"]
    assert fake.calls("POST", "/shifts")[0].headers["x-license-key"] == KEY

    unit.service(50000, uuid=str(uuid.uuid4()))
    unit.service(-20000)
    unit.receipt(spec_example(payments=(("cash", 18200),)))
    assert [c.body["payment"] for c in fake.calls("POST", "/receipts/service")] == [
        {"type": "CASH", "value": 50000},
        {"type": "CASH", "value": -20000},
    ]
    x = unit.x_report()
    assert x.extra["x_report"]["is_z_report"] is False

    closed = unit.close_shift()
    z = closed.extra["z_report"]
    assert z["is_z_report"] is True
    assert z["sell_receipts_count"] == 1
    assert z["balance"] == 50000 - 20000 + 18200
    assert fake.shifts[closed.remote_id]["status"] == "CLOSED"
    assert closed.fiscal_code == str(z["serial"])


def test_open_and_close_are_safe_to_resend(unit, fake) -> None:
    first = unit.open_shift()
    again = unit.open_shift()  # e.g. the register died before it saved the answer
    assert again.remote_id == first.remote_id
    assert len(fake.calls("POST", "/shifts")) == 1
    z1 = unit.close_shift()
    z2 = unit.close_shift()
    assert z2.remote_id == z1.remote_id and z2.extra["z_report"] == z1.extra["z_report"]
    assert len(fake.calls("POST", "/shifts/close")) == 1


def test_a_receipt_without_a_checkbox_shift_opens_one(unit, fake) -> None:
    doc = spec_example()  # Checkbox closed its shift after 24 h, or never had one
    assert unit.receipt(doc).fiscal_code == fake.receipts[doc.uuid]["fiscal_code"]
    assert [c.status for c in fake.calls("POST", "/receipts/sell")] == [400, 201]
    assert len(fake.calls("POST", "/shifts")) == 1 and fake.created == [doc.uuid]


def test_closing_without_any_checkbox_shift_is_a_no_op(unit, fake) -> None:
    result = unit.close_shift()
    assert result.extra == {"z_report": {}} and fake.calls("POST", "/shifts/close") == []


def test_return_refers_to_the_sale(unit, fake) -> None:
    unit.open_shift()
    sale = spec_example(payments=(("card", 18200),))
    unit.receipt(sale)
    back = FiscalReceipt(
        uuid=str(uuid.uuid4()),
        kind="return",
        number=2,
        lines=(line("T-1", "Чай зелений", 5500),),
        payments=(("cash", 5500),),
        total=5500,
        related_uuid=sale.uuid,
    )
    result = unit.receipt(back)
    post = fake.calls("POST", "/receipts/sell")[-1]
    assert post.body["related_receipt_id"] == sale.uuid
    assert post.body["goods"][0]["is_return"] is True
    assert fake.receipts[back.uuid]["type"] == "RETURN"
    assert result.fiscal_code == fake.receipts[back.uuid]["fiscal_code"]


def test_resending_a_receipt_never_makes_a_second_one(unit, fake) -> None:
    unit.open_shift()
    doc = spec_example()
    first = unit.receipt(doc)
    second = unit.receipt(doc)
    assert second.fiscal_code == first.fiscal_code
    assert fake.created.count(doc.uuid) == 1
    assert [c.status for c in fake.calls("POST", "/receipts/sell")] == [201, 400]


def test_lost_answer_is_looked_up_not_resent(fake, sleeps) -> None:
    unit = make_unit(fake, sleeps, timeout=0.5)
    unit.open_shift()
    fake.slow_left, fake.slow_seconds = 1, 10.0
    doc = spec_example()
    result = unit.receipt(doc)  # the POST times out; the GET finds it
    assert result.fiscal_code == fake.receipts[doc.uuid]["fiscal_code"]
    assert fake.created == [doc.uuid]
    assert len(fake.calls("POST", "/receipts/sell")) == 1
    unit.close()


def test_done_late_is_polled(unit, fake, sleeps) -> None:
    unit.open_shift()
    fake.done_after_polls = 3
    sleeps.clear()
    doc = spec_example()
    unit.receipt(doc)
    assert len(fake.calls("GET", f"/receipts/{doc.uuid}")) == 4
    assert sleeps == [0.75] * 4


def test_not_done_in_time_is_retryable_and_then_completes(unit, fake) -> None:
    unit.open_shift()
    fake.done_after_polls = 100
    doc = spec_example()
    with pytest.raises(FiscalError) as caught:
        unit.receipt(doc)
    assert caught.value.retryable
    assert "not finished" in caught.value.message
    fake.done_after_polls = 0
    assert unit.receipt(doc).fiscal_code
    assert fake.created == [doc.uuid]


def test_refusal_is_not_retryable_and_says_why(unit, fake) -> None:
    unit.open_shift()
    fake.refuse_receipts = "Товар з кодом C-7 не знайдено"
    with pytest.raises(FiscalError) as caught:
        unit.receipt(spec_example(number=7))
    assert not caught.value.retryable
    assert "receipt 7" in caught.value.message
    assert "Товар з кодом C-7 не знайдено" in caught.value.message
    assert "goods:" in caught.value.message  # the 422 detail's field, in words


def test_receipt_in_error_status_is_not_retryable(unit, fake) -> None:
    unit.open_shift()
    fake.error_receipts = "ДПС: невірний підпис"
    with pytest.raises(FiscalError) as caught:
        unit.receipt(spec_example())
    assert not caught.value.retryable and "ДПС: невірний підпис" in caught.value.message


def test_our_body_errors_come_back_as_words(unit, fake) -> None:
    unit.open_shift()
    too_long = line("X" * 300, "Довгий код", 100)
    with pytest.raises(FiscalError) as caught:
        unit.receipt(spec_example(lines=(too_long,), payments=(("cash", 100),), total=100))
    assert not caught.value.retryable
    assert "goods.0.good.code: ensure this value has at most 256 characters" in str(caught.value)


def test_unknown_tax_group_is_refused_before_sending(unit, fake) -> None:
    unit.open_shift()
    with pytest.raises(FiscalError) as caught:
        unit.receipt(spec_example(lines=(line("Z", "Z", 100, tax="Q"),), total=100))
    assert not caught.value.retryable and "Tax group Q" in caught.value.message
    assert fake.calls("POST", "/receipts/sell") == []


def test_outages_are_retryable(unit, fake) -> None:
    fake.go_down()
    with pytest.raises(FiscalError) as caught:
        unit.open_shift()
    assert caught.value.retryable and "cannot be reached" in caught.value.message
    fake.start()
    fake.fail_left = 1
    with pytest.raises(FiscalError) as caught:
        unit.open_shift()
    assert caught.value.retryable and "HTTP 500" in caught.value.message
    assert unit.open_shift().remote_id


def test_token_is_reused_and_renewed_on_401(unit, fake) -> None:
    unit.open_shift()
    unit.x_report()
    assert len(fake.calls("POST", "/cashier/signinPinCode")) == 1
    fake.expire_tokens()
    unit.x_report()
    assert len(fake.calls("POST", "/cashier/signinPinCode")) == 2
    assert [c.status for c in fake.calls("POST", "/reports")] == [201, 401, 201]


def test_wrong_pin_is_not_retryable(fake, sleeps) -> None:
    unit = CheckboxUnit(fake.url, KEY, "0000", sleep=sleeps)
    with pytest.raises(FiscalError) as caught:
        unit.open_shift()
    assert not caught.value.retryable and "checkbox_pin" in caught.value.message
    unit.close()


def test_refused_shift_opening(unit, fake) -> None:
    fake.refuse_shift = "Сертифікат касира прострочено"
    with pytest.raises(FiscalError) as caught:
        unit.open_shift()
    assert not caught.value.retryable
    assert "Сертифікат касира прострочено" in caught.value.message


def test_fake_validates_like_the_spec() -> None:
    from .fake_checkbox import body_schema

    schema = body_schema("POST", "/receipts/sell")
    assert schema is not None
    assert validate(schema, {"goods": []}) == []
    errors = validate(schema, {"goods": [{"good": {"code": "1", "price": "x"}}]})
    assert {tuple(e["loc"]) for e in errors} == {
        ("body", "goods", 0, "quantity"),
        ("body", "goods", 0, "good", "name"),
        ("body", "goods", 0, "good", "price"),
    }


# --- the sandbox and the factory ----------------------------------------------------------


def test_sandbox_is_deterministic_idempotent_and_not_fiscal() -> None:
    unit = SandboxUnit()
    unit.open_shift()
    doc = spec_example(uuid="1234abcd-0000-4000-8000-000000000000", payments=(("cash", 18200),))
    first = unit.receipt(doc)
    assert first.fiscal_code == "SANDBOX-1234abcd"
    assert unit.receipt(doc) == first
    assert first.extra["sandbox"] is True and "NOT A FISCAL" in first.extra["note"]
    unit.service(1000, uuid="u-1")
    unit.service(1000, uuid="u-1")
    z = unit.close_shift().extra["z_report"]
    assert z == {"shift": 1, "sales": 18200, "cash": 18200 + 1000}
    assert unit.close_shift().extra["z_report"]["sales"] == 0  # forgiving after a restart


def test_factory_builds_the_configured_unit(fake) -> None:
    assert open_fiscal_unit(DeviceSettings(fiscal="none")) is None
    assert isinstance(open_fiscal_unit(DeviceSettings(fiscal="sandbox")), SandboxUnit)
    with pytest.raises(ConfigError, match="checkbox_license_key"):
        open_fiscal_unit(DeviceSettings(fiscal="checkbox", checkbox_pin=PIN))
    with pytest.raises(ConfigError, match="fiscal_port"):
        open_fiscal_unit(DeviceSettings(fiscal="serial"))
    unit = open_fiscal_unit(
        DeviceSettings(
            fiscal="checkbox", checkbox_url=fake.url, checkbox_license_key=KEY, checkbox_pin=PIN
        )
    )
    assert isinstance(unit, CheckboxUnit)
    unit.open_shift()  # a real unit, talking to the configured URL
    assert fake.open_shift() is not None
    unit.close()
