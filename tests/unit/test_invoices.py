"""Sales invoices with exact kopecks, on both databases: made through the register's checkout
(catalog prices and the pipeline, stock movements, the fiscal queue only for money taken at
the register), numbered per year without gaps, paid later on the customer's VIP account and
then in cash or by bank transfer, for a customer through an intermediary, shipped to an
address from the customer's history; and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib

import pytest

from torgtui.catalog.stock import post_movement, stock_of
from torgtui.customers.delivery import add_address
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import intermediaries, invoices, ledger, vip
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.models import (
    AuditEntry,
    CashMovement,
    Customer,
    Draft,
    FiscalJob,
    LedgerEntry,
    Payment,
    Receipt,
    ReceiptLine,
)
from torgtui.models.invoices import Invoice, InvoiceCounter
from torgtui.models.partners import Partner, PartnerRate, PartnerSale
from torgtui.sales.checkout import Tender
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)
DUE_14 = dt.datetime(2026, 12, 6, 23, 59, 59)  # the end of the 14th day after NOW


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


@pytest.fixture
def buyer(db, staff, clock) -> Customer:
    """A wholesale customer buying on credit: limit 10 000.00, 14 days to pay."""
    c = Customer.create(name="ТОВ Квітка-Опт", card="2900000000013", created_at=NOW, updated_at=NOW)
    vip.set_vip(c.id, "credit", limit=1_000_000, term_days=14, by=staff["manager"], clock=clock)
    return c


@pytest.fixture
def plain(db) -> Customer:
    return Customer.create(name="Оля", card="2900000000020", created_at=NOW, updated_at=NOW)


def uid() -> str:
    return str(uuidlib.uuid4())


def draft_of(staff, clock, codes, who="cashier") -> InvoiceDraft:
    form = InvoiceDraft(staff[who], register="office", clock=clock)
    for code in codes:
        form.enter(code)
    return form


def make(staff, shift, clock, shop, customer, codes=None, **kw) -> Invoice:
    form = draft_of(staff, clock, codes or ["3*" + shop.dress_code, shop.cream_code])
    kw.setdefault("payment", invoices.LATER)
    return invoices.issue(
        form.basket,
        customer_id=customer.id,
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        clock=clock,
        **kw,
    )


# --- issuing -----------------------------------------------------------------------------------


def test_an_invoice_paid_later_is_a_sale_on_the_customers_account(
    staff, shop, shift, clock, buyer
) -> None:
    post_movement(shop.dress.id, shop.location.id, 10_000, "inbound", employee=staff["owner"])
    inv = make(staff, shift, clock, shop, buyer)
    # 3 x 1 250.00 + 189.90 = 3 939.90, from the catalog
    assert (inv.year, inv.number, invoices.label(inv)) == (2026, 1, "2026-00001")
    assert inv.total == 393990 and inv.payment == "later" and not inv.fiscal
    receipt = Receipt.get_by_id(inv.receipt_id)
    assert (receipt.kind, receipt.total, receipt.customer_id) == ("sale", 393990, buyer.id)
    assert receipt.fiscal_status == ""
    assert FiscalJob.select().where(FiscalJob.receipt == receipt.id).count() == 0
    lines = ReceiptLine.select().where(ReceiptLine.receipt == receipt.id).order_by(ReceiptLine.id)
    assert [(ln.qty, ln.unit_price, ln.total) for ln in lines] == [
        (3000, 125000, 375000),
        (1000, 18990, 18990),
    ]
    assert [
        (p.tender, p.amount) for p in Payment.select().where(Payment.receipt == receipt.id)
    ] == [("credit", 393990)]
    # the stock ledger: 10 in, 3 out
    assert stock_of(shop.dress.id, shop.location.id) == 7000
    # the ledger: one charge due after the customer's term, owed in full
    [charge] = LedgerEntry.select().where(LedgerEntry.receipt == receipt.id)
    assert (charge.amount, charge.kind, charge.due_at) == (-393990, "charge", DUE_14)
    assert inv.due_at == DUE_14
    assert invoices.owed(inv) == 393990
    assert Draft.select().count() == 0  # the invoice draft went with the sale
    [entry] = AuditEntry.select().where(AuditEntry.action == "invoice.issue")
    assert entry.object_id == str(inv.id) and '"total": 393990' in entry.after


def test_paid_now_in_cash_is_fiscal_by_bank_transfer_is_not(
    staff, shop, shift, clock, plain
) -> None:
    cash = make(
        staff,
        shift,
        clock,
        shop,
        plain,
        [shop.cream_code],
        payment="now",
        tenders=[Tender("cash", 20000)],
        cash_step=10,
    )
    assert cash.fiscal and cash.total == 18990 and cash.change == 1010
    assert Receipt.get_by_id(cash.receipt_id).fiscal_status == "pending"
    assert FiscalJob.select().where(FiscalJob.receipt == cash.receipt_id).count() == 1
    transfer = make(
        staff,
        shift,
        clock,
        shop,
        plain,
        ["2*" + shop.cream_code],
        payment="now",
        tenders=[Tender("cashless", 37980)],
    )
    assert not transfer.fiscal and transfer.total == 37980 and transfer.number == 2
    assert Receipt.get_by_id(transfer.receipt_id).fiscal_status == ""
    assert FiscalJob.select().where(FiscalJob.receipt == transfer.receipt_id).count() == 0
    assert invoices.owed(transfer) == 0


def test_numbers_run_per_year_without_gaps(staff, shop, shift, clock, buyer, plain) -> None:
    first = make(staff, shift, clock, shop, buyer, [shop.cream_code])
    with pytest.raises(ValidationError):  # refused: no number is used up
        make(staff, shift, clock, shop, plain, [shop.cream_code])
    Draft.delete().execute()
    second = make(staff, shift, clock, shop, buyer, [shop.cream_code])
    assert (first.number, second.number) == (1, 2)
    clock.advance(days=40)  # 2027
    shift2 = open_shift(staff["senior_cashier"], "till-2", shop.location, 0, clock=clock)
    third = make(staff, shift2, clock, shop, buyer, [shop.cream_code])
    assert (third.year, third.number, invoices.label(third)) == (2027, 1, "2027-00001")
    assert {c.year: c.last_number for c in InvoiceCounter.select()} == {2026: 2, 2027: 1}


def test_the_same_uuid_again_returns_the_same_invoice(staff, shop, shift, clock, buyer) -> None:
    form = draft_of(staff, clock, [shop.cream_code])
    args = dict(
        customer_id=buyer.id,
        payment="later",
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    basket = form.basket
    first = invoices.issue(basket, **args)
    again = invoices.issue(basket, **args)
    assert first.id == again.id and Invoice.select().count() == 1
    assert Receipt.select().count() == 1


def test_an_invoice_draft_is_not_the_receipt_at_the_till(staff, shop, clock) -> None:
    till = Register(staff["cashier"], register="till-1", clock=clock)
    till.scan(shop.dress_code)
    form = draft_of(staff, clock, [shop.cream_code])
    assert [ln.name for ln in form.basket.lines] == ["Крем для рук"]
    again = Register(staff["cashier"], register="till-1", clock=clock)
    assert [ln.name for ln in again.basket.lines] == ["Сукня літня"]
    resumed = InvoiceDraft(staff["cashier"], register="office", clock=clock)
    assert resumed.uuid == form.uuid and [ln.qty for ln in resumed.basket.lines] == [1000]
    with pytest.raises(ValidationError, match="not held"):
        resumed.hold()


def test_prices_come_from_the_catalog_not_the_caller(staff, shop, shift, clock, buyer) -> None:
    form = draft_of(staff, clock, [shop.dress_code])
    form.basket.lines[0].unit_price = 100  # a caller's price is never what is charged
    inv = invoices.issue(
        form.basket,
        customer_id=buyer.id,
        payment="later",
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    assert inv.total == 125000 and invoices.owed(inv) == 125000


# --- customer through intermediary and the delivery address -------------------------------------


def test_customer_through_an_intermediary_and_an_address_from_history(
    staff, shop, shift, clock, buyer
) -> None:
    dealer = Partner.create(
        code="DEALER-1", kind="intermediary", name="Агент Петро", created_at=NOW
    )
    PartnerRate.create(partner=dealer, kind="commission", group=None, percent_bp=500)
    old = add_address(
        buyer,
        "nova_poshta",
        city="Київ",
        branch="5",
        street="",
        recipient="Іван Коваль",
        phone="0671234567",
        by=staff["cashier"],
        clock=clock,
    )
    clock.advance(minutes=1)
    add_address(
        buyer,
        "nova_poshta",
        city="Львів",
        branch="15",
        street="",
        recipient="Іван Коваль",
        phone="0671234567",
        by=staff["cashier"],
        clock=clock,
    )
    clock.advance(minutes=1)
    inv = make(
        staff, shift, clock, shop, buyer, [shop.cream_code], partner_id=dealer.id, address_id=old.id
    )
    assert inv.partner_id == dealer.id
    # the partners' sale hook saw the invoice: 5 % of 189.90 = 9.50 owed to the dealer
    [sale] = PartnerSale.select().where(PartnerSale.receipt == inv.receipt_id)
    assert (sale.partner_id, sale.role, sale.commission) == (dealer.id, "intermediary", 950)
    assert intermediaries.balance_of(dealer.id) == 950
    assert (inv.carrier, inv.city, inv.branch, inv.recipient, inv.phone) == (
        "nova_poshta",
        "Київ",
        "5",
        "Іван Коваль",
        "+380671234567",
    )
    from torgtui.customers.delivery import addresses_of

    assert addresses_of(buyer)[0].id == old.id  # used last: first next time
    [row] = invoices.page(by=staff["cashier"])
    assert (row.label, row.customer, row.partner, row.total, row.owed) == (
        "2026-00001",
        "ТОВ Квітка-Опт",
        "Агент Петро",
        18990,
        18990,
    )


# --- paying later ------------------------------------------------------------------------------


def test_paying_later_in_cash_then_by_bank_transfer(staff, shop, shift, clock, buyer) -> None:
    inv = make(staff, shift, clock, shop, buyer, ["2*" + shop.dress_code])
    assert invoices.owed(inv) == 250000
    clock.advance(days=3)
    part = invoices.pay(
        inv.id, 100000, "cash", uuid=uid(), by=staff["cashier"], shift=shift, clock=clock
    )
    assert (part.amount, part.tender, part.owed) == (100000, "cash", 150000)
    [drawer] = CashMovement.select().where(CashMovement.kind == "vip_cash")
    assert drawer.amount == 100000
    key = uid()
    rest = invoices.pay(inv.id, 150000, "transfer", uuid=key, by=staff["cashier"], clock=clock)
    assert (rest.owed, invoices.owed(inv)) == (0, 0)
    assert CashMovement.select().where(CashMovement.kind == "vip_cash").count() == 1
    again = invoices.pay(inv.id, 150000, "transfer", uuid=key, by=staff["cashier"], clock=clock)
    assert again.entry_id == rest.entry_id
    account = ledger.find_account(ledger.Kind.VIP, "customer", buyer.id)
    assert ledger.balance(account) == 0 and ledger.check_account(account).ok
    amounts = [
        e.amount
        for e in LedgerEntry.select().where(LedgerEntry.account == account).order_by(LedgerEntry.id)
    ]
    assert amounts == [-250000, 100000, 150000]
    with pytest.raises(ValidationError, match="paid in full"):
        invoices.pay(inv.id, 1, "transfer", uuid=uid(), by=staff["cashier"], clock=clock)
    assert AuditEntry.select().where(AuditEntry.action == "invoice.pay").count() == 2


def test_a_payment_settles_this_invoice_not_an_older_one(staff, shop, shift, clock, buyer) -> None:
    older = make(staff, shift, clock, shop, buyer, [shop.cream_code])
    newer = make(staff, shift, clock, shop, buyer, [shop.dress_code])
    invoices.pay(newer.id, 125000, "transfer", uuid=uid(), by=staff["cashier"], clock=clock)
    assert (invoices.owed(older), invoices.owed(newer)) == (18990, 0)
    with pytest.raises(ValidationError, match="at most"):
        invoices.pay(older.id, 20000, "transfer", uuid=uid(), by=staff["cashier"], clock=clock)


# --- bad input writes nothing ------------------------------------------------------------------


def _nothing_written() -> None:
    assert Invoice.select().count() == 0 and Receipt.select().count() == 0
    assert InvoiceCounter.select().count() == 0


def test_unknown_customer_and_bad_input_write_nothing(staff, shop, shift, clock, plain) -> None:
    form = draft_of(staff, clock, [shop.cream_code])
    base = dict(uuid=form.uuid, by=staff["cashier"], shift=shift, clock=clock)
    with pytest.raises(ValidationError, match="Unknown customer 999"):
        invoices.issue(form.basket, customer_id=999, payment="later", **base)
    with pytest.raises(ValidationError, match="choose the customer"):
        invoices.issue(form.basket, customer_id=None, payment="later", **base)
    with pytest.raises(ValidationError, match="no VIP account"):
        invoices.issue(form.basket, customer_id=plain.id, payment="later", **base)
    with pytest.raises(ValidationError, match="how the invoice is paid"):
        invoices.issue(form.basket, customer_id=plain.id, payment="now", **base)
    with pytest.raises(ValidationError, match="now or later"):
        invoices.issue(form.basket, customer_id=plain.id, payment="tomorrow", **base)
    with pytest.raises(ValidationError, match="cash, by card or by bank transfer"):
        invoices.issue(
            form.basket,
            customer_id=plain.id,
            payment="now",
            tenders=[Tender("credit", 18990)],
            **base,
        )
    with pytest.raises(ValidationError, match="still to pay"):
        invoices.issue(
            form.basket,
            customer_id=plain.id,
            payment="now",
            tenders=[Tender("cash", 100)],
            **base,
        )
    with pytest.raises(ValidationError, match="Unknown intermediary"):
        invoices.issue(
            form.basket,
            customer_id=plain.id,
            payment="now",
            tenders=[Tender("card", 18990)],
            partner_id=77,
            **base,
        )
    other = Customer.create(name="Інший", card="2900000000037", created_at=NOW, updated_at=NOW)
    theirs = add_address(
        other,
        "nova_poshta",
        city="Київ",
        branch="1",
        street="",
        recipient="Хтось",
        phone="",
        by=staff["cashier"],
        clock=clock,
    )
    with pytest.raises(ValidationError, match="not one of"):
        invoices.issue(
            form.basket,
            customer_id=plain.id,
            payment="now",
            tenders=[Tender("card", 18990)],
            address_id=theirs.id,
            **base,
        )
    _nothing_written()
    assert Draft.get(Draft.uuid == form.uuid).status == "invoice"  # the form is still there


def test_over_the_credit_limit_writes_nothing(staff, shop, shift, clock, db) -> None:
    small = Customer.create(name="Малий опт", card="2900000000044", created_at=NOW, updated_at=NOW)
    vip.set_vip(small.id, "credit", limit=100000, term_days=7, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="Over the credit limit"):
        make(staff, shift, clock, shop, small, [shop.dress_code])
    _nothing_written()
    assert stock_of(shop.dress.id, shop.location.id) == 0


def test_permissions(staff, shop, shift, clock, buyer) -> None:
    form = draft_of(staff, clock, [shop.cream_code])
    with pytest.raises(PermissionDenied):
        invoices.issue(
            form.basket,
            customer_id=buyer.id,
            payment="later",
            uuid=form.uuid,
            by=staff["support"],
            shift=shift,
            clock=clock,
        )
    with pytest.raises(PermissionDenied):
        invoices.page(by=staff["support"])
    _nothing_written()


def test_the_intermediary_scanned_as_a_control_barcode(staff, shop, shift, clock, buyer) -> None:
    """Seed 003/004: in "Trade with invoice issuance" codes go through the one code field."""
    dealer = Partner.create(code="AG-7", kind="intermediary", name="Агент Сім", created_at=NOW)
    inv = make(staff, shift, clock, shop, buyer, [shop.cream_code, "INT-AG-7"])
    assert inv.partner_id == dealer.id and inv.total == 18990
    assert PartnerSale.get(PartnerSale.receipt == inv.receipt_id).partner_id == dealer.id


JUNK = [None, "1; DROP TABLE invoice", -1, 10**20, 1.5, [], "\x00"]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_anywhere_is_refused_in_words_and_writes_nothing(
    staff, shop, shift, clock, buyer, junk
) -> None:
    form = draft_of(staff, clock, [shop.cream_code])
    good = dict(
        basket=form.basket,
        customer_id=buyer.id,
        payment="later",
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    for key in (
        "basket",
        "customer_id",
        "payment",
        "uuid",
        "tenders",
        "partner_id",
        "address_id",
        "note",
    ):
        args = {**good, key: junk}
        if key == "note" and (junk is None or (isinstance(junk, str) and "\x00" not in junk)):
            continue  # any text is a note
        if key in ("partner_id", "address_id") and junk is None:
            continue  # none: no intermediary, collected at the shop
        if key == "tenders" and junk in ([], ()):
            continue
        with pytest.raises((ValidationError, PermissionDenied)):
            invoices.issue(args.pop("basket"), **args)
    with pytest.raises(ValidationError):
        invoices.pay(junk, 100, "cash", uuid=uid(), by=staff["cashier"], shift=shift)
    with pytest.raises(ValidationError):
        invoices.pay(1, junk, "transfer", uuid=uid(), by=staff["cashier"])
    _nothing_written()


def test_a_return_at_the_register_lowers_what_the_invoice_owes(
    staff, shop, shift, clock, buyer
) -> None:
    from torgtui.sales.returns import commit_return

    inv = make(staff, shift, clock, shop, buyer, ["2*" + shop.dress_code])
    [line] = ReceiptLine.select().where(ReceiptLine.receipt == inv.receipt_id)
    commit_return(
        Receipt.get_by_id(inv.receipt_id),
        {line.id: 1000},
        uuid=uid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert invoices.owed(inv) == 125000  # one dress of two back: 1 250.00 less owed


def test_the_invoice_keeps_its_address_when_the_history_loses_it(
    staff, shop, shift, clock, buyer
) -> None:
    from torgtui.customers.delivery import remove_address

    address = add_address(
        buyer,
        "nova_poshta",
        city="Київ",
        branch="5",
        recipient="Іван Коваль",
        phone="0671234567",
        by=staff["cashier"],
        clock=clock,
    )
    inv = make(staff, shift, clock, shop, buyer, [shop.cream_code], address_id=address.id)
    remove_address(address, by=staff["manager"], clock=clock)
    kept = Invoice.get_by_id(inv.id)
    assert kept.address_id is None
    assert (kept.city, kept.branch, kept.recipient) == ("Київ", "5", "Іван Коваль")


def test_customer_show_lists_the_latest_invoices(staff, shop, shift, clock, buyer) -> None:
    from torgtui.customers.show import as_text, show

    inv = make(staff, shift, clock, shop, buyer, [shop.cream_code])
    invoices.pay(inv.id, 8990, "transfer", uuid=uid(), by=staff["cashier"], clock=clock)
    Invoice.update(waybill="59000000000001").where(Invoice.id == inv.id).execute()
    info = show(buyer, by=staff["manager"], at=clock())
    assert info["invoices"] == [
        {
            "number": "2026-00001",
            "date": "2026-11-22",
            "total": 18990,
            "payment": "later",
            "owed": 10000,
            "waybill": "59000000000001",
        }
    ]
    assert (
        "Invoice 2026-00001 of 2026-11-22: 189.90 ₴; owes 100.00 ₴; waybill 59000000000001"
        in as_text(info)
    )
