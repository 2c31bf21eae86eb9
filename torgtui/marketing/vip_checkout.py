"""VIP accounts at the register: the ``credit`` tender ("on account", every VIP mode), its
charges at checkout, their reversal on returns, and money taken for an account (payments and
deposits, in cash or by card) into the shift's drawer.

A sale's hook posts what the receipt put on account inside the commit's transaction: one debt
(credit and account modes) or one per line (items mode), due after the customer's term. A
non-VIP customer, or a charge beyond the limit, is refused with a message and the whole receipt
rolls back; the ledger's conditional UPDATE decides the limit, so two registers charging one
account at once can never both cross it.

A return gives the tender back its share of the returned lines (torgtui.sales.returns: pro rata
to the kopeck, never more than the tender paid); the hook posts it against the returned lines'
own charges first (items mode), then the rest of that receipt's charges, then the oldest debts;
what is left stays on the account as money.

Money taken for an account is a ledger entry plus a ``cash_movement`` of the shift: ``vip_cash``
(cash now in the drawer; a fiscal service cash-in is queued, as for change kept on a card) or
``vip_card`` (for the card terminal's total, not in the drawer). The shift's X and Z reports
add ``vip_cash`` to the cash expected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Kind, Settle
from torgtui.marketing.vip import (
    OWNER,
    Mode,
    active_customer,
    customer_row,
    due_date,
    lock_account,
    mode_title,
    refresh,
)
from torgtui.models import Employee, Shift
from torgtui.money import format_money, round_kopecks
from torgtui.sales import extensions
from torgtui.sales.extensions import ReturnEvent, SaleEvent, TenderKind
from torgtui.sales.pricing import split_proportionally
from torgtui.sales.shifts import record_cash
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_kopecks, check_text, check_uuid

CREDIT = extensions.tender(TenderKind("credit", lambda: _("On account")))
CASH_KIND = "vip_cash"  # cash_movement: cash taken for a VIP account, in the drawer
CARD_KIND = "vip_card"  # cash_movement: a card payment for a VIP account (not in the drawer)
MONEY_TENDERS = ("cash", "card")
MAX_ITEMS = 1000  # items named in one payment


# --- charges on account ----------------------------------------------------------


def _on_account(payments: Sequence[tuple[str, int, int]]) -> int:
    return sum(amount for tender, amount, _given in payments if tender == CREDIT.name)


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Post what the receipt put on account: one debt (credit, account) or one per line
    (items), due after the customer's term; refused for a non-VIP or beyond the limit."""
    amount = _on_account(event.payments)
    if not amount:
        return
    customer_id = event.basket.customer_id
    if customer_id is None:
        raise ValidationError(
            _("Only a VIP customer buys on account: attach their card (F6) or pay another way.")
        )
    row = customer_row(customer_id)
    if row is None or not row[3] or row[5] is None:
        raise ValidationError(
            _(
                "{name} is not a VIP customer: nothing can be bought on account. Pay another way."
            ).format(name=row[0] if row else _("This customer"))
        )
    name, _card, _status, mode, term, account_id, _balance, floor = row
    due = due_date(event.now, int(term))
    common = dict(now=event.now, receipt_id=event.receipt_id, employee_id=event.employee.id)
    charged: list[int] = []  # what this receipt has charged so far (items mode: line by line)
    try:
        if mode == Mode.ITEMS:
            balance = _charge_lines(event, account_id, amount, due, common, charged)
        else:
            balance = ledger.post(account_id, -amount, "charge", due_at=due, **common).balance  # type: ignore[arg-type]
    except ledger.InsufficientBalance:
        room = max(ledger.balance(account_id) + sum(charged) - int(floor), 0)
        raise ledger.InsufficientBalance(
            _(
                "Over the credit limit: {name} may buy {available} more on account "
                "(limit {limit}). Pay the rest another way."
            ).format(name=name, available=format_money(room), limit=format_money(-int(floor))),
            room,
        ) from None
    refresh(customer_id, account_id, event.now)
    event.info["vip"] = {
        "charged": amount,
        "balance": balance,
        "available": max(balance - int(floor), 0),
        "due_at": due,
    }


