"""Stock documents (torgtui.catalog.documents): a goods receipt posts inbound movements and the
weighted average cost (a sale afterwards carries it), a stocktake posts its differences as
adjustments, a write-off takes goods away; posting twice (also from two processes at once)
posts once; bad input and missing permissions are refused in words with nothing written."""

from __future__ import annotations

import csv
import io
import multiprocessing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import promotions_shop
from tests.unit import test_service_fuzz as fuzz
from torgtui.catalog import documents as docs
from torgtui.catalog import documents_post as post
from torgtui.catalog import documents_read as read
from torgtui.catalog.stock import post_movement, stock_of
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Product, StockMovement
from torgtui.models.stockdocs import StockDocument, StockDocumentLine

ps = promotions_shop.ps  # fixture


def counts() -> tuple[int, int, int, int]:
    return (
        StockDocument.select().count(),
        StockDocumentLine.select().count(),
        StockMovement.select().count(),
        AuditEntry.select().count(),
    )


def stock(ps, product) -> int:
    return stock_of(product, ps.location_id)


def receipt(staff, ps, clock, supplier: str = "ТОВ Постач") -> int:
    return docs.create_document(
        "receipt", by=staff["manager"], location=ps.location_id, supplier=supplier, clock=clock
    ).number


def test_goods_receipt_posts_stock_and_the_average_cost(staff, ps, clock) -> None:
    manager = staff["manager"]
    post_movement(ps.scarf, ps.location_id, 10_000, "import", system=True, clock=clock)
    number = receipt(staff, ps, clock)
    docs.set_line(number, ps.scarf, 5_000, unit_cost=15_000, by=manager, clock=clock)
    docs.set_line(number, ps.socks, 3_000, unit_cost=1_999, by=manager, clock=clock)
    docs.scan(number, "K-1", by=manager, clock=clock)  # one more pair by its SKU
    result = post.post_document(number, by=manager, clock=clock)
    assert (result.posted, result.movements, result.qty) == (True, 2, 9_000)
    assert result.total_cost == 5 * 15_000 + 4 * 1_999
    assert stock(ps, ps.scarf) == 15_000 and stock(ps, ps.socks) == 4_000
    # 10 scarves at 120.00 and 5 at 150.00: 130.00; no socks in stock: the supplier's cost
    assert Product.get_by_id(ps.scarf.id).cost == 13_000
    assert Product.get_by_id(ps.socks.id).cost == 1_999
    kinds = {m.kind for m in StockMovement.select().where(StockMovement.kind != "import")}
    assert kinds == {"inbound"}
    info = read.get_document(number, by=manager)
    assert (info.state, info.supplier, info.total_cost, info.lines) == (
        "posted",
        "ТОВ Постач",
        result.total_cost,
        2,
    )
    actions = [a.action for a in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == [
        "stockdoc.create_receipt",
        "product.cost_from_receipt",
        "stockdoc.post_receipt",
    ]
    costs = AuditEntry.get(AuditEntry.action == "product.cost_from_receipt").after
    assert str(ps.scarf.id) in costs and "[12000, 13000]" in costs


def test_average_cost_rounds_half_up_and_ignores_negative_stock() -> None:
    assert post.average_cost(1000, 100, 2000, 101) == 101  # 100.666.. -> 101
    assert post.average_cost(1000, 100, 1000, 101) == 101  # 100.5 -> 101 (half up)
    assert post.average_cost(-3000, 100, 1000, 250) == 250
    assert post.average_cost(5000, 0, 1000, 250) == 250


def test_posting_twice_posts_once(staff, ps, clock) -> None:
    manager = staff["manager"]
    number = receipt(staff, ps, clock)
    docs.set_line(number, ps.scarf, 2_000, unit_cost=10_000, by=manager, clock=clock)
    assert post.post_document(number, by=manager, clock=clock).posted
    before = counts()
    again = post.post_document(number, by=manager, clock=clock)
    assert not again.posted and counts() == before
    assert "posted already" in post.posting_words(again)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        docs.set_line(number, ps.scarf, 1_000, by=manager, clock=clock)
    assert stock(ps, ps.scarf) == 2_000


def test_stocktake_posts_the_differences_of_the_group(staff, ps, clock) -> None:
    manager = staff["manager"]
    for product, qty in [
        (ps.scarf, 5_000),
        (ps.socks, 4_000),
        (ps.dress, 2_000),
        (ps.cream, 7_000),
    ]:
        post_movement(product, ps.location_id, qty, "import", system=True, clock=clock)
    number = docs.create_document(
        "count",
        by=manager,
        location=ps.location_id,
        group=ps.clothes,
        reason="Річний облік",
        clock=clock,
    ).number
    for _ in range(6):
        docs.scan(number, "S-1", by=manager, clock=clock)  # a scarf more than the books
    for _ in range(2):
        docs.scan(number, ps.shop.dress_code, by=manager, clock=clock)  # as the books
    # the socks are not counted at all: none found; the cream is not in the group
    diffs = {d.sku: d.difference for d in read.differences(number, by=manager)}
    assert diffs == {"S-1": 1_000, "K-1": -4_000}
    sheet = list(csv.reader(io.StringIO(read.count_sheet_csv(number, by=manager))))
    assert sheet[0][:2] == ["SKU", "Barcode"]
    assert {row[0]: (row[4], row[5]) for row in sheet[1:]} == {
        "S-1": ("5", "6"),
        "K-1": ("4", ""),
        "D-1": ("2", "2"),
    }
    assert read.count_sheet_pdf(number, by=manager).startswith(b"%PDF")
    result = post.post_document(number, by=manager, clock=clock)
    assert (result.movements, result.qty) == (2, -3_000)
    assert result.total_cost == 12_000 - 4 * 2_000
    assert (stock(ps, ps.scarf), stock(ps, ps.socks), stock(ps, ps.dress), stock(ps, ps.cream)) == (
        6_000,
        0,
        2_000,
        7_000,
    )
    adjusts = list(StockMovement.select().where(StockMovement.kind == "adjust"))
    assert {m.note for m in adjusts} == {f"stocktake {number}: Річний облік"}
    posted = {d.sku: (d.expected, d.counted) for d in read.differences(number, by=manager)}
    assert posted == {"S-1": (5_000, 6_000), "K-1": (4_000, 0)}


def test_write_off_with_a_reason(staff, ps, clock) -> None:
    manager = staff["manager"]
    post_movement(ps.soap, ps.location_id, 3_500, "import", system=True, clock=clock)
    with pytest.raises(ValidationError, match="reason"):
        docs.create_document("writeoff", by=manager, location=ps.location_id, clock=clock)
    number = docs.create_document(
        "writeoff", by=manager, location=ps.location_id, reason="Зіпсоване", clock=clock
    ).number
    docs.set_line(number, ps.soap, 1_250, by=manager, clock=clock)
    result = post.post_document(number, by=manager, clock=clock)
    assert (result.qty, result.total_cost) == (-1_250, -18_750)  # 1.25 kg at 150.00
    assert stock(ps, ps.soap) == 2_250
    (move,) = StockMovement.select().where(StockMovement.kind == "writeoff")
    assert (move.qty, move.note) == (-1_250, f"writeoff {number}: Зіпсоване")


@pytest.mark.parametrize(
    ("qty", "words"),
    [
        (-1_000, "0 or more"),
        (0, "more than zero"),
        (10**12, "too large"),
        (1_500, "by the piece"),
        ("5", "whole number of thousandths"),
        (True, "whole number of thousandths"),
    ],
)
def test_bad_quantities_are_refused_with_nothing_written(staff, ps, clock, qty, words) -> None:
    number = receipt(staff, ps, clock)
    before = counts()
    with pytest.raises(ValidationError, match=words):
        docs.set_line(number, ps.scarf, qty, unit_cost=100, by=staff["manager"], clock=clock)
    assert counts() == before


def test_bad_input_and_permissions(staff, ps, clock) -> None:
    manager, cashier = staff["manager"], staff["cashier"]
    number = receipt(staff, ps, clock)
    before = counts()
    with pytest.raises(ValidationError, match="no product 999999"):
        docs.set_line(number, 999999, 1_000, unit_cost=100, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="Unknown code"):
        docs.scan(number, "4820000000000", by=manager, clock=clock)
    with pytest.raises(ValidationError, match="whole number of kopecks"):
        docs.set_line(number, ps.scarf, 1_000, unit_cost=1.5, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="no lines"):
        post.post_document(number, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="no stock document 77"):
        post.post_document(77, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="Unknown stock document kind"):
        docs.create_document("gift", by=manager, location=ps.location_id, clock=clock)
    with pytest.raises(ValidationError, match="supplier"):
        docs.create_document("receipt", by=manager, location=ps.location_id, clock=clock)
    with pytest.raises(PermissionDenied, match="receive goods"):
        docs.create_document(
            "receipt", by=cashier, location=ps.location_id, supplier="X", clock=clock
        )
    with pytest.raises(PermissionDenied):
        docs.set_line(number, ps.scarf, 1_000, unit_cost=100, by=cashier, clock=clock)
    with pytest.raises(PermissionDenied):
        post.post_document(number, by=cashier, clock=clock)
    with pytest.raises(PermissionDenied):
        read.list_documents(by=cashier)
    assert counts() == before
    docs.scan(number, ps.shop.cream_code, by=manager, clock=clock)
    Product.update(cost=0).where(Product.id == ps.cream.id).execute()
    docs.set_line(number, ps.scarf, 1_000, by=manager, clock=clock)  # the scarf's cost
    assert [ln.unit_cost for ln in read.document_lines(number, by=manager)] == [9_000, 12_000]
    assert docs.cancel_document(number, by=manager, clock=clock)
    assert not docs.cancel_document(number, by=manager, clock=clock)
    assert post.post_document(number, by=manager, clock=clock).posted is False
    assert StockMovement.select().count() == 0


def test_a_receipt_line_without_a_cost_is_not_posted(staff, ps, clock) -> None:
    manager = staff["manager"]
    Product.update(cost=0).where(Product.id == ps.scarf.id).execute()
    number = receipt(staff, ps, clock)
    docs.scan(number, "S-1", by=manager, clock=clock)
    before = counts()
    with pytest.raises(ValidationError, match="Give the cost of Шарф"):
        post.post_document(number, by=manager, clock=clock)
    assert counts() == before
    assert StockDocument.get(StockDocument.number == number).state == "draft"


def test_list_pages_newest_first(staff, ps, clock) -> None:
    manager = staff["manager"]
    numbers = [receipt(staff, ps, clock, f"S{n}") for n in range(3)]
    page = read.list_documents(by=manager, limit=2)
    assert [d.number for d in page] == numbers[::-1][:2]
    rest = read.list_documents(by=manager, before=page[-1].number)
    assert [d.number for d in rest] == [numbers[0]]


# --- posting from two processes at once ----------------------------------------------------


def _post_in_a_process(url: str, employee_id: int, numbers: list[int], barrier, out) -> None:
    import datetime as dt

    from torgtui import db
    from torgtui.catalog import documents_post
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.models import Employee

    db.open_database(url)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    employee = Employee.get_by_id(employee_id)
    for number in numbers:
        barrier.wait(timeout=60)
        try:
            result = documents_post.post_document(number, by=employee, clock=clock)
            out.put((number, "posted" if result.posted else "already"))
        except TorgError as exc:
            out.put((number, "refused", exc.message))
        except Exception as exc:  # a raw driver error is the finding
            out.put((number, "raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def test_posting_from_two_processes_at_once_posts_once(db, backend, staff, ps, clock) -> None:
    manager = staff["manager"]
    numbers = []
    for n in range(4):
        number = receipt(staff, ps, clock, f"S{n}")
        docs.set_line(number, ps.scarf, 1_000, unit_cost=12_000, by=manager, clock=clock)
        numbers.append(number)
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_post_in_a_process, args=(backend, manager.id, numbers, barrier, out))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(numbers))]
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    for number in numbers:
        outcomes = sorted(r[1] for r in results if r[0] == number)
        assert outcomes == ["already", "posted"], results
    assert stock(ps, ps.scarf) == 4_000
    assert StockMovement.select().count() == 4


