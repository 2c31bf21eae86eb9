"""Refer a Friend at the register: the referral code in the one code field (kind ``referral``,
order 25), its check at every pricing, the friend's discount (pricing step ``referral``, order
65), spending the code and the referrer's bonus when the sale is paid (a sale hook, in the sale's
transaction), and a return of the friend's purchase taking the bonus back in proportion.

* The code is kept in ``basket.codes`` as ``RF-XXXXXXXX`` (so a held or recovered draft still
  has it, and ``torgtui sell``/``price`` take it in ``"codes"`` like a promo code); the promo
  code check leaves codes of that form to this module.
* The context loader reads the code with its campaign once per pricing and decides whether it
  may be used on this receipt: a friend's card must be attached, new (no purchase here before),
  not the referrer's own; the code not used, its campaign not blocked, the day within its
  validity. A refusal is ``{"rule": "referral", "code": ..., "reason": ...}`` in
  ``basket.info["refused"]``, like a promo code's, so checkout refuses a sale whose code was
  lost a moment ago rather than taking it without its discount.
* The step takes ``friend_percent`` off each line of the campaign's group (and subgroups; every
  line when the campaign has none), each adjustment naming the step, the code (its rule) and
  why; below the minimum purchase (those lines' total before this discount) nothing is taken
  and the message says how much more to buy.
* The sale hook spends the code with one conditional UPDATE (``used_at IS NULL``) whose row
  count decides, with the friend and the receipt (both unique), checks once more in the
  transaction that the friend has no earlier receipt, and posts the referrer's bonus to their
  bonus account (kind ``referral``, document ``referral:<code id>``, the friend's receipt).
* A return of the friend's lines posts ``referral_back`` entries: the bonus times the share of
  the purchase returned so far, less what earlier returns took (so the last return takes
  exactly what is left). What the referrer spent already stays on their card as a debt that
  later bonuses pay (the referrer is not the one bringing goods back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import peewee

from torgtui.db import database, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import bonuses, cards, ledger
from torgtui.marketing.ledger import Settle
from torgtui.marketing.referral import (
    PREFIX,
    bonus_for,
    is_referral_code,
    referral_code_of,
)
from torgtui.models import LedgerEntry
from torgtui.money import format_money, percent_of, round_kopecks
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.checkout import stamp
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.extensions import ReturnEvent, SaleEvent
from torgtui.sales.pricing import PricingContext
from torgtui.sales.register import Register

STEP = "referral"  # the pricing step's name, the adjustments' step and the refusals' rule
ENTRY = "referral"  # the referrer's bonus on the ledger
ENTRY_BACK = "referral_back"  # what a return of the friend's purchase takes back


@dataclass(frozen=True)
class CodeState:
    """A referral code with its campaign and referrer, as the register checks it."""

    id: int
    code: str
    campaign_id: int
    referrer_id: int
    referrer: str
    referrer_status: str
    issued_on: dt.date
    valid_days: int
    friend_bp: int
    bonus_rule: str
    bonus_amount: int
    bonus_bp: int
    bonus_max: int
    min_purchase: int
    group_id: int | None
    group: str
    blocked: bool
    used: bool

    @property
    def valid_until(self) -> dt.date:
        return self.issued_on + dt.timedelta(days=self.valid_days - 1)

    @property
    def percent(self) -> Decimal:
        return Decimal(self.friend_bp) / 100

    def bonus_for(self, purchase: int) -> int:
        return bonus_for(
            purchase, self.bonus_rule, self.bonus_amount, self.bonus_bp, self.bonus_max
        )


_STATE_SQL = (
    'SELECT k."id", k."code", c."id", k."referrer_id", p."name", p."status", c."issued_on", '
    'c."valid_days", c."friend_bp", c."bonus_rule", c."bonus_amount", c."bonus_bp", '
    'c."bonus_max", c."min_purchase", c."group_id", g."path", c."blocked", k."used_at" '
    'FROM "referral_code" k JOIN "referral_campaign" c ON c."id" = k."campaign_id" '
    'JOIN "customer" p ON p."id" = k."referrer_id" '
    'LEFT JOIN "product_group" g ON g."id" = c."group_id" WHERE k."code" = ?'
)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def load_state(code: str) -> CodeState | None:
    """The code (canonical) with its campaign and referrer, in one query; None if unknown."""
    r = database.execute_sql(sql(_STATE_SQL), (code,)).fetchone()
    if r is None:
        return None
    return CodeState(
        r[0], r[1], r[2], r[3], r[4], r[5], _day(r[6]), int(r[7]), int(r[8]), r[9],
        int(r[10]), int(r[11]), int(r[12]), int(r[13]), r[14], r[15] or "", bool(r[16]),
        r[17] is not None,
    )  # fmt: skip


def is_new_customer(customer_id: int) -> bool:
    """No purchase here before: no sale receipt, nothing bought by the card's counters (an
    imported card keeps its history there)."""
    row = database.execute_sql(
        sql('SELECT "receipts_count", "total_bought" FROM "customer" WHERE "id" = ?'),
        (customer_id,),
    ).fetchone()
    if row is None or int(row[0] or 0) or int(row[1] or 0):
        return False
    return not query_value(
        'SELECT 1 FROM "receipt" WHERE "customer_id" = ? AND "kind" = ? LIMIT 1',
        (customer_id, "sale"),
    )


def unknown(code: str) -> str:
    return _(
        "Referral code {code} is not known: check it (codes never use 0, O, 1, I or L), or "
        "sell without it."
    ).format(code=code)


def refusal(state: CodeState, *, at: dt.datetime, customer_id: int | None) -> str | None:
    """Why ``state`` cannot be used on this receipt now (None: it can). Each says what to do."""
    code = state.code
    if state.used:
        return _(
            "Referral code {code} was used already: each one gives its discount once. Sell "
            "without it."
        ).format(code=code)
    if state.blocked:
        return _("The Refer a Friend campaign of code {code} is stopped: sell without it.").format(
            code=code
        )
    if state.referrer_status != "active":
        return _("The card that gave referral code {code} is closed: sell without it.").format(
            code=code
        )
    today = at.date()
    if today < state.issued_on:
        return _("Referral code {code} is valid from {date}: sell without it today.").format(
            code=code, date=state.issued_on.isoformat()
        )
    if today > state.valid_until:
        return _("Referral code {code} expired on {date}: sell without it.").format(
            code=code, date=state.valid_until.isoformat()
        )
    if customer_id is None:
        return _(
            "Referral code {code} is for a friend's first purchase: attach the friend's card "
            "first (F6; a new card for a new customer), then the code."
        ).format(code=code)
    if customer_id == state.referrer_id:
        return _(
            "Referral code {code} is this customer's own: nobody can refer themselves. Sell "
            "without it."
        ).format(code=code)
    if not is_new_customer(customer_id):
        return _(
            "Referral code {code} is for a new customer's first purchase, and this customer has "
            "bought here before: sell without it."
        ).format(code=code)
    return None


def in_group(group_id: int | None, product_group: int | None) -> bool:
    """Whether a product of ``product_group`` is in the campaign's group (or a subgroup)."""
    if group_id is None:
        return True
    parents = cards.group_parents()
    seen = 0
    while product_group is not None and seen < 50:
        if product_group == group_id:
            return True
        product_group = parents.get(product_group)
        seen += 1
    return False