def _charge_lines(
    event: SaleEvent,
    account_id: int,
    amount: int,
    due: dt.datetime | None,
    common: dict,
    charged: list[int],
) -> int:
    """Items mode: each line's share of what went on account is a debt of its own. Returns
    the balance after; ``charged`` collects each line's charge as it is posted."""
    line_ids = [
        r[0]
        for r in database.execute_sql(
            sql('SELECT "id" FROM "receipt_line" WHERE "receipt_id" = ? ORDER BY "position"'),
            (event.receipt_id,),
        ).fetchall()
    ]
    lines = event.basket.lines
    shares = split_proportionally(amount, [max(line.total, 0) for line in lines])
    links = []
    balance = 0
    for line_id, line, share in zip(line_ids, lines, shares, strict=True):
        if share:
            posted = ledger.post(account_id, -share, "charge", due_at=due, note=line.name, **common)
            links.append((posted.entry_id, line_id))
            charged.append(share)
            balance = posted.balance
    insert_rows("vip_item", ["entry_id", "line_id"], links)
    return balance


def _share(amount: int, part: int, whole: int) -> int:
    return round_kopecks(Decimal(amount) * part / whole) if whole else 0


def _charged_account(original_id: int, customer_id: int | None) -> int | None:
    """The VIP account a receipt's charges are on now (the customer's, or, when the card was
    erased, the one its charges were posted to)."""
    if customer_id is not None:
        found = ledger.find_account(Kind.VIP, OWNER, customer_id)
        if found is not None:
            return found
    value = query_value(
        'SELECT e."account_id" FROM "ledger_entry" e JOIN "ledger_account" a '
        'ON a."id" = e."account_id" WHERE e."receipt_id" = ? AND a."kind" = ? '
        'ORDER BY e."id" DESC LIMIT 1',
        (original_id, str(Kind.VIP)),
    )
    return int(value) if value is not None else None  # type: ignore[call-overload]


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    """Give back what the returned lines put on account (the refund's ``credit`` part, pro
    rata and never more than was charged: see sales.returns): against the returned lines' own
    charges first (items mode), then the rest of that receipt's charges, then the oldest
    debts; what is left stays on the account as money."""
    back = _on_account(event.payments)
    if not back:
        return
    original = event.original
    account_id = _charged_account(original.id, original.customer_id)
    if account_id is None:
        raise ValidationError(
            _("Receipt {n} was paid on account, but no VIP account holds it.").format(
                n=original.number
            )
        )
    charges = database.execute_sql(
        sql(
            'SELECT e."id", i."line_id", e."amount", e."kind" FROM "ledger_entry" e '
            'LEFT JOIN "vip_item" i ON i."entry_id" = e."id" '
            'WHERE e."receipt_id" = ? AND e."account_id" = ? AND e."amount" < 0 '
            'ORDER BY e."id"'
        ),
        (original.id, account_id),
    ).fetchall()
    of_receipt = [c[0] for c in charges]
    oldest = [i.entry_id for i in ledger.open_items(account_id, -1)]
    rest = of_receipt + [i for i in oldest if i not in set(of_receipt)]
    common = dict(now=event.now, receipt_id=event.receipt_id, employee_id=event.employee.id)
    parts = _line_parts(event, charges, back)
    for own, part in parts:
        ledger.post(
            account_id,
            part,
            "return",
            settle=own + [i for i in rest if i not in own],
            reverses=own[0] if own else (of_receipt[0] if of_receipt else None),
            **common,  # type: ignore[arg-type]
        )
    customer_id = query_value(
        'SELECT "owner_id" FROM "ledger_account" WHERE "id" = ?', (account_id,)
    )
    refresh(int(customer_id), account_id, event.now)  # type: ignore[call-overload]
    event.info["vip"] = {"returned": back, "balance": ledger.balance(account_id)}


