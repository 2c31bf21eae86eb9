"""Refer a Friend: campaigns on a customer's card and their individual codes (the register's
side is torgtui.marketing.referral_sale, printing and copying the codes referral_print, the
report referral_report).

A regular customer (the *referrer*) gets a campaign: from its issue date, for ``valid_days``
days, each of its N codes gives a new customer (the *friend*) ``friend_percent`` off their first
purchase (of the campaign's product group and its subgroups, or of everything), once; when the
friend pays, the referrer's card earns a bonus on the one ledger by the campaign's rule (a fixed
amount, a percentage of the friend's purchase, or a percentage with a maximum), and the code is
marked used with the friend, the receipt, the purchase and the bonus.

Codes are ``RF-`` and 8 characters of the promo code alphabet (no 0/O, 1/I/L), drawn with
:mod:`secrets` (31**8, about 8.5e11 codes: a campaign's handful cannot be guessed); the hyphen
keeps them apart from promo codes (letters and digits only) at the register's one code field.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.codes_read import ALPHABET, LOOKALIKES
from torgtui.models import Customer, Employee, ProductGroup
from torgtui.models.referral import BONUS_RULES, ReferralCampaign, ReferralCode
from torgtui.money import format_money, percent_of
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, audit, require
from torgtui.values import (
    MAX_AMOUNT,
    check_count,
    check_date,
    check_id,
    check_kopecks,
    check_percent,
    check_text,
)

PREFIX = "RF-"
CODE_CHARS = 8
MAX_CODES = 100  # codes of one campaign (cards handed to friends)
MAX_VALID_DAYS = 3650


def bonus_rule_title(rule: str) -> str:
    return {
        "fixed": _("fixed amount"),
        "percent": _("% of the friend's purchase"),
        "percent_max": _("% of the purchase, at most"),
    }.get(rule, rule)


# --- what a referral code looks like (no database) -------------------------------------------


def referral_code_of(text: object) -> str | None:
    """The canonical referral code (``RF-XXXXXXXX``) of what was scanned or typed (small letters,
    Cyrillic look-alikes, no hyphen or spaces are forgiven), or None when it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    cleaned = text.strip().upper().translate(LOOKALIKES).replace(" ", "")
    if not cleaned.startswith("RF"):
        return None
    tail = cleaned[2:].removeprefix("-").replace("-", "")
    if len(tail) != CODE_CHARS or any(ch not in ALPHABET for ch in tail):
        return None
    return PREFIX + tail


def is_referral_code(text: object) -> bool:
    """Whether ``text`` is written as a referral code is kept on a receipt (``RF-`` and 8
    characters): what the promo code check leaves to this feature."""
    return (
        isinstance(text, str)
        and text.strip().upper().startswith(PREFIX)
        and (referral_code_of(text) is not None)
    )


# --- the terms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignTerms:
    """A campaign as a manager sets it (typed, validated by :func:`check_terms`)."""

    issued_on: dt.date
    valid_days: int
    friend_percent: Decimal
    bonus_rule: str  # fixed, percent, percent_max
    bonus_amount: int = 0  # fixed: kopecks
    bonus_percent: Decimal = Decimal(0)  # percent, percent_max
    bonus_max: int = 0  # percent_max: kopecks
    min_purchase: int = 0  # kopecks of the campaign's goods
    group_id: int | None = None  # None: every product
    codes: int = 3
    note: str = ""


