"""The shop's default Refer a Friend terms, and their table in the rules file.

Campaigns are per customer (torgtui.marketing.referral), so the rules file does not list them;
it holds the terms a new campaign starts from (the card's form is filled with them, a manager
changes what this customer gets):

    [referral_campaign]
    valid_days = 90          # the codes are valid this many days from the issue date
    friend_percent = 10      # the friend's discount on the first purchase
    bonus_rule = "percent_max"   # fixed | percent | percent_max
    bonus_amount = 10000     # fixed: kopecks per friend's purchase
    bonus_percent = 5        # percent, percent_max: of the friend's purchase
    bonus_max = 20000        # percent_max: the most per purchase, kopecks
    min_purchase = 50000     # kopecks of the campaign's goods; 0: none
    group = "Cosmetics/Care" # a product group by its path; "" or absent: everything
    codes = 3                # codes per campaign

They are kept in the ``setting`` table (``referral.*``), changed by permission to edit prices,
audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.policy import stored_fields
from torgtui.marketing.referral import CampaignTerms, check_terms
from torgtui.marketing.rules_common import at, by, group_paths, num
from torgtui.marketing.rules_file import (
    NUMBER,
    TEXT,
    WHOLE,
    Context,
    Key,
    Record,
    RuleKind,
    register,
)
from torgtui.models import Employee, Setting
from torgtui.staff import Permission, audit, require

PREFIX = "referral."


@dataclass(frozen=True)
class ReferralDefaults:
    """The terms a new campaign starts from."""

    valid_days: int = 90
    friend_percent: Decimal = Decimal(10)
    bonus_rule: str = "fixed"
    bonus_amount: int = 10000
    bonus_percent: Decimal = Decimal(5)
    bonus_max: int = 20000
    min_purchase: int = 0
    group: str = ""  # a product group's path; "": everything
    codes: int = 3

    def terms(self, issued_on: dt.date, *, group_id: int | None = None) -> CampaignTerms:
        """Campaign terms from these defaults (``group_id``: the group's id, resolved by the
        caller from :attr:`group`; see :func:`group_id_of`)."""
        return CampaignTerms(
            issued_on=issued_on,
            valid_days=self.valid_days,
            friend_percent=self.friend_percent,
            bonus_rule=self.bonus_rule,
            bonus_amount=self.bonus_amount if self.bonus_rule == "fixed" else 0,
            bonus_percent=self.bonus_percent if self.bonus_rule != "fixed" else Decimal(0),
            bonus_max=self.bonus_max if self.bonus_rule == "percent_max" else 0,
            min_purchase=self.min_purchase,
            group_id=group_id,
            codes=self.codes,
        )

    def checked(self) -> ReferralDefaults:
        """Checked as a campaign's terms would be (the group by its path)."""
        group_id = group_id_of(self.group) if self.group else None
        if self.group and group_id is None:
            raise ValidationError(
                _(
                    "There is no product group {path!r} (a group is named by its path, like "
                    "Clothing/Women)."
                ).format(path=self.group[:80])
            )
        terms = check_terms(self.terms(dt.date(2026, 1, 1), group_id=group_id))
        return ReferralDefaults(
            terms.valid_days,
            terms.friend_percent,
            terms.bonus_rule,
            terms.bonus_amount or self.bonus_amount,
            terms.bonus_percent or self.bonus_percent,
            terms.bonus_max or self.bonus_max,
            terms.min_purchase,
            self.group,
            terms.codes,
        )


def group_id_of(path: str) -> int | None:
    """The product group with this path (None: no such group, or no path)."""
    if not path:
        return None
    found = {p: i for i, p in group_paths().items()}
    return found.get(path)


_DECIMALS = {"friend_percent", "bonus_percent"}
_WHOLES = {"valid_days", "bonus_amount", "bonus_max", "min_purchase", "codes"}


def _decode(name: str, text: str) -> object:
    if name in _DECIMALS:
        return Decimal(text)
    if name in _WHOLES:
        return int(text)
    return text


def load_defaults() -> ReferralDefaults:
    """The shop's defaults (the built-in ones for what it never set)."""
    values = stored_fields(PREFIX, ReferralDefaults, _decode)
    try:
        return ReferralDefaults(**values)  # type: ignore[arg-type]
    except TypeError:  # pragma: no cover - every known key has its type above
        return ReferralDefaults()


def save_defaults(
    defaults: ReferralDefaults, *, by: Employee | None, clock: Clock = system_clock
) -> ReferralDefaults:
    """Store the defaults (by permission to edit prices and promotions), audited."""
    require(by, Permission.EDIT_PRICES)
    defaults = defaults.checked()
    before = load_defaults()
    with write_tx():
        for name, value in asdict(defaults).items():
            Setting.insert(key=PREFIX + name, value=str(value)).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: str(value)}
            ).execute()
        if before != defaults:
            audit(
                "referral.defaults",
                by,
                object_type="setting",
                object_id="referral",
                before={k: str(v) for k, v in asdict(before).items()},
                after={k: str(v) for k, v in asdict(defaults).items()},
                clock=clock,
            )
    return defaults


# --- [referral_campaign] -----------------------------------------------------------------------


def _record(d: ReferralDefaults) -> Record:
    record: Record = {
        "valid_days": d.valid_days,
        "friend_percent": num(d.friend_percent),
        "bonus_rule": d.bonus_rule,
        "bonus_amount": d.bonus_amount,
        "bonus_percent": num(d.bonus_percent),
        "bonus_max": d.bonus_max,
        "min_purchase": d.min_purchase,
        "codes": d.codes,
    }
    if d.group:
        record["group"] = d.group
    return record


def _dump() -> list[Record]:
    """The table once the shop has set its defaults (an export of a shop that never did stays
    as it was: the built-in defaults need no table)."""
    if not database.execute_sql(
        sql('SELECT 1 FROM "setting" WHERE "key" LIKE ? LIMIT 1'), (PREFIX + "%",)
    ).fetchone():
        return []
    return [_record(load_defaults())]


def _load(record: Record, ctx: Context) -> Record:
    values: dict[str, Any] = {}
    for key, value in record.items():
        if key in _DECIMALS:
            value = Decimal(value)
        with at(key):
            ReferralDefaults(**{**asdict(ReferralDefaults()), key: value}).checked()
        values[key] = value
    with at(None):
        return _record(ReferralDefaults(**values).checked())


def _save(new: Record, old: Record | None, ctx: Context) -> None:
    values = {k: Decimal(str(v)) if k in _DECIMALS else v for k, v in new.items()}
    save_defaults(ReferralDefaults(**values), **by(ctx))


register(
    RuleKind(
        name="referral_campaign",
        order=60,
        keys={
            "valid_days": Key(WHOLE),
            "friend_percent": Key(NUMBER),
            "bonus_rule": Key(TEXT),
            "bonus_amount": Key(WHOLE),
            "bonus_percent": Key(NUMBER),
            "bonus_max": Key(WHOLE),
            "min_purchase": Key(WHOLE),
            "group": Key(TEXT),
            "codes": Key(WHOLE),
        },
        id_keys=(),
        dump=_dump,
        load=_load,
        save=_save,
    )
)


__all__ = ["ReferralDefaults", "group_id_of", "load_defaults", "save_defaults"]
