"""Bonuses: money on the customer's card, kept in kopecks on the ledger (one bonus hryvnia pays
one hryvnia). Earned on payment at the card's rate (per product group where set), never on the
part paid with bonuses; paid with as a tender, fully or partly; each accrual lapses after the
card type's N days (spending takes the oldest first); lapsed ones are written off by
:func:`expire` (idempotent) with a notice to the customer; change can go onto the card; a
manager writes off unused bonuses by hand or in bulk. A return reverses what its lines earned
and gives back what they spent, pro rata (see torgtui.marketing.policy for when the earned
bonuses were spent already).

How a card earns (:class:`BonusRule`) is the card module's business: it puts the rule of the
attached customer's card into ``ctx.extra["bonus_rule"]``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.channels import verification
from torgtui.clock import Clock, system_clock
from torgtui.db import database, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger, policy
from torgtui.marketing.ledger import Kind, Settle
from torgtui.models import Employee, LedgerEntry
from torgtui.money import format_money, round_kopecks
from torgtui.sales import extensions
from torgtui.sales.basket import Basket
from torgtui.sales.extensions import ReturnEvent, SaleEvent, TenderKind
from torgtui.sales.pricing import PricingContext, split_proportionally
from torgtui.staff import Permission, audit, require
from torgtui.values import check_count, check_id, check_kopecks, check_text

OWNER = "customer"
BONUS = extensions.tender(TenderKind("bonus", lambda: _("Bonuses")))
MAX_WRITE_OFF_BATCH = 100_000  # cards written off in one go


@dataclass(frozen=True)
class BonusRule:
    """How the attached card earns: ``rate_bp`` basis points of the paid amount, another rate
    for some product groups (the nearest group up the tree that has one wins), and how many
    days an accrual lasts (None: forever)."""

    rate_bp: int
    group_rates: Mapping[int, int] = field(default_factory=dict)
    expiry_days: int | None = None
    card_type: str = ""
    parents: Mapping[int, int | None] = field(default_factory=dict)  # group -> parent group

    def rate_for(self, group_id: int | None) -> int:
        seen = 0
        while group_id is not None and seen < 50:
            if group_id in self.group_rates:
                return self.group_rates[group_id]
            group_id = self.parents.get(group_id)
            seen += 1
        return self.rate_bp


def account_of(customer_id: int, now: dt.datetime) -> int:
    return ledger.account(Kind.BONUS, OWNER, customer_id, now=now)


def balance_of(customer_id: int | None) -> int:
    if customer_id is None:
        return 0
    return ledger.balance(ledger.find_account(Kind.BONUS, OWNER, customer_id))


def spendable_of(customer_id: int | None, at: dt.datetime) -> int:
    if customer_id is None:
        return 0
    return ledger.spendable(ledger.find_account(Kind.BONUS, OWNER, customer_id), at)


def buckets_of(customer_id: int, at: dt.datetime) -> list[tuple[int, dt.datetime | None]]:
    """(amount, expires_at) of what is on the card, soonest to lapse first; what lapsed
    already but was not written off yet is left out."""
    account_id = ledger.find_account(Kind.BONUS, OWNER, customer_id)
    if account_id is None:
        return []
    return [
        (item.amount, item.expires_at) for item in ledger.open_items(account_id, 1, spendable_at=at)
    ]


# --- pricing: what the receipt spends and earns ------------------------------------------


@extensions.context_loader
def _spendable(basket: Basket, ctx: PricingContext) -> None:
    if basket.bonus_redeem > 0 and ctx.customer_id is not None:
        ctx.extra["bonus_spendable"] = spendable_of(ctx.customer_id, ctx.at)


@extensions.pricing_step(90, "bonus")
def bonus_step(basket: Basket, ctx: PricingContext) -> None:
    """Split the bonuses paid over the lines (in proportion to their totals) and work out
    what each line earns on the rest, at the card's rate."""
    redeem = basket.bonus_redeem
    refused = basket.info.setdefault("refused", [])
    if redeem > 0 and ctx.customer_id is None:
        refused.append({"rule": "bonus", "reason": _("Bonuses are paid from a customer's card.")})
        redeem = 0
    if redeem > 0 and "bonus_spendable" in ctx.extra:
        spendable = int(ctx.extra["bonus_spendable"])  # type: ignore[call-overload]
        if redeem > spendable:
            refused.append(
                {
                    "rule": "bonus",
                    "reason": _("Only {have} in bonuses can be spent.").format(
                        have=format_money(spendable)
                    ),
                }
            )
            redeem = spendable
    if redeem > basket.total:
        redeem = basket.total
    totals = [max(line.total, 0) for line in basket.lines]
    for line, share in zip(basket.lines, split_proportionally(redeem, totals), strict=True):
        line.bonus_spend = share
    rule = ctx.extra.get("bonus_rule")
    if isinstance(rule, BonusRule):
        for line in basket.lines:
            rate = rule.rate_for(line.group_id)
            line.bonus_earn = round_kopecks(
                Decimal(max(line.total - line.bonus_spend, 0)) * rate / 10000
            )
    basket.info["bonus"] = {
        "spend": redeem,
        "earn": sum(line.bonus_earn for line in basket.lines),
    }


