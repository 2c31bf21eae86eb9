"""Customer CSV import and export: ``torgtui import customers FILE`` and ``torgtui export
customers FILE``.

Columns (header row, case-insensitive, English or Ukrainian names): name (required), phone,
card, email, birth_date (YYYY-MM-DD or DD.MM.YYYY), gender (f/m/ж/ч), language (uk/en), note,
attention (yes/no), attention_note, consent (the channels the customer agreed to marketing on:
"sms | viber | email", or empty), opted_out (why the customer wants no marketing: non-empty puts
them on the stop-list). Several phones in one cell are separated by '|'
("067 123 45 67 | 050 765 43 21"): ',' and ';' are CSV delimiters and spaces occur inside
numbers. File reading (UTF-8 or cp1251, the delimiter, file errors) is the product import's.

A phone or card that already exists, or repeats an earlier line, rejects the row; the good rows
are written in one write transaction, each in a savepoint. The export pages through the cards by
id in batches and masks phones for employees who may not see them in full.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from torgtui.catalog.csvread import (
    ImportFileError,
    check_cells,
    read_rows,
    read_text,
    sniff_delimiter,
)
from torgtui.catalog.importer import ImportReport, parse_flag, print_rejections
from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_row
from torgtui.customers.listing import Filters, filter_conditions
from torgtui.customers.phones import mask_phone
from torgtui.customers.service import CardData, _fields, _write_phones, clean, index_words
from torgtui.db import database, write_tx
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, CustomerPhone, Employee
from torgtui.staff import Permission, audit, can, require
from torgtui.values import MAX_DAYS, check_count

COLUMNS = (
    *("name", "phone", "card", "email", "birth_date", "gender", "language", "note"),
    *("attention", "attention_note", "consent", "opted_out"),
)
ALIASES = dict.fromkeys(("піб", "ім'я", "імя"), "name") | {
    **dict.fromkeys(("phones", "телефон", "телефони"), "phone"),
    **dict.fromkeys(("e-mail", "пошта"), "email"),
    **dict.fromkeys(("birthday", "дата народження"), "birth_date"),
    "картка": "card",
    "стать": "gender",
    "мова": "language",
    "примітка": "note",
    "увага": "attention",
    "згода": "consent",
    **dict.fromkeys(("stop", "stop_list", "відмова"), "opted_out"),
}
PHONE_SEPARATOR = "|"
GENDER_WORDS = dict.fromkeys(("f", "ж", "жін", "female"), "f") | dict.fromkeys(
    ("m", "ч", "чол", "male"), "m"
)
LANGUAGE_WORDS = {"uk": "uk", "ua": "uk", "укр": "uk", "en": "en", "eng": "en", "англ": "en"}
MULTILINE = ("note", "attention_note")
CONSENT_WORDS = {"sms": "sms", "смс": "sms", "viber": "viber", "вайбер": "viber"} | dict.fromkeys(
    ("email", "e-mail", "пошта"), "email"
)
EXPORT_ENCODINGS = ("utf-8", "cp1251")
MAX_BIRTHDAY_WITHIN = 366  # days: a whole year of birthdays
MAX_CHILD_AGE = 120
_CHUNK = 500


# --- reading ------------------------------------------------------------------------------


def read_customer_rows(
    path: Path, text: str, delimiter: str
) -> tuple[list[str], list[tuple[int, dict[str, str], int]]]:
    """(ignored columns, [(line, cells by column, extra values)]) from the decoded text."""
    return read_rows(path, text, delimiter, columns=COLUMNS, required=("name",), aliases=ALIASES)


def parse_birth_date(text: str) -> dt.date | None:
    """YYYY-MM-DD or DD.MM.YYYY; empty is None; an impossible date is a ValidationError."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        _("birth date {value!r} is not a date: write YYYY-MM-DD or DD.MM.YYYY").format(value=text)
    )


def _word(text: str, words: dict[str, str], what: str, allowed: str) -> str:
    word = (text or "").strip().lower().rstrip(".")
    if not word:
        return ""
    if word not in words:
        raise ValidationError(
            _("{what} {value!r}: write {allowed} or leave it empty").format(
                what=what, value=text, allowed=allowed
            )
        )
    return words[word]


