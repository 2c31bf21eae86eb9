"""Promo codes at the register: the code kind of the one code field, the check of every code on
a receipt at each pricing, spending a use when the sale is committed and giving it back when
the whole receipt comes back (the batches themselves: torgtui.marketing.codes).

The contract with the promotion engine (torgtui.marketing.promotions):

* the context loader reads the basket's codes (``basket.codes``, kept in the draft) once per
  pricing and puts ``ctx.extra["promo_codes"] = {promotion id: code id}`` for the valid ones;
  the engine applies a promotion that needs a code only when its id is there;
* a code that is not valid is refused in words: ``{"rule": <batch's id or "code">, "code":
  <the code>, "reason": ...}`` in ``basket.info["refused"]`` (put there by the ``codes`` step,
  order 70, since the ``base`` step starts every pricing with an empty ``info``); so is a valid
  code whose promotion gives nothing on this receipt. ``basket.info["codes"]`` lists the codes
  and the promotion each activates, for the register to show;
* the sale hook spends a use of each code whose promotion gave something on the receipt (an
  adjustment of step "promotion" whose rule is the promotion's code): one conditional UPDATE
  of the code's use count whose row count decides, and the same for the customer's uses of the
  batch; then a ``promo_code_use`` row with its slot (unique per code). A lost race refuses the
  whole sale with a message; nothing is written;
* the return hook gives the uses back when the return takes back the whole receipt (the last
  of its lines); a partial return keeps them (docs/promotions-codes.md says why).

Refusals, each saying what to do: unknown, blocked (the code or its batch), not valid yet,
expired, used up, issued to another customer (or needing the customer's card first), over the
per-customer limit, not valid at this location, on this receipt already, a second code of the
same promotion, and a quantity typed before a code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from torgtui.db import database, insert_rows, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing.codes_read import looks_like_code, normalize
from torgtui.marketing.preorder_common import number_of as preorder_number
from torgtui.marketing.referral import is_referral_code
from torgtui.models import Location
from torgtui.models.codes import PromoCodeUse
from torgtui.sales import extensions
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import stamp
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.extensions import ReturnEvent, SaleEvent
from torgtui.sales.pricing import PricingContext
from torgtui.sales.register import Register

PROMOTION_STEP = "promotion"  # the step name of the engine's adjustments
MAX_CODES = 20  # codes on one receipt


@dataclass(frozen=True)
class CodeState:
    """One code as the register checks it (read with its batch and promotion in one query)."""

    id: int
    code: str
    batch_id: int
    batch_code: str
    channel: str
    promotion_id: int
    promotion_code: str
    promotion_name: str
    used: int
    uses_per_code: int
    per_customer: int
    customer_id: int | None
    blocked: bool
    batch_blocked: bool
    valid_from: dt.date | None
    valid_until: dt.date | None
    locations: frozenset[int]
    promotion_active: bool = True
    promotion_starts: dt.date | None = None
    promotion_ends: dt.date | None = None


_STATE_SQL = (
    'SELECT c."id", c."code", b."id", b."code", b."channel", p."id", p."code", p."name", '
    'c."used", b."uses_per_code", b."per_customer", c."customer_id", c."blocked", '
    'b."blocked", b."valid_from", b."valid_until", p."active", p."starts_on", p."ends_on" '
    'FROM "promo_code" c '
    'JOIN "code_batch" b ON b."id" = c."batch_id" '
    'JOIN "promotion" p ON p."id" = b."promotion_id" WHERE c."code" IN ({marks})'
)


def _day(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value)[:10])


def load_states(codes: Iterable[str]) -> dict[str, CodeState]:
    """The codes (normalized) that exist, with their batch and promotion: two queries."""
    wanted = sorted({normalize(c) for c in codes})[: MAX_CODES * 2]
    if not wanted:
        return {}
    rows = database.execute_sql(
        sql(_STATE_SQL.format(marks=", ".join("?" * len(wanted)))), wanted
    ).fetchall()
    batches = sorted({r[2] for r in rows})
    places: dict[int, set[int]] = {}
    if batches:
        marks = ", ".join("?" * len(batches))
        for batch_id, location_id in database.execute_sql(
            sql(
                'SELECT "batch_id", "location_id" FROM "code_batch_location" '
                f'WHERE "batch_id" IN ({marks})'
            ),
            batches,
        ).fetchall():
            places.setdefault(batch_id, set()).add(location_id)
    return {
        r[1]: CodeState(
            *r[:12],
            bool(r[12]),
            bool(r[13]),
            _day(r[14]),
            _day(r[15]),
            frozenset(places.get(r[2], ())),
            bool(r[16]),
            _day(r[17]),
            _day(r[18]),
        )
        for r in rows
    }


def customer_uses(batch_ids: Iterable[int], customer_id: int | None) -> dict[int, int]:
    """{batch id: uses in force} of the customer, for the batches with a per-customer limit."""
    ids = sorted(set(batch_ids))
    if customer_id is None or not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return dict(
        database.execute_sql(
            sql(
                'SELECT "batch_id", "used" FROM "promo_customer_use" '
                f'WHERE "customer_id" = ? AND "batch_id" IN ({marks})'
            ),
            [customer_id, *ids],
        ).fetchall()
    )


def unknown(code: str) -> str:
    return _(
        "Code {code} is not known: check it (codes never use 0, O, 1, I or L), or sell without it."
    ).format(code=code)


def refusal(
    state: CodeState,
    *,
    at: dt.datetime,
    customer_id: int | None,
    location_id: int | None,
    customer_used: int = 0,
) -> str | None:
    """Why ``state`` cannot be used on a receipt (None: it can). Each says what to do."""
    code = state.code
    if state.blocked:
        return _("Code {code} is blocked: sell without it.").format(code=code)
    if state.batch_blocked:
        return _("The codes of {batch} are blocked: sell without this one.").format(
            batch=state.batch_code
        )
    today = at.date()
    if state.valid_from is not None and today < state.valid_from:
        return _("Code {code} is valid from {date}: sell without it today.").format(
            code=code, date=state.valid_from.isoformat()
        )
    if state.valid_until is not None and today > state.valid_until:
        return _("Code {code} expired on {date}: sell without it.").format(
            code=code, date=state.valid_until.isoformat()
        )
    if not state.promotion_active:
        return _("{promotion} is stopped: code {code} gives nothing now. Sell without it.").format(
            promotion=state.promotion_name, code=code
        )
    if state.promotion_starts is not None and today < state.promotion_starts:
        return _("{promotion} starts on {date}: sell without code {code} today.").format(
            promotion=state.promotion_name, date=state.promotion_starts.isoformat(), code=code
        )
    if state.promotion_ends is not None and today > state.promotion_ends:
        return _("{promotion} ended on {date}: sell without code {code}.").format(
            promotion=state.promotion_name, date=state.promotion_ends.isoformat(), code=code
        )
    if state.used >= state.uses_per_code:
        if state.uses_per_code == 1:
            return _("Code {code} was used already: sell without it.").format(code=code)
        return _("Code {code} was used all {n} times: sell without it.").format(
            code=code, n=state.uses_per_code
        )
    if state.customer_id is not None and customer_id is None:
        return _(
            "Code {code} was issued to a customer: scan their card first (or F6), then the code."
        ).format(code=code)
    if state.customer_id is not None and state.customer_id != customer_id:
        return _(
            "Code {code} was issued to another customer: it works only with that customer's card."
        ).format(code=code)
    if state.per_customer:
        if customer_id is None:
            return _(
                "Code {code} is limited per customer: scan the customer's card first (or F6), "
                "then the code."
            ).format(code=code)
        if customer_used >= state.per_customer:
            return ngettext(
                "This customer has used a code of {batch} {n} time already (the limit): sell "
                "without it.",
                "This customer has used codes of {batch} {n} times already (the limit): sell "
                "without it.",
                state.per_customer,
            ).format(batch=state.batch_code, n=state.per_customer)
    if state.locations and location_id not in state.locations:
        names = ", ".join(
            n
            for (n,) in Location.select(Location.name)
            .where(Location.id.in_(sorted(state.locations)))
            .order_by(Location.name)
            .tuples()
        )
        return _("Code {code} is not valid here: it works at {places}.").format(
            code=code, places=names
        )
    return None


def on_receipt_already(code: str) -> str:
    return _("Code {code} is on this receipt already.").format(code=code)


def same_promotion(state: CodeState) -> str:
    return _(
        "Another code for {promotion} is on this receipt already: one code per promotion."
    ).format(promotion=state.promotion_name)


@dataclass
class Checked:
    """The basket's codes checked: the valid ones by promotion, and the refusals."""

    valid: dict[int, CodeState]  # promotion id -> its code
    refused: list[dict[str, object]]