# --- pricing ------------------------------------------------------------------------------


@dataclass
class Found:
    """The receipt's referral code checked (``state`` None when it may not be used)."""

    state: CodeState | None = None
    refused: list[dict[str, object]] = field(default_factory=list)


def _refused(code: str, reason: str) -> dict[str, object]:
    return {"rule": STEP, "code": code, "reason": reason}


@extensions.context_loader
def load_referral(basket: Basket, ctx: PricingContext) -> None:
    """Check the receipt's referral code once per pricing (no query when it has none)."""
    codes = [c for c in basket.codes if is_referral_code(c)]
    if not codes:
        return
    found = Found()
    seen: set[str] = set()
    for text in codes:
        code = referral_code_of(text) or text
        if code in seen:
            continue
        seen.add(code)
        if found.state is not None or any(r["rule"] == STEP for r in found.refused):
            found.refused.append(
                _refused(
                    code, _("One referral code per receipt: take {code} off.").format(code=code)
                )
            )
            continue
        state = load_state(code)
        if state is None:
            found.refused.append(_refused(code, unknown(code)))
            continue
        why = refusal(state, at=ctx.at, customer_id=ctx.customer_id)
        if why is not None:
            found.refused.append(_refused(code, why))
        else:
            found.state = state
    ctx.extra["referral"] = found