def check_terms(terms: CampaignTerms) -> CampaignTerms:
    """The terms checked and made canonical; ValidationError says what to fix."""
    if not isinstance(terms, CampaignTerms):
        raise ValidationError(_("Give the campaign's terms."))
    issued_on = check_date(terms.issued_on, _("The issue date"))
    valid_days = check_count(
        terms.valid_days, _("Days the codes are valid"), minimum=1, maximum=MAX_VALID_DAYS
    )
    friend = check_percent(terms.friend_percent, _("The friend's discount"))
    if terms.bonus_rule not in BONUS_RULES:
        raise ValidationError(
            _("The bonus rule is one of {choices}, not {value!r}.").format(
                choices=", ".join(BONUS_RULES), value=str(terms.bonus_rule)[:20]
            )
        )
    amount, percent, most = 0, Decimal(0), 0
    if terms.bonus_rule == "fixed":
        amount = check_kopecks(terms.bonus_amount, _("The referrer's bonus"), minimum=1)
    else:
        percent = check_percent(terms.bonus_percent, _("The referrer's bonus percentage"))
        if terms.bonus_rule == "percent_max":
            most = check_kopecks(terms.bonus_max, _("The most bonus per purchase"), minimum=1)
    least = check_kopecks(terms.min_purchase, _("The minimum purchase"))
    group_id = None
    if terms.group_id is not None:
        group_id = check_id(terms.group_id, _("The product group"))
        if not ProductGroup.select().where(ProductGroup.id == group_id).exists():
            raise ValidationError(_("There is no such product group: choose one from the list."))
    codes = check_count(terms.codes, _("The number of codes"), minimum=1, maximum=MAX_CODES)
    note = check_text(terms.note, _("The note"), max_len=200)
    return CampaignTerms(
        issued_on, valid_days, friend, terms.bonus_rule, amount, percent, most, least,
        group_id, codes, note,
    )  # fmt: skip


def bp(percent: Decimal) -> int:
    return int(percent * 100)


def bonus_for(purchase: int, rule: str, amount: int, bonus_bp: int, most: int) -> int:
    """The referrer's bonus for a friend's purchase of ``purchase`` kopecks (of the campaign's
    goods, after every discount): the fixed amount, or the percentage rounded half up to the
    kopeck (torgtui.money), at most ``most`` for ``percent_max``."""
    if purchase <= 0:
        return 0
    if rule == "fixed":
        return amount
    bonus = percent_of(purchase, Decimal(bonus_bp) / 100)
    return min(bonus, most) if rule == "percent_max" else bonus


# --- campaigns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """A campaign as the card and the register read it."""

    id: int
    customer_id: int
    issued_on: dt.date
    valid_days: int
    friend_percent: Decimal
    bonus_rule: str
    bonus_amount: int
    bonus_percent: Decimal
    bonus_max: int
    min_purchase: int
    group_id: int | None
    group: str  # the group's path ("" for everything)
    blocked: bool
    note: str = ""
    codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid_until(self) -> dt.date:
        """The last day its codes are valid (inclusive)."""
        return self.issued_on + dt.timedelta(days=self.valid_days - 1)

    def bonus_for(self, purchase: int) -> int:
        return bonus_for(
            purchase, self.bonus_rule, self.bonus_amount, bp(self.bonus_percent), self.bonus_max
        )

    def bonus_text(self) -> str:
        """The rule in words: "50.00 ₴", "5% of the purchase", "5% of the purchase, at most
        100.00 ₴"."""
        if self.bonus_rule == "fixed":
            return format_money(self.bonus_amount)
        percent = f"{self.bonus_percent.normalize():f}%"
        if self.bonus_rule == "percent_max":
            return _("{percent} of the purchase, at most {most}").format(
                percent=percent, most=format_money(self.bonus_max)
            )
        return _("{percent} of the purchase").format(percent=percent)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _campaign(row: ReferralCampaign, group: str, codes: Iterable[str] = ()) -> Campaign:
    return Campaign(
        row.id,
        row.customer_id,
        _day(row.issued_on),
        row.valid_days,
        Decimal(row.friend_bp) / 100,
        row.bonus_rule,
        row.bonus_amount,
        Decimal(row.bonus_bp) / 100,
        row.bonus_max,
        row.min_purchase,
        row.group_id,
        group,
        bool(row.blocked),
        row.note,
        tuple(codes),
    )


def _group_path(group_id: int | None) -> str:
    if group_id is None:
        return ""
    return str(query_value('SELECT "path" FROM "product_group" WHERE "id" = ?', (group_id,)) or "")


def _taken(codes: list[str]) -> set[str]:
    """Which of ``codes`` are a referral code, a promo code or an article already."""
    marks = ", ".join("?" * len(codes))
    taken: set[str] = set()
    for statement in (
        f'SELECT "code" FROM "referral_code" WHERE "code" IN ({marks})',
        f'SELECT "code" FROM "promo_code" WHERE "code" IN ({marks})',
        f'SELECT "sku" FROM "product" WHERE "sku" IN ({marks})',
    ):
        taken.update(r[0] for r in database.execute_sql(sql(statement), codes).fetchall())
    return taken