def card_from_cells(cells: dict[str, str], today: dt.date) -> CardData:
    """One row as a cleaned card (the service's rules); raises ValidationError with the reason."""
    check_cells(cells, MULTILINE)
    raw_phones = [p for p in (cells.get("phone") or "").split(PHONE_SEPARATOR) if p.strip()]
    attention = cells.get("attention", "").strip()
    data = CardData(
        name=cells.get("name", ""),
        phones=raw_phones,
        card=cells.get("card", ""),
        email=cells.get("email", ""),
        birth_date=parse_birth_date(cells.get("birth_date", "")),
        gender=_word(cells.get("gender", ""), GENDER_WORDS, _("gender"), "f, m, ж, ч"),
        language=_word(cells.get("language", ""), LANGUAGE_WORDS, _("language"), "uk, en"),
        attention=parse_flag(attention, "attention") if attention else False,
        attention_note=cells.get("attention_note", ""),
        note=cells.get("note", ""),
    )
    try:
        return clean(data, today)
    except ValidationError as exc:
        if any(sep in p for p in raw_phones for sep in ",;"):
            raise ValidationError(
                _("{reason} Separate several phones with '|'.").format(reason=exc.message)
            ) from None
        raise


def consent_from_cells(cells: dict[str, str]) -> tuple[list[str], str]:
    """(the channels agreed to, the opt-out reason) of one row; ValidationError when a channel
    is not sms, viber or email."""
    channels: list[str] = []
    for word in (cells.get("consent") or "").replace(",", PHONE_SEPARATOR).split(PHONE_SEPARATOR):
        channel = _word(word, CONSENT_WORDS, _("consent"), "sms | viber | email")
        if channel and channel not in channels:
            channels.append(channel)
    reason = (cells.get("opted_out") or "").strip()
    if len(reason) > 200:
        raise ValidationError(_("opted_out is longer than 200 characters"))
    return channels, reason


# --- the import ---------------------------------------------------------------------------


def _owners(phones: list[str], cards: list[str]) -> tuple[dict[str, Customer], dict[str, Customer]]:
    """Cards already holding any of ``phones`` / ``cards``: {phone: card}, {card: card}."""
    by_phone: dict[str, Customer] = {}
    by_card: dict[str, Customer] = {}
    for start in range(0, len(phones), _CHUNK):
        chunk = phones[start : start + _CHUNK]
        query = (
            CustomerPhone.select(CustomerPhone.phone, Customer)
            .join(Customer)
            .where(CustomerPhone.phone.in_(chunk))
        )
        by_phone.update({row.phone: row.customer for row in query})
        by_phone.update({c.phone: c for c in Customer.select().where(Customer.phone.in_(chunk))})
    for start in range(0, len(cards), _CHUNK):
        chunk = cards[start : start + _CHUNK]
        by_card.update({c.card: c for c in Customer.select().where(Customer.card.in_(chunk))})
    return by_phone, by_card


def _holder(customer: Customer) -> str:
    return _("{name} (card {card})").format(
        name=customer.name, card=customer.card or f"#{customer.id}"
    )


def import_customers(
    path: str | Path,
    *,
    encoding: str | None = None,
    by: Employee | None,
    clock: Clock = system_clock,
) -> ImportReport:
    """Add the cards of a CSV file (see the module doc); ``by`` None is the command line.

    File problems raise :class:`ImportFileError` before anything is written; each bad row is
    reported as (line, reason) in ``ImportReport.rejected`` and skipped.
    """
    if by is not None:
        require(by, Permission.CREATE_CUSTOMERS)
    path = Path(path)
    text, used = read_text(path, encoding)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(
            _("{path} is empty: the first row must name the columns, e.g.: {expected}").format(
                path=path, expected=";".join(COLUMNS)
            )
        )
    delimiter = sniff_delimiter(text.splitlines()[0])
    ignored, raw_rows = read_customer_rows(path, text, delimiter)
    if not raw_rows:
        raise ImportFileError(_("{path} has a header but no customer rows.").format(path=path))
    report = ImportReport(encoding=used, delimiter=delimiter, ignored_columns=ignored)
    now = clock()
    checked: list[tuple[int, CardData, tuple[list[str], str]]] = []
    seen: dict[str, int] = {}  # phone or card -> the line that has it
    for line, cells, extra in raw_rows:
        try:
            if extra:
                raise ValidationError(
                    _(
                        "{n} value(s) more than the header has columns: quote values that "
                        "contain '{d}'"
                    ).format(n=extra, d=delimiter)
                )
            data = card_from_cells(cells, now.date())
            said = consent_from_cells(cells)
            for key in [*data.phones, *([data.card] if data.card else [])]:
                if key in seen:
                    raise ValidationError(
                        _("{value} is already on line {line}").format(value=key, line=seen[key])
                    )
        except ValidationError as exc:
            report.rejected.append((line, exc.message))
            continue
        seen.update(dict.fromkeys([*data.phones, *([data.card] if data.card else [])], line))
        checked.append((line, data, said))
    with write_tx():
        by_phone, by_card = _owners(
            sorted({p for _l, d, _s in checked for p in d.phones}),
            sorted({d.card for _l, d, _s in checked if d.card}),
        )
        for line, data, (channels, opted_out) in checked:
            taken = [by_phone[p] for p in data.phones if p in by_phone]
            if data.card in by_card:
                taken.insert(0, by_card[data.card])
            if taken:
                report.rejected.append(
                    (
                        line,
                        _("the phone or card already belongs to {holder}").format(
                            holder=_holder(taken[0])
                        ),
                    )
                )
                continue
            try:
                with database.atomic():
                    customer = Customer.create(created_at=now, updated_at=now, **_fields(data))
                    _write_phones(customer.id, data.phones)
                    index_words(customer.id, data.name)
                    _write_consent(customer.id, channels, opted_out, by, now)
            except peewee.IntegrityError as exc:
                report.rejected.append(
                    (line, _("could not be saved ({error}): check the row").format(error=exc))
                )
                continue
            report.imported += 1
        report.rejected.sort()
        if report.imported == 0:
            return report  # nothing changed: nothing to audit, nothing written
        audit(
            "customer.import",
            by,
            object_type="file",
            object_id=path.name[:60],
            after={"imported": report.imported, "rejected": len(report.rejected), "enc": used},
            clock=clock,
        )
    return report