@extensions.pricing_step(65, STEP)
def referral_step(basket: Basket, ctx: PricingContext) -> None:
    """The friend's discount on the campaign's lines, or why there is none."""
    found = ctx.extra.get("referral")
    if not isinstance(found, Found):
        return
    refused = basket.info.setdefault("refused", [])
    refused.extend(found.refused)  # type: ignore[union-attr]
    state = found.state
    if state is None:
        return
    lines = [ln for ln in basket.lines if in_group(state.group_id, ln.group_id) and ln.total > 0]
    if not lines:
        refused.append(  # type: ignore[union-attr]
            _refused(
                state.code,
                _(
                    "Referral code {code} is for goods of {group}: there are none on the receipt. "
                    "The code is kept and gives its discount once they are added."
                ).format(code=state.code, group=state.group),
            )
        )
        return
    purchase = sum(ln.total for ln in lines)
    if purchase < state.min_purchase:
        what = _("goods of {group}").format(group=state.group) if state.group_id else _("goods")
        refused.append(  # type: ignore[union-attr]
            _refused(
                state.code,
                _(
                    "Referral code {code} needs a purchase of {least} of {what}; this one is "
                    "{have}: add {more} or sell without it."
                ).format(
                    code=state.code,
                    least=format_money(state.min_purchase),
                    what=what,
                    have=format_money(purchase),
                    more=format_money(state.min_purchase - purchase),
                ),
            )
        )
        return
    percent = state.percent
    reason = _("Refer a Friend −{percent}% (code {code})").format(
        percent=f"{percent.normalize():f}", code=state.code
    )
    discount = 0
    for line in lines:
        amount = percent_of(line.total, percent)
        if amount:
            line.adjustments.append(Adjustment(STEP, reason, amount, rule=state.code))
            discount += amount
    basket.info["referral"] = {
        "code": state.code,
        "percent": f"{percent.normalize():f}",
        "discount": discount,
        "referrer": state.referrer,
        "group": state.group,
    }


# --- the sale -----------------------------------------------------------------------------


def _lost(why: str) -> ValidationError:
    return ValidationError(
        _("{why} Nothing was saved: take the code off the receipt and take payment again.").format(
            why=why
        )
    )


def _applied(basket: Basket, code: str) -> list:
    return [
        ln for ln in basket.lines if any(a.step == STEP and a.rule == code for a in ln.adjustments)
    ]


def _expiry(referrer_id: int, now: dt.datetime) -> dt.datetime | None:
    rule = cards.card_type_of(referrer_id)
    days = rule.expiry_days if rule is not None else None
    return now + dt.timedelta(days=days) if days else None


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Spend the code once and put the referrer's bonus on their card."""
    found = event.ctx.extra.get("referral")
    if not isinstance(found, Found) or found.state is None:
        return
    state = found.state
    lines = _applied(event.basket, state.code)
    if not lines:
        return  # kept on nothing (below the minimum, no goods of the group): not used
    friend = event.basket.customer_id
    if friend is None:  # pricing refused it already; never spend a code on nobody
        return
    earlier = query_value(
        'SELECT 1 FROM "receipt" WHERE "customer_id" = ? AND "kind" = ? AND "id" <> ? LIMIT 1',
        (friend, "sale", event.receipt_id),
    )
    if earlier:
        raise _lost(
            _(
                "This customer bought on another register a moment ago: referral code {code} is "
                "for a first purchase."
            ).format(code=state.code)
        )
    purchase = sum(ln.total for ln in lines)
    bonus = state.bonus_for(purchase)
    try:
        with database.atomic():
            done = database.execute_sql(
                sql(
                    'UPDATE "referral_code" SET "used_at" = ?, "friend_id" = ?, "receipt_id" = ?, '
                    '"purchase" = ?, "bonus" = ? WHERE "id" = ? AND "used_at" IS NULL AND '
                    'NOT (SELECT c."blocked" FROM "referral_campaign" c '
                    'WHERE c."id" = "referral_code"."campaign_id")'
                ),
                (stamp(event.now), friend, event.receipt_id, purchase, bonus, state.id),
            ).rowcount
    except peewee.IntegrityError:  # the friend was referred with another code a moment ago
        raise _lost(_("This customer was referred on another register a moment ago.")) from None
    if done != 1:
        raise _lost(
            _("Referral code {code} was used on another register a moment ago.").format(
                code=state.code
            )
        )
    if bonus:
        ledger.post(
            bonuses.account_of(state.referrer_id, event.now),
            bonus,
            ENTRY,
            now=event.now,
            expires_at=_expiry(state.referrer_id, event.now),
            receipt_id=event.receipt_id,
            document=f"referral:{state.id}",
            employee_id=event.employee.id,
            note=_("Refer a Friend: code {code}").format(code=state.code),
        )
    event.info["referral"] = {
        "code": state.code,
        "discount": sum(a.amount for ln in lines for a in ln.adjustments if a.step == STEP),
    }


# --- returns ------------------------------------------------------------------------------


def _share(amount: int, part: int, whole: int) -> int:
    return round_kopecks(Decimal(amount) * part / whole) if whole > 0 else 0