def _fresh(count: int) -> list[str]:
    made: list[str] = []
    for _round in range(20):
        drawn = list(
            dict.fromkeys(
                PREFIX + "".join(secrets.choice(ALPHABET) for _n in range(CODE_CHARS))
                for _i in range(count - len(made))
            )
        )
        taken = _taken(drawn) | set(made)
        made.extend(c for c in drawn if c not in taken)
        if len(made) >= count:
            return made[:count]
    raise ValidationError(_("Could not find free codes: try again."))  # pragma: no cover


def create_campaign(
    customer_id: int, terms: CampaignTerms, *, by: Employee, clock: Clock = system_clock
) -> Campaign:
    """Add a campaign to a customer's card with its N individual codes; audited with the terms
    and how many codes, never the codes."""
    require(by, Permission.EDIT_PRICES)
    customer_id = check_id(customer_id, _("The customer"))
    terms = check_terms(terms)
    now = clock()
    with write_tx():
        customer = Customer.get_or_none(Customer.id == customer_id)
        if customer is None or customer.status != "active":
            raise ValidationError(
                _("Only an active customer's card can refer friends: check the card.")
            )
        if not customer.card:
            raise ValidationError(
                _("Give {name} a discount card first: the bonuses for friends go onto it.").format(
                    name=customer.name
                )
            )
        row = ReferralCampaign.create(
            customer=customer_id,
            issued_on=terms.issued_on,
            valid_days=terms.valid_days,
            friend_bp=bp(terms.friend_percent),
            bonus_rule=terms.bonus_rule,
            bonus_amount=terms.bonus_amount,
            bonus_bp=bp(terms.bonus_percent),
            bonus_max=terms.bonus_max,
            min_purchase=terms.min_purchase,
            group=terms.group_id,
            blocked=False,
            note=terms.note,
            created_at=now,
            created_by=by.id,
        )
        codes = _fresh(terms.codes)
        try:
            with database.atomic():
                insert_rows(
                    "referral_code",
                    ["campaign_id", "referrer_id", "code", "created_at", "purchase", "bonus"],
                    [(row.id, customer_id, c, stamp(now), 0, 0) for c in codes],
                )
        except peewee.IntegrityError:  # another campaign drew the same code at this moment
            raise ValidationError(
                _("Codes were being made elsewhere at once: try again.")
            ) from None
        audit(
            "referral.campaign",
            by,
            object_type="customer",
            object_id=customer_id,
            after={
                "campaign": row.id,
                "issued_on": terms.issued_on.isoformat(),
                "valid_days": terms.valid_days,
                "friend_percent": str(terms.friend_percent),
                "bonus_rule": terms.bonus_rule,
                "bonus_amount": terms.bonus_amount,
                "bonus_percent": str(terms.bonus_percent),
                "bonus_max": terms.bonus_max,
                "min_purchase": terms.min_purchase,
                "group": terms.group_id,
                "codes": len(codes),
            },
            clock=clock,
        )
    return _campaign(row, _group_path(terms.group_id), codes)


def block_campaign(campaign_id: int, *, by: Employee, clock: Clock = system_clock) -> None:
    """Stop a campaign: its unused codes are refused from now on (used ones stay as they are)."""
    require(by, Permission.EDIT_PRICES)
    campaign_id = check_id(campaign_id, _("The campaign"))
    with write_tx():
        done = database.execute_sql(
            sql('UPDATE "referral_campaign" SET "blocked" = ? WHERE "id" = ? AND NOT "blocked"'),
            (True, campaign_id),
        ).rowcount
        if done:
            audit(
                "referral.block",
                by,
                object_type="referral_campaign",
                object_id=campaign_id,
                clock=clock,
            )