def _write_consent(
    customer_id: int, channels: list[str], opted_out: str, by: Employee | None, now: dt.datetime
) -> None:
    from torgtui.channels import consent

    for channel in channels:
        consent.set_consent(customer_id, channel, True, how="import", by=by, now=now, audited=False)
    if opted_out:
        consent.opt_out(customer_id, opted_out, by=by, now=now, how="import", audited=False)


# --- the export ---------------------------------------------------------------------------


@dataclass
class ExportReport:
    written: int = 0
    replaced: int = 0  # characters the encoding could not hold, written as '?'
    encoding: str = "utf-8"


def iter_customers(
    filters: Filters | None = None, *, today: dt.date, batch: int = 1000
) -> Iterator[list[Customer]]:
    """Active cards matching ``filters`` in id order, one batch at a time (keyset on id)."""
    where = filter_conditions(filters or Filters(), today)
    last_id = 0
    while True:
        chunk = list(
            Customer.select()
            .where(*where, Customer.id > last_id)
            .order_by(Customer.id)
            .limit(batch)
        )
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].id


def _phones_of(customers: list[Customer]) -> dict[int, list[str]]:
    phones: dict[int, list[str]] = {c.id: [c.phone] if c.phone else [] for c in customers}
    query = (
        CustomerPhone.select(CustomerPhone.customer, CustomerPhone.phone)
        .where(CustomerPhone.customer.in_(list(phones)))
        .order_by(CustomerPhone.id)
        .tuples()
    )
    for cid, phone in query:
        if phone not in phones[cid]:
            phones[cid].append(phone)
    return phones


def _consent_of(customers: list[Customer]) -> dict[int, tuple[str, str]]:
    """{id: ("sms | email", opt-out reason)} for a batch of cards."""
    from torgtui.models import CustomerConsent, StopListEntry

    ids = [c.id for c in customers]
    given: dict[int, list[str]] = {i: [] for i in ids}
    query = (
        CustomerConsent.select(CustomerConsent.customer, CustomerConsent.channel)
        .where(CustomerConsent.customer.in_(ids), CustomerConsent.granted == True)  # noqa: E712
        .order_by(CustomerConsent.channel)
        .tuples()
    )
    for cid, channel in query:
        given[cid].append(channel)
    stops = dict(
        StopListEntry.select(StopListEntry.customer, StopListEntry.reason)
        .where(StopListEntry.customer.in_(ids), StopListEntry.lifted_at.is_null())
        .tuples()
    )
    return {i: (f" {PHONE_SEPARATOR} ".join(given[i]), stops.get(i, "")) for i in ids}


def _export_row(
    customer: Customer, phones: list[str], full: bool, said: tuple[str, str] = ("", "")
) -> list[str]:
    """One card's cells, each safe to open in a spreadsheet (see :mod:`torgtui.csvsafe`)."""
    shown = phones if full else [mask_phone(p) for p in phones]
    return protect_row(
        [
            customer.name,
            f" {PHONE_SEPARATOR} ".join(shown),
            customer.card or "",
            customer.email,
            customer.birth_date.isoformat() if customer.birth_date else "",
            customer.gender,
            customer.language,
            customer.note,
            "1" if customer.attention else "0",
            customer.attention_note,
            *said,
        ]
    )