# --- checkout ------------------------------------------------------------------------------


def _bonus_paid(payments: list[tuple[str, int, int]]) -> int:
    return sum(amount for tender, amount, _given in payments if tender == BONUS.name)


def _expiry(ctx: PricingContext, now: dt.datetime) -> dt.datetime | None:
    rule = ctx.extra.get("bonus_rule")
    days = rule.expiry_days if isinstance(rule, BonusRule) else None
    return now + dt.timedelta(days=days) if days else None


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Spend, earn and change-to-card of one sale, as ledger entries of its receipt."""
    customer_id = event.basket.customer_id
    paid = _bonus_paid(event.payments)
    earn = sum(line.bonus_earn for line in event.basket.lines)
    if not (paid or earn or event.change_to_card):
        return
    if customer_id is None:
        raise ValidationError(_("Bonuses are paid from and put on a customer's card: attach one."))
    account_id = account_of(customer_id, event.now)
    common = dict(now=event.now, receipt_id=event.receipt_id, employee_id=event.employee.id)
    if paid:  # the customer's SMS code, when the shop asks for one at this amount
        verification.require_for_bonus(
            event.uuid, customer_id, paid, event.ctx.extra.get("verification")
        )
        try:
            ledger.post(account_id, -paid, "spend", keep_open=False, **common)  # type: ignore[arg-type]
        except ledger.InsufficientBalance as exc:
            raise ledger.InsufficientBalance(
                _("Only {have} in bonuses can be spent now: pay the rest another way.").format(
                    have=format_money(exc.available)
                ),
                exc.available,
            ) from None
    expires = _expiry(event.ctx, event.now)
    if earn:
        ledger.post(account_id, earn, "earn", expires_at=expires, **common)  # type: ignore[arg-type]
    if event.change_to_card:
        ledger.post(
            account_id,
            event.change_to_card,
            "change",
            expires_at=expires,
            note=_("change to the card"),
            **common,  # type: ignore[arg-type]
        )
    event.info["bonus"] = {
        "spent": paid,
        "earned": earn,
        "change": event.change_to_card,
        "balance": ledger.balance(account_id),
    }


def change_to_card_amount(change: int, mode: str) -> int:
    """What of ``change`` goes onto the card under the shop's change_to_card policy."""
    if change <= 0 or mode == "off":
        return 0
    return change % 100 if mode == "coins" else change


# --- returns ------------------------------------------------------------------------------


def _share(amount: int, part: int, whole: int) -> int:
    return round_kopecks(Decimal(amount) * part / whole) if whole else 0


def _returned_before(original_line_id: int) -> tuple[int, int]:
    """(qty, bonuses reversed) of earlier returns of one line."""
    row = database.execute_sql(
        sql(
            'SELECT COALESCE(SUM("qty"), 0), COALESCE(SUM("bonus_earned"), 0) '
            'FROM "receipt_line" WHERE "original_line_id" = ?'
        ),
        (original_line_id,),
    ).fetchone()
    return int(row[0]), -int(row[1])