def check_codes(
    codes: list[str], *, at: dt.datetime, customer_id: int | None, location_id: int | None
) -> Checked:
    """Every code of a receipt, in the order scanned: the first code of a promotion wins."""
    states = load_states(codes)
    counts = customer_uses([s.batch_id for s in states.values() if s.per_customer], customer_id)
    out = Checked({}, [])
    seen: set[str] = set()
    for text in codes[:MAX_CODES]:
        if preorder_number(text) is not None:
            continue  # a pre-order on the receipt (PO-n): the pre-order's code, not a promo code
        if is_referral_code(text):
            continue  # a friend's referral code (RF-...): torgtui.marketing.referral_sale
        if text.startswith("GC:"):
            continue  # a gift certificate offered (GC:<barcode>): marketing.certificates_sale
        if text.startswith("INT-"):
            continue  # the sale through an intermediary (INT-<code>): marketing.intermediaries
        code = normalize(text)
        state = states.get(code)
        if code in seen:
            reason: str | None = on_receipt_already(code)
        elif state is None:
            reason = unknown(code)
        else:
            reason = refusal(
                state,
                at=at,
                customer_id=customer_id,
                location_id=location_id,
                customer_used=counts.get(state.batch_id, 0),
            )
            if reason is None and state.promotion_id in out.valid:
                reason = same_promotion(state)
        seen.add(code)
        if reason is not None:
            rule = state.batch_code if state is not None else "code"
            out.refused.append({"rule": rule, "code": code, "reason": reason})
        elif state is not None:
            out.valid[state.promotion_id] = state
    for text in codes[MAX_CODES:]:
        out.refused.append(
            {
                "rule": "code",
                "code": normalize(text),
                "reason": _("At most {n} codes on one receipt.").format(n=MAX_CODES),
            }
        )
    return out