def export_customers(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    filters: Filters | None = None,
    viewer: Employee | None,
    today: dt.date | None = None,
    clock: Clock = system_clock,
    batch: int = 1000,
) -> ExportReport:
    """Write the active cards to a ';'-separated CSV that Excel opens (UTF-8 with BOM, or cp1251
    with '?' for what it cannot hold). Phones are masked unless ``viewer`` may see them;
    ``viewer`` None is the command line, run by whoever holds the database: in full."""
    enc = (encoding or "utf-8").strip().lower().replace("windows-1251", "cp1251")
    enc = {"utf8": "utf-8", "utf-8-sig": "utf-8"}.get(enc, enc)
    if enc not in EXPORT_ENCODINGS:
        raise ValidationError(
            _("Unknown encoding {enc!r}: use utf-8 or cp1251.").format(enc=encoding)
        )
    if viewer is not None:
        require(viewer, Permission.CREATE_CUSTOMERS)
    full = viewer is None or can(viewer, Permission.SEE_PHONES)
    report = ExportReport(encoding=enc)
    path = Path(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    try:
        with path.open("wb") as out:
            if enc == "utf-8":
                out.write(b"\xef\xbb\xbf")
            writer.writerow(COLUMNS)
            for chunk in iter_customers(filters, today=today or clock().date(), batch=batch):
                phones, said = _phones_of(chunk), _consent_of(chunk)
                for customer in chunk:
                    row = _export_row(customer, phones[customer.id], full, said[customer.id])
                    writer.writerow(row)
                report.written += len(chunk)
                report.replaced += _flush(buffer, out, enc)
            report.replaced += _flush(buffer, out, enc)
    except OSError as exc:
        raise TorgError(
            _("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    with write_tx():
        audit(
            "customer.export",
            viewer,
            object_type="file",
            object_id=path.name[:60],
            after={"written": report.written, "masked": not full, "encoding": enc},
            clock=clock,
        )
    return report


def _flush(buffer: io.StringIO, out: Any, encoding: str) -> int:
    """Encode what the CSV writer produced; returns how many characters became '?'."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    try:
        data = text.encode(encoding)
        replaced = 0
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
        replaced = sum(1 for ch in text if not _encodable(ch, encoding))
    out.write(data)
    return replaced


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# --- the commands -------------------------------------------------------------------------


def _ages(text: str) -> tuple[int, int]:
    """ "3-7" -> (3, 7), "5" -> (5, 5); anything else is refused."""
    low, sep, high = text.partition("-")
    try:
        young = check_count(low, "--children-age", maximum=MAX_CHILD_AGE)
        old = check_count(high, "--children-age", maximum=MAX_CHILD_AGE) if sep else young
    except ValidationError:
        old, young = -1, 0
    if old < young:
        raise ValidationError(
            _("--children-age {value!r}: write two ages like 3-7.").format(value=text[:40])
        )
    return young, old


def filters_from_args(args: argparse.Namespace) -> Filters:
    """The filters of ``export customers`` and ``print envelopes|labels``, each checked: days
    within their range, ages as "X-Y" (or "X") with X <= Y."""
    ages = getattr(args, "children_age", None)
    birthday = getattr(args, "birthday_within", None)
    not_bought = getattr(args, "not_bought_days", None)
    if birthday is not None:
        birthday = check_count(birthday, "--birthday-within", maximum=MAX_BIRTHDAY_WITHIN)
    if not_bought is not None:
        not_bought = check_count(not_bought, "--not-bought-days", minimum=1, maximum=MAX_DAYS)
    return Filters(
        attention=bool(getattr(args, "attention", False)),
        birthday_within_days=birthday,
        children_age=None if ages is None else _ages(str(ages)),
        not_bought_days=not_bought,
    )


def run_import_command(args: argparse.Namespace) -> int:
    """``torgtui import customers``: a summary and each rejected row; exit 0, 1 or 2."""
    try:
        report = import_customers(args.file, encoding=getattr(args, "encoding", None), by=None)
    except TorgError as exc:
        print(f"torgtui: {exc.message}", file=sys.stderr)
        return 2
    print(
        _(
            "{file}: {imported} new customers, {rejected} rows rejected (encoding {enc}, "
            "delimiter '{delim}')."
        ).format(
            file=args.file,
            imported=report.imported,
            rejected=len(report.rejected),
            enc=report.encoding,
            delim={"\t": "tab"}.get(report.delimiter, report.delimiter),
        )
    )
    print_rejections(
        report,
        COLUMNS,
        _("Fix the rejected rows and import only them again: the others are saved."),
    )
    return report.exit_status


def run_export_command(args: argparse.Namespace) -> int:
    """``torgtui export customers FILE``: every active card (or those the filters choose)."""
    report = export_customers(
        args.file, encoding=args.encoding, filters=filters_from_args(args), viewer=None
    )
    print(
        _("{file}: {n} customers written (encoding {enc}).").format(
            file=args.file, n=report.written, enc=report.encoding
        )
    )
    if report.replaced:
        print(
            _(
                "{n} characters cp1251 cannot hold were written as '?': export in utf-8 "
                "to keep them."
            ).format(n=report.replaced)
        )
    return 0
