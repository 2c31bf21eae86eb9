"""Spreadsheet-safe CSV cells: formulas neutralised, plain numbers left alone, and the import
reading back exactly what the export was given."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from torgtui.csvsafe import protect_cell, unprotect_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("'=1+2", "''=1+2"),  # already quoted: one more, so the import gives it back as it was
        ("+380671234567", "+380671234567"),  # E.164 phone: a number, nothing to run
        ("-12.50", "-12.50"),
        ("-12,50", "-12,50"),
        ("+380671234567 | +380507654321", "'+380671234567 | +380507654321"),
        ("Олена", "Олена"),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_protect_cell(value: object, cell: str) -> None:
    assert protect_cell(value) == cell


@given(st.text())
@example("'")
@example("''=x")
@example("'-12")
@example("-")
def test_round_trip(text: str) -> None:
    cell = protect_cell(text)
    assert unprotect_cell(cell) == text
    assert (
        not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        or cell.lstrip("+-").replace(".", "").replace(",", "").isdigit()
    )