@extensions.return_planner
def plan_return(event: ReturnEvent) -> None:
    """Work out what the returned lines earned (to take back, cumulative so the last return
    of a line takes exactly what is left) and, when it was spent already, what the policy
    does with it; sets the refund lines' (negative) bonus_earned."""
    customer_id = event.original.customer_id
    reverse = 0
    for original, qty, refund in event.lines:
        before_qty, before_bonus = _returned_before(original.id)
        after = _share(original.bonus_earned, before_qty + qty, original.qty)
        part = max(0, min(after, original.bonus_earned) - before_bonus)
        refund.bonus_earn = -part
        reverse += part
    event.info["bonus_reverse"] = reverse
    if not reverse or customer_id is None:
        return
    account_id = ledger.find_account(Kind.BONUS, OWNER, customer_id)
    # what the card will hold: its balance and the bonuses this return gives back
    there = max(ledger.balance(account_id), 0) if account_id is not None else 0
    there += _bonus_paid(event.payments)
    rule = policy.load().return_when_spent
    short = max(reverse - there, 0)
    deducted = min(short, max(event.money - event.deduction, 0)) if rule == "deduct" else 0
    event.info["bonus_policy"] = rule
    event.info["bonus_short"] = short
    event.info["bonus_deducted"] = deducted
    event.deduction += deducted


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    """Post the reversals: bonuses spent on the lines come back (to the credits they were
    taken from, with their expiry), bonuses earned on them go."""
    customer_id = event.original.customer_id
    back = _bonus_paid(event.payments)
    reverse = int(event.info.get("bonus_reverse") or 0)
    if customer_id is None or not (back or reverse):
        return
    account_id = account_of(customer_id, event.now)
    common = dict(now=event.now, receipt_id=event.receipt_id, employee_id=event.employee.id)
    if back:
        _give_back_spent(account_id, event, back, common)
    if reverse:
        short = int(event.info.get("bonus_short") or 0)
        rule = event.info.get("bonus_policy", "deduct")
        earned = LedgerEntry.get_or_none(
            (LedgerEntry.receipt == event.original.id)
            & (LedgerEntry.kind == "earn")
            & (LedgerEntry.account == account_id)
        )
        deducted = int(event.info.get("bonus_deducted") or 0)
        # deducted from the refund: not taken from the card; forgiven: not taken at all;
        # what a refund had no money to deduct from stays on the card as a debt
        taken = reverse - (short if rule == "forgive" else deducted)
        if taken:
            debt = "negative" if rule == "negative" or short > deducted else rule
            _unearn(account_id, taken, earned, debt, common)
        if short and rule == "forgive":
            audit(
                "bonus.forgiven",
                event.employee,
                object_type="receipt",
                object_id=event.receipt_id,
                after={"customer": customer_id, "amount": short},
                clock=lambda: event.now,
            )
    event.info["bonus"] = {
        "returned": back,
        "reversed": reverse,
        "balance": ledger.balance(account_id),
    }


def _open_of(entry_id: int) -> int:
    value = query_value('SELECT "amount" FROM "ledger_open" WHERE "entry_id" = ?', (entry_id,))
    return int(value or 0)  # type: ignore[call-overload]


def _unearn(
    account_id: int, amount: int, earned: LedgerEntry | None, rule: str, common: dict
) -> None:
    """Take ``amount`` back: from the lines' own accrual first, then other credits oldest
    first (lapsed ones too: they are on the balance until the expiry job writes them off);
    under the "negative" policy what is left stays as a debt that later earnings pay."""
    reverses = earned.id if earned is not None else None
    own = _open_of(earned.id) if earned is not None else 0
    if own:
        part = min(own, amount)
        ledger.post(
            account_id,
            -part,
            "unearn",
            settle=[earned.id],  # type: ignore[union-attr]
            keep_open=False,
            spend_only_unexpired=False,
            reverses=reverses,
            **common,
        )
        amount -= part
    if amount:
        ledger.post(
            account_id,
            -amount,
            "unearn",
            settle=Settle.FIFO,
            keep_open=rule == "negative",
            below_floor=rule == "negative",  # what cannot be taken back stays as a debt
            spend_only_unexpired=False,
            reverses=reverses,
            **common,
        )