def _line_parts(event: ReturnEvent, charges: list, back: int) -> list[tuple[list[int], int]]:
    """Split ``back`` over the returned lines by what each one's own charge is worth for the
    quantity returned (cumulative, so the last return of a line reverses exactly the rest);
    each part with the line's charges on this account. One part when nothing is per line."""
    own: dict[int, list[int]] = {}
    for entry_id, line_id, _amount, _kind in charges:
        if line_id is not None:
            own.setdefault(line_id, []).append(entry_id)
    if not own:
        return [([], back)]
    weights, targets = [], []
    for original_line, qty, _refund in event.lines:
        if original_line.id not in own:
            continue
        charged = -int(
            query_value(  # type: ignore[call-overload]
                'SELECT COALESCE(SUM(e."amount"), 0) FROM "vip_item" i JOIN "ledger_entry" e '
                'ON e."id" = i."entry_id" WHERE i."line_id" = ? AND e."kind" = ?',
                (original_line.id, "charge"),
            )
        )
        returned = int(
            query_value(  # type: ignore[call-overload]
                'SELECT COALESCE(SUM("qty"), 0) FROM "receipt_line" WHERE "original_line_id" = ?',
                (original_line.id,),
            )
        )
        before = returned - qty  # this return's lines are written already
        weight = _share(charged, before + qty, original_line.qty) - _share(
            charged, before, original_line.qty
        )
        weights.append(max(weight, 0))
        targets.append(own[original_line.id])
    if not sum(weights):
        return [([], back)]
    shares = split_proportionally(back, weights)
    return [(ids, part) for ids, part in zip(targets, shares, strict=True) if part]


# --- money taken for an account ----------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A payment or deposit taken: what it settled, item by item, and what is left."""

    entry_id: int
    amount: int
    tender: str
    allocated: tuple[tuple[int, int], ...]  # (item id, amount) in the order settled
    advance: int  # what stayed on the account as money
    balance: int
    debt: int


