"""Promotions at the register, driven by keys at 80x24 (issue 9): a promotion shown on the
compact line and explained by name (F11); promo codes scanned into the code field, confirmed
with their promotion, refused in words with a bell (unknown, used, expired, another customer's,
another location's, scanned twice) and taken off (shift+Delete); the festive sound played once
per receipt through the device hub (a fake player, asserted on the WAV bytes it was given); a
set shown; a pre-order finished at the register with its prepayment (and one cheaper than the
prepayment, the difference given back); a promotion that moved under the commit, and a code
used on another register a moment ago: nothing written, priced again, paid once."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
import wave
from decimal import Decimal
from pathlib import Path

import pytest

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.catalog.stock import post_movement
from torgtui.hw import audio
from torgtui.marketing import codes, ledger, preorders
from torgtui.marketing.bundles import BundleData, BundlePartData, save_bundle
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.preorder_common import find_account, prepaid_of
from torgtui.marketing.promotions import PromotionData, Target, save_promotion
from torgtui.models import Barcode, Customer, Location, Payment, Product, Receipt
from torgtui.models.codes import PromoCode
from torgtui.models.preorders import Preorder
from torgtui.sales import extensions
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale import SaleScreen
from torgtui.screens.sale_dialogs import PickScreen
from torgtui.screens.why_price import WhyPriceScreen

from .helpers import label_text as _label_text
from .helpers import log_in, make_settings, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)
IRYNA_CARD = make_ean13("29", 21)  # her birthday is today (22 November)
OLYA_CARD = make_ean13("29", 22)
TARAS_CARD = make_ean13("29", 23)


class FakePlayer:
    """The device hub's audio player, faked at the byte level: what it was given to play."""

    def __init__(self) -> None:
        self.played: list[bytes] = []

    def play(self, path: Path | str) -> str:
        self.played.append(Path(path).read_bytes())
        return "fake"


@pytest.fixture
def settings(tmp_path, sqlite_db, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the built-in chime's home
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "devices.printer": "screen", "devices.fiscal": "none"},
    )


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")
    other = Location.create(code="MALL", name="Mall")
    products, barcodes = {}, {}
    for i, (sku, name, price) in enumerate(
        (
            ("T-1", "Green tea", 3500),
            ("C-1", "Hand cream", 18990),
            ("D-1", "Dress", 120000),
            ("S-1", "Scarf", 30000),
            ("K-1", "Socks", 5000),
        ),
        start=1,
    ):
        products[sku] = Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=T0, updated_at=T0
        )
        barcodes[sku] = make_ean13("21", i)
        Barcode.create(code=barcodes[sku], product=products[sku])
    manager = ui_staff["manager"]

    def promo(code: str, name: str, **kw):
        kw.setdefault("targets", (Target(),))
        if "percent" in kw:
            kw["percent"] = Decimal(kw["percent"])
        return save_promotion(PromotionData(code, name, **kw), by=manager, clock=clock)

    promo("AUT", "Autumn scarf", targets=(Target(product_id=products["S-1"].id),), percent=10)
    promo(
        "SOCKS3",
        "Socks from 3",
        targets=(Target(product_id=products["K-1"].id),),
        min_qty=3000,
        percent=20,
    )
    promo("BDAY", "Happy birthday", birthday="customer", percent=5, festive=True)
    flyer = promo("FLY", "Flyer -10%", percent=10, requires_code=True)

    def batch(code: str, **kw):
        found = codes.save_batch(
            codes.BatchData(code=code, name=code.title(), promotion_id=flyer.id, **kw),
            by=manager,
            clock=clock,
        )
        return found

    fly = batch("FLY-NOV", channel="Flyer", prefix="FY")
    flyer_codes = codes.generate_codes(fly, 3, by=manager, clock=clock)
    old = batch("FLY-OCT", prefix="FX", valid_until=dt.date(2026, 10, 31))
    (expired,) = codes.generate_codes(old, 1, by=manager, clock=clock)
    mall = batch("FLY-MALL", prefix="FW", location_ids=(other.id,))
    (elsewhere,) = codes.generate_codes(mall, 1, by=manager, clock=clock)
    save_bundle(
        BundleData(
            code="TEA-SET",
            name="Tea and cream",
            price=20000,
            parts=[
                BundlePartData(products["T-1"].id, 1000),
                BundlePartData(products["C-1"].id, 1000),
            ],
        ),
        by=manager,
        clock=clock,
    )
    people = {}
    for key, name, card, born in (
        ("iryna", "Iryna", IRYNA_CARD, dt.date(1990, 11, 22)),
        ("olya", "Olya", OLYA_CARD, None),
        ("taras", "Taras", TARAS_CARD, None),
    ):
        people[key] = Customer.create(
            name=name, card=card, birth_date=born, created_at=T0, updated_at=T0
        )
    personal = batch("FLY-VIP", prefix="FV", personal=True)
    taras_code = codes.issue_codes(personal, [people["taras"].id], by=manager, clock=clock)
    return {
        "location": loc,
        "products": products,
        "codes": barcodes,
        "flyer": flyer_codes,
        "expired": expired,
        "elsewhere": elsewhere,
        "tarases": taras_code[people["taras"].id],
        **people,
    }