def campaign(campaign_id: int) -> Campaign:
    row = ReferralCampaign.get_or_none(
        ReferralCampaign.id == check_id(campaign_id, _("The campaign"))
    )
    if row is None:
        raise ValidationError(_("There is no such campaign: choose one from the list."))
    codes = [
        c
        for (c,) in ReferralCode.select(ReferralCode.code)
        .where(ReferralCode.campaign == row.id)
        .order_by(ReferralCode.id)
        .tuples()
    ]
    return _campaign(row, _group_path(row.group_id), codes)


def campaigns_of(customer_id: int) -> list[Campaign]:
    """A customer's campaigns, the newest first, each with its codes."""
    rows = list(
        ReferralCampaign.select()
        .where(ReferralCampaign.customer == check_id(customer_id, _("The customer")))
        .order_by(ReferralCampaign.id.desc())
    )
    codes: dict[int, list[str]] = {}
    if rows:
        for campaign_id, code in (
            ReferralCode.select(ReferralCode.campaign, ReferralCode.code)
            .where(ReferralCode.campaign.in_([r.id for r in rows]))
            .order_by(ReferralCode.id)
            .tuples()
        ):
            codes.setdefault(campaign_id, []).append(code)
    paths = {r.group_id: _group_path(r.group_id) for r in rows}
    return [_campaign(r, paths[r.group_id], codes.get(r.id, ())) for r in rows]


# --- the codes on the referrer's card -----------------------------------------------------------


@dataclass(frozen=True)
class CodeRow:
    """One code on the referrer's card: who used it, when, for how much, and the bonus."""

    id: int
    code: str
    campaign_id: int
    valid_until: dt.date
    blocked: bool
    used_at: dt.datetime | None = None
    friend_id: int | None = None
    friend: str = ""  # the friend's name and card
    receipt_id: int | None = None
    receipt_number: int | None = None
    purchase: int = 0
    bonus: int = 0
    reversed: int = 0  # of the bonus, what returns of the friend's purchase took back

    @property
    def state(self) -> str:
        if self.used_at is not None:
            return "paid"
        if self.blocked:
            return "blocked"
        return "unused"

    def state_title(self, today: dt.date | None = None) -> str:
        if self.used_at is not None:
            return _("paid")
        if self.blocked:
            return _("blocked")
        if today is not None and today > self.valid_until:
            return _("expired")
        return _("unused")


def reversed_by_code(code_ids: list[int]) -> dict[int, int]:
    """{code id: bonus taken back by returns} (positive kopecks)."""
    if not code_ids:
        return {}
    docs = [f"referral:{i}" for i in code_ids]
    marks = ", ".join("?" * len(docs))
    rows = database.execute_sql(
        sql(
            'SELECT "document", COALESCE(SUM("amount"), 0) FROM "ledger_entry" '
            f'WHERE "kind" = ? AND "document" IN ({marks}) GROUP BY "document"'
        ),
        ["referral_back", *docs],
    ).fetchall()
    return {int(doc.split(":", 1)[1]): -int(total) for doc, total in rows}


def codes_of(customer_id: int, *, campaign_id: int | None = None) -> list[CodeRow]:
    """The referrer's codes (of one campaign, or all), in the order they were made."""
    customer_id = check_id(customer_id, _("The customer"))
    statement = (
        'SELECT k."id", k."code", k."campaign_id", c."issued_on", c."valid_days", c."blocked", '
        'k."used_at", k."friend_id", f."name", f."card", k."receipt_id", r."number", '
        'k."purchase", k."bonus" FROM "referral_code" k '
        'JOIN "referral_campaign" c ON c."id" = k."campaign_id" '
        'LEFT JOIN "customer" f ON f."id" = k."friend_id" '
        'LEFT JOIN "receipt" r ON r."id" = k."receipt_id" WHERE k."referrer_id" = ?'
    )
    params: list[object] = [customer_id]
    if campaign_id is not None:
        statement += ' AND k."campaign_id" = ?'
        params.append(check_id(campaign_id, _("The campaign")))
    rows = database.execute_sql(sql(statement + ' ORDER BY k."id"'), params).fetchall()
    back = reversed_by_code([r[0] for r in rows if r[6] is not None])
    out = []
    for r in rows:
        until = _day(r[3]) + dt.timedelta(days=int(r[4]) - 1)
        who = f"{r[8]} ({r[9]})" if r[8] and r[9] else (r[8] or "")
        used = r[6] if r[6] is None or isinstance(r[6], dt.datetime) else _as_dt(r[6])
        out.append(
            CodeRow(
                r[0],
                r[1],
                r[2],
                until,
                bool(r[5]),
                used,
                r[7],
                who,
                r[10],
                r[11],
                int(r[12]),
                int(r[13]),
                back.get(r[0], 0),
            )
        )
    return out