# --- pricing ------------------------------------------------------------------------------


@extensions.context_loader
def load_codes(basket: Basket, ctx: PricingContext) -> None:
    """Check the basket's codes once per pricing (no query when it has none)."""
    if not basket.codes:
        return
    checked = check_codes(
        list(basket.codes),
        at=ctx.at,
        customer_id=ctx.customer_id,
        location_id=ctx.location_id,
    )
    ctx.extra["promo_codes"] = {pid: s.id for pid, s in checked.valid.items()}
    ctx.extra["promo_code_states"] = checked.valid
    ctx.extra["promo_code_refusals"] = checked.refused


def gave(basket: Basket, promotion_code: str) -> bool:
    """Whether the promotion ``promotion_code`` gave something on this receipt: money off a
    line (an adjustment of step "promotion" with its code as the rule), or bonuses instead
    (the engine's ``info["promotions"]`` entry: discount or bonus above zero)."""
    for entry in basket.info.get("promotions") or []:  # type: ignore[union-attr]
        if entry.get("code") == promotion_code and (entry.get("discount") or entry.get("bonus")):
            return True
    return any(
        a.step == PROMOTION_STEP and a.rule == promotion_code and a.amount
        for line in basket.lines
        for a in line.adjustments
    )


@extensions.pricing_step(70, "codes")
def codes_step(basket: Basket, ctx: PricingContext) -> None:
    """After the promotions: say which codes were refused and why, and which promotion each
    valid code activated (``info["codes"]``; one that gives nothing yet is refused too)."""
    refused = ctx.extra.get("promo_code_refusals")
    states = ctx.extra.get("promo_code_states")
    if not refused and not states:
        return
    out = basket.info.setdefault("refused", [])
    out.extend(refused or [])  # type: ignore[union-attr, arg-type]
    shown = []
    for state in (states or {}).values():  # type: ignore[union-attr]
        applied = gave(basket, state.promotion_code)
        shown.append(
            {
                "code": state.code,
                "batch": state.batch_code,
                "promotion": state.promotion_name,
                "applied": applied,
            }
        )
        if not applied:
            out.append(  # type: ignore[union-attr]
                {
                    "rule": state.batch_code,
                    "code": state.code,
                    "reason": _(
                        "{promotion} gives nothing on this receipt yet: its conditions are not "
                        "met. The code is kept and used only if it does."
                    ).format(promotion=state.promotion_name),
                }
            )
    basket.info["codes"] = shown