@pytest.fixture
def shifted(shop, ui_staff, clock):
    return open_shift(ui_staff["cashier"], "till-1", shop["location"], 50000, clock=clock)


async def open_sale(pilot) -> SaleScreen:
    await log_in(pilot, "Kateryna Cashier", "3333")
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


def plain(text: str) -> str:
    """Money as the tests spell it: thousands apart by a plain space (not U+202F)."""
    return text.replace("\u202f", " ")


def label_text(app, selector: str) -> str:
    return plain(_label_text(app, selector))


def promo_line(app) -> str:
    label = app.screen.query_one("#sale-promo")
    return plain(str(label.content)) if label.display else ""


def bells_of(app) -> list[int]:
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    return bells


# --- a promotion shown and explained ------------------------------------------------------------


async def test_a_promotion_is_shown_by_name_and_explained(settings, shop, shifted, clock) -> None:
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["codes"]["S-1"])
        assert promo_line(app) == "Autumn scarf −30.00 ₴"
        assert label_text(app, "#sale-totals") == "Total 300.00 ₴   Discount 30.00 ₴"
        await type_code(pilot, shop["codes"]["K-1"])
        await type_code(pilot, shop["codes"]["K-1"])  # two socks: a third takes 20% off
        assert promo_line(app) == "Autumn scarf −30.00 ₴ · 1 more items for Socks from 3"
        await pilot.press("up", "f11")
        await settle(pilot)
        why = app.screen
        assert isinstance(why, WhyPriceScreen)
        text = plain(why.text)
        assert "Promotion: Autumn scarf: −10%" in text and "-30.00 ₴" in text
        assert "Promotions:" in text and "Autumn scarf: −10%" in text
        assert "Near: 1 more items for Socks from 3" in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


# --- promo codes ------------------------------------------------------------------------------