def _as_dt(value: object) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value))


def unused_codes(customer_id: int, *, campaign_id: int | None = None) -> list[str]:
    """The codes still to hand out (not used, not blocked), for printing and copying."""
    return [
        row.code
        for row in codes_of(customer_id, campaign_id=campaign_id)
        if row.used_at is None and not row.blocked
    ]


def show_info(customer_id: int, today: dt.date) -> dict[str, object]:
    """What ``torgtui customer show`` prints of Refer a Friend: the customer's codes with who
    used them, and the code that brought this customer (money in kopecks)."""
    codes = [
        {
            "code": r.code,
            "campaign": r.campaign_id,
            "state": r.state if r.state != "unused" or today <= r.valid_until else "expired",
            "valid_until": r.valid_until.isoformat(),
            "friend": r.friend or None,
            "used_at": r.used_at.isoformat() if r.used_at else None,
            "receipt": r.receipt_number,
            "purchase": r.purchase,
            "bonus": r.bonus,
            "reversed": r.reversed,
        }
        for r in codes_of(customer_id)
    ]
    row = database.execute_sql(
        sql(
            'SELECT k."code", p."name" FROM "referral_code" k JOIN "customer" p '
            'ON p."id" = k."referrer_id" WHERE k."friend_id" = ?'
        ),
        (customer_id,),
    ).fetchone()
    by = {"code": row[0], "referrer": row[1]} if row else None
    return {"codes": codes, "referred_by": by}


def show_lines(info: dict[str, object]) -> list[str]:
    """A few readable lines of :func:`show_info` (nothing when there is nothing to say)."""
    codes = info.get("codes") or []
    lines = []
    if codes:
        paid = [c for c in codes if c["state"] == "paid"]  # type: ignore[index]
        lines.append(
            _("Refer a Friend: {n} codes, {paid} paid, bonuses {bonus}").format(
                n=len(codes),  # type: ignore[arg-type]
                paid=len(paid),
                bonus=format_money(sum(c["bonus"] - c["reversed"] for c in paid)),  # type: ignore[index]
            )
        )
        for c in codes:  # type: ignore[union-attr]
            if c["state"] == "paid":
                lines.append(
                    _("  {code} paid {day}: {friend}, {purchase}, bonus {bonus}").format(
                        code=c["code"],
                        day=str(c["used_at"])[:10],
                        friend=c["friend"],
                        purchase=format_money(c["purchase"]),
                        bonus=format_money(c["bonus"] - c["reversed"]),
                    )
                )
            else:
                lines.append(
                    _("  {code} {state}, valid until {day}").format(
                        code=c["code"], state=_state_title(c["state"]), day=c["valid_until"]
                    )
                )
    by = info.get("referred_by")
    if by:
        lines.append(
            _("Came by referral code {code} of {referrer}").format(**by)  # type: ignore[arg-type]
        )
    return lines


def _state_title(state: str) -> str:
    return {
        "paid": _("paid"),
        "blocked": _("blocked"),
        "expired": _("expired"),
        "unused": _("unused"),
    }.get(state, state)


def with_codes(terms: CampaignTerms, codes: int) -> CampaignTerms:
    return replace(terms, codes=codes)


__all__ = [
    "CODE_CHARS",
    "MAX_AMOUNT",
    "MAX_CODES",
    "PREFIX",
    "Campaign",
    "CampaignTerms",
    "CodeRow",
    "block_campaign",
    "bonus_for",
    "bonus_rule_title",
    "campaign",
    "campaigns_of",
    "check_terms",
    "codes_of",
    "create_campaign",
    "is_referral_code",
    "referral_code_of",
    "reversed_by_code",
    "show_info",
    "show_lines",
    "unused_codes",
]
