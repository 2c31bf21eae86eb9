"""Reading a product CSV file: its encoding, its delimiter, its header and its rows.

UTF-8 (with or without BOM) and cp1251 are both read: strict UTF-8 is tried first, then cp1251
(what Excel in a Ukrainian Windows saves); ``--encoding`` forces one of the text encodings in
:data:`torgtui.values.TEXT_ENCODINGS` (a Latin codec would read a cp1251 file as mojibake).
The delimiter is whichever of ';', ',' or tab the header line uses most. Cells come back as
they were before an export protected them for spreadsheets (:mod:`torgtui.csvsafe`). Every
problem here concerns the whole file: :class:`ImportFileError`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from torgtui.csvsafe import unprotect_cell
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.values import check_encoding, check_text

REQUIRED = ("sku", "name", "price")
OPTIONAL = (
    "group",
    "manufacturer",
    "unit",
    "weighed",
    "cost",
    "tax_group",
    "barcodes",
    "stock",
    "active",
)
COLUMNS = REQUIRED + OPTIONAL
MAX_FILE_BYTES = 512 * 1024 * 1024  # a million customer cards take about 150 MB
MAX_CELL = 10_000  # characters in one cell (a note); Python's csv refuses more than 131 072


class ImportFileError(TorgError):
    """The file as a whole cannot be imported (missing, unreadable, no header...)."""


def read_text(path: Path, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding used: forced, or strict UTF-8 falling back to cp1251."""
    if not path.exists():
        raise ImportFileError(_("File {path} does not exist: check the name.").format(path=path))
    if path.is_dir():
        raise ImportFileError(
            _("{path} is a folder: give the CSV file inside it.").format(path=path)
        )
    name = None
    if encoding is not None:
        try:
            name = check_encoding(encoding)
        except ValidationError as exc:
            raise ImportFileError(exc.message) from None
        name = "utf-8-sig" if name == "utf-8" else name  # a BOM is not part of the first name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(
                _(
                    "{path} is {size} MB: at most {max} MB can be imported at once. "
                    "Split it into smaller files."
                ).format(path=path, size=size // 2**20, max=MAX_FILE_BYTES // 2**20)
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            _("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    if name is not None:
        try:
            return data.decode(name), encoding.strip()  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            other = "utf-8" if name == "cp1251" else "cp1251"
            raise ImportFileError(
                _(
                    "{path} is not valid {enc} (byte 0x{byte:02x} at position {pos}): "
                    "try --encoding {other}, or leave --encoding out to detect it."
                ).format(
                    path=path,
                    enc=encoding,
                    byte=data[exc.start],
                    pos=exc.start,
                    other=other,
                )
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("{path} is neither UTF-8 nor cp1251 text: save it from Excel as CSV.").format(
                path=path
            )
        ) from None


def sniff_delimiter(header: str) -> str:
    """';', ',' or tab, whichever the header line uses most (',' when none)."""
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def expected_header(delimiter: str) -> str:
    return delimiter.join(COLUMNS)


def _header_index(
    header: list[str],
    path: Path,
    delimiter: str,
    columns: Sequence[str],
    required: Sequence[str],
    aliases: Mapping[str, str],
) -> tuple[dict[str, int], list]:
    index: dict[str, int] = {}
    ignored = []
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").strip().lower().replace("’", "'")
        name = aliases.get(name, name)
        if name in index:
            raise ImportFileError(
                _("{path}: column {name!r} appears twice in the header; keep one.").format(
                    path=path, name=name
                )
            )
        if name in columns:
            index[name] = i
        elif name:
            ignored.append(name)
    missing = [c for c in required if c not in index]
    if missing:
        raise ImportFileError(
            _(
                "{path}: the header has no {missing} column(s). The first row must name the "
                "columns, e.g.: {expected}"
            ).format(path=path, missing=", ".join(missing), expected=delimiter.join(columns))
        )
    return index, ignored


def read_rows(
    path: Path,
    text: str,
    delimiter: str,
    *,
    columns: Sequence[str] = COLUMNS,
    required: Sequence[str] = REQUIRED,
    aliases: Mapping[str, str] | None = None,
) -> tuple[list[str], list[tuple[int, dict[str, str], int]]]:
    """(ignored columns, [(line, cells by column, extra values)]) from the decoded text.

    ``columns`` are the known (lower-case) column names, ``aliases`` other spellings of them
    (a Ukrainian header, say); the products' columns by default."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        index, ignored = _header_index(header, path, delimiter, columns, required, aliases or {})
        rows = []
        last_line = reader.line_num
        for values in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            extra = [v for v in values[len(header) :] if v.strip()]
            cells = {
                c: unprotect_cell(values[i]) if i < len(values) else "" for c, i in index.items()
            }
            rows.append((line, cells, len(extra)))
    except csv.Error as exc:
        raise ImportFileError(
            _("{path} is not a readable CSV file (line {line}: {error}).").format(
                path=path, line=reader.line_num, error=exc
            )
        ) from None
    return ignored, rows


def check_cells(cells: Mapping[str, str], multiline: Collection[str] = ()) -> None:
    """Refuse a row whose cells hold control characters (a NUL byte, an escape), broken
    Unicode or more than MAX_CELL characters; line breaks only in ``multiline`` columns."""
    for column, value in cells.items():
        check_text(value, column, max_len=MAX_CELL, multiline=column in multiline)