def _give_back_spent(account_id: int, event: ReturnEvent, amount: int, common: dict) -> None:
    """Bonuses the returned lines were paid with come back as credits with the expiry of the
    credits the spend took them from (the last taken first)."""
    spends = list(
        LedgerEntry.select().where(
            (LedgerEntry.receipt == event.original.id)
            & (LedgerEntry.kind == "spend")
            & (LedgerEntry.account == account_id)
        )
    )
    sources: list[tuple[int, dt.datetime | None]] = []
    for spend in spends:
        for item_id, taken in ledger.matched_items(spend.id):
            item = LedgerEntry.get_by_id(item_id)
            sources.append((taken, item.expires_at))
    already = -int(
        query_value(
            'SELECT COALESCE(SUM(e."amount"), 0) FROM "ledger_entry" e JOIN "receipt" r '
            'ON r."id" = e."receipt_id" WHERE r."original_id" = ? AND e."kind" = ? '
            'AND e."account_id" = ?',
            (event.original.id, "unspend", account_id),
        )
        or 0
    )
    # skip what earlier returns gave back (they took from the end too)
    left, skip = amount, -already
    for taken, expires_at in reversed(sources):
        if skip >= taken:
            skip -= taken
            continue
        part = min(taken - skip, left)
        skip = 0
        ledger.post(
            account_id, part, "unspend", settle=Settle.FIFO, expires_at=expires_at, **common
        )
        left -= part
        if not left:
            break
    if left:  # nothing recorded to restore from (should not happen): a plain credit
        ledger.post(account_id, left, "unspend", **common)


# --- expiry, notices, write-offs ----------------------------------------------------------


@dataclass
class ExpiryRun:
    at: dt.datetime
    expired: int = 0  # kopecks written off
    cards: int = 0
    notices: int = 0  # messages written to the outbox (expired and about to expire)


def notify(customer_id: int, kind: str, dedupe: str, payload: dict, now: dt.datetime) -> bool:
    """Write a notice to the outbox once per ``dedupe`` key (a re-run writes nothing twice);
    True when it is new. The sender (communications) delivers it; until then it waits."""
    inserted = database.execute_sql(
        sql(
            'INSERT INTO "outbox_message" ("customer_id", "kind", "channel", "dedupe", '
            '"payload", "status", "created_at", "gateway_id", "attempts", "last_error") '
            "VALUES (?, ?, 'any', ?, ?, 'pending', ?, '', 0, '') "
            'ON CONFLICT ("dedupe") DO NOTHING'
        ),
        (
            customer_id,
            kind,
            dedupe[:120],
            json.dumps(payload, ensure_ascii=False, default=str),
            _db_time(now),
        ),
    ).rowcount
    return bool(inserted)


def expire(at: dt.datetime, *, clock: Clock = system_clock) -> ExpiryRun:
    """Write off every bonus credit that lapsed by ``at`` and tell its customer; tell those
    whose bonuses lapse within the policy's notice days. Idempotent: a second run at the same
    ``at`` (or an earlier one) writes nothing."""
    run = ExpiryRun(at=at)
    notice_days = policy.load().expiry_notice_days
    rows = database.execute_sql(
        sql(
            'SELECT o."entry_id", o."account_id", o."amount", o."expires_at", a."owner_id" '
            'FROM "ledger_open" o JOIN "ledger_account" a ON a."id" = o."account_id" '
            'WHERE a."kind" = ? AND o."sign" = 1 AND o."expires_at" IS NOT NULL '
            'AND o."expires_at" <= ? ORDER BY o."account_id", o."entry_id"'
        ),
        (str(Kind.BONUS), _db_time(at + dt.timedelta(days=notice_days))),
    ).fetchall()
    cards: set[int] = set()
    for entry_id, account_id, amount, expires_at, customer_id in rows:
        lapse = ledger._as_dt(expires_at)
        assert lapse is not None
        if lapse <= at:
            with write_tx():
                still = _open_of(entry_id)  # another run may have taken it meanwhile
                if not still:
                    continue
                ledger.post(
                    account_id,
                    -still,
                    "expire",
                    now=at,
                    settle=[entry_id],
                    keep_open=False,
                    spend_only_unexpired=False,
                    document=f"expire:{entry_id}",
                )
                run.expired += still
                cards.add(customer_id)
                run.notices += notify(
                    customer_id,
                    "bonus_expired",
                    f"bonus_expired:{entry_id}",
                    {"amount": still, "expired_at": lapse, "balance": ledger.balance(account_id)},
                    clock(),
                )
        else:
            with write_tx():
                run.notices += notify(
                    customer_id,
                    "bonus_expiring",
                    f"bonus_expiring:{entry_id}",
                    {"amount": int(amount), "expires_at": lapse},
                    clock(),
                )
    run.cards = len(cards)
    return run


def _db_time(moment: dt.datetime) -> object:
    from torgtui.db import is_sqlite

    return str(moment) if is_sqlite() else moment