def take_payment(
    customer_id: int,
    amount: int,
    tender: str,
    *,
    uuid: str,
    by: Employee,
    shift: Shift,
    items: Sequence[int] = (),
    note: str = "",
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Received:
    """Take a payment for a VIP customer's debt in cash or by card, at the register (into
    ``shift``'s drawer). ``items`` are open debt ids (from the statement) to pay first, in
    that order; then the oldest. In the credit and items modes a payment is at most what is
    owed; on a goods-and-cash account the rest is a deposit. ``uuid`` is the payment's id (made
    when the payment dialog opens): the same call again returns the first payment."""
    return _receive(
        "payment", customer_id, amount, tender, uuid, by, shift, items, note, clock, fiscal
    )


def deposit(
    customer_id: int,
    amount: int,
    tender: str,
    *,
    uuid: str,
    by: Employee,
    shift: Shift,
    note: str = "",
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Received:
    """Money onto a goods-and-cash account (it pays any debt on it first)."""
    return _receive(
        "deposit", customer_id, amount, tender, uuid, by, shift, (), note, clock, fiscal
    )


def _check_items(items: object) -> list[int]:
    if not isinstance(items, (list, tuple)) or len(items) > MAX_ITEMS:
        raise ValidationError(_("Name the items to pay as a short list of item numbers."))
    chosen = [check_id(i, _("An item")) for i in items]
    if len(set(chosen)) != len(chosen):
        raise ValidationError(_("An item is named twice in one payment."))
    return chosen


def _receive(
    kind: str,
    customer_id: int,
    amount: int,
    tender: str,
    uuid: str,
    by: Employee,
    shift: Shift,
    items: Sequence[int],
    note: str,
    clock: Clock,
    fiscal: bool,
) -> Received:
    require(by, Permission.SELL)
    customer_id = check_id(customer_id, _("The customer"))
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    if not isinstance(tender, str) or tender not in MONEY_TENDERS:
        raise ValidationError(_("A VIP account is paid in cash or by card."))
    uuid = check_uuid(uuid, _("The payment's id"))
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    chosen = _check_items(items)
    note = check_text(note, _("The note"), max_len=200)
    now = clock()
    with write_tx():
        lock = "" if is_sqlite() else " FOR UPDATE"
        if query_value(f'SELECT "status" FROM "shift" WHERE "id" = ?{lock}', (shift_id,)) != "open":
            raise ValidationError(_("This shift is closed: open a new one."))
        name, _card, _status, mode, _term, account_id, *_rest = active_customer(customer_id)
        if not mode or account_id is None:
            raise ValidationError(
                _("{name} is not a VIP customer: there is no account to pay.").format(name=name)
            )
        if kind == "deposit" and mode != Mode.ACCOUNT:
            raise ValidationError(
                _("Deposits go onto a goods-and-cash account; {name} buys by {mode}.").format(
                    name=name, mode=mode_title(mode)
                )
            )
        lock_account(account_id)  # first: a retry waits for the payment it repeats
        done = _already(account_id, uuid)
        if done is not None:
            return done
        debts = ledger.open_items(account_id, -1)
        owed = sum(i.amount for i in debts)
        if kind == "payment" and mode != Mode.ACCOUNT and amount > owed:
            raise ValidationError(
                (
                    _("{name} owes {debt}: take at most that.")
                    if owed
                    else _("{name} owes nothing.")
                ).format(name=name, debt=format_money(owed))
            )
        open_ids = {i.entry_id for i in debts}
        unknown = [i for i in chosen if i not in open_ids]
        if unknown:
            raise ValidationError(
                _(
                    "Item {item} is not an unpaid item of {name}'s account: choose from the "
                    "statement."
                ).format(item=unknown[0], name=name)
            )
        order = chosen + [i.entry_id for i in debts if i.entry_id not in set(chosen)]
        posted = ledger.post(
            account_id,
            amount,
            kind,
            now=now,
            settle=order if chosen else Settle.FIFO,
            document=f"{tender}:{uuid}",
            employee_id=by.id,
            note=note,
        )
        _to_drawer(shift_id, by, tender, amount, posted.entry_id, customer_id, now, fiscal)
        refresh(customer_id, account_id, now)
        audit(
            f"vip.{kind}",
            by,
            object_type="customer",
            object_id=customer_id,
            after={"amount": amount, "tender": tender, "entry": posted.entry_id, "items": chosen},
            terminal=getattr(shift, "register", "") or "",
            clock=clock,
        )
        return _received(posted.entry_id, account_id, amount, tender)


def _already(account_id: int, uuid: str) -> Received | None:
    row = database.execute_sql(
        sql(
            'SELECT "id", "amount", "document" FROM "ledger_entry" WHERE "account_id" = ? '
            'AND "document" IN (?, ?)'
        ),
        (account_id, f"cash:{uuid}", f"card:{uuid}"),
    ).fetchone()
    if row is None:
        return None
    return _received(row[0], account_id, int(row[1]), row[2].split(":", 1)[0])


def _received(entry_id: int, account_id: int, amount: int, tender: str) -> Received:
    allocated = tuple(ledger.matched_items(entry_id))
    return Received(
        entry_id=entry_id,
        amount=amount,
        tender=tender,
        allocated=allocated,
        advance=amount - sum(a for _i, a in allocated),
        balance=ledger.balance(account_id),
        debt=int(
            query_value(  # type: ignore[call-overload]
                'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_open" WHERE "account_id" = ? '
                'AND "sign" = -1',
                (account_id,),
            )
        ),
    )


def _to_drawer(
    shift_id: int,
    by: Employee,
    tender: str,
    amount: int,
    entry_id: int,
    customer_id: int,
    now: dt.datetime,
    fiscal: bool,
) -> None:
    """The shift's record of money taken for an account: cash is in the drawer (and the
    fiscal unit is told by a service cash-in, as for change kept on a card); a card payment
    is counted for the terminal's total."""
    record_cash(
        shift_id,
        CASH_KIND if tender == "cash" else CARD_KIND,
        amount,
        employee_id=by.id,
        note=f"vip:{customer_id}:{entry_id}",
        now=now,
        fiscal_cash_in=fiscal and tender == "cash",
    )


__all__ = [
    "CARD_KIND",
    "CASH_KIND",
    "CREDIT",
    "MONEY_TENDERS",
    "Received",
    "deposit",
    "on_return",
    "on_sale",
    "take_payment",
]