# --- generated bad input at the service boundary -------------------------------------------


@settings(parent=fuzz.FUZZ, max_examples=30)
@given(data=st.data())
def test_bad_input_is_refused_in_words_with_nothing_written(staff, ps, clock, data) -> None:
    manager = staff["manager"]
    if not StockDocument.select().exists():
        receipt(staff, ps, clock)
        docs.set_line(1, ps.scarf, 1_000, unit_cost=100, by=manager, clock=clock)
    who = {"by": manager, "clock": clock}
    cases = {
        "qty": (
            lambda v: docs.set_line(1, ps.scarf, v, **who),
            fuzz.bad([*fuzz.BAD_INT, -1000, 1500]),
        ),
        "cost": (
            lambda v: docs.set_line(1, ps.scarf, 1_000, unit_cost=v, **who),
            fuzz.bad(fuzz.BAD_MONEY[1:], fuzz.GENERATED_INT),
        ),
        "product": (lambda v: docs.set_line(1, v, 1_000, **who), fuzz.bad(fuzz.BAD_INT)),
        "code": (lambda v: docs.scan(1, v, **who), fuzz.bad(fuzz.BAD_CODE, fuzz.GENERATED_TEXT)),
        "number": (lambda v: post.post_document(v, **who), fuzz.bad(fuzz.BAD_INT)),
        "supplier": (
            lambda v: docs.create_document("receipt", location=ps.location_id, supplier=v, **who),
            fuzz.bad([*fuzz.BAD_TEXT, "", "  "]),
        ),
        "reason": (
            lambda v: docs.create_document("writeoff", location=ps.location_id, reason=v, **who),
            fuzz.bad([*fuzz.BAD_TEXT, ""]),
        ),
        "kind": (
            lambda v: docs.create_document(v, location=ps.location_id, **who),
            fuzz.bad([*fuzz.BAD_INT, *fuzz.BAD_TEXT, "gift", "RECEIPT"]),
        ),
        "location": (
            lambda v: docs.create_document("count", location=v, **who),
            fuzz.bad(fuzz.BAD_INT),
        ),
        "group": (
            lambda v: docs.create_document("count", location=ps.location_id, group=v, **who),
            fuzz.bad([*fuzz.BAD_INT[1:], 999_999]),
        ),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, values = cases[name]
    value = data.draw(values, label=name)
    before = fuzz.counts()
    fuzz.refused(lambda: call(value))
    assert fuzz.counts() == before, (name, value)