def returned_value(receipt_id: int) -> int:
    """What the friend's returns took back of the campaign's lines of ``receipt_id`` so far
    (each line's total times the share of its quantity returned)."""
    rows = database.execute_sql(
        sql(
            'SELECT l."total", l."qty", (SELECT COALESCE(SUM(b."qty"), 0) FROM "receipt_line" b '
            'WHERE b."original_line_id" = l."id") FROM "receipt_line" l '
            'WHERE l."receipt_id" = ? AND EXISTS (SELECT 1 FROM "line_adjustment" a '
            'WHERE a."line_id" = l."id" AND a."step" = ?)'
        ),
        (receipt_id, STEP),
    ).fetchall()
    return sum(_share(int(total), min(int(back), int(qty)), int(qty)) for total, qty, back in rows)


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    """Take back the share of the referrer's bonus the returned goods earned."""
    row = database.execute_sql(
        sql(
            'SELECT "id", "code", "referrer_id", "purchase", "bonus" FROM "referral_code" '
            'WHERE "receipt_id" = ?'
        ),
        (event.original.id,),
    ).fetchone()
    if row is None or not int(row[4]):
        return
    code_id, code, referrer_id, purchase, bonus = row[0], row[1], row[2], int(row[3]), int(row[4])
    document = f"referral:{code_id}"
    target = min(bonus, _share(bonus, returned_value(event.original.id), purchase))
    already = -int(
        query_value(
            'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_entry" WHERE "kind" = ? '
            'AND "document" = ?',
            (ENTRY_BACK, document),
        )
        or 0
    )
    part = target - already
    if part <= 0:
        return
    accrual = LedgerEntry.get_or_none(
        (LedgerEntry.kind == ENTRY) & (LedgerEntry.document == document)
    )
    account_id = bonuses.account_of(card_now(referrer_id), event.now)
    if accrual is not None and accrual.account_id != account_id:
        accrual = None  # the referrer's card was merged into another: its bonuses moved there
    common = dict(
        now=event.now,
        receipt_id=event.receipt_id,
        document=document,
        employee_id=event.employee.id,
        reverses=accrual.id if accrual is not None else None,
        note=_("Refer a Friend: return of the friend's purchase (code {code})").format(code=code),
        spend_only_unexpired=False,
    )
    own = 0
    if accrual is not None:
        own = int(
            query_value('SELECT "amount" FROM "ledger_open" WHERE "entry_id" = ?', (accrual.id,))
            or 0
        )
    left = part
    if own:
        take = min(own, left)
        ledger.post(account_id, -take, ENTRY_BACK, settle=[accrual.id], keep_open=False, **common)  # type: ignore[union-attr, arg-type]
        left -= take
    if left:  # spent already: what other bonuses do not cover stays as a debt on the card
        ledger.post(
            account_id,
            -left,
            ENTRY_BACK,
            settle=Settle.FIFO,
            below_floor=True,
            **common,  # type: ignore[arg-type]
        )
    event.info["referral_back"] = {"code": code, "reversed": part}


def card_now(customer_id: int) -> int:
    """The card a customer's bonuses live on now: a merged card's are on the card it was
    merged into (followed a few steps)."""
    for _step in range(10):
        into = query_value('SELECT "merged_into_id" FROM "customer" WHERE "id" = ?', (customer_id,))
        if into is None:
            break
        customer_id = int(into)  # type: ignore[call-overload]
    return customer_id


# --- the register's code field --------------------------------------------------------------


def _claims(code: str, register: Register) -> bool:
    return referral_code_of(code) is not None


@code_kind(25, "referral", claims=_claims)
def enter_referral(register: Register, code: str, qty: int | None) -> Entered:
    """A friend's referral code scanned or typed: checked against the receipt as it is (its
    customer, the codes on it), then kept on the receipt; the message says what it gives."""
    text = referral_code_of(code) or code
    state = load_state(text)
    if state is None:
        raise NotMine(unknown(text))
    if qty is not None:
        raise ValidationError(
            _("{code} is a referral code: scan it without a quantity.").format(code=text)
        )
    on = [c for c in register.basket.codes if is_referral_code(c)]
    if text in on:
        raise ValidationError(_("Code {code} is on this receipt already.").format(code=text))
    if on:
        raise ValidationError(
            _("Referral code {code} is on this receipt already: one per receipt.").format(
                code=on[0]
            )
        )
    why = refusal(state, at=register.clock(), customer_id=register.basket.customer_id)
    if why is not None:
        raise ValidationError(why)
    register.basket.codes.append(text)
    register.save()
    what = _("goods of {group}").format(group=state.group) if state.group_id else _("everything")
    return Entered(
        "referral",
        _("Referral code {code}: {percent}% off {what} for a friend of {referrer}").format(
            code=text, percent=f"{state.percent.normalize():f}", what=what, referrer=state.referrer
        ),
        details={
            "code": text,
            "campaign_id": state.campaign_id,
            "referrer_id": state.referrer_id,
            "percent": f"{state.percent.normalize():f}",
        },
    )


__all__ = [
    "ENTRY",
    "ENTRY_BACK",
    "PREFIX",
    "STEP",
    "CodeState",
    "enter_referral",
    "in_group",
    "is_new_customer",
    "load_referral",
    "load_state",
    "on_return",
    "on_sale",
    "referral_step",
    "refusal",
    "returned_value",
]