def write_off(
    customer_id: int,
    amount: int | None,
    reason: str,
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> int:
    """Write off ``amount`` (None: everything there) of a customer's bonuses, by permission,
    audited; returns what was written off."""
    require(by, Permission.WRITE_OFF_BONUSES)
    check_id(customer_id, _("The customer"))
    reason = check_text(reason, _("The reason"), max_len=200, required=True)
    now = clock()
    with write_tx():
        account_id = ledger.find_account(Kind.BONUS, OWNER, customer_id)
        have = max(ledger.balance(account_id), 0)
        amount = have if amount is None else check_kopecks(amount, _("The amount"), minimum=1)
        if amount > have:
            raise ValidationError(
                _("Only {have} in bonuses is on the card.").format(have=format_money(have))
            )
        if not amount or account_id is None:
            return 0
        ledger.post(
            account_id,
            -amount,
            "write_off",
            now=now,
            keep_open=False,
            spend_only_unexpired=False,
            employee_id=by.id,
            note=reason,
            document=f"writeoff:{customer_id}",
        )
        audit(
            "bonus.write_off",
            by,
            object_type="customer",
            object_id=customer_id,
            after={"amount": amount, "reason": reason},
            clock=clock,
        )
    return amount


@dataclass
class MassWriteOff:
    cards: int = 0
    amount: int = 0
    customer_ids: list[int] = field(default_factory=list)


def mass_write_off(
    *,
    inactive_days: int | None,
    card_type_id: int | None,
    reason: str,
    by: Employee,
    dry_run: bool = False,
    clock: Clock = system_clock,
) -> MassWriteOff:
    """Write off all unused bonuses of the cards matching the filter (no purchase for
    ``inactive_days``, a card type); ``dry_run`` only counts. One audit entry for the batch."""
    require(by, Permission.WRITE_OFF_BONUSES)
    reason = check_text(reason, _("The reason"), max_len=200, required=True)
    if inactive_days is None and card_type_id is None:
        raise ValidationError(_("Choose whose bonuses: inactive for N days, a card type, or both."))
    now = clock()
    query = (
        'SELECT a."id", a."owner_id", a."balance" FROM "ledger_account" a '
        'JOIN "customer" c ON c."id" = a."owner_id" '
        'WHERE a."kind" = ? AND a."owner_type" = ? AND a."balance" > 0'
    )
    params: list[object] = [str(Kind.BONUS), OWNER]
    if inactive_days is not None:
        days = check_count(inactive_days, _("Days without a purchase"), minimum=1, text=False)
        query += ' AND (c."last_visit" IS NULL OR c."last_visit" < ?)'
        params.append(_db_time(now - dt.timedelta(days=days)))
    if card_type_id is not None:
        query += ' AND c."card_type_id" = ?'
        params.append(check_id(card_type_id, _("The card type")))
    rows = database.execute_sql(sql(query + " LIMIT " + str(MAX_WRITE_OFF_BATCH)), params)
    result = MassWriteOff()
    targets = rows.fetchall()
    if dry_run:
        result.cards = len(targets)
        result.amount = sum(int(r[2]) for r in targets)
        result.customer_ids = [r[1] for r in targets]
        return result
    with write_tx():
        for account_id, customer_id, _balance in targets:
            have = ledger.balance(account_id)
            if have <= 0:
                continue
            ledger.post(
                account_id,
                -have,
                "write_off",
                now=now,
                keep_open=False,
                spend_only_unexpired=False,
                employee_id=by.id,
                note=reason,
                document="writeoff:mass",
            )
            result.cards += 1
            result.amount += have
            result.customer_ids.append(customer_id)
        audit(
            "bonus.mass_write_off",
            by,
            object_type="bonus",
            object_id="mass",
            after={
                "cards": result.cards,
                "amount": result.amount,
                "inactive_days": inactive_days,
                "card_type": card_type_id,
                "reason": reason,
            },
            clock=clock,
        )
    return result


def summary(customer_id: int, at: dt.datetime) -> dict[str, object]:
    """What the card and the register show: balance, spendable now, the buckets with their
    expiry, and the soonest lapse."""
    buckets = buckets_of(customer_id, at)
    soonest = min((b for b in buckets if b[1] is not None), key=lambda b: b[1], default=None)
    return {
        "balance": balance_of(customer_id),
        "spendable": sum(b[0] for b in buckets),
        "buckets": [{"amount": a, "expires_at": e} for a, e in buckets],
        "next_expiry": {"amount": soonest[0], "expires_at": soonest[1]} if soonest else None,
    }