async def test_a_code_is_confirmed_refused_in_words_and_taken_off(
    settings, shop, shifted, clock, ui_staff
) -> None:
    first, second, _third = shop["flyer"]
    used = Register(ui_staff["senior_cashier"], register="till-2", clock=clock)  # sold earlier
    used.location_id = shop["location"].id
    used.enter(shop["codes"]["T-1"])
    used.enter(second)
    elsewhere_shift = open_shift(
        ui_staff["senior_cashier"], "till-2", shop["location"], 0, clock=clock
    )
    commit_sale(
        used.basket,
        [Tender("card", used.priced().total)],
        uuid=used.uuid,
        employee=ui_staff["senior_cashier"],
        shift=elsewhere_shift,
        cash_step=10,
        clock=clock,
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        bells = bells_of(app)
        await type_code(pilot, shop["codes"]["D-1"])
        await type_code(pilot, first.lower())  # as typed: the code field reads it in capitals
        assert screen.last_message == f"Code {first}: Flyer -10% applied."
        assert screen.register.basket.codes == [first]
        assert promo_line(app) == f"Flyer -10% −120.00 ₴ · Code {first} (shift+Del: off)"
        assert not bells
        refusals = {
            first: f"Code {first} is on this receipt already.",
            second: f"Code {second} was used already: sell without it.",
            shop["expired"]: f"Code {shop['expired']} expired on 2026-10-31: sell without it.",
            shop["tarases"]: f"Code {shop['tarases']} was issued to a customer: scan their card "
            "first (or F6), then the code.",
            shop["elsewhere"]: f"Code {shop['elsewhere']} is not valid here: it works at Mall.",
            "FYZZZZZZZZZZ": "Code FYZZZZZZZZZZ is not known: check it (codes never use 0, O, 1, "
            "I or L), or sell without it.",
        }
        for code, message in refusals.items():
            await type_code(pilot, code)
            assert screen.last_message == message, code
            assert len(bells) == list(refusals).index(code) + 1
        assert screen.register.basket.codes == [first]  # none of them went on the receipt
        await type_code(pilot, OLYA_CARD)  # another customer: Taras's code is still his only
        await type_code(pilot, shop["tarases"])
        assert "issued to another customer" in screen.last_message
        await pilot.press("f11")
        await settle(pilot)
        assert "Flyer -10%: −10%" in app.screen.text
        assert f"Code {first}: Flyer -10%" in app.screen.text  # the code and what it opened
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("shift+delete")  # the code off the receipt
        await settle(pilot)
        assert screen.last_message == f"Code {first} is off the receipt."
        assert screen.register.basket.codes == []
        assert promo_line(app) == ""
        assert label_text(app, "#sale-totals") == "Total 1 200.00 ₴   Discount 0.00 ₴"
        await pilot.press("shift+delete")
        await settle(pilot)
        assert screen.last_message == "No codes on this receipt."


async def test_with_two_codes_the_cashier_picks_the_one_to_take_off(
    settings, shop, shifted, clock, ui_staff
) -> None:
    second_flyer = save_promotion(
        PromotionData(
            "FLY2", "Flyer 2", targets=(Target(),), percent=Decimal(5), requires_code=True
        ),
        by=ui_staff["manager"],
        clock=clock,
    )
    found = codes.save_batch(
        codes.BatchData(code="FLY-DEC", name="Dec", promotion_id=second_flyer.id, prefix="FT"),
        by=ui_staff["manager"],
        clock=clock,
    )
    (other,) = codes.generate_codes(found, 1, by=ui_staff["manager"], clock=clock)
    first = shop["flyer"][0]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        for code in (shop["codes"]["D-1"], first, other):
            await type_code(pilot, code)
        assert screen.register.basket.codes == [first, other]
        await pilot.press("shift+delete")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.register.basket.codes == [first]
        assert screen.last_message == f"Code {other} is off the receipt."


async def test_a_code_used_on_another_register_a_moment_ago_is_named_at_payment(
    settings, shop, shifted, clock, ui_staff
) -> None:
    """Item 4: the commit prices without the code's discount (another register used it since
    the screen priced it): the cashier is told which code and why, nothing is written, the
    payment shows the new total, and Enter pays it once."""
    first = shop["flyer"][0]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["codes"]["D-1"])
        await type_code(pilot, first)
        uuid = screen.register.uuid
        await pilot.press("f12")
        await settle(pilot)
        payment = app.screen.query_one(PaymentPanel)
        assert payment.is_open
        assert label_text(app, "#pay-total") == "To pay: 1 080.00 ₴"
        other = Register(ui_staff["senior_cashier"], register="till-2", clock=clock)
        other.location_id = shop["location"].id
        other.enter(shop["codes"]["T-1"])
        other.enter(first)
        till2 = open_shift(ui_staff["senior_cashier"], "till-2", shop["location"], 0, clock=clock)
        commit_sale(
            other.basket,
            [Tender("card", other.priced().total)],
            uuid=other.uuid,
            employee=ui_staff["senior_cashier"],
            shift=till2,
            cash_step=10,
            clock=clock,
        )
        await pilot.press("enter")  # cash, exact: 1 080.00
        await settle(pilot)
        assert payment.is_open
        message = label_text(app, "#pay-message")
        assert f"Code {first} was used already: sell without it." in message
        assert "Nothing was saved: without it the receipt comes to 1 200.00 ₴." in message
        assert Receipt.select().where(Receipt.uuid == uuid).count() == 0
        assert label_text(app, "#pay-total") == "To pay: 1 200.00 ₴"
        assert "Priced again: 1 200.00 ₴ now, was 1 080.00 ₴." in label_text(app, "#pay-note")
        assert "Not now: Flyer -10%." in label_text(app, "#pay-note")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        (receipt,) = Receipt.select().where(Receipt.uuid == uuid)
        assert (receipt.total, receipt.discount) == (120000, 0)
        assert PromoCode.get(PromoCode.code == first).used == 1  # the other register's use