# --- the sale -----------------------------------------------------------------------------


def _lost(why: str) -> ValidationError:
    return ValidationError(
        _("{why} Nothing was saved: take the code off the receipt and take payment again.").format(
            why=why
        )
    )


def spend(state: CodeState, *, receipt_id: int, customer_id: int | None, now: dt.datetime) -> int:
    """Take one use of the code for ``receipt_id`` (inside the sale's transaction); returns
    its slot. Refuses (ValidationError) when another register took the last use first."""
    slot = query_value(
        'UPDATE "promo_code" SET "used" = "used" + 1 WHERE "id" = ? AND NOT "blocked" '
        'AND "used" < (SELECT "uses_per_code" FROM "code_batch" b '
        'WHERE b."id" = "promo_code"."batch_id" AND NOT b."blocked") RETURNING "used"',
        (state.id,),
    )
    if slot is None:
        now_state = load_states([state.code]).get(state.code)
        if now_state is not None and (now_state.blocked or now_state.batch_blocked):
            raise _lost(_("Code {code} was blocked a moment ago.").format(code=state.code))
        raise _lost(
            _("Code {code} was used on another register a moment ago.").format(code=state.code)
        )
    if customer_id is not None:
        limit = state.per_customer or 2**31 - 1
        counted = query_value(
            'INSERT INTO "promo_customer_use" ("batch_id", "customer_id", "used") '
            'VALUES (?, ?, 1) ON CONFLICT ("batch_id", "customer_id") DO UPDATE SET '
            '"used" = "promo_customer_use"."used" + 1 WHERE "promo_customer_use"."used" < ? '
            'RETURNING "used"',
            (state.batch_id, customer_id, limit),
        )
        if counted is None:
            raise _lost(
                _("This customer reached the limit of {batch} on another register.").format(
                    batch=state.batch_code
                ),
            )
    try:
        with database.atomic():
            insert_rows(
                "promo_code_use",
                ["code_id", "batch_id", "receipt_id", "customer_id", "slot", "used_at"],
                [(state.id, state.batch_id, receipt_id, customer_id, slot, stamp(now))],
            )
    except peewee.IntegrityError:
        raise _lost(
            _("Code {code} was used on another register a moment ago.").format(code=state.code)
        ) from None
    return int(slot)  # type: ignore[call-overload]


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Spend a use of each code whose promotion gave something on this receipt."""
    states = event.ctx.extra.get("promo_code_states")
    if not states:
        return
    used = []
    # in the order of the codes' ids: two receipts with the same codes lock them in one order
    for state in sorted(states.values(), key=lambda s: s.id):  # type: ignore[union-attr]
        if not gave(event.basket, state.promotion_code):
            continue  # kept on nothing: the code stays unused
        spend(
            state, receipt_id=event.receipt_id, customer_id=event.basket.customer_id, now=event.now
        )
        used.append(
            {"code": state.code, "batch": state.batch_code, "promotion": state.promotion_name}
        )
    if used:
        event.info["codes"] = used


# --- returns ------------------------------------------------------------------------------


def give_back(use: PromoCodeUse, *, return_id: int | None, now: dt.datetime) -> None:
    """Give one use back (inside the return's transaction): the code's count goes down first
    (its row lock orders this against a sale of the same code), the use keeps its row with
    the return, and the code's last slot moves into the freed one so slots stay 1..used."""
    before = query_value(
        'UPDATE "promo_code" SET "used" = "used" - 1 WHERE "id" = ? AND "used" > 0 '
        'RETURNING "used" + 1',
        (use.code_id,),
    )
    slot = query_value('SELECT "slot" FROM "promo_code_use" WHERE "id" = ?', (use.id,))
    done = database.execute_sql(
        sql(
            'UPDATE "promo_code_use" SET "slot" = NULL, "returned_at" = ?, '
            '"return_receipt_id" = ? WHERE "id" = ? AND "returned_at" IS NULL'
        ),
        (stamp(now), return_id, use.id),
    ).rowcount
    if before is None or done != 1:
        raise ValidationError(
            _("The code's use was given back a moment ago: look at the receipt again.")
        )
    if slot != before:
        database.execute_sql(
            sql('UPDATE "promo_code_use" SET "slot" = ? WHERE "code_id" = ? AND "slot" = ?'),
            (slot, use.code_id, before),
        )
    if use.customer_id is not None:
        database.execute_sql(
            sql(
                'UPDATE "promo_customer_use" SET "used" = "used" - 1 WHERE "batch_id" = ? '
                'AND "customer_id" = ? AND "used" > 0'
            ),
            (use.batch_id, use.customer_id),
        )


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    """When this return takes back the last of the receipt, its codes' uses come back."""
    from torgtui.sales.returns import returnable

    uses = list(
        PromoCodeUse.select()
        .where((PromoCodeUse.receipt == event.original.id) & PromoCodeUse.returned_at.is_null())
        .order_by(PromoCodeUse.code)  # the codes' order, as sales lock them
    )
    if not uses or any(item.left > 0 for item in returnable(event.original)):
        return
    for use in uses:
        give_back(use, return_id=event.receipt_id, now=event.now)
    codes = dict(
        database.execute_sql(
            sql(
                'SELECT "id", "code" FROM "promo_code" WHERE "id" IN ({})'.format(
                    ", ".join("?" * len(uses))
                )
            ),
            [u.code_id for u in uses],
        ).fetchall()
    )
    event.info["codes_back"] = [codes[u.code_id] for u in uses]


# --- the register's code field --------------------------------------------------------------


def _claims(code: str, register: Register) -> bool:
    return looks_like_code(normalize(code))


@code_kind(20, "promo_code", claims=_claims)
def enter_code(register: Register, code: str, qty: int | None) -> Entered:
    """A promo code scanned or typed: checked against the receipt as it is (its customer,
    location, the codes on it), then kept on the receipt; the message names the promotion."""
    text = normalize(code)
    states = load_states([text, *register.basket.codes])
    state = states.get(text)
    if state is None:
        raise NotMine(unknown(text))
    if qty is not None:
        raise ValidationError(
            _("{code} is a promo code: scan it without a quantity.").format(code=text)
        )
    if text in {normalize(c) for c in register.basket.codes}:
        raise ValidationError(on_receipt_already(text))
    if len(register.basket.codes) >= MAX_CODES:
        raise ValidationError(_("At most {n} codes on one receipt.").format(n=MAX_CODES))
    customer_id = register.basket.customer_id
    counts = customer_uses([state.batch_id] if state.per_customer else [], customer_id)
    why = refusal(
        state,
        at=register.clock(),
        customer_id=customer_id,
        location_id=register.location_id,
        customer_used=counts.get(state.batch_id, 0),
    )
    if why is not None:
        raise ValidationError(why)
    for other in register.basket.codes:
        known = states.get(normalize(other))
        if known is not None and known.promotion_id == state.promotion_id:
            raise ValidationError(same_promotion(state))
    register.basket.codes.append(text)
    register.save()
    return Entered(
        "promo_code",
        _("Code {code}: {promotion}").format(code=text, promotion=state.promotion_name),
        details={
            "code": text,
            "batch": state.batch_code,
            "promotion_id": state.promotion_id,
            "promotion": state.promotion_name,
        },
    )


def remove_code(register: Register, code: str) -> bool:
    """Take a code off the open receipt (False when it is not on it)."""
    text = normalize(code)
    kept = [c for c in register.basket.codes if normalize(c) != text]
    if len(kept) == len(register.basket.codes):
        return False
    register.basket.codes = kept
    register.save()
    return True


__all__ = [
    "CodeState",
    "check_codes",
    "codes_step",
    "customer_uses",
    "enter_code",
    "give_back",
    "load_codes",
    "load_states",
    "on_return",
    "on_sale",
    "refusal",
    "remove_code",
    "spend",
]
