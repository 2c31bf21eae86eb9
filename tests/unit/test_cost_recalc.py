"""Cost recalculation after a promotion (torgtui.marketing.costs): a document over the lines
the promotion discounted, audited, reversed exactly once (also from two processes at once),
append-only in the database; the effective cost follows it (returns too); bad input refused
in words with nothing written; the CLI prints JSON and refuses with exit status 2."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from decimal import Decimal

import peewee
import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import give_back, product, promo, sell
from torgtui.cli import main
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import costs
from torgtui.models import AuditEntry, ReceiptLine
from torgtui.models.costs import CostDocument, CostLine
from torgtui.sales.shifts import open_shift

ps = promotions_shop.ps  # fixture


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0)


@pytest.fixture
def sold(staff, ps, clock):
    """SCARF takes 10% off the scarf (300.00, cost 120.00) from 21 November. Sold: on the
    20th a scarf (before it), on the 21st two scarves and a cream, then one scarf, on the 22nd
    three scarves: three lines it discounted, six scarves."""
    clock.now = at(18)
    promo(staff, clock, "SCARF", targets=product(ps.scarf), percent=10,
          starts_on=dt.date(2026, 11, 21))  # fmt: skip
    shift = open_shift(staff["cashier"], "till-1", ps.shop.location, 100000, clock=clock)
    receipts = []
    for now, items in [
        (at(20), [(ps.scarf, 1)]),
        (at(21), [(ps.scarf, 2), (ps.cream, 1)]),
        (at(21, 12), [(ps.scarf, 1)]),
        (at(22, 9), [(ps.scarf, 3)]),
    ]:
        clock.now = now
        receipts.append(sell(staff, ps, shift, clock, items))
    clock.now = at(22, 10)
    return shift, receipts


def counts() -> tuple[int, int, int]:
    return CostDocument.select().count(), CostLine.select().count(), AuditEntry.select().count()


def scarf_lines(receipts) -> list[int]:
    return [
        ln.id
        for r in receipts[1:]
        for ln in ReceiptLine.select().where(ReceiptLine.receipt == r.id).order_by(ReceiptLine.id)
        if ln.name == "Шарф"
    ]


def test_a_document_audited_and_reversed_exactly_once(staff, sold, clock) -> None:
    _shift, receipts = sold
    manager = staff["manager"]
    doc = costs.recalculate_costs(
        "SCARF", by=manager, per_unit=2000, note="Постачальник: лист 12", clock=clock
    )
    assert (doc.number, doc.kind, doc.promotion, doc.basis, doc.amount) == (
        1,
        "recalc",
        "SCARF",
        "per_unit",
        2000,
    )
    assert (doc.first_day, doc.last_day) == (dt.date(2026, 11, 21), None)  # its own dates
    assert (doc.lines, doc.total, doc.employee) == (3, -12000, "Maria Manager")
    ids = scarf_lines(receipts)
    assert [
        (c.line_id, c.unit_change, c.change) for c in CostLine.select().order_by(CostLine.id)
    ] == [
        (ids[0], -2000, -4000),
        (ids[1], -2000, -2000),
        (ids[2], -2000, -6000),
    ]
    assert costs.effective_unit_costs(ids) == dict.fromkeys(ids, 10000)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "cost.recalculate",
        "cost_document",
        "1",
    )
    assert json.loads(entry.after)["total"] == -12000

    back = costs.reverse_cost_document(1, by=manager, clock=clock)
    assert (back.number, back.kind, back.reverses, back.lines, back.total) == (
        2,
        "reversal",
        1,
        3,
        12000,
    )
    assert costs.get_cost_document(1, by=manager).reversed_by == 2
    assert costs.effective_unit_costs(ids) == dict.fromkeys(ids, 12000)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (entry.action, entry.object_id) == ("cost.reverse", "2")
    before = counts()
    with pytest.raises(ValidationError, match="Cost document 1 was reversed already by document 2"):
        costs.reverse_cost_document(1, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="Cost document 2 is itself a reversal"):
        costs.reverse_cost_document(2, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="There is no cost document 9"):
        costs.reverse_cost_document(9, by=manager, clock=clock)
    assert counts() == before
    # reversed: the lines may be recalculated again, by a percentage this time
    again = costs.recalculate_costs("SCARF", by=manager, percent="7.5", clock=clock)
    assert (again.number, again.percent, again.total) == (3, Decimal("7.5"), -6 * 900)
    listed = costs.list_cost_documents(by=manager, promotion="SCARF")
    assert [d.number for d in listed] == [3, 2, 1]
    assert [ln.unit_change for ln in costs.cost_document_lines(3, by=manager)] == [-900] * 3


def test_preview_writes_nothing_and_a_percentage_rounds_per_unit(staff, sold, clock) -> None:
    before = counts()
    plan = costs.preview_costs("SCARF", by=staff["manager"], percent=Decimal("3.33"))
    assert counts() == before
    # 3.33% of 120.00 is 3.996: 4.00 off each unit (half up, torgtui.money)
    assert {ln.unit_change for ln in plan.lines} == {-400}
    assert plan.as_dict()["total"] == -6 * 400 and plan.as_dict()["units"] == 6000
    # only the days given
    one_day = costs.preview_costs(
        "SCARF", by=staff["manager"], per_unit=100, first_day="2026-11-22", last_day="2026-11-22"
    )
    assert (len(one_day.lines), one_day.total) == (1, -300)


def test_a_return_comes_back_at_the_effective_cost(staff, sold, clock) -> None:
    shift, receipts = sold
    costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    back = give_back(staff, shift, clock, receipts[3], {"Шарф": 1})
    (line,) = ReceiptLine.select().where(ReceiptLine.receipt == back.id)
    assert costs.effective_line_costs([line.id]) == {line.id: 10000}


def test_the_same_lines_are_never_compensated_twice(staff, sold, clock) -> None:
    costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    before = counts()
    with pytest.raises(ValidationError, match="recalculated already by cost document 1"):
        costs.recalculate_costs("SCARF", by=staff["manager"], percent=5, clock=clock)
    assert counts() == before


def test_the_database_refuses_to_change_or_delete_a_document(db, staff, sold, clock) -> None:
    costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    for statement in (
        'UPDATE "cost_document" SET "total" = 0',
        'DELETE FROM "cost_document"',
        'UPDATE "cost_line" SET "unit_change" = 0',
        'DELETE FROM "cost_line"',
    ):
        with pytest.raises(peewee.DatabaseError, match="append-only"), db.atomic():
            db.execute_sql(statement)
    assert CostDocument.get().total == -12000
    assert CostLine.select().count() == 3


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"per_unit": 2000, "promotion": "NOPE"}, "There is no promotion 'NOPE'"),
        ({"percent": 101}, "at most 100"),
        ({"percent": "150"}, "at most 100"),
        ({"per_unit": -500}, "must be more than zero"),
        ({"per_unit": 0}, "must be more than zero"),
        ({"per_unit": 1.5}, "whole number of kopecks"),
        ({}, "either per unit"),
        ({"per_unit": 100, "percent": 5}, "either per unit"),
        (
            {"per_unit": 100, "first_day": "2026-11-22", "last_day": "2026-11-21"},
            "The last day 2026-11-21 is before the first 2026-11-22: swap them",
        ),
        ({"per_unit": 100, "first_day": "22.11.2026"}, "is not a date like"),
        ({"per_unit": 13000}, "more than the cost of S-1 Шарф"),
        (
            {"per_unit": 100, "first_day": "2026-11-01", "last_day": "2026-11-20"},
            "discounted no sale line on those days",
        ),
        ({"per_unit": 100, "products": "S-1"}, "give a list of products"),
        ({"per_unit": 100, "note": "x" * 201}, "The note"),
    ],
)
def test_bad_input_is_refused_in_words_with_nothing_written(
    staff, sold, clock, kwargs, words
) -> None:
    kwargs = dict(kwargs)  # shared by both databases' runs
    code = kwargs.pop("promotion", "SCARF")
    before = counts()
    with pytest.raises(ValidationError, match=words):
        costs.recalculate_costs(code, by=staff["manager"], clock=clock, **kwargs)
    assert counts() == before


def test_only_who_edits_prices(staff, sold, clock) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        costs.recalculate_costs("SCARF", by=staff["cashier"], per_unit=100, clock=clock)
    costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=100, clock=clock)
    with pytest.raises(PermissionDenied):
        costs.reverse_cost_document(1, by=staff["cashier"], clock=clock)
    assert counts()[0] == before[0] + 1


# --- two back offices at once ------------------------------------------------------------


def _in_a_process(url: str, employee_id: int, what: str, barrier, out) -> None:
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.marketing import costs
    from torgtui.models import Employee

    db.open_database(url)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    employee = Employee.get_by_id(employee_id)
    barrier.wait(timeout=60)
    try:
        if what == "reverse":
            info = costs.reverse_cost_document(1, by=employee, clock=clock)
        else:
            info = costs.recalculate_costs("SCARF", by=employee, per_unit=1000, clock=clock)
        out.put(("done", info.number))
    except TorgError as exc:
        out.put(("refused", exc.message))
    except Exception as exc:  # a raw driver error (unique violation, deadlock) is the finding
        out.put(("raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def _race(db, backend: str, employee_id: int, what: str) -> list[tuple[str, object]]:
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_in_a_process, args=(backend, employee_id, what, barrier, out))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = sorted(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    return results


def test_two_reversals_at_once_one_wins(db, backend, staff, sold, clock) -> None:
    costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    results = _race(db, backend, staff["manager"].id, "reverse")
    assert [r[0] for r in results] == ["done", "refused"], results
    assert "Cost document 1 was reversed already by document 2" in str(results[1][1])
    assert CostDocument.select().where(CostDocument.kind == "reversal").count() == 1
    assert CostLine.select().count() == 6


def test_two_recalculations_at_once_one_wins(db, backend, staff, sold, clock) -> None:
    results = _race(db, backend, staff["manager"].id, "recalc")
    assert [r[0] for r in results] == ["done", "refused"], results
    assert "recalculated already by cost document 1" in str(results[1][1])
    assert CostDocument.select().count() == 1 and CostLine.select().count() == 3


# --- the command line ---------------------------------------------------------------------


def cli(capsys, backend: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", backend, "promotions", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_writes_reverses_and_refuses_in_words(db, backend, staff, sold, capsys) -> None:
    who = ("--employee", "Maria Manager")
    code, out, err = cli(capsys, backend, "costs", "SCARF", "--per-unit", "2000", "--preview", *who)
    assert code == 0 and json.loads(out)["total"] == -12000 and err == ""
    assert CostDocument.select().count() == 0
    code, out, _err = cli(
        capsys, backend, "costs", "SCARF", "--percent", "10", "--note", "лист 12", *who
    )
    assert code == 0
    doc = json.loads(out)
    assert (doc["number"], doc["basis"], doc["percent"], doc["total"], doc["note"]) == (
        1,
        "percent",
        "10",
        -6 * 1200,
        "лист 12",
    )
    code, out, _err = cli(capsys, backend, "reverse-costs", "1", *who)
    assert code == 0 and json.loads(out)["reverses"] == 1
    before = counts()
    for argv, words in [
        (("reverse-costs", "1"), "Cost document 1 was reversed already by document 2"),
        (("reverse-costs", "0"), "from 1 to"),
        (("costs", "NOPE", "--per-unit", "100"), "There is no promotion 'NOPE'"),
        (("costs", "SCARF", "--percent", "101"), "at most 100"),
        (("costs", "SCARF", "--per-unit", "-5"), "must be more than zero"),
        (("costs", "SCARF", "--per-unit", "1.50"), "--per-unit must be a whole number"),
        (
            ("costs", "SCARF", "--per-unit", "100", "--from", "2026-11-22", "--to", "2026-11-21"),
            "swap them",
        ),
        (("backtest", "SCARF", "--weeks", "0"), "--weeks must be"),
        (("backtest", "SCARF", "--weeks", "500"), "--weeks must be"),
        (("result", "NOPE"), "There is no promotion 'NOPE'"),
    ]:
        code, out, err = cli(capsys, backend, *argv, *who)
        assert (code, out) == (2, ""), (argv, err)
        assert err.startswith("torgtui: ") and words in err, (argv, err)
        assert "Traceback" not in err
    code, out, err = cli(
        capsys, backend, "costs", "SCARF", "--per-unit", "1", "--employee", "Kateryna Cashier"
    )
    assert code == 2 and "may not" in err
    db.connect(reuse_if_open=True)
    assert counts() == before


def test_the_reports_take_the_effective_cost(staff, sold, clock) -> None:
    """The backtest and the real result (the shop's reports of margin) count what the goods
    cost after the documents: a compensation raises the margin by exactly its total, and its
    reversal takes that back."""
    from torgtui.marketing.promotions.backtest import backtest
    from torgtui.marketing.promotions.result import real_result

    def figures() -> tuple[int, int, int, int]:
        week = backtest("SCARF", 1, by=staff["manager"], clock=clock).total
        result = real_result("SCARF", by=staff["manager"], clock=clock)
        return week.cost, week.goods_cost, week.margin_with, result.during.margin

    # the week 15-21 November: four scarves and a cream; the 21st's three were in the promotion
    plain = figures()
    assert plain[:2] == (4 * 12000 + 9000, 4 * 12000)
    doc = costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    changed = figures()
    assert changed[0] == plain[0] - 3 * 2000 and changed[1] == plain[1] - 3 * 2000
    assert changed[2] == plain[2] + 3 * 2000
    assert changed[3] == plain[3] - doc.total  # all six scarves of 21-22 November
    costs.reverse_cost_document(doc.number, by=staff["manager"], clock=clock)
    assert figures() == plain