# --- the festive sound --------------------------------------------------------------------------


async def test_the_festive_sound_plays_once_per_receipt_and_the_screen_says_why(
    settings, shop, shifted, clock
) -> None:
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        player = FakePlayer()
        app.devices.player = player  # type: ignore[union-attr]
        await type_code(pilot, shop["codes"]["T-1"])
        assert player.played == []  # nothing festive yet
        await type_code(pilot, IRYNA_CARD)  # her birthday: 5% and the sound
        assert label_text(app, "#sale-festive") == "* Happy birthday: birthday of Iryna"
        assert "Happy birthday: birthday of Iryna" in screen.last_message
        assert len(player.played) == 1
        chime = player.played[0]
        assert chime == audio.chime_bytes() and chime[:4] == b"RIFF"
        cached = Path(settings_cache(app)) / audio.CHIME_FILE
        with wave.open(str(cached)) as w:  # a real WAV the player would have played
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
            assert 0.5 < w.getnframes() / w.getframerate() < 1.0
        for _ in range(3):  # more scans, a quantity change, a line deleted: still once
            await type_code(pilot, shop["codes"]["C-1"])
        await pilot.press("delete", "down", "enter")  # voided: scanned by mistake
        await settle(pilot)
        await type_code(pilot, shop["codes"]["S-1"])
        assert len(player.played) == 1
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        receipt = screen.last_receipt
        assert receipt is not None
        banner = plain(app.screen.query_one("#sale-lines").banner_text)
        assert "* Happy birthday: birthday of Iryna" in banner
        assert len(player.played) == 1  # paying did not play it again
        assert (
            label_text(app, "#sale-festive") == ""
            or not app.screen.query_one("#sale-festive").display
        )
        # the next receipt: another customer's birthday is another receipt's sound
        await type_code(pilot, shop["codes"]["T-1"])
        assert len(player.played) == 1  # nothing festive on it yet


def settings_cache(app) -> str:
    import os

    return os.path.join(os.environ["XDG_CACHE_HOME"], "torgtui")


async def test_the_festive_sound_is_the_settings_file(
    tmp_path, sqlite_db, shop, shifted, clock, monkeypatch
) -> None:
    sound = tmp_path / "birthday.wav"
    with wave.open(str(sound), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 4)
    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "devices.printer": "screen",
            "devices.fiscal": "none",
            "devices.festive_sound": str(sound),
        },
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        player = FakePlayer()
        app.devices.player = player  # type: ignore[union-attr]
        await type_code(pilot, IRYNA_CARD)
        await type_code(pilot, shop["codes"]["T-1"])
        assert player.played == [sound.read_bytes()]


# --- sets and pre-orders ---------------------------------------------------------------------


async def test_a_set_is_shown_and_explained(settings, shop, shifted, clock) -> None:
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await type_code(pilot, shop["codes"]["T-1"])
        assert promo_line(app) == ""
        await type_code(pilot, shop["codes"]["C-1"])
        assert promo_line(app) == "Set Tea and cream −24.90 ₴"
        assert label_text(app, "#sale-topay") == "To pay 200.00 ₴"
        await pilot.press("f11")
        await settle(pilot)
        text = plain(app.screen.text)
        assert "Set: Tea and cream [TEA-SET]" in text
        assert "Sets:" in text and "Tea and cream x 1" in text and "-24.90 ₴" in text


