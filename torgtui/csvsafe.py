"""CSV cells that are safe to open in a spreadsheet: every CSV export writes its cells through
:func:`protect_cell`, and every CSV import reads them back through :func:`unprotect_cell`.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and some also after a leading tab or carriage return), so a customer named
``=cmd|' /C calc'!A0`` would run a command on the computer of whoever opens the export. Such a
cell is written with a ``'`` in front, which spreadsheets show as text and do not display.

A plain number is left as it is: an optional sign, digits and at most one decimal point or
comma (``-12.50``, ``+380671234567``, ``-5``). Nothing made only of those characters can call a
function, name a cell or start a command, and a spreadsheet reads it as the number it is; with
a ``'`` an amount could no longer be summed. A phone cell holding several numbers
(``+380... | +380...``) is not a plain number and is protected.

The round trip is exact: a value that itself starts with ``'`` before one of those characters
gets one more ``'``, and the import takes exactly one off.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROTECT = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def needs_protection(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (after any leading quotes)."""
    return text.lstrip(PROTECT).startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def protect_cell(value: object) -> str:
    """The cell as it is written to a CSV file: text, with a ``'`` in front when needed."""
    text = "" if value is None else str(value)
    return PROTECT + text if needs_protection(text) else text


def unprotect_cell(text: str) -> str:
    """The value :func:`protect_cell` was given, from the cell it wrote."""
    if text.startswith(PROTECT) and needs_protection(text[1:]):
        return text[1:]
    return text


def protect_row(values: list[object] | tuple[object, ...]) -> list[str]:
    """Every cell of a row through :func:`protect_cell`."""
    return [protect_cell(v) for v in values]