def ready_preorder(staff, shop, shift, clock, customer, *, agreed: int, prepaid: int):
    """A pre-order of the dress at ``agreed``, ``prepaid`` in cash, the dress arrived and held."""
    order = preorders.create(
        customer.id,
        shop["location"].id,
        [preorders.OrderLine(shop["products"]["D-1"].id, 1000, agreed)],
        by=staff["manager"],
        uuid=str(uuidlib.uuid4()),
        clock=clock,
    )
    preorders.take_prepayment(
        order.id,
        prepaid,
        "cash",
        uuid=str(uuidlib.uuid4()),
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    post_movement(shop["products"]["D-1"], shop["location"], 1000, "inbound", system=True)
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    return order


async def test_a_pre_order_is_finished_at_the_register_with_its_prepayment(
    settings, shop, shifted, clock, ui_staff
) -> None:
    order = ready_preorder(
        ui_staff, shop, shifted, clock, shop["olya"], agreed=100000, prepaid=40000
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, "po-1")
        assert screen.last_message == "Pre-order PO-1 for Olya: 400.00 ₴ prepaid."
        assert promo_line(app).startswith("Pre-order PO-1: 400.00 ₴ prepaid")
        await type_code(pilot, shop["codes"]["T-1"])  # and a tea besides
        await pilot.press("up", "f11")
        await settle(pilot)
        why = plain(app.screen.text)
        assert "Pre-order price: Pre-order PO-1: the price agreed" in why
        assert "Pre-order PO-1: prepaid 400.00 ₴" in why
        await pilot.press("escape", "f12")
        await settle(pilot)
        assert app.screen.query_one(PaymentPanel).is_open
        assert label_text(app, "#pay-total") == "To pay: 635.00 ₴"
        assert (
            label_text(app, "#pay-prepaid")
            == "Prepayment for PO-1: 400.00 ₴ of 1 035.00 ₴, paid first"
        )
        await pilot.press(*"700", "enter")
        await settle(pilot)
        assert app.screen is screen
        receipt = screen.last_receipt
        assert receipt.total == 103500
        paid = {
            p.tender: (p.amount, p.tendered)
            for p in Payment.select().where(Payment.receipt == receipt.id)
        }
        assert paid == {"prepayment": (40000, 40000), "cash": (63500, 70000)}
        assert Preorder.get_by_id(order.id).status == "sold" and prepaid_of(order.id) == 0
        banner = plain(app.screen.query_one("#sale-lines").banner_text)
        assert "CHANGE 65.00 ₴" in banner
        assert "Pre-order PO-1 sold: 400.00 ₴ from the prepayment" in banner


async def test_a_pre_order_cheaper_than_its_prepayment_gives_the_difference_back(
    settings, shop, shifted, clock, ui_staff
) -> None:
    card = save_card_type(
        CardTypeData(code="d25", name="D25", kind="discount", percent=Decimal(25)),
        by=ui_staff["manager"],
        clock=clock,
    )
    Customer.update(card_type=card.id).where(Customer.id == shop["olya"].id).execute()
    order = ready_preorder(
        ui_staff, shop, shifted, clock, shop["olya"], agreed=100000, prepaid=100000
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, "PO-1")
        await pilot.press("f12")
        await settle(pilot)
        # the card's 25% off 1 200.00 (900.00) beats the agreed 1 000.00
        assert label_text(app, "#pay-total") == "To pay: 0.00 ₴"
        assert label_text(app, "#pay-prepaid") == (
            "Prepaid 1 000.00 ₴ for PO-1; the receipt is 900.00 ₴: 100.00 ₴ goes back"
        )
        assert label_text(app, "#pay-mode") == (
            "The prepayment pays it all, 100.00 ₴ goes back: press Enter."
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        receipt = screen.last_receipt
        assert receipt.total == 90000
        paid = [(p.tender, p.amount) for p in Payment.select().where(Payment.receipt == receipt.id)]
        assert paid == [("prepayment", 90000)]
        assert prepaid_of(order.id) == 0 and ledger.check_account(find_account(order.id)).ok
        banner = plain(app.screen.query_one("#sale-lines").banner_text)
        assert "GIVE BACK 100.00 ₴ in cash" in banner


# --- a promotion that moved under the commit ----------------------------------------------------


@pytest.fixture
def lottery(shop, shifted, clock, ui_staff):
    """Every 2nd receipt of the day with socks gets 10.00 off (festive); another register
    (till-2) has sold receipt No. 1 today. Returns a function selling on till-2."""
    save_promotion(
        PromotionData(
            "LOT2",
            "Every 2nd",
            targets=(Target(product_id=shop["products"]["K-1"].id),),
            reward="amount",
            amount=1000,
            on="receipt",
            nth_receipt=2,
            nth_period="day",
            festive=True,
        ),
        by=ui_staff["manager"],
        clock=clock,
    )
    till2 = open_shift(ui_staff["senior_cashier"], "till-2", shop["location"], 0, clock=clock)

    def sell_elsewhere() -> Receipt:
        other = Register(ui_staff["senior_cashier"], register="till-2", clock=clock)
        other.location_id = shop["location"].id
        other.enter(shop["codes"]["K-1"])
        return commit_sale(
            other.basket,
            [Tender("card", other.priced().total)],
            uuid=other.uuid,
            employee=ui_staff["senior_cashier"],
            shift=till2,
            cash_step=10,
            clock=clock,
        )

    assert sell_elsewhere().discount == 0  # No. 1 today
    return sell_elsewhere


async def to_payment_as_receipt_no_2(pilot, shop) -> tuple[SaleScreen, FakePlayer, str]:
    app = pilot.app
    screen = await open_sale(pilot)
    player = FakePlayer()
    app.devices.player = player
    await type_code(pilot, shop["codes"]["K-1"])
    assert label_text(app, "#sale-festive") == "* Every 2nd: this may be receipt No. 2 today"
    assert len(player.played) == 1
    uuid = screen.register.uuid
    await pilot.press("f12")
    await settle(pilot)
    assert label_text(app, "#pay-total") == "To pay: 40.00 ₴"
    return screen, player, uuid


async def pay_again_once(pilot, screen: SaleScreen, uuid: str, player: FakePlayer) -> None:
    """The payment shows the new total and why; Enter pays it: one receipt, full price."""
    app = pilot.app
    assert app.screen.query_one(PaymentPanel).is_open
    assert Receipt.select().where(Receipt.uuid == uuid).count() == 0
    assert label_text(app, "#pay-total") == "To pay: 50.00 ₴"
    assert label_text(app, "#pay-note") == (
        "Priced again: 50.00 ₴ now, was 40.00 ₴. Not now: Every 2nd. Take payment again: Enter."
    )
    await pilot.press("enter")
    await settle(pilot)
    assert app.screen is screen
    (receipt,) = Receipt.select().where(Receipt.uuid == uuid)
    assert (receipt.total, receipt.discount) == (5000, 0)
    assert Receipt.select().where(Receipt.kind == "sale").count() == 3
    assert len(player.played) == 1


async def test_a_promotion_moved_inside_the_commit_is_priced_again_and_paid_once(
    settings, shop, clock, lottery, monkeypatch
) -> None:
    """The screen prices this receipt as "may be No. 2"; the commit prices it so too, and
    while it is on its way to its transaction another register's receipt takes No. 2 (a
    context loader after the promotions' one sells on till-2 once, as a register a moment
    faster would): the sale hook refuses it (PromotionMoved), nothing is written, and the
    payment prices it again."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, player, uuid = await to_payment_as_receipt_no_2(pilot, shop)
        fired: list[Receipt] = []

        def another_register_first(_basket, _ctx) -> None:
            if not fired:
                fired.append(None)  # type: ignore[arg-type]
                fired[0] = lottery()

        monkeypatch.setattr(
            extensions, "CONTEXT_LOADERS", [*extensions.CONTEXT_LOADERS, another_register_first]
        )
        await pilot.press("enter")  # cash, exact 40.00
        await settle(pilot)
        assert fired[0].discount == 1000  # No. 2 went to till-2 ...
        message = label_text(app, "#pay-message")  # ... between this commit's price and write
        assert message.startswith(
            "Not paid: Another register's receipt was No. 2 a moment ago, so Every 2nd does not "
            "apply: nothing was saved."
        )
        await pay_again_once(pilot, screen, uuid, player)


async def test_a_promotion_moved_before_the_commit_is_priced_again_and_paid_once(
    settings, shop, clock, lottery
) -> None:
    """Another register takes No. 2 while the payment dialog is open: the commit's own
    pricing sees it (10.00 more to pay), nothing is written, the payment prices it again."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, player, uuid = await to_payment_as_receipt_no_2(pilot, shop)
        assert lottery().discount == 1000
        await pilot.press("enter")
        await settle(pilot)
        assert label_text(app, "#pay-message") == "Not paid: 10.00 ₴ still to pay."
        await pay_again_once(pilot, screen, uuid, player)
